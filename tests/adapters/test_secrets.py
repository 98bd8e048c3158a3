"""The secret filter: credentials never become template vars."""

from __future__ import annotations

import pytest

from gimlet_ci.adapters import is_secret_name, platform_vars


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "CIRCLE_OIDC_TOKEN",
        "CIRCLE_OIDC_TOKEN_V2",
        "CI_JOB_TOKEN",
        "CI_JOB_JWT_V2",
        "CI_REGISTRY_PASSWORD",
        "CI_NETRC_PASSWORD",
        "MY_GITHUB_PAT",
        "GITHUB_API_KEY",
        "DOCKER_AUTH_CONFIG",
        "GIMLET_TOKEN",
        "PLUGIN_GIMLET_TOKEN",
        "INPUT_WAIT",
        "PARAM_APP",
        "github_client_secret",
        "DRONE_NETRC_USERNAME",
        "DRONE_NETRC_PASSWORD",
        "DRONE_NETRC_MACHINE",
        "CI_NETRC_USERNAME",
        "CI_NETRC_MACHINE",
        "DB_PASS",
        "SMTP_PWD",
        "GCP_CREDS",
        "DEPLOY_PRIVKEY",
        "API_BEARER",
        "SLACK_WEBHOOK",
        "SLACK_WEBHOOK_URL",
        "SENTRY_DSN",
        "CI_KUBECONFIG",
        "AZURE_CONNECTION_STRING",
    ],
)
def test_secret_names(name: str) -> None:
    """Credential-looking and input names are secret."""
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_SHA",
        "GITHUB_PATH",
        "CI_COMMIT_AUTHOR",
        "CIRCLE_BUILD_URL",
        "CI_PIPELINE_URL",
        "GITHUB_WORKFLOW",
        "BYPASS_CACHE",
        "CI_PIPELINE_PASSED",
        "CI_PROJECT_DIR",
        "GITHUB_WORKSPACE",
    ],
)
def test_ordinary_names(name: str) -> None:
    """Ordinary CI variables are kept (PATH is not PAT, AUTHOR is not AUTH)."""
    assert not is_secret_name(name)


def test_platform_vars_drops_secrets_by_name_and_value() -> None:
    """platform_vars keeps exact values, skips empties, and drops secret names and credential URLs."""
    env = {
        "CI_JOB_TOKEN": "glcbt-x",
        "CI_REPOSITORY_URL": "https://gitlab-ci-token:glcbt-x@gitlab.com/a/b.git",
        "CI_TOKENLESS_URL": "https://ghp_secret@github.com/a/b.git",
        "CI_REPO_CLONE_SSH_URL": "ssh://git@github.com/a/b.git",
        "CI_COMMIT_MESSAGE": "  two words  ",
        "CI_COMMIT_TAG": "",
        "OTHER": "x",
    }
    assert {
        "CI_COMMIT_MESSAGE": "  two words  ",
        "CI_REPO_CLONE_SSH_URL": "ssh://git@github.com/a/b.git",
    } == platform_vars(env, contains="CI_")


def test_drone_netrc_forge_token_is_not_shipped() -> None:
    """Drone (with GitHub) hands every step the forge's OAuth token as DRONE_NETRC_USERNAME: never a template var."""
    from gimlet_ci.adapters import drone, woodpecker  # noqa: PLC0415

    env = {
        "DRONE": "true",
        "DRONE_REPO": "acme/shop",
        "DRONE_COMMIT_SHA": "a" * 40,
        "DRONE_NETRC_MACHINE": "github.com",
        "DRONE_NETRC_USERNAME": "gho_forge0auth0token",
        "DRONE_NETRC_PASSWORD": "x-oauth-basic",
        "CI_NETRC_USERNAME": "gho_forge0auth0token",
        "CI_NETRC_PASSWORD": "x-oauth-basic",
    }
    for adapter in (drone, woodpecker):
        ctx = adapter.context(env, lambda _: b"")
        assert not [name for name in ctx.vars if "NETRC" in name]
        assert "gho_forge0auth0token" not in str(ctx.vars)
