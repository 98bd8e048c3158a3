"""Following the in-cluster image builds an artifact's deploy policies start, to the deploys they trigger.

Artifact tracking shows such a manifest as ``{app, env, status: success}`` with no gitops hash, for good: the build's
id is hidden (gimlet-wire.md §3.3, §5.2). The commit's events (``GET /api/repo/{owner}/{name}/commits/{sha}/events``,
Gimlet v0.26 and later) carry it as the artifact event's ``results[].triggeredImageBuildId``; the build is then
tracked as an ``imageBuild`` event (``new`` while it runs, then ``success`` with ``triggeredDeployRequestID`` or
``error``), and that deploy as a plain release, to its reconciliation.

`ArtifactFollower` is the fetch function of an artifact wait: it reads artifact tracking and replaces each
image-build result with what its build and deploy show now, so that the ordinary verdict rules apply.

Which artifact event is ours: the commit-events answer has no artifact id, so candidates are the ``artifact``
events of the same sha created no earlier than our artifact (minus a small slack for the clock's one-second
granularity). When several match (a re-run, or a tag and a branch push of one commit), the one whose gitops refs
equal the hashes artifact tracking shows us wins; then the one whose results name the same (app, env) set; then
the one created closest to our artifact. Two artifacts of one commit posted in the same second whose every
manifest builds in-cluster cannot be told apart: the newest is followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from gimlet_ci._client import GimletClient
from gimlet_ci._ids import require_event_id
from gimlet_ci._log import log
from gimlet_ci._models import Result, TrackStatus
from gimlet_ci.exceptions import CannotFollowError, GimletAPIError

CREATED_SLACK = 2
"""Seconds an artifact's event may be stamped before the artifact itself."""


def is_image_build(result: Result) -> bool:
    """An artifact-tracking result of an in-cluster image build: success, and no gitops commit."""
    return result.status == "success" and not result.hash and not result.triggered_deploy_request_id


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _results(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = event.get("results")
    return [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []


def pick_artifact_event(
    events: list[Any], *, sha: str, created: int, hashes: set[str], targets: set[tuple[str, str]]
) -> Mapping[str, Any] | None:
    """Our artifact's event among a commit's events, by the rules in this module's docstring."""
    candidates = [
        e
        for e in events
        if isinstance(e, Mapping)
        and _text(e.get("type")) == "artifact"
        and _text(e.get("sha")) == sha
        and isinstance(e.get("created"), int)
        and e["created"] >= created - CREATED_SLACK
    ]
    if not candidates:
        return None

    def score(event: Mapping[str, Any]) -> tuple[int, int, int]:
        results = _results(event)
        refs = {_text(r.get("gitopsRef")) for r in results if _text(r.get("gitopsRef"))}
        names = {(_text(r.get("app")), _text(r.get("env"))) for r in results}
        return (
            0 if hashes and refs == hashes else 1,
            0 if names == targets else 1,
            abs(int(event["created"]) - created),
        )

    # min() keeps the first of equal scores: Gimlet lists newest first.
    return min(candidates, key=score)


@attrs.define
class _Build:
    app: str
    env: str
    build_id: str | None = None
    release_id: str | None = None
    failed: str | None = None


@attrs.define
class ArtifactFollower:
    """Artifact tracking that follows image builds to their deploys (a fetch function for `gimlet_ci._flows`)."""

    client: GimletClient
    artifact_id: str
    repository: str | None = None
    sha: str | None = None
    created: int = 0
    on_build: Any = None
    """Called with each build id once it is known (the push channel then follows it)."""
    _builds: dict[tuple[str, str], _Build] = attrs.Factory(dict)
    _located: bool = False

    def __call__(self) -> TrackStatus:
        status = self.client.track_artifact(self.artifact_id)
        if status.status in ("", "new", "error") or not any(is_image_build(r) for r in status.results):
            return status
        self._resolve(status)
        results = tuple(self._follow(result) if is_image_build(result) else result for result in status.results)
        return attrs.evolve(status, results=results)

    # -- which build --------------------------------------------------------------------------------------------------

    def _locate(self) -> None:
        """The artifact's repository, sha and created time, when the command did not ship it (``track``)."""
        if self._located or (self.sha and self.repository):
            return
        self._located = True
        repository = self.artifact_id[:-37] if len(self.artifact_id) > 37 else ""  # noqa: PLR2004 - "-" + uuid4
        if not repository:
            return
        for offset in range(0, 500, 100):
            try:
                page = self.client.list_artifacts(repository=repository, sha="", limit=100, offset=offset)
            except GimletAPIError:
                return
            found = next((a for a in page if a.id == self.artifact_id), None)
            if found is not None:
                self.repository, self.sha, self.created = repository, found.version.sha, found.created
                return
            if len(page) < 100:  # noqa: PLR2004
                return

    def _resolve(self, status: TrackStatus) -> None:
        wanted = [(r.app, r.env) for r in status.results if is_image_build(r)]
        if all(self._builds.get(key) and self._builds[key].build_id for key in wanted):
            return
        self._locate()
        where = ", ".join(f"{app or '?'} -> {env or '?'}" for app, env in wanted)
        if not self.repository or not self.sha:
            self._cannot(where, "the artifact's commit could not be found in Gimlet's artifact list")
        assert self.repository is not None  # noqa: S101
        assert self.sha is not None  # noqa: S101
        try:
            events = self.client.commit_events(self.repository, self.sha)
        except GimletAPIError as e:
            if e.status == 404:  # noqa: PLR2004
                self._cannot(where, "this Gimlet has no commit-events endpoint (it is older than v0.26)")
            raise
        hashes = {r.hash for r in status.results if r.hash}
        targets = {(r.app, r.env) for r in status.results}
        event = pick_artifact_event(events, sha=self.sha, created=self.created, hashes=hashes, targets=targets)
        if event is None:
            self._cannot(where, "Gimlet lists no artifact event for the commit")
        assert event is not None  # noqa: S101
        for result in _results(event):
            key = (_text(result.get("app")), _text(result.get("env")))
            build_id = _text(result.get("triggeredImageBuildId"))
            if key in wanted and build_id and not (self._builds.get(key) and self._builds[key].build_id):
                require_event_id(build_id, what="an image build")
                self._builds[key] = _Build(app=key[0], env=key[1], build_id=build_id)
                log.info("gimlet_ci.image_build_started", app=key[0] or None, env=key[1] or None, build_id=build_id)
                if self.on_build is not None:
                    self.on_build(build_id)
        missing = [key for key in wanted if not (self._builds.get(key) and self._builds[key].build_id)]
        if missing:
            self._cannot(
                ", ".join(f"{a or '?'} -> {e or '?'}" for a, e in missing),
                "the commit's artifact event names no image build for it",
            )

    def _cannot(self, where: str, why: str) -> None:
        msg = f"Gimlet started an in-cluster image build for {where} that cannot be followed: {why}"
        raise CannotFollowError(
            msg,
            tip="the deploy was not seen reconciled; check it in Gimlet's dashboard, and upgrade Gimlet to v0.26 or "
            "later so that builds can be followed",
        )

    # -- what the build and its deploy show ---------------------------------------------------------------------------

    def _follow(self, result: Result) -> Result:
        build = self._builds[(result.app, result.env)]
        common = {"app": result.app, "env": result.env}
        if build.failed is not None:
            return Result(**common, status="failure", status_desc=build.failed)
        if build.release_id is None:
            assert build.build_id is not None  # noqa: S101
            track = self.client.track_release(build.build_id)
            if track.status == "error":
                build.failed = f"image build failed: {track.status_desc or 'image build failed'}"
                return Result(**common, status="failure", status_desc=build.failed)
            if track.status != "success":
                return Result(**common, status="pending", status_desc=f"image build {build.build_id[:8]} running")
            follow = next((r.triggered_deploy_request_id for r in track.results if r.triggered_deploy_request_id), "")
            if not follow:
                build.failed = "the image build succeeded but Gimlet named no deploy to follow"
                return Result(**common, status="failure", status_desc=build.failed)
            build.release_id = require_event_id(follow, what="the deploy an image build triggered")
            log.info("gimlet_ci.image_built", app=result.app or None, env=result.env or None, release_id=follow)
            if self.on_build is not None:
                self.on_build(follow)
        release = self.client.track_release(build.release_id)
        if release.status == "error":
            return Result(**common, status="failure", status_desc=release.status_desc or "the deploy failed")
        if release.status == "new" and not release.results:
            return Result(**common, status="pending", status_desc=f"image built; deploy {build.release_id[:8]} queued")
        mine = [r for r in release.results if (r.app, r.env) == (result.app, result.env)] or list(release.results)
        if not mine:
            if release.status == "new":
                return Result(**common, status="pending", status_desc="deploy in progress")
            return Result(**common, status="failure", status_desc="the deploy after the image build matched nothing")
        found = mine[0]
        return attrs.evolve(found, app=found.app or result.app, env=found.env or result.env)


__all__ = ["ArtifactFollower", "is_image_build", "pick_artifact_event"]
