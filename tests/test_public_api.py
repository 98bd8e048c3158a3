"""``import gimlet_ci``: lazy at run time, and the same names for the type checker as for the interpreter."""

from __future__ import annotations

import ast
import importlib
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog
import structlog.testing

import gimlet_ci
from gimlet_ci.adapters import CommitInfo
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.testing import GimletServer
from tests.helpers import git, make_repo

INIT = Path(gimlet_ci.__file__)


def _type_checking_imports() -> dict[str, tuple[str, ...]]:
    """Module -> names of the ``from ... import ...`` lines under ``if TYPE_CHECKING:`` in gimlet_ci/__init__.py."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    return {
        node.module or "": tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
    }


def test_the_lazy_table_is_what_the_type_checker_reads() -> None:
    """Each public name is looked up at run time in the module its TYPE_CHECKING import names."""
    assert _type_checking_imports() == gimlet_ci._LAZY


def test_every_public_name_is_served() -> None:
    """``__all__`` (plus ``__version__``) is exactly the lazy table's names, and each is the module's own object."""
    served = {name for names in gimlet_ci._LAZY.values() for name in names}
    assert {*gimlet_ci.__all__, "__version__"} == served
    for module, names in gimlet_ci._LAZY.items():
        for name in names:
            assert getattr(importlib.import_module(module), name) is getattr(gimlet_ci, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    """A misspelt public name fails as a missing attribute, naming itself."""
    with pytest.raises(AttributeError, match="'shipp'"):
        gimlet_ci.shipp  # type: ignore[attr-defined]  # noqa: B018


def test_import_gimlet_ci_imports_no_implementation_module() -> None:
    """``import gimlet_ci`` alone loads nothing else of the package; a public name loads its module on first use."""
    code = (
        "import sys, gimlet_ci\n"
        "print(sorted(m for m in sys.modules if m.startswith('gimlet_ci')))\n"
        "gimlet_ci.Deadline\n"
        "print(sorted(m for m in sys.modules if m.startswith('gimlet_ci')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert [
        "['gimlet_ci']",
        "['gimlet_ci', 'gimlet_ci._log', 'gimlet_ci._retry', 'gimlet_ci.exceptions']",
    ] == done.stdout.splitlines()


# -- a quiet, complete library ---------------------------------------------------------------------------------------


def _ship_checkout(repo: Path, server: GimletServer) -> gimlet_ci.Outcome:
    settings = gimlet_ci.load_settings(
        options={"wait": True}, env={"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}, inputs={}
    )
    prepared = gimlet_ci.prepare(gimlet_ci.local_context(repo), settings, checkout=repo)
    with gimlet_ci.connect(settings) as client:
        return gimlet_ci.ship(prepared, settings, client=client)


@pytest.fixture(name="unconfigured")
def _unconfigured() -> Iterator[None]:
    """structlog as a program that never configured it finds it (the CLI tests configure it in this process)."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("unconfigured")
def test_the_library_writes_nothing_unless_logging_is_configured(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Shipping and waiting from Python, with no logging set up, writes not one byte to stdout or stderr (warnings
    included: the plain-http warning, the manifests' lint warnings)."""
    repo = make_repo(tmp_path)
    with GimletServer(processing_delay=0.02, reconcile_delay=0.04) as server:
        outcome = _ship_checkout(repo, server)

    assert "succeeded" == outcome.status
    assert ("", "") == capfd.readouterr()


@pytest.mark.usefixtures("unconfigured")
def test_standard_logging_turns_the_lines_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With the standard library's logging configured (here pytest's handler at INFO), gimlet-ci's lines arrive on
    the `gimlet_ci` logger as sentences, their key/values in the record's `gimlet_ci` attribute."""
    repo = make_repo(tmp_path)
    caplog.set_level(logging.INFO, logger="gimlet_ci")
    with GimletServer(processing_delay=0.02, reconcile_delay=0.04) as server:
        outcome = _ship_checkout(repo, server)

    [shipped] = [r for r in caplog.records if r.getMessage().startswith("Shipped artifact")]
    assert f"Shipped artifact {outcome.artifact_id}" == shipped.getMessage()
    assert ("gimlet_ci", logging.INFO) == (shipped.name, shipped.levelno)
    assert {"event": "gimlet_ci.artifact_shipped", "artifact_id": outcome.artifact_id}.items() <= (
        shipped.gimlet_ci.items()  # type: ignore[attr-defined]
    )


def test_structlog_configured_by_the_program_gets_the_events(tmp_path: Path) -> None:
    """A program that configured structlog gets gimlet-ci's events through its own processors."""
    repo = make_repo(tmp_path)
    with GimletServer(processing_delay=0.02, reconcile_delay=0.04) as server, structlog.testing.capture_logs() as logs:
        outcome = _ship_checkout(repo, server)

    assert {"event": "gimlet_ci.artifact_shipped", "log_level": "info", "artifact_id": outcome.artifact_id}.items() <= (
        next(e for e in logs if e["event"] == "gimlet_ci.artifact_shipped").items()
    )


def test_local_context_reads_a_checkout(tmp_path: Path) -> None:
    """`gimlet_ci.local_context(path)` is the context of a checkout: commit, branch, repository and the commit's
    author and message, ready for `prepare` (which `detect_adapter` on a laptop does not give)."""
    repo = make_repo(tmp_path, message="Add the checkout page")
    ctx = gimlet_ci.local_context(repo)

    assert ("local", "acme/shop", git(repo, "rev-parse", "HEAD"), "main", "push") == (
        ctx.platform,
        ctx.repository,
        ctx.sha,
        ctx.branch,
        ctx.event,
    )
    assert ctx.commit is not None
    assert ("Add the checkout page", "Ada Lovelace", 1704164645) == (
        ctx.commit.message,
        ctx.commit.author_name,
        ctx.commit.created,
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda root: root / "missing", "is not a folder", id="missing"),
        pytest.param(lambda root: root, "is not in a git checkout", id="not-git"),
        pytest.param(lambda root: _empty_repo(root), "has no commit yet", id="no-commit"),  # noqa: PLW0108 - below
    ],
)
def test_local_context_says_why_there_is_no_commit(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    """No folder, no checkout and a repository without a commit are three different, clear errors."""
    with pytest.raises(ConfigError, match=message):
        gimlet_ci.local_context(make(tmp_path))


def _empty_repo(root: Path) -> Path:
    repo = root / "empty"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def test_an_explicit_commit_is_respected(tmp_path: Path) -> None:
    """`prepare(..., commit=...)` is the commit the artifact describes, even where `git log` knows the commit."""
    repo = make_repo(tmp_path)
    settings = gimlet_ci.load_settings(options={}, env={}, inputs={})
    mine = CommitInfo(message="Release 1.2", author_name="Release Bot", author_email="bot@example.com", created=42)
    prepared = gimlet_ci.prepare(gimlet_ci.local_context(repo), settings, checkout=repo, commit=mine)

    version = prepared.artifact.version
    assert ("Release 1.2", "Release Bot", "bot@example.com", 42) == (
        version.message,
        version.author_name,
        version.author_email,
        version.created,
    )
