"""Type-checked by mypy on every run, never executed: the public API as users write it."""

from __future__ import annotations

from pathlib import Path

import gimlet_ci
from gimlet_ci import CIContext, Deadline, Outcome, Settings, build_client, prepare, ship
from gimlet_ci.testing import GimletServer


def ship_from_code() -> Outcome:
    with GimletServer() as server:
        settings = Settings(server=server.url, token=server.token, wait=True)
        ctx = CIContext(platform="local", repository="acme/shop", sha="a" * 40, branch="main")
        prepared = prepare(ctx, settings, checkout=Path())
        client = build_client(server=server.url, token=server.token, deadline=Deadline(60.0), user_agent="me")
        with client.http:
            outcome = ship(prepared, settings, client=client)
    version: str = gimlet_ci.__version__
    del version
    return outcome
