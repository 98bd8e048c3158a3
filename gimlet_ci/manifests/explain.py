"""``gimlet-ci explain``: what Gimlet's server does with each manifest of an artifact, and why.

Both forms read an artifact body with the model of Gimlet's server (`gimlet_ci.gimlet`): ``explain --artifact FILE``
a body as it is, plain ``explain`` the body ``ship`` would post for this checkout and CI context. Each manifest gets
the verdict ``fires``, ``skips`` or ``rejected`` (the rule of the conformance vectors); plain ``explain`` also
rejects what ``ship`` refuses on its own checks (a second YAML document in a file, a glob that would crash Gimlet
on another commit), so that ``explain`` rejects exactly what ``ship`` refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gimlet_ci.manifests.reading import ManifestDoc
    from gimlet_ci.manifests.refusals import Review

__all__ = ["as_json", "format_text"]

_MARKS = {"fires": "✔ fires   ", "skips": "✘ skips   ", "rejected": "✖ rejected"}


def _entries(review: Review, docs: Sequence[ManifestDoc | None], *, checks: bool) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for verdict in review.judgement.manifests:
        doc = docs[verdict.index] if verdict.index < len(docs) else None
        problems = [str(refusal) for refusal in review.refusals if refusal.index == verdict.index]
        rejected = verdict.verdict == "rejected" or (checks and bool(problems))
        decision = verdict.trigger.decision if verdict.trigger is not None else None
        reason = verdict.reason if verdict.verdict == "rejected" or not rejected else "; ".join(problems)
        entries.append(
            {
                "file": doc.file if doc is not None else None,
                "app": verdict.app,
                "env": verdict.env,
                "verdict": "rejected" if rejected else verdict.verdict,
                "fires": bool(decision is not None and decision.fires and not rejected),
                "reason": reason,
                "causes": list(verdict.causes),
                "problems": problems,
                "quirk": decision.quirk if decision is not None else None,
            }
        )
    return entries


def as_json(review: Review, docs: Sequence[ManifestDoc | None] = (), *, checks: bool = True) -> dict[str, Any]:
    """``{"rejected": bool, "why": [...], "problems": [...], "manifests": [{"file", "app", "env", "verdict", "fires",
    "reason", "causes", "problems", "quirk"}]}``, one entry per element of the body's ``environments``, in order.

    Verdicts follow Gimlet's reading of the body; with *checks* (plain ``explain``) a manifest that ``ship`` refuses
    on its own checks (a glob that would crash Gimlet on another commit, a second YAML document) is rejected too.
    Without, such problems are listed but do not change the verdict (``explain --artifact``, the conformance rule).
    """
    entries = _entries(review, docs, checks=checks)
    why = list(review.judgement.why)
    rejected = review.judgement.rejected or any(entry["verdict"] == "rejected" for entry in entries)
    if rejected and not why:
        why.append("a manifest is refused")
    artifact_problems = [str(refusal) for refusal in review.refusals if refusal.index is None]
    return {
        "rejected": rejected,
        "why": why,
        "problems": artifact_problems,
        "manifests": entries,
    }


def format_text(result: dict[str, Any]) -> str:
    """One line per manifest, ``✔ fires  FILE  app -> env: reason``; problems indented below; then the artifact's
    verdict when it is rejected."""
    from gimlet_ci._defuse import one_line  # noqa: PLC0415

    lines: list[str] = []
    for entry in result["manifests"]:
        where = f"  {entry['file']}" if entry["file"] else ""
        target = f"{entry['app'] or '?'} -> {entry['env'] or '?'}"
        lines.append(f"{_MARKS[entry['verdict']]}{where}  {target}: {entry['reason']}")
        if entry["quirk"]:
            lines.append(f"    quirk: {entry['quirk']}")
        lines.extend(f"    {problem}" for problem in entry["problems"] if problem not in entry["reason"])
    lines.extend(f"    {problem}" for problem in result["problems"])
    if not result["manifests"]:
        lines.append("No manifests to explain")
    if result["rejected"]:
        lines.append(f"Gimlet would reject this artifact: {'; '.join(result['why'])}; `gimlet-ci ship` refuses it")
    return "\n".join(one_line(line) for line in lines)  # a value's line breaks stay inside its line
