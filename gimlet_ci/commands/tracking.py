"""``gimlet-ci track``, ``deploy`` and ``rollback``: what follows a ship, each a request and, when asked, the wait for
Gimlet's verdict."""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci import _flows
from gimlet_ci._client import connect
from gimlet_ci._models import Outcome
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load
from gimlet_ci.exceptions import ConfigError


def track(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    artifact_id: str | None,
    release_id: str | None,
    insecure: bool = False,
) -> Outcome:
    """One status read of an artifact or a release (or rollback), or with ``wait`` until Gimlet reaches a verdict."""
    if not artifact_id and not release_id:
        msg = "track needs an ARTIFACT_ID or --release ID"
        raise ConfigError(msg, tip="the ids are printed by `gimlet-ci ship` and in its --output json")
    settings = load(env, adapter, options, insecure=insecure)
    with connect(settings) as client:
        return _flows.track(client, artifact_id=artifact_id, release_id=release_id, wait=settings.wait)


def deploy(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    artifact_id: str,
    wait: bool = True,
    insecure: bool = False,
) -> Outcome:
    """Release a shipped artifact on demand to the ``env`` (and ``app``) of the settings; with *wait*, track it."""
    settings = load(env, adapter, options, insecure=insecure)
    if not settings.env:
        msg = "deploy needs an environment"
        raise ConfigError(msg, tip="pass --env ENV (or set GIMLET_ENV)")
    with connect(settings) as client:
        return _flows.release(client, artifact_id=artifact_id, env=settings.env, app=settings.app, wait=wait)


def rollback(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    sha: str,
    insecure: bool = False,
) -> Outcome:
    """Roll the ``app`` of the settings in their ``env`` back to the gitops commit *sha*; with ``wait``, track it."""
    settings = load(env, adapter, options, insecure=insecure)
    if not settings.env or not settings.app:
        msg = "rollback needs an environment and an app"
        raise ConfigError(msg, tip="pass --env ENV --app APP (or set GIMLET_ENV and GIMLET_APP)")
    with connect(settings) as client:
        return _flows.rollback(client, env=settings.env, app=settings.app, sha=sha, wait=settings.wait)
