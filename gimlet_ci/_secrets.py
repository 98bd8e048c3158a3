"""How secrets are kept out of output: one rule for the CLI's lines, the log processor and the artifact check."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8
"""Shorter values are not hunted for: they occur in any text by chance, and replacing them would garble it
(Gimlet's tokens are JWTs, hundreds of characters long)."""


def guarded(secrets: Iterable[str]) -> list[str]:
    """The secrets long enough to look for, longest first (so that one containing another is replaced whole)."""
    return sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """*text* with every occurrence of every guarded secret replaced by ``[redacted]``."""
    for secret in guarded(secrets):
        text = text.replace(secret, REDACTED)
    return text
