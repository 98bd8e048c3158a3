"""Detection order and ``--platform`` forcing."""

from __future__ import annotations

import importlib

import pytest

import gimlet_ci.adapters
from gimlet_ci.adapters import ADAPTERS, REGISTRY, PlatformOutputs, adapter_by_name, detect_adapter
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
    """--platform NAME returns that adapter whatever the environment says; ADAPTERS names REGISTRY in order."""
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


def test_every_adapter_has_the_whole_interface() -> None:
    """Every adapter in REGISTRY is its module, named by NAME, with every member of the Adapter protocol."""
    for adapter in REGISTRY:
        assert importlib.import_module(f"gimlet_ci.adapters.{adapter.NAME}") is adapter
        assert adapter.MISSING_SECRETS_TIP.strip()
        members = (adapter.detect, adapter.context, adapter.inputs, adapter.outputs, adapter.startup_lines)
        assert all(callable(member) for member in members)
        assert "http" in (adapter.__doc__ or "") or adapter.NAME == "local"


def test_the_empty_defaults_ask_for_nothing() -> None:
    """A platform without input names, outputs or start-up lines of its own returns nothing for them."""
    from gimlet_ci._models import Outcome  # noqa: PLC0415

    gitlab = adapter_by_name("gitlab")
    env = {"GITLAB_CI": "true", "INPUT_WAIT": "true", "WAIT": "true"}

    assert ({}, PlatformOutputs(), ()) == (
        gitlab.inputs(env),
        gitlab.outputs(env, Outcome(status="shipped")),
        gitlab.startup_lines(env, ["s3cret-token"]),
    )


def test_adapter_protocol_is_importable_when_asked_for() -> None:
    """``from gimlet_ci.adapters import Adapter`` works at run time, though the start-up path never imports it."""
    from gimlet_ci.adapters import Adapter  # noqa: PLC0415

    assert "Adapter" == Adapter.__name__
    with pytest.raises(AttributeError, match="'Adaptr'"):
        gimlet_ci.adapters.Adaptr  # type: ignore[attr-defined]  # noqa: B018
