"""Detection order and ``--platform`` forcing."""

from __future__ import annotations

import pytest

from gimlet_ci.adapters import ADAPTERS, adapter_by_name, detect_adapter
from gimlet_ci.exceptions import UnknownPlatformError


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"GITHUB_ACTIONS": "true", "CI": "true"}, "github", id="github"),
        pytest.param({"CIRCLECI": "true", "CI": "true"}, "circleci", id="circleci"),
        pytest.param(
            {
                "CI": "woodpecker",
                "CI_SYSTEM_NAME": "woodpecker",
                "DRONE": "true",
                "DRONE_REPO": "a/b",
            },
            "woodpecker",
            id="woodpecker-before-drone",
        ),
        pytest.param({"GITLAB_CI": "true", "CI": "true"}, "gitlab", id="gitlab"),
        pytest.param({"DRONE": "true", "CI": "true"}, "drone", id="drone"),
        pytest.param({"BITBUCKET_BUILD_NUMBER": "9", "CI": "true"}, "bitbucket", id="bitbucket"),
        pytest.param({"BUILDKITE": "true", "CI": "true"}, "buildkite", id="buildkite"),
        pytest.param({"TF_BUILD": "True"}, "azure", id="azure"),
        pytest.param({"TRAVIS": "true", "CI": "true"}, "travis", id="travis"),
        pytest.param({"JENKINS_URL": "https://ci/"}, "jenkins", id="jenkins"),
        pytest.param({}, "local", id="nothing"),
        pytest.param({"GITHUB_ACTIONS": "", "CIRCLECI": "false"}, "local", id="empty-and-false"),
        pytest.param({"GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}, "github", id="first-wins"),
    ],
)
def test_detect_order(env: dict[str, str], expected: str) -> None:
    """The first adapter in ADAPTERS whose marker is set wins; no marker means local."""
    assert expected == detect_adapter(env).NAME


def test_platform_forcing_picks_the_named_adapter() -> None:
    """--platform NAME returns that module whatever the environment says."""
    assert [
        "github",
        "circleci",
        "woodpecker",
        "gitlab",
        "drone",
        "bitbucket",
        "buildkite",
        "azure",
        "travis",
        "jenkins",
        "local",
    ] == [adapter_by_name(n).NAME for n in ADAPTERS]


def test_unknown_platform_is_a_config_error() -> None:
    """An unknown --platform value names itself and the valid choices."""
    with pytest.raises(UnknownPlatformError, match="'teamcity'") as info:
        adapter_by_name("teamcity")
    assert 2 == info.value.exit_code


def test_local_context_names_only_the_platform() -> None:
    """The local adapter leaves everything to git: only platform is set."""
    ctx = adapter_by_name("local").context({"GITHUB_SHA": "x"}, lambda p: b"")
    assert {"platform": "local", "event": "push"} == {k: v for k, v in ctx.as_json().items() if v is not None}


def test_every_adapter_module_has_the_interface() -> None:
    """Every adapter exposes NAME, detect, context and inputs, and a docstring with a link."""
    for name in ADAPTERS:
        module = adapter_by_name(name)
        assert (name, True, True, True) == (
            module.NAME,
            callable(module.detect),
            callable(module.context),
            callable(module.inputs),
        )
        assert "http" in (module.__doc__ or "") or name == "local"
