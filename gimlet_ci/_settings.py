"""Settings: command-line options > ``GIMLET_*`` variables > the platform's own inputs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from gimlet_ci._parse import parse_bool, parse_duration, parse_fields, parse_pair
from gimlet_ci._secrets import MIN_SECRET_LENGTH
from gimlet_ci.adapters import InputValue
from gimlet_ci.exceptions import ConfigError, MissingSettingsError

DEFAULT_TIMEOUT = 600.0
DEFAULT_MANIFESTS = ".gimlet"

_ENV_NAMES = {
    "server": "GIMLET_SERVER",
    "token": "GIMLET_TOKEN",
    "wait": "GIMLET_WAIT",
    "deploy": "GIMLET_DEPLOY",
    "env": "GIMLET_ENV",
    "app": "GIMLET_APP",
    "timeout": "GIMLET_TIMEOUT",
    "dry_run": "GIMLET_DRY_RUN",
    "fields": "GIMLET_FIELDS",
    "manifests": "GIMLET_MANIFESTS",
    "ca_bundle": "GIMLET_CA_BUNDLE",
}
"""The ``GIMLET_*`` variable of each setting: the same on every platform."""

_OPTION_NAMES = {
    "server": "--server",
    "wait": "--wait",
    "deploy": "--deploy",
    "env": "--env",
    "app": "--app",
    "timeout": "--timeout",
    "dry_run": "--dry-run",
    "fields": "--field",
    "manifests": "--manifests",
    "ca_bundle": "--ca-bundle",
}


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a command needs to know, resolved and validated."""

    server: str | None = None
    """Gimlet's URL without a trailing slash."""
    token: str | None = attrs.field(default=None, repr=False)
    """The API token; never shown in a repr, a log or an error."""
    wait: bool = False
    deploy: bool = False
    env: str | None = None
    app: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    """Seconds for the whole command."""
    dry_run: bool = False
    manifests: str = DEFAULT_MANIFESTS
    fields: tuple[tuple[str, str], ...] = ()
    vars: tuple[tuple[str, str], ...] = ()
    ca_bundle: str | None = None
    insecure: bool = False
    sources: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    """Where each setting came from (``--timeout``, ``GIMLET_TIMEOUT``, ``INPUT_TIMEOUT``), for messages."""

    @property
    def guarded_token(self) -> str | None:
        """The token, when long enough to look for in what is sent (Gimlet's are JWTs; a short string occurs by
        chance, and looking for it would refuse harmless artifacts)."""
        return self.token if self.token and len(self.token) >= MIN_SECRET_LENGTH else None

    def check_mode(self) -> None:
        """An on-demand deploy (``deploy`` on) needs an environment: say so before anything is sent."""
        if self.deploy and not self.env:
            msg = f"{self.sources.get('deploy', 'deploy')} is on but no environment is set"
            raise ConfigError(msg, tip="an on-demand deploy needs --env / GIMLET_ENV (and optionally an app)")

    def require(self, *names: str, tip: str | None = None) -> None:
        """Raise one `MissingSettingsError` listing every setting in *names* that has no value (with *tip*)."""
        missing = [_ENV_NAMES[name] for name in names if not getattr(self, name)]
        if missing:
            raise MissingSettingsError(missing, tip=tip)


def _pick(
    name: str,
    options: Mapping[str, object],
    env: Mapping[str, str],
    inputs: Mapping[str, InputValue],
) -> tuple[str, object] | None:
    option = options.get(name)
    if option is not None and option != () and option is not False:
        return _OPTION_NAMES[name], option
    value = env.get(_ENV_NAMES[name], "")
    if value.strip():
        return _ENV_NAMES[name], value
    if name in inputs:
        source, raw = inputs[name]
        if raw.strip():
            return source, raw
    return None


def _check_url(value: str, source: str) -> str:
    try:
        parts = urlsplit(value.strip())
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = urlsplit("")
    if parts.username is not None or parts.password is not None:
        # The value is not shown: it holds a password.
        msg = f"{source} contains a user name or password"
        raise ConfigError(msg, tip="put only Gimlet's address there; the API token goes in GIMLET_TOKEN")
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        msg = f"{source}={value.strip()!r} is not an http(s) URL"
        raise ConfigError(msg, tip="set it to your Gimlet's address, for example https://gimlet.example.com")
    return value.strip().rstrip("/")


_TOKEN = re.compile(r"[\x21-\x7e]+")


def _check_token(value: str, source: str) -> str:
    if not _TOKEN.fullmatch(value):
        # The value is not shown, not even in part: it is the secret.
        msg = f"{source} holds characters an API token cannot have (spaces, line breaks or non-ASCII)"
        raise ConfigError(msg, tip="copy the token again from your Gimlet's /settings page")
    return value


def load_settings(
    *,
    options: Mapping[str, object],
    env: Mapping[str, str],
    inputs: Mapping[str, InputValue],
    extra_vars: Sequence[str] = (),
    insecure: bool = False,
) -> Settings:
    """Resolve every setting by precedence and validate it; a bad value names the option or variable it came from.

    *options* holds parsed command-line values (``None`` or absent when not given); *inputs* is the adapter's
    mapping of platform inputs.
    """
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for name in _ENV_NAMES:
        picked = _pick(name, options, env, inputs)
        if picked is not None:
            sources[name], values[name] = picked

    def text(name: str) -> str | None:
        value = values.get(name)
        return str(value).strip() if value is not None else None

    def flag(name: str) -> bool:
        value = values.get(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        return parse_bool(str(value), name=sources[name])

    timeout = DEFAULT_TIMEOUT
    if "timeout" in values:
        raw = values["timeout"]
        timeout = raw if isinstance(raw, float) else parse_duration(str(raw), name=sources["timeout"])

    fields: list[tuple[str, str]] = []
    raw_fields = values.get("fields")
    if isinstance(raw_fields, str):
        fields.extend(parse_fields(raw_fields, name=sources["fields"]))
    elif isinstance(raw_fields, Sequence):
        fields.extend(parse_pair(str(item), name="--field") for item in raw_fields)

    server = text("server")
    ca_bundle = text("ca_bundle") or None
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        msg = f"{sources['ca_bundle']}={ca_bundle!r} is not a readable file"
        raise ConfigError(msg, tip="point it at the PEM file of the CA that signed your Gimlet's certificate")
    return Settings(
        server=_check_url(server, sources["server"]) if server else None,
        token=_check_token(token, sources["token"]) if (token := text("token")) else None,
        wait=flag("wait"),
        deploy=flag("deploy"),
        env=text("env") or None,
        app=text("app") or None,
        timeout=timeout,
        dry_run=flag("dry_run"),
        manifests=text("manifests") or DEFAULT_MANIFESTS,
        fields=tuple(fields),
        vars=tuple(parse_pair(item, name="--var") for item in extra_vars),
        ca_bundle=ca_bundle,
        insecure=insecure,
        sources=sources,
    )
