"""What `ship` refuses, `lint` reports as errors and `explain` shows as rejected: manifests Gimlet would crash on,
decode with an error, or read differently from what the file says.

The decisions come from the model of Gimlet's server (`gimlet_ci.gimlet`); this module only turns them into one
line per problem that names the file, line, key and value, says what Gimlet would do, and how to write it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.glob import GlobBudgetExceeded, GlobMatchPanic, GlobSyntaxError, compile_glob
from gimlet_ci.gimlet.gojson import (
    DecodeIssue,
    Decoder,
    GoPanic,
    JNumber,
    JObject,
    Ptr,
    fold_equal,
    go_float,
    parse,
    plain,
)
from gimlet_ci.gimlet.reading import (
    CaseVariant,
    Element,
    Judgement,
    ManifestVerdict,
    case_variants,
    judge,
    read_body,
    worker_trigger,
)
from gimlet_ci.gimlet.worker import IMAGE_BUILD_STRATEGIES, prep_preview

if TYPE_CHECKING:
    from gimlet_ci.manifests.reading import ManifestDoc

__all__ = [
    "Refusal",
    "Review",
    "artifact_refusals",
    "latent_refusals",
    "manifest_refusals",
    "release_preflight",
    "review_body",
]

KeyPath = tuple[str | int, ...]


@attrs.frozen(kw_only=True)
class Refusal:
    """One reason not to send a manifest: where, and what to do."""

    file: str | None
    """The manifest file (``.gimlet/staging.yaml``); None for the artifact itself (``push FILE``)."""
    line: int | None
    key: str
    """The key path (``deploy.event``, ``dependencies[0]``); empty for a whole document."""
    message: str
    index: int | None = None
    """The manifest's position in the artifact's ``environments``; None for the artifact itself."""

    def __str__(self) -> str:
        """``FILE:LINE: KEY: message``."""
        from gimlet_ci._defuse import one_line  # noqa: PLC0415

        where = self.file or "artifact"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return one_line(f"{where}: {self.key or '-'}: {self.message}")


def key_path(path: KeyPath) -> str:
    """``deploy.commitMessagePatterns[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _shown(raw: Any) -> str:
    """A raw JSON value as the user wrote it in YAML, shortened."""
    if isinstance(raw, JNumber):
        text = raw.text
    elif isinstance(raw, str):
        text = json.dumps(raw, ensure_ascii=False)
    elif raw is None:
        text = "null"
    elif isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, JObject):
        text = "a mapping"
    else:
        text = "a list"
    return text if len(text) <= 60 else text[:57] + "..."  # noqa: PLR2004


_DROPPED: dict[KeyPath, str] = {
    ("app",): "the deploy then writes to the environment's root folder with an empty app",
    ("env",): "the manifest then names no environment",
    ("namespace",): "the deploy then has an empty namespace",
    ("deploy", "branch"): "without its branch the policy fires on every push",
    ("deploy", "tag"): "without its tag the policy fires on every tag",
    ("chart", "version"): "the chart's newest version is deployed instead",
    ("cleanup", "branch"): "a cleanup without a branch never runs",
    ("cleanup", "app"): "a cleanup without an app never runs",
}


def _folded_path(path: KeyPath) -> KeyPath:
    """A manifest key path in Gimlet's spelling, so ``Deploy.Branch`` finds the consequence of ``deploy.branch``."""
    names = ("app", "env", "namespace", "deploy", "cleanup", "chart", "branch", "tag", "version")
    return tuple(next((n for n in names if isinstance(p, str) and fold_equal(p, n)), p) for p in path)


def _found(issue: DecodeIssue) -> str:
    """``123 is a number``, ``a list``, ``a mapping``: what was found, as a reader of the YAML sees it."""
    if isinstance(issue.raw, JObject):
        return "a mapping"
    if isinstance(issue.raw, list):
        return "a list"
    if issue.raw is None:
        return "null"
    return f"{_shown(issue.raw)} is {_a(issue.got)}"


def _type_message(issue: DecodeIssue, key: str) -> str:
    found = _found(issue)
    want = issue.want
    scalar = isinstance(issue.raw, JNumber | bool)
    if want == "float64":
        return f"{_shown(issue.raw)} is too large for Go's float64: Gimlet drops the value; quote it to send it as text"
    if want == "string":
        consequence = _DROPPED.get(_folded_path(issue.path), "it keeps an empty string")
        text = issue.raw.text if isinstance(issue.raw, JNumber) else _shown(issue.raw)
        fix = f'quote it: "{text}"' if scalar else "write a string"
        return f"{found}, and Gimlet reads only strings here: it drops the value ({consequence}); {fix}"
    if want in {"bool", "*bool"}:
        note = ""
        if isinstance(issue.raw, str) and issue.raw.lower() in {"yes", "no", "on", "off", "y", "n"}:
            note = " (YAML 1.2 reads yes/no/on/off as strings)"
        return f"{found}, not true or false{note}: Gimlet reads it as false; write {key}: true or {key}: false"
    if want == "[]string":
        if isinstance(issue.raw, str):
            return (
                f"{found}, and Gimlet reads only a list here: it drops the field, so the policy fires with no"
                f" message filter; write {key}: [{json.dumps(issue.raw, ensure_ascii=False)}]"
            )
        return f'{found}, not a list of strings: Gimlet drops it; write {key}: ["..."]'
    if want == "int64":
        return f"{found}, not a whole number: Gimlet drops it; write a Unix time in seconds"
    if want.startswith("*") or want in {"Chart", "Target", "Version"}:
        return f"{found}, not a mapping: Gimlet keeps an empty {key}; write {key} as a mapping of its keys"
    if want.startswith("[]"):
        return f"{found}, not a list: Gimlet drops it; write {key} as a list"
    if want.startswith("map["):
        return f"{found}, not a mapping: Gimlet drops it; write {key} as a mapping"
    return f"{found}, which Gimlet cannot read as {want}: it drops the value"


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


_LOST = (
    "Gimlet stops decoding the artifact here: the rest of this manifest, every later manifest and the artifact's"
    " items and vars are lost, and the server still answers 201"
)


def _abort_message(issue: DecodeIssue, key: str) -> str:
    if issue.want == "Dependency":
        return f"a dependency without kind: {_LOST}; add kind: (for example kind: terraform)"
    if issue.want == "CleanupEvent":
        return f"{_shown(issue.raw)} is not a string: {_LOST}; write {key}: branchDeleted"
    return f"{_shown(issue.raw)} is not a string: {_LOST}; write {key}: push, pr or tag"


def issue_message(issue: DecodeIssue) -> str:
    """What Gimlet does with one decode issue, and how to write the value instead."""
    key = next((part for part in reversed(issue.path) if isinstance(part, str)), "value")
    if issue.kind == "abort":
        return _abort_message(issue, key)
    return _type_message(issue, key)


def _decoder_panic_message(panic: str, path: KeyPath = ()) -> str:
    field = next((str(part) for part in reversed(path) if isinstance(part, str)), "")
    fix = {
        "name": "give every dependency a name: (a string)",
        "kind": "write kind: as a string",
        "spec": "a terraform dependency needs spec: with module.url and values",
        "module": "a terraform dependency's spec needs module: with url",
        "url": "write spec.module.url as a string",
        "values": "a terraform dependency's spec needs values: (a mapping)",
        "secret": "write the secret's name as a string",
    }.get(field, "every dependency needs a string name and kind, and a terraform one spec.module.url and spec.values")
    return f"Gimlet's decoder panics on this manifest ({panic}): the server answers 500 and stores nothing; {fix}"


_STAGE_FIX = {
    "PrepPreview": "with preview: true, values.ingress must be a mapping and ingress.host a string",
    "deployTrigger": "fix the glob (gimlet-ci explain shows how Gimlet matches it)",
    "ExtractImageStrategy": "values.image must be a mapping and image.strategy a string",
}

_STAGE_KEY: dict[str, KeyPath] = {
    "PrepPreview": ("values", "ingress"),
    "deployTrigger": ("deploy",),
    "ExtractImageStrategy": ("values", "image"),
}


def crash_message(stage: str, panic: str) -> str:
    """The line for a worker panic: Gimlet's whole server goes down, and again after each restart."""
    return (
        f"Gimlet's server would crash on this manifest (a panic in {stage}: {panic}) and crash again after every"
        f" restart until the event is deleted; {_STAGE_FIX.get(stage, 'fix the value')}"
    )


def variant_message(variant: CaseVariant) -> str:
    """The line for a key in another letter case."""
    return (
        f"{variant.key!r} differs from Gimlet's {variant.field!r} only in letter case: Gimlet's decoder honours it"
        f" while YAML tools and reviewers read another key; write {variant.field}:"
    )


# --- checks that do not depend on the artifact: what would crash Gimlet for some other commit ----


def _glob_problem(pattern: str, *, strip_negation: bool, matched: str | None = None) -> str | None:
    """The line for a glob Gimlet cannot compile, or that gobwas panics on for some text (*matched*: the only text
    it is ever matched against, where Gimlet fixes it)."""
    body = pattern[1:] if strip_negation and pattern.startswith("!") else pattern
    try:
        glob = compile_glob(body)
    except GlobSyntaxError as e:
        return f"{pattern!r} is not a glob Gimlet can compile ({e}): its server would crash (glob.MustCompile panics)"
    if matched is not None:
        try:
            glob.match(matched)
        except GlobMatchPanic:
            pass
        except GlobBudgetExceeded:
            return _cut_short(pattern, matched)
        else:
            return None
    elif not glob.can_panic:
        return None
    where = "on some texts (an empty alternative after fixed text)"
    probe = matched if matched is not None else body.split("{", 1)[0]
    try:
        glob.match(probe)
    except GlobMatchPanic:
        where = f"when the text is {probe!r}"
    except GlobBudgetExceeded:
        return _cut_short(pattern, probe)
    return (
        f"{pattern!r} makes gobwas/glob, which Gimlet uses, panic {where}: Gimlet's server would crash on such a"
        " branch or tag; close the '{' or escape it as '\\{'"
    )


def _cut_short(pattern: str, text: str) -> str:
    shown = text if len(text) <= 60 else f"{text[:30]}…{text[-20:]} ({len(text)} characters)"  # noqa: PLR2004
    return (
        f"matching {pattern!r} against {shown!r} was cut short (too many steps): gimlet-ci cannot tell the answer,"
        " and gobwas, which Gimlet uses, backtracks on it for at least as long; simplify the pattern"
    )


def unclosed_brace(pattern: str) -> bool:
    """True when *pattern* has a ``{`` that no ``}`` closes (gobwas reads it as closed at the end)."""
    depth = 0
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
    return depth > 0


def _pattern_problem(pattern: str) -> str | None:
    escaped = pattern.replace("[", "\\[").replace("]", "\\]")
    try:
        glob = compile_glob(escaped)
    except GlobSyntaxError as e:
        return (
            f"{pattern!r}: Gimlet escapes [ and ] in commit message patterns, and the escaped pattern is not a glob"
            f" gobwas can compile ({e}), so its server would crash when a commit reaches it; a backslash before [ or ]"
            " is the usual cause"
        )
    if glob.can_panic:
        return f"{pattern!r} makes gobwas/glob panic on some messages: Gimlet's server would crash; close the '{{'"
    return None


def _misread_events(raw: Any) -> list[tuple[KeyPath, str]]:
    """``event: Tag`` and the like: Gimlet reads every unknown string as push."""
    found: list[tuple[KeyPath, str]] = []
    for deploy_key, deploy in _keyed(raw, "deploy"):
        for event_key, event in _keyed(deploy, "event"):
            if isinstance(event, str) and event not in dx.GIT_EVENTS and event.lower() != "push":
                message = (
                    f"{json.dumps(event)} is not an event Gimlet knows: it reads every other string as push,"
                    " so the policy does not do what it says; write push, pr or tag"
                )
                found.append(((deploy_key, event_key), message))
    return found


def _keyed(raw: Any, name: str) -> list[tuple[str, Any]]:
    if not isinstance(raw, JObject):
        return []
    return [(key, value) for key, value in raw if key == name or fold_equal(key, name)]


def _latent(manifest: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """Crashes that wait for another commit or for the deploy: globs Gimlet compiles and cannot, or that gobwas
    panics on; values the deploy's unchecked type assertions panic on."""
    found: list[tuple[KeyPath, str]] = []
    deploy = manifest["deploy"] if manifest["preview"] is not True else None  # PrepPreview replaces a preview's
    if deploy is not None:
        event = deploy["event"]
        # deployTrigger compiles a branch glob only with event push or pr, a tag glob only with event tag.
        reach_branch = deploy["branch"] and event in {"push", "pr"} and not deploy["tag"]
        if reach_branch and (problem := _glob_problem(deploy["branch"], strip_negation=True)):
            found.append((("deploy", "branch"), problem))
        reach_tag = deploy["tag"] and event == "tag" and not deploy["branch"]
        if reach_tag and (problem := _glob_problem(deploy["tag"], strip_negation=False)):
            found.append((("deploy", "tag"), problem))
        for index, pattern in enumerate(deploy["commitMessagePatterns"] or ()):
            if problem := _pattern_problem(pattern):
                found.append((("deploy", "commitMessagePatterns", index), problem))
    cleanup = manifest["cleanup"]
    if cleanup is not None and cleanup["branch"] and cleanup["app"]:
        policy = cleanup["branch"]
        # cleanupTrigger compiles the policy with its '!', and for a negated one matches only the policy's own text.
        matched = policy[1:] if policy.startswith("!") else None
        if problem := _glob_problem(policy, strip_negation=False, matched=matched):
            found.append((("cleanup", "branch"), problem + " when a branch is deleted"))
    found.extend(_image_problems(manifest["values"] or {}))
    found.extend(_dependency_problems(manifest["dependencies"] or ()))
    return found


_CRASHES_ON_DEPLOY = "Gimlet's server crashes when this manifest deploys"


def _image_problems(values: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    if "image" not in values:
        return []
    image = values["image"]
    if not isinstance(image, dict):
        message = (
            f"{_shown_value(image)}, not a mapping: {_CRASHES_ON_DEPLOY} (ExtractImageStrategy panics); write image:"
            " as a mapping (repository, tag) or remove it"
        )
        return [(("values", "image"), message)]
    found: list[tuple[KeyPath, str]] = []
    if "strategy" in image and not isinstance(image["strategy"], str):
        message = (
            f"{_shown_value(image['strategy'])}, not a string: {_CRASHES_ON_DEPLOY} (ExtractImageStrategy panics);"
            " write strategy: dynamic, static, buildpacks or dockerfile"
        )
        found.append((("values", "image", "strategy"), message))
    # The image-pull secret reads registry on every deploy; an in-cluster build reads the other four.
    builds = image.get("strategy") in IMAGE_BUILD_STRATEGIES
    for key in ("registry", "repository", "tag", "context", "dockerfile"):
        if key in image and not isinstance(image[key], str) and (key == "registry" or builds):
            message = f"{_shown_value(image[key])}, not a string: {_CRASHES_ON_DEPLOY}; quote it"
            found.append((("values", "image", key), message))
    return found


def _dependency_problems(dependencies: Any) -> list[tuple[KeyPath, str]]:
    found: list[tuple[KeyPath, str]] = []
    for index, dependency in enumerate(dependencies):
        spec = dependency["spec"] if isinstance(dependency, dict) else None
        if dependency["kind"] != "terraform" or not isinstance(spec, dict):
            continue
        for key, value in (spec.get("values") or {}).items():
            if not isinstance(value, str):
                message = (
                    f"{_shown_value(value)}, not a string: {_CRASHES_ON_DEPLOY} (Gimlet renders every terraform"
                    " value as a string, unchecked); quote it"
                )
                found.append((("dependencies", index, "spec", "values", key), message))
    return found


def _shown_value(value: Any) -> str:
    """A decoded value as the reader of the YAML sees it: ``empty``, ``a list``, ``"nginx" is a string``."""
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} is a boolean"
    if isinstance(value, float):
        return f"{go_float(value)} is a number"
    return f"{json.dumps(value, ensure_ascii=False)} is a string"


def _decoded(raw: Any) -> dict[str, Any] | None:
    try:
        value, _ = Decoder().decode(Ptr(dx.MANIFEST), raw)
    except GoPanic:
        return None
    return value if isinstance(value, dict) else None


# --- per manifest ---------------------------------------------------------------------------------


def manifest_refusals(verdict: ManifestVerdict, doc: ManifestDoc | None) -> list[Refusal]:
    """Every reason to refuse one manifest of a judged body, as lines naming *doc*'s file and lines."""
    file = doc.file if doc is not None else None

    def refusal(path: KeyPath, message: str) -> Refusal:
        line = doc.line_of(path) if doc is not None and path else (doc.line if doc is not None else None)
        prefix = "" if doc is not None else f"environments[{verdict.index}]"
        shown = key_path(path)
        shown = f"{prefix}.{shown}" if prefix and shown else (prefix or shown)
        return Refusal(file=file, line=line, key=shown, message=message, index=verdict.index)

    found: list[Refusal] = []
    seen: set[str] = set()

    def add(path: KeyPath, message: str) -> None:
        if key_path(path) not in seen:
            seen.add(key_path(path))
            found.append(refusal(path, message))

    element = verdict.element
    if element is not None:
        if element.panic is not None:
            add(element.panic_path or ("dependencies",), _decoder_panic_message(element.panic, element.panic_path))
        for issue in element.issues:
            add(issue.path, issue_message(issue))
    latent: list[tuple[KeyPath, str]] = []
    if element is not None and (decoded := _decoded(element.raw)) is not None:
        latent = [*_misread_events(element.raw), *_latent(decoded)]
    trigger = verdict.trigger
    if trigger is not None and trigger.panic is not None and trigger.stage is not None:
        area = _STAGE_KEY.get(trigger.stage, ())
        if not any(path[: len(area)] == area for path, _ in latent):  # else the latent line says it more precisely
            add(area, crash_message(trigger.stage, trigger.panic))
    if trigger is not None and trigger.cut_short is not None:
        add(_STAGE_KEY.get(trigger.stage or "", ("deploy",)), trigger.cut_short)
    for variant in verdict.variants:
        add((*variant.path, variant.key), variant_message(variant))
    for path, message in latent:
        add(path, message)
    if "lost" in verdict.causes and not found:
        add((), "Gimlet does not store this manifest: decoding stopped at an earlier problem (see above)")
    if doc is not None and doc.index > 0:
        add(
            (),
            f"document {doc.index + 1} of a multi-document file: Gimlet's readers and the official CLI take only"
            " the first document of a file; put each manifest in a file of its own",
        )
    return found


def artifact_refusals(judgement: Judgement, docs: Sequence[ManifestDoc | None]) -> list[Refusal]:
    """Every refusal for a judged body: its manifests (paired with *docs* by position), then what Gimlet's decoder
    reported outside the manifests (``version``, ``vars``, ``items``, ``context``)."""
    found: list[Refusal] = []
    for verdict in judgement.manifests:
        doc = docs[verdict.index] if verdict.index < len(docs) else None
        found.extend(manifest_refusals(verdict, doc))
    reading = judgement.reading
    if reading.syntax_error is not None:
        found.append(Refusal(file=None, line=None, key="", message=f"not JSON: {reading.syntax_error}"))
    for issue in reading.issues:
        if issue.path[:1] == ("environments",) or (issue.path and str(issue.path[0]).lower() == "environments"):
            continue
        found.append(Refusal(file=None, line=None, key=key_path(issue.path), message=issue_message(issue)))
    if reading.decode_panic is not None and not any(v.element and v.element.panic for v in judgement.manifests):
        found.append(Refusal(file=None, line=None, key="", message=_decoder_panic_message(reading.decode_panic)))
    if reading.worker_panic is not None:
        message = (
            f"a null manifest: Gimlet's server would crash ({reading.worker_panic}) and again after every restart;"
            " remove it"
        )
        found.append(Refusal(file=None, line=None, key="environments", message=message))
    return found


def latent_refusals(doc: ManifestDoc) -> list[Refusal]:
    """For `lint`, which has no artifact: what the manifest alone shows (decode issues, case variants, latent
    crashes, PrepPreview's panics)."""
    body = json.dumps(doc.data, ensure_ascii=False, allow_nan=True)
    try:
        raw = parse(body)
    except Exception:  # noqa: BLE001 - NaN and the like: reported by lint's own number check
        return []
    decoder = Decoder()
    panic: str | None = None
    panic_path: KeyPath = ()
    try:
        decoded, _ = decoder.decode(Ptr(dx.MANIFEST), raw)
    except GoPanic as e:
        panic, panic_path, decoded = str(e), e.path, None
    element = Element(raw=raw, issues=tuple(decoder.issues), panic=panic, panic_path=panic_path)
    trigger = None
    if decoded is not None:
        version = {"branch": "", "tag": "", "event": "push", "message": ""}
        candidate = worker_trigger(version, decoded)
        if candidate.stage == "PrepPreview":
            trigger = candidate
    verdict = ManifestVerdict(
        index=0,
        app="",
        env="",
        verdict="rejected",
        causes=(),
        reason="",
        trigger=trigger,
        element=element,
        variants=tuple(case_variants(raw)),
    )
    return manifest_refusals(verdict, doc)


@attrs.frozen
class Review:
    """An artifact body as Gimlet's server reads it, and every reason gimlet-ci has not to send it."""

    judgement: Judgement
    refusals: tuple[Refusal, ...]

    @property
    def rejected(self) -> bool:
        """True when gimlet-ci refuses to send the body."""
        return self.judgement.rejected or bool(self.refusals)


def review_body(body: bytes, docs: Sequence[ManifestDoc | None] = ()) -> Review:
    """Read *body* as Gimlet would and collect the refusals; *docs* are the manifest documents in the order of
    the body's ``environments``, for file names and lines."""
    judgement = judge(read_body(body))
    return Review(judgement=judgement, refusals=tuple(artifact_refusals(judgement, docs)))


def release_preflight(review: Review, *, env: str, app: str | None) -> str | None:
    """On-demand mode, before anything is sent: the message when no manifest of the artifact is for *env* (and
    *app*), naming what exists; None when the release can match. Apps are compared as Gimlet does: after preview
    renaming and templating, exactly."""
    from gimlet_ci.gimlet.gotemplate import TemplateError, resolve_manifest, template_vars  # noqa: PLC0415

    stored = review.judgement.reading.stored
    if stored is None:
        return None
    artifact = plain(dx.ARTIFACT, stored)
    targets: list[tuple[str, str]] = []
    for manifest in stored["environments"] or ():
        if manifest is None:
            continue
        try:
            prepared = plain(dx.MANIFEST, prep_preview(manifest))
            name = str(resolve_manifest(prepared, template_vars(artifact, app=prepared["app"])).get("app", ""))
        except (GoPanic, TemplateError):
            return None  # Gimlet's answer to the release decides; the refusals covered what they could
        if manifest["env"] == env and (not app or name == app):
            return None
        targets.append((manifest["env"], name))
    wanted = f"env {env!r}" + (f" and app {app!r}" if app else "")
    if not targets:
        return f"on-demand deploy to {wanted}: the artifact has no manifests; nothing was sent"
    have = ", ".join(sorted({f"{name or '?'} -> {e or '?'}" for e, name in targets}))
    return f"on-demand deploy to {wanted}: no manifest matches (the manifests are {have}); nothing was sent"
