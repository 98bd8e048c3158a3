"""``gimlet-ci ship``: build the artifact from the CI context and ``.gimlet/``, then post it and wait or release by the
mode; or, in a dry run, only build it. ``gimlet-ci push``: the same for an artifact file (a dry run's body)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from gimlet_ci import _flows
from gimlet_ci._converter import artifact_body, from_wire
from gimlet_ci._log import log
from gimlet_ci._models import Artifact, Outcome
from gimlet_ci._secrets import in_json_body
from gimlet_ci._settings import mode_warnings
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, logged_context
from gimlet_ci.exceptions import BadResponse, ConfigError, ManifestsRefused
from gimlet_ci.manifests.refusals import release_preflight, review_body


@attrs.frozen(kw_only=True)
class DryRun:
    """What a dry run ends with: the body it would have posted, and its outcome (status ``dry-run``)."""

    body: bytes
    """Exactly the bytes ``POST /api/artifact`` would carry."""
    outcome: Outcome


def ship(
    env: Mapping[str, str],
    adapter: Adapter,
    checkout: str,
    *,
    options: Mapping[str, object],
) -> Outcome | DryRun:
    """Ship this checkout's artifact as the settings say: automated or on-demand mode, waiting or not, or a dry run.

    Nothing is sent before the settings, the context and the manifests all check out; missing credentials are
    reported with the platform's advice on where secrets live.
    """
    settings = load(env, adapter, options)
    settings.check_mode(adapter.NAME)
    if not settings.dry_run:  # before the manifests and git are read: a missing secret is the first thing to say
        settings.require("server", "token", tip=adapter.MISSING_SECRETS_TIP)
    for warning in mode_warnings(settings, adapter.NAME):
        log.warning("gimlet_ci.setting_warning", warning=warning)
    ctx = logged_context(env, adapter, checkout)
    prepared = _flows.prepare(ctx, settings, checkout=Path(checkout))
    artifact = prepared.artifact
    log.info(
        "gimlet_ci.artifact_built",
        repository=artifact.version.repository_name,
        sha=artifact.version.sha,
        manifests=len(artifact.environments),
    )
    for problem in prepared.problems:
        log.warning("gimlet_ci.manifest_problem", problem=problem)
    if settings.dry_run:
        outcome = Outcome(status="dry-run", repository=ctx.repository, sha=ctx.sha, notes=prepared.notes)
        return DryRun(body=artifact_body(artifact), outcome=outcome)
    from gimlet_ci._client import connect  # noqa: PLC0415 - a dry run loads no HTTP client

    with connect(settings) as client:
        return _flows.ship(prepared, settings, client=client)


def read_artifact_file(source: str, *, read_stdin: Callable[[], bytes]) -> bytes:
    """The artifact body in the file *source* (``-``: *read_stdin*), as ``ship --dry-run --output json`` printed
    it; an object that wraps it under ``artifact`` (and has no ``version`` of its own) is unwrapped."""
    where = "stdin" if source == "-" else repr(source)
    tip = "pass the body `gimlet-ci ship --dry-run --output json` printed (a file, or - for stdin)"
    from gimlet_ci._files import ARTIFACT_FILE_LIMIT, read_regular  # noqa: PLC0415

    try:
        body = read_stdin() if source == "-" else read_regular(source, limit=ARTIFACT_FILE_LIMIT)
    except OSError as e:  # a FIFO, a device, a directory, larger than the cap: not read
        msg = f"cannot read the artifact file {source!r}: {e.strerror or e}"
        raise ConfigError(msg, tip=tip) from e
    if len(body) > ARTIFACT_FILE_LIMIT:
        msg = f"the artifact on stdin is larger than {ARTIFACT_FILE_LIMIT // (1024 * 1024)} MiB"
        raise ConfigError(msg, tip=tip)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        msg = f"the artifact in {where} is not JSON: {e}"
        raise ConfigError(msg, tip=tip) from e
    if not isinstance(data, dict):
        msg = f"the artifact in {where} is not a JSON object"
        raise ConfigError(msg, tip=tip)
    inner = data.get("artifact")
    if "version" not in data and isinstance(inner, dict):
        return json.dumps(inner, indent=2, ensure_ascii=False).encode()
    return body


def push(env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object], body: bytes) -> Outcome:
    """Post an artifact *body* as it is, after the checks ``ship`` makes on the body it builds (the token, what
    Gimlet's server would crash on or misread, an on-demand deploy that matches no manifest); then wait or release
    by the mode, as ``ship`` does, with the same duplicate-safe retries."""
    settings = load(env, adapter, options)
    settings.check_mode()
    settings.require("server", "token", tip=adapter.MISSING_SECRETS_TIP)  # before any work on the file
    guarded = settings.guarded_token
    if guarded and in_json_body(body, guarded):  # escaped, encoded or decoded
        msg = "the artifact file carries the Gimlet token; nothing was sent"
        raise ConfigError(msg, tip="remove the token from the file; it belongs in GIMLET_TOKEN only")
    review = review_body(body)
    if review.rejected:
        raise ManifestsRefused(
            [str(refusal) for refusal in review.refusals]
            or ["the artifact is not what Gimlet's server can store (its body does not decode)"],
            tip="fix the file; `gimlet-ci explain --artifact FILE` shows what Gimlet's server reads in it",
        )
    if settings.deploy and settings.env:
        missing = release_preflight(review, env=settings.env, app=settings.app)
        if missing is not None:
            raise ConfigError(missing, tip="check the env and app settings against the manifests' env and app")
    try:
        artifact = from_wire(json.loads(body), Artifact, what="artifact")
    except BadResponse as e:
        msg = f"the artifact file is not an artifact: {e.message.removeprefix('the server')}"
        raise ConfigError(msg, tip="compare it with what `gimlet-ci ship --dry-run --output json` prints") from e
    log.info(
        "gimlet_ci.artifact_read",
        repository=artifact.version.repository_name,
        sha=artifact.version.sha,
        manifests=len(artifact.environments),
    )
    from gimlet_ci._client import connect  # noqa: PLC0415 - as in `ship`

    with connect(settings) as client:
        return _flows.ship(_flows.Prepared(artifact=artifact, body=body), settings, client=client)
