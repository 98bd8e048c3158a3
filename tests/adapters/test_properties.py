"""Any environment and any event-file bytes give a CIContext, never another exception, on every adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gimlet_ci.adapters import ADAPTERS, CIContext, adapter_by_name

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _names(platform: str) -> list[str]:
    names: set[str] = set()
    for path in (FIXTURES / "env").glob(f"{platform}/*.env"):
        names.update(line.partition("=")[0] for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return sorted(names)


_ALL_NAMES = sorted({n for p in ADAPTERS for n in _names(p)})
_VALUES = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "true",
            "false",
            "0",
            "17",
            "refs/heads/main",
            "refs/tags/v1",
            "refs/pull/3/merge",
            "pull_request",
            "merge_request_event",
            "git@github.com:a/b.git",
            "https://u:p@h/a/b.git",
            "HEAD",
            " ",
            "\n",
            "ü/ß",
        ]
    ),
    st.text(),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "pull_request",
                    "head",
                    "base",
                    "sha",
                    "ref",
                    "number",
                    "html_url",
                    "release",
                    "tag_name",
                    "merge_group",
                    "head_sha",
                    "head_ref",
                    "base_ref",
                    "workflow_run",
                    "head_branch",
                    "event",
                    "pull_requests",
                    "deployment",
                    "head_commit",
                    "message",
                    "timestamp",
                    "author",
                    "name",
                    "email",
                    "after",
                ]
            )
            | st.text(),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
_EVENT_BYTES = st.one_of(
    st.binary(max_size=200),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.just(b"[" * 5000),
)


@pytest.mark.parametrize("name", ADAPTERS)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_any_env_gives_a_context(name: str, data: st.DataObject) -> None:
    """Random values for the platform's real variable names never make context() or inputs() raise."""
    adapter = adapter_by_name(name)
    names = _names(name) or _ALL_NAMES
    env = data.draw(st.dictionaries(st.sampled_from([*names, "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"]), _VALUES))
    event_bytes = data.draw(_EVENT_BYTES)
    fail_read = data.draw(st.booleans())

    def read_file(path: str) -> bytes:
        if fail_read:
            raise PermissionError(13, "Permission denied", path)
        return event_bytes

    ctx = adapter.context(env, read_file)
    assert isinstance(ctx, CIContext)
    assert name == ctx.platform
    assert ctx.branch is None or not ctx.branch.startswith(("refs/tags/", "refs/pull/"))
    assert ctx.pr_number is None or ctx.pr_number > 0
    assert all(isinstance(v, str) for v in ctx.vars.values())
    assert isinstance(adapter.inputs(env), dict)
    assert isinstance(adapter.detect(env), bool)
