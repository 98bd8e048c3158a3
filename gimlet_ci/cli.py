"""The ``gimlet-ci`` command line: the edge of the program, the one module that touches the runtime.

It alone reads argv and ``os.environ``, writes to the streams, sets up logging, turns every error into one ``ERROR``
line and an exit code (`_guarded`, the one error boundary), prints the JSON result and writes the platform's output
files. What each command does is a function of ``gimlet_ci.commands`` that takes the environment, the adapter, the
checkout and the parsed options, never prints, and returns what it ended with; `COMMANDS` is the one table of the
commands, their options (built by `gimlet_ci._options`) and how their results are shown; `gimlet_ci._signals` turns
a CI's cancel into `Cancelled`.

Each command's module is imported when it runs, so ``--version`` and ``context`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from gimlet_ci import _options as options
from gimlet_ci._signals import Signals
from gimlet_ci._version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more start-up time than `--version` may take
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, NoReturn, TextIO

    from gimlet_ci._models import Note, Outcome
    from gimlet_ci.adapters import Adapter
    from gimlet_ci.exceptions import Cancelled

    Run = Callable[["_Run", argparse.Namespace], int]
    """A command's entry: call the command with what the command line says, show what it ended with; the exit code."""

EXIT_INTERNAL = 70
"""A bug in gimlet-ci (an exception we did not expect); the message asks for a report."""


# -- the commands ----------------------------------------------------------------------------------------------------


def _context(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands import context  # noqa: PLC0415 - each command's module when it runs

    ctx = context(run.env, run.adapter, run.checkout)
    for warning in ctx.warnings:  # `context` sets up no logging: it starts fast
        if run.log_format == "json":
            run.say_json(
                _json({"event": "gimlet_ci.context_warning", "level": "warning", "warning": warning}, run.secrets)
            )
        else:
            run.say(f"WARNING {warning}")
    data = ctx.as_json()
    if args.output == "json":
        run.out_json(_json(data, run.secrets))
    else:
        width = max(len(key) for key in data)
        for key, value in data.items():
            run.out(f"{key:<{width}}  {'-' if value is None else value}")
    return 0


def _ship(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.ship import DryRun, ship  # noqa: PLC0415

    result = ship(run.env, run.adapter, run.checkout, options=vars(args))
    if isinstance(result, DryRun):
        run.out_json(result.body.decode())
        result = result.outcome
    run.outcome = result
    return 0


def _track(run: _Run, args: argparse.Namespace) -> int:
    if args.raw:
        return _track_raw(run, args)
    from gimlet_ci.commands.tracking import track  # noqa: PLC0415

    run.outcome = track(run.env, run.adapter, options=vars(args), artifact_id=args.artifact_id, release_id=args.release)
    return 0


def _track_raw(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import track_raw  # noqa: PLC0415
    from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

    if args.output != "json":
        raise ConfigError("--raw prints Gimlet's JSON answer", tip="pass --output json --raw")
    result = track_raw(run.env, run.adapter, options=vars(args), artifact_id=args.artifact_id, release_id=args.release)
    run.out_json(result.body.decode("utf-8", errors="replace").rstrip("\n"))
    run.output = "raw"  # Gimlet's answer stands instead of the result object
    run.outcome = result.outcome
    if result.error is not None:
        raise result.error
    return 0


def _push(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.ship import push, read_artifact_file  # noqa: PLC0415

    body = read_artifact_file(args.file, read_stdin=_read_stdin)
    run.outcome = push(run.env, run.adapter, options=vars(args), body=body)
    return 0


def _artifacts(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.listing import artifacts, format_artifacts  # noqa: PLC0415

    return _listed(
        run, args, artifacts(run.env, run.adapter, options=vars(args)), format_artifacts, "No artifacts match"
    )


def _releases(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.listing import format_releases, releases  # noqa: PLC0415

    return _listed(run, args, releases(run.env, run.adapter, options=vars(args)), format_releases, "No releases match")


def _listed(
    run: _Run, args: argparse.Namespace, found: Sequence[Any], format_text: Callable[[Any], str], nothing: str
) -> int:
    """Show a listing: Gimlet's objects with ``--output json``, else the table, or *nothing* on stderr when empty."""
    from gimlet_ci.commands.listing import as_json  # noqa: PLC0415

    if args.output == "json":
        run.out_json(_json([as_json(item) for item in found], run.secrets))
    elif found:
        run.out(format_text(found))
    else:
        run.say(nothing)
    return 0


def _status(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.listing import as_json, format_status, status  # noqa: PLC0415

    found = status(run.env, run.adapter, options=vars(args))
    if args.output == "json":
        run.out_json(_json({app: None if r is None else as_json(r) for app, r in sorted(found.items())}, run.secrets))
    elif found:
        run.out(format_status(found))
    else:
        run.say("No apps deployed in this environment")
    return 0


def _deploy(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import deploy  # noqa: PLC0415

    run.outcome = deploy(run.env, run.adapter, options=vars(args), artifact_id=args.artifact, wait=not args.no_wait)
    return 0


def _rollback(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.tracking import rollback  # noqa: PLC0415

    run.outcome = rollback(run.env, run.adapter, options=vars(args), sha=args.to, wait=not args.no_wait)
    return 0


def _lint(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.manifests import lint  # noqa: PLC0415
    from gimlet_ci.manifests.lint import as_codequality, as_json, exit_code, format_text  # noqa: PLC0415

    problems = lint(run.env, run.checkout, manifests=args.manifests, adapter=run.adapter)
    from gimlet_ci._models import Note  # noqa: PLC0415

    notes = [Note(file=p.file, line=p.line, key=p.key, severity=p.severity, message=p.message) for p in problems]
    _annotate(run, notes)
    if args.output == "json":
        run.out_json(_json(as_json(problems), run.secrets))
    elif args.output == "codequality":
        run.out_json(_json(as_codequality(problems), run.secrets))
    elif problems:
        run.out(format_text(problems))
    else:
        run.say("No problems found")
    return exit_code(problems)


def _explain(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.commands.manifests import explain  # noqa: PLC0415
    from gimlet_ci.manifests.explain import format_text  # noqa: PLC0415

    result = explain(run.env, run.adapter, run.checkout, options=vars(args), read_stdin=_read_stdin)
    if args.output == "json":
        run.out_json(_json(result, run.secrets))
    else:
        run.out(format_text(result))
    return 1 if result["rejected"] else 0


def _annotate(run: _Run, notes: Sequence[Note]) -> None:
    """Print the adapter's annotations of manifest problems (GitHub's ``::error file=…,line=…::``)."""
    if notes and hasattr(run, "adapter"):
        for line in run.adapter.annotate(run.env, notes):
            run.print_command(line)  # our own workflow command; its values are escaped by the adapter


_STEP_IDS = {
    "deploy": (("artifact_id", "--artifact"),),
    "rollback": (("rollback_to", "--to"),),
}
"""The settings a pipeline step turns into a command's required options."""


def _step(run: _Run, args: argparse.Namespace) -> int:
    """A packaging's entry: run the command the ``command`` setting names (default ``ship``), with the ids it needs
    from their settings (``artifact_id``, ``release_id``, ``rollback_to``) and every other value from the
    platform's inputs as usual (the command reads them itself, and warns about what looks wrong)."""
    from gimlet_ci._settings import BY_NAME, load_settings, spoken  # noqa: PLC0415
    from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415

    del args
    settings = load_settings(options={}, env=run.env, inputs=run.adapter.inputs(run.env))
    command, platform = settings.command, run.adapter.NAME
    argv = [command]
    for name, option in _STEP_IDS.get(command, ()):
        value = getattr(settings, name)
        if not value:
            msg = f"the {command} command needs {spoken(name, platform)}, which is empty"
            raise ConfigError(msg, tip=f"pass the ship step's output there, or set {BY_NAME[name].variable}")
        argv += [option, value]
    if command == "track":
        if settings.release_id:
            argv += ["--release", settings.release_id]
        elif settings.artifact_id:
            argv.append(settings.artifact_id)
        else:
            names = f"{spoken('artifact_id', platform)} or {spoken('release_id', platform)}"
            msg = f"the track command needs {names}, and both are empty"
            raise ConfigError(msg, tip="pass the ship step's artifact-id or release-id output")
    parsed = build_parser(command).parse_args(argv)
    run.output = getattr(parsed, "output", "text")
    run.command = command
    return COMMANDS[command][2](run, parsed)


def _read_stdin() -> bytes:
    from gimlet_ci._files import ARTIFACT_FILE_LIMIT  # noqa: PLC0415

    return sys.stdin.buffer.read(ARTIFACT_FILE_LIMIT + 1)  # one byte more than allowed: too large is an error


def _dev_server(run: _Run, args: argparse.Namespace) -> int:
    from gimlet_ci.devserver.command import run as serve  # noqa: PLC0415

    return serve(args, out=run.stderr)


def _demo(run: _Run, args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415 - pathlib costs `context` start-up time

    from gimlet_ci._demo import run_demo  # noqa: PLC0415

    return run_demo(checkout=Path(run.checkout), env=run.env, out=run.stderr, fast=args.fast)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Run]] = {
    "context": ("print the normalised CI context of this run", options.output, _context),
    "ship": ("build the artifact, post it, and wait/deploy by the mode", options.ship, _ship),
    "push": ("post an artifact file (a dry run's body), then wait/deploy as ship does", options.push, _push),
    "track": ("read (or --wait for) the status of an artifact or a release", options.track, _track),
    "deploy": ("on-demand release of a shipped artifact, tracked to the end", options.deploy, _deploy),
    "rollback": (
        "roll an app back to an earlier gitops commit, tracked to the end",
        options.rollback,
        _rollback,
    ),
    "artifacts": (
        "list the shipped artifacts, newest first, with Gimlet's filters",
        options.artifacts,
        _artifacts,
    ),
    "releases": (
        "list the releases (gitops commits) of an environment, newest first",
        options.releases,
        _releases,
    ),
    "status": ("show what each app of an environment runs now", options.status, _status),
    "lint": ("check the .gimlet/ manifests; FILE:LINE: KEY: message per problem", options.lint, _lint),
    "explain": ("which manifests' deploy policies fire for this context, and why", options.explain, _explain),
    "dev-server": ("run a local Gimlet-compatible server on loopback", options.dev_server, _dev_server),
    "demo": (
        "ship this checkout to an embedded local server, wait, deploy, show the result",
        options.demo,
        _demo,
    ),
    "step": (
        "run the command a pipeline step names (the command setting: ship, deploy, track, rollback, lint, explain)",
        options.step,
        _step,
    ),
}
"""Each command: its one-line help, its options, and its entry."""

EXAMPLES: dict[str, tuple[str, ...]] = {
    "context": ("gimlet-ci context --output json",),
    "ship": ("gimlet-ci ship --wait", "gimlet-ci ship --deploy --env staging --app shop"),
    "push": ("gimlet-ci ship --dry-run --output json > artifact.json", "gimlet-ci push artifact.json --wait"),
    "track": ("gimlet-ci track acme/shop-1b2c... --wait", "gimlet-ci track --release 4f1d... --output json --raw"),
    "deploy": ("gimlet-ci deploy --artifact acme/shop-1b2c... --env production --app shop",),
    "rollback": ("gimlet-ci rollback --env production --app shop --to 9e8d7c6b...",),
    "artifacts": ("gimlet-ci artifacts --repo acme/shop --branch main --since 24h",),
    "releases": ("gimlet-ci releases --env production --app shop --limit 5",),
    "status": ("gimlet-ci status --env production",),
    "lint": ("gimlet-ci lint --manifests .gimlet", "gimlet-ci lint --output codequality > gl-code-quality-report.json"),
    "explain": ("gimlet-ci explain --branch main --event push",),
    "dev-server": ("gimlet-ci dev-server --port 9000",),
    "demo": ("gimlet-ci demo --fast",),
    "step": ("GIMLET_COMMAND=deploy GIMLET_ARTIFACT_ID=acme/shop-1b2c... GIMLET_ENV=production gimlet-ci step",),
}
"""Each command's examples, shown at the end of its ``--help``."""

_EPILOG = """\
environment:
  GIMLET_SERVER   Gimlet's address, e.g. https://gimlet.example.com (or --server)
  GIMLET_TOKEN    its API token, from your Gimlet's /settings page; never printed
  GIMLET_*        every other setting too (GIMLET_ENV, GIMLET_WAIT, GIMLET_TIMEOUT, ...): options win
                  over variables, which win over the CI platform's own inputs; all of them in
                  docs/reference/settings.md (https://github.com/gimlet-ci/gimlet-ci)

exit codes:
  0    done (shipped; when waiting, every deploy reconciled)
  1    Gimlet reported a failure (or lint found an error)
  2    usage or configuration error, found before anything was sent
  3    the deadline (--timeout, GIMLET_TIMEOUT) passed while waiting
  4    the server could not be reached or answered with an error, after retries
  70   a bug in gimlet-ci: please report it
  130  interrupted (SIGINT, Ctrl-C); 143 terminated (SIGTERM); 129 hung up (SIGHUP)

examples:
  gimlet-ci ship --wait
  gimlet-ci deploy --artifact ID --env staging
  gimlet-ci COMMAND --help
"""

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
    parser = options.Parser(
        prog="gimlet-ci",
        description="Ship Gimlet artifacts from any CI, wait for their deploys, or release on demand.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--platform",
        default="auto",
        help="CI platform adapter: auto (detect), github, circleci, woodpecker, ...",
    )
    parser.add_argument("--log-format", choices=("console", "json"), default="console", help="stderr log format")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more detail: -v each line's details, -vv debug lines too"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="less detail: -q warnings and errors, -qq errors"
    )
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR (the checkout)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=options.Parser)
    for name, (text, add_options, _) in COMMANDS.items():
        examples = "\n".join(f"  {line}" for line in EXAMPLES.get(name, ()))
        p = sub.add_parser(
            name,
            help=text,
            description=f"{text[:1].upper()}{text[1:]}.",
            epilog=f"example:\n{examples}" if examples else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
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
        from gimlet_ci._defuse import color_enabled  # noqa: PLC0415 - as `token_values` above

        self.color = color_enabled(env)
        """Whether colour (ANSI SGR) in printed text is kept: ``FORCE_COLOR``; other escapes never are."""
        self.command: str | None = None
        self.log_format = "console"
        self.outcome_printed = True
        """Whether ``--output json`` prints the outcome (not for an error before anything was sent)."""
        self.signals = Signals()
        """Cancellation by SIGINT, SIGTERM or SIGHUP while the command runs."""

    def scrub(self, text: str) -> str:
        from gimlet_ci._secrets import scrub  # noqa: PLC0415 - imported by `__init__` already

        return scrub(text, self.secrets)

    def say(self, line: str) -> None:
        """Print *line* (and any line it holds) to stderr, scrubbed, then defused: no CI reads a command in it."""
        from gimlet_ci._defuse import defuse_lines  # noqa: PLC0415 - imported by `__init__` already

        print(defuse_lines(self.scrub(line), color=self.color), file=self.stderr)

    def print_command(self, line: str) -> None:
        """Print one of our own CI commands (``::error …``), scrubbed; the adapter escaped what it holds."""
        print(self.scrub(line), file=self.stderr)

    def out(self, text: str) -> None:
        """Print *text* to stdout, scrubbed, then defused line by line."""
        from gimlet_ci._defuse import defuse_lines  # noqa: PLC0415 - imported by `__init__` already

        print(defuse_lines(self.scrub(text), color=self.color), file=self.stdout)

    def say_json(self, text: str) -> None:
        """Print one JSON log line to stderr, scrubbed, with command markers escaped (the same data)."""
        from gimlet_ci._defuse import defuse_json  # noqa: PLC0415 - imported by `__init__` already

        print(defuse_json(self.scrub(text)), file=self.stderr)

    def out_json(self, text: str) -> None:
        """Print JSON text to stdout, scrubbed, with command markers escaped so that it decodes to the same data."""
        from gimlet_ci._defuse import defuse_json  # noqa: PLC0415 - imported by `__init__` already

        print(defuse_json(self.scrub(text)), file=self.stdout)


def _json(value: object, secrets: Sequence[str] = ()) -> str:
    """*value* as JSON, its strings scrubbed of *secrets* before they are escaped."""
    import json  # noqa: PLC0415 - json costs `context` start-up time; only --output json needs it

    from gimlet_ci._secrets import scrub_value  # noqa: PLC0415 - imported by `_Run` already

    return json.dumps(scrub_value(value, secrets))


def _guarded(run: _Run, call: Callable[[], int]) -> int:
    """The one error boundary: run *call*; turn every exception into one ERROR line (and a TIP) and its exit code."""
    from gimlet_ci.exceptions import Cancelled, GimletCIError  # noqa: PLC0415 - as `ConfigError` above

    try:
        return call()
    except GimletCIError as e:
        run.signals.disarm()  # the run is ending: a signal now waits for the error line and the outputs
        if e.outcome is not None:
            run.outcome = e.outcome
        elif run.outcome is None and run.command in _OUTCOME_COMMANDS:
            # Nothing was sent (a configuration error, mostly): the platform still hears of the failure (GitHub's
            # annotation, `status=error`, step summary), while stdout stays free of a result nobody asked for.
            from gimlet_ci._models import Outcome  # noqa: PLC0415 - only for a failed run

            tip = e.tip
            if tip and getattr(run, "adapter", None) is not None:  # as the TIP line says it (`_report_error`)
                from gimlet_ci._settings import in_platform_words  # noqa: PLC0415 - only for a failed run

                tip = in_platform_words(tip, run.adapter.NAME)
            message = f"{e.message} (TIP {tip})" if tip else e.message
            run.outcome = Outcome(status="error", message=run.scrub(message))
            run.outcome_printed = False
        _annotate(run, getattr(e, "notes", ()))
        _report_error(run, e.message, e.tip, details=getattr(e, "details", ()))
        return e.exit_code
    except Cancelled as e:
        return _cancelled(run, e)
    except KeyboardInterrupt:
        run.say("ERROR interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns a bug into one line
        run.signals.disarm()
        if run.verbosity > 0:
            import traceback  # noqa: PLC0415 - only a bug needs it

            run.say(traceback.format_exc().rstrip())  # scrubbed, as every line
        _report_error(
            run,
            f"internal error: {type(e).__name__}: {e}",
            "this is a bug in gimlet-ci; please report it with the command you ran",
        )
        return EXIT_INTERNAL


_OUTCOME_COMMANDS = frozenset({"ship", "track", "deploy", "rollback", "push", "step"})
"""The commands whose result is an outcome: a cancelled one still writes its JSON result and platform outputs."""


def _cancelled(run: _Run, e: Cancelled) -> int:
    """A signal ended the run: the outcome so far (ids included) is reported as ``cancelled``, with the command that
    resumes, and the exit code is the shell's for that signal (130, 143, 129)."""
    message = f"cancelled by {e.signal_name}"
    if e.outcome is not None:
        run.outcome = e.outcome
        if e.resume:
            import attrs  # noqa: PLC0415 - only for a cancelled run

            run.outcome = attrs.evolve(e.outcome, message=f"{message}; resume with: {e.resume}")
    elif run.outcome is not None:  # the command had ended: what it knew is kept
        import attrs  # noqa: PLC0415 - only for a cancelled run

        run.outcome = attrs.evolve(run.outcome, status="cancelled", message=message)
    elif run.command in _OUTCOME_COMMANDS:
        from gimlet_ci._models import Outcome  # noqa: PLC0415 - only for a cancelled run

        run.outcome = Outcome(status="cancelled", message=message)
    _report_error(run, message, None, resume=e.resume)
    return e.exit_code


def _report_error(
    run: _Run, message: str, tip: str | None, *, details: Sequence[str] = (), resume: str | None = None
) -> None:
    """The ERROR line (after its *details*), the TIP in the words of the user's platform, and the *resume* line of a
    cancelled run; one JSON object instead with ``--log-format json``."""
    text = " ".join(run.scrub(message).split())  # scrubbed before its line breaks are folded
    if tip and getattr(run, "adapter", None) is not None:
        from gimlet_ci._settings import in_platform_words  # noqa: PLC0415 - only for an error

        tip = in_platform_words(tip, run.adapter.NAME)
    if run.log_format == "json":
        import datetime as dt  # noqa: PLC0415 - only for an error in JSON

        now = dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")  # as structlog's TimeStamper
        event: dict[str, object] = {"event": "gimlet_ci.error", "level": "error", "message": text, "tip": tip}
        event["timestamp"] = now
        if details:
            event["details"] = list(details)
        if resume:
            event["resume"] = resume
        run.say_json(_json(event, run.secrets))
        return
    for detail in details:
        run.say(detail)
    run.say(f"ERROR {text}")
    if tip:
        run.say(f"TIP {tip}")
    if resume:
        run.say(f"resume with: {resume}")


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

        configure_logging(
            log_format=args.log_format,
            verbosity=run.verbosity,
            stream=run.stderr,
            secrets=run.secrets,
            color=run.color,
        )
    if args.directory is not None and not os.path.isdir(args.directory):  # noqa: PTH112 - no pathlib at start-up
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415 - only when there is something to say

        msg = f"-C {args.directory!r}: no such folder"
        raise ConfigError(msg, tip="pass the folder of the checkout, or leave -C out to use the current folder")
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
    run.log_format = args.log_format
    run.command = args.command
    if args.command != "dev-server":  # the dev server stops on Ctrl-C as a server does
        run.signals.arm()
    _start(run, args)
    return COMMANDS[args.command][2](run, args)


def _write_platform_outputs(run: _Run, outcome: Outcome) -> int:
    """Append the adapter's outputs (``$GITHUB_OUTPUT``, ``$BASH_ENV``, ...) and print its log lines.

    The outcome is scrubbed before the adapter escapes it (Markdown, HTML, shell, heredoc), and each file's text
    again after; an output path that is not a regular file (a FIFO, a device) is skipped with a warning, so that
    nothing can block the exit.
    """
    from gimlet_ci._files import append_regular  # noqa: PLC0415 - only when there are outputs

    result = run.adapter.outputs(run.env, outcome.scrubbed(run.scrub))
    for line in result.log_lines:
        run.print_command(line)
    for path, text in result.files:
        problem = append_regular(path, run.scrub(text))
        if problem is not None:
            run.say(f"WARNING could not write {path}: {problem}; skipped")
    return 0


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one ``gimlet-ci`` command and return its exit code; never raises, never prints a traceback."""
    started = time.monotonic()  # the command's one deadline counts from here (gimlet_ci._retry.RUN_STARTED)
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # the fast path: no argparse, no logging set-up
        print(f"gimlet-ci {__version__}", file=stdout or sys.stdout)
        return 0
    from gimlet_ci._retry import RUN_STARTED  # noqa: PLC0415 - not on the `--version` path

    run = _Run(os.environ if env is None else env, stdout or sys.stdout, stderr or sys.stderr)
    token = RUN_STARTED.set(started)
    from gimlet_ci.exceptions import Cancelled  # noqa: PLC0415 - as `_guarded`

    try:
        try:
            code = _guarded(run, lambda: _run_command(run, args))
        except Cancelled as e:  # a signal just as the command returned, before the disarm below
            code = _cancelled(run, e)
        run.signals.disarm()  # from here on a signal waits for the outputs
        outcome = run.outcome
        if outcome is not None:
            if run.output == "json" and outcome.status != "dry-run" and run.outcome_printed:
                run.out_json(_json(outcome.as_json(), run.secrets))
            _guarded(run, lambda: _write_platform_outputs(run, outcome))
    finally:
        run.signals.restore()
        RUN_STARTED.reset(token)
    return code


def entrypoint() -> NoReturn:
    """The console script: ``gimlet-ci``."""
    raise SystemExit(main())
