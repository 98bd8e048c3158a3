"""Logging: structlog events with stable names; a console renderer that reads like sentences; JSON for machines.

A redaction processor replaces every secret value (the token) wherever it would appear, as a second line of
defence behind never logging it in the first place.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

from gimlet_ci._defuse import defuse, defuse_json
from gimlet_ci._secrets import guarded, scrub

_SENTENCES = {
    "gimlet_ci.artifact_built": "Built the artifact for {repository}@{sha_short}: {manifests} manifest(s)",
    "gimlet_ci.artifact_read": "Read the artifact of {repository}@{sha_short}: {manifests} manifest(s)",
    "gimlet_ci.artifact_shipped": "Shipped artifact {artifact_id}",
    "gimlet_ci.artifact_adopted": "The server stored the artifact before the connection failed; using {artifact_id}",
    "gimlet_ci.event_status": "Gimlet: {what} {state}{description_sep}{description}",
    "gimlet_ci.deploy_status": "  {target}: {status}{gitops}{message_sep}{message}",
    "gimlet_ci.waiting": "Still waiting for {what} ({status}, {pending} deploy(s) pending)",
    "gimlet_ci.no_policy_fired": "No deploy policy fired for this artifact",
    "gimlet_ci.release_made": "Release queued with id {release_id} ({app_or_all} -> {env})",
    "gimlet_ci.rollback_made": "Rollback queued with id {release_id} ({app} -> {env} to {sha})",
    "gimlet_ci.image_built": "Image build finished; following deploy {release_id}",
    "gimlet_ci.image_build_started": "Gimlet started an in-cluster image build for {app} -> {env}; following it",
    "gimlet_ci.push_fallback": "Push channel unavailable ({reason}): {then}",
    "gimlet_ci.push_listening": "Listening on Gimlet's push channel (/ws/); polling every {safety} as a safety net",
    "gimlet_ci.retry": "{request} failed ({reason}); attempt {attempt}, retrying in {wait}s",
    "gimlet_ci.retry_giveup": "{request} failed ({reason}) after {attempts} attempt(s)",
    "gimlet_ci.commit_not_in_clone": "Commit {sha} is not in the clone; commit details come from {used}",
    "gimlet_ci.no_commit_metadata": "No commit details for {sha}: no git checkout and none from the platform",
    "gimlet_ci.manifest_problem": "{problem}",
    "gimlet_ci.insecure": "TLS verification is OFF (--insecure): anyone on the path can read the token",
    "gimlet_ci.plain_http": "The token is sent over plain http to {server}: use https",
    "gimlet_ci.context_warning": "{warning}",
    "gimlet_ci.setting_warning": "{warning}",
    "gimlet_ci.no_manifests": (
        "No manifests folder {folder}: shipping an artifact without manifests, so no deploy policy can fire "
        "(set {setting} to make this an error)"
    ),
    "gimlet_ci.no_branch": (
        "No branch for commit {sha_short} (a detached HEAD, and the CI names none): branch deploy policies will not "
        "fire; set the branch with {setting}"
    ),
    "gimlet_ci.secret_var_dropped": "Variable {name} holds the Gimlet token: it is left out of the artifact",
    "gimlet_ci.dev_server": "{message}",
}


_STATES = {"error": "failed", "processed": "is processed", "new": "is new"}
"""An event status as a sentence says it: Gimlet's ``error`` is "the artifact failed", not "is error"."""


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _sentence(event: str, data: MutableMapping[str, Any]) -> str | None:
    template = _SENTENCES.get(event)
    if template is None:
        return None
    values = _Defaults({k: "" if v is None else v for k, v in data.items()})
    sha = str(values.get("sha", ""))
    values["sha_short"] = sha[:12]
    values["description_sep"] = ": " if values.get("description") else ""
    values["message_sep"] = " - " if values.get("message") else ""
    gitops_hash = str(values.get("gitops_hash", ""))
    gitops_status = str(values.get("gitops_status", ""))
    values["gitops"] = (
        f" (gitops {gitops_hash[:8]}{', ' + gitops_status if gitops_status else ''})" if gitops_hash else ""
    )
    values["app_or_all"] = values.get("app") or "every app"
    values["state"] = _STATES.get(str(values.get("status", "")), f"is {values.get('status', '')}")
    app, env = values.get("app"), values.get("env")
    values["target"] = f"{app} -> {env}" if app or env else "deploy"  # a rollback's first push messages name neither
    text = template.format_map(values)
    if values.get("elapsed") and "{elapsed}" not in template:
        indent = text[: len(text) - len(text.lstrip())]
        text = f"{indent}[{values['elapsed']}] {text.lstrip()}"
    return text


class ConsoleRenderer:
    """Human lines: known events as sentences, anything else as ``event key=value``."""

    def __init__(self, *, verbose: bool, color: bool = False) -> None:
        self.verbose = verbose
        self.color = color

    def __call__(self, _: Any, method: str, event_dict: MutableMapping[str, Any]) -> str:
        event = str(event_dict.pop("event", ""))
        level = event_dict.pop("level", method)
        event_dict.pop("timestamp", None)
        text = _sentence(event, event_dict)
        if text is None or self.verbose:
            extras = " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in event_dict.items())
            text = f"{text}  [{event} {extras}]" if text is not None else f"{event} {extras}".rstrip()
        if level in ("warning", "error"):
            prefix = "WARNING " if level == "warning" else "ERROR "
            text = prefix + text
        # One event is one line, in which no CI agent reads a command and no terminal an escape (`gimlet_ci._defuse`).
        return defuse(text, color=self.color)


class Redactor:
    """Replace every secret value in an event, keys and nested values included."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = guarded(secrets)

    def scrub(self, value: Any) -> Any:
        if not self.secrets:
            return value
        if isinstance(value, str):
            return scrub(value, self.secrets)
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(v) for v in value)
        return value

    def __call__(self, _: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        return {k: self.scrub(v) for k, v in event_dict.items()}


def configure_logging(
    *,
    log_format: str = "console",
    verbosity: int = 0,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
    color: bool = False,
) -> Redactor:
    """Configure structlog once, for the CLI: console or JSON lines on *stream* (stderr), the level from -v/-q.

    ``-v`` (1): the info lines with their details (each event's key/values); ``-vv`` (2 and more): debug lines too,
    each HTTP request and the push channel's life among them; ``-q``: warnings and errors only; ``-qq``: errors.
    Lines are scrubbed of *secrets*, then defused (`gimlet_ci._defuse`); *color* keeps ANSI colour in console lines.
    """
    level = logging.DEBUG if verbosity >= 2 else logging.INFO - 10 * min(verbosity, 0)  # noqa: PLR2004
    redactor = Redactor(secrets)
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer(
            serializer=lambda obj, **_: defuse_json(json.dumps(obj, default=str))
        )
        processors: list[Any] = [
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redactor,
            renderer,
        ]
    else:
        processors = [
            structlog.processors.add_log_level,
            redactor,
            ConsoleRenderer(verbose=verbosity > 0, color=color),
        ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(max(level, logging.DEBUG)),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    return redactor


def describe(event: str, values: MutableMapping[str, Any]) -> str:
    """*event* as the console renders it: its sentence, or ``event key=value ...`` (for standard-library logging)."""
    text = _sentence(event, dict(values))
    if text is None:
        extras = " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in values.items())
        text = f"{event} {extras}".rstrip()
    return text.replace("\r", " ").replace("\n", " ")
