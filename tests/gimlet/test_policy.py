"""Gimlet's deployTrigger and PrepPreview, every documented example and its quirks, through the model of Gimlet's
server: the manifest is decoded as Gimlet decodes it, then judged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gimlet_ci.gimlet import dx
from gimlet_ci.gimlet.gojson import Decoder, GoPanic, Ptr, parse, plain, zero
from gimlet_ci.gimlet.worker import Decision, cleanup_trigger, deploy_trigger, prep_preview


def _decode(go_type: Any, value: Any) -> Any:
    decoded, abort = Decoder().decode(go_type, parse(json.dumps(value)))
    assert abort is None
    return decoded


def evaluate(manifest: dict[str, Any], version: dict[str, Any]) -> Decision:
    """``deployTrigger`` for a manifest and a version written as JSON, after ``PrepPreview``."""
    decoded_version = _decode(dx.VERSION, version) if version else zero(dx.VERSION)
    return deploy_trigger(decoded_version, prep_preview(_decode(Ptr(dx.MANIFEST), manifest))["deploy"])


def apply_preview(manifest: dict[str, Any]) -> dict[str, Any]:
    """``PrepPreview``, as the JSON Gimlet would encode the result."""
    result: dict[str, Any] = plain(dx.MANIFEST, prep_preview(_decode(Ptr(dx.MANIFEST), manifest)))
    return result


def _push(branch: str, message: str = "") -> dict[str, Any]:
    return {"branch": branch, "message": message}


def _tag(tag: str) -> dict[str, Any]:
    return {"event": "tag", "tag": tag, "branch": f"refs/tags/{tag}"}


def _pr(branch: str) -> dict[str, Any]:
    return {"event": "pr", "branch": branch}


@pytest.mark.parametrize(
    ("deploy", "version", "fires", "rule"),
    [
        # the documented examples, row by row
        pytest.param({"branch": "main", "event": "push"}, _push("main"), True, "fires", id="branch-push"),
        pytest.param({"branch": "main"}, _push("main"), False, "branch-needs-event", id="branch-no-event"),
        pytest.param(
            {"branch": "feature/*", "event": "push"},
            _push("feature/a/b"),
            True,
            "fires",
            id="star-slash",
        ),
        pytest.param(
            {"branch": "!{main,master}", "event": "push"},
            _push("dev"),
            True,
            "fires",
            id="negated-alts",
        ),
        pytest.param({"event": "push"}, _push("any"), True, "fires", id="event-only"),
        pytest.param({"event": "pr"}, _pr("whatever"), True, "fires", id="pr-any-branch"),
        pytest.param({"branch": "main", "event": "pr"}, _pr("main"), True, "fires", id="pr-head-branch"),
        pytest.param({"tag": "v*", "event": "tag"}, _tag("v1.2.0"), True, "fires", id="tag-glob"),
        pytest.param({"tag": "v*"}, _tag("v1.2.0"), False, "tag-needs-event", id="tag-no-event"),
        pytest.param(
            {"tag": "v*", "branch": "main", "event": "tag"},
            _tag("v1"),
            False,
            "branch-needs-event",
            id="tag-and-branch",
        ),
        pytest.param(
            {"tag": "!v1", "event": "tag"},
            _tag("v1"),
            False,
            "tag-mismatch",
            id="negated-literal-hit",
        ),
        pytest.param({"tag": "!v1", "event": "tag"}, _tag("v2"), True, "fires", id="negated-literal-miss"),
        pytest.param({"tag": "!v1*", "event": "tag"}, _tag("v1.2"), True, "fires", id="negated-glob-quirk"),
        pytest.param(
            {"commitMessagePatterns": ["*deploy*"]},
            _pr("x") | {"message": "please deploy"},
            True,
            "fires",
            id="msg-any-event",
        ),
        pytest.param(
            {"branch": "main", "event": "push", "commitMessagePatterns": ["*[prod]*"]},
            _push("main", "fix [prod]"),
            True,
            "fires",
            id="brackets-literal",
        ),
        pytest.param(None, _push("main"), False, "no-deploy", id="absent"),
        pytest.param({}, _push("main"), False, "empty-policy", id="empty"),
        # more
        pytest.param(
            {"branch": "!{main,master}", "event": "push"},
            _push("main"),
            False,
            "branch-mismatch",
            id="negated-hit",
        ),
        pytest.param(
            {"branch": "release-?", "event": "push"},
            _push("release-1"),
            True,
            "fires",
            id="question-mark",
        ),
        pytest.param(
            {"branch": "release-?", "event": "push"},
            _push("release-10"),
            False,
            "branch-mismatch",
            id="question-one",
        ),
        pytest.param(
            {"branch": "{dev,staging}", "event": "push"},
            _push("staging"),
            True,
            "fires",
            id="alternatives",
        ),
        pytest.param(
            {"branch": "main", "event": "push"},
            _pr("main"),
            False,
            "event-mismatch",
            id="push-policy-pr",
        ),
        pytest.param(
            {"branch": "main", "event": "pr"},
            _push("main"),
            False,
            "event-mismatch",
            id="pr-policy-push",
        ),
        pytest.param(
            {"branch": "main", "event": "tag"},
            _tag("v1"),
            False,
            "branch-needs-event",
            id="branch-event-tag",
        ),
        pytest.param(
            {"event": "push"},
            {"branch": "x", "event": "bogus"},
            True,
            "fires",
            id="unknown-event-is-push",
        ),
        pytest.param(
            {"branch": "main", "event": "push"},
            _push(""),
            False,
            "branch-mismatch",
            id="empty-branch",
        ),
        pytest.param({"tag": "v*", "event": "tag"}, _tag("1.0"), False, "tag-mismatch", id="tag-miss"),
        pytest.param(
            {"commitMessagePatterns": ["*[prod]*"]},
            _push("x", "fix p"),
            False,
            "message-mismatch",
            id="no-char-class",
        ),
        pytest.param(
            {"commitMessagePatterns": ["*[prod]*"]},
            _push("x", "chore [DEPLOY: ALL] now"),
            True,
            "fires",
            id="deploy-all",
        ),
        pytest.param(
            {"branch": "main", "event": "push", "commitMessagePatterns": ["nope"]},
            _push("dev", "[DEPLOY: ALL]"),
            False,
            "branch-mismatch",
            id="deploy-all-no-bypass",
        ),
        pytest.param(
            {"commitMessagePatterns": ["{hotfix,fix}:*"]},
            _push("x", "hotfix: y"),
            True,
            "fires",
            id="msg-alternatives",
        ),
    ],
)
def test_evaluate(deploy: dict[str, Any] | None, version: dict[str, Any], fires: bool, rule: str) -> None:
    """Each policy fires exactly when Gimlet's deployTrigger fires, and names the deciding rule."""
    manifest: dict[str, Any] = {"app": "shop", "env": "staging"}
    if deploy is not None:
        manifest["deploy"] = deploy
    decision = evaluate(manifest, version)
    assert (fires, rule) == (decision.fires, decision.rule)


def test_invalid_glob_panics_like_gimlet() -> None:
    """An invalid glob does not "never fire": glob.MustCompile panics, and on Gimlet the worker takes the server
    down."""
    with pytest.raises(GoPanic, match=r"glob.MustCompile\('\[main'\)"):
        evaluate({"deploy": {"branch": "[main", "event": "push"}}, _push("main"))


def test_reason_is_actionable() -> None:
    """The branch-needs-event reason names the branch and what to add."""
    decision = evaluate({"deploy": {"branch": "main"}}, _push("main"))
    assert (
        Decision(
            fires=False,
            rule="branch-needs-event",
            reason="deploy.branch 'main' has no deploy.event: a branch policy needs event push or pr",
        )
        == decision
    )


def test_negated_glob_quirk_is_explained() -> None:
    """When the negated-tag-glob quirk decides, the decision says so."""
    decision = evaluate({"deploy": {"tag": "!v1*", "event": "tag"}}, _tag("v1.2"))
    assert decision.fires
    assert decision.quirk is not None
    assert "negated" in decision.quirk


def test_no_quirk_for_negated_literal() -> None:
    """A negated literal behaves as written, so no quirk is reported."""
    assert evaluate({"deploy": {"tag": "!v1", "event": "tag"}}, _tag("v2")).quirk is None


def test_tag_event_without_tag_quirk() -> None:
    """Gimlet compares with deploy.branch by mistake, so a tag event with no tag fires a tag policy."""
    decision = evaluate({"deploy": {"tag": "v*", "event": "tag"}}, {"event": "tag"})
    assert decision.fires
    assert decision.quirk is not None


@pytest.mark.parametrize(
    ("version", "fires"),
    [
        pytest.param(_push("feature/x"), True, id="feature-push"),
        pytest.param(_push("main"), False, id="main-push"),
        pytest.param(_push("master"), False, id="master-push"),
        pytest.param(_pr("feature/x"), False, id="feature-pr"),
    ],
)
def test_preview_policy(version: dict[str, Any], fires: bool) -> None:
    """A preview manifest fires on pushes to non-main branches only, whatever its own deploy says."""
    manifest = {"app": "shop", "env": "staging", "preview": True, "deploy": {"event": "pr"}}
    assert fires == evaluate(manifest, version).fires


def test_apply_preview_rewrites() -> None:
    """apply_preview renames the app, sets gitBranch, rewrites the ingress host and adds cleanup."""
    manifest = {
        "app": "shop-preview",
        "env": "staging",
        "preview": True,
        "values": {"ingress": {"host": "shop.example.org"}},
    }
    app = "shop-{{ .BRANCH | sanitizeDNSName }}"
    expected = {
        "app": app,
        "env": "staging",
        "preview": True,
        "namespace": "",
        "deploy": {"branch": "!{main,master}", "event": "push"},
        "cleanup": {"app": app, "event": "branchDeleted", "branch": "*"},
        "chart": {"name": ""},
        "values": {"ingress": {"host": app + ".example.org"}, "gitBranch": "{{ .BRANCH }}"},
    }
    assert expected == apply_preview(manifest)
    assert "shop-preview" == manifest["app"]


def test_apply_preview_leaves_others() -> None:
    """A manifest without preview: true comes back unchanged."""
    manifest = {"app": "shop", "preview": False, "deploy": {"event": "push"}}
    assert {
        "app": "shop",
        "env": "",
        "preview": False,
        "namespace": "",
        "deploy": {"event": "push"},
        "chart": {"name": ""},
    } == (apply_preview(manifest))


@pytest.mark.parametrize(
    ("cleanup", "deleted", "fires"),
    [
        pytest.param({"app": "x", "branch": "feature/*"}, "feature/a", True, id="glob-matches"),
        pytest.param({"app": "x", "branch": "feature/*"}, "main", False, id="glob-misses"),
        pytest.param({"app": "x", "branch": "!main"}, "main", True, id="negated-fires-even-for-the-excluded-branch"),
        pytest.param({"app": "x", "branch": "!main"}, "dev", True, id="negated-fires-for-every-branch"),
        pytest.param({"app": "", "branch": "*"}, "dev", False, id="no-app-never"),
        pytest.param({"app": "x", "branch": ""}, "dev", False, id="no-branch-never"),
    ],
)
def test_cleanup_trigger(cleanup: dict[str, str], deleted: str, fires: bool) -> None:
    """cleanupTrigger, bug included: a negated policy overwrites the deleted branch's name with its own, so it
    fires for every deleted branch."""
    decoded = _decode(dx.CLEANUP, {**cleanup, "event": "branchDeleted"})
    assert fires == cleanup_trigger(deleted, decoded)
