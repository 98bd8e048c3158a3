"""Settings, each declared once as a field of `Settings`; resolved by precedence: command-line options >
``GIMLET_*`` variables > the platform's own inputs.

A declaration (`setting()` on the field) names the setting's parser, its command-line option and help, each
platform's input names and what that platform's packaging calls it, its default and its meaning; its variable is
``GIMLET_<NAME>``. `SETTINGS` lists the declarations, and they drive the CLI's options, `load_settings`, the adapters'
``inputs()``, the tests that hold the packaging (the action's inputs, the orb's parameters, the Woodpecker plugin's
settings) against them, and the generated settings reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

from gimlet_ci._parse import parse_bool, parse_duration, parse_fields, parse_pair, parse_vars
from gimlet_ci._retry import format_duration
from gimlet_ci._secrets import MIN_SECRET_LENGTH
from gimlet_ci.exceptions import ConfigError, InvalidSettingsError, MissingSettingsError

DEFAULT_TIMEOUT = 600.0
DEFAULT_MANIFESTS = ".gimlet"

Parse = Callable[[object, str], Any]
"""A setting's parser: (the raw value, where it came from) -> its value, or None for "use the default"; a bad value
raises `ConfigError` naming where it came from."""


@attrs.frozen
class Option:
    """A setting's command-line option."""

    name: str
    """``--server``; also how messages name a value given there."""
    help: str
    """The ``--help`` text (a command may say it its own way)."""
    metavar: str | None = None
    sets: bool | None = None
    """For a flag, the value it sets (``--wait``: on, ``--no-push``: off); None for an option that takes a value."""
    repeated: bool = False
    """Given once per value (``--field``)."""


@attrs.frozen
class Inputs:
    """One platform's names for a setting, read by its adapter's ``inputs()``."""

    platform: str
    """The adapter's name (``--platform``)."""
    names: tuple[str, ...]
    """The variables, in order of preference: the first with a non-blank value wins."""
    packaged: str | None = None
    """What the platform's packaging declares: the action's input id, the orb's parameter, the Woodpecker plugin's
    documented setting; None where it leaves the setting out (the variables still work)."""
    named_by: str | None = None
    """A variable that holds the *name* of the variable to read (the orb's ``env_var_name`` parameters, so that two
    Gimlets or other context names work); the variable it names wins over ``GIMLET_<NAME>``, because naming it is
    the explicit choice."""


@attrs.frozen(kw_only=True)
class Declaration:
    """One setting, as `setting()` declares it on its field of `Settings`."""

    name: str
    """The canonical name: the field's, and the key of options, of ``inputs()`` and of ``Settings.sources``."""
    parse: Parse
    default: object
    meaning: str
    """One line for the settings reference."""
    option: Option | None = None
    inputs: tuple[Inputs, ...] = ()
    secret: bool = False
    """Never shown: not in a repr, not in an error."""
    handed_on: bool = False
    """Its variable is what an earlier step hands on (CircleCI's ``$BASH_ENV``, GitLab's dotenv report, which
    outranks a job's own variables): a platform input given explicitly wins over it."""

    @property
    def variable(self) -> str:
        """``GIMLET_<NAME>``, the same on every platform."""
        return f"GIMLET_{self.name.upper()}"

    @property
    def written_default(self) -> str:
        """The default as a user writes it (``false``, ``10m``; empty for none), as the packaging declares it."""
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if isinstance(self.default, float):
            return format_duration(self.default)
        return str(self.default) if self.default else ""

    def input_names(self, platform: str) -> tuple[str, ...]:
        """The variables *platform* reads for this setting, in order of preference."""
        return next((found.names for found in self.inputs if found.platform == platform), ())

    def named_by(self, platform: str) -> str | None:
        """The variable that names *platform*'s variable for this setting (`Inputs.named_by`), if any."""
        return next((found.named_by for found in self.inputs if found.platform == platform), None)

    def pick(
        self, options: Mapping[str, object], env: Mapping[str, str], inputs: Mapping[str, tuple[str, str]]
    ) -> tuple[str, object] | None:
        """(where it came from, the raw value) of the first source with a value, or None: the option, then the
        variable, then the platform input. A flag that was not given reads as its default, and blank means unset."""
        option = options.get(self.name)
        if self.option is not None and option is not None and option != () and option is not _unset(self.default):
            return self.option.name, option
        source, raw = inputs.get(self.name, ("", ""))
        direct = {self.variable, *(name for found in self.inputs for name in found.names)}
        if (
            raw.strip() and source.upper() not in direct
        ):  # a variable an `env_var_name` parameter named: chosen explicitly
            return source, raw
        if self.handed_on and raw.strip():  # given in this step, over what an earlier step handed on
            return source, raw
        value = env.get(self.variable, "")
        if value.strip():
            return self.variable, value
        return (source, raw) if raw.strip() else None


def _unset(default: object) -> object:
    """The option value that means "not given": a boolean setting's default (a flag that was not set)."""
    return default if isinstance(default, bool) else None


_DECLARATION = "gimlet_ci.setting"


def setting(
    default: object,
    *,
    parse: Parse,
    meaning: str,
    option: Option | None = None,
    inputs: tuple[Inputs, ...] = (),
    secret: bool = False,
    handed_on: bool = False,
) -> Any:
    """Declare a setting: a field of `Settings` with *default*, and everything the rest of gimlet-ci reads about it
    (see `Declaration`)."""
    declaration = Declaration(
        name="",
        parse=parse,
        default=default,
        meaning=meaning,
        option=option,
        inputs=inputs,
        secret=secret,
        handed_on=handed_on,
    )
    return attrs.field(default=default, repr=not secret, metadata={_DECLARATION: declaration})


def _official(name: str, *, packaged: bool = True) -> tuple[Inputs, ...]:
    """*name* on the three platforms with input names of their own: ``INPUT_<NAME>`` (GitHub), ``PARAM_<NAME>`` (the
    CircleCI orb), ``PLUGIN_<NAME>`` (Woodpecker); with *packaged*, each platform's packaging declares it: as *name*
    (the orb's parameter, the plugin's setting) and, kebab-cased, as the action's input id (``ca_bundle`` →
    ``ca-bundle``, read as ``INPUT_CA_BUNDLE`` or a docker action's ``INPUT_CA-BUNDLE``)."""
    upper = name.upper()
    if "_" not in name:
        github: tuple[str, ...] = (f"INPUT_{upper}",)
        action_id = name
    else:  # the action's id is kebab-case (`ca-bundle`, like its outputs); a docker action's runner keeps the `-`
        github = (f"INPUT_{upper}", f"INPUT_{upper.replace('_', '-')}")
        action_id = name.replace("_", "-")
    return (
        Inputs("github", github, action_id if packaged else None),
        Inputs("circleci", (f"PARAM_{upper}",), name if packaged else None),
        Inputs("woodpecker", (f"PLUGIN_{upper}",), name if packaged else None),
    )


# -- parsers ---------------------------------------------------------------------------------------------------------


def _text(raw: object, source: str) -> str | None:
    del source
    return str(raw).strip() or None


def _flag(raw: object, source: str) -> bool:
    return raw if isinstance(raw, bool) else parse_bool(str(raw), name=source)


def _duration(raw: object, source: str) -> float:
    return raw if isinstance(raw, float) else parse_duration(str(raw), name=source)


def _links(raw: object, source: str) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, str):
        return parse_fields(raw, name=source)
    if isinstance(raw, Sequence):
        return tuple(parse_pair(str(item), name=source) for item in raw)
    return ()


def _url(raw: object, source: str) -> str | None:
    value = str(raw).strip()
    if not value:
        return None
    if any(c.isspace() for c in value) or re.search(r"[,;][A-Za-z_][A-Za-z0-9_]*=", value):
        # The value is not shown: what follows the URL may be the token (`...GIMLET_TOKEN=...`).
        msg = f"{source} holds more than a URL: a space, or another NAME= after it"
        raise ConfigError(msg, tip="set it to Gimlet's address alone, one setting per variable")
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = urlsplit("")
    if parts.username is not None or parts.password is not None:
        # The value is not shown: it holds a password.
        msg = f"{source} contains a user name or password"
        raise ConfigError(msg, tip="put only Gimlet's address there; the API token goes in GIMLET_TOKEN")
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        msg = f"{source}={value!r} is not an http(s) URL"
        raise ConfigError(msg, tip="set it to your Gimlet's address, for example https://gimlet.example.com")
    return value.rstrip("/")


_TOKEN = re.compile(r"[\x21-\x7e]+")


def _token(raw: object, source: str) -> str | None:
    value = str(raw).strip()
    if value and not _TOKEN.fullmatch(value):
        # The value is not shown, not even in part: it is the secret.
        msg = f"{source} holds characters an API token cannot have (spaces, line breaks or non-ASCII)"
        raise ConfigError(msg, tip="copy the token again from your Gimlet's /settings page")
    return value or None


_SHOWN_PATH = 120
"""Characters of a path shown in an error line; a longer one is cut (its end, the file name, is kept)."""


def _file(raw: object, source: str) -> str | None:
    from gimlet_ci._files import check_regular  # noqa: PLC0415 - only with a file setting

    value = str(raw).strip()
    if not value:
        return None
    try:
        check_regular(value)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        shown = value if len(value) <= _SHOWN_PATH else f"…{value[-_SHOWN_PATH:]}"
        why = getattr(e, "strerror", None) or "not a valid path"
        msg = f"{source}={shown!r} is not a readable file ({why[0].lower()}{why[1:]})"
        raise ConfigError(msg, tip="point it at the PEM file of the CA that signed your Gimlet's certificate") from e
    return value


def _vars(raw: object, source: str) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, str):
        return parse_vars(raw, name=source)
    if isinstance(raw, Sequence):  # repeated --var: one pair each, the value verbatim (`;` included)
        return tuple(parse_pair(str(item), name=source) for item in raw)
    return ()


COMMANDS = ("ship", "deploy", "track", "rollback", "lint", "explain")
"""What the ``command`` setting may name: the commands a pipeline step runs (``gimlet-ci step``)."""


def _command(raw: object, source: str) -> str | None:
    value = str(raw).strip()
    if value and value not in COMMANDS:
        msg = f"{source}={value!r} is not a command a pipeline step runs"
        raise ConfigError(msg, tip=f"use one of {', '.join(COMMANDS)}")
    return value or None


# -- the settings ----------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Settings:
    """Everything a command needs to know, resolved and validated; every setting is declared here, once."""

    server: str | None = setting(
        None,
        parse=_url,
        option=Option("--server", "Gimlet's URL (default: GIMLET_SERVER)"),
        inputs=(
            Inputs("woodpecker", ("PLUGIN_GIMLET_SERVER",), packaged="gimlet_server"),
            Inputs("circleci", (), packaged="server_env_var_name", named_by="PARAM_SERVER_ENV_VAR_NAME"),
        ),
        meaning="Gimlet's URL, `https://gimlet.example.com`",
    )
    """Gimlet's URL without a trailing slash."""
    token: str | None = setting(
        None,
        parse=_token,
        secret=True,
        inputs=(
            Inputs("woodpecker", ("PLUGIN_GIMLET_TOKEN",), packaged="gimlet_token"),
            Inputs("circleci", (), packaged="token_env_var_name", named_by="PARAM_TOKEN_ENV_VAR_NAME"),
        ),
        meaning="a Gimlet API key (generate one on Gimlet's `/settings` page); never printed",
    )
    """The API token; never shown in a repr, a log or an error. It has no option: command lines show in process
    lists and CI logs."""
    wait: bool = setting(
        False,  # noqa: FBT003 - a default, not a flag argument
        parse=_flag,
        option=Option("--wait", "wait until every triggered deploy is reconciled", sets=True),
        inputs=_official("wait"),
        meaning="automated mode: wait until every deploy the artifact triggered is reconciled (boolean)",
    )
    deploy: bool = setting(
        False,  # noqa: FBT003
        parse=_flag,
        option=Option("--deploy", "make an on-demand release after shipping", sets=True),
        inputs=_official("deploy"),
        meaning="on-demand mode: release the artifact to `env` (and `app`) and track the release (boolean)",
    )
    env: str | None = setting(
        None,
        parse=_text,
        option=Option("--env", "environment of the on-demand release"),
        inputs=_official("env"),
        meaning="environment of the on-demand release",
    )
    app: str | None = setting(
        None,
        parse=_text,
        option=Option("--app", "app of the on-demand release (default: every app of the env)"),
        inputs=_official("app"),
        meaning="app of the on-demand release; every app of `env` when empty",
    )
    timeout: float = setting(
        DEFAULT_TIMEOUT,
        parse=_duration,
        option=Option("--timeout", "deadline for the whole command, Go-style: 90s, 10m, 1h30m", metavar="DURATION"),
        inputs=_official("timeout"),
        meaning="one deadline for the whole command, Go-style (`90s`, `10m`, `1h30m`); default `10m`",
    )
    """Seconds for the whole command."""
    dry_run: bool = setting(
        False,  # noqa: FBT003
        parse=_flag,
        option=Option("--dry-run", "build and print the artifact, send nothing", sets=True),
        inputs=(
            Inputs("github", ("INPUT_DRY_RUN", "INPUT_DRY-RUN", "INPUT_DEBUG"), packaged="debug"),
            Inputs("circleci", ("PARAM_DRY_RUN", "PARAM_DEBUG"), packaged="debug"),
            Inputs("woodpecker", ("PLUGIN_DRY_RUN", "PLUGIN_DEBUG"), packaged="debug"),
        ),
        meaning="build and print the artifact, send nothing (boolean)",
    )
    fields: tuple[tuple[str, str], ...] = setting(
        (),
        parse=_links,
        option=Option("--field", "add a link to the artifact (repeatable)", metavar="NAME=URL", repeated=True),
        inputs=_official("fields"),
        meaning="extra links on the artifact, `name=url` pairs separated by `;` or newlines",
    )
    manifests: str = setting(
        DEFAULT_MANIFESTS,
        parse=_text,
        option=Option("--manifests", "folder of the Gimlet manifests (default: .gimlet)", metavar="DIR"),
        inputs=_official("manifests"),
        meaning="folder of the Gimlet manifests; default `.gimlet`",
    )
    branch: str | None = setting(
        None,
        parse=_text,
        option=Option("--branch", "the branch this build is of, over the detected one (deploy policies match it)"),
        inputs=_official("branch"),
        meaning="the branch of the build, over what the CI or git says (a detached HEAD has none, and branch policies "
        "then do not fire)",
    )
    require_manifests: bool = setting(
        False,  # noqa: FBT003
        parse=_flag,
        option=Option("--require-manifests", "fail (exit 2) when the manifests folder is missing", sets=True),
        inputs=_official("require_manifests"),
        meaning="a missing manifests folder is an error (exit 2) instead of a warning and an artifact without "
        "manifests (boolean)",
    )
    ca_bundle: str | None = setting(
        None,
        parse=_file,
        option=Option("--ca-bundle", "CA certificates for a self-signed Gimlet (GIMLET_CA_BUNDLE)", metavar="FILE"),
        inputs=_official("ca_bundle"),
        meaning="CA certificates (PEM file) for a Gimlet with a private CA",
    )
    push: bool = setting(
        True,  # noqa: FBT003
        parse=_flag,
        option=Option("--no-push", "wait by polling only, without Gimlet's push channel (GIMLET_PUSH=off)", sets=False),
        meaning="listen on Gimlet's push channel while waiting (boolean, default on); off: poll only",
    )
    """Listen on Gimlet's push channel while waiting (``GIMLET_PUSH=off`` or ``--no-push``: poll only)."""
    # -- what a pipeline passes on (issue 12): template vars, the command of a step, and the ids it works on --------
    vars: tuple[tuple[str, str], ...] = setting(
        (),
        parse=_vars,
        option=Option("--var", "add a template variable (repeatable)", metavar="KEY=VALUE", repeated=True),
        inputs=_official("vars"),
        meaning=(
            "template variables from the pipeline, `KEY=VALUE` one per line or `;`-separated (an image digest: "
            "`DIGEST=sha256:…`); they win over `.gimlet/vars`"
        ),
    )
    """Template variables from the pipeline; merged after ``.gimlet/vars``, so they win."""
    command: str = setting(
        "ship",
        parse=_command,
        inputs=_official("command"),
        meaning="what a pipeline step runs: `ship` (default), `deploy`, `track`, `rollback`, `lint` or `explain`",
    )
    """The command `gimlet-ci step` runs (the packagings' entry)."""
    artifact_id: str | None = setting(
        None,
        parse=_text,
        inputs=(*_official("artifact_id"), Inputs("gitlab", ("INPUT_ARTIFACT_ID",), "artifact-id")),
        handed_on=True,
        meaning=(
            "the artifact `deploy` releases and `track` reads (the ship step's `artifact-id` output); a platform input"
            " given wins over `GIMLET_ARTIFACT_ID`, which earlier steps hand on"
        ),
    )
    """``GIMLET_ARTIFACT_ID``: what CircleCI's ``$BASH_ENV`` and GitLab's dotenv report hand to later steps."""
    release_id: str | None = setting(
        None,
        parse=_text,
        inputs=(*_official("release_id"), Inputs("gitlab", ("INPUT_RELEASE_ID",), "release-id")),
        handed_on=True,
        meaning=(
            "the release or rollback `track` reads (the ship step's `release-id` output); wins over `artifact_id`;"
            " a platform input given wins over `GIMLET_RELEASE_ID`, which earlier steps hand on"
        ),
    )
    rollback_to: str | None = setting(
        None,
        parse=_text,
        inputs=_official("rollback_to"),
        meaning="the gitops commit `rollback` returns `env`/`app` to",
    )
    dotenv: str | None = setting(
        None,
        parse=_text,
        meaning=(
            "GitLab: the file to write a dotenv report to (`GIMLET_ARTIFACT_ID`, `GIMLET_RELEASE_ID`, `GIMLET_URL`, "
            "`GIMLET_STATUS`), named under `artifacts: reports: dotenv:`"
        ),
    )
    # -- end of issue 12's settings ------------------------------------------------------------------------------
    insecure: bool = False
    """TLS verification off (``--insecure``; no variable, so that it is never switched on by accident)."""
    sources: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    """Where each setting came from (``--timeout``, ``GIMLET_TIMEOUT``, ``INPUT_TIMEOUT``), for messages."""

    @property
    def guarded_token(self) -> str | None:
        """The token, when long enough to look for in what is sent (Gimlet's are JWTs; a short string occurs by
        chance, and looking for it would refuse harmless artifacts)."""
        return self.token if self.token and len(self.token) >= MIN_SECRET_LENGTH else None

    def check_mode(self, platform: str = "cli") -> None:
        """An on-demand deploy (``deploy`` on) needs an environment: say so before anything is sent, in *platform*'s
        words."""
        if self.deploy and not self.env:
            msg = f"{self.sources.get('deploy', 'deploy')} is on but no environment is set"
            tip = f"an on-demand deploy needs {spoken('env', platform)} (and optionally {spoken('app', platform)})"
            raise ConfigError(msg, tip=tip)

    def require(self, *names: str, tip: str | None = None) -> None:
        """Raise one `MissingSettingsError` listing every setting in *names* that has no value (with *tip*)."""
        missing = [BY_NAME[name].variable for name in names if not getattr(self, name)]
        if missing:
            raise MissingSettingsError(missing, tip=tip)


SETTINGS: tuple[Declaration, ...] = tuple(
    attrs.evolve(field.metadata[_DECLARATION], name=field.name)
    for field in attrs.fields(Settings)
    if _DECLARATION in field.metadata
)
"""Every setting's declaration, in the order of the fields of `Settings`."""

BY_NAME = {declaration.name: declaration for declaration in SETTINGS}


def input_table(platform: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(setting, *platform*'s variables for it in order of preference) for every setting *platform* has inputs for."""
    return tuple((d.name, names) for d in SETTINGS if (names := d.input_names(platform)))


def naming_table(platform: str) -> tuple[tuple[str, str], ...]:
    """(setting, the variable naming *platform*'s variable for it) for every setting read that way."""
    return tuple((d.name, named_by) for d in SETTINGS if (named_by := d.named_by(platform)))


def load_settings(
    *,
    options: Mapping[str, object],
    env: Mapping[str, str],
    inputs: Mapping[str, tuple[str, str]],
    extra_vars: Sequence[str] = (),
    insecure: bool = False,
) -> Settings:
    """Resolve every setting by precedence and validate it; a bad value names the option or variable it came from,
    and all bad values are reported at once (`InvalidSettingsError` when there are two or more).

    *options* holds parsed command-line values (``None`` or absent when not given); *inputs* is the adapter's
    mapping of platform inputs; *extra_vars* are ``--var`` values (the ``vars`` option).
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    problems: list[ConfigError] = []
    if extra_vars:
        options = {**options, "vars": list(extra_vars)}
    for declaration in SETTINGS:
        picked = declaration.pick(options, env, inputs)
        if picked is None:
            continue
        sources[declaration.name], raw = picked
        try:
            value = declaration.parse(raw, sources[declaration.name])
        except ConfigError as e:
            problems.append(e)
            continue
        if value is not None:
            values[declaration.name] = value
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidSettingsError(problems)
    return Settings(**values, insecure=insecure, sources=sources)


# -- in the platform's words, and what looks wrong -------------------------------------------------------------------

_PREFIXES = {"github": "INPUT_", "woodpecker": "PLUGIN_", "circleci": "PARAM_"}
"""The prefix of each platform's own input naming; on the others gimlet-ci reads ``GIMLET_*`` only."""

_PLATFORM_READS = {"github": ("INPUT_BRANCHHEAD",)}
"""Inputs an adapter reads itself, as part of the context (the official action's ``branchHead``)."""

_NOT_SETTINGS = frozenset(
    {
        # What gimlet-ci exports to later steps (CircleCI's `$BASH_ENV`, GitLab's dotenv report) besides the ids,
        # which are the settings `artifact_id` and `release_id`: a later step of the same job sees them.
        "GIMLET_URL",
        "GIMLET_STATUS",
        # Gimlet's own variables (its image builder's registry credentials), set where Gimlet runs builds.
        "GIMLET_CLOUD_REGISTRY_LOGIN",
        "GIMLET_CLOUD_REGISTRY_CREDS",
        "GIMLET_CLOUD_REGISTRY_CERT",
    }
)
"""``GIMLET_*`` variables that are not settings and are never warned about."""


def spoken(name: str, platform: str) -> str:
    """How a user on *platform* sets the setting *name*: the ``env`` input (GitHub), the ``env`` setting
    (Woodpecker), the orb parameter ``env`` (CircleCI), ``--env / GIMLET_ENV`` elsewhere; ``GIMLET_<NAME>`` where the
    platform's packaging has no name for it."""
    declaration = BY_NAME[name]
    packaged = next((i.packaged for i in declaration.inputs if i.platform == platform), None)
    if platform == "github" and packaged:
        return f"the `{packaged}` input"
    if platform == "circleci" and packaged:
        return f"the orb parameter `{packaged}`"
    if platform == "woodpecker":
        names = declaration.input_names(platform)
        if packaged or names:
            return f"the `{packaged or names[0].removeprefix('PLUGIN_').lower()}` setting"
    if platform in _PREFIXES or declaration.option is None:
        return declaration.variable
    return f"{declaration.option.name} / {declaration.variable}"


def in_platform_words(text: str, platform: str) -> str:
    """*text* (a TIP) with each ``--option / GIMLET_NAME`` (or ``--option METAVAR (GIMLET_NAME)``) said as `spoken`
    says it on *platform*: ``raise the `timeout` setting`` on Woodpecker, not ``--timeout / GIMLET_TIMEOUT``."""
    if platform not in _PREFIXES:
        return text
    for declaration in SETTINGS:
        option = declaration.option
        if option is None:
            continue
        words = spoken(declaration.name, platform)
        text = text.replace(f"{option.name} / {declaration.variable}", words)
        if option.metavar:
            text = text.replace(f"{option.name} {option.metavar} ({declaration.variable})", words)
    return text


def _known_inputs(platform: str) -> dict[str, str]:
    """*platform*'s input variables (upper case) -> the name a user writes (``INPUT_DEBUG`` -> ``debug``)."""
    prefix = _PREFIXES[platform]
    known: dict[str, str] = {}
    for declaration in SETTINGS:
        packaged = next((i.packaged for i in declaration.inputs if i.platform == platform), None)
        for variable in declaration.input_names(platform):
            written = variable.removeprefix(prefix).lower()
            known[variable.upper()] = packaged if packaged and written == packaged.lower() else written
        named_by = declaration.named_by(platform)
        if named_by:
            known[named_by.upper()] = packaged or named_by.removeprefix(prefix).lower()
    for variable in _PLATFORM_READS.get(platform, ()):
        known[variable] = "branchHead" if variable == "INPUT_BRANCHHEAD" else variable.removeprefix(prefix).lower()
    return known


def _closest(word: str, candidates: Sequence[str]) -> str | None:
    import difflib  # noqa: PLC0415 - only when a name is unknown

    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_settings(env: Mapping[str, str], platform: str) -> list[str]:
    """One warning per variable under a prefix gimlet-ci reads (``GIMLET_*``; ``INPUT_*`` on GitHub, ``PLUGIN_*`` on
    Woodpecker, ``PARAM_*`` on CircleCI) that names no setting, with the closest name that does.

    Empty values are left alone (they set nothing); so are the ids gimlet-ci exports and Gimlet's own variables.
    """
    warnings: list[str] = []
    variables = [d.variable for d in SETTINGS]
    for name in sorted(env):
        if not name.startswith("GIMLET_") or name in _NOT_SETTINGS or name in variables or not env[name].strip():
            continue
        guess = _closest(name, variables)
        hint = f"; did you mean {guess}?" if guess else f"; the settings are {', '.join(variables)}"
        warnings.append(f"{name} is not a gimlet-ci setting and does nothing{hint}")
    prefix = _PREFIXES.get(platform)
    if prefix is None:
        return warnings
    known = _known_inputs(platform)
    written = sorted(set(known.values()))
    what = {"github": "input", "woodpecker": "setting", "circleci": "orb parameter"}[platform]
    for name in sorted(env):
        if not name.upper().startswith(prefix) or name.upper() in known or not env[name].strip():
            continue
        if platform == "woodpecker" and name.startswith("PLUGIN_GIMLET_"):
            shown = name.removeprefix("PLUGIN_").lower()
        else:
            shown = name[len(prefix) :].lower()
        guess = _closest(shown, [w.lower() for w in written])
        guess = next((w for w in written if w.lower() == guess), guess)
        hint = f"; did you mean `{guess}`?" if guess else f"; the {what}s are {', '.join(written)}"
        warnings.append(f"the {what} `{shown}` ({name}) is not one of gimlet-ci's and does nothing{hint}")
    return warnings


_PAIR_START = re.compile(r"(?:\s|,)+([A-Za-z_][A-Za-z0-9_.-]*)=")


def value_warnings(settings: Settings, platform: str) -> list[str]:
    """Values that look like the wrong separator: a ``fields`` link or a ``--var`` value holding another
    ``NAME=`` after a space or a comma (the official action split ``fields`` at spaces; gimlet-ci at ``;`` and line
    breaks)."""
    warnings: list[str] = []
    where = said(settings, "fields", platform)
    for name, url in settings.fields:
        match = _PAIR_START.search(url)
        if match is not None or any(c.isspace() for c in url.strip()):
            warnings.append(
                f"{where}: the link {f'{name}={url.strip()}'!r} holds "
                + (f"another pair ({match.group(1)}=...)" if match else "a space")
                + "; separate name=url pairs with ; or line breaks, not spaces or commas"
            )
    for key, value in settings.vars:
        match = _PAIR_START.search(value)
        if match is not None:
            where = said(settings, "vars", platform)
            if where == "--var":
                warnings.append(
                    f"--var {key}={value!r} holds another pair ({match.group(1)}=...); give each variable its own --var"
                )
            else:
                warnings.append(
                    f"{where}: {key}={value!r} holds another pair ({match.group(1)}=...); put each variable on its "
                    "own line, or separate them with ;"
                )
    return warnings


def mode_warnings(settings: Settings, platform: str) -> list[str]:
    """``ship`` settings that do nothing in the mode the others choose (``env`` without ``deploy``, ``wait`` in a dry
    run), each in the platform's words."""
    warnings: list[str] = []
    if not settings.deploy:
        ignored = [name for name in ("env", "app") if getattr(settings, name)]
        if ignored:
            names = " and ".join(said(settings, name, platform) for name in ignored)
            deploy = spoken("deploy", platform)
            warnings.append(
                f"{names} {'does' if len(ignored) == 1 else 'do'} nothing without {deploy}: the artifact is shipped "
                f"and Gimlet's deploy policies decide; turn {deploy} on to release it there"
            )
    if settings.dry_run:
        ignored = [name for name in ("wait", "deploy") if getattr(settings, name)]
        if ignored:
            names = " and ".join(said(settings, name, platform) for name in ignored)
            dry_run = said(settings, "dry_run", platform)
            warnings.append(
                f"{names} {'does' if len(ignored) == 1 else 'do'} nothing in a dry run ({dry_run}): "
                "nothing is sent, so nothing is waited for"
            )
    return warnings


def said(settings: Settings, name: str, platform: str) -> str:
    """Where the user set *name*: the option or ``GIMLET_*`` variable as typed, else `spoken` (the platform's input
    in its own words)."""
    source = settings.sources.get(name, "")
    words = spoken(name, platform)
    if source.startswith(("--", "GIMLET_")) or (source and words == BY_NAME[name].variable):
        return source  # as typed; or a platform variable its packaging has no name for (PARAM_FIELDS)
    return words
