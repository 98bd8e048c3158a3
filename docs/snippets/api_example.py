"""Ship a build from Python, wait for its automated deploys, then release it on demand.

Runs as is against the local server (`python api_example.py`); point `ship_and_release` at your Gimlet instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import gimlet_ci
from gimlet_ci.adapters import CIContext, CommitInfo
from gimlet_ci.exceptions import GimletCIError
from gimlet_ci.testing import GimletServer

CHART = """\
chart:
  repository: https://chart.onechart.dev
  name: onechart
  version: 0.73.0
values:
  image:
    repository: ghcr.io/my-org/my-app
    tag: "{{ .SHA }}"
"""
MANIFESTS = {
    # staging deploys automatically on pushes to main; production only on demand (no deploy policy)
    "staging.yaml": "app: my-app\nenv: staging\nnamespace: default\ndeploy:\n  branch: main\n  event: push\n" + CHART,
    "production.yaml": "app: my-app\nenv: production\nnamespace: default\n" + CHART,
}


def ship_and_release(checkout: Path, *, server: str, token: str) -> tuple[gimlet_ci.Outcome, gimlet_ci.Outcome]:
    """Ship *checkout*'s manifests for one commit, wait for the deploys, then release it to production."""
    # Settings resolve exactly as on the command line: options, then GIMLET_* variables, then platform inputs.
    settings = gimlet_ci.load_settings(
        options={"wait": True, "timeout": "5m"},
        env={"GIMLET_SERVER": server, "GIMLET_TOKEN": token},
        inputs={},
    )
    # In a git checkout, `gimlet_ci.local_context(path)` builds this for you; on a CI,
    # `gimlet_ci.detect_adapter(os.environ).context(os.environ, read_file)`.
    ctx = CIContext(
        platform="local",
        repository="my-org/my-app",
        owner="my-org",
        sha="3f786850e387550fdab836ed7e6dc881de23001b",
        branch="main",
        commit=CommitInfo(message="Add the checkout page", author_name="Dev", author_email="dev@example.com"),
    )
    prepared = gimlet_ci.prepare(ctx, settings, checkout=checkout)  # reads .gimlet/, sends nothing
    # Checks server and token, then one deadline (settings.timeout) for everything below; closed at the end.
    with gimlet_ci.connect(settings, user_agent="my-release-tool/1.0") as client:
        shipped = gimlet_ci.ship(prepared, settings, client=client)  # automated mode, waiting
        released = gimlet_ci.release(client, artifact_id=shipped.artifact_id or "", env="production", app="my-app")
    return shipped, released


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp, GimletServer() as local:
        checkout = Path(tmp)
        (checkout / ".gimlet").mkdir()
        for name, text in MANIFESTS.items():
            (checkout / ".gimlet" / name).write_text(text, encoding="utf-8")
        try:
            shipped, released = ship_and_release(checkout, server=local.url, token=local.token)
        except GimletCIError as e:  # every failure; e.exit_code is the CLI's exit code
            msg = f"ERROR {e.message}"
            raise SystemExit(msg) from e
        print(shipped.artifact_id, shipped.status, [d.status for d in shipped.deploys])
        print(released.release_id, released.status, [d.status for d in released.deploys])
