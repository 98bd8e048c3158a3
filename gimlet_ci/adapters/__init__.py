"""Which CI am I on? One pure module per platform, and the context they all produce.

Each adapter module (``gimlet_ci.adapters.<name>``) provides:

- ``NAME``: the ``--platform`` value;
- ``detect(env) -> bool``: whether *env* is this platform's;
- ``context(env, read_file) -> CIContext``: the normalised context; *read_file* reads a path to
  bytes (for GitHub's event payload) and may raise ``OSError``;
- ``inputs(env) -> dict[str, InputValue]``: the platform's own input naming (``INPUT_*``,
  ``PLUGIN_*``, ``PARAM_*``) mapped to canonical setting names (see ``SETTING_NAMES``), each with
  the variable it came from;
- ``outputs(env, outcome) -> PlatformOutputs`` (optional): what to write to the platform's output
  files and logs;
- ``startup_lines(env, secrets) -> tuple[str, ...]`` (optional): log lines to print before anything
  else (GitHub's ``::add-mask::``).

Adapters never read ``os.environ``, start processes or touch the network: the CLI passes
everything in.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping

from gimlet_ci.exceptions import UnknownPlatformError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, ClassVar, Literal

    from typing_extensions import Self

    Event = Literal["push", "pr", "tag"]
else:
    Event = str

__all__ = [
    "ADAPTERS",
    "SETTING_NAMES",
    "CIContext",
    "CommitInfo",
    "Event",
    "InputValue",
    "PlatformOutputs",
    "ReadFile",
    "adapter_by_name",
    "detect_adapter",
    "is_secret_name",
    "platform_vars",
]

ReadFile = Callable[[str], bytes]
InputValue = tuple[str, str]
"""(the variable it came from, its raw value)."""

SETTING_NAMES = (
    "server",
    "token",
    "wait",
    "deploy",
    "env",
    "app",
    "timeout",
    "dry_run",
    "fields",
    "manifests",
    "ca_bundle",
)
"""Canonical setting names an adapter's ``inputs()`` may return."""

ADAPTERS = (
    "github",
    "circleci",
    "woodpecker",
    "gitlab",
    "drone",
    "bitbucket",
    "buildkite",
    "azure",
    "travis",
    "jenkins",
    "local",
)
"""Detection order: the first module whose ``detect()`` is true wins; ``local`` (git) is last."""


class _Value:
    """An immutable value object with keyword construction, equality, a repr and `evolve`.

    These few classes are plain Python rather than attrs classes because ``gimlet-ci context`` must start in
    about twice the interpreter's own start-up time, and importing attrs alone takes four times that.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The field names in declaration order."""

    def _set(self, values: Mapping[str, object]) -> None:
        for name in self._fields:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable: use .evolve({name}=...)"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = f"{type(self).__name__} is immutable"
        raise AttributeError(msg)

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict, in declaration order (values as they are)."""
        return {name: getattr(self, name) for name in self._fields}

    def evolve(self, **changes: Any) -> Self:
        """A copy with *changes* applied."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            msg = f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}"
            raise TypeError(msg)
        return type(self)(**{**self.as_dict(), **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v for v in self.as_dict().values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.as_dict().items())
        return f"{type(self).__name__}({fields})"


class CommitInfo(_Value):
    """Commit metadata a platform knows without git (used when the commit is not in the clone)."""

    _fields = ("message", "author_name", "author_email", "committer_name", "committer_email", "created")
    __slots__ = _fields
    message: str | None
    author_name: str | None
    author_email: str | None
    committer_name: str | None
    committer_email: str | None
    created: int | None
    """Commit time, Unix seconds."""

    def __init__(
        self,
        *,
        message: str | None = None,
        author_name: str | None = None,
        author_email: str | None = None,
        committer_name: str | None = None,
        committer_email: str | None = None,
        created: int | None = None,
    ) -> None:
        self._set(locals())


class CIContext(_Value):
    """The normalised CI context of one run; ``None`` means the platform does not say.

    - ``repository``: ``owner/name`` slug (GitLab: may contain subgroups);
    - ``sha``: the commit the artifact describes: a PR's head, never a test-merge commit;
    - ``branch``: branch built; on PRs the head branch; never a ref, never a tag;
    - ``event``: ``push``, ``pr`` or ``tag``; ``event_name``: the platform's raw event name;
    - ``url``: commit page, or the PR page for PRs; ``ci_url``: this run's page;
    - ``vars``: template variables the platform contributes (its own variables, secrets filtered, plus REPO,
      SHA, ...);
    - ``commit``: what the platform says of the commit, for when git cannot;
    - ``warnings``: things the adapter could not read (a broken event file, say), for the log.
    """

    _fields = (
        "platform",
        "repository",
        "owner",
        "sha",
        "branch",
        "event",
        "event_name",
        "tag",
        "source_branch",
        "target_branch",
        "pr_number",
        "url",
        "ci_url",
        "actor",
        "job",
        "vars",
        "commit",
        "warnings",
    )
    __slots__ = _fields
    platform: str
    repository: str | None
    owner: str | None
    sha: str | None
    branch: str | None
    event: Event
    event_name: str | None
    tag: str | None
    source_branch: str | None
    target_branch: str | None
    pr_number: int | None
    url: str | None
    ci_url: str | None
    actor: str | None
    job: str | None
    vars: Mapping[str, str]
    commit: CommitInfo | None
    warnings: tuple[str, ...]

    def __init__(
        self,
        *,
        platform: str,
        repository: str | None = None,
        owner: str | None = None,
        sha: str | None = None,
        branch: str | None = None,
        event: Event = "push",
        event_name: str | None = None,
        tag: str | None = None,
        source_branch: str | None = None,
        target_branch: str | None = None,
        pr_number: int | None = None,
        url: str | None = None,
        ci_url: str | None = None,
        actor: str | None = None,
        job: str | None = None,
        vars: Mapping[str, str] | None = None,  # noqa: A002 - the field is named after Gimlet's `vars`
        commit: CommitInfo | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        values = locals()
        values["vars"] = dict(vars) if vars is not None else {}
        values["warnings"] = tuple(warnings)
        self._set(values)

    def as_json(self) -> dict[str, object]:
        """The keys of ``gimlet-ci context --output json``."""
        data = self.as_dict()
        for name in ("vars", "commit", "warnings"):
            del data[name]
        return data


class PlatformOutputs(_Value):
    """What an adapter asks the CLI to write; computed purely, written by the CLI.

    ``files``: (path, text to append) pairs, e.g. ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, ``$BASH_ENV``;
    ``log_lines``: lines for the CI log (stderr), e.g. ``::error::`` annotations.
    """

    _fields = ("files", "log_lines")
    __slots__ = _fields
    files: tuple[tuple[str, str], ...]
    log_lines: tuple[str, ...]

    def __init__(self, *, files: tuple[tuple[str, str], ...] = (), log_lines: tuple[str, ...] = ()) -> None:
        self._set({"files": tuple(files), "log_lines": tuple(log_lines)})


_SECRET_WORDS = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|OIDC|JWT|COOKIE|SESSION|APIKEY"
    r"|(?:^|_)(?:KEY|PAT|AUTH)(?:$|_)",
)
_SECRET_PREFIXES = ("ACTIONS_", "GIMLET_", "INPUT_", "PLUGIN_", "PARAM_")
_URL_WITH_CREDENTIALS = re.compile(r"://(?!git@)[^/@\s]+@")


def is_secret_name(name: str) -> bool:
    """True for variable names that may hold credentials; such variables never become template vars.

    The secret rule for template vars (the official plugins copied every variable whose name merely
    contained ``GITHUB``/``CIRCLE``/``CI_``, and so stored ``GITHUB_TOKEN``, ``MY_GITHUB_PAT`` or
    ``CIRCLE_OIDC_TOKEN`` in Gimlet, bug B2). A variable is left out when:

    - its upper-cased name contains ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PASSPHRASE``,
      ``CREDENTIAL``, ``PRIVATE``, ``OIDC``, ``JWT``, ``COOKIE``, ``SESSION`` or ``APIKEY``
      (``GITHUB_TOKEN``, ``CI_JOB_TOKEN``, ``CIRCLE_OIDC_TOKEN_V2``, ``CI_JOB_JWT``,
      ``CI_REGISTRY_PASSWORD``);
    - or has ``KEY``, ``PAT`` or ``AUTH`` as a ``_``-separated word (``API_KEY``, ``KEY_ID``,
      ``MY_GITHUB_PAT``, ``DOCKER_AUTH_CONFIG``; not ``GITHUB_PATH`` or ``CI_COMMIT_AUTHOR``);
    - or starts with ``ACTIONS_`` (runner internals such as ``ACTIONS_RUNTIME_TOKEN``,
      ``ACTIONS_ID_TOKEN_REQUEST_URL``) or with one of our own input prefixes ``GIMLET_``,
      ``INPUT_``, ``PLUGIN_``, ``PARAM_`` (settings, credentials included, are not template vars);
    - or, checked by `platform_vars` on the value, it holds a URL with credentials
      (``https://user:pass@…``, ``https://<token>@…``; GitLab's ``CI_REPOSITORY_URL``), except the
      plain ``ssh://git@host/…`` form.

    A deny-list cannot know every name a user invents: the rule errs on the side of dropping.
    """
    upper = name.upper()
    return upper.startswith(_SECRET_PREFIXES) or bool(_SECRET_WORDS.search(upper))


def platform_vars(env: Mapping[str, str], *, contains: str) -> dict[str, str]:
    """The platform's own variables as template vars, as the official plugins copy them.

    Every variable whose name contains *contains* (``GITHUB``, ``CIRCLE``, ``CI_``), with values
    kept exactly (spaces included), empty values skipped, and anything that looks like a secret
    left out: by name (`is_secret_name`) or by value (a URL with credentials).
    """
    return {
        name: value
        for name, value in sorted(env.items())
        if contains in name and value and not is_secret_name(name) and not _URL_WITH_CREDENTIALS.search(value)
    }


def adapter_by_name(name: str) -> ModuleType:
    """The adapter module for a ``--platform`` value."""
    if name not in ADAPTERS:
        msg = f"--platform {name!r} is not a supported platform"
        raise UnknownPlatformError(msg, tip=f"use auto or one of: {', '.join(ADAPTERS)}")
    return importlib.import_module(f"gimlet_ci.adapters.{name}")


def detect_adapter(env: Mapping[str, str]) -> ModuleType:
    """The first module of ``ADAPTERS`` whose ``detect(env)`` is true; ``local`` always is."""
    for name in ADAPTERS:
        module = adapter_by_name(name)
        if module.detect(env):
            return module
    return adapter_by_name("local")  # pragma: no cover - local.detect() is always true
