"""`gimlet-ci explain`: for a CI context, which manifests fire and why, by Gimlet's rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci._explain import as_json, explain, format_text
from gimlet_ci._manifests import read_manifests

SHOP = Path(__file__).parent / "fixtures" / "repos" / "shop"


@pytest.fixture(name="docs")
def _docs(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(SHOP)
    return read_manifests(Path(".gimlet"))


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        pytest.param(
            {"branch": "main", "message": "Bump"},
            [
                ("preview.yml", False),
                ("production.yaml", False),
                ("staging.yaml", True),
                ("workers.yaml", True),
                ("workers.yaml", False),
            ],
            id="push-main",
        ),
        pytest.param(
            {"branch": "feature/a/b"},
            [
                ("preview.yml", True),
                ("production.yaml", False),
                ("staging.yaml", False),
                ("workers.yaml", False),
                ("workers.yaml", False),
            ],
            id="push-feature-branch-fires-preview",
        ),
        pytest.param(
            {"tag": "v1.2.0", "event": "tag"},
            [
                ("preview.yml", False),
                ("production.yaml", True),
                ("staging.yaml", False),
                ("workers.yaml", False),
                ("workers.yaml", True),
            ],
            id="tag-fires-despite-negated-glob",
        ),
        pytest.param(
            {"branch": "main", "event": "pr"},
            [
                ("preview.yml", False),
                ("production.yaml", False),
                ("staging.yaml", False),
                ("workers.yaml", False),
                ("workers.yaml", False),
            ],
            id="pr-from-main",
        ),
    ],
)
def test_which_manifests_fire(docs: Any, version: dict[str, str], expected: list[tuple[str, bool]]) -> None:
    """Each manifest document is judged by Gimlet's deploy policy rules, in file order."""
    actual = [(Path(e.file).name, e.fires) for e in explain(docs, version)]
    assert expected == actual


def test_text_output(docs: Any) -> None:
    """One line per manifest with a mark, the file, app -> env and the reason; quirks follow."""
    text = format_text(explain(docs, {"tag": "v1.2.0", "event": "tag"}))
    lines = text.splitlines()
    assert lines[0].startswith("✘ skips  .gimlet/preview.yml  shop-preview -> staging: ")
    assert lines[1].startswith("✔ fires  .gimlet/production.yaml  shop -> production: ")
    assert "v1.2.0" in lines[1]
    assert lines[-2].startswith("✔ fires  .gimlet/workers.yaml (document 2)  shop-worker -> production: ")
    assert lines[-1].startswith("    quirk: Gimlet does not negate tag globs")


def test_json_output(docs: Any) -> None:
    """JSON has one entry per document with file, app, env, fires, reason and quirk."""
    document = json.loads(json.dumps(as_json(explain(docs, {"branch": "main"}))))
    entries = document["manifests"]
    assert 5 == len(entries)
    assert ["file", "app", "env", "fires", "reason", "quirk"] == list(entries[2])
    assert {
        "file": ".gimlet/staging.yaml",
        "app": "shop",
        "env": "staging",
        "fires": True,
        "quirk": None,
    } == {k: v for k, v in entries[2].items() if k != "reason"}
    assert "main" in entries[2]["reason"]


def test_reason_names_the_rule(docs: Any) -> None:
    """A manifest that does not fire says which rule stopped it."""
    by_file = {(Path(e.file).name, e.index): e for e in explain(docs, {"branch": "dev"})}
    staging = by_file[("staging.yaml", 0)]
    assert not staging.fires
    assert "branch-mismatch" == staging.rule
    assert "'dev'" in staging.reason


def test_no_manifests() -> None:
    """Nothing to explain says so."""
    assert "No manifests to explain" == format_text(explain((), {}))
    assert {"manifests": []} == as_json(explain((), {}))
