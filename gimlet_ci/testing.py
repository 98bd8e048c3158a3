"""Test helpers: a local Gimlet-compatible server for your pipeline's tests, and a test mode in which nothing waits.

Use the server as a context manager::

    from gimlet_ci.testing import GimletServer

    with GimletServer(processing_delay=0.05, reconcile_delay=0.1) as server:
        ...  # point a client at server.url with server.token
        server.faults.gitops_failure = "HealthCheckFailed"  # change fault knobs while it runs
        assert 1 == server.request_count("GET", "/api/eventArtifactTrack")

or as the pytest fixture ``gimlet_server``: add ``pytest_plugins = ["gimlet_ci.testing"]`` to your
``conftest.py`` (or ``from gimlet_ci.testing import gimlet_server`` there). Importing this module
does not import pytest; the fixture is built on first access.

Against the local server gimlet-ci still backs off between retries and polls on its real schedule. Turn that off with
`set_testing`, for the whole session or as a context manager::

    from gimlet_ci.testing import set_testing

    @pytest.fixture(autouse=True)
    def _no_waiting():
        with set_testing(True):
            yield
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gimlet_ci import _retry
from gimlet_ci.devserver.faults import GITOPS_FAILURES, Faults
from gimlet_ci.devserver.server import DevServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

__all__ = [
    "GITOPS_FAILURES",
    "Faults",
    "GimletServer",
    "gimlet_server",  # noqa: F822 - built lazily
    "is_testing",
    "set_testing",
]


def set_testing(testing: bool) -> _RestoreTesting:
    """Turn test mode on or off, now, for every client and wait of this process.

    In test mode no retry or poll waits: the default retry policy and poll schedule have zero intervals, and the
    default sleep (`gimlet_ci.Timing`) reads the mode each time a wait would sleep, so clients and waits built before
    it was switched on do not wait either. Deadlines still pass on the real clock, and a ``Timing`` with your own
    ``sleep`` is always called with the real interval. Used as a context manager, it restores the mode that was on
    before when the block ends::

        with set_testing(True):
            outcome = gimlet_ci.ship(prepared, settings, client=client)
    """
    return _RestoreTesting(_retry.set_testing(bool(testing)))


def is_testing() -> bool:
    """Whether test mode is on."""
    return _retry.is_testing()


class _RestoreTesting:
    """What `set_testing` returns: on leaving a ``with`` block, the test mode that was on before is back."""

    __slots__ = ("_previous",)

    def __init__(self, previous: bool) -> None:
        self._previous = previous

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _retry.set_testing(self._previous)

    def __repr__(self) -> str:
        return f"<set_testing: {'on' if is_testing() else 'off'}, {'on' if self._previous else 'off'} before>"


class GimletServer(DevServer):
    """A loopback Gimlet-compatible server; a context manager, also `start` / `stop`.

    Keyword arguments (typed; see the signature): the server's settings, as `DevServer` declares them, and every
    field of `Faults`, as the knob's initial value.
    Attributes: ``url`` (``http://127.0.0.1:PORT``), ``token``, ``faults`` (a mutable `Faults`).
    Methods: ``artifacts()`` (stored artifacts, oldest first, as echoed), ``request_count(method,
    path)``, ``reset()``.
    """


def _gimlet_server_fixture() -> Iterator[GimletServer]:
    """A started `GimletServer` with the default (fast) delays, stopped after the test."""
    with GimletServer() as server:
        yield server


def __getattr__(name: str) -> Any:
    if name == "gimlet_server":
        import pytest  # noqa: PLC0415 - only when the fixture is asked for

        fixture = pytest.fixture(name="gimlet_server")(_gimlet_server_fixture)
        globals()["gimlet_server"] = fixture
        return fixture
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), "gimlet_server"})
