"""Test helpers: a local Gimlet-compatible server for your pipeline's tests.

Use it as a context manager::

    from gimlet_ci.testing import GimletServer

    with GimletServer(processing_delay=0.05, reconcile_delay=0.1) as server:
        ...  # point a client at server.url with server.token
        server.faults.gitops_failure = "HealthCheckFailed"  # change fault knobs while it runs
        assert 1 == server.request_count("GET", "/api/eventArtifactTrack")

or as the pytest fixture ``gimlet_server``: add ``pytest_plugins = ["gimlet_ci.testing"]`` to your
``conftest.py`` (or ``from gimlet_ci.testing import gimlet_server`` there). Importing this module
does not import pytest; the fixture is built on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gimlet_ci._devserver import GITOPS_FAILURES, DevServer, Faults

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["GITOPS_FAILURES", "Faults", "GimletServer", "gimlet_server"]  # noqa: F822 - built lazily


class GimletServer(DevServer):
    """A loopback Gimlet-compatible server; a context manager, also `start` / `stop`.

    Attributes: ``url`` (``http://127.0.0.1:PORT``), ``token``, ``faults`` (a mutable `Faults`).
    Methods: ``artifacts()`` (stored artifacts, oldest first, as echoed), ``request_count(method,
    path)``, ``reset()``.
    """

    def __init__(
        self,
        *,
        token: str = "test-token",  # noqa: S107 - a test double's default
        processing_delay: float = 0.05,
        reconcile_delay: float = 0.1,
        environments: Sequence[str] = ("staging", "production"),
        host: str = "127.0.0.1",
        port: int = 0,
        **faults: Any,
    ) -> None:
        super().__init__(
            token=token,
            processing_delay=processing_delay,
            reconcile_delay=reconcile_delay,
            environments=environments,
            host=host,
            port=port,
            **faults,
        )

    def __enter__(self) -> GimletServer:  # noqa: PYI034 - no typing_extensions at run time
        self.start()
        return self


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
