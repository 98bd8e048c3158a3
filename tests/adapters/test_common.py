"""The shared end of every adapter: `finish`, `commit_or_none`, `named_inputs`, `link_base`."""

from __future__ import annotations

from typing import Any

from gimlet_ci.adapters import CIContext, CommitInfo, Event
from gimlet_ci.adapters._common import commit_or_none, finish, link_base, named_inputs


def _finish(env: dict[str, str], *, contains: str | tuple[str, ...] = "CI_", **fields: Any) -> CIContext:
    known: dict[str, Any] = {
        "repository": "acme/app",
        "sha": "a" * 40,
        "branch": "main",
        "event_name": "push",
        "actor": "alice",
        "job": "build",
        **fields,
    }
    return finish(CIContext(platform="test", **known), env, contains=contains, job_var="42")


def test_finish_normalises_branches_of_a_pr() -> None:
    """On a PR, the head branch is both branch and source; refs lose their ``refs/heads/`` prefix."""
    ctx = _finish({}, event="pr", branch="refs/heads/feat", target_branch="refs/heads/main")
    assert ("feat", "feat", "main") == (ctx.branch, ctx.source_branch, ctx.target_branch)


def test_finish_takes_a_pr_head_given_as_the_source_branch() -> None:
    """An adapter may name a PR's head as source_branch only: it becomes the branch too."""
    ctx = _finish({}, event="pr", branch=None, source_branch="feat")
    assert ("feat", "feat") == (ctx.branch, ctx.source_branch)


def test_finish_drops_the_source_branch_outside_prs() -> None:
    """A push has no source branch even when one is passed; a target branch is kept."""
    ctx = _finish({}, event="push", source_branch="feat", target_branch="main")
    assert (None, "main") == (ctx.source_branch, ctx.target_branch)


def test_finish_takes_the_owner_from_the_repository_unless_given() -> None:
    """Without an owner the slug's owner part is used; a given owner wins."""
    assert ("acme", "team") == (_finish({}).owner, _finish({}, owner="team").owner)


def test_finish_template_vars() -> None:
    """Platform variables of every prefix, in order, then the eight built-ins; secrets are left out."""
    env = {"CI_A": "1", "BUILD_B": "2", "CI_JOB_TOKEN": "s3cret", "OTHER": "x"}
    ctx = _finish(env, contains=("CI_", "BUILD_"), event_name=None, event="tag", tag="v1", branch=None)
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


def test_finish_event_var_prefers_the_platform_event_name() -> None:
    """``EVENT`` is the platform's raw event name when there is one."""
    ctx = _finish({}, event="pr", event_name="merge_request_event")
    assert "merge_request_event" == ctx.vars["EVENT"]


def test_finish_keeps_the_other_fields() -> None:
    """Every other field reaches the context unchanged."""
    info = CommitInfo(message="m")
    event: Event = "pr"
    ctx = _finish(
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
