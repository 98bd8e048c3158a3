"""``gimlet-ci ship``: build the artifact from the CI context and ``.gimlet/``, then post it and wait or release by the
mode; or, in a dry run, only build it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs
import structlog

from gimlet_ci import _flows
from gimlet_ci._converter import artifact_body
from gimlet_ci._models import Outcome
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, logged_context

log = structlog.get_logger("gimlet_ci")


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
    settings.check_mode()
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
    settings.require("server", "token", tip=adapter.MISSING_SECRETS_TIP)
    from gimlet_ci._client import connect  # noqa: PLC0415 - a dry run loads no HTTP client

    with connect(settings) as client:
        return _flows.ship(prepared, settings, client=client)
