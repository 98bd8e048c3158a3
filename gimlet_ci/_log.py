"""gimlet-ci's one logger: quiet unless the program that uses gimlet-ci configured logging.

Every module logs through `log`, with stable event names (``gimlet_ci.artifact_shipped``) and key/values. Where each
event goes is decided when it is logged:

- the program configured structlog (``structlog.configure``, as the CLI does): structlog's logger, with the
  program's processors;
- otherwise the standard library's ``gimlet_ci`` logger, which has a `logging.NullHandler`: nothing is written
  until the program configures logging (``logging.basicConfig(level=logging.INFO)`` shows gimlet-ci's lines as
  sentences, with the event's key/values in the record's ``gimlet_ci`` attribute).

structlog's own default (print every event to stdout) never applies: a library must not print.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

_STDLIB = logging.getLogger("gimlet_ci")
_STDLIB.addHandler(logging.NullHandler())

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
}


class _Logger:
    """The methods of a structlog logger (``debug`` ... ``critical``), routed as the module docstring says."""

    def _log(self, method: str, event: str, /, **values: Any) -> None:
        if structlog.is_configured():
            getattr(structlog.get_logger("gimlet_ci"), method)(event, **values)
            return
        level = _LEVELS[method]
        if not _STDLIB.isEnabledFor(level):
            return
        from gimlet_ci._logging import describe  # noqa: PLC0415 - only when the program asked for the lines

        _STDLIB.log(level, "%s", describe(event, values), extra={"gimlet_ci": {"event": event, **values}})

    def debug(self, event: str, /, **values: Any) -> None:
        self._log("debug", event, **values)

    def info(self, event: str, /, **values: Any) -> None:
        self._log("info", event, **values)

    def warning(self, event: str, /, **values: Any) -> None:
        self._log("warning", event, **values)

    def error(self, event: str, /, **values: Any) -> None:
        self._log("error", event, **values)


log = _Logger()
"""The logger every gimlet-ci module logs through."""
