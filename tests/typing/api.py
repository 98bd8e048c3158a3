"""Type-checked by mypy on every run, never executed: the public API as users write it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import gimlet_ci
from gimlet_ci import CIContext, Deadline, Outcome, Settings, build_client, connect, detect_adapter, prepare, ship
from gimlet_ci.adapters import REGISTRY, Adapter
from gimlet_ci.testing import GimletServer, is_testing, set_testing


def ship_from_code() -> Outcome:
    with GimletServer() as server:
        settings = Settings(server=server.url, token=server.token, wait=True)
        ctx = CIContext(platform="local", repository="acme/shop", sha="a" * 40, branch="main")
        prepared = prepare(ctx, settings, checkout=Path())
        with connect(settings, user_agent="me") as client:
            outcome = ship(prepared, settings, client=client)
        with build_client(server=server.url, token=server.token, deadline=Deadline(60.0), user_agent="me") as own:
            own.track_artifact(outcome.artifact_id or "")
    version: str = gimlet_ci.__version__
    del version
    return outcome


def context_on_any_ci(env: Mapping[str, str]) -> CIContext:
    adapter: Adapter = detect_adapter(env)
    ctx = adapter.context(env, lambda path: Path(path).read_bytes())
    first: Adapter = REGISTRY[0]
    tip: str = first.MISSING_SECRETS_TIP
    del tip
    return ctx.evolve(branch="main")


def a_server_with_faults() -> int:
    with GimletServer(token="t", processing_delay=0.0, environments=["staging"], fail_first=1, latency=0.5) as server:
        server.faults.gitops_failure = "HealthCheckFailed"
        stored: list[dict[str, object]] = server.artifacts()
        del stored
        server.reset()
        return server.request_count("GET", "/api/eventArtifactTrack")


def tests_that_do_not_wait() -> bool:
    set_testing(True)
    with set_testing(False):
        waiting: bool = not is_testing()
    return waiting
