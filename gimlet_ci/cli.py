"""The ``gimlet-ci`` command line: the only module that reads ``os.environ``, prints, and picks exit codes.

Heavy imports (httpx, YAML, the flows) happen inside the commands, so ``--version`` and ``context`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing, pathlib and json cost more start-up time than `--version` may take
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Any, NoReturn, TextIO

    from gimlet_ci._client import GimletClient
    from gimlet_ci._models import Outcome
    from gimlet_ci._settings import Settings
    from gimlet_ci.adapters import Adapter, CIContext

EXIT_INTERNAL = 70
"""A bug in gimlet-ci (an exception we did not expect); the message asks for a report."""


def _version() -> str:
    from gimlet_ci._version import __version__  # noqa: PLC0415

    return __version__


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line error with exit code 2.

    argparse asks ``shutil`` for the terminal's width on every ``add_argument``; only help text needs it, so it is
    asked for there, and start-up skips the import.
    """

    _columns = 78

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self.formatter_class is not argparse.HelpFormatter:
            return super()._get_formatter()
        return argparse.HelpFormatter(self.prog, width=self._columns)

    def format_help(self) -> str:
        import shutil  # noqa: PLC0415

        self._columns = shutil.get_terminal_size().columns - 2
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

        raise ConfigError(message, tip=f"see `{self.prog} --help`")


def _add_ship_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        action="store_true",
        default=None,
        help="wait until every triggered deploy is reconciled",
    )
    p.add_argument(
        "--deploy",
        action="store_true",
        default=None,
        help="make an on-demand release after shipping",
    )
    p.add_argument("--env", help="environment of the on-demand release")
    p.add_argument("--app", help="app of the on-demand release (default: every app of the env)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        default=None,
        help="build and print the artifact, send nothing",
    )
    p.add_argument("--manifests", metavar="DIR", help="folder of the Gimlet manifests (default: .gimlet)")
    p.add_argument(
        "--field",
        action="append",
        default=None,
        metavar="NAME=URL",
        help="add a link to the artifact (repeatable)",
    )
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="add a template variable (repeatable)",
    )


def _add_server_options(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    p.add_argument("--server", help="Gimlet's URL (default: GIMLET_SERVER)")
    p.add_argument(
        "--timeout",
        metavar="DURATION",
        help="deadline for the whole command, Go-style: 90s, 10m, 1h30m",
    )
    p.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="CA certificates for a self-signed Gimlet (GIMLET_CA_BUNDLE)",
    )
    p.add_argument("--insecure", action="store_true", help="do not verify TLS (warned about on every run)")
    p.add_argument(
        "--no-push",
        action="store_true",
        default=None,
        help="wait by polling only, without Gimlet's push channel (GIMLET_PUSH=off)",
    )
    if output:
        p.add_argument(
            "--output",
            choices=("text", "json"),
            default="text",
            help="json: one result object on stdout",
        )


def _context_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text")


def _ship_args(p: argparse.ArgumentParser) -> None:
    _add_ship_options(p)
    _add_server_options(p)


def _track_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact_id", nargs="?", metavar="ARTIFACT_ID")
    p.add_argument("--release", metavar="ID", help="track a release or rollback instead of an artifact")
    p.add_argument("--wait", action="store_true", help="wait until Gimlet reaches a verdict")
    _add_server_options(p)


def _deploy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", required=True, metavar="ID", help="the shipped artifact's id")
    p.add_argument("--env", help="environment to release to")
    p.add_argument("--app", help="app to release (default: every app of the env)")
    p.add_argument("--wait", action="store_true", help="track the release to the end (the default)")
    p.add_argument("--no-wait", action="store_true", help="queue the release and exit")
    _add_server_options(p)


def _rollback_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", help="environment of the app (or GIMLET_ENV)")
    p.add_argument("--app", help="app to roll back (or GIMLET_APP)")
    p.add_argument("--to", required=True, metavar="SHA", help="the gitops commit to roll back to")
    p.add_argument("--wait", action="store_true", help="track the rollback to the end")
    _add_server_options(p)


def _lint_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--manifests", metavar="DIR", help="folder of the Gimlet manifests (default: .gimlet)")
    p.add_argument("--output", choices=("text", "json"), default="text")


def _explain_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--artifact",
        metavar="FILE",
        help="read an artifact body (what `ship --dry-run --output json` prints; - for stdin) as Gimlet's server would",
    )
    p.add_argument("--manifests", metavar="DIR", help="folder of the Gimlet manifests (default: .gimlet)")
    p.add_argument("--branch", help="evaluate for this branch")
    p.add_argument("--tag", help="evaluate for this tag")
    p.add_argument("--event", choices=("push", "pr", "tag"), help="evaluate for this event")
    p.add_argument("--message", help="evaluate for this commit message")
    p.add_argument("--output", choices=("text", "json"), default="text")


def _dev_server_args(p: argparse.ArgumentParser) -> None:
    from gimlet_ci.devserver.arguments import add_arguments  # noqa: PLC0415

    add_arguments(p)


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast", action="store_true", help="short server delays")


_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "context": ("print the normalised CI context of this run", _context_args),
    "ship": ("build the artifact, post it, and wait/deploy by the mode", _ship_args),
    "track": ("read (or --wait for) the status of an artifact or a release", _track_args),
    "deploy": ("on-demand release of a shipped artifact, tracked to the end", _deploy_args),
    "rollback": ("roll an app back to an earlier gitops commit", _rollback_args),
    "lint": ("check the .gimlet/ manifests; FILE:LINE: KEY: message per problem", _lint_args),
    "explain": ("which manifests' deploy policies fire for this context, and why", _explain_args),
    "dev-server": ("run a local Gimlet-compatible server on loopback", _dev_server_args),
    "demo": ("ship this checkout to an embedded local server, wait, deploy, show the result", _demo_args),
}
_GLOBAL_VALUE_OPTIONS = frozenset({"--platform", "--log-format", "-C"})


def _command_in(argv: Sequence[str]) -> str | None:
    """The command word of *argv*, if it can be told without parsing (global options skipped)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _GLOBAL_VALUE_OPTIONS:
            skip = True
        elif word in ("-h", "--help"):
            return None
        elif not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; the CLI reference in the docs is generated from it.

    With *command*, only that command's options are added (the others are listed, for help and errors): building
    every option of every command costs more start-up time than ``gimlet-ci context`` may take.
    """
    parser = _Parser(
        prog="gimlet-ci",
        description="Ship Gimlet artifacts from any CI, wait for their deploys, or release on demand.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--platform",
        default="auto",
        help="CI platform adapter: auto (detect), github, circleci, woodpecker, ...",
    )
    parser.add_argument("--log-format", choices=("console", "json"), default="console", help="stderr log format")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail (repeatable)")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="less detail (repeatable)")
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR (the checkout)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (text, add_arguments) in _COMMANDS.items():
        p = sub.add_parser(name, help=text)
        if command is None or command == name:
            add_arguments(p)
    return parser


# -- the error boundary ---------------------------------------------------------------------------------------------


class _Run:
    """What one invocation needs: its environment, streams, and the secrets to keep out of every line."""

    def __init__(self, env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> None:
        self.env = env
        self.stdout = stdout
        self.stderr = stderr
        self.secrets: list[str] = [v for k in ("GIMLET_TOKEN", "PLUGIN_GIMLET_TOKEN") if (v := env.get(k, ""))]
        self.adapter: Adapter | None = None
        self.outcome: Outcome | None = None
        self.output = "text"
        self.command: str | None = None
        self.verbosity = 0
        self.logging = False
        """Whether structlog is configured (every command but the fast `context`)."""

    def scrub(self, text: str) -> str:
        from gimlet_ci._secrets import scrub  # noqa: PLC0415

        return scrub(text, self.secrets)

    def say(self, line: str) -> None:
        print(self.scrub(line), file=self.stderr)

    def out(self, text: str) -> None:
        print(self.scrub(text), file=self.stdout)

    def warn(self, text: str) -> None:
        """A warning: a structlog event where logging is set up, else one plain line."""
        if self.logging:
            import structlog  # noqa: PLC0415

            structlog.get_logger("gimlet_ci").warning("gimlet_ci.context_warning", warning=text)
        else:
            self.say(f"WARNING {text}")


def _guarded(run: _Run, call: Callable[[], int]) -> int:
    """Run *call*; turn every exception into one ERROR line (plus a TIP) and its exit code."""
    from gimlet_ci.exceptions import GimletCIError  # noqa: PLC0415

    try:
        return call()
    except GimletCIError as e:
        if e.outcome is not None:
            run.outcome = e.outcome  # type: ignore[assignment]
        if run.outcome is not None and run.outcome.message is None:
            import attrs  # noqa: PLC0415

            run.outcome = attrs.evolve(run.outcome, message=e.message)
        for detail in getattr(e, "details", ()):
            run.say(detail)
        _report_error(run, e.message, e.tip)
        return e.exit_code
    except KeyboardInterrupt:
        run.say("ERROR interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns a bug into one line
        if run.verbosity > 0:
            import traceback  # noqa: PLC0415

            run.say(traceback.format_exc().rstrip())  # scrubbed, as every line
        _report_error(
            run,
            f"internal error: {type(e).__name__}: {e}",
            "this is a bug in gimlet-ci; please report it with the command you ran",
        )
        return EXIT_INTERNAL


def _report_error(run: _Run, message: str, tip: str | None) -> None:
    message = " ".join(run.scrub(message).split())
    run.say(f"ERROR {message}")
    if tip:
        run.say(f"TIP {run.scrub(tip)}")


# -- commands --------------------------------------------------------------------------------------------------------


def _adapter(run: _Run, name: str) -> Adapter:
    from gimlet_ci.adapters import adapter_by_name, detect_adapter  # noqa: PLC0415

    return detect_adapter(run.env) if name == "auto" else adapter_by_name(name)


def _json(value: object, **options: Any) -> str:
    import json  # noqa: PLC0415

    return json.dumps(value, **options)


def _read_stdin() -> bytes:
    import sys  # noqa: PLC0415

    return sys.stdin.buffer.read()


def _read_file(path: str) -> bytes:
    with open(path, "rb") as f:  # noqa: PTH123 - pathlib stays off the fast path
        return f.read()


def _context(run: _Run, adapter: Adapter, checkout: str) -> CIContext:
    ctx = adapter.context(run.env, _read_file)
    if not ctx.sha or not ctx.repository or ctx.platform == "local":
        from gimlet_ci._git import local_context  # noqa: PLC0415

        ctx = local_context(ctx, checkout)
    for warning in ctx.warnings:
        run.warn(warning)
    return ctx


def _settings(run: _Run, adapter: Adapter, args: argparse.Namespace) -> Settings:
    from gimlet_ci._settings import load_settings  # noqa: PLC0415

    options: dict[str, object] = {}
    for name in ("wait", "deploy", "env", "app", "dry_run", "manifests", "server", "ca_bundle"):
        options[name] = getattr(args, name, None)
    options["fields"] = getattr(args, "field", None)
    if getattr(args, "no_push", None):
        options["push"] = "off"
    if getattr(args, "timeout", None) is not None:
        options["timeout"] = args.timeout
    settings = load_settings(
        options=options,
        env=run.env,
        inputs=adapter.inputs(run.env),
        extra_vars=getattr(args, "var", []) or [],
        insecure=bool(getattr(args, "insecure", False)),
    )
    if settings.token and settings.token not in run.secrets:
        run.secrets.append(settings.token)
    return settings


def _client(settings: Settings) -> GimletClient:
    import structlog  # noqa: PLC0415

    from gimlet_ci._client import build_client, is_loopback  # noqa: PLC0415
    from gimlet_ci._retry import Deadline  # noqa: PLC0415

    settings.require("server", "token")
    assert settings.server is not None  # noqa: S101
    assert settings.token is not None  # noqa: S101
    log = structlog.get_logger("gimlet_ci")
    if settings.insecure:
        log.warning("gimlet_ci.insecure")
    if settings.server.startswith("http://") and not is_loopback(settings.server):
        log.warning("gimlet_ci.plain_http", server=settings.server)
    return build_client(
        server=settings.server,
        token=settings.token,
        deadline=Deadline(settings.timeout),
        user_agent=f"gimlet-ci/{_version()}",
        ca_bundle=settings.ca_bundle,
        insecure=settings.insecure,
        push=settings.push,
    )


def cmd_context(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    adapter = _adapter(run, args.platform)
    ctx = _context(run, adapter, checkout)
    data = ctx.as_json()
    if args.output == "json":
        run.out(_json(data))
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            run.out(f"{key:<{width}}  {'-' if value is None else value}")
    return 0


def cmd_ship(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from pathlib import Path  # noqa: PLC0415

    import structlog  # noqa: PLC0415

    from gimlet_ci._converter import artifact_body  # noqa: PLC0415
    from gimlet_ci._flows import prepare, ship  # noqa: PLC0415
    from gimlet_ci._models import Outcome  # noqa: PLC0415
    from gimlet_ci.exceptions import MissingSettingsError  # noqa: PLC0415

    log = structlog.get_logger("gimlet_ci")
    adapter = run.adapter = _adapter(run, args.platform)
    settings = _settings(run, adapter, args)
    settings.check_mode()
    ctx = _context(run, adapter, checkout)
    prepared = prepare(ctx, settings, checkout=Path(checkout))
    artifact = prepared.artifact
    log.info(
        "gimlet_ci.artifact_built",
        repository=artifact.version.repository_name,
        sha=artifact.version.sha,
        manifests=len(artifact.environments),
    )
    for problem in prepared.problems:
        log.warning("gimlet_ci.manifest_problem", problem=problem)
    if settings.dry_run:
        run.outcome = Outcome(status="dry-run", repository=ctx.repository, sha=ctx.sha)
        run.out(artifact_body(artifact).decode())
        return 0
    try:
        client = _client(settings)
    except MissingSettingsError as e:
        e.tip = adapter.MISSING_SECRETS_TIP
        raise
    run.outcome = Outcome(status="error", repository=ctx.repository, sha=ctx.sha)
    with client.http:
        run.outcome = ship(prepared, settings, client=client)
    return 0


def cmd_track(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci._flows import track  # noqa: PLC0415
    from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

    del checkout
    if not args.artifact_id and not args.release:
        msg = "track needs an ARTIFACT_ID or --release ID"
        raise ConfigError(msg, tip="the ids are printed by `gimlet-ci ship` and in its --output json")
    adapter = run.adapter = _adapter(run, args.platform)
    settings = _settings(run, adapter, args)
    client = _client(settings)
    with client.http:
        run.outcome = track(client, artifact_id=args.artifact_id, release_id=args.release, wait=settings.wait)
    return 0


def cmd_deploy(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci._flows import release  # noqa: PLC0415
    from gimlet_ci._models import Outcome  # noqa: PLC0415
    from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

    del checkout
    adapter = run.adapter = _adapter(run, args.platform)
    settings = _settings(run, adapter, args)
    if not settings.env:
        msg = "deploy needs an environment"
        raise ConfigError(msg, tip="pass --env ENV (or set GIMLET_ENV)")
    client = _client(settings)
    run.outcome = Outcome(artifact_id=args.artifact, status="error")
    with client.http:
        run.outcome = release(
            client,
            artifact_id=args.artifact,
            env=settings.env,
            app=settings.app,
            wait=not args.no_wait,
        )
    return 0


def cmd_rollback(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci._flows import rollback  # noqa: PLC0415

    del checkout
    adapter = run.adapter = _adapter(run, args.platform)
    settings = _settings(run, adapter, args)
    if not settings.env or not settings.app:
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

        msg = "rollback needs an environment and an app"
        raise ConfigError(msg, tip="pass --env ENV --app APP (or set GIMLET_ENV and GIMLET_APP)")
    client = _client(settings)
    with client.http:
        run.outcome = rollback(client, env=settings.env, app=settings.app, sha=args.to, wait=settings.wait)
    return 0


def _manifests_dir(run: _Run, args: argparse.Namespace, checkout: str) -> tuple[Path, str]:
    """The manifests folder, and how to show it in messages (as the user wrote it: ``.gimlet/x.yaml``)."""
    from pathlib import Path  # noqa: PLC0415

    from gimlet_ci._settings import DEFAULT_MANIFESTS  # noqa: PLC0415

    label = args.manifests or run.env.get("GIMLET_MANIFESTS") or DEFAULT_MANIFESTS
    directory = Path(label)
    return (directory if directory.is_absolute() else Path(checkout) / directory), label


def cmd_lint(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci.manifests import lint as _lint  # noqa: PLC0415

    directory, label = _manifests_dir(run, args, checkout)
    problems = _lint.lint(directory, label=label)
    if args.output == "json":
        run.out(_json(_lint.as_json(problems)))
    elif problems:
        run.out(_lint.format_text(problems))
    else:
        run.say("No problems found")
    return _lint.exit_code(problems)


def cmd_explain(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci.manifests import explain as _explain  # noqa: PLC0415
    from gimlet_ci.manifests.refusals import review_body  # noqa: PLC0415

    if args.artifact is not None:
        try:
            body = _read_stdin() if args.artifact == "-" else _read_file(args.artifact)
        except OSError as e:
            from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

            msg = f"cannot read the artifact file {args.artifact!r}: {e.strerror or e}"
            raise ConfigError(msg, tip="pass the body `gimlet-ci ship --dry-run --output json` printed") from None
        result = _explain.as_json(review_body(body), checks=False)
    else:
        result = _explain_checkout(run, args, checkout)
    if args.output == "json":
        run.out(_json(result))
    else:
        run.out(_explain.format_text(result))
    return 1 if result["rejected"] else 0


def _explain_checkout(run: _Run, args: argparse.Namespace, checkout: str) -> dict[str, Any]:
    """Plain ``explain``: the body ``ship`` would post for this context, with the options' overrides."""
    from pathlib import Path  # noqa: PLC0415

    import attrs  # noqa: PLC0415

    from gimlet_ci._converter import artifact_body  # noqa: PLC0415
    from gimlet_ci._flows import prepare  # noqa: PLC0415
    from gimlet_ci.manifests import explain as _explain  # noqa: PLC0415
    from gimlet_ci.manifests.refusals import review_body  # noqa: PLC0415

    adapter = _adapter(run, args.platform)
    settings = _settings(run, adapter, args)
    ctx = _context(run, adapter, checkout)
    prepared = prepare(ctx, settings, checkout=Path(checkout), check=False)
    version = prepared.artifact.version
    changes: dict[str, Any] = {}
    if args.tag is not None:
        changes.update(tag=args.tag, event="tag", branch="")
    if args.branch is not None:
        changes["branch"] = args.branch
    if args.event is not None:
        changes["event"] = args.event
    if args.message is not None:
        changes["message"] = args.message
    artifact = attrs.evolve(prepared.artifact, version=attrs.evolve(version, **changes))
    return _explain.as_json(review_body(artifact_body(artifact), prepared.docs), prepared.docs)


def cmd_dev_server(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from gimlet_ci.devserver import command as _devserver  # noqa: PLC0415

    del checkout
    return _devserver.run(args, out=run.stderr)


def cmd_demo(run: _Run, args: argparse.Namespace, checkout: str) -> int:
    from pathlib import Path  # noqa: PLC0415

    from gimlet_ci._demo import run_demo  # noqa: PLC0415

    return run_demo(checkout=Path(checkout), env=run.env, out=run.stderr, fast=args.fast)


_HANDLERS = {
    "context": cmd_context,
    "ship": cmd_ship,
    "track": cmd_track,
    "deploy": cmd_deploy,
    "rollback": cmd_rollback,
    "lint": cmd_lint,
    "explain": cmd_explain,
    "dev-server": cmd_dev_server,
    "demo": cmd_demo,
}


def _write_platform_outputs(run: _Run) -> int:
    """Append the adapter's outputs (``$GITHUB_OUTPUT``, ``$BASH_ENV``, ...) and print its log lines."""
    from pathlib import Path  # noqa: PLC0415

    if run.adapter is None or run.outcome is None:
        return 0
    result = run.adapter.outputs(run.env, run.outcome)
    for line in result.log_lines:
        run.say(line)
    for path, text in result.files:
        try:
            with Path(path).open("a", encoding="utf-8") as f:
                f.write(run.scrub(text))
        except OSError as e:
            run.say(f"WARNING could not write {path}: {e.strerror}")
    return 0


def _run_command(run: _Run, argv: list[str]) -> int:

    try:
        args = build_parser(_command_in(argv)).parse_args(argv)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    if args.command is None:
        build_parser().print_help(run.stderr)
        return 2
    run.command = args.command
    run.output = getattr(args, "output", "text")
    if args.platform != "auto":
        run.adapter = _adapter(run, args.platform)
    for line in (run.adapter or _adapter(run, "auto")).startup_lines(run.env, list(run.secrets)):
        print(line, file=run.stderr)
    run.verbosity = args.verbose - args.quiet
    if run.env.get("RUNNER_DEBUG") == "1":
        run.verbosity = max(run.verbosity, 1)
    if args.command != "context":  # `context` starts fast: it logs nothing but warnings
        from gimlet_ci._logging import configure_logging  # noqa: PLC0415

        configure_logging(log_format=args.log_format, verbosity=run.verbosity, stream=run.stderr, secrets=run.secrets)
        run.logging = True
    checkout = os.path.realpath(args.directory or ".")  # os.path: pathlib costs `context` start-up time
    return _HANDLERS[args.command](run, args, checkout)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one ``gimlet-ci`` command and return its exit code; never raises, never prints a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # the fast path: no argparse, no logging set-up
        print(f"gimlet-ci {_version()}", file=stdout or sys.stdout)
        return 0
    run = _Run(os.environ if env is None else env, stdout or sys.stdout, stderr or sys.stderr)
    code = _guarded(run, lambda: _run_command(run, args))
    if run.command in ("ship", "track", "deploy", "rollback") and run.outcome is not None:
        if run.output == "json" and run.outcome.status != "dry-run":
            run.out(_json(run.outcome.as_json()))
        _guarded(run, lambda: _write_platform_outputs(run))
    return code


def entrypoint() -> NoReturn:
    """The console script: ``gimlet-ci``."""
    raise SystemExit(main())
