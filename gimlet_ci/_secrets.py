"""How secrets are kept out of output: one rule for the CLI's lines, the log processor and the artifact check."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

TOKEN_VARIABLES = ("GIMLET_TOKEN", "PLUGIN_GIMLET_TOKEN")
"""Where the token can come from: the token setting's variable and its platform inputs (``gimlet_ci._settings``
declares them; a test holds this tuple to that declaration). Their values are kept out of every line from the
start, before the settings are read, and GitHub is told to mask them."""

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8
"""Shorter values are not hunted for: they occur in any text by chance, and replacing them would garble it
(Gimlet's tokens are JWTs, hundreds of characters long)."""


def guarded(secrets: Iterable[str]) -> list[str]:
    """The secrets long enough to look for, longest first (so that one containing another is replaced whole)."""
    return sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


TOKEN_NAMED_BY = ("PARAM_TOKEN_ENV_VAR_NAME",)
"""Variables that name the token's variable (the orb's ``token_env_var_name``; `Inputs.named_by` of the token
setting, held to it by a test): the variable they name is scrubbed too."""


def token_values(env: Mapping[str, str]) -> list[str]:
    """The values of `TOKEN_VARIABLES` in *env*, as given, and of the variables `TOKEN_NAMED_BY` names."""
    named = [found for naming in TOKEN_NAMED_BY if (found := env.get(naming, "").strip())]
    return [value for name in (*TOKEN_VARIABLES, *named) if (value := env.get(name, ""))]


def with_stripped(values: Iterable[str]) -> list[str]:
    """*values*, and each without its surrounding white space (as the settings read the token) where that differs."""
    found = list(values)
    return found + [value.strip() for value in found if value.strip() and value.strip() != value]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """*text* with every occurrence of every guarded secret replaced by ``[redacted]``."""
    for secret in guarded(secrets):
        text = text.replace(secret, REDACTED)
    return text
