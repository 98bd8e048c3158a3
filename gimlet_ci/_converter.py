"""The one cattrs converter: Go's camelCase keys and ``omitempty`` out, tolerant reading in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from gimlet_ci._models import Artifact, Release, ReleaseRequest, ReleaseTicket, Result, TrackStatus, Version
from gimlet_ci.exceptions import BadResponse

T = TypeVar("T")

_RENAMES = {"triggered_deploy_request_id": "triggeredDeployRequestID"}
_ALWAYS = {
    Artifact: {"version"},
    ReleaseRequest: {"env", "artifact_id", "triggered_by"},
    Release: {
        "app",
        "env",
        "artifact_id",
        "triggered_by",
        "version",
        "gitops_ref",
        "gitops_repo",
        "gitops_commit_status",
        "gitops_commit_status_desc",
    },
}
"""Fields Go emits even when empty (no omitempty in the struct tag)."""


def _camel(name: str) -> str:
    if name in _RENAMES:
        return _RENAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()

    def unstructure_factory(cls: type[Any]) -> Any:
        always = _ALWAYS.get(cls, set())
        overrides = {
            a.name: override(rename=_camel(a.name), omit_if_default=a.name not in always) for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]

    def structure_factory(cls: type[Any]) -> Any:
        overrides = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        base = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]

        def structure(value: Any, target: Any) -> Any:
            _expect(value, Mapping, "an object")
            return base(value, target)

        return structure

    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    converter.register_structure_hook_factory(attrs.has, structure_factory)

    def structure_event(value: Any, _: Any) -> str:
        # Go's GitEvent decoding: any unknown string (and "") is push; a non-string fails.
        if not isinstance(value, str):
            msg = f"event must be a string, not {type(value).__name__}"
            raise TypeError(msg)
        return value if value in ("tag", "pr") else "push"

    converter.register_structure_hook(str, lambda v, _: _expect(v, str, "a string"))
    converter.register_structure_hook(int, lambda v, _: _expect_int(v))
    converter.register_structure_hook(bool, lambda v, _: _expect(v, bool, "a boolean"))
    converter.register_structure_hook(Version, _version_structure(converter, structure_event))
    return converter


def _expect(value: Any, kind: type[Any] | tuple[type[Any], ...], what: str) -> Any:
    if not isinstance(value, kind):
        msg = f"expected {what}, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _expect_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"expected an integer, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _version_structure(converter: cattrs.Converter, structure_event: Any) -> Any:
    base = make_dict_structure_fn(
        Version,
        converter,
        **{a.name: override(rename=_camel(a.name)) for a in attrs.fields(Version)},  # type: ignore[arg-type]
    )

    def structure(value: Any, cls: Any) -> Version:
        _expect(value, Mapping, "an object")
        if "event" in value:
            value = {**value, "event": structure_event(value["event"], str)}
        return base(value, cls)

    return structure


converter = _make_converter()


def artifact_body(artifact: Artifact) -> bytes:
    """The exact bytes posted to ``POST /api/artifact`` and printed by ``--dry-run``.

    Two-space indentation, as the official CLI's artifact file has (it posts that file as it is), and UTF-8.
    NaN and Infinity raise ``ValueError``: they are not JSON, and Gimlet would store an empty artifact.
    """
    return json.dumps(to_wire(artifact), indent=2, ensure_ascii=False, allow_nan=False).encode()


def to_wire(obj: Any) -> Any:
    """Unstructure one of our wire objects into Gimlet's JSON shape."""
    return converter.unstructure(obj)


def to_wire_in_go_order(obj: Any) -> dict[str, Any]:
    """`to_wire` of an attrs object, its keys in the struct's field order (as Go's encoder writes them)."""
    data: dict[str, Any] = to_wire(obj)
    order = {_camel(field.name): index for index, field in enumerate(attrs.fields(type(obj)))}
    return dict(sorted(data.items(), key=lambda item: order.get(item[0], len(order))))


def from_wire(data: Any, cls: type[T], *, what: str) -> T:
    """Structure a server answer into *cls*, tolerating unknown keys; failures become `BadResponse`."""
    if isinstance(data, Mapping):
        # Go's encoding/json leaves null for nil slices on some paths: read null as "empty".
        data = {k: v for k, v in data.items() if v is not None}
        if "results" in data and isinstance(data["results"], list):
            data["results"] = [
                {k: v for k, v in r.items() if v is not None} if isinstance(r, Mapping) else r for r in data["results"]
            ]
    try:
        return converter.structure(data, cls)
    except Exception as e:
        details = "; ".join(cattrs.transform_error(e)) if isinstance(e, cattrs.BaseValidationError) else str(e)
        msg = f"the server's {what} is not what Gimlet sends: {details}"
        raise BadResponse(msg) from e


__all__ = [
    "Artifact",
    "Release",
    "ReleaseRequest",
    "ReleaseTicket",
    "Result",
    "TrackStatus",
    "from_wire",
    "to_wire",
]
