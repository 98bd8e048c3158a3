"""The dev server: the state, its HTTP endpoints and its push channel, served on a loopback address.

`DevServer` takes the fields of `ServerOptions` as keyword arguments: the server's own settings and, inherited from
`Faults`, every fault knob, so that each is declared once and type checkers see them all. Its public face,
``gimlet_ci.testing.GimletServer``, is a subclass that declares nothing again.
"""

from __future__ import annotations

import inspect
import ipaddress
import json
import math
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import attrs

from gimlet_ci.devserver import api
from gimlet_ci.devserver.faults import GITOPS_FAILURES, Faults
from gimlet_ci.devserver.http import Server, server_for
from gimlet_ci.devserver.state import State
from gimlet_ci.devserver.ws import Push
from gimlet_ci.exceptions import ConfigError

if TYPE_CHECKING:
    import http.server

    from typing_extensions import Self

    from gimlet_ci.devserver.wire import Request, Response

__all__ = ["DevServer", "ServerOptions"]

_P = ParamSpec("_P")
_S = TypeVar("_S")


@attrs.define(kw_only=True)
class ServerOptions(Faults):
    """Everything ``DevServer(...)`` takes, as keyword arguments: every fault knob (inherited) and these settings."""

    token: str = "test-token"  # noqa: S105 - a test double's default
    """The API token the server accepts."""
    processing_delay: float = 0.05
    """Seconds an event stays ``new``."""
    reconcile_delay: float = 0.1
    """Seconds a gitops commit takes to reconcile."""
    environments: Sequence[str] = ("staging", "production")
    """The environments the server knows; a deploy to another fails as on Gimlet."""
    host: str = "127.0.0.1"
    """The loopback address to bind."""
    port: int = 0
    """The port to bind; 0 picks a free one."""

    def check(self) -> None:
        """Refuse what the server could not serve: a public address, an unknown gitops status, a delay that is not
        a finite number of seconds >= 0."""
        _require_loopback(self.host)
        if self.gitops_failure not in (None, *GITOPS_FAILURES):
            choices = ", ".join(GITOPS_FAILURES)
            msg = f"gitops_failure={self.gitops_failure!r}; use one of {choices}"
            raise ValueError(msg)
        if not math.isfinite(self.clock_skew):
            msg = f"clock_skew={self.clock_skew!r}; use a finite number of seconds"
            raise ValueError(msg)
        for name in ("processing_delay", "reconcile_delay", "latency", "drip"):
            delay = getattr(self, name)
            if not (math.isfinite(delay) and delay >= 0):
                msg = f"{name}={delay!r}; use a finite number of seconds, 0 or more"
                raise ValueError(msg)


def _keywords_of(
    options: Callable[_P, object],
) -> Callable[[Callable[Concatenate[_S, ...], None]], Callable[Concatenate[_S, _P], None]]:
    """Give an ``__init__(self, **options)`` the keyword arguments of *options*, for type checkers and `inspect`."""

    def give(init: Callable[Concatenate[_S, ...], None]) -> Callable[Concatenate[_S, _P], None]:
        parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
        parameters += inspect.signature(options).parameters.values()
        init.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        return init

    return give


class DevServer:
    """The Gimlet-compatible server: start it, point a client at `url` with `token`, stop it."""

    @_keywords_of(ServerOptions)
    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(attrs.fields_dict(ServerOptions)))
        if unknown:
            known = ", ".join(attrs.fields_dict(Faults))
            msg = f"unknown fault knob(s) {', '.join(unknown)}; known knobs: {known}"
            raise TypeError(msg)
        settings = ServerOptions(**options)
        settings.check()
        self.token = settings.token
        self.processing_delay = settings.processing_delay
        self.reconcile_delay = settings.reconcile_delay
        self.environments = tuple(settings.environments)
        self.host = settings.host
        self.port = settings.port
        self.faults = Faults(**{name: getattr(settings, name) for name in attrs.fields_dict(Faults)})
        """The fault knobs; change them at any time, the server reads them on every request."""
        self._state = State(self)
        self.push = Push(self._state)
        """The push channel (``/ws/``) and the clock that broadcasts each state change at its moment."""
        self._state.observer = self.push
        self._httpd: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (the real port once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        """Bind and serve in a background thread; return self."""
        if self._httpd is not None:
            return self
        httpd = server_for(self.host, self.port, self)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="gimlet-dev-server", daemon=True)
        self._thread.start()
        self.push.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.push.stop()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self._state
        return f"<{type(self).__name__} url={self.url!r} artifacts={len(state.stored)} events={len(state.events)}>"

    # -- inspection -------------------------------------------------------------------------------------------------

    def timeline(self) -> list[tuple[float, dict[str, Any]]]:
        """Every push-channel message broadcast so far, oldest first, with the ``time.monotonic()`` it left."""
        with self._state.lock:
            return [(at, json.loads(message)) for at, message in self.push.hub.timeline]

    def artifacts(self) -> list[dict[str, Any]]:
        """The stored artifacts, oldest first, as their echoed JSON objects."""
        with self._state.lock:
            return [json.loads(json.dumps(stored.echo)) for stored in self._state.stored.values()]

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived, optionally only with this method and/or path (no query)."""
        with self._state.lock:
            return sum(
                count
                for (m, p), count in self._state.counts.items()
                if (method is None or m == method.upper()) and (path is None or p == path)
            )

    def reset(self) -> None:
        """Forget artifacts, events, deploy state and request counts; reset every fault knob."""
        with self._state.lock:
            self._state.clear()
            self.faults = Faults()

    # -- serving ----------------------------------------------------------------------------------------------------

    def respond(self, request: Request, handler: http.server.BaseHTTPRequestHandler) -> Response | None:
        """Answer one request: ``/ws/`` is the push channel, everything else Gimlet's endpoints."""
        if request.path == "/ws/":
            return self.push.upgrade(handler, request)
        return api.handle(self._state, request)


def _require_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        msg = f"the dev server binds loopback addresses only, not {host!r}"
        raise ConfigError(msg, tip="use --host 127.0.0.1 (or ::1); it is a test double, never expose it")
