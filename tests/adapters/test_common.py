"""The shared end of every adapter: `assemble`, `commit_or_none`, `named_inputs`, `link_base`."""

from __future__ import annotations

from typing import Any

from gimlet_ci.adapters import CIContext, CommitInfo, Event
from gimlet_ci.adapters._common import assemble, commit_or_none, link_base, named_inputs


def _assemble(env: dict[str, str], **overrides: Any) -> CIContext:
    fields: dict[str, Any] = {
        "contains": "CI_",
        "job_var": "42",
        "repository": "acme/app",
        "owner": "acme",
        "sha": "a" * 40,
        "branch": "main",
        "event": "push",
        "event_name": "push",
        "tag": None,
        "source_branch": None,
        "target_branch": None,
        "pr_number": None,
        "url": None,
        "ci_url": None,
        "actor": "alice",
        "job": "build",
        "commit": None,
    }
    fields.update(overrides)
    return assemble("test", env, **fields)


def test_assemble_normalises_branches_of_a_pr() -> None:
    """On a PR, branch, source and target lose their ``refs/heads/`` prefix."""
    ctx = _assemble(
        {},
        event="pr",
        branch="refs/heads/feat",
        source_branch="refs/heads/feat",
        target_branch="refs/heads/main",
    )
    assert ("feat", "feat", "main") == (ctx.branch, ctx.source_branch, ctx.target_branch)


def test_assemble_drops_the_source_branch_outside_prs() -> None:
    """A push has no source branch even when one is passed; a target branch is kept."""
    ctx = _assemble({}, event="push", source_branch="feat", target_branch="main")
    assert (None, "main") == (ctx.source_branch, ctx.target_branch)


def test_assemble_template_vars() -> None:
    """Platform variables of every prefix, in order, then the eight built-ins; secrets are left out."""
    env = {"CI_A": "1", "BUILD_B": "2", "CI_JOB_TOKEN": "s3cret", "OTHER": "x"}
    ctx = _assemble(env, contains=("CI_", "BUILD_"), event_name=None, event="tag", tag="v1", branch=None)
    expected = {
        "CI_A": "1",
        "BUILD_B": "2",
        "REPO": "acme/app",
        "OWNER": "acme",
        "BRANCH": "",
        "TAG": "v1",
        "SHA": "a" * 40,
        "ACTOR": "alice",
        "EVENT": "tag",
        "JOB": "42",
    }
    assert list(expected.items()) == list(ctx.vars.items())


def test_assemble_event_var_prefers_the_platform_event_name() -> None:
    """``EVENT`` is the platform's raw event name when there is one."""
    ctx = _assemble({}, event="pr", event_name="merge_request_event")
    assert "merge_request_event" == ctx.vars["EVENT"]


def test_assemble_keeps_the_other_fields() -> None:
    """Every other field reaches the context unchanged."""
    info = CommitInfo(message="m")
    event: Event = "pr"
    ctx = _assemble(
        {},
        event=event,
        pr_number=7,
        url="https://h/pr/7",
        ci_url="https://ci/1",
        commit=info,
        warnings=("w",),
    )
    expected = ("test", 7, "https://h/pr/7", "https://ci/1", "alice", "build", info, ("w",))
    assert expected == (ctx.platform, ctx.pr_number, ctx.url, ctx.ci_url, ctx.actor, ctx.job, ctx.commit, ctx.warnings)


def test_commit_or_none() -> None:
    """Commit data with no field set is no commit data at all."""
    assert (None, CommitInfo(created=1)) == (commit_or_none(CommitInfo()), commit_or_none(CommitInfo(created=1)))


def test_named_inputs_takes_the_first_non_blank_name() -> None:
    """Names are tried in order; blank values count as unset; settings without a value are absent."""
    table = (("dry_run", ("P_DRY_RUN", "P_DEBUG")), ("app", ("P_APP",)))
    env = {"P_DRY_RUN": "  ", "P_DEBUG": "true", "p_app": "web"}
    assert {"dry_run": ("P_DEBUG", "true")} == named_inputs(env, table)


def test_named_inputs_any_case_reports_the_name_as_spelled() -> None:
    """With any_case, a lower-case variable matches and is reported as spelled in the environment."""
    table = (("app", ("P_APP",)),)
    assert {"app": ("p_app", "web")} == named_inputs({"p_app": "web"}, table, any_case=True)


def test_link_base_trims_trailing_slashes() -> None:
    """A URL loses its trailing slashes; a blank or all-slash value is no base."""
    env = {"A": "https://h.example/x//", "B": "/", "C": " "}
    assert ("https://h.example/x", None, None, None) == tuple(link_base(env, n) for n in ("A", "B", "C", "D"))
