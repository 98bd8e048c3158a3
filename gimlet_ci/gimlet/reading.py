"""How Gimlet's server reads an artifact body, end to end, and the verdict gimlet-ci draws from it.

`read_body` follows the body through what Gimlet does with it: ``POST /api/artifact`` decodes it with
``json.NewDecoder(body).Decode(&artifact)`` (error ignored; a decoder panic answers 500 and stores nothing), stores
what was decoded, and the worker then runs ``HasCleanupPolicy`` and, per manifest, ``PrepPreview``,
``deployTrigger`` and, for a firing manifest, ``ExtractImageStrategy``. Every panic is caught here and recorded
with its stage; in Gimlet the first one kills the server.

`judge` turns that into verdicts, by the rule of the conformance vectors: a manifest is ``rejected`` when decoding
it alone reports an error or panics (``decode-error``), when Gimlet does not store it (``lost``), when the worker
panics on it (``panic``), or when one of its keys differs from Gimlet's field name only in letter case
(``case-variant``); otherwise it ``fires`` or ``skips`` as ``deployTrigger`` says. The artifact is rejected when the
body's decode reports an error or panics, when the worker panics before the manifests, or when any manifest is
rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import attrs

from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import (
    DecodeIssue,
    Decoder,
    GoPanic,
    JObject,
    KeyPath,
    Ptr,
    RawSyntaxError,
    fold_equal,
    members,
    parse,
)
from gimlet_ci.gimlet.worker import (
    CutShort,
    Decision,
    deploy_trigger,
    extract_image_strategy,
    has_cleanup_policy,
    prep_preview,
)

__all__ = [
    "Judgement",
    "ManifestVerdict",
    "Reading",
    "Trigger",
    "judge",
    "read_body",
    "worker_trigger",
]

Verdict = Literal["fires", "skips", "rejected"]
Cause = Literal["decode-error", "lost", "panic", "case-variant", "cut-short"]

_SUBSTRUCTS = {"deploy": "Deploy", "cleanup": "Cleanup", "chart": "Chart"}


@attrs.frozen(kw_only=True)
class Trigger:
    """What the worker did with one stored manifest."""

    app: str
    env: str
    decision: Decision | None = None
    """``deployTrigger``'s answer; None when a panic came first."""
    panic: str | None = None
    """The panic's message, when one of the steps panicked."""
    stage: str | None = None
    """``PrepPreview``, ``deployTrigger`` or ``ExtractImageStrategy``: where it panicked."""
    preview_app: str | None = None
    """The app name ``PrepPreview`` gave a preview."""
    image_strategy: str | None = None
    """``ExtractImageStrategy``'s answer for a firing manifest."""
    prepared: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)
    """The manifest after ``PrepPreview`` (what the worker deploys)."""
    cut_short: str | None = None
    """Set when matching a glob of the policy was cut short (`CutShort`): no decision, and no claim of one."""

    @property
    def fires(self) -> bool:
        """True when the policy fires (and nothing panicked)."""
        return self.decision is not None and self.decision.fires and self.panic is None


@attrs.frozen(kw_only=True)
class Element:
    """One element of the body's ``environments``, decoded alone into a Manifest."""

    raw: Any = attrs.field(eq=False, repr=False)
    issues: tuple[DecodeIssue, ...] = ()
    panic: str | None = None
    panic_path: KeyPath = ()
    """Where in the manifest the decoder panicked (``dependencies``, index, field), when known."""


@attrs.frozen(kw_only=True)
class Reading:
    """What Gimlet's server makes of one artifact body."""

    syntax_error: str | None = None
    """The body is not JSON at all: Gimlet stores an empty artifact."""
    issues: tuple[DecodeIssue, ...] = ()
    """Every error the body's decode reported, in order (Go returns the first, or the abort)."""
    abort: DecodeIssue | None = None
    """The unmarshaler error that stopped decoding."""
    decode_panic: str | None = None
    """The decoder panicked: the server answers 500 and stores nothing."""
    stored: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)
    """The artifact as Gimlet stores it (a `dx.ARTIFACT` value), None after a decoder panic."""
    elements: tuple[Element, ...] = ()
    """The body's ``environments``, each decoded alone."""
    worker_panic: str | None = None
    """``HasCleanupPolicy`` panicked before any manifest was processed."""
    triggers: tuple[Trigger, ...] = ()
    """One per stored manifest."""

    @property
    def decode_error(self) -> bool:
        """True when Gimlet's ``Decode`` returned an error (which it ignores)."""
        return self.syntax_error is not None or bool(self.issues)

    @property
    def stored_count(self) -> int:
        """How many manifests Gimlet stores."""
        if self.stored is None:
            return 0
        return len(self.stored["environments"] or ())


def _raw_environments(raw: Any) -> list[Any]:
    """The body's ``environments`` elements, as Go would decode them (the last array under a folding key)."""
    found: list[Any] = []
    for value in members(raw, "environments"):
        if isinstance(value, list) and not isinstance(value, JObject):
            found = value
        elif value is None:
            found = []
    return found


def _element(raw: Any) -> Element:
    decoder = Decoder()
    try:
        _, abort = decoder.decode(Ptr(dx.MANIFEST), raw)
    except GoPanic as e:
        return Element(raw=raw, issues=tuple(decoder.issues), panic=str(e), panic_path=e.path)
    del abort  # recorded in issues too
    return Element(raw=raw, issues=tuple(decoder.issues))


def worker_trigger(version: dict[str, Any], manifest: dict[str, Any] | None) -> Trigger:
    app = manifest["app"] if manifest else ""
    env = manifest["env"] if manifest else ""
    try:
        prepared = prep_preview(manifest)
    except GoPanic as e:
        return Trigger(app=app, env=env, panic=str(e), stage="PrepPreview")
    preview_app = prepared["app"] if prepared["preview"] is True else None
    try:
        decision = deploy_trigger(version, prepared["deploy"])
    except GoPanic as e:
        return Trigger(app=app, env=env, panic=str(e), stage="deployTrigger", preview_app=preview_app)
    except CutShort as e:
        return Trigger(app=app, env=env, cut_short=str(e), stage="deployTrigger", preview_app=preview_app)
    if not decision.fires:
        return Trigger(app=app, env=env, decision=decision, preview_app=preview_app, prepared=prepared)
    try:
        strategy = extract_image_strategy(prepared)
    except GoPanic as e:
        return Trigger(
            app=app, env=env, decision=decision, panic=str(e), stage="ExtractImageStrategy", preview_app=preview_app
        )
    return Trigger(
        app=app, env=env, decision=decision, preview_app=preview_app, image_strategy=strategy, prepared=prepared
    )


def read_body(body: bytes | str) -> Reading:
    """Read an artifact body exactly as Gimlet's server would (see the module docstring)."""
    try:
        raw = parse(body)
    except RawSyntaxError as e:
        return Reading(syntax_error=str(e), stored=_empty_artifact())
    elements = tuple(_element(item) for item in _raw_environments(raw))
    decoder = Decoder()
    try:
        stored, abort = decoder.decode(dx.ARTIFACT, raw)
    except GoPanic as e:
        return Reading(issues=tuple(decoder.issues), decode_panic=str(e), elements=elements)
    worker_panic = None
    try:
        has_cleanup_policy(stored)
    except GoPanic as e:
        worker_panic = f"HasCleanupPolicy: {e}"
    version = stored["version"]
    triggers = tuple(worker_trigger(version, manifest) for manifest in stored["environments"] or ())
    return Reading(
        issues=tuple(decoder.issues),
        abort=abort,
        stored=stored,
        elements=elements,
        worker_panic=worker_panic,
        triggers=triggers,
    )


def _empty_artifact() -> dict[str, Any]:
    from gimlet_ci.gimlet.gojson import zero  # noqa: PLC0415

    value: dict[str, Any] = zero(dx.ARTIFACT)
    return value


# --- verdicts -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CaseVariant:
    """A key that Gimlet matches to one of its field names only by ignoring letter case."""

    path: KeyPath
    """Where the key is, inside the manifest (``("Deploy",)``, ``("deploy", "Branch")``)."""
    key: str
    field: str
    """Gimlet's spelling."""


def case_variants(raw: Any) -> list[CaseVariant]:
    """The case-variant keys of one raw manifest: its own keys, and those of its deploy, cleanup and chart
    objects (under whatever spelling Gimlet matched those)."""
    found: list[CaseVariant] = []
    if not isinstance(raw, JObject):
        return found
    manifest_fields = dx.FIELD_NAMES["Manifest"]
    for key, value in raw:
        field = _variant_of(key, manifest_fields)
        if field is not None:
            found.append(CaseVariant(path=(), key=key, field=field))
        matched = key if key in manifest_fields else field
        struct = _SUBSTRUCTS.get(matched or "")
        if struct is not None and isinstance(value, JObject):
            for sub_key, _ in value:
                sub_field = _variant_of(sub_key, dx.FIELD_NAMES[struct])
                if sub_field is not None:
                    found.append(CaseVariant(path=(key,), key=sub_key, field=sub_field))
    return found


def _variant_of(key: str, fields: Sequence[str]) -> str | None:
    if key in fields:
        return None
    return next((name for name in fields if fold_equal(key, name)), None)


@attrs.frozen(kw_only=True)
class ManifestVerdict:
    """gimlet-ci's verdict on one element of the body's ``environments``."""

    index: int
    app: str
    env: str
    verdict: Verdict
    causes: tuple[Cause, ...]
    reason: str
    trigger: Trigger | None = None
    element: Element | None = attrs.field(default=None, eq=False, repr=False)
    variants: tuple[CaseVariant, ...] = ()


@attrs.frozen(kw_only=True)
class Judgement:
    """The verdict on a whole body."""

    rejected: bool
    why: tuple[str, ...]
    manifests: tuple[ManifestVerdict, ...]
    reading: Reading = attrs.field(eq=False, repr=False)


def _written(raw: Any, name: str) -> str:
    values = [value for value in members(raw, name) if isinstance(value, str)]
    return values[-1] if values else ""


def _decode_reason(element: Element) -> str:
    if element.panic is not None:
        return f"Gimlet's decoder panics on this manifest ({element.panic}): the server answers 500 and stores nothing"
    issue = element.issues[0]
    return f"decode error: {issue.go_message()}"


def _manifest_verdict(index: int, element: Element, reading: Reading) -> ManifestVerdict:
    stored = index < reading.stored_count and reading.decode_panic is None
    trigger = reading.triggers[index] if stored else None
    variants = tuple(case_variants(element.raw))
    causes: list[Cause] = []
    reasons: list[str] = []
    if element.issues or element.panic is not None:
        causes.append("decode-error")
        reasons.append(_decode_reason(element))
    if not stored:
        causes.append("lost")
        reasons.append("lost: Gimlet does not store this manifest (decoding stopped before it)")
    if trigger is not None and trigger.panic is not None:
        causes.append("panic")
        reasons.append(f"Gimlet panics in {trigger.stage}: {trigger.panic}")
    if trigger is not None and trigger.cut_short is not None:
        causes.append("cut-short")
        reasons.append(trigger.cut_short)
    if variants:
        causes.append("case-variant")
        shown = ", ".join(
            f"{'.'.join((*(str(p) for p in v.path), v.key))} (Gimlet's field is {v.field})" for v in variants
        )
        reasons.append(f"keys that differ from Gimlet's only in letter case: {shown}")
    if trigger is not None:
        app, env = trigger.app, trigger.env
    else:
        app, env = _written(element.raw, "app"), _written(element.raw, "env")
    decision = trigger.decision if trigger is not None else None
    if causes:
        verdict: Verdict = "rejected"
        reason = "; ".join(reasons)
    elif decision is not None and decision.fires:
        verdict, reason = "fires", decision.reason
    else:
        verdict, reason = "skips", decision.reason if decision is not None else "not evaluated"
    return ManifestVerdict(
        index=index,
        app=app,
        env=env,
        verdict=verdict,
        causes=tuple(causes),
        reason=reason,
        trigger=trigger,
        element=element,
        variants=variants,
    )


def judge(reading: Reading) -> Judgement:
    """Verdicts for every element of the body's ``environments``, by the conformance rule."""
    manifests = tuple(_manifest_verdict(index, element, reading) for index, element in enumerate(reading.elements))
    why: list[str] = []
    if reading.syntax_error is not None:
        why.append(f"the body is not JSON ({reading.syntax_error}): Gimlet stores an empty artifact")
    elif reading.issues:
        first = reading.abort or reading.issues[0]
        why.append(f"decode error: {first.go_message()}")
    if reading.decode_panic is not None:
        why.append(f"decoder panic: {reading.decode_panic}")
    if reading.worker_panic is not None:
        why.append(f"worker panic: {reading.worker_panic}")
    if any(item.verdict == "rejected" for item in manifests):
        why.append("a manifest is rejected")
    return Judgement(rejected=bool(why), why=tuple(why), manifests=manifests, reading=reading)
