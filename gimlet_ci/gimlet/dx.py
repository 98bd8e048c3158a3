"""Gimlet's ``pkg/dx`` structs, as `gojson` types: what its server decodes an artifact into.

Field order, JSON names and ``omitempty`` are Gimlet's (``pkg/dx/artifact.go``, ``manifest.go``). The three types
with their own ``UnmarshalJSON`` behave as Gimlet's do:

- ``GitEvent`` (``version.event``, ``deploy.event``): a string is read as ``push``, ``tag`` or ``pr``, any other
  string as ``push``; null as ``push``; anything else returns an error, which aborts the decode;
- ``CleanupEvent`` (``cleanup.event``): any string or null is ``branchDeleted``; anything else aborts;
- ``Dependency``: an entry that is not an object is an empty dependency; otherwise ``name`` must be a string (else
  Gimlet's unchecked type assertion panics), ``kind`` must be present (else an error aborts the decode) and a
  string (else a panic); a ``terraform`` dependency needs ``spec.module.url`` (string) and ``spec.values`` (object),
  and optional ``secret`` strings, or it panics; the ``spec`` of any other kind is dropped.
"""

from __future__ import annotations

from typing import Any

from gimlet_ci.gimlet.gojson import (
    Any_,
    Bool,
    Custom,
    DecodeAbort,
    DecodeIssue,
    Decoder,
    Field,
    Int64,
    JObject,
    KeyPath,
    Map,
    Ptr,
    Slice,
    String,
    Struct,
    go_string,
    raw_kind,
    type_assert,
)

__all__ = [
    "ARTIFACT",
    "CHART",
    "CLEANUP",
    "DEPLOY",
    "GIT_EVENTS",
    "MANIFEST",
    "VERSION",
]

GIT_EVENTS = ("push", "tag", "pr")


def _enum_abort(path: KeyPath, raw: Any, type_name: str) -> DecodeAbort:
    issue = DecodeIssue(
        path=path,
        kind="abort",
        got=f"json: cannot unmarshal {raw_kind(raw)} into Go value of type string",
        want=type_name,
        raw=raw,
    )
    return DecodeAbort(issue)


def _git_event(decoder: Decoder, raw: Any, current: Any, path: KeyPath) -> Any:
    del decoder, current
    if raw is None:
        return "push"
    if not isinstance(raw, str):
        raise _enum_abort(path, raw, "GitEvent")
    return raw if raw in GIT_EVENTS else "push"


def _cleanup_event(decoder: Decoder, raw: Any, current: Any, path: KeyPath) -> Any:
    del decoder, current
    if raw is not None and not isinstance(raw, str):
        raise _enum_abort(path, raw, "CleanupEvent")
    return "branchDeleted"


GIT_EVENT = Custom(
    "GitEvent",
    unmarshal=_git_event,
    marshal=go_string,
    zero_factory=lambda: "push",
    is_empty=lambda value: value == "push",  # omitempty on an int enum: Push is 0
)
CLEANUP_EVENT = Custom(
    "CleanupEvent",
    unmarshal=_cleanup_event,
    marshal=go_string,
    zero_factory=lambda: "branchDeleted",
    is_empty=lambda value: value == "branchDeleted",
)


def _dependency(decoder: Decoder, raw: Any, current: Any, path: KeyPath) -> Any:
    # json.Unmarshal(data, &map[string]interface{}): any non-object is an error, which the method swallows.
    if raw is not None and not isinstance(raw, JObject):
        return current
    scratch = Decoder()
    data = None if raw is None else scratch.interface(raw, path)
    if scratch.issues:  # e.g. 1e400 somewhere inside: Unmarshal returns its error, the method returns nil
        return current
    data = data or {}
    current["name"] = type_assert(data.get("name"), str, "string", (*path, "name"))
    if "kind" not in data:
        issue = DecodeIssue(path=path, kind="abort", got="kind is mandatory for dependency", want="Dependency", raw=raw)
        raise DecodeAbort(issue)
    current["kind"] = type_assert(data["kind"], str, "string", (*path, "kind"))
    if current["kind"] == "terraform":
        at = (*path, "spec")
        spec = type_assert(data.get("spec"), dict, "map[string]interface {}", at)
        module = type_assert(spec.get("module"), dict, "map[string]interface {}", (*at, "module"))
        tf_module: dict[str, Any] = {"url": type_assert(module.get("url"), str, "string", (*at, "module", "url"))}
        tf_module["secret"] = ""
        values = type_assert(spec.get("values"), dict, "map[string]interface {}", (*at, "values"))
        if "secret" in module:
            tf_module["secret"] = type_assert(module["secret"], str, "string", (*at, "module", "secret"))
        secret = type_assert(spec["secret"], str, "string", (*at, "secret")) if "secret" in spec else ""
        current["spec"] = {"module": tf_module, "values": values, "secret": secret}
    del decoder
    return current


def _tf_spec_json(value: Any) -> str:
    from gimlet_ci.gimlet.gojson import encode, encode_any  # noqa: PLC0415

    if value is None:
        return "null"
    if isinstance(value, dict) and set(value) == {"module", "values", "secret"} and isinstance(value["module"], dict):
        return encode(TF_SPEC, value).decode()
    return encode_any(value).decode()


TF_MODULE = Struct("Module", (Field("url", String), Field("secret", String, omitempty=True)))
TF_SPEC = Struct("TFSpec", (Field("module", TF_MODULE), Field("values", Map(Any_)), Field("secret", String)))


def _dependency_json(value: Any) -> str:
    return (
        f'{{"name":{go_string(value["name"])},"kind":{go_string(value["kind"])},"spec":{_tf_spec_json(value["spec"])}}}'
    )


DEPENDENCY = Custom(
    "Dependency",
    unmarshal=_dependency,
    marshal=_dependency_json,
    zero_factory=lambda: {"name": "", "kind": "", "spec": None},
)

VERSION = Struct(
    "Version",
    (
        Field("repositoryName", String, omitempty=True),
        Field("sha", String, omitempty=True),
        Field("created", Int64, omitempty=True),
        Field("branch", String, omitempty=True),
        Field("event", GIT_EVENT, omitempty=True),
        Field("sourceBranch", String, omitempty=True),
        Field("targetBranch", String, omitempty=True),
        Field("tag", String, omitempty=True),
        Field("authorName", String, omitempty=True),
        Field("authorEmail", String, omitempty=True),
        Field("committerName", String, omitempty=True),
        Field("committerEmail", String, omitempty=True),
        Field("message", String, omitempty=True),
        Field("url", String, omitempty=True),
    ),
)
DEPLOY = Struct(
    "Deploy",
    (
        Field("tag", String, omitempty=True),
        Field("branch", String, omitempty=True),
        Field("event", Ptr(GIT_EVENT), omitempty=True),
        Field("commitMessagePatterns", Slice(String), omitempty=True),
    ),
)
CLEANUP = Struct(
    "Cleanup",
    (
        Field("app", String),
        Field("event", CLEANUP_EVENT),
        Field("branch", String, omitempty=True),
    ),
)
CHART = Struct(
    "Chart",
    (
        Field("repository", String, omitempty=True),
        Field("name", String),
        Field("version", String, omitempty=True),
    ),
)
TARGET = Struct(
    "Target",
    (Field("group", String), Field("version", String), Field("kind", String), Field("name", String)),
)
JSON6902_PATCH = Struct("Json6902Patch", (Field("patch", String), Field("target", TARGET)))
MANIFEST = Struct(
    "Manifest",
    (
        Field("app", String),
        Field("env", String),
        Field("preview", Ptr(Bool), omitempty=True),
        Field("namespace", String),
        Field("deploy", Ptr(DEPLOY), omitempty=True),
        Field("cleanup", Ptr(CLEANUP), omitempty=True),
        Field("chart", CHART),
        Field("values", Map(Any_), omitempty=True),
        Field("strategicMergePatches", String, omitempty=True),
        Field("json6902Patches", Slice(JSON6902_PATCH), omitempty=True),
        Field("manifests", String, omitempty=True),
        Field("dependencies", Slice(DEPENDENCY), omitempty=True),
    ),
)
ARTIFACT = Struct(
    "Artifact",
    (
        Field("id", String, omitempty=True),
        Field("created", Int64, omitempty=True),
        Field("version", VERSION, omitempty=True),
        Field("context", Map(String), omitempty=True),
        Field("environments", Slice(Ptr(MANIFEST)), omitempty=True),
        Field("cueEnvironments", Slice(String), omitempty=True),
        Field("items", Slice(Map(Any_)), omitempty=True),
        Field("vars", Map(String), omitempty=True),
        Field("fake", Bool, omitempty=True),
    ),
)

RELEASE_REQUEST = Struct(
    "ReleaseRequest",
    (
        Field("env", String),
        Field("app", String, omitempty=True),
        Field("artifactId", String),
        Field("triggeredBy", String),
    ),
)

# The field names the case-variant rule checks, per struct (see the conformance rules).
FIELD_NAMES = {
    "Manifest": tuple(field.name for field in MANIFEST.fields),
    "Deploy": tuple(field.name for field in DEPLOY.fields),
    "Cleanup": tuple(field.name for field in CLEANUP.fields),
    "Chart": tuple(field.name for field in CHART.fields),
}
