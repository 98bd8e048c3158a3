"""GitHub's event payload, where it departs from the recorded runs of the golden fixtures."""

from __future__ import annotations

import json

import pytest

from gimlet_ci.adapters import github

ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_EVENT_PATH": "/event.json",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_SHA": "0" * 40,
}


@pytest.mark.parametrize("number", [42, "42", " 42 "])
def test_a_pull_request_number_given_as_a_string_is_read_as_a_number(number: object) -> None:
    """`"number": "42"` in the payload is PR 42 (and its URL), not dropped."""
    payload = {"number": number, "pull_request": {"head": {"sha": "1" * 40, "ref": "feature"}, "base": {"ref": "main"}}}
    ctx = github.context(ENV, lambda _: json.dumps(payload).encode())

    assert (42, "https://github.com/acme/shop/pull/42") == (ctx.pr_number, ctx.url)


@pytest.mark.parametrize("number", ["", "forty-two", "0", True, None])
def test_a_pull_request_number_that_is_no_number_is_left_out(number: object) -> None:
    """Anything but a positive number leaves `pr_number` empty (GITHUB_REF has none here either)."""
    payload = {"number": number, "pull_request": {"head": {"sha": "1" * 40, "ref": "feature"}}}
    ctx = github.context(ENV, lambda _: json.dumps(payload).encode())

    assert ctx.pr_number is None
