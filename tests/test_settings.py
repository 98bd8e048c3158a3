"""Settings precedence and validation: options > GIMLET_* > the platform's own inputs."""

from __future__ import annotations

import pytest

from gimlet_ci._settings import (
    SETTINGS,
    Settings,
    load_settings,
    mode_warnings,
    unknown_settings,
    value_warnings,
)
from gimlet_ci.exceptions import ConfigError, InvalidSettingsError, MissingSettingsError


def load(options: dict[str, object] | None = None, env: dict[str, str] | None = None, inputs=None) -> Settings:
    return load_settings(options=options or {}, env=env or {}, inputs=inputs or {})


def test_option_beats_variable_beats_platform_input() -> None:
    """A command-line option wins over GIMLET_*, which wins over INPUT_*/PLUGIN_*/PARAM_*."""
    inputs = {
        "app": ("INPUT_APP", "from-input"),
        "env": ("INPUT_ENV", "input-env"),
        "timeout": ("INPUT_TIMEOUT", "1m"),
    }
    settings = load({"app": "from-option"}, {"GIMLET_APP": "from-env", "GIMLET_ENV": "env-env"}, inputs)

    assert ("from-option", "env-env", 60.0) == (settings.app, settings.env, settings.timeout)
    assert {"app": "--app", "env": "GIMLET_ENV", "timeout": "INPUT_TIMEOUT"} == dict(settings.sources)


def test_empty_means_unset() -> None:
    """An empty GIMLET_* value falls through to the platform input."""
    settings = load(env={"GIMLET_WAIT": ""}, inputs={"wait": ("PARAM_WAIT", "1")})

    assert settings.wait is True


def test_bad_value_names_where_it_came_from() -> None:
    """A bad boolean from a platform input names that input."""
    with pytest.raises(ConfigError, match="PLUGIN_WAIT='sure'"):
        load(inputs={"wait": ("PLUGIN_WAIT", "sure")})


def test_token_is_hidden_from_repr() -> None:
    """The token never shows in the settings' repr."""
    settings = load(env={"GIMLET_TOKEN": "tok-123", "GIMLET_SERVER": "https://g.example/"})

    assert "tok-123" not in repr(settings)
    assert "https://g.example" == settings.server


def test_missing_settings_are_listed_together() -> None:
    """Every missing required setting is named in one error."""
    with pytest.raises(MissingSettingsError) as e:
        load().require("server", "token")

    assert ("GIMLET_SERVER", "GIMLET_TOKEN") == e.value.names


@pytest.mark.parametrize("url", ["gimlet.example.com", "ftp://x", "https://", "://x"])
def test_server_must_be_an_http_url(url: str) -> None:
    """A server that is not an http(s) URL is an error naming GIMLET_SERVER."""
    with pytest.raises(ConfigError, match="GIMLET_SERVER="):
        load(env={"GIMLET_SERVER": url})


def test_fields_and_vars() -> None:
    """GIMLET_FIELDS is parsed like the official input; --var pairs keep their values verbatim."""
    settings = load_settings(options={}, env={"GIMLET_FIELDS": "a=1;b=2"}, inputs={}, extra_vars=["K=v,w", "E="])

    assert (("a", "1"), ("b", "2")) == settings.fields
    assert (("K", "v,w"), ("E", "")) == settings.vars


def test_every_bad_value_is_reported_in_one_error() -> None:
    """Two bad values take one run to find: one error names each with where it came from, and each tip."""
    with pytest.raises(InvalidSettingsError) as e:
        load(
            {"timeout": "soon"},
            {"GIMLET_WAIT": "maybe", "GIMLET_SERVER": "ftp://x"},
            {"dry_run": ("INPUT_DEBUG", "sure")},
        )

    assert [
        "GIMLET_SERVER='ftp://x' is not an http(s) URL",
        "GIMLET_WAIT='maybe' is not a boolean",
        "--timeout='soon' is not a positive duration",
        "INPUT_DEBUG='sure' is not a boolean",
    ] == [error.message for error in e.value.errors]
    assert e.value.message.startswith("4 bad settings: GIMLET_SERVER='ftp://x' is not an http(s) URL; GIMLET_WAIT=")
    assert 2 == e.value.exit_code
    assert e.value.tip is not None
    assert 1 == e.value.tip.count("use true/false")


def test_a_bad_var_is_reported_with_the_bad_settings() -> None:
    """A --var that is not KEY=VALUE joins the other bad values in the one error."""
    with pytest.raises(InvalidSettingsError, match="2 bad settings: GIMLET_DEPLOY='x' is not a boolean; --var 'K'"):
        load_settings(options={}, env={"GIMLET_DEPLOY": "x"}, inputs={}, extra_vars=["K"])


@pytest.mark.parametrize(
    ("options", "env", "push", "source"),
    [
        pytest.param({}, {}, True, None, id="on-by-default"),
        pytest.param({}, {"GIMLET_PUSH": "off"}, False, "GIMLET_PUSH", id="variable-off"),
        pytest.param({"push": False}, {"GIMLET_PUSH": "on"}, False, "--no-push", id="option-wins"),
        pytest.param({"push": None}, {"GIMLET_PUSH": "0"}, False, "GIMLET_PUSH", id="option-not-given"),
    ],
)
def test_push_channel_switch(options: dict[str, object], env: dict[str, str], push: bool, source: str | None) -> None:
    """The push channel is on unless GIMLET_PUSH is off or --no-push is given; the option wins."""
    settings = load(options, env)

    assert (push, source) == (settings.push, settings.sources.get("push"))


def test_a_flag_that_was_not_set_does_not_hide_the_variable() -> None:
    """`wait: False` from the parser means --wait was not given: GIMLET_WAIT still decides."""
    assert load({"wait": False}, {"GIMLET_WAIT": "true"}).wait is True


def test_the_settings_fields_and_their_declarations_agree() -> None:
    """Every declared setting is a field of Settings with the declared default and variable GIMLET_<NAME>."""
    defaults = Settings()
    for declaration in SETTINGS:
        assert declaration.default == getattr(defaults, declaration.name)
        assert f"GIMLET_{declaration.name.upper()}" == declaration.variable
    assert {"server", "token", "push"} <= {declaration.name for declaration in SETTINGS}


# -- unknown names and values that look wrong ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        pytest.param(
            "github",
            {"INPUT_WIAT": "true"},
            "the input `wiat` (INPUT_WIAT) is not one of gimlet-ci's and does nothing; did you mean `wait`?",
            id="github-input",
        ),
        pytest.param(
            "github",
            {"INPUT_BRANCH_HEAD": "abc"},
            "the input `branch_head` (INPUT_BRANCH_HEAD) is not one of gimlet-ci's and does nothing; "
            "did you mean `branchHead`?",
            id="github-official-camel-case",
        ),
        pytest.param(
            "woodpecker",
            {"PLUGIN_WIAT": "true"},
            "the setting `wiat` (PLUGIN_WIAT) is not one of gimlet-ci's and does nothing; did you mean `wait`?",
            id="woodpecker-setting",
        ),
        pytest.param(
            "woodpecker",
            {"PLUGIN_GIMLET_SEVRER": "https://g"},
            "the setting `gimlet_sevrer` (PLUGIN_GIMLET_SEVRER) is not one of gimlet-ci's and does nothing; "
            "did you mean `gimlet_server`?",
            id="woodpecker-credentials",
        ),
        pytest.param(
            "circleci",
            {"PARAM_WIAT": "1"},
            "the orb parameter `wiat` (PARAM_WIAT) is not one of gimlet-ci's and does nothing; did you mean `wait`?",
            id="circleci-parameter",
        ),
        pytest.param(
            "gitlab",
            {"GIMLET_WIAT": "true"},
            "GIMLET_WIAT is not a gimlet-ci setting and does nothing; did you mean GIMLET_WAIT?",
            id="gimlet-variable",
        ),
    ],
)
def test_an_unknown_setting_is_warned_with_the_closest_name(platform: str, env: dict[str, str], expected: str) -> None:
    """A typo under a prefix gimlet-ci reads is one warning naming the variable and the setting it was meant as."""
    assert [expected] == unknown_settings(env, platform)


def test_what_is_not_a_setting_is_not_warned() -> None:
    """Every declared name (any case on GitHub), the official `branchHead`, empty values, the ids gimlet-ci exports
    to later steps, Gimlet's own variables and other platforms' prefixes are all left alone."""
    env = {
        **{d.variable: "x" for d in SETTINGS},
        "INPUT_wait": "true",
        "INPUT_DEBUG": "false",
        "INPUT_BRANCHHEAD": "abc",
        "INPUT_dry-run": "false",
        "INPUT_UNUSED": "",
        "GIMLET_ARTIFACT_ID": "acme/shop-1",
        "GIMLET_RELEASE_ID": "r-1",
        "GIMLET_CLOUD_REGISTRY_LOGIN": "x",
        "PLUGIN_WIAT": "true",
        "PARAM_WIAT": "1",
    }
    assert [] == unknown_settings(env, "github")


def test_recorded_ci_environments_warn_of_nothing() -> None:
    """No variable a real run of a supported CI sets (the golden environments) is taken for a typo."""
    from tests.adapters.test_golden import FIXTURES, load_env  # noqa: PLC0415

    found = {
        path.name: unknown_settings(load_env(path), path.parent.name) for path in (FIXTURES / "env").glob("*/*.env")
    }
    assert {} == {name: warnings for name, warnings in found.items() if warnings}


@pytest.mark.parametrize(
    ("fields", "platform", "expected"),
    [
        pytest.param(
            "docs=https://docs.example.com logs=https://logs.example.com",
            "github",
            "the `fields` input: the link 'docs=https://docs.example.com logs=https://logs.example.com' holds another "
            "pair (logs=...); separate name=url pairs with ; or line breaks, not spaces or commas",
            id="spaces",
        ),
        pytest.param(
            "docs=https://docs.example.com,logs=https://logs.example.com",
            "circleci",
            "the orb parameter `fields`: the link 'docs=https://docs.example.com,logs=https://logs.example.com' holds "
            "another pair (logs=...); separate name=url pairs with ; or line breaks, not spaces or commas",
            id="comma",
        ),
    ],
)
def test_fields_with_the_wrong_separator_are_warned(fields: str, platform: str, expected: str) -> None:
    """Pairs separated by spaces (as the official action split them) or commas would become one broken link."""
    prefix = {"github": "INPUT_FIELDS", "circleci": "PARAM_FIELDS"}[platform]
    settings = load(inputs={"fields": (prefix, fields)})

    assert [expected] == value_warnings(settings, platform)


def test_well_separated_fields_and_query_strings_are_not_warned() -> None:
    """`;`-separated pairs and URLs with a query string are what the setting expects."""
    settings = load(env={"GIMLET_FIELDS": "docs=https://d.example/?a=1&b=2;logs=https://l.example"})

    assert [] == value_warnings(settings, "github")


def test_a_var_holding_another_pair_is_warned() -> None:
    """`--var A=1,B=2` sets one variable A to `1,B=2`: say so."""
    settings = load_settings(options={}, env={}, inputs={}, extra_vars=["A=1,B=2"])

    assert ["--var A='1,B=2' holds another pair (B=...); give each variable its own --var"] == value_warnings(
        settings, "local"
    )


@pytest.mark.parametrize(
    ("platform", "inputs", "expected"),
    [
        pytest.param(
            "woodpecker",
            {"env": ("PLUGIN_ENV", "production")},
            "the `env` setting does nothing without the `deploy` setting: the artifact is shipped and Gimlet's deploy "
            "policies decide; turn the `deploy` setting on to release it there",
            id="woodpecker",
        ),
        pytest.param(
            "local",
            {"env": ("GIMLET_ENV", "production"), "app": ("GIMLET_APP", "shop")},
            "GIMLET_ENV and GIMLET_APP do nothing without --deploy / GIMLET_DEPLOY: the artifact is shipped and "
            "Gimlet's deploy policies decide; turn --deploy / GIMLET_DEPLOY on to release it there",
            id="cli",
        ),
    ],
)
def test_env_without_deploy_is_warned_in_the_platforms_words(
    platform: str, inputs: dict[str, tuple[str, str]], expected: str
) -> None:
    """`env` (and `app`) without `deploy` ship in automated mode: the warning names them as the user wrote them."""
    env = {source: value for source, value in inputs.values() if source.startswith("GIMLET_")}
    settings = load(env=env, inputs={k: v for k, v in inputs.items() if not v[0].startswith("GIMLET_")})

    assert [expected] == mode_warnings(settings, platform)


def test_wait_in_a_dry_run_is_warned() -> None:
    """A dry run sends nothing, so `wait` does nothing."""
    settings = load({"wait": True, "dry_run": True})

    assert ["--wait does nothing in a dry run (--dry-run): nothing is sent, so nothing is waited for"] == (
        mode_warnings(settings, "local")
    )


@pytest.mark.parametrize(
    ("platform", "tip"),
    [
        pytest.param("github", "an on-demand deploy needs the `env` input (and optionally the `app` input)", id="gh"),
        pytest.param(
            "woodpecker", "an on-demand deploy needs the `env` setting (and optionally the `app` setting)", id="wp"
        ),
        pytest.param(
            "circleci",
            "an on-demand deploy needs the orb parameter `env` (and optionally the orb parameter `app`)",
            id="cci",
        ),
        pytest.param(
            "local", "an on-demand deploy needs --env / GIMLET_ENV (and optionally --app / GIMLET_APP)", id="cli"
        ),
    ],
)
def test_deploy_without_env_tips_in_the_platforms_words(platform: str, tip: str) -> None:
    """The TIP for `deploy` without `env` names the setting as the user's platform spells it."""
    with pytest.raises(ConfigError) as e:
        load({"deploy": True}).check_mode(platform)

    assert tip == e.value.tip


@pytest.mark.parametrize(
    "value", ["https://g.example GIMLET_TOKEN=tok-123", "https://g.example,GIMLET_TOKEN=tok-123", "https://g.ex;a=b"]
)
def test_a_server_holding_another_setting_is_an_error_that_does_not_show_it(value: str) -> None:
    """A server URL followed by another `NAME=` (the wrong separator) stops before anything is sent, without
    showing the value: what follows may be the token."""
    with pytest.raises(ConfigError) as e:
        load(env={"GIMLET_SERVER": value})

    assert "GIMLET_SERVER holds more than a URL: a space, or another NAME= after it" == e.value.message
    assert "tok-123" not in e.value.message + str(e.value.tip)


@pytest.mark.parametrize(
    ("platform", "given"),
    [
        ("circleci", {"PARAM_ARTIFACT_ID": "acme-app-222", "PARAM_RELEASE_ID": "r-222"}),
        ("gitlab", {"INPUT_ARTIFACT_ID": "acme-app-222", "INPUT_RELEASE_ID": "r-222"}),
    ],
)
def test_ids_given_to_a_step_win_over_the_ids_an_earlier_step_handed_on(platform: str, given: dict[str, str]) -> None:
    """CircleCI's `$BASH_ENV` and GitLab's dotenv report hand `GIMLET_ARTIFACT_ID`/`GIMLET_RELEASE_ID` to later
    steps; a later step that names its own ids (the orb's parameters, the components' inputs) reads those."""
    from gimlet_ci.adapters import adapter_by_name  # noqa: PLC0415

    handed_on = {"GIMLET_ARTIFACT_ID": "acme-app-111", "GIMLET_RELEASE_ID": "r-111"}
    env = {**handed_on, **given}
    settings = load_settings(options={}, env=env, inputs=adapter_by_name(platform).inputs(env))
    assert ("acme-app-222", "r-222") == (settings.artifact_id, settings.release_id)
    alone = load_settings(options={}, env=handed_on, inputs=adapter_by_name(platform).inputs(handed_on))
    assert ("acme-app-111", "r-111") == (alone.artifact_id, alone.release_id)
