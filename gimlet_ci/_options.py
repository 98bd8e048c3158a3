"""The command line's options: the parser that reports usage errors as our one-line error, and each command's
options, from the settings' declarations (`gimlet_ci._settings`) where a setting has one.

Only argparse is imported here: `--version` and `context` start fast; the settings are imported when options are
added.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line error with exit code 2.

    argparse asks ``shutil`` for the terminal's width on every ``add_argument``; only help text needs it, so it is
    asked for there, and start-up skips the import.
    """

    _columns = 78

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self.formatter_class not in (argparse.HelpFormatter, argparse.RawDescriptionHelpFormatter):
            return super()._get_formatter()
        return self.formatter_class(self.prog, width=self._columns)

    def format_help(self) -> str:
        import shutil  # noqa: PLC0415 - only help text needs the terminal's width

        self._columns = shutil.get_terminal_size().columns - 2
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        from gimlet_ci.exceptions import ConfigError  # noqa: PLC0415 - `--version` imports no more than it prints

        raise ConfigError(message, tip=f"see `{self.prog} --help`")


# -- the options -----------------------------------------------------------------------------------------------------


def _declared(p: argparse.ArgumentParser, *names: str, helps: Mapping[str, str] | None = None) -> None:
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


def output(p: argparse.ArgumentParser, help_: str | None = None) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text", help=help_)


def _server(p: argparse.ArgumentParser) -> None:
    _declared(p, "server", "timeout", "ca_bundle")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS (warned about on every run)")
    _declared(p, "push")
    output(p, "json: one result object on stdout")


def ship(p: argparse.ArgumentParser) -> None:
    _declared(
        p, "wait", "deploy", "env", "app", "dry_run", "manifests", "branch", "require_manifests", "fields", "vars"
    )
    _server(p)


def track(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact_id", nargs="?", metavar="ARTIFACT_ID")
    p.add_argument("--release", metavar="ID", help="track a release or rollback instead of an artifact")
    _declared(p, "wait", helps={"wait": "wait until Gimlet reaches a verdict"})
    _server(p)
    p.add_argument(
        "--raw",
        action="store_true",
        help="with --output json: print Gimlet's own tracking answer (as `gimlet artifact track -o json` does)",
    )


def deploy(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", required=True, metavar="ID", help="the shipped artifact's id")
    helps = {
        "env": "environment to release to",
        "app": "app to release (default: every app of the env)",
        "wait": "track the release to the end (the default)",
    }
    _declared(p, "env", "app", "wait", helps=helps)
    p.add_argument("--no-wait", action="store_true", help="queue the release and exit")
    _server(p)


def rollback(p: argparse.ArgumentParser) -> None:
    helps = {"env": "environment of the app (or GIMLET_ENV)", "app": "app to roll back (or GIMLET_APP)"}
    _declared(p, "env", "app", helps=helps)
    p.add_argument("--to", required=True, metavar="SHA", help="the gitops commit to roll back to")
    _declared(p, "wait", helps={"wait": "track the rollback to the end (the default)"})
    p.add_argument("--no-wait", action="store_true", help="queue the rollback and exit")
    _server(p)


def push(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file", metavar="FILE", help="the artifact body (what `ship --dry-run --output json` prints); - for stdin"
    )
    _declared(p, "wait", "deploy", "env", "app")
    _server(p)


def _reading(p: argparse.ArgumentParser) -> None:
    """The options of a command that only reads: the server's, and ``--output``."""
    _declared(p, "server", "timeout", "ca_bundle")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS (warned about on every run)")
    output(p, "json: Gimlet's objects, as its API and the Go CLI's -o json show them")


def _count(text: str) -> int:
    """A number of items: ASCII digits only (``int`` would also take ``٣`` and ``1_0``), 0 or more."""
    if not (text.isascii() and text.isdigit()):
        msg = f"{text!r} is not a whole number of 0 or more"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _count_or_all(text: str) -> int:
    """`_count`, or -1 for "all" (Gimlet's own word for no limit on releases)."""
    return -1 if text == "-1" else _count(text)


def artifacts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repository", "--repo", metavar="OWNER/NAME", help="only this repository's artifacts")
    p.add_argument("--branch", help="only artifacts of this branch")
    p.add_argument("--event", choices=("push", "tag", "pr"), help="only artifacts of this git event")
    p.add_argument(
        "--source-branch",
        metavar="BRANCH",
        help="only pull requests from this branch (Gimlet compares it with the artifact's branch)",
    )
    p.add_argument("--sha", help="only artifacts of this commit (the full sha)")
    p.add_argument("--since", metavar="TIME", help="stored at or after TIME: RFC 3339, or a duration ago (2h)")
    p.add_argument("--until", metavar="TIME", help="stored before TIME: RFC 3339, or a duration ago (2h)")
    p.add_argument("--limit", type=_count, default=10, metavar="N", help="at most N artifacts (default 10)")
    p.add_argument("--offset", type=_count, default=0, metavar="N", help="skip the N newest")
    _reading(p)


def releases(p: argparse.ArgumentParser) -> None:
    helps = {"env": "the environment (or GIMLET_ENV)", "app": "only this app's releases (or GIMLET_APP)"}
    _declared(p, "env", "app", helps=helps)
    p.add_argument("--repository", "--repo", metavar="OWNER/NAME", help="only releases of this source repository")
    p.add_argument("--since", metavar="TIME", help="from TIME: RFC 3339, or a duration ago (default: Gimlet's 30 days)")
    p.add_argument(
        "--limit", type=_count_or_all, default=10, metavar="N", help="at most N releases, -1 for all (default 10)"
    )
    p.add_argument("--reverse", action="store_true", help="oldest first")
    _reading(p)


def status(p: argparse.ArgumentParser) -> None:
    helps = {"env": "the environment (or GIMLET_ENV)", "app": "only this app (or GIMLET_APP)"}
    _declared(p, "env", "app", helps=helps)
    _reading(p)


def lint(p: argparse.ArgumentParser) -> None:
    _declared(p, "manifests")
    p.add_argument(
        "--output",
        choices=("text", "json", "codequality"),
        default="text",
        help="codequality: GitLab's Code Quality report (JSON) on stdout",
    )


def explain(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--artifact",
        metavar="FILE",
        help="read an artifact body (what `ship --dry-run --output json` prints; - for stdin) as Gimlet's server would",
    )
    _declared(p, "manifests")
    p.add_argument("--branch", help="evaluate for this branch")
    p.add_argument("--tag", help="evaluate for this tag")
    p.add_argument("--event", choices=("push", "pr", "tag"), help="evaluate for this event")
    p.add_argument("--message", help="evaluate for this commit message")
    output(p)


def dev_server(p: argparse.ArgumentParser) -> None:
    from gimlet_ci.devserver.arguments import add_arguments  # noqa: PLC0415 - the server's options, on demand

    add_arguments(p)


def step(p: argparse.ArgumentParser) -> None:
    del p  # every value comes from the settings: GIMLET_* and the platform's inputs


def demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast", action="store_true", help="short server delays")
