"""A test-only stand-in for GitLab's component include (GitLab itself is not reachable here): split a CI/CD
component (``templates/<name>.yml``: a ``spec:`` header, ``---``, the jobs) and interpolate ``$[[ inputs.x ]]`` the
way GitLab does, so that both halves can be validated against GitLab's CI schema offline.

GitLab's rules (docs.gitlab.com/ci/inputs): the header holds ``spec: inputs:`` (each with an optional ``type``:
``string`` by default, ``boolean``, ``number``, ``array``; a ``default`` makes it optional); interpolation replaces
``$[[ inputs.NAME ]]`` in the jobs part; an input the header does not declare, a missing required input and a value
of the wrong type are errors.

Run as a script to write the halves of every component for a validator:
``python tests/packaging/glcomponent.py templates OUT_DIR`` writes ``OUT_DIR/<name>.spec.yml`` and
``OUT_DIR/<name>.jobs.yml`` (with the defaults).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")
_TYPES = {"string": str, "boolean": bool, "number": (int, float), "array": list}


class ComponentError(Exception):
    """The component, or the inputs given to it, would make GitLab refuse the include."""


def split(path: Path) -> tuple[dict[str, Any], str]:
    """The header (a mapping with ``spec``) and the jobs part as text, as GitLab reads a component file."""
    header_text, sep, jobs = path.read_text(encoding="utf-8").partition("\n---\n")
    if not sep:
        msg = f"{path}: no --- between the spec header and the jobs"
        raise ComponentError(msg)
    header = yaml.safe_load(header_text)
    if not isinstance(header, dict) or set(header) != {"spec"}:
        msg = f"{path}: the header must hold only spec:"
        raise ComponentError(msg)
    return header, jobs


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def render(path: Path, given: Mapping[str, object] | None = None) -> dict[str, Any]:
    """The jobs of the component at *path* with *given* inputs (the rest: their defaults), interpolated."""
    header, jobs = split(path)
    spec_inputs: dict[str, Any] = header["spec"].get("inputs") or {}
    given = dict(given or {})
    unknown = sorted(set(given) - set(spec_inputs))
    if unknown:
        msg = f"{path}: unknown inputs {unknown}"
        raise ComponentError(msg)
    values: dict[str, object] = {}
    for name, declared in spec_inputs.items():
        spec = declared or {}
        if name in given:
            value = given[name]
        elif "default" in spec:
            value = spec["default"]
        else:
            msg = f"{path}: input {name} is required"
            raise ComponentError(msg)
        wanted = _TYPES[spec.get("type", "string")]
        if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
            msg = f"{path}: input {name}={value!r} is not a {spec.get('type', 'string')}"
            raise ComponentError(msg)
        values[name] = value

    def interpolate(node: Any) -> Any:
        if isinstance(node, str):

            def replace(match: re.Match[str]) -> str:
                if match.group(1) not in values:
                    msg = f"{path}: $[[ inputs.{match.group(1)} ]] names no input of the spec"
                    raise ComponentError(msg)
                return _text(values[match.group(1)])

            return _INTERPOLATION.sub(replace, node)
        if isinstance(node, dict):
            return {interpolate(k): interpolate(v) for k, v in node.items()}
        if isinstance(node, list):
            return [interpolate(item) for item in node]
        return node

    rendered = interpolate(yaml.safe_load(jobs))
    if not isinstance(rendered, dict):
        msg = f"{path}: the jobs part is not a mapping"
        raise ComponentError(msg)
    return rendered


def used_inputs(path: Path) -> set[str]:
    """The inputs the jobs part interpolates."""
    return set(_INTERPOLATION.findall(split(path)[1]))


if __name__ == "__main__":
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for component in sorted(source.glob("*.yml")):
        header, _ = split(component)
        (out / f"{component.stem}.spec.yml").write_text(yaml.safe_dump(header, sort_keys=False), encoding="utf-8")
        (out / f"{component.stem}.jobs.yml").write_text(
            yaml.safe_dump(render(component), sort_keys=False), encoding="utf-8"
        )
