"""``gimlet-ci explain``: which manifests' deploy policies fire for this CI context, and why.

The decision is Gimlet's own (`gimlet_ci._policy.evaluate`, quirks included); this module only
runs it over every manifest document and renders the answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from gimlet_ci._policy import evaluate

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from gimlet_ci._manifests import ManifestDoc

__all__ = ["Explanation", "as_json", "explain", "format_text"]


@attrs.frozen(kw_only=True)
class Explanation:
    """Whether one manifest document deploys for the version, and why."""

    file: str
    """The manifest's file (``.gimlet/staging.yaml``)."""
    index: int
    """The document's index in its file (0 for single-document files)."""
    app: str
    """The manifest's ``app`` as written (templates unrendered)."""
    env: str
    """The manifest's ``env``."""
    fires: bool
    """True when Gimlet would deploy it."""
    reason: str
    """The rule that decided, in words."""
    rule: str
    """The policy engine's stable rule id (``fires``, ``branch-mismatch``...)."""
    quirk: str | None = None
    """Set when one of Gimlet's matching quirks decided the outcome."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def explain(docs: Sequence[ManifestDoc], version: Mapping[str, Any]) -> list[Explanation]:
    """Evaluate every manifest's deploy policy against *version* (wire form: ``branch``, ``tag``,
    ``message``, ``event``; an absent event is a push)."""
    explanations: list[Explanation] = []
    for doc in docs:
        decision = evaluate(doc.data, version)
        explanations.append(
            Explanation(
                file=doc.file,
                index=doc.index,
                app=_text(doc.data.get("app")),
                env=_text(doc.data.get("env")),
                fires=decision.fires,
                reason=decision.reason,
                rule=decision.rule,
                quirk=decision.quirk,
            )
        )
    return explanations


def format_text(explanations: Iterable[Explanation]) -> str:
    """One line per manifest, ``✔ fires  FILE  app -> env: reason`` or ``✘ skips ...``; a quirk
    follows on its own indented line."""
    lines: list[str] = []
    for item in explanations:
        mark = "✔ fires" if item.fires else "✘ skips"
        where = item.file if item.index == 0 else f"{item.file} (document {item.index + 1})"
        target = f"{item.app or '?'} -> {item.env or '?'}"
        lines.append(f"{mark}  {where}  {target}: {item.reason}")
        if item.quirk:
            lines.append(f"    quirk: {item.quirk}")
    if not lines:
        return "No manifests to explain"
    return "\n".join(lines)


def as_json(explanations: Iterable[Explanation]) -> dict[str, Any]:
    """``{"manifests": [{"file", "app", "env", "fires", "reason", "quirk"}]}``, one per document."""
    return {
        "manifests": [
            {
                "file": item.file,
                "app": item.app,
                "env": item.env,
                "fires": item.fires,
                "reason": item.reason,
                "quirk": item.quirk,
            }
            for item in explanations
        ]
    }
