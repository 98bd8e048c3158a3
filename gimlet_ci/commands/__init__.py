"""The commands of ``gimlet-ci``, one function each, and the steps they share.

A command takes the environment, the platform's adapter, the checkout and the parsed options (a mapping by option
name, which `load` reads the settings from); it never prints, and
returns what it ended with: an `Outcome` (``ship`` and ``push`` in `gimlet_ci.commands.ship`; ``track``, ``deploy``
and ``rollback`` in `gimlet_ci.commands.tracking`), the CI context (`context`, here), lint problems or an explanation
(`gimlet_ci.commands.manifests`), Gimlet's artifacts and releases (``artifacts``, ``releases``, ``status`` in
`gimlet_ci.commands.listing`). A failure raises a `GimletCIError`; once anything was sent it carries the outcome
so far. The CLI (``gimlet_ci.cli``) parses, prints and picks the exit code.

This module is on the path of ``gimlet-ci context``, which must start fast: what only the other commands need is
imported when they run.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from gimlet_ci._settings import Settings
    from gimlet_ci.adapters import Adapter, CIContext


def _read_file(path: str) -> bytes:
    """The platform's event file: a regular file of at most `EVENT_FILE_LIMIT` bytes (a FIFO or device is an
    `OSError` the adapter turns into a warning)."""
    from gimlet_ci._files import EVENT_FILE_LIMIT, read_regular  # noqa: PLC0415 - only with an event file

    return read_regular(path, limit=EVENT_FILE_LIMIT)


def context(env: Mapping[str, str], adapter: Adapter, checkout: str) -> CIContext:
    """The CI context of this run: the adapter's, completed from git (``checkout``) where the platform left a gap;
    its ``warnings`` say what could not be read."""
    ctx = adapter.context(env, _read_file)
    if not ctx.sha or not ctx.repository or ctx.platform == "local":
        from gimlet_ci._git import completed_from_git  # noqa: PLC0415 - git only when the platform left a gap

        ctx = completed_from_git(ctx, checkout)
    return ctx


def logged_context(env: Mapping[str, str], adapter: Adapter, checkout: str) -> CIContext:
    """`context`, with each of its warnings logged (``gimlet_ci.context_warning``)."""
    from gimlet_ci._log import log  # noqa: PLC0415 - structlog stays off the `context` path

    ctx = context(env, adapter, checkout)
    for warning in ctx.warnings:
        log.warning("gimlet_ci.context_warning", warning=warning)
    return ctx


def load(env: Mapping[str, str], adapter: Adapter, options: Mapping[str, object]) -> Settings:
    """The settings by precedence: *options* (the parsed command line: each setting's value by its name, and
    ``insecure`` where the command has it), ``GIMLET_*`` in *env*, then the adapter's platform inputs;
    every bad value is reported at once. Unknown names under the prefixes gimlet-ci reads, and values that look like
    the wrong separator, are logged as warnings (``gimlet_ci.setting_warning``)."""
    from gimlet_ci._log import log  # noqa: PLC0415 - structlog stays off the `context` path
    from gimlet_ci._settings import load_settings, unknown_settings, value_warnings  # noqa: PLC0415 - as structlog

    settings = load_settings(
        options=options, env=env, inputs=adapter.inputs(env), insecure=options.get("insecure") is True
    )
    for warning in (*unknown_settings(env, adapter.NAME), *value_warnings(settings, adapter.NAME)):
        log.warning("gimlet_ci.setting_warning", warning=warning)
    return settings


def required(value: str | None, message: str, *, tip: str) -> str:
    """*value*, or a `ConfigError` with *message* and *tip* when it is empty: what a command checks before it sends."""
    if not value:
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415 - only when there is something to say

        raise ConfigError(message, tip=tip)
    return value
