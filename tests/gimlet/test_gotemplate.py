"""The Go text/template subset Gimlet's ResolveVars needs."""

from __future__ import annotations

import pytest

from gimlet_ci.gimlet.gotemplate import (
    TemplateError,
    referenced_names,
    render,
    resolve_manifest,
    sanitize_dns_name,
    template_vars,
)

VARS = {"SHA": "9f1c2e0d1234567", "BRANCH": "Feature/New_UI", "EMPTY": "", "REPO": "acme/shop"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("{{ .SHA }}", "9f1c2e0d1234567", id="field"),
        pytest.param("{{.SHA}}", "9f1c2e0d1234567", id="no-spaces"),
        pytest.param("tag-{{ .SHA | trunc 7 }}", "tag-9f1c2e0", id="pipe-trunc"),
        pytest.param("{{ trunc 7 .SHA }}", "9f1c2e0", id="call-trunc"),
        pytest.param("{{ .SHA | trunc -3 }}", "567", id="trunc-negative"),
        pytest.param("{{ .BRANCH | sanitizeDNSName }}", "feature-new-ui", id="sanitize"),
        pytest.param("{{ .BRANCH | lower }}", "feature/new_ui", id="lower"),
        pytest.param("{{ .BRANCH | upper }}", "FEATURE/NEW_UI", id="upper"),
        pytest.param('{{ .REPO | replace "/" "-" }}', "acme-shop", id="replace"),
        pytest.param('{{ .EMPTY | default "none" }}', "none", id="default-empty"),
        pytest.param('{{ .SHA | default "none" | trunc 3 }}', "9f1", id="default-kept"),
        pytest.param("{{ .REPO | quote }}", '"acme/shop"', id="quote"),
        pytest.param('{{ .REPO | trimPrefix "acme/" }}', "shop", id="trim-prefix"),
        pytest.param('{{ .REPO | trimSuffix "/shop" }}', "acme", id="trim-suffix"),
        pytest.param('{{ "lit" }}', "lit", id="string-literal"),
        pytest.param("{{ `raw` }}", "raw", id="raw-literal"),
        pytest.param("a  {{- .SHA | trunc 1 -}}  b", "a9b", id="trim-markers"),
        pytest.param("a{{/* comment */}}b", "ab", id="comment"),
        pytest.param("no templates", "no templates", id="plain"),
    ],
)
def test_render(text: str, expected: str) -> None:
    """Supported actions render as Go's text/template with sprig would."""
    assert expected == render(text, VARS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "{{ .NOPE }}",
            'template: :1:3: executing "" at <.NOPE>: map has no entry for key "NOPE"',
            id="first-line",
        ),
        pytest.param(
            "image:\n  tag: {{ .SHA }}-{{ .GONE }}",
            'template: :2:21: executing "" at <.GONE>: map has no entry for key "GONE"',
            id="second-line",
        ),
    ],
)
def test_missing_key(text: str, message: str) -> None:
    """A missing variable fails with Go's missingkey=error text, line and byte column."""
    with pytest.raises(TemplateError) as info:
        render(text, VARS)
    assert message == str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{{ if .SHA }}x{{ end }}", id="if"),
        pytest.param("{{ range .SHA }}{{ end }}", id="range"),
        pytest.param("{{ $x := .SHA }}", id="variable"),
        pytest.param('{{ printf "%s" .SHA }}', id="unknown-function"),
        pytest.param("{{ (.SHA) }}", id="parentheses"),
        pytest.param("{{ .A.B }}", id="field-chain"),
    ],
)
def test_unsupported_fails_loudly(text: str) -> None:
    """Constructs outside the subset raise instead of rendering wrongly."""
    with pytest.raises(TemplateError, match="unsupported template construct"):
        render(text, VARS)


def test_unclosed_action() -> None:
    """An unclosed action is a parse error in Go's words."""
    with pytest.raises(TemplateError, match=r"template: :1: unclosed action"):
        render("{{ .SHA", VARS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("feature/ABC_x--y", "feature-abc-x-y", id="runs-collapse"),
        pytest.param("-main-", "main", id="trim-dashes"),
        pytest.param("a" * 60, "a" * 53, id="cut-at-53"),
        pytest.param("x" * 52 + "/y", "x" * 52, id="cut-then-trim"),
        pytest.param("Ünïcode", "n-code", id="non-ascii"),
    ],
)
def test_sanitize_dns_name(value: str, expected: str) -> None:
    """sanitizeDNSName follows Gimlet's source: runs to '-', 53 bytes, one dash trimmed each side."""
    assert expected == sanitize_dns_name(value)


def test_template_vars_precedence() -> None:
    """context < items string values < vars < APP, and vars values are themselves templated."""
    artifact = {
        "context": {"A": "context", "B": "context", "C": "context"},
        "items": [{"B": "item", "C": "item", "n": 3}],
        "vars": {"C": "vars", "URL": "https://x/{{ .A }}"},
    }
    expected = {"A": "context", "B": "item", "C": "vars", "URL": "https://x/context", "APP": "shop"}
    assert expected == template_vars(artifact, app="shop")


def test_resolve_manifest() -> None:
    """Every string of a manifest is rendered; cleanup is left alone."""
    manifest = {
        "app": "shop-{{ .BRANCH | sanitizeDNSName }}",
        "values": {"image": {"tag": "{{ .SHA }}"}, "replicas": 2, "list": ["{{ .REPO }}"]},
        "cleanup": {"app": "{{ .NOT_RESOLVED }}"},
    }
    expected = {
        "app": "shop-feature-new-ui",
        "values": {"image": {"tag": "9f1c2e0d1234567"}, "replicas": 2, "list": ["acme/shop"]},
        "cleanup": {"app": "{{ .NOT_RESOLVED }}"},
    }
    assert expected == resolve_manifest(manifest, VARS)


def test_referenced_names() -> None:
    """Lint can list the variables a text references, even when it cannot render it."""
    assert {"SHA", "BRANCH", "X"} == referenced_names(
        '{{ .SHA | trunc 7 }}-{{ .BRANCH }} {{ if .X }}{{ "{{ .NOT }}" }}{{ end }}'
    )
