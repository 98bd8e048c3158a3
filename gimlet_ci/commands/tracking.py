"""``gimlet-ci track``, ``deploy`` and ``rollback``: what follows a ship, each a request and, when asked, the wait for
Gimlet's verdict."""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci import _flows
from gimlet_ci._client import connect
from gimlet_ci._models import Outcome
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, required


def track(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    artifact_id: str | None,
    release_id: str | None,
) -> Outcome:
    """One status read of an artifact or a release (or rollback), or with ``wait`` until Gimlet reaches a verdict."""
    ids_tip = "the ids are printed by `gimlet-ci ship` and in its --output json"
    required(artifact_id or release_id, "track needs an ARTIFACT_ID or --release ID", tip=ids_tip)
    settings = load(env, adapter, options)
    with connect(settings) as client:
        return _flows.track(client, artifact_id=artifact_id, release_id=release_id, wait=settings.wait)


def deploy(
    env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object], artifact_id: str, wait: bool = True
) -> Outcome:
    """Release a shipped artifact on demand to the ``env`` (and ``app``) of the settings; with *wait*, track it."""
    settings = load(env, adapter, options)
    target = required(settings.env, "deploy needs an environment", tip="pass --env ENV (or set GIMLET_ENV)")
    with connect(settings) as client:
        return _flows.release(client, artifact_id=artifact_id, env=target, app=settings.app, wait=wait)


def rollback(env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object], sha: str) -> Outcome:
    """Roll the ``app`` of the settings in their ``env`` back to the gitops commit *sha*; with ``wait``, track it."""
    settings = load(env, adapter, options)
    message = "rollback needs an environment and an app"
    tip = "pass --env ENV --app APP (or set GIMLET_ENV and GIMLET_APP)"
    target, app = required(settings.env, message, tip=tip), required(settings.app, message, tip=tip)
    with connect(settings) as client:
        return _flows.rollback(client, env=target, app=app, sha=sha, wait=settings.wait)
