"""Property tests of the whole CLI: any environment, any manifest bytes give an answer, never a crash."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gimlet_ci.cli import EXIT_INTERNAL, main

NAMES = st.sampled_from(
    [
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_NAME",
        "GITHUB_REF",
        "GITHUB_SHA",
        "GITHUB_REPOSITORY",
        "GITHUB_HEAD_REF",
        "CIRCLECI",
        "CIRCLE_BRANCH",
        "CIRCLE_TAG",
        "CIRCLE_PULL_REQUEST",
        "CI",
        "CI_PIPELINE_EVENT",
        "CI_COMMIT_REF",
        "GITLAB_CI",
        "CI_MERGE_REQUEST_IID",
        "GIMLET_WAIT",
        "GIMLET_DEPLOY",
        "GIMLET_ENV",
        "GIMLET_TIMEOUT",
        "GIMLET_FIELDS",
        "GIMLET_MANIFESTS",
        "INPUT_WAIT",
        "INPUT_FIELDS",
        "PLUGIN_WAIT",
        "PARAM_DEPLOY",
        "GIMLET_DRY_RUN",
        "DRONE",
        "TF_BUILD",
        "BUILD_SOURCEBRANCH",
        "JENKINS_URL",
        "TRAVIS",
        "BUILDKITE",
    ]
)
VALUES = st.one_of(
    st.sampled_from(["true", "false", "", "1", "0", "push", "refs/tags/v1", "woodpecker"]), st.text(max_size=20)
)


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    err = io.StringIO()
    code = main(argv, env, stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(NAMES, VALUES, max_size=12))
def test_any_environment_gives_a_context_or_a_configuration_error(env: dict[str, str]) -> None:
    """`context` and a dry-run `ship` on any environment exit 0 or 2 with one line, never an internal error."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**env, "GIMLET_MANIFESTS": tmp}
        for argv in (["context", "--output", "json"], ["ship", "--dry-run"]):
            code, err = run(["-C", tmp, *argv], env)
            assert code in (0, 2), err
            assert "Traceback" not in err
            assert code != EXIT_INTERNAL


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_manifest_bytes_give_an_artifact_or_one_clear_error(data: bytes) -> None:
    """A .gimlet/ file with any content is shipped or rejected with exit 2 naming the file, never a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.yaml").write_bytes(data)
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_SHA": "a" * 40,
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/heads/main",
        }
        code, err = run(["--platform", "github", "-C", tmp, "ship", "--dry-run", "--manifests", tmp], env)
        assert code in (0, 2), err
        errors = [line for line in err.splitlines() if line.startswith("ERROR")]
        assert (1 if code == 2 else 0) == len(errors)
        if code == 2:
            assert "m.yaml" in errors[0]
