"""``gimlet-ci demo``: an embedded local Gimlet, this checkout shipped to it in both modes, every step shown."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gimlet_ci._flows import prepare, release, ship
from gimlet_ci._retry import RUN_STARTED
from gimlet_ci._settings import Settings
from gimlet_ci.adapters import CIContext, CommitInfo, adapter_by_name, detect_adapter
from gimlet_ci.manifests.reading import read_manifests

if TYPE_CHECKING:
    from gimlet_ci.devserver.server import DevServer

BUNDLED = Path(__file__).parent / "manifests"


def _context(checkout: Path, env: Mapping[str, str]) -> CIContext:
    from gimlet_ci._git import completed_from_git  # noqa: PLC0415

    adapter = detect_adapter(env)
    from gimlet_ci._files import EVENT_FILE_LIMIT, read_regular  # noqa: PLC0415

    ctx: CIContext = adapter.context(env, lambda p: read_regular(p, limit=EVENT_FILE_LIMIT))
    if not ctx.sha or not ctx.repository:
        ctx = completed_from_git(adapter_by_name("local").context(env, lambda _: b""), checkout)
    if not ctx.sha:  # not a git checkout: a made-up commit of the bundled example
        ctx = ctx.evolve(
            repository="demo/demo-app",
            owner="demo",
            sha="0" * 40,
            branch="main",
            event_name="push",
            commit=CommitInfo(
                message="Demo commit: not a git checkout, so gimlet-ci made this one up",
                author_name="gimlet-ci demo",
                committer_name="gimlet-ci demo",
                created=int(time.time()),
            ),
        )
    return ctx


def _mark(server: DevServer) -> tuple[int, int]:
    reads = server.request_count("GET", "/api/eventArtifactTrack") + server.request_count(
        "GET", "/api/eventReleaseTrack"
    )
    return len(server.timeline()), reads


def _seen(server: DevServer, mark: tuple[int, int]) -> str:
    """What the push channel carried during one step, and how many tracking reads it took."""
    messages = [message for _, message in server.timeline()[mark[0] :]]
    kinds = Counter(str(message.get("event")) for message in messages)
    statuses = [
        str(message["gitopsCommit"].get("status"))
        for message in messages
        if message.get("event") == "gitopsCommit" and isinstance(message.get("gitopsCommit"), dict)
    ]
    reads = _mark(server)[1] - mark[1]
    return (
        f"      push channel: {len(messages)} message(s) ({kinds['commitEvent']} commitEvent, "
        f"{kinds['gitopsCommit']} gitopsCommit: {' -> '.join(dict.fromkeys(statuses)) or 'none'}); "
        f"{reads} tracking read(s)"
    )


def run_demo(*, checkout: Path, env: Mapping[str, str], out: TextIO, fast: bool = False) -> int:
    """Start the local server, ship *checkout* with --wait, deploy on demand, and show each step."""
    from gimlet_ci._client import connect  # noqa: PLC0415
    from gimlet_ci.testing import GimletServer  # noqa: PLC0415

    started = RUN_STARTED.get() or time.monotonic()  # the clock of the progress lines' [1.2s] too
    own = checkout / ".gimlet"
    manifests = own if own.is_dir() else BUNDLED
    docs = read_manifests(manifests)
    envs = sorted({str(d.data.get("env")) for d in docs if d.data.get("env")}) or ["staging"]
    delays = (0.05, 0.1) if fast else (0.6, 1.5)
    token = secrets.token_urlsafe(16)

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    say("gimlet-ci demo: a local Gimlet-compatible server, this checkout, both modes.")
    with GimletServer(token=token, processing_delay=delays[0], reconcile_delay=delays[1], environments=envs) as server:
        say(f"\n[1/4] Local Gimlet server at {server.url} (processing {delays[0]}s, reconcile {delays[1]}s)")
        ctx = _context(checkout, env)
        say(f"\n[2/4] CI context: {ctx.platform}, {ctx.repository}@{(ctx.sha or '')[:12]}, branch {ctx.branch}")
        say(f"      manifests from {manifests if manifests == own else 'the bundled example'}: {len(docs)}")
        settings = Settings(server=server.url, token=token, wait=True, manifests=str(manifests), timeout=60.0)
        prepared = prepare(ctx, settings, checkout=checkout)
        say("\n[3/4] Automated mode: gimlet-ci ship --wait (listening on Gimlet's push channel, /ws/)")
        with connect(settings, user_agent="gimlet-ci-demo") as client:
            mark = _mark(server)
            shipped = ship(prepared, settings, client=client)
            say(_seen(server, mark))
            deployed = {(d.env, d.app) for d in shipped.deploys}
            # Release on demand what the policies did not deploy in step 3 (production first): releasing the same
            # artifact to the same app and env again would change nothing, which Gimlet reports as a failure.
            candidates = [d for d in docs if (d.data.get("env"), d.data.get("app")) not in deployed]
            candidates.sort(key=lambda d: d.data.get("env") != "production")
            released_count = 0
            release_id = None
            if candidates:
                t_env = str(candidates[0].data.get("env") or "")
                t_app = str(candidates[0].data.get("app") or "") or None
                command = f"gimlet-ci deploy --artifact {shipped.artifact_id} --env {t_env} --app {t_app}"
                say(f"\n[4/4] On-demand mode: {command}")
                mark = _mark(server)
                released = release(client, artifact_id=shipped.artifact_id or "", env=t_env, app=t_app)
                say(_seen(server, mark))
                released_count, release_id = len(released.deploys), released.release_id
            else:
                say("\n[4/4] On-demand mode: every manifest was deployed by its policy in step 3; nothing to release")
        say(
            f"\nDone in {time.monotonic() - started:.1f}s: artifact {shipped.artifact_id}, "
            f"release {release_id or '-'}, {len(shipped.deploys) + released_count} deploy(s) reconciled."
        )
        say(
            "Next: run `gimlet-ci dev-server` in one terminal, then in this checkout\n"
            "  GIMLET_SERVER=http://127.0.0.1:9000 GIMLET_TOKEN=<the printed token> gimlet-ci ship --wait"
        )
    return 0
