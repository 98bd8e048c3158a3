"""The console renderer and the redactor: human lines, one per event, that server text cannot hijack."""

from __future__ import annotations

from gimlet_ci._flows import _elapsed
from gimlet_ci._logging import ConsoleRenderer, Redactor


def test_known_events_read_as_sentences() -> None:
    """A deploy status event renders as a sentence with the gitops hash and status."""
    line = ConsoleRenderer(verbose=False)(
        None,
        "info",
        {
            "event": "gimlet_ci.deploy_status",
            "app": "shop",
            "env": "staging",
            "status": "succeeded",
            "gitops_hash": "0123456789abcdef",
            "gitops_status": "ReconciliationSucceeded",
        },
    )

    assert "  shop -> staging: succeeded (gitops 01234567, ReconciliationSucceeded)" == line


def test_server_text_cannot_start_a_workflow_command_or_a_new_line() -> None:
    """An app named `::error::x` or a description with line breaks stays one harmless line."""
    render = ConsoleRenderer(verbose=False)
    line = render(None, "info", {"event": "gimlet_ci.deploy_status", "app": "::add-mask::x", "env": "e", "status": "s"})
    multi = render(
        None,
        "info",
        {"event": "gimlet_ci.event_status", "what": "it", "status": "error", "description": "a\n::error::b"},
    )

    assert not line.lstrip().startswith("::")
    assert "\n" not in multi


def test_redactor_replaces_secrets_in_nested_values() -> None:
    """Every occurrence of a secret, in keys, strings, lists and dicts, becomes [redacted]."""
    redact = Redactor(["tok3n-long-secret"])

    assert {"a": "x [redacted] y", "b": ["[redacted]"], "c": {"[redacted]": 1}} == redact(
        None, "info", {"a": "x tok3n-long-secret y", "b": ["tok3n-long-secret"], "c": {"tok3n-long-secret": 1}}
    )


def test_short_values_are_not_redacted() -> None:
    """A secret shorter than eight characters is not hunted for: replacing it would garble every line."""
    assert {"a": "e e e"} == Redactor(["e"])(None, "info", {"a": "e e e"})


def test_an_event_in_error_reads_as_failed() -> None:
    """Gimlet's `error` status reads "the artifact failed", not "the artifact is error"."""
    line = ConsoleRenderer(verbose=False)(
        None,
        "info",
        {
            "event": "gimlet_ci.event_status",
            "what": "the artifact",
            "status": "error",
            "description": "boom",
            "elapsed": "2.3s",
        },
    )

    assert "[2.3s] Gimlet: the artifact failed: boom" == line


def test_progress_lines_share_the_elapsed_prefix_and_format() -> None:
    """The still-waiting line starts with the same `[12.0s]` prefix as every status line, one decimal in both."""
    render = ConsoleRenderer(verbose=False)
    waiting = render(
        None,
        "info",
        {"event": "gimlet_ci.waiting", "what": "the artifact", "status": "new", "pending": 0, "elapsed": _elapsed(12)},
    )
    status = render(
        None,
        "info",
        {"event": "gimlet_ci.event_status", "what": "the artifact", "status": "new", "elapsed": _elapsed(2.345)},
    )

    assert "[12.0s] Still waiting for the artifact (new, 0 deploy(s) pending)" == waiting
    assert "[2.3s] Gimlet: the artifact is new" == status
    assert ["3.0s", "59.9s", "1m00s", "1m05s", "1h01m01s"] == [_elapsed(s) for s in (3, 59.94, 59.96, 65, 3661)]


def test_a_deploy_status_without_app_or_env_says_deploy() -> None:
    """A push message that names no app or env yet (a rollback's first) reads `deploy:`, not ` -> :`."""
    line = ConsoleRenderer(verbose=False)(
        None, "info", {"event": "gimlet_ci.deploy_status", "status": "pending", "gitops_hash": "0123456789abcdef"}
    )

    assert "  deploy: pending (gitops 01234567)" == line
