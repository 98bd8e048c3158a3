"""Gimlet's wire model (``pkg/dx``) and our result objects, as frozen attrs classes.

Field order is Go's struct order, so our JSON reads like Gimlet's. Renames to camelCase and Go's ``omitempty``
live in `gimlet_ci._converter`, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

GitEvent = Literal["push", "tag", "pr"]


@attrs.frozen(kw_only=True)
class Version:
    """``dx.Version``: the commit an artifact describes."""

    repository_name: str = ""
    sha: str = ""
    created: int = 0
    """Commit time, Unix seconds (committer date)."""
    branch: str = ""
    event: GitEvent = "push"
    """Omitted from JSON for push, as Go's omitempty on the enum's zero value does."""
    source_branch: str = ""
    target_branch: str = ""
    tag: str = ""
    author_name: str = ""
    author_email: str = ""
    committer_name: str = ""
    committer_email: str = ""
    message: str = ""
    url: str = ""


@attrs.frozen(kw_only=True)
class Artifact:
    """``dx.Artifact``. Manifests travel as plain mappings so keys we do not model still reach the server."""

    id: str = ""
    created: int = 0
    version: Version = attrs.field(factory=Version)
    context: Mapping[str, str] = attrs.field(factory=dict)
    environments: tuple[Mapping[str, Any], ...] = ()
    cue_environments: tuple[str, ...] = ()
    items: tuple[Mapping[str, Any], ...] = ()
    vars: Mapping[str, str] = attrs.field(factory=dict)
    fake: bool = False


@attrs.frozen(kw_only=True)
class Result:
    """One element of ``results`` in a track response (omitempty strings)."""

    app: str = ""
    hash: str = ""
    status: str = ""
    gitops_commit_status: str = ""
    gitops_commit_status_desc: str = ""
    env: str = ""
    status_desc: str = ""
    triggered_deploy_request_id: str = ""


@attrs.frozen(kw_only=True)
class TrackStatus:
    """``dx.ReleaseStatus``: the answer of both track endpoints."""

    type: str = ""
    status: str = ""
    status_desc: str = ""
    results: tuple[Result, ...] = ()


@attrs.frozen(kw_only=True)
class ReleaseRequest:
    """Body of ``POST /api/releases``."""

    env: str
    app: str = ""
    artifact_id: str
    triggered_by: str = ""


@attrs.frozen(kw_only=True)
class ReleaseTicket:
    """Answer of ``POST /api/releases`` and ``POST /api/rollback``; ``type`` is missing on old servers."""

    id: str
    type: str = "release"


@attrs.frozen(kw_only=True)
class Release:
    """``dx.Release``: one gitops commit of an app (``GET /api/releases``) or what an env runs (``GET /api/status``).

    ``version`` is the shipped artifact's commit (None when the ``release.json`` has none); ``created`` is the
    gitops commit's time (0 in ``GET /api/status``, which reads the files and not the history).
    """

    app: str = ""
    env: str = ""
    artifact_id: str = ""
    triggered_by: str = ""
    version: Version | None = None
    gitops_ref: str = ""
    gitops_repo: str = ""
    gitops_commit_status: str = ""
    gitops_commit_status_desc: str = ""
    gitops_commit_created: int = 0
    created: int = 0
    rolled_back: bool = False


DeployStatus = Literal["succeeded", "failed", "pending", "no-change", "image-build"]
OutcomeStatus = Literal["dry-run", "shipped", "succeeded", "failed", "timeout", "error", "cancelled"]


@attrs.frozen(kw_only=True)
class DeployOutcome:
    """One deploy as the user sees it in ``--output json`` and summaries."""

    app: str | None = None
    env: str | None = None
    status: DeployStatus = "pending"
    gitops_hash: str | None = None
    gitops_status: str | None = None
    message: str | None = None
    url: str | None = None
    """Where the app is reachable, ``https://`` + the manifest's ``values.ingress.host`` as Gimlet renders it
    (preview hosts included); None when the manifest has no host or is not known (track, deploy, rollback)."""


@attrs.frozen(kw_only=True)
class Note:
    """A manifest problem worth showing on the manifest's line (GitHub annotations): ``lint``'s and ``ship``'s."""

    file: str | None
    line: int | None
    key: str
    severity: Literal["error", "warning"]
    message: str


@attrs.frozen(kw_only=True)
class Outcome:
    """What a command achieved; printed as the ``--output json`` object, also when the command failed."""

    artifact_id: str | None = None
    release_id: str | None = None
    status: OutcomeStatus = "shipped"
    deploys: tuple[DeployOutcome, ...] = ()
    message: str | None = None
    repository: str | None = None
    sha: str | None = None
    notes: tuple[Note, ...] = ()
    """Manifest problems found on the way (``ship``'s lint warnings), for annotations; not in the JSON."""

    @property
    def url(self) -> str | None:
        """The address of the first deploy that has one (`DeployOutcome.url`), failed ones last."""
        ranked = sorted(self.deploys, key=lambda d: d.status == "failed")
        return next((d.url for d in ranked if d.url), None)

    def scrubbed(self, scrub: Callable[[str], str]) -> Outcome:
        """This outcome with *scrub* applied to every text it holds, its deploys' included (before any output escapes
        it); every string field, so that a field added later is covered too. Statuses are our own words."""
        scrubbed: Outcome = _scrubbed(self, scrub)
        return scrubbed

    def as_json(self) -> dict[str, object]:
        return {
            "artifact_id": self.artifact_id,
            "release_id": self.release_id,
            "status": self.status,
            "url": self.url,
            "deploys": [attrs.asdict(d) for d in self.deploys],
            "message": self.message,
        }


def _scrubbed(obj: Any, scrub: Callable[[str], str]) -> Any:
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        if field.name == "status":
            continue
        if isinstance(value, str):
            changes[field.name] = scrub(value)
        elif isinstance(value, tuple) and value and attrs.has(type(value[0])):
            changes[field.name] = tuple(_scrubbed(item, scrub) for item in value)
    return attrs.evolve(obj, **changes)
