"""How secrets are kept out of output: one rule for the CLI's lines, the log processor and the artifact check."""

from __future__ import annotations

import functools

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


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]()!|~#$:.+-"})
"""The backslash escapes of the GitHub step summary (``gimlet_ci.adapters.github``), so that text escaped for it
before it was scrubbed is caught too."""


@functools.lru_cache(maxsize=64)
def encodings(secret: str) -> tuple[str, ...]:
    """*secret* as it may stand in text that escaped or encoded it, longest first: as given, JSON-escaped (ASCII and
    not), URL-encoded, HTML-escaped, Markdown-escaped, and the part of its base64 (standard and URL-safe) that does
    not depend on what comes before and after it, for each of the three alignments (``Basic`` credentials, a
    base64-encoded header dump)."""
    import base64  # noqa: PLC0415 - only once per secret
    import html  # noqa: PLC0415
    import json  # noqa: PLC0415
    from urllib.parse import quote, quote_plus  # noqa: PLC0415

    found = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        html.escape(secret, quote=False).translate(_MARKDOWN),
        secret.translate(_MARKDOWN),
    }
    raw = secret.encode()
    for offset in range(3):
        first = -(-8 * offset // 6)  # the first base64 character made of the secret's bits only
        last = 8 * (offset + len(raw)) // 6  # one past the last such character
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            part = encode(b"\0" * offset + raw + b"\0\0").decode()[first:last]
            if len(part) >= MIN_SECRET_LENGTH:
                found.add(part)
    return tuple(sorted(found, key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """*text* with every occurrence of every guarded secret, in each of its `encodings`, replaced by
    ``[redacted]``."""
    for secret in guarded(secrets):
        for form in encodings(secret):
            if form in text:
                text = text.replace(form, REDACTED)
    return text


def scrub_value(value: object, secrets: Iterable[str]) -> object:
    """*value* (strings, and dicts, lists and tuples of them, keys included) with every string `scrub`bed: before it
    is encoded, so that no escaping can hide a secret from the scrubber."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub_value(k, secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v, secrets) for v in value)
    return value


def in_json_body(body: bytes, secret: str) -> bool:
    """Whether a JSON *body* carries *secret*: in the encoded bytes in any of its `encodings`, or in any string (key
    or value) the body decodes to, so that JSON's escaping of ``"`` and ``\\`` hides nothing."""
    if any(form.encode() in body for form in encodings(secret)):
        return True
    import json  # noqa: PLC0415 - only for a body

    # As Go's decoder reads it: every member of an object, a repeated key's earlier ones too (Go merges them, where
    # `json.loads` keeps the last), and the first JSON value even with text after it (a stream decoder's read).
    decoder = json.JSONDecoder(object_pairs_hook=list)
    try:
        data, _ = decoder.raw_decode(body.decode("utf-8", "replace").lstrip(" \t\r\n"))
    except (ValueError, RecursionError):
        return False
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if secret in item:
                return True
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
