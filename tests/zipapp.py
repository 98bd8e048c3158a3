"""Helpers for the tests that run the committed zipapp: where it is, and a Python outside this venv to run it with."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "adapters" / "github-action"
ZIPAPP = ACTION / "dist" / "gimlet-ci.pyz"
REGENERATE = "adapters/github-action/build-pyz adapters/github-action/dist/gimlet-ci.pyz"


def base_python() -> str:
    """This interpreter's base installation (not the venv's ``python``), so that the venv is nowhere on ``sys.path``."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        getattr(sys, "_base_executable", ""),
        str(Path(sys.base_prefix) / "bin" / f"python{version}"),
        str(Path(sys.base_prefix) / "bin" / "python3"),
        str(Path(sys.base_prefix) / "python.exe"),
    ]
    venv = Path(sys.prefix).resolve()
    for candidate in candidates:
        path = Path(candidate) if candidate else None
        if path and path.is_file() and (sys.prefix == sys.base_prefix or venv not in path.parents):
            return str(path)
    return sys.executable


def load_build_pyz() -> ModuleType:
    """``adapters/github-action/build-pyz`` as a module (it has no ``.py`` suffix, so it is loaded by path)."""
    path = ACTION / "build-pyz"
    loader = importlib.machinery.SourceFileLoader("gimlet_ci_build_pyz", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    loader.exec_module(module)
    return module
