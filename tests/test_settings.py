"""Settings precedence and validation: options > GIMLET_* > the platform's own inputs."""

from __future__ import annotations

import pytest

from gimlet_ci._settings import SETTINGS, Settings, load_settings
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
