"""Pure helpers the adapters share: first non-empty value, refs, numbers, git URLs, times, the secret rule for
template vars, the common end of every ``context()`` (`finish`) and ``inputs()`` (`declared_inputs`), and the empty
defaults of the `Adapter` members a platform may have nothing for (`no_inputs`, `no_outputs`, `no_startup_lines`,
`SET_SECRETS_TIP`)."""

from __future__ import annotations

import re

from gimlet_ci.adapters._context import CIContext, CommitInfo, PlatformOutputs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from urllib.parse import SplitResult

    from gimlet_ci._models import Note, Outcome
    from gimlet_ci.adapters._context import Event, InputValue

_DIGITS = re.compile(r"[0-9]{1,18}")
_TRAILING_INT = re.compile(r"([0-9]{1,18})/?$")
_SCP_URL = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^/\s].*)$")
_HEX_SHA = re.compile(r"^[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?$")


_SECRET_WORDS = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|OIDC|JWT|COOKIE|SESSION|APIKEY|NETRC|PRIVKEY"
    r"|WEBHOOK|BEARER|KUBECONFIG"
    r"|(?:^|_)(?:KEY|KEYS|PAT|AUTH|PASS|PWD|PW|CREDS?|DSN|SALT|SIGNING|CERT|PEM|P12|PFX|KEYSTORE|CONN|CONNSTR)(?:$|_)"
    r"|CONNECTION_?STRING",
)
_SECRET_PREFIXES = ("ACTIONS_", "GIMLET_", "INPUT_", "PLUGIN_", "PARAM_")
_URL_WITH_CREDENTIALS = re.compile(r"://(?!git@)[^/@\s]+@")


def is_secret_name(name: str) -> bool:
    """True for variable names that may hold credentials; such variables never become template vars.

    The secret rule for template vars (the official plugins copied every variable whose name merely
    contained ``GITHUB``/``CIRCLE``/``CI_``, and so stored ``GITHUB_TOKEN``, ``MY_GITHUB_PAT`` or
    ``CIRCLE_OIDC_TOKEN`` in Gimlet; ``docs/explanation/security.md`` explains it to users). A variable is left out
    when:

    - its upper-cased name contains ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PASSPHRASE``,
      ``CREDENTIAL``, ``PRIVATE``, ``OIDC``, ``JWT``, ``COOKIE``, ``SESSION``, ``APIKEY``, ``NETRC``,
      ``PRIVKEY``, ``WEBHOOK``, ``BEARER``, ``KUBECONFIG`` or ``CONNECTION_STRING``
      (``GITHUB_TOKEN``, ``CI_JOB_TOKEN``, ``CIRCLE_OIDC_TOKEN_V2``, ``CI_JOB_JWT``,
      ``CI_REGISTRY_PASSWORD``; the forge credentials Drone and Woodpecker hand every step,
      ``DRONE_NETRC_USERNAME``/``_PASSWORD``/``_MACHINE`` and ``CI_NETRC_*``: on Drone with GitHub and on older
      Woodpecker the *username* is the forge's OAuth token);
    - or has ``KEY``, ``KEYS``, ``PAT``, ``AUTH``, ``PASS``, ``PWD``, ``PW``, ``CRED``, ``CREDS``, ``DSN``,
      ``SALT``, ``SIGNING``, ``CERT``, ``PEM``, ``P12``, ``PFX``, ``KEYSTORE``, ``CONN`` or ``CONNSTR`` as a
      ``_``-separated word (``API_KEY``, ``KEY_ID``, ``MY_GITHUB_PAT``, ``DOCKER_AUTH_CONFIG``, ``DB_PASS``,
      ``SMTP_PWD``, ``GCP_CREDS``, ``SENTRY_DSN``; not ``GITHUB_PATH``, ``CI_COMMIT_AUTHOR`` or ``BYPASS_CACHE``);
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


def get(env: Mapping[str, str], *names: str) -> str | None:
    """The first of *names* with a value in *env*; empty or blank counts as unset."""
    for name in names:
        value = env.get(name)
        if value is not None and value.strip():
            return value
    return None


def link_base(env: Mapping[str, str], name: str) -> str | None:
    """The URL in *name* without trailing slashes, to append paths to; ``None`` if nothing is left."""
    return (get(env, name) or "").rstrip("/") or None


def non_empty(value: str | None) -> str | None:
    """*value* unless it is empty or blank."""
    return value if value is not None and value.strip() else None


def is_true(env: Mapping[str, str], name: str) -> bool:
    """Detection markers: the variable is ``true`` in any case."""
    return (env.get(name) or "").strip().lower() == "true"


def branch_from_ref(ref: str | None) -> str | None:
    """``refs/heads/x`` → ``x``; a bare name stays; tags, PR refs and other refs → ``None``."""
    if ref is None or not ref.strip():
        return None
    if ref.startswith("refs/heads/"):
        return non_empty(ref[len("refs/heads/") :])
    if ref.startswith("refs/"):
        return None
    return ref


def tag_from_ref(ref: str | None) -> str | None:
    """``refs/tags/v1`` → ``v1``; anything else → ``None``."""
    if ref is not None and ref.startswith("refs/tags/"):
        return non_empty(ref[len("refs/tags/") :])
    return None


def is_sha(value: str) -> bool:
    """A full SHA-1 or SHA-256 hex object name."""
    return bool(_HEX_SHA.match(value))


def to_int(value: str | None) -> int | None:
    """A positive decimal integer (surrounding blanks allowed), else ``None``."""
    if value is None:
        return None
    text = value.strip()
    if _DIGITS.fullmatch(text) and int(text) > 0:
        return int(text)
    return None


def trailing_int(value: str | None) -> int | None:
    """The trailing integer of a number, ref or URL (``…/pull/12`` → 12), else ``None``."""
    if value is None:
        return None
    match = _TRAILING_INT.search(value.strip())
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


def pull_ref_number(ref: str | None) -> int | None:
    """The number in ``refs/pull/<n>/…`` or ``refs/merge-requests/<n>/…``."""
    if ref is None:
        return None
    match = re.match(r"^refs/(?:pull|merge-requests)/([0-9]{1,18})(?:/|$)", ref)
    return to_int(match.group(1)) if match else None


def parse_time(value: str | None) -> int | None:
    """ISO 8601 (``Z`` allowed) or Unix seconds → Unix seconds; anything unreadable → ``None``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        import datetime as dt  # noqa: PLC0415 - off the start-up path

        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return int(parsed.timestamp())
    except (ValueError, OverflowError, OSError):
        return None


def git_remote(url: str | None) -> tuple[str, str] | None:
    """``(host, owner/name)`` of a git remote in SSH (``git@h:o/r.git``, ``ssh://…``) or HTTPS form.

    Credentials and ports are dropped; ``None`` when *url* is not a remote with at least
    ``owner/name``.
    """
    if url is None or not url.strip():
        return None
    text = url.strip()
    host: str | None
    if "://" in text:
        try:
            parts = urlsplit(text)
            host = parts.hostname
        except ValueError:
            return None
        path = parts.path
    else:
        match = _SCP_URL.match(text)
        if match is None:
            return None
        host, path = match.group("host"), match.group("path")
    path = path.strip("/")
    path = path.removesuffix(".git")
    if not host or "/" not in path or "//" in path or any(not p.strip() for p in path.split("/")):
        return None
    return host.lower(), path


def web_base(url: str | None) -> str | None:
    """``https://host/owner/name`` for a git remote URL, or ``None``."""
    remote = git_remote(url)
    return f"https://{remote[0]}/{remote[1]}" if remote else None


def forge_kind(host: str) -> str:
    """``github``, ``gitlab``, ``bitbucket`` or ``azure`` by host name; ``github`` if unknown."""
    lowered = host.lower()
    for kind in ("gitlab", "bitbucket"):
        if kind in lowered:
            return kind
    if "dev.azure.com" in lowered or "visualstudio.com" in lowered:
        return "azure"
    return "github"


def commit_url(base: str | None, sha: str | None) -> str | None:
    """The forge's commit page under *base* (``https://host/owner/name``)."""
    if base is None or sha is None:
        return None
    kind = forge_kind(urlsplit(base).hostname or "")
    path = {"gitlab": "/-/commit/", "bitbucket": "/commits/"}.get(kind, "/commit/")
    return f"{base}{path}{sha}"


def pr_url(base: str | None, number: int | None) -> str | None:
    """The forge's pull/merge request page under *base*."""
    if base is None or number is None:
        return None
    kind = forge_kind(urlsplit(base).hostname or "")
    path = {
        "gitlab": "/-/merge_requests/",
        "bitbucket": "/pull-requests/",
        "azure": "/pullrequest/",
    }.get(kind, "/pull/")
    return f"{base}{path}{number}"


def owner_of(repository: str | None) -> str | None:
    """``owner`` (GitLab: the whole namespace) of an ``owner/name`` slug."""
    if repository is None or "/" not in repository:
        return None
    return non_empty(repository.rsplit("/", 1)[0])


def event_by_ref(ref: str | None) -> Event:
    """``tag`` for ``refs/tags/…``, else ``push``."""
    return "tag" if tag_from_ref(ref) else "push"


def common_vars(
    *,
    repo: str | None,
    owner: str | None,
    branch: str | None,
    tag: str | None,
    sha: str | None,
    actor: str | None,
    event: str | None,
    job: str | None,
) -> dict[str, str]:
    """The eight built-in template vars of the official plugins, ``""`` where there is no value.

    The official plugins always send all eight (``TAG=""`` on branch builds), so manifests that
    reference ``{{ .TAG }}`` render instead of failing; we keep that.
    """
    values = {
        "REPO": repo,
        "OWNER": owner,
        "BRANCH": branch,
        "TAG": tag,
        "SHA": sha,
        "ACTOR": actor,
        "EVENT": event,
        "JOB": job,
    }
    return {name: value or "" for name, value in values.items()}


def commit_or_none(info: CommitInfo) -> CommitInfo | None:
    """*info*, or ``None`` when the platform gave none of its fields."""
    return None if info == CommitInfo() else info


def declared_inputs(env: Mapping[str, str], platform: str, *, any_case: bool = False) -> dict[str, InputValue]:
    """`named_inputs` of the input names each setting declares for *platform* (in ``gimlet_ci._settings``), and each
    setting read through a variable that names another (`Inputs.named_by`: CircleCI's ``env_var_name``)."""
    from gimlet_ci._settings import input_table, naming_table  # noqa: PLC0415 - attrs stays off the `context` path

    found = named_inputs(env, input_table(platform), any_case=any_case)
    for setting, naming in naming_table(platform):
        named = (env.get(naming) or "").strip()
        if named and (env.get(named) or "").strip():
            found[setting] = (named, env[named])
    return found


def named_inputs(
    env: Mapping[str, str], table: Sequence[tuple[str, Sequence[str]]], *, any_case: bool = False
) -> dict[str, InputValue]:
    """Each setting of *table* (setting, its variables in order of preference) from the first of its names with a
    non-blank value in *env*.

    With *any_case*, names match *env* without regard to case (the table's names are upper case);
    the variable reported is the one as spelled in *env*.
    """
    by_name = {(name.upper() if any_case else name): (name, value) for name, value in env.items()}
    found: dict[str, InputValue] = {}
    for setting, names in table:
        for name in names:
            hit = by_name.get(name)
            if hit is not None and hit[1].strip():
                found[setting] = hit
                break
    return found


def finish(ctx: CIContext, env: Mapping[str, str], *, contains: str | Sequence[str], job_var: str | None) -> CIContext:
    """The common end of every adapter's ``context()``: *ctx* with only the fields the adapter read, completed.

    - Branches go through `branch_from_ref`. On PRs the head branch is both ``branch`` and ``source_branch``
      (whichever the adapter set); elsewhere there is no ``source_branch``.
    - ``owner`` defaults to the owner part of ``repository``.
    - Template vars are the platform's own variables (`platform_vars` for each of *contains*, in order) followed by
      the eight of `common_vars`, where ``EVENT`` is ``event_name`` or else ``event`` and ``JOB`` is *job_var*.
    """
    branch = branch_from_ref((ctx.branch or ctx.source_branch) if ctx.event == "pr" else ctx.branch)
    owner = ctx.owner or owner_of(ctx.repository)
    template_vars: dict[str, str] = {}
    for part in (contains,) if isinstance(contains, str) else contains:
        template_vars.update(platform_vars(env, contains=part))
    template_vars.update(
        common_vars(
            repo=ctx.repository,
            owner=owner,
            branch=branch,
            tag=ctx.tag,
            sha=ctx.sha,
            actor=ctx.actor,
            event=ctx.event_name or ctx.event,
            job=job_var,
        ),
    )
    return ctx.evolve(
        owner=owner,
        branch=branch,
        source_branch=branch if ctx.event == "pr" else None,
        target_branch=branch_from_ref(ctx.target_branch),
        vars=template_vars,
    )


SET_SECRETS_TIP = "set GIMLET_SERVER and GIMLET_TOKEN in the environment"
"""The missing-secrets tip of a platform with no particular advice."""


def no_inputs(env: Mapping[str, str]) -> dict[str, InputValue]:  # noqa: ARG001
    """No input naming of its own: settings come from ``GIMLET_*`` and options."""
    return {}


def no_outputs(env: Mapping[str, str], outcome: Outcome) -> PlatformOutputs:  # noqa: ARG001
    """No output files and no log lines."""
    return PlatformOutputs()


def no_annotations(env: Mapping[str, str], notes: Sequence[Note]) -> tuple[str, ...]:  # noqa: ARG001
    """No annotations: the problems are in the log as text already."""
    return ()


def no_startup_lines(env: Mapping[str, str], secrets: Sequence[str]) -> tuple[str, ...]:  # noqa: ARG001
    """Nothing to print first."""
    return ()


def urlsplit(text: str) -> SplitResult:
    """`urllib.parse.urlsplit`, imported on first use: it is not on the start-up path of `gimlet-ci context`."""
    from urllib.parse import urlsplit as split  # noqa: PLC0415

    return split(text)
