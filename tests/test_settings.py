"""Settings precedence and validation: options > GIMLET_* > the platform's own inputs."""

from __future__ import annotations

import pytest

from gimlet_ci._settings import Settings, load_settings
from gimlet_ci.exceptions import ConfigError, MissingSettingsError


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
