"""Gimlet's id formats, checked before a server's id is used, printed or written to a CI's outputs.

Gimlet makes artifact ids as ``fmt.Sprintf("%s-%s", artifact.Version.RepositoryName, uuid.New().String())``
(``pkg/dashboard/server/artifacts.go``) and every event id (release, rollback, image build) as
``uuid.New().String()`` (``pkg/dashboard/store/events.go``): lowercase, hyphenated uuids.
"""

from __future__ import annotations

import re

from gimlet_ci.exceptions import BadResponse

__all__ = ["check_artifact_id", "check_event_id", "require_event_id"]

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_EVENT_ID = re.compile(_UUID)
_ARTIFACT_ID = re.compile(f"(?P<repository>.*)-{_UUID}", re.DOTALL)
_SAFE = re.compile(r"[\x21-\x7e]*")
"""An id's characters: printable ASCII, no space (Gimlet's repository names are ``owner/name``)."""


def check_artifact_id(value: object, *, repository: str | None) -> str | None:
    """Why *value* is not an artifact id Gimlet makes (``<repositoryName>-<uuid>``, of *repository* when given), or
    None when it is one."""
    if not isinstance(value, str):
        return "it is not a string"
    match = _ARTIFACT_ID.fullmatch(value)
    if match is None or not _SAFE.fullmatch(value):
        return "it is not <repository>-<uuid>"
    if repository is not None and match["repository"] != repository:
        return f"it is not an id of {repository}"
    return None


def check_event_id(value: object) -> str | None:
    """Why *value* is not a release, rollback or image-build id (a lowercase uuid), or None when it is one."""
    if not isinstance(value, str) or _EVENT_ID.fullmatch(value) is None:
        return "it is not a uuid"
    return None


def require_event_id(value: str, *, what: str) -> str:
    """*value*, when it is an id Gimlet makes for events (a uuid); else `BadResponse` (exit 4) naming *what*."""
    if check_event_id(value) is not None:
        shown = ascii(value if len(value) <= 80 else value[:80] + "...")  # noqa: PLR2004
        msg = f"the server named {what} with an id that Gimlet does not make: {shown}"
        raise BadResponse(
            msg, tip="Gimlet's release, rollback and image-build ids are uuids: is GIMLET_SERVER a Gimlet?"
        )
    return value
