"""The ``dev-server`` command's options, apart from the server so that building the CLI parser stays cheap."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Mapping

from gimlet_ci._parse import parse_duration
from gimlet_ci.exceptions import ConfigError

__all__ = ["GITOPS_FAILURES", "add_arguments"]

GITOPS_FAILURES: Mapping[str, str] = {
    "ReconciliationFailed": "kustomize build failed: accumulating resources: missing Resource metadata",
    "ValidationFailed": "dry-run failed: Deployment.apps is invalid:"
    " spec.template.spec.containers[0].image: Required value",
    "HealthCheckFailed": "Health check failed after 5m0s: timeout waiting for:"
    " [Deployment/default/app status: 'InProgress']",
}


_GO_DURATION = re.compile(r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_MAX_PORT = 65535


def _delay(option: str) -> Callable[[str], float]:
    """A parser for *option*: zero or more seconds (``1.5``) or a Go duration (``500ms``, ``0s``)."""

    def parse(value: str) -> float:
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            if _GO_DURATION.fullmatch(text) is None:
                seconds = math.nan
            else:
                try:
                    seconds = parse_duration(text, name=option)
                except ConfigError:  # a well-formed duration that is not positive: zero
                    seconds = 0.0
        if not math.isfinite(seconds) or seconds < 0:
            msg = f"{option} {value!r} is not a delay"
            raise ConfigError(msg, tip=f"give {option} seconds (1.5) or a Go duration (500ms, 2s); 0 means none")
        return seconds

    return parse


def _port(value: str) -> int:
    """``--port``: 0-65535, where 0 picks a free port."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) > _MAX_PORT:
        msg = f"--port {value!r} is not a port number"
        raise ConfigError(msg, tip="use --port 1-65535, or 0 to pick a free one")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``dev-server`` options to *parser*."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=9000, help="port (default 9000, Gimlet's; 0 picks a free one)")
    parser.add_argument("--token", default=None, help="the API token to accept (default: a random one, printed)")
    parser.add_argument(
        "--processing-delay", type=_delay("--processing-delay"), default=1.0, metavar="SECONDS",
        help="how long events stay 'new' (seconds or Go duration; default 1s)",
    )  # fmt: skip
    parser.add_argument(
        "--reconcile-delay", type=_delay("--reconcile-delay"), default=2.0, metavar="SECONDS",
        help="how long a gitops commit takes to reconcile (default 2s)",
    )  # fmt: skip
    parser.add_argument(
        "--environments", default="staging,production",
        help="comma-separated environments the server knows (default staging,production)",
    )  # fmt: skip
    faults = parser.add_argument_group("fault knobs")
    faults.add_argument("--fail-first", type=int, default=0, metavar="N", help="answer N requests with 500")
    faults.add_argument("--fail-path", default=None, help="only count requests to this path for --fail-first")
    faults.add_argument(
        "--drop-after-store", type=int, default=0, metavar="N",
        help="store N artifacts, then close the connection without answering",
    )  # fmt: skip
    faults.add_argument(
        "--latency", type=_delay("--latency"), default=0.0, help="seconds to wait before every response"
    )
    faults.add_argument(
        "--force-status",
        type=int,
        default=None,
        metavar="CODE",
        help="answer every /api request so",
    )
    faults.add_argument("--truncated-body", action="store_true", help="cut track responses in half")
    faults.add_argument("--non-json-body", action="store_true", help="answer track requests with HTML")
    faults.add_argument("--processing-error", default=None, metavar="TEXT", help="events end in error with TEXT")
    faults.add_argument("--fail-results", action="store_true", help="deploy results fail (git push failed)")
    faults.add_argument(
        "--gitops-failure", choices=sorted(GITOPS_FAILURES), default=None,
        help="terminal gitops status instead of ReconciliationSucceeded",
    )  # fmt: skip
    faults.add_argument(
        "--health-check-recovers", action="store_true",
        help="HealthCheckFailed first, then ReconciliationSucceeded",
    )  # fmt: skip
    faults.add_argument("--image-build-error", action="store_true", help="image builds end in error")
    faults.add_argument("--no-track-endpoints", action="store_true", help="behave like a pre-v0.18 server")
    faults.add_argument("--release-without-type", action="store_true", help="release make answers {id} only")
    faults.add_argument(
        "--no-commit-events", action="store_true", help="no commits/{sha}/events route (a Gimlet before v0.26)"
    )
    push = parser.add_argument_group("push channel (/ws/) knobs")
    push.add_argument("--ws-disabled", action="store_true", help="answer /ws/ with 404, as an old Gimlet")
    push.add_argument(
        "--ws-drop-after", type=int, default=0, metavar="N", help="drop each socket after N messages (0: never)"
    )
    push.add_argument(
        "--ws-delay", type=_delay("--ws-delay"), default=0.0, metavar="SECONDS", help="hold each message back"
    )
    push.add_argument("--ws-ignore-pings", action="store_true", help="never answer a client's ping")
    push.add_argument(
        "--ws-ping-period", type=_delay("--ws-ping-period"), default=36.0, metavar="SECONDS",
        help="seconds between the server's pings (default 36, Gimlet's)",
    )  # fmt: skip
    push.add_argument(
        "--ws-pong-wait", type=_delay("--ws-pong-wait"), default=60.0, metavar="SECONDS",
        help="drop a socket whose pong is this late (default 60, Gimlet's)",
    )  # fmt: skip
