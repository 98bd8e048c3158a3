"""The misuse cases of ``tests/typing/misuse/`` fail mypy, each with the error codes it is marked with."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

CHECK = Path(__file__).parent / "check_misuse.py"


def test_every_misuse_case_fails_mypy_as_marked() -> None:
    """mypy rejects every marked line with exactly its marked codes, and reports nothing else."""
    pytest.importorskip("mypy", reason="mypy is installed by .ci/tools.txt, not by the tests extra")
    done = subprocess.run([sys.executable, str(CHECK)], capture_output=True, text=True, check=False)

    assert (0, "") == (done.returncode, done.stderr), done.stdout
    assert "rejected by mypy as marked" in done.stdout


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_misuse", CHECK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_case_mypy_accepts_or_rejects_otherwise_is_reported() -> None:
    """A marked line without its error, a wrong code and an unmarked error each make one line of the report."""
    check = _checker()
    expected = {("a.py", 3): Counter(["arg-type"]), ("a.py", 4): Counter(["call-arg"])}
    actual = {("a.py", 4): Counter(["arg-type"]), ("a.py", 9): Counter(["misc"])}

    assert [
        "a.py:3: expected ['arg-type'], mypy reported []",
        "a.py:4: expected ['call-arg'], mypy reported ['arg-type']",
        "a.py:9: expected [], mypy reported ['misc']",
    ] == check.differences(expected, actual)
