"""The conformance vectors: what Gimlet's own Go code did with 120 artifact bodies, and gimlet-ci agreeing with it.

The vectors live in ``tests/fixtures/conformance/`` as a byte-identical copy of the project's shared conformance
folder, so the suite runs on a fresh clone where that folder does not exist.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci.cli import main
from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import encode
from gimlet_ci.gimlet.reading import judge, read_body

HERE = Path(__file__).resolve().parent
COPY = HERE.parent / "fixtures" / "conformance"
SHARED = HERE.parents[2] / "shared" / "conformance"
VECTORS = [json.loads(line) for line in (COPY / "gimlet-policy-vectors.jsonl").read_text(encoding="utf-8").splitlines()]


def _ids(case: dict[str, Any]) -> str:
    return f"{case['id']}-{case['topic']}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared conformance folder is not beside this checkout")
@pytest.mark.parametrize("name", ["gimlet-policy-vectors.jsonl", "README.md"])
def test_copy_is_byte_identical_to_the_shared_vectors(name: str) -> None:
    """The copy under tests/ is the shared folder's file, byte for byte."""
    assert (SHARED / name).read_bytes() == (COPY / name).read_bytes()


def test_there_are_120_vectors() -> None:
    """All 120 vectors are read: none is silently lost."""
    assert 120 == len(VECTORS)
    assert 2977 == sum(len(case["expected"]["manifests"]) for case in VECTORS)


@pytest.mark.parametrize("case", VECTORS, ids=_ids)
def test_model_agrees_with_gimlet(case: dict[str, Any]) -> None:
    """The Python model gives the vector's verdicts: the artifact's, and every manifest's, in the body's order."""
    judgement = judge(read_body(case["body"].encode("utf-8")))
    expected = case["expected"]
    assert expected["rejected"] == judgement.rejected
    assert [(m["verdict"], m["causes"]) for m in expected["manifests"]] == [
        (m.verdict, list(m.causes)) for m in judgement.manifests
    ]
    assert [(m["app"], m["env"]) for m in expected["manifests"]] == [(m.app, m.env) for m in judgement.manifests]


@pytest.mark.parametrize("case", VECTORS, ids=_ids)
def test_model_stores_what_gimlet_stores(case: dict[str, Any]) -> None:
    """Decoded and re-encoded, the body is the artifact Gimlet stored, and the worker's steps did what Gimlet's did."""
    reading = read_body(case["body"].encode("utf-8"))
    gimlet = case["gimlet"]
    assert bool(gimlet["decodeError"]) == (reading.decode_error and reading.syntax_error is None)
    assert ("decodePanic" in gimlet) == (reading.decode_panic is not None)
    assert ("workerPanic" in gimlet) == (reading.worker_panic is not None)
    if gimlet["stored"] is None:
        assert reading.stored is None
    else:
        assert reading.stored is not None
        stored = {**reading.stored, "id": gimlet["stored"].get("id", ""), "created": gimlet["stored"]["created"]}
        assert gimlet["stored"] == json.loads(encode(dx.ARTIFACT, stored))
    assert gimlet["inputCount"] == len(reading.elements)
    assert [bool(e["decodeError"]) or "decodePanic" in e for e in gimlet["elements"]] == [
        bool(e.issues) or e.panic is not None for e in reading.elements
    ]
    mine = []
    for trigger in reading.triggers:
        entry: dict[str, Any] = {"app": trigger.app, "env": trigger.env}
        if trigger.panic is not None:
            entry["stage"] = trigger.stage
        else:
            entry["fires"] = trigger.fires
        if trigger.preview_app is not None:
            entry["previewApp"] = trigger.preview_app
        if trigger.image_strategy is not None:
            entry["imageStrategy"] = trigger.image_strategy
        mine.append(entry)
    theirs = [{key: value for key, value in t.items() if key != "panic"} for t in gimlet["triggers"]]
    assert theirs == mine


@pytest.mark.parametrize("case", VECTORS, ids=_ids)
def test_explain_artifact_prints_the_verdicts(case: dict[str, Any], tmp_path: Path) -> None:
    """`explain --artifact FILE --output json` prints the vector's verdicts, and exits 1 exactly when rejected."""
    body = tmp_path / "artifact.json"
    body.write_bytes(case["body"].encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["explain", "--artifact", str(body), "--output", "json"], {}, stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    expected = case["expected"]
    assert expected["rejected"] == result["rejected"]
    assert [m["verdict"] for m in expected["manifests"]] == [m["verdict"] for m in result["manifests"]]
    assert all(m["file"] is None for m in result["manifests"])
    assert (1 if expected["rejected"] else 0) == code
