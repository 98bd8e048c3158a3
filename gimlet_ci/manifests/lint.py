"""``gimlet-ci lint``: find what Gimlet would ignore, reject or never fire in `.gimlet/` manifests.

Every problem names the file, the line and the key. Errors are what breaks a deploy: invalid YAML, a
manifest that is not a mapping, a missing ``app`` or ``env``, everything ``ship`` refuses because Gimlet's
server would crash on it, decode it with an error or read it differently (`gimlet_ci.manifests.refusals`: wrong types,
keys in another letter case, globs that crash gobwas, a second YAML document in a file), a deploy policy that
can never fire, a template variable nobody provides. Warnings are what probably does not do what it says:
unknown keys (with a "did you mean"), the negated tag glob quirk, variables only some CI platforms provide.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from gimlet_ci.exceptions import ManifestError
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import GoType, Ptr, Slice, Struct, fold_equal
from gimlet_ci.gimlet.gotemplate import referenced_names
from gimlet_ci.manifests.reading import (
    VARS_FILE,
    ManifestDoc,
    check_inside,
    display_name,
    manifest_files,
    read_text,
    skipped_entries,
    to_manifest,
)
from gimlet_ci.manifests.refusals import unclosed_brace

if TYPE_CHECKING:
    from pathlib import Path

    from gimlet_ci.gimlet.yamlv3 import KeyPath

__all__ = [
    "PROVIDED_VARS",
    "Problem",
    "as_codequality",
    "as_json",
    "breaking_problems",
    "exit_code",
    "format_text",
    "lint",
    "lint_documents",
]

Severity = Literal["error", "warning"]

PROVIDED_VARS = frozenset({"REPO", "OWNER", "BRANCH", "TAG", "SHA", "ACTOR", "EVENT", "JOB", "APP", "name", "url"})
"""Template variables every run provides: the plugins' common vars, the CI link (``name``,
``url``), and ``APP``, which Gimlet adds itself."""

_PLATFORM_PREFIXES = (
    ("GITHUB_", "GitHub Actions"),
    ("CIRCLE_", "CircleCI"),
    ("CI_", "Woodpecker and GitLab"),
)

_EVENTS = ("push", "pr", "tag")
_GLOB_CHARS = frozenset("*?[{")


@attrs.frozen(kw_only=True)
class Problem:
    """One finding of `lint`."""

    file: str
    """The file, as `ManifestDoc.file` (``.gimlet/staging.yaml``)."""
    line: int | None
    """1-based line, or None when the file could not be read at all."""
    key: str
    """The key path (``deploy.branch``, ``json6902Patches[0].target``); empty for a whole file
    or document."""
    severity: Severity
    """``error`` (exit 1) or ``warning``."""
    message: str
    """What is wrong and what to do."""
    breaking: bool = False
    """True when Gimlet would fail on it, lose the value, or never fire the policy."""

    def __str__(self) -> str:
        """``FILE:LINE: KEY: severity: message``; KEY is ``-`` for a whole file or document, so that the fields
        always stand in the same places (the severity opens the message)."""
        from gimlet_ci._defuse import one_line  # noqa: PLC0415

        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return one_line(f"{where}: {self.key or '-'}: {self.severity}: {self.message}")


# --- the schema of dx.Manifest ---------------------------------------------------------------


@attrs.frozen
class _ListOf:
    item: _Spec


_Spec = str | Mapping[str, Any] | _ListOf
"""``"value"`` (no keys to check), a mapping of key → spec (a struct), or a `_ListOf`."""


def _spec(go_type: GoType) -> _Spec:
    """The keys lint checks, from Gimlet's own struct declarations (`gimlet_ci.gimlet.dx`)."""
    if isinstance(go_type, Ptr):
        return _spec(go_type.elem)
    if isinstance(go_type, Struct):
        return _struct_spec(go_type)
    if isinstance(go_type, Slice):
        return _ListOf(_spec(go_type.elem))
    if go_type is dx.DEPENDENCY:
        return {"name": "value", "kind": "value", "spec": "value"}
    return "value"


def _struct_spec(go_type: Struct) -> Mapping[str, _Spec]:
    return {field.name: _spec(field.type) for field in go_type.fields}


_SCHEMA = _struct_spec(dx.MANIFEST)


def _key_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


class _Checker:
    """Collects the problems of one manifest document."""

    def __init__(self, doc: ManifestDoc, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems

    def add(
        self,
        path: KeyPath,
        severity: Severity,
        message: str,
        *,
        breaking: bool = False,
    ) -> None:
        self.problems.append(
            Problem(
                file=self.doc.file,
                line=self.doc.line_of(path) if path else self.doc.line,
                key=_key_path(path),
                severity=severity,
                message=message,
                breaking=breaking,
            )
        )

    def wrong(self, path: KeyPath, expected: str, value: Any, *, fix: str = "") -> None:
        message = f"must be {expected}, found {_kind(value)}; Gimlet drops the value"
        self.add(path, "error", f"{message}{fix}", breaking=True)

    # -- structure: unknown keys (wrong types and keys in another letter case are Gimlet's reading, `_checks`)

    def check_struct(self, value: Mapping[str, Any], path: KeyPath, schema: Mapping[str, Any]) -> None:
        for key, item in value.items():
            spec = schema.get(key)
            if spec is None:
                if not any(fold_equal(key, name) for name in schema):
                    self.unknown(key, (*path, key), schema)
            elif isinstance(spec, _ListOf) and isinstance(item, list):
                for index, element in enumerate(item):
                    if isinstance(spec.item, Mapping) and isinstance(element, dict):
                        self.check_struct(element, (*path, key, index), spec.item)
            elif isinstance(spec, Mapping) and isinstance(item, dict):
                self.check_struct(item, (*path, key), spec)

    def unknown(self, key: str, path: KeyPath, schema: Mapping[str, Any]) -> None:
        known = list(schema)
        match = next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.6)), None)
        where = f"under {_key_path(path[:-1])}" if len(path) > 1 else "at the top level"
        hint = f"did you mean {match!r}? " if match else f"known keys: {', '.join(known)}; "
        message = f"unknown key {key!r} {where}: {hint}Gimlet ignores it"
        self.add(path, "warning", message)

    def check_gimlet_reading(self) -> None:
        """What `ship` refuses: Gimlet's server would crash on it, decode it with an error, or misread it."""
        from gimlet_ci.manifests.refusals import latent_refusals  # noqa: PLC0415

        for refusal in latent_refusals(self.doc):
            self.problems.append(
                Problem(
                    file=self.doc.file,
                    line=refusal.line,
                    key=refusal.key,
                    severity="error",
                    message=refusal.message,
                    breaking=True,
                )
            )

    # -- required keys and deploy policy

    def check_required(self) -> None:
        data = self.doc.data
        for key in ("app", "env"):
            if key not in data or data[key] is None or data[key] == "":
                message = f"missing {key}: every manifest needs app and env"
                self.add((key,) if key in data else (), "error", message, breaking=True)

    def check_policy(self) -> None:
        data = self.doc.data
        deploy = data.get("deploy")
        if not isinstance(deploy, dict):
            return
        if data.get("preview") is True:
            message = "preview: true replaces this policy with {branch: '!{main,master}', event: push}; it is ignored"
            self.add(("deploy",), "warning", message)
            return
        branch = _text(deploy.get("branch"))
        tag = _text(deploy.get("tag"))
        raw_event = deploy.get("event")
        event = None if raw_event is None else (raw_event if raw_event in _EVENTS else "push")
        patterns = deploy.get("commitMessagePatterns")
        if not branch and not tag and raw_event is None and not patterns:
            message = (
                "deploy has no branch, tag, event or commitMessagePatterns: it never fires;"
                " set at least deploy.event, or remove deploy for on-demand deploys only"
            )
            self.add(("deploy",), "warning", message)
            return
        if branch and tag:
            message = "deploy.tag and deploy.branch in one policy never fire; keep one of them"
            self.add(("deploy", "tag"), "error", message, breaking=True)
        elif branch and event not in {"push", "pr"}:
            have = "no event" if event is None else f"event {event!r}"
            message = f"a branch policy with {have} never fires; add event: push (or pr) to deploy"
            self.add(("deploy", "branch"), "error", message, breaking=True)
        elif tag and event != "tag":
            have = "no event" if event is None else f"event {event!r}"
            message = f"a tag policy with {have} never fires; add event: tag"
            self.add(("deploy", "tag"), "error", message, breaking=True)
        if tag:
            body = tag[1:]
            if tag.startswith("!") and _GLOB_CHARS.intersection(body):
                message = (
                    f"Gimlet does not negate tag globs: {tag!r} matches no real tag as a glob,"
                    f" so it fires for every tag, {body!r} ones included; only negated literals"
                    " such as '!v1' work"
                )
                self.add(("deploy", "tag"), "warning", message)
        for key in ("branch", "tag"):
            pattern = _text(deploy.get(key))
            if pattern and unclosed_brace(pattern):
                message = (
                    f"{pattern!r} has an unclosed '{{': Gimlet reads it as if closed at the end;"
                    " close it to say what you mean"
                )
                self.add(("deploy", key), "warning", message)

    def check_cleanup(self) -> None:
        cleanup = self.doc.data.get("cleanup")
        event = cleanup.get("event") if isinstance(cleanup, dict) else None
        if isinstance(event, str) and event != "branchDeleted":
            message = f"{event!r} is not a cleanup event: Gimlet reads it as the only one, branchDeleted; write that"
            self.add(("cleanup", "event"), "warning", message)

    # -- values, keys and template variables

    def check_keys(self) -> None:
        for path in self.doc.document.nonstring_keys:
            if not path or path[0] not in {"values", "dependencies"}:
                continue  # keys of the manifest's own structure are reported as unknown keys
            direct = len(path) == 2  # noqa: PLR2004 - values.<key>: Go stringifies these
            if direct:
                message = (
                    f"key {path[-1]!r} is not a string in YAML; Gimlet reads it as the string"
                    f" {path[-1]!r}: quote it to say so"
                )
                self.add(path, "warning", message)
            else:
                message = (
                    f"key {path[-1]!r} is not a string in YAML: Go cannot encode it to JSON (the"
                    " official CLI fails); quote it"
                )
                self.add(path, "error", message)

    def check_numbers(self, value: Any, path: KeyPath) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            message = f"{value!r} cannot be sent as JSON; quote it if you mean the text"
            self.add(path, "error", message, breaking=True)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.check_numbers(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check_numbers(item, (*path, index))

    def check_templates(self, known: Collection[str] | None, repo_vars: Collection[str]) -> None:
        for path, text in _strings(self.doc.data, ()):
            if path and path[0] == "cleanup":
                continue  # Gimlet renders cleanup with BRANCH only, at cleanup time
            for name in sorted(referenced_names(text)):
                self.check_name(path, name, known, repo_vars)

    def check_name(self, path: KeyPath, name: str, known: Collection[str] | None, repo_vars: Collection[str]) -> None:
        if name in repo_vars or name == "APP":  # Gimlet sets APP itself
            return
        if known is not None:
            if name not in known:
                self.add(path, "error", _missing_var(name, "this run sends"), breaking=True)
            return
        if name in PROVIDED_VARS:
            return
        for prefix, platform in _PLATFORM_PREFIXES:
            if name.startswith(prefix):
                message = (
                    f"{{{{ .{name} }}}} is only provided when running on {platform}; elsewhere Gimlet fails rendering"
                )
                self.add(path, "warning", message)
                return
        self.add(path, "error", _missing_var(name, "any CI run sends"), breaking=True)


def _missing_var(name: str, who: str) -> str:
    return (
        f"{{{{ .{name} }}}} is neither a variable {who} nor defined in .gimlet/vars: Gimlet fails"
        f" rendering (map has no entry for key {name!r}) unless the environment's gitops vars"
        " define it; a pipeline passes its own with the `vars` setting (GIMLET_VARS, --var)"
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any, path: KeyPath) -> Iterable[tuple[KeyPath, str]]:
    """Every string in *value* that may hold a template, keys included, with its path."""
    if isinstance(value, str):
        if "{{" in value:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if "{{" in key:
                yield (*path, key), key
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _lint_doc(
    doc: ManifestDoc,
    problems: list[Problem],
    known: Collection[str] | None,
    repo_vars: Collection[str],
) -> None:
    checker = _Checker(doc, problems)
    checker.check_gimlet_reading()
    checker.check_struct(doc.data, (), _SCHEMA)
    checker.check_required()
    checker.check_policy()
    checker.check_cleanup()
    checker.check_keys()
    checker.check_numbers(doc.data, ())
    checker.check_templates(known, repo_vars)


def _check_duplicates(docs: Sequence[ManifestDoc], problems: list[Problem]) -> None:
    first: dict[tuple[str, str], ManifestDoc] = {}
    for doc in docs:
        app, env = doc.data.get("app"), doc.data.get("env")
        if not (isinstance(app, str) and isinstance(env, str) and app and env):
            continue
        seen = first.setdefault((app, env), doc)
        if seen is not doc:
            message = (
                f"app {app!r} in env {env!r} is already defined in {seen.file}:{seen.line};"
                " Gimlet deploys both, the last one wins"
            )
            _Checker(doc, problems).add(("app",), "warning", message)


def _order(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, problem.key)


def lint_documents(
    docs: Sequence[ManifestDoc],
    *,
    known_vars: Collection[str] | None = None,
    repo_vars: Collection[str] = (),
) -> list[Problem]:
    """Lint manifests already read (by ``ship``); see `lint` for *known_vars*."""
    problems: list[Problem] = []
    for doc in docs:
        _lint_doc(doc, problems, known_vars, repo_vars)
    _check_duplicates(docs, problems)
    return sorted(problems, key=_order)


def _file_problem(error: ManifestError, *, file: str) -> Problem:
    where = error.file if error.line is None else f"{error.file}:{error.line}"
    message = error.message.removeprefix(f"{where}: ")
    return Problem(file=file, line=error.line, key="", severity="error", message=message, breaking=True)


def lint(
    directory: Path,
    *,
    known_vars: Collection[str] | None = None,
    label: str | None = None,
    root: Path | None = None,
    pipeline_vars: Collection[str] = (),
) -> list[Problem]:
    """Lint every manifest in *directory*, sorted by file and line.

    *known_vars* are the template variables the run will send (``ship`` knows them); without it,
    the variables every platform provides count as known and platform-prefixed ones
    (``GITHUB_*``, ``CIRCLE_*``, ``CI_*``) give warnings. Names `.gimlet/vars` defines are always
    known, and so are *pipeline_vars* (the ``vars`` setting's names: ``GIMLET_VARS``, the packagings' ``vars``).
    A missing directory, or one that links outside *root*, raises `ManifestError`. Files are named as
    `read_manifests` names them with *label*; one that links outside *root* is an error problem.
    """
    from gimlet_ci.gimlet.godotenv import parse_dotenv  # noqa: PLC0415
    from gimlet_ci.gimlet.yamlv3 import load_documents  # noqa: PLC0415

    problems: list[Problem] = []
    check_inside(directory, root, display=label or directory.as_posix())
    files = manifest_files(directory)
    for name, kind in skipped_entries(directory):
        message = f"{kind}, not a regular file: skipped (neither read nor shipped)"
        problems.append(
            Problem(
                file=display_name(directory, name, label=label), line=None, key="", severity="warning", message=message
            )
        )
    repo_vars: Collection[str] = ()
    vars_path = directory / VARS_FILE
    if vars_path.is_file():
        display = display_name(directory, VARS_FILE, label=label)
        try:
            repo_vars = parse_dotenv(read_text(vars_path, display=display, root=root), filename=display)
        except ManifestError as e:
            problems.append(_file_problem(e, file=display))
    if not files:
        message = "no manifests: add one YAML file per environment (app, env, chart, values)"
        problems.append(
            Problem(
                file=label or directory.as_posix(),
                line=None,
                key="",
                severity="warning",
                message=message,
            )
        )
    docs: list[ManifestDoc] = []
    for path in files:
        display = display_name(directory, path.name, label=label)
        try:
            documents = load_documents(read_text(path, display=display, root=root), filename=display)
        except ManifestError as e:
            problems.append(_file_problem(e, file=display))
            continue
        for index, document in enumerate(documents):
            if document.data is None:
                continue
            try:
                docs.append(to_manifest(document, index=index))
            except ManifestError as e:
                problems.append(_file_problem(e, file=display))
    problems.extend(lint_documents(docs, known_vars=known_vars, repo_vars={*repo_vars, *pipeline_vars}))
    return sorted(problems, key=_order)


def breaking_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Only the problems that make Gimlet fail, lose a value, or never fire a policy."""
    return [problem for problem in problems if problem.breaking]


def exit_code(problems: Iterable[Problem]) -> int:
    """1 when any problem is an error, else 0."""
    return 1 if any(problem.severity == "error" for problem in problems) else 0


def format_text(problems: Iterable[Problem]) -> str:
    """One ``FILE:LINE: KEY: severity: message`` line per problem."""
    return "\n".join(str(problem) for problem in problems)


def as_json(problems: Iterable[Problem]) -> dict[str, Any]:
    """``{"problems": [{"file", "line", "key", "severity", "message"}]}``."""
    return {
        "problems": [
            {
                "file": problem.file,
                "line": problem.line,
                "key": problem.key,
                "severity": problem.severity,
                "message": problem.message,
            }
            for problem in problems
        ]
    }


def as_codequality(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """GitLab's Code Quality report (the Code Climate subset GitLab reads): one issue per problem with
    ``description``, ``check_name``, ``fingerprint`` (stable across runs: file, key and message), ``severity``
    (``major`` for an error, ``minor`` for a warning) and ``location.path`` / ``location.lines.begin``."""
    import hashlib  # noqa: PLC0415 - only for this report

    issues = []
    for problem in problems:
        identity = f"{problem.file}\0{problem.key}\0{problem.severity}\0{problem.message}"
        issues.append(
            {
                "description": f"{problem.key}: {problem.message}" if problem.key else problem.message,
                "check_name": f"gimlet-ci/{problem.severity}",
                "fingerprint": hashlib.sha256(identity.encode()).hexdigest(),
                "severity": "major" if problem.severity == "error" else "minor",
                "location": {"path": problem.file, "lines": {"begin": problem.line or 1}},
            }
        )
    return issues
