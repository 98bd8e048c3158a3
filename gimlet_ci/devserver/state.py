"""The dev server's memory and its worker: stored artifacts, events, deploy history, and their processing over time.

Time model: an event is ``new`` for ``processing_delay`` seconds, then processed, its results computed with the
fault knobs in force at that moment (`State.advance` runs, oldest first, every event whose time has come). Each gitops
commit is ``NotReconciled`` from then, ``Progressing`` after half of ``reconcile_delay`` and terminal after all of
it (`Result.gitops`). Nothing clones, renders or pushes: every deploy is a fresh fake gitops commit, and the
``release.json`` files Gimlet would write are kept as the (app, artifact, trigger) they name.

Artifacts are read as Gimlet's decoder reads them (`gimlet_ci.gimlet.reading.read_body`); which manifests deploy,
how they are prepared and templated is Gimlet's worker's logic in `gimlet_ci.gimlet` (``worker``, ``gotemplate``).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from gimlet_ci.devserver.faults import GITOPS_FAILURES, Faults
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import GoPanic, plain
from gimlet_ci.gimlet.gotemplate import TemplateError, resolve_manifest, template_vars
from gimlet_ci.gimlet.reading import Reading
from gimlet_ci.gimlet.worker import IMAGE_BUILD_STRATEGIES, prep_preview

__all__ = ["USER", "Config", "Event", "Observer", "Release", "Result", "State", "Stored", "string"]

_SUCCEEDED_DESC = "Reconciliation finished in 1.2s, next run in 1m0s"
_PROGRESSING_DESC = "Reconciliation in progress"
_NO_CHANGES = "No changes made to the gitops state. Maybe this is the current version already?"
USER = "dev-server"
"""The login of the token's user: it triggers releases and rollbacks (automated deploys are ``policy``)."""
_CRASH = (
    "Gimlet's server would crash on this artifact (a panic in {stage}: {panic}): on Gimlet the whole server goes"
    " down, the event stays new, and the crash repeats after every restart"
)


def string(value: Any) -> str:
    """*value* if it is a string, else "" (what Go's unchecked-but-safe reads of a decoded value give)."""
    return value if isinstance(value, str) else ""


class Config(Protocol):
    """The server's settings, read at the moment they matter, so that a test may change them while it runs."""

    @property
    def token(self) -> str:
        """The API token the server accepts."""

    @property
    def processing_delay(self) -> float:
        """Seconds an event stays ``new``."""

    @property
    def reconcile_delay(self) -> float:
        """Seconds a gitops commit takes to reconcile."""

    @property
    def environments(self) -> Sequence[str]:
        """The environments the server knows."""

    @property
    def faults(self) -> Faults:
        """The fault knobs in force."""


class Observer(Protocol):
    """Told of each event as it is created and as it is processed (the push channel broadcasts them)."""

    def created(self, event: Event) -> None:
        """*event* was stored, still ``new``."""

    def processed(self, event: Event) -> None:
        """*event* reached its final status, with its results."""


class _Unobserved:
    def created(self, event: Event) -> None:
        """Nobody listens."""

    def processed(self, event: Event) -> None:
        """Nobody listens."""


@attrs.define
class Result:
    """One result of an event: a deploy (a gitops commit, or a failure), or an image build's follow-up release."""

    app: str = ""
    env: str = ""
    status: str = "success"
    status_desc: str = ""
    hash: str = ""
    committed_at: float = 0.0
    gitops_failure: str | None = None
    recovers: bool = False
    triggered: str = ""
    """The release an image build triggered (``triggeredDeployRequestID``)."""
    image_build: str = ""
    """The image build an artifact's policy started (Gimlet's ``triggeredImageBuildRequestID``): shown only by the
    commit-events route and the push channel, never by the track endpoints."""

    def gitops(self, age: float, reconcile: float) -> tuple[str, str]:
        """The Flux status and description of this result's gitops commit *age* seconds after it was written."""
        if age < reconcile / 2:
            return "NotReconciled", ""
        if age < reconcile:
            return "Progressing", _PROGRESSING_DESC
        if self.recovers and age < 2 * reconcile:
            return "HealthCheckFailed", GITOPS_FAILURES["HealthCheckFailed"]
        if self.gitops_failure:
            return self.gitops_failure, GITOPS_FAILURES.get(self.gitops_failure, self.gitops_failure)
        return "ReconciliationSucceeded", _SUCCEEDED_DESC


@attrs.define
class Event:
    """A Gimlet event: an artifact to process, a release, a rollback or an image build."""

    id: str
    type: str  # artifact, release, rollback, imageBuild
    process_at: float
    artifact_id: str = ""
    request: dict[str, Any] = attrs.Factory(dict)
    status: str = "new"
    status_desc: str = ""
    results: list[Result] = attrs.Factory(list)
    done: bool = False
    created: int = attrs.Factory(lambda: int(time.time()))


@attrs.frozen
class Stored:
    """A stored artifact."""

    echo: dict[str, Any]
    """As Gimlet echoes it: plain JSON values, Go's key order, omitempty applied."""
    value: dict[str, Any]
    """As Gimlet stores it: a `dx.ARTIFACT` value."""
    reading: Reading
    """How Gimlet's server read its body."""


@attrs.frozen
class Release:
    """One ``release.json`` as Gimlet's worker writes it (``dx.Release``), and the gitops commit that wrote it
    (None for the files as they are now)."""

    app: str
    env: str
    artifact_id: str
    triggered_by: str
    version: dict[str, Any] | None
    """The artifact's `dx.VERSION` value."""
    commit: _Commit | None = None

    @property
    def gitops_hash(self) -> str:
        return self.commit.hash if self.commit is not None else ""

    @property
    def created(self) -> int:
        return self.commit.created if self.commit is not None else 0

    @property
    def rolled_back(self) -> bool:
        return self.commit.reverted if self.commit is not None else False

    def gitops(self, now: float, reconcile: float) -> tuple[str, str]:
        """The Flux status and description of the commit at *now* ("" and "" without one)."""
        result = self.commit.result if self.commit is not None else None
        if result is None or not result.hash:
            return "", ""
        return result.gitops(now - result.committed_at, reconcile)


@attrs.define
class _Commit:
    """One gitops commit of an app: what its ``release.json`` says."""

    hash: str
    artifact_id: str
    triggered_by: str
    is_revert: bool = False
    reverted: bool = False
    app: str = ""
    created: int = attrs.Factory(lambda: int(time.time()))
    """The commit's time, Unix seconds (``created`` in ``GET /api/releases``)."""
    result: Result | None = None
    """The deploy result that made the commit: its gitops status over time."""


def _fresh_hash() -> str:
    return secrets.token_hex(20)


def _crash(reading: Reading) -> str | None:
    """Where Gimlet's worker would panic on this artifact: the first panic, in the worker's order."""
    if reading.worker_panic is not None:
        stage, _, panic = reading.worker_panic.partition(": ")
        return _CRASH.format(stage=stage, panic=panic)
    for trigger in reading.triggers:
        if trigger.panic is not None:
            return _CRASH.format(stage=trigger.stage, panic=trigger.panic)
    return None


class State:
    """What the server holds and how it moves on; every method expects `lock` held by the caller."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.observer: Observer = _Unobserved()
        self.stored: dict[str, Stored] = {}
        """The stored artifacts by id, oldest first."""
        self.events: dict[str, Event] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        """Requests by (method, path)."""
        self._artifact_events: dict[str, str] = {}
        self._deployed: dict[tuple[str, str], tuple[str, str]] = {}
        self._env_release: dict[str, tuple[str, str, str]] = {}
        self._history: dict[tuple[str, str], list[_Commit]] = {}
        self._env_log: dict[str, list[_Commit]] = {}
        """Every deploy commit of an env (reverts aside), oldest first: the env folder's git log."""

    def clear(self) -> None:
        """Forget artifacts, events, deploy state and request counts."""
        for store in (
            self.stored,
            self.events,
            self.counts,
            self._artifact_events,
            self._deployed,
            self._env_release,
            self._history,
            self._env_log,
        ):
            store.clear()

    # -- reading ----------------------------------------------------------------------------------------------------

    def artifact_event(self, artifact_id: str) -> Event | None:
        """The event that processes the artifact *artifact_id*."""
        event_id = self._artifact_events.get(artifact_id)
        return None if event_id is None else self.events[event_id]

    def version(self, event: Event) -> Mapping[str, Any]:
        """The version of the artifact an event is about (empty for a rollback): its sha and repository."""
        if event.type == "rollback":
            return {}
        artifact_id = event.artifact_id or str(event.request.get("artifactId") or event.request.get("artifactID") or "")
        found = self.stored.get(artifact_id) if artifact_id else None
        version = found.echo.get("version", {}) if found else {}
        return version if isinstance(version, Mapping) else {}

    def releases(self, env: str, app: str) -> list[Release]:
        """The deploy commits of *env* (of *app* when given), newest first: ``GET /api/releases`` before its
        filters."""
        commits = [c for c in self._env_log.get(env, []) if not app or c.app == app]
        return [self._release(env, c.app, c.artifact_id, c.triggered_by, commit=c) for c in reversed(commits)]

    def deployed(self, env: str) -> dict[str, Release]:
        """What ``<env>/<app>/release.json`` says for each app folder of *env*, by app (``GET /api/status``)."""
        return {
            app: self._release(env, app, artifact_id, triggered_by)
            for (e, app), (artifact_id, triggered_by) in self._deployed.items()
            if e == env
        }

    def _release(
        self, env: str, app: str, artifact_id: str, triggered_by: str, commit: _Commit | None = None
    ) -> Release:
        found = self.stored.get(artifact_id)
        return Release(
            app=app,
            env=env,
            artifact_id=artifact_id,
            triggered_by=triggered_by,
            version=found.value["version"] if found is not None else None,
            commit=commit,
        )

    # -- changing ---------------------------------------------------------------------------------------------------

    def store(self, reading: Reading, value: dict[str, Any], now: float) -> Stored:
        """Store the artifact *value* that Gimlet decoded as *reading*, with a fresh id, and queue its event."""
        artifact_id = f"{value['version']['repositoryName']}-{uuid.uuid4()}"
        value = {**value, "id": artifact_id, "created": int(time.time() + self.config.faults.clock_skew)}
        stored = Stored(echo=plain(dx.ARTIFACT, value), value=value, reading=reading)
        self.stored[artifact_id] = stored
        event = self.new_event("artifact", now=now, artifact_id=artifact_id)
        self._artifact_events[artifact_id] = event.id
        return stored

    def new_event(self, kind: str, *, now: float, artifact_id: str = "", request: Any = None) -> Event:
        """Store a ``new`` event of *kind*, due for processing after the processing delay (image builds: plus the
        reconcile delay)."""
        config = self.config
        delay = config.processing_delay + (config.reconcile_delay if kind == "imageBuild" else 0.0)
        event = Event(
            id=str(uuid.uuid4()),
            type=kind,
            process_at=now + delay,
            artifact_id=artifact_id,
            request=dict(request or {}),
        )
        self.events[event.id] = event
        self.observer.created(event)
        return event

    def advance(self, now: float) -> None:
        """Process, oldest first, every event whose processing time has come (the worker)."""
        while True:
            due = [e for e in self.events.values() if not e.done and e.process_at <= now]
            if not due:
                return
            event = min(due, key=lambda e: e.process_at)
            event.done = True
            error = self.config.faults.processing_error
            if error is not None and event.type in ("artifact", "release"):
                event.status, event.status_desc = "error", error
            else:
                handler = {
                    "artifact": self._process_artifact,
                    "release": self._process_release,
                    "rollback": self._process_rollback,
                    "imageBuild": self._process_image_build,
                }[event.type]
                handler(event)
            self.observer.processed(event)

    # -- processing -------------------------------------------------------------------------------------------------

    def _commit(self, event: Event, app: str, env: str) -> Result:
        faults = self.config.faults
        if faults.fail_results:
            return Result(app=app, env=env, status="failure", status_desc="could not push to git. Check server logs")
        return Result(
            app=app,
            env=env,
            hash=_fresh_hash(),
            committed_at=event.process_at,
            gitops_failure=faults.gitops_failure,
            recovers=faults.health_check_recovers,
        )

    def _process_artifact(self, event: Event) -> None:
        found = self.stored.get(event.artifact_id)
        if found is None:
            event.status = "processed"
            return
        artifact, reading = found.echo, found.reading
        crashed = _crash(reading)
        if crashed is not None:
            # Gimlet's worker panics here and takes the whole server down; the event stays `new` and the crash repeats
            # after every restart. A test double cannot crash for real: it ends the event so that clients see why.
            event.status, event.status_desc = "error", crashed
            return
        for trigger in reading.triggers:
            if not trigger.fires or trigger.prepared is None:
                continue
            manifest = plain(dx.MANIFEST, trigger.prepared)
            app, env = string(manifest.get("app")), string(manifest.get("env"))
            if env not in self.config.environments:
                event.results.append(
                    Result(app=app, env=env, status="failure", status_desc=f"could not load environment: {env}")
                )
                continue
            if trigger.image_strategy in IMAGE_BUILD_STRATEGIES:
                event.results.append(self._policy_image_build(event, manifest, app, env))
                continue
            try:
                resolved = resolve_manifest(manifest, template_vars(artifact, app=app))
            except TemplateError as e:
                event.results.append(Result(app=app, env=env, status="failure", status_desc=str(e)))
                continue
            app = string(resolved.get("app"))
            result = self._commit(event, app, env)
            if result.hash:
                self._record_deploy(env, app, event.artifact_id, triggered_by="policy", result=result)
            event.results.append(result)
        event.status = "processed"

    def _record_deploy(self, env: str, app: str, artifact_id: str, *, triggered_by: str, result: Result) -> None:
        """A gitops commit for *app* in *env*: ``<env>/<app>/release.json`` and ``<env>/release.json`` name the app,
        the artifact and who triggered it."""
        self._deployed[(env, app)] = (artifact_id, triggered_by)
        self._env_release[env] = (app, artifact_id, triggered_by)
        commit = _Commit(result.hash, artifact_id, triggered_by, app=app, result=result)
        self._history.setdefault((env, app), []).append(commit)
        self._env_log.setdefault(env, []).append(commit)

    def _unchanged(self, env: str, app: str, artifact_id: str, triggered_by: str) -> bool:
        """True when writing this release changes no file: both release.json files would stay as they are."""
        return self._deployed.get((env, app)) == (artifact_id, triggered_by) and self._env_release.get(env) == (
            app,
            artifact_id,
            triggered_by,
        )

    def _process_release(self, event: Event) -> None:
        request = event.request
        artifact_id = string(request.get("artifactId"))
        found = self.stored.get(artifact_id)
        if found is None:
            event.status, event.status_desc = "error", "cannot find artifact with id: "
            return
        artifact = found.echo
        wanted_env, wanted_app = string(request.get("env")), string(request.get("app"))
        triggered_by = string(request.get("triggeredBy"))
        for stored in found.value["environments"] or ():
            if stored is None or stored["env"] != wanted_env:
                continue
            if wanted_env not in self.config.environments:
                event.status, event.status_desc = "error", f"no such env: {wanted_env}"
                return
            try:
                manifest = plain(dx.MANIFEST, prep_preview(stored))
            except GoPanic as e:
                event.status, event.status_desc = "error", _CRASH.format(stage="PrepPreview", panic=e)
                return
            app = string(manifest.get("app"))
            try:  # the worker sets APP to the request's app (empty for a release of every app)
                resolved = resolve_manifest(manifest, template_vars(artifact, app=wanted_app))
            except TemplateError as e:
                event.results.append(Result(app=app, env=wanted_env, status="failure", status_desc=str(e)))
                continue
            app = string(resolved.get("app"))
            if wanted_app and app != wanted_app:
                continue
            if self._unchanged(wanted_env, app, artifact_id, triggered_by):
                # release.json would be written with the same content: Gimlet finds nothing to commit.
                event.results.append(Result(app=app, env=wanted_env, status="failure", status_desc=_NO_CHANGES))
                continue
            result = self._commit(event, app, wanted_env)
            if result.hash:
                self._record_deploy(wanted_env, app, artifact_id, triggered_by=triggered_by, result=result)
            event.results.append(result)
        event.status = "processed"

    def _process_rollback(self, event: Event) -> None:
        env, app = string(event.request.get("env")), string(event.request.get("app"))
        if env not in self.config.environments:
            event.status, event.status_desc = "error", f"no such env: {env}"
            return
        # Gimlet reverts, newest first, every commit of the app after the target that is neither a rollback nor
        # reverted already; an unknown target reverts the whole history. One result per revert commit, maybe none.
        history = self._history.get((env, app), [])
        target = string(event.request.get("targetSHA"))
        start = next((index + 1 for index, commit in enumerate(history) if commit.hash == target), 0)
        to_revert = [commit for commit in history[start:] if not commit.is_revert and not commit.reverted]
        results: list[Result] = []
        for commit in reversed(to_revert):
            result = self._commit(event, app, env)
            if result.hash:
                commit.reverted = True
                history.append(_Commit(result.hash, "", "", is_revert=True))
            results.append(result)
        event.results.extend(reversed(results))  # Gimlet lists the revert commits newest first
        if to_revert:
            kept = next((c for c in reversed(history[:start]) if not c.is_revert and not c.reverted), None)
            if kept is None:
                self._deployed.pop((env, app), None)
                self._env_release.pop(env, None)
            else:
                self._deployed[(env, app)] = (kept.artifact_id, kept.triggered_by)
                self._env_release[env] = (app, kept.artifact_id, kept.triggered_by)
        event.status = "processed"

    def _process_image_build(self, event: Event) -> None:
        if self.config.faults.image_build_error:
            event.status, event.status_desc = "error", "image build failed"
            return
        request = event.request
        release_request = {
            "env": request.get("env", ""),
            "app": request.get("app", ""),
            "artifactId": request.get("artifactId") or request.get("artifactID", ""),
            "triggeredBy": request.get("triggeredBy", ""),
        }
        follow_up = self.new_event("release", request=release_request, now=event.process_at)
        event.status = "success"
        event.results.append(Result(triggered=follow_up.id))

    def _policy_image_build(self, event: Event, manifest: Mapping[str, Any], app: str, env: str) -> Result:
        """An artifact's policy fired a manifest that builds in-cluster: an image-build event, as Gimlet's worker
        makes (``gitops.go``); the result is ``success`` with no hash and the build's id, which artifact tracking
        does not show."""
        values = manifest.get("values")
        image = values.get("image") if isinstance(values, Mapping) else None
        image = image if isinstance(image, Mapping) else {}
        request = {
            "env": env,
            "app": app,
            "sha": string(self.version(event).get("sha")),
            "triggeredBy": "policy",
            "artifactID": event.artifact_id,
            "image": string(image.get("repository")),
            "tag": string(image.get("tag")),
            "strategy": string(image.get("strategy")),
        }
        build = self.new_event("imageBuild", now=event.process_at, artifact_id=event.artifact_id, request=request)
        return Result(app=app, env=env, image_build=build.id)
