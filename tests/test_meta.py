"""House rules that keep the suite honest: every test states its behaviour; every adapter cites its source."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from gimlet_ci.adapters import ADAPTERS

TESTS = Path(__file__).parent


def test_every_test_has_a_docstring() -> None:
    """Each test function says, in its docstring, the behaviour it asserts."""
    missing = [
        f"{path.relative_to(TESTS)}:{node.lineno} {node.name}"
        for path in sorted(TESTS.rglob("test_*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and not ast.get_docstring(node)
    ]

    assert [] == missing


@pytest.mark.parametrize("name", [name for name in ADAPTERS if name != "local"])
def test_every_adapter_links_its_platforms_variable_reference(name: str) -> None:
    """Each platform adapter's docstring links the platform's documentation and names the versions checked."""
    doc = importlib.import_module(f"gimlet_ci.adapters.{name}").__doc__ or ""

    assert "https://" in doc
    assert "checked" in doc.lower() or "version" in doc.lower()
