"""Our wire model against Gimlet's documented JSON: camelCase keys, Go's omitempty, the event enum."""

from __future__ import annotations

import json

import pytest

from gimlet_ci._converter import from_wire, to_wire
from gimlet_ci._models import Artifact, ReleaseRequest, ReleaseTicket, TrackStatus, Version
from gimlet_ci.exceptions import BadResponse

DOC_EXAMPLE = {
    "version": {
        "repositoryName": "acme/shop",
        "sha": "9f1c2e0d",
        "created": 1700000000,
        "branch": "main",
        "authorName": "Ada",
        "authorEmail": "ada@example.com",
        "committerName": "Ada",
        "committerEmail": "ada@example.com",
        "message": "Bump API",
        "url": "https://github.com/acme/shop/commit/9f1c2e0d",
    },
    "context": {"BRANCH": "main", "SHA": "9f1c2e0d"},
    "environments": [
        {
            "app": "shop",
            "env": "staging",
            "namespace": "default",
            "deploy": {"branch": "main", "event": "push"},
            "chart": {
                "repository": "https://charts.example.org",
                "name": "onechart",
                "version": "0.41.0",
            },
            "values": {"image": {"repository": "registry.example.org/acme/shop", "tag": "{{ .SHA }}"}},
        }
    ],
    "items": [{"name": "CI", "url": "https://github.com/acme/shop/actions/runs/42"}],
    "vars": {
        "BRANCH": "main",
        "SHA": "9f1c2e0d",
        "name": "CI",
        "url": "https://github.com/acme/shop/actions/runs/42",
    },
}


def test_documented_body_round_trips_key_for_key() -> None:
    """The documented example body structures and unstructures back to the same JSON, keys in Go's order."""
    artifact = from_wire(DOC_EXAMPLE, Artifact, what="test")

    assert json.dumps(DOC_EXAMPLE) == json.dumps(to_wire(artifact))


def test_push_event_and_empty_fields_are_omitted() -> None:
    """Go's omitempty: no event key for push, no empty strings, zeros or empty collections; version always present."""
    assert {"version": {"sha": "abc"}} == to_wire(Artifact(version=Version(sha="abc", event="push")))


@pytest.mark.parametrize("event", ["tag", "pr"])
def test_other_events_are_sent(event: str) -> None:
    """tag and pr are written as strings."""
    assert {"event": event} == to_wire(Version(event=event))  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "expected"), [("weird", "push"), ("", "push"), ("pr", "pr"), ("tag", "tag")])
def test_unknown_event_strings_read_as_push(raw: str, expected: str) -> None:
    """Like Go's GitEvent decoding, an unknown string is push."""
    assert expected == from_wire({"event": raw}, Version, what="test").event


def test_non_string_event_is_a_bad_response() -> None:
    """A number where the event belongs fails, as in Go."""
    with pytest.raises(BadResponse):
        from_wire({"version": {"event": 1}}, Artifact, what="artifact answer")


def test_server_answers_are_read_tolerantly() -> None:
    """Unknown keys and nulls in a track answer are ignored; the result keys map to snake_case."""
    answer = {
        "type": "",
        "status": "processed",
        "statusDesc": "",
        "results": [{"app": "a", "hash": "h", "gitopsCommitStatus": "Progressing", "future": 1, "env": None}],
        "new": True,
    }
    status = from_wire(answer, TrackStatus, what="tracking answer")

    assert ("processed", "a", "Progressing", "") == (
        status.status,
        status.results[0].app,
        status.results[0].gitops_commit_status,
        status.results[0].env,
    )


def test_release_request_keeps_gos_mandatory_keys() -> None:
    """The release body always has env, artifactId and triggeredBy; app only when set."""
    assert {"env": "staging", "artifactId": "x", "triggeredBy": ""} == to_wire(
        ReleaseRequest(env="staging", artifact_id="x")
    )


def test_release_answer_without_type_defaults_to_release() -> None:
    """Servers before September 2023 answer {"id"} only."""
    assert ReleaseTicket(id="e1", type="release") == from_wire({"id": "e1"}, ReleaseTicket, what="x")


@pytest.mark.parametrize("bad", [[], "text", {"status": 3}, {"results": [1]}])
def test_wrong_shapes_are_bad_responses_with_a_path(bad: object) -> None:
    """A track answer of the wrong shape is a BadResponse saying what is wrong where."""
    with pytest.raises(BadResponse, match="tracking answer is not what Gimlet sends"):
        from_wire(bad, TrackStatus, what="tracking answer")
