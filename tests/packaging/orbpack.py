"""A test-only stand-in for ``circleci orb pack`` (it assembles src/ the way the CircleCI CLI does); the CircleCI CLI is not installable here.

``src/@orb.yml`` (or ``src/orb.yml``) is the root; every ``.yml`` under ``commands/``, ``jobs/``, ``executors/`` and
``examples/`` becomes ``<section>.<file basename>``; ``<< include(path) >>`` is resolved, relative to ``src/``, only
inside commands, jobs and executors, also within a longer string, and every ``<<`` of the included file is escaped
as ``\\<<``.

Run as a script to write the packed orb: ``python tests/packaging/orbpack.py adapters/circleci-orb/src > orb.yml``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("commands", "jobs", "executors", "examples")
INCLUDING_SECTIONS = ("commands", "jobs", "executors")
_INCLUDE = re.compile(r"<<\s*include\(([-\w/.]+)\)\s*>>")


class PackError(Exception):
    """The orb source cannot be packed (missing root, unreadable include)."""


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def _include(src: Path, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        target = src / match.group(1)
        if not target.is_file():
            msg = f"include({match.group(1)}) names no file under {src}"
            raise PackError(msg)
        return target.read_text(encoding="utf-8").replace("<<", "\\<<")

    return _INCLUDE.sub(replace, text)


def _resolve(src: Path, node: Any) -> Any:
    if isinstance(node, str):
        return _include(src, node)
    if isinstance(node, dict):
        return {key: _resolve(src, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(src, item) for item in node]
    return node


def pack(src: Path) -> dict[str, Any]:
    """The packed orb, as a mapping, from an unpacked orb source folder."""
    root = next((src / name for name in ("@orb.yml", "orb.yml") if (src / name).is_file()), None)
    if root is None:
        msg = f"{src} has neither @orb.yml nor orb.yml"
        raise PackError(msg)
    orb: dict[str, Any] = dict(_load(root) or {})
    for section in SECTIONS:
        folder = src / section
        if not folder.is_dir():
            continue
        entries = dict(orb.get(section) or {})
        for path in sorted(folder.glob("*.yml")):
            body = _load(path)
            entries[path.stem] = _resolve(src, body) if section in INCLUDING_SECTIONS else body
        orb[section] = entries
    return orb


def dump(orb: dict[str, Any]) -> str:
    """The packed orb as YAML text, keys in source order."""
    return yaml.safe_dump(orb, sort_keys=False, allow_unicode=True, width=120)


if __name__ == "__main__":
    sys.stdout.write(dump(pack(Path(sys.argv[1]))))
