"""The dev server's fault knobs: each is declared here once, as a field of `Faults` with its docstring.

The field is the knob everywhere: a keyword argument of ``GimletServer(...)`` (typed, through
`gimlet_ci.devserver.server.ServerOptions`), an option of ``gimlet-ci dev-server`` (`gimlet_ci.devserver.arguments`
builds it from the field's type, default, docstring and metadata), and a row of the generated reference page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["GITOPS_FAILURES", "Faults"]

GITOPS_FAILURES: Mapping[str, str] = {
    "ReconciliationFailed": "kustomize build failed: accumulating resources: missing Resource metadata",
    "ValidationFailed": "dry-run failed: Deployment.apps is invalid:"
    " spec.template.spec.containers[0].image: Required value",
    "HealthCheckFailed": "Health check failed after 5m0s: timeout waiting for:"
    " [Deployment/default/app status: 'InProgress']",
}
"""Terminal Flux statuses the ``gitops_failure`` knob accepts, with the description each gets."""


def _knob(
    default: Any, *, metavar: str | None = None, choices: Mapping[str, str] | None = None, signed: bool = False
) -> Any:
    """A knob whose option needs more than its type says: the option's value name, its allowed values, or (a float
    knob) that it may be negative."""
    return attrs.field(default=default, metadata={"metavar": metavar, "choices": choices, "signed": signed})


@attrs.define(kw_only=True)
class Faults:
    """Fault knobs; change them at any time, the server reads them on every request.

    A knob whose name starts with ``ws_`` is one of the push channel's.
    """

    fail_first: int = 0
    """Answer this many (matching) requests with 500 ``Internal Server Error``; counts down."""
    fail_path: str | None = _knob(None, metavar="PATH")
    """Only requests to this path count for ``fail_first`` (default: every ``/api/`` request)."""
    fail_status: int = _knob(500, metavar="CODE")
    """The status ``fail_first`` answers with: 500 (Gimlet's own, before storing), 502 or 504 (a proxy's, without
    storing), 503 or 429."""
    retry_after: str | None = _knob(None, metavar="VALUE")
    """The ``Retry-After`` header of ``fail_first``'s 429 and 503 answers: seconds (``2``) or an HTTP date."""
    drop_after_store: int = 0
    """Store this many ``POST /api/artifact`` bodies, then close the connection unanswered."""
    after_store_status: int | None = _knob(None, metavar="CODE")
    """With ``drop_after_store``: answer this status (502, 504: a proxy that gave up) instead of dropping the
    connection."""
    busy_commit: int = 0
    """After storing an artifact, store this many other artifacts of the same commit (another job's: no
    ``context``), so that ours is not on the first page of the commit's listing."""
    clock_skew: float = _knob(0.0, metavar="SECONDS", signed=True)
    """Seconds added to the clock the server stamps artifacts' ``created`` with (negative: a clock behind ours)."""
    drip: float = 0.0
    """Send the body of every ``/api/`` answer one byte every this many seconds."""
    drip_headers: bool = False
    """With ``drip``: drip the status line and headers too."""
    drip_path: str | None = _knob(None, metavar="PATH")
    """With ``drip``: only answers to this path drip (default: every ``/api/`` answer)."""
    echo_headers: bool = False
    """Answer every ``/api/`` request with 502 and a body that echoes the request's headers, ``Authorization``
    first, as a proxy's debug page would."""
    huge_body: int = 0
    """``GET`` answers of ``/api/`` pad their JSON with this many bytes of white space (streamed, never in memory)."""
    gzip_bomb: int = 0
    """``GET`` answers of ``/api/`` come gzip-encoded (whatever the request accepts), padded with white space to
    this many bytes once decompressed."""
    latency: float = 0.0
    """Seconds to wait before every response."""
    force_status: int | None = _knob(None, metavar="CODE")
    """Answer every ``/api/`` request with this status (401, 403, 500...), ``http.Error`` style."""
    truncated_body: bool = False
    """Track endpoints announce the whole body, send half of it, then close the connection."""
    non_json_body: bool = False
    """Track endpoints answer 200 with an HTML page instead of JSON."""
    processing_error: str | None = None
    """Artifact and release events end in ``error`` with this ``statusDesc``."""
    fail_results: bool = False
    """Deploy results get status ``failure`` (a failed git push) instead of a gitops commit."""
    gitops_failure: str | None = _knob(None, choices=GITOPS_FAILURES)
    """The terminal gitops status of every deploy instead of ``ReconciliationSucceeded``."""
    health_check_recovers: bool = False
    """Gitops commits go ``HealthCheckFailed`` first, then ``ReconciliationSucceeded`` one reconcile
    later."""
    image_build_error: bool = False
    """Image builds end with status ``error``, ``image build failed``."""
    no_track_endpoints: bool = False
    """Behave like a pre-v0.18 server: the track endpoints answer ``404 page not found``."""
    release_without_type: bool = False
    """``POST /api/releases`` answers ``{"id"}`` only, as servers before September 2023 did."""
    no_commit_events: bool = False
    """Behave like a server before v0.26: ``GET /api/repo/{owner}/{name}/commits/{sha}/events`` answers 404."""
    ws_disabled: bool = False
    """No push channel: ``GET /ws/`` answers ``404 page not found``, as an old Gimlet or a blocking proxy would."""
    ws_drop_after: int = 0
    """Drop every push-channel socket (no close frame) once it has been sent this many messages."""
    ws_delay: float = 0.0
    """Seconds between a broadcast and its delivery on the push channel."""
    ws_ignore_pings: bool = False
    """Never answer a client's ping, so its ping deadline passes."""
    ws_ping_period: float = 36.0
    """Seconds between the server's pings (Gimlet: 36 s)."""
    ws_pong_wait: float = 60.0
    """Seconds a client has to answer with a pong before the server drops it (Gimlet: 60 s)."""
