"""``gimlet-ci track``, ``deploy`` and ``rollback``: what follows a ship, each a request and, when asked, the wait for
Gimlet's verdict."""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from gimlet_ci import _flows
from gimlet_ci._client import GimletClient, connect
from gimlet_ci._log import log
from gimlet_ci._models import Outcome
from gimlet_ci._retry import Deadline
from gimlet_ci._settings import Settings
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, required
from gimlet_ci.exceptions import DeadlineExceeded, GimletCIError, GimletFailure

_ARTIFACT_ID = re.compile(r"^(?P<repository>.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
"""Gimlet's artifact ids: ``<repository>-<uuid>`` (``pkg/dashboard/server/artifact.go``)."""


def _addresses(client: GimletClient, artifact_id: str) -> Mapping[tuple[str, str], str]:
    """The deploy addresses of a stored artifact (`deploy_addresses`), looked up among its repository's latest
    artifacts; empty when it is not found or the lookup fails (the url output is a convenience, never a failure)."""
    from gimlet_ci._converter import artifact_body  # noqa: PLC0415
    from gimlet_ci.manifests.addresses import deploy_addresses  # noqa: PLC0415

    match = _ARTIFACT_ID.match(artifact_id)
    if match is None:
        return {}
    try:
        stored = client.list_artifacts(repository=match.group("repository"), sha="", limit=50)
    except GimletCIError as e:
        log.debug("gimlet_ci.address_lookup_failed", error=e.message)
        return {}
    found = next((artifact for artifact in stored if artifact.id == artifact_id), None)
    return deploy_addresses(artifact_body(found)) if found is not None else {}


def _located(outcome: Outcome, addresses: Mapping[tuple[str, str], str]) -> Outcome:
    return attrs.evolve(outcome, deploys=_flows.with_addresses(outcome.deploys, addresses))


_LAST_READ = 5.0
"""Seconds the read of the last answer may take after the deadline passed (a quarter of the deadline when that is
less, but at least one): the same short grace as the look-up of a POST the deadline cut (`LOOKUP_GRACE`)."""


@attrs.frozen(kw_only=True)
class RawTrack:
    """What ``track --raw`` ends with: Gimlet's own tracking answer, and the outcome (or the failure) behind the
    exit code."""

    body: bytes
    """The bytes of the track endpoint's last answer, as Gimlet wrote them."""
    outcome: Outcome
    error: GimletCIError | None = None
    """The failure or timeout the wait ended with, raised after the answer is printed."""


def _track_settings(
    env: Mapping[str, str], adapter: Adapter, options: Mapping[str, object], tracked: str | None
) -> Settings:
    """The settings of a `track` of *tracked* (its artifact or release id), which must be given."""
    ids_tip = "the ids are printed by `gimlet-ci ship` and in its --output json"
    required(tracked, "track needs an ARTIFACT_ID or --release ID", tip=ids_tip)
    return load(env, adapter, options)


def track(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    artifact_id: str | None,
    release_id: str | None,
) -> Outcome:
    """One status read of an artifact or a release (or rollback), or with ``wait`` until Gimlet reaches a verdict."""
    settings = _track_settings(env, adapter, options, artifact_id or release_id)
    with connect(settings) as client:
        return _flows.track(client, artifact_id=artifact_id, release_id=release_id, wait=settings.wait)


def track_raw(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    artifact_id: str | None,
    release_id: str | None,
) -> RawTrack:
    """`track`, then one more read whose answer is kept as Gimlet wrote it (what the Go CLI's ``track -o json``
    prints); a failed verdict or a timeout is returned with it, not raised."""
    settings = _track_settings(env, adapter, options, artifact_id or release_id)
    with connect(settings) as client:
        error: GimletCIError | None = None
        try:
            outcome = _flows.track(client, artifact_id=artifact_id, release_id=release_id, wait=settings.wait)
        except (GimletFailure, DeadlineExceeded) as e:
            if e.outcome is None:
                raise
            error, outcome = e, e.outcome
        if not isinstance(error, DeadlineExceeded):
            body = client.track_answer(artifact_id=artifact_id, release_id=release_id)
            return RawTrack(body=body, outcome=outcome, error=error)
        # The last answer still gets a read of its own, within a short grace: the deadline is not stretched.
        grace = min(_LAST_READ, max(1.0, client.deadline.seconds / 4))
        client.deadline = Deadline(grace, client.deadline.timing)
        try:
            body = client.track_answer(artifact_id=artifact_id, release_id=release_id)
        except GimletCIError as e:
            raise error from e  # the deadline's error, with the outcome so far
        return RawTrack(body=body, outcome=outcome, error=error)


def deploy(
    env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object], artifact_id: str, wait: bool = True
) -> Outcome:
    """Release a shipped artifact on demand to the ``env`` (and ``app``) of the settings; with *wait*, track it."""
    settings = load(env, adapter, options)
    target = required(settings.env, "deploy needs an environment", tip="pass --env ENV (or set GIMLET_ENV)")
    with connect(settings) as client:
        try:
            outcome = _flows.release(client, artifact_id=artifact_id, env=target, app=settings.app, wait=wait)
        except GimletCIError as e:
            if e.outcome is None or not e.outcome.deploys:
                raise
            raise e.carrying(outcome=_located(e.outcome, _addresses(client, artifact_id))) from e
        return _located(outcome, _addresses(client, artifact_id)) if outcome.deploys else outcome


def rollback(
    env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object], sha: str, wait: bool = True
) -> Outcome:
    """Roll the ``app`` of the settings in their ``env`` back to the gitops commit *sha*; with *wait* (the default,
    as for `deploy`), track it to the end."""
    settings = load(env, adapter, options)
    message = "rollback needs an environment and an app"
    tip = "pass --env ENV --app APP (or set GIMLET_ENV and GIMLET_APP)"
    target, app = required(settings.env, message, tip=tip), required(settings.app, message, tip=tip)
    with connect(settings) as client:
        return _flows.rollback(client, env=target, app=app, sha=sha, wait=wait)
