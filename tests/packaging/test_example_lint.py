"""The example pipelines' lint steps know the template variables their ship steps pass (`vars`): lint reports a
`{{ .DIGEST }}` it does not know as an error, so a lint step without them fails every pull request of a repository
whose manifests use the pipeline's digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gimlet_ci._parse import parse_vars

ROOT = Path(__file__).resolve().parents[2]


def _names(value: object) -> set[str]:
    return {name for name, _ in parse_vars(str(value), name="vars")} if value else set()


def _github(config: dict[str, Any]) -> tuple[set[str], set[str]]:
    shipped: set[str] = set()
    linted: set[str] | None = None
    for job in config["jobs"].values():
        for step in job.get("steps", []):
            if "github-action@" not in str(step.get("uses", "")):
                continue
            given = step.get("with") or {}
            if given.get("command", "ship") == "lint":
                linted = (linted or set()) | _names(given.get("vars"))
            elif given.get("command", "ship") == "ship":
                shipped |= _names(given.get("vars"))
    return shipped, linted if linted is not None else shipped


def _gitlab(config: dict[str, Any]) -> tuple[set[str], set[str]]:
    shipped: set[str] = set()
    linted: set[str] | None = None
    for include in config.get("include", []):
        component = str(include.get("component", ""))
        given = include.get("inputs") or {}
        if "/lint@" in component:
            linted = (linted or set()) | _names(given.get("vars"))
        elif "/ship@" in component:
            shipped |= _names(given.get("vars"))
    return shipped, linted if linted is not None else shipped


EXAMPLES = [
    *((path, _github) for path in sorted((ROOT / "examples/github-actions").glob("*.yml"))),
    *((path, _gitlab) for path in sorted((ROOT / "examples/gitlab").glob("*.yml"))),
]


@pytest.mark.parametrize(("path", "read"), EXAMPLES, ids=[path.name + "-" + read.__name__ for path, read in EXAMPLES])
def test_lint_steps_know_the_variables_the_ship_steps_pass(path: Path, read: Any) -> None:
    """Every variable a ship step of the example passes is named in its lint step too (`vars`)."""
    shipped, linted = read(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert [] == sorted(shipped - linted), path
