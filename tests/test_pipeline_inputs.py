"""Issue 12 in the core: the vars parser and its precedence, the env_var_name indirection (and its secret), the
deploy addresses Gimlet would render, GitHub annotations and GitLab's reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gimlet_ci._models import DeployOutcome, Note, Outcome
from gimlet_ci._parse import parse_vars
from gimlet_ci._secrets import TOKEN_NAMED_BY, token_values
from gimlet_ci._settings import BY_NAME, load_settings
from gimlet_ci.adapters import circleci, github, gitlab
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.manifests.addresses import deploy_addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("DIGEST=sha256:ab", (("DIGEST", "sha256:ab"),), id="one"),
        pytest.param("A=1;B=2", (("A", "1"), ("B", "2")), id="semicolons"),
        pytest.param("A=1\nB=x;y\n\n", (("A", "1"), ("B", "x;y")), id="lines-keep-semicolons"),
        pytest.param("Q=a=b", (("Q", "a=b"),), id="split-at-first-equals"),
        pytest.param("A=1\r\nB=2", (("A", "1"), ("B", "2")), id="crlf"),
        pytest.param(" ; ", (), id="blank"),
    ],
)
def test_vars_parse_one_per_line_or_semicolon_separated(text: str, expected: tuple[tuple[str, str], ...]) -> None:
    """The one parser of GIMLET_VARS and every packaging's vars."""
    assert expected == parse_vars(text, name="GIMLET_VARS")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("A=1\nsecret-without-equals", "GIMLET_VARS: entry 2 is not KEY=VALUE", id="no-equals"),
        pytest.param("my-var=1", "GIMLET_VARS: 'my-var' is not a template variable name", id="bad-name"),
    ],
)
def test_vars_errors_name_the_variable_and_never_show_a_value(text: str, message: str) -> None:
    """A bad entry fails naming the variable and the entry; the text itself (possibly a secret) is not shown."""
    with pytest.raises(ConfigError) as caught:
        parse_vars(text, name="GIMLET_VARS")
    assert message == caught.value.message
    assert "secret-without-equals" not in caught.value.message


def test_vars_precedence_is_that_of_every_setting() -> None:
    """--var beats GIMLET_VARS beats the platform's vars input, as for the other settings."""
    inputs = {"vars": ("INPUT_VARS", "FROM=input")}
    env = {"GIMLET_VARS": "FROM=env"}
    assert (("FROM", "input"),) == load_settings(options={}, env={}, inputs=inputs).vars
    assert (("FROM", "env"),) == load_settings(options={}, env=env, inputs=inputs).vars
    assert (("FROM", "cli;x"),) == load_settings(options={"vars": ["FROM=cli;x"]}, env=env, inputs=inputs).vars


def test_an_env_var_name_parameter_wins_over_gimlet_token_and_is_scrubbed() -> None:
    """The orb's token_env_var_name names the variable to read: it wins over GIMLET_TOKEN, and its value is kept
    out of every line as the token's is."""
    env = {
        "PARAM_TOKEN_ENV_VAR_NAME": "PROD_GIMLET_TOKEN",
        "PROD_GIMLET_TOKEN": "prod-token-1234567890",
        "GIMLET_TOKEN": "staging-token-0987654321",
        "PARAM_SERVER_ENV_VAR_NAME": "PROD_GIMLET_SERVER",
        "PROD_GIMLET_SERVER": "https://prod.gimlet.example.com",
        "GIMLET_SERVER": "https://staging.gimlet.example.com",
    }
    settings = load_settings(options={}, env=env, inputs=circleci.inputs(env))
    assert ("prod-token-1234567890", "https://prod.gimlet.example.com") == (settings.token, settings.server)
    assert "PROD_GIMLET_TOKEN" == settings.sources["token"]
    assert "prod-token-1234567890" in token_values(env)
    assert (BY_NAME["token"].named_by("circleci"),) == TOKEN_NAMED_BY


def _body(*manifests: dict[str, object], branch: str = "feature/Login_1") -> bytes:
    version = {"repositoryName": "acme/shop", "sha": "a" * 40, "branch": branch}
    return json.dumps(
        {"version": version, "vars": {"BRANCH": branch, "SHA": "a" * 40}, "environments": manifests}
    ).encode()


def test_addresses_are_the_hosts_gimlet_renders_previews_included() -> None:
    """Templated with the artifact's vars; a preview's app and host are renamed as PrepPreview does; a host Gimlet
    could not render here (a variable only the gitops repository has) or none at all gives no address."""
    body = _body(
        {"app": "shop", "env": "staging", "values": {"ingress": {"host": "shop-{{ .SHA | trunc 7 }}.example.com"}}},
        {"app": "shop", "env": "preview", "preview": True, "values": {"ingress": {"host": "shop.preview.example.com"}}},
        {"app": "api", "env": "staging", "values": {"ingress": {"host": "{{ .GITOPS_ONLY }}.example.com"}}},
        {"app": "worker", "env": "staging", "values": {"replicas": 1}},
    )
    assert {
        ("staging", "shop"): "https://shop-aaaaaaa.example.com",
        ("preview", "shop-feature-login-1"): "https://shop-feature-login-1.preview.example.com",
    } == deploy_addresses(body)


def test_the_url_output_is_the_first_deploy_address_failed_ones_last() -> None:
    """Outcome.url: a succeeded deploy's address before a failed one's; None without any."""
    deploys = (
        DeployOutcome(app="a", env="e", status="failed", url="https://a.example.com"),
        DeployOutcome(app="b", env="e", status="succeeded", url="https://b.example.com"),
    )
    assert "https://b.example.com" == Outcome(deploys=deploys).url
    assert Outcome(deploys=(DeployOutcome(app="c"),)).url is None
    assert "https://b.example.com" == Outcome(deploys=deploys).as_json()["url"]


def test_github_annotations_escape_as_actions_core_and_stop_at_ten() -> None:
    """Properties escape %, CR, LF, : and ,; the message %, CR and LF; 10 per severity, then one line says more."""
    note = Note(file=".gimlet/a,b:c.yaml", line=3, key="deploy.event", severity="error", message="50%\nnext:1,2")
    (line,) = github.annotate({}, [note])
    assert "::error file=.gimlet/a%2Cb%3Ac.yaml,line=3,title=gimlet-ci%3A deploy.event::50%25%0Anext:1,2" == line
    many = [Note(file="f.yaml", line=n, key="k", severity="warning", message="m") for n in range(1, 13)]
    lines = github.annotate({}, many)
    assert 11 == len(lines)
    assert "::warning title=gimlet-ci::2 more warnings: see the step's log" == lines[-1]


def test_gitlab_dotenv_report_leaves_out_a_value_with_a_line_break(tmp_path: Path) -> None:
    """GitLab's dotenv reader has no escapes: only single-line values are written; without GIMLET_DOTENV nothing."""
    outcome = Outcome(artifact_id="acme/shop-1", status="failed", deploys=(DeployOutcome(url="https://x\ny"),))
    (path, text) = gitlab.outputs({"GIMLET_DOTENV": str(tmp_path / "r.env")}, outcome).files[0]
    assert str(tmp_path / "r.env") == path
    assert "GIMLET_ARTIFACT_ID=acme/shop-1\nGIMLET_RELEASE_ID=\nGIMLET_STATUS=failed\n" == text
    assert () == gitlab.outputs({}, outcome).files


def test_vars_split_at_line_breaks_only() -> None:
    """A value may hold a form feed or U+2028: only CR, LF and CRLF end a pair in the multi-line form."""
    assert (("A", "x\x0cy\u2028z"), ("B", "2"), ("C", "3")) == parse_vars(
        "A=x\x0cy\u2028z\r\nB=2\rC=3", name="GIMLET_VARS"
    )
