"""The console renderer and the redactor: human lines, one per event, that server text cannot hijack."""

from __future__ import annotations

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


def test_a_deploy_status_without_app_or_env_says_deploy() -> None:
    """A push message that names no app or env yet (a rollback's first) reads `deploy:`, not ` -> :`."""
    line = ConsoleRenderer(verbose=False)(
        None, "info", {"event": "gimlet_ci.deploy_status", "status": "pending", "gitops_hash": "0123456789abcdef"}
    )

    assert "  deploy: pending (gitops 01234567)" == line
