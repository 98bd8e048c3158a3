"""Each platform's own input naming, mapped to canonical settings with the variable it came from."""

from __future__ import annotations

import pytest

from gimlet_ci.adapters import SETTING_NAMES, adapter_by_name
from gimlet_ci.adapters.woodpecker import normalise_fields


def test_github_inputs_official_names() -> None:
    """The official action's INPUT_* names map to settings; debug is dry_run; empty means unset."""
    env = {
        "INPUT_WAIT": "true",
        "INPUT_DEPLOY": "false",
        "INPUT_ENV": "staging",
        "INPUT_APP": "",
        "INPUT_TIMEOUT": "5m",
        "INPUT_DEBUG": "true",
        "INPUT_FIELDS": "docs=https://d;grafana=https://g?a=b",
        "INPUT_BRANCHHEAD": "abc",
        "GIMLET_SERVER": "https://g",
    }
    assert {
        "wait": ("INPUT_WAIT", "true"),
        "deploy": ("INPUT_DEPLOY", "false"),
        "env": ("INPUT_ENV", "staging"),
        "timeout": ("INPUT_TIMEOUT", "5m"),
        "dry_run": ("INPUT_DEBUG", "true"),
        "fields": ("INPUT_FIELDS", "docs=https://d;grafana=https://g?a=b"),
    } == adapter_by_name("github").inputs(env)


def test_github_inputs_any_case_and_hyphens() -> None:
    """Names are matched without regard to case; hyphenated ids keep their hyphen; dry_run beats debug."""
    env = {
        "input_wait": "yes",
        "INPUT_DRY-RUN": "1",
        "INPUT_DEBUG": "false",
        "INPUT_CA-BUNDLE": "/ca.pem",
    }
    assert {
        "wait": ("input_wait", "yes"),
        "dry_run": ("INPUT_DRY-RUN", "1"),
        "ca_bundle": ("INPUT_CA-BUNDLE", "/ca.pem"),
    } == adapter_by_name("github").inputs(env)


def test_github_inputs_never_read_credentials() -> None:
    """Server and token stay GIMLET_* on GitHub: INPUT_SERVER/INPUT_TOKEN are ignored."""
    assert {} == adapter_by_name("github").inputs({"INPUT_SERVER": "x", "INPUT_TOKEN": "y"})


def test_circleci_params_booleans_as_1_0() -> None:
    """The orb's PARAM_* arrive untouched (1/0 booleans are the core's to parse)."""
    env = {
        "PARAM_WAIT": "1",
        "PARAM_DEPLOY": "0",
        "PARAM_DEBUG": "false",
        "PARAM_TIMEOUT": "10m",
        "PARAM_ENV": "",
        "PARAM_APP": "web",
    }
    assert {
        "wait": ("PARAM_WAIT", "1"),
        "deploy": ("PARAM_DEPLOY", "0"),
        "dry_run": ("PARAM_DEBUG", "false"),
        "timeout": ("PARAM_TIMEOUT", "10m"),
        "app": ("PARAM_APP", "web"),
    } == adapter_by_name("circleci").inputs(env)


def test_woodpecker_settings_and_from_secret_credentials() -> None:
    """PLUGIN_* settings map to settings, including the from_secret credentials."""
    env = {
        "PLUGIN_WAIT": "true",
        "PLUGIN_DEBUG": "true",
        "PLUGIN_GIMLET_SERVER": "https://g",
        "PLUGIN_GIMLET_TOKEN": "tok",
        "PLUGIN_MANIFESTS": ".gimlet/prod",
        "PLUGIN_TIMEOUT": "",
    }
    assert {
        "server": ("PLUGIN_GIMLET_SERVER", "https://g"),
        "token": ("PLUGIN_GIMLET_TOKEN", "tok"),
        "wait": ("PLUGIN_WAIT", "true"),
        "dry_run": ("PLUGIN_DEBUG", "true"),
        "manifests": ("PLUGIN_MANIFESTS", ".gimlet/prod"),
    } == adapter_by_name("woodpecker").inputs(env)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("docs=https://d;ci=https://c", "docs=https://d;ci=https://c", id="native"),
        pytest.param('{"ci":"https://c","docs":"https://d"}', "ci=https://c;docs=https://d", id="map"),
        pytest.param('{"n":3}', "n=3", id="map-number"),
        pytest.param('[{"name":"docs","url":"https://d"}]', "docs=https://d", id="list-of-maps"),
        pytest.param("docs=https://d,ci=https://c", "docs=https://d;ci=https://c", id="list"),
        pytest.param("docs=https://d/?q=a,b", "docs=https://d/?q=a,b", id="comma-in-value"),
        pytest.param("{not json", "{not json", id="broken-json-left-for-the-core"),
    ],
)
def test_woodpecker_fields_encodings(raw: str, expected: str) -> None:
    """A fields setting written as map, list or string reaches the core as k=v;k2=v2."""
    assert expected == normalise_fields(raw)
    assert ("PLUGIN_FIELDS", expected) == adapter_by_name("woodpecker").inputs({"PLUGIN_FIELDS": raw})["fields"]


@pytest.mark.parametrize("name", ["gitlab", "drone", "bitbucket", "buildkite", "azure", "travis", "jenkins", "local"])
def test_other_platforms_have_no_inputs(name: str) -> None:
    """Platforms without a published integration read nothing but GIMLET_* (done by the core)."""
    assert {} == adapter_by_name(name).inputs(
        {"WAIT": "true", "ENV": "prod", "PLUGIN_WAIT": "true", "INPUT_WAIT": "true"}
    )


@pytest.mark.parametrize("name", ["github", "circleci", "woodpecker"])
def test_inputs_only_return_canonical_names(name: str) -> None:
    """Every key an adapter returns is a canonical setting name."""
    env = {f"{p}{s.upper()}": "x" for p in ("INPUT_", "PARAM_", "PLUGIN_", "PLUGIN_GIMLET_") for s in SETTING_NAMES}
    assert set() == set(adapter_by_name(name).inputs(env)) - set(SETTING_NAMES)
