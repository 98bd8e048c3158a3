"""`gimlet-ci demo`, `python -m gimlet_ci` and the version: what a new user runs first."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import gimlet_ci
from gimlet_ci.cli import main
from tests.helpers import make_repo


def test_demo_outside_a_checkout_ships_the_bundled_example(tmp_path: Path) -> None:
    """Outside git the demo ships the bundled manifests, deploys on demand to production, and exits 0."""
    err = io.StringIO()
    code = main(["-C", str(tmp_path), "demo", "--fast"], {}, stdout=io.StringIO(), stderr=err)

    text = err.getvalue()
    assert 0 == code, text
    assert "manifests from the bundled example: 2" in text
    assert "demo-app -> staging: succeeded" in text
    assert "demo-app -> production: succeeded" in text
    assert "WARNING" not in text


def test_demo_in_a_checkout_ships_its_own_manifests(tmp_path: Path) -> None:
    """In a checkout with .gimlet/ the demo ships that checkout's manifests and commit."""
    repo = make_repo(tmp_path)
    err = io.StringIO()
    code = main(["-C", str(repo), "demo", "--fast"], {}, stdout=io.StringIO(), stderr=err)

    assert 0 == code, err.getvalue()
    assert "local, acme/shop@" in err.getvalue()
    assert "shop -> production: succeeded" in err.getvalue()


def test_version_matches_the_installed_metadata() -> None:
    """`gimlet_ci.__version__` and `python -m gimlet_ci --version` report the installed distribution's version."""
    done = subprocess.run([sys.executable, "-m", "gimlet_ci", "--version"], capture_output=True, text=True, check=True)

    assert version("gimlet-ci") == gimlet_ci.__version__
    assert f"gimlet-ci {version('gimlet-ci')}" == done.stdout.strip()


def test_no_command_prints_help_and_exits_2() -> None:
    """`gimlet-ci` alone shows the commands and exits 2."""
    err = io.StringIO()
    code = main([], {}, stdout=io.StringIO(), stderr=err)

    assert 2 == code
    assert "ship" in err.getvalue()


def test_demo_when_every_manifest_deploys_by_policy(tmp_path: Path) -> None:
    """If step 3's policies deploy everything, the demo says there is nothing to release and still exits 0."""
    both = "app: shop\nenv: {env}\ndeploy: {{branch: main, event: push}}\nchart: {{name: onechart}}\n"
    repo = make_repo(
        tmp_path,
        manifests={"staging.yaml": both.format(env="staging"), "production.yaml": both.format(env="production")},
    )
    err = io.StringIO()
    code = main(["-C", str(repo), "demo", "--fast"], {}, stdout=io.StringIO(), stderr=err)

    assert 0 == code, err.getvalue()
    assert "nothing to release" in err.getvalue()
