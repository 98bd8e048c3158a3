"""``import gimlet_ci``: lazy at run time, and the same names for the type checker as for the interpreter."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import gimlet_ci

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

    assert ["['gimlet_ci']", "['gimlet_ci', 'gimlet_ci._retry', 'gimlet_ci.exceptions']"] == done.stdout.splitlines()
