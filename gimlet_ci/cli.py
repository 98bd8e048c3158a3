"""The ``gimlet-ci`` command line: the edge of the program, the one module that touches the runtime.

It alone reads argv and ``os.environ``, writes to the streams, sets up logging, turns every error into one ``ERROR``
line and an exit code (`_guarded`, the one error boundary), prints the JSON result and writes the platform's output
files. What each command does is a function of ``gimlet_ci.commands`` that takes the environment, the adapter, the
checkout and the parsed options, never prints, and returns what it ended with; `COMMANDS` is the one table of the
commands, their options and how their results are shown.

Each command's module is imported when it runs, so ``--version`` and ``context`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from gimlet_ci._version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more start-up time than `--version` may take
    from collections.abc import Callable, Mapping, Sequence
    from typing import NoReturn, TextIO

    from gimlet_ci._models import Note, Outcome
    from gimlet_ci.adapters import Adapter

    Run = Callable[["_Run", argparse.Namespace], int]
    """A command's entry: call the command with what the command line says, show what it ended with; the exit code."""

EXIT_INTERNAL = 70
"""A bug in gimlet-ci (an exception we did not expect); the message asks for a report."""


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
        import shutil  # noqa: PLC0415 - only help text needs the terminal's width

        self._columns = shutil.get_terminal_size().columns - 2
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415 - `--version` imports no more than it prints

        raise ConfigError(message, tip=f"see `{self.prog} --help`")


# -- the options -----------------------------------------------------------------------------------------------------


def _setting_options(p: argparse.ArgumentParser, *names: str, helps: Mapping[str, str] | None = None) -> None:
    """The options of the settings *names*, as each setting declares them (*helps*: this command's own words)."""
    from gimlet_ci._settings import BY_NAME  # noqa: PLC0415 - attrs stays off the `context` path

    for name in names:
        option = BY_NAME[name].option
        assert option is not None  # noqa: S101 - a setting without an option is never listed
        help_ = (helps or {}).get(name, option.help)
        if option.sets is not None:
            p.add_argument(option.name, dest=name, action="store_const", const=option.sets, default=None, help=help_)
        elif option.repeated:
            p.add_argument(option.name, dest=name, action="append", default=None, metavar=option.metavar, help=help_)
        else:
            p.add_argument(option.name, dest=name, metavar=option.metavar, help=help_)


def _output(p: argparse.ArgumentParser, help_: str | None = None) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text", help=help_)


def _server_options(p: argparse.ArgumentParser) -> None:
    _setting_options(p, "server", "timeout", "ca_bundle")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS (warned about on every run)")
    _setting_options(p, "push")
    _output(p, "json: one result object on stdout")


def _ship_options(p: argparse.ArgumentParser) -> None:
    _setting_options(p, "wait", "deploy", "env", "app", "dry_run", "manifests", "fields", "vars")
    _server_options(p)


def _track_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact_id", nargs="?", metavar="ARTIFACT_ID")
    p.add_argument("--release", metavar="ID", help="track a release or rollback instead of an artifact")
    _setting_options(p, "wait", helps={"wait": "wait until Gimlet reaches a verdict"})
    _server_options(p)


def _deploy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", required=True, metavar="ID", help="the shipped artifact's id")
    helps = {
        "env": "environment to release to",
        "app": "app to release (default: every app of the env)",
        "wait": "track the release to the end (the default)",
    }
    _setting_options(p, "env", "app", "wait", helps=helps)
    p.add_argument("--no-wait", action="store_true", help="queue the release and exit")
    _server_options(p)


def _rollback_options(p: argparse.ArgumentParser) -> None:
    helps = {"env": "environment of the app (or GIMLET_ENV)", "app": "app to roll back (or GIMLET_APP)"}
    _setting_options(p, "env", "app", helps=helps)
    p.add_argument("--to", required=True, metavar="SHA", help="the gitops commit to roll back to")
    _setting_options(p, "wait", helps={"wait": "track the rollback to the end"})
    _server_options(p)


def _lint_options(p: argparse.ArgumentParser) -> None:
    _setting_options(p, "manifests")
    p.add_argument(
        "--output",
        choices=("text", "json", "codequality"),
        default="text",
        help="codequality: GitLab's Code Quality report (JSON) on stdout",
    )


def _explain_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--artifact",
        metavar="FILE",
        help="read an artifact body (what `ship --dry-run --output json` prints; - for stdin) as Gimlet's server would",
    )
    _setting_options(p, "manifests")
    p.add_argument("--branch", help="evaluate for this branch")
    p.add_argument("--tag", help="evaluate for this tag")
    p.add_argument("--event", choices=("push", "pr", "tag"), help="evaluate for this event")
    p.add_argument("--message", help="evaluate for this commit message")
    _output(p)


def _dev_server_options(p: argparse.ArgumentParser) -> None:
    from gimlet_ci.devserver.arguments import add_arguments  # noqa: PLC0415 - the server's options, on demand

    add_arguments(p)


def _step_options(p: argparse.ArgumentParser) -> None:
    del p  # every value comes from the settings: GIMLET_* and the platform's inputs


def _demo_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast", action="store_true", help="short server delays")


# -- the commands ----------------------------------------------------------------------------------------------------


def _context(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands import context  # noqa: PLC0415 - each command's module when it runs

    ctx = context(run.env, run.adapter, run.checkout)
    for warning in ctx.warnings:  # `context` sets up no logging: it starts fast
        run.say(f"WARNING {warning}")
    data = ctx.as_json()
    if args.output == "json":
        run.out(_json(data))
    else:
        width = max(len(key) for key in data)
        for key, value in data.items():
            run.out(f"{key:<{width}}  {'-' if value is None else value}")
    return 0


def _ship(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.ship import DryRun, ship  # noqa: PLC0415

    result = ship(run.env, run.adapter, run.checkout, options=vars(args))
    if isinstance(result, DryRun):
        run.out(result.body.decode())
        result = result.outcome
    run.outcome = result
    return 0


def _track(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import track  # noqa: PLC0415

    run.outcome = track(run.env, run.adapter, options=vars(args), artifact_id=args.artifact_id, release_id=args.release)
    return 0


def _deploy(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import deploy  # noqa: PLC0415

    run.outcome = deploy(run.env, run.adapter, options=vars(args), artifact_id=args.artifact, wait=not args.no_wait)
    return 0


def _rollback(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import rollback  # noqa: PLC0415

    run.outcome = rollback(run.env, run.adapter, options=vars(args), sha=args.to)
    return 0


def _lint(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.manifests import lint  # noqa: PLC0415
    from gimlet_ci.manifests.lint import as_codequality, as_json, exit_code, format_text  # noqa: PLC0415

    problems = lint(run.env, run.checkout, manifests=args.manifests, adapter=run.adapter)
    from gimlet_ci._models import Note  # noqa: PLC0415

    notes = [Note(file=p.file, line=p.line, key=p.key, severity=p.severity, message=p.message) for p in problems]
    _annotate(run, notes)
    if args.output == "json":
        run.out(_json(as_json(problems)))
    elif args.output == "codequality":
        run.out(_json(as_codequality(problems)))
    elif problems:
        run.out(format_text(problems))
    else:
        run.say("No problems found")
    return exit_code(problems)


def _explain(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.manifests import explain  # noqa: PLC0415
    from gimlet_ci.manifests.explain import format_text  # noqa: PLC0415

    result = explain(run.env, run.adapter, run.checkout, options=vars(args), read_stdin=_read_stdin)
    run.out(_json(result) if args.output == "json" else format_text(result))
    return 1 if result["rejected"] else 0


def _annotate(run: _Run, notes: Sequence[Note]) -> None:
    """Print the adapter's annotations of manifest problems (GitHub's ``::error file=…,line=…::``)."""
    if notes and hasattr(run, "adapter"):
        for line in run.adapter.annotate(run.env, notes):
            run.say(line)


_STEP_IDS = {
    "deploy": (("artifact_id", "--artifact"),),
    "rollback": (("rollback_to", "--to"),),
}
"""The settings a pipeline step turns into a command's required options."""


def _step(run: _Run, args: argparse.Namespace) -> int:
    """A packaging's entry: run the command the ``command`` setting names (default ``ship``), with the ids it needs
    from their settings (``artifact_id``, ``release_id``, ``rollback_to``) and every other value from the
    platform's inputs as usual."""
    from gimlet_ci.commands import load  # noqa: PLC0415
    from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

    del args
    settings = load(run.env, run.adapter, {})
    command = settings.command
    argv = [command]
    for name, option in _STEP_IDS.get(command, ()):
        value = getattr(settings, name)
        if not value:
            msg = f"the {command} command needs {_platform_name(run.adapter.NAME, name)}, which is empty"
            raise ConfigError(msg, tip=f"pass it (the ship step's output), or set {_variable(name)}")
        argv += [option, value]
    if command == "track":
        if settings.release_id:
            argv += ["--release", settings.release_id]
        elif settings.artifact_id:
            argv.append(settings.artifact_id)
        else:
            platform = run.adapter.NAME
            names = f"{_platform_name(platform, 'artifact_id')} or {_platform_name(platform, 'release_id')}"
            msg = f"the track command needs {names}, and both are empty"
            raise ConfigError(msg, tip="pass the ship step's artifact-id or release-id output")
    parsed = build_parser(command).parse_args(argv)
    run.output = getattr(parsed, "output", "text")
    return COMMANDS[command][2](run, parsed)


def _variable(name: str) -> str:
    from gimlet_ci._settings import BY_NAME  # noqa: PLC0415

    return BY_NAME[name].variable


def _platform_name(platform: str, name: str) -> str:
    """How the user on *platform* names the setting *name*: the action's input, the orb's parameter, the plugin's
    setting, else the ``GIMLET_*`` variable."""
    from gimlet_ci._settings import BY_NAME  # noqa: PLC0415

    declaration = BY_NAME[name]
    packaged = next((i.packaged for i in declaration.inputs if i.platform == platform and i.packaged), None)
    kind = {"github": "input", "circleci": "parameter", "woodpecker": "setting"}.get(platform)
    if packaged is None or kind is None:
        return declaration.variable
    return f"the `{packaged}` {kind}"


def _read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def _dev_server(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.devserver.command import run as serve  # noqa: PLC0415

    return serve(args, out=run.stderr)


def _demo(run: _Run, args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415 - pathlib costs `context` start-up time

    from gimlet_ci._demo import run_demo  # noqa: PLC0415

    return run_demo(checkout=Path(run.checkout), env=run.env, out=run.stderr, fast=args.fast)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Run]] = {
    "context": ("print the normalised CI context of this run", _output, _context),
    "ship": ("build the artifact, post it, and wait/deploy by the mode", _ship_options, _ship),
    "track": ("read (or --wait for) the status of an artifact or a release", _track_options, _track),
    "deploy": ("on-demand release of a shipped artifact, tracked to the end", _deploy_options, _deploy),
    "rollback": ("roll an app back to an earlier gitops commit", _rollback_options, _rollback),
    "lint": ("check the .gimlet/ manifests; FILE:LINE: KEY: message per problem", _lint_options, _lint),
    "explain": ("which manifests' deploy policies fire for this context, and why", _explain_options, _explain),
    "dev-server": ("run a local Gimlet-compatible server on loopback", _dev_server_options, _dev_server),
    "demo": ("ship this checkout to an embedded local server, wait, deploy, show the result", _demo_options, _demo),
    "step": (
        "run the command a pipeline step names (the command setting: ship, deploy, track, rollback, lint, explain)",
        _step_options,
        _step,
    ),
}
"""Each command: its one-line help, its options, and its entry."""

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
            return word if word in COMMANDS else None
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
    for name, (text, add_options, _) in COMMANDS.items():
        p = sub.add_parser(name, help=text)
        if command is None or command == name:
            add_options(p)
    return parser


# -- one run ---------------------------------------------------------------------------------------------------------


class _Run:
    """One invocation: its environment and streams, the secrets to keep out of every line, and what it produced."""

    def __init__(self, env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> None:
        from gimlet_ci._secrets import token_values, with_stripped  # noqa: PLC0415 - as `ConfigError` above

        self.env = env
        self.stdout = stdout
        self.stderr = stderr
        self.tokens = token_values(env)
        """The token's values as given (GitHub is told to mask these)."""
        self.secrets = with_stripped(self.tokens)
        """What is scrubbed from every line: the token as given and as the settings read it."""
        self.verbosity = 0
        self.checkout = "."
        self.adapter: Adapter
        self.outcome: Outcome | None = None
        """What a ship, track, deploy or rollback ended with: the JSON result and the platform's outputs."""
        self.output = "text"

    def scrub(self, text: str) -> str:
        from gimlet_ci._secrets import scrub  # noqa: PLC0415 - imported by `__init__` already

        return scrub(text, self.secrets)

    def say(self, line: str) -> None:
        print(self.scrub(line), file=self.stderr)

    def out(self, text: str) -> None:
        print(self.scrub(text), file=self.stdout)


def _json(value: object) -> str:
    import json  # noqa: PLC0415 - json costs `context` start-up time; only --output json needs it

    return json.dumps(value)


def _guarded(run: _Run, call: Callable[[], int]) -> int:
    """The one error boundary: run *call*; turn every exception into one ERROR line (and a TIP) and its exit code."""
    from gimlet_ci.exceptions import GimletCIError  # noqa: PLC0415 - as `ConfigError` above

    try:
        return call()
    except GimletCIError as e:
        if e.outcome is not None:
            run.outcome = e.outcome
        for detail in getattr(e, "details", ()):
            run.say(detail)
        _annotate(run, getattr(e, "notes", ()))
        _report_error(run, e.message, e.tip)
        return e.exit_code
    except KeyboardInterrupt:
        run.say("ERROR interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns a bug into one line
        if run.verbosity > 0:
            import traceback  # noqa: PLC0415 - only a bug needs it

            run.say(traceback.format_exc().rstrip())  # scrubbed, as every line
        _report_error(
            run,
            f"internal error: {type(e).__name__}: {e}",
            "this is a bug in gimlet-ci; please report it with the command you ran",
        )
        return EXIT_INTERNAL


def _report_error(run: _Run, message: str, tip: str | None) -> None:
    run.say(f"ERROR {' '.join(run.scrub(message).split())}")  # scrubbed before its line breaks are folded
    if tip:
        run.say(f"TIP {tip}")


def _start(run: _Run, args: argparse.Namespace) -> None:
    """Before the command: the adapter, the lines it prints first, the verbosity, logging, the checkout."""
    from gimlet_ci.adapters import adapter_by_name, detect_adapter  # noqa: PLC0415 - not on the `--version` path

    run.adapter = detect_adapter(run.env) if args.platform == "auto" else adapter_by_name(args.platform)
    for line in run.adapter.startup_lines(run.env, list(run.tokens)):
        print(line, file=run.stderr)
    run.verbosity = args.verbose - args.quiet
    if run.env.get("RUNNER_DEBUG") == "1":
        run.verbosity = max(run.verbosity, 1)
    if args.command != "context":  # `context` starts fast: it logs nothing but warnings
        from gimlet_ci._logging import configure_logging  # noqa: PLC0415

        configure_logging(log_format=args.log_format, verbosity=run.verbosity, stream=run.stderr, secrets=run.secrets)
    run.checkout = os.path.realpath(args.directory or ".")  # os.path: pathlib costs `context` start-up time


def _run_command(run: _Run, argv: list[str]) -> int:
    try:
        args = build_parser(_command_in(argv)).parse_args(argv)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    if args.command is None:
        build_parser().print_help(run.stderr)
        return 2
    run.output = getattr(args, "output", "text")
    _start(run, args)
    return COMMANDS[args.command][2](run, args)


def _write_platform_outputs(run: _Run, outcome: Outcome) -> int:
    """Append the adapter's outputs (``$GITHUB_OUTPUT``, ``$BASH_ENV``, ...) and print its log lines."""
    result = run.adapter.outputs(run.env, outcome)
    for line in result.log_lines:
        run.say(line)
    for path, text in result.files:
        try:
            with open(path, "a", encoding="utf-8") as f:  # noqa: PTH123 - pathlib stays off the fast path
                f.write(run.scrub(text))
        except OSError as e:
            run.say(f"WARNING could not write {path}: {e.strerror}")
    return 0


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
        print(f"gimlet-ci {__version__}", file=stdout or sys.stdout)
        return 0
    run = _Run(os.environ if env is None else env, stdout or sys.stdout, stderr or sys.stderr)
    code = _guarded(run, lambda: _run_command(run, args))
    outcome = run.outcome
    if outcome is not None:
        if run.output == "json" and outcome.status != "dry-run":
            run.out(_json(outcome.as_json()))
        _guarded(run, lambda: _write_platform_outputs(run, outcome))
    return code


def entrypoint() -> NoReturn:
    """The console script: ``gimlet-ci``."""
    raise SystemExit(main())
