"""`gimlet-ci lint`: every problem names file, line and key, with the right severity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gimlet_ci.exceptions import ManifestError
from gimlet_ci.manifests.lint import (
    Problem,
    as_json,
    breaking_problems,
    exit_code,
    format_text,
    lint,
    lint_documents,
)
from gimlet_ci.manifests.reading import read_manifests

SHOP = Path(__file__).parents[1] / "fixtures" / "repos" / "shop" / ".gimlet"

HEAD = "app: shop\nenv: staging\n"
"""Two valid lines most cases start with, so their problems are on line 3 and later."""


@pytest.fixture(name="gimlet")
def _gimlet(tmp_path: Path) -> Path:
    directory = tmp_path / ".gimlet"
    directory.mkdir()
    return directory


def _lint_one(gimlet: Path, text: str) -> list[Problem]:
    (gimlet / "x.yaml").write_text(text, encoding="utf-8")
    return lint(gimlet)


CASES = [
    pytest.param(HEAD + "chart:\n  name: onechart\n", [], id="clean"),
    # reading
    pytest.param("app: [\n", [(2, "", "error", "not valid YAML")], id="not-yaml"),
    pytest.param("- a\n- b\n", [(1, "", "error", "not a mapping")], id="not-a-mapping"),
    # required keys
    pytest.param("env: staging\n", [(1, "", "error", "missing app")], id="missing-app"),
    pytest.param("app: shop\nenv:\n", [(2, "env", "error", "missing env")], id="empty-env"),
    pytest.param(
        HEAD + "dependencies:\n  - name: db\n    spec: {}\n",
        [(4, "dependencies[0]", "error", "a dependency without kind: Gimlet stops decoding the artifact here")],
        id="dependency-without-kind",
    ),
    # unknown keys
    pytest.param(
        HEAD + "deplooy:\n  event: push\n",
        [(3, "deplooy", "warning", "did you mean 'deploy'?")],
        id="typo-top",
    ),
    pytest.param(
        HEAD + "Values: {}\n",
        [(3, "Values", "error", "differs from Gimlet's 'values' only in letter case")],
        id="case-typo",
    ),
    pytest.param(
        HEAD + "deploy:\n  event: push\n  brnach: main\n",
        [
            (
                5,
                "deploy.brnach",
                "warning",
                "unknown key 'brnach' under deploy: did you mean 'branch'?",
            )
        ],
        id="typo-in-deploy",
    ),
    pytest.param(
        HEAD + "chart:\n  name: onechart\n  verison: 1.0.0\n",
        [(5, "chart.verison", "warning", "did you mean 'version'?")],
        id="typo-in-chart",
    ),
    pytest.param(
        HEAD + "cleanup:\n  app: x\n  event: branchDeleted\n  banch: '*'\n",
        [(6, "cleanup.banch", "warning", "did you mean 'branch'?")],
        id="typo-in-cleanup",
    ),
    pytest.param(
        HEAD + "json6902Patches:\n  - patch: x\n    target:\n      kidn: Deployment\n",
        [(6, "json6902Patches[0].target.kidn", "warning", "did you mean 'kind'?")],
        id="typo-in-patch-target",
    ),
    pytest.param(
        HEAD + "dependencies:\n  - name: db\n    kind: terraform\n    sepc: {}\n",
        [
            (4, "dependencies[0].spec", "error", "a terraform dependency needs spec: with module.url and values"),
            (6, "dependencies[0].sepc", "warning", "did you mean 'spec'?"),
        ],
        id="typo-in-dependency",
    ),
    pytest.param(HEAD + "foo: 1\n", [(3, "foo", "warning", "known keys: app, env")], id="unknown-no-match"),
    pytest.param(HEAD + "values:\n  anything: {goes: [here]}\n", [], id="values-free-form"),
    # types
    pytest.param(
        "app: 123\nenv: staging\n",
        [(1, "app", "error", "123 is a number, and Gimlet reads only strings here")],
        id="app-number",
    ),
    pytest.param(
        HEAD + "namespace: [a]\n",
        [(3, "namespace", "error", "a list, and Gimlet reads only strings here")],
        id="namespace-list",
    ),
    pytest.param(
        HEAD + "preview: yes\n",
        [(3, "preview", "error", "YAML 1.2 reads yes/no/on/off as strings")],
        id="preview-yes",
    ),
    pytest.param(
        HEAD + "chart:\n  name: onechart\n  version: 1.0\n",
        [(5, "chart.version", "error", 'quote it: "1.0"')],
        id="chart-version-float",
    ),
    pytest.param(
        HEAD + "chart: onechart\n",
        [(3, "chart", "error", "not a mapping: Gimlet keeps an empty chart")],
        id="chart-string",
    ),
    pytest.param(
        HEAD + "deploy:\n  event: 1\n",
        [(4, "deploy.event", "error", "1 is not a string: Gimlet stops decoding the artifact here")],
        id="event-number",
    ),
    pytest.param(
        HEAD + "deploy:\n  event: pull_request\n",
        [
            (
                4,
                "deploy.event",
                "error",
                '"pull_request" is not an event Gimlet knows: it reads every other string as push',
            )
        ],
        id="event-unknown",
    ),
    pytest.param(
        HEAD + "deploy:\n  commitMessagePatterns: '*deploy*'\n",
        [(4, "deploy.commitMessagePatterns", "error", 'write commitMessagePatterns: ["*deploy*"]')],
        id="patterns-string",
    ),
    pytest.param(
        HEAD + "deploy:\n  commitMessagePatterns: [ok, 1]\n",
        [(4, "deploy.commitMessagePatterns[1]", "error", 'quote it: "1"')],
        id="patterns-item-number",
    ),
    pytest.param(HEAD + "values: [1]\n", [(3, "values", "error", "a list, not a mapping")], id="values-list"),
    pytest.param(
        HEAD + "json6902Patches: {}\n",
        [(3, "json6902Patches", "error", "a mapping, not a list")],
        id="patches-mapping",
    ),
    pytest.param(
        HEAD + "cleanup:\n  event: pushed\n",
        [(4, "cleanup.event", "warning", "the only one, branchDeleted")],
        id="cleanup-event",
    ),
    # deploy policies
    pytest.param(
        HEAD + "deploy:\n  branch: main\n",
        [(4, "deploy.branch", "error", "a branch policy with no event never fires")],
        id="branch-without-event",
    ),
    pytest.param(
        HEAD + "deploy:\n  branch: main\n  event: tag\n",
        [(4, "deploy.branch", "error", "a branch policy with event 'tag' never fires")],
        id="branch-with-tag-event",
    ),
    pytest.param(
        HEAD + "deploy:\n  tag: v*\n",
        [(4, "deploy.tag", "error", "a tag policy with no event never fires; add event: tag")],
        id="tag-without-event",
    ),
    pytest.param(
        HEAD + "deploy:\n  tag: v*\n  branch: main\n  event: tag\n",
        [(4, "deploy.tag", "error", "deploy.tag and deploy.branch in one policy never fire")],
        id="tag-and-branch",
    ),
    pytest.param(HEAD + "deploy: {}\n", [(3, "deploy", "warning", "it never fires")], id="empty-deploy"),
    pytest.param(HEAD + "deploy:\n", [], id="null-deploy-is-on-demand"),
    pytest.param(
        HEAD + "deploy:\n  branch: 'feature/[a'\n  event: push\n",
        [(4, "deploy.branch", "error", "its server would crash (glob.MustCompile panics)")],
        id="bad-branch-glob",
    ),
    pytest.param(
        HEAD + "deploy:\n  branch: '{main,dev'\n  event: push\n",
        [(4, "deploy.branch", "warning", "unclosed '{'")],
        id="unclosed-brace",
    ),
    pytest.param(HEAD + "deploy:\n  branch: '!{main,master}'\n  event: push\n", [], id="negated-branch-ok"),
    pytest.param(HEAD + "deploy:\n  tag: '!v1'\n  event: tag\n", [], id="negated-tag-literal-ok"),
    pytest.param(
        HEAD + "deploy:\n  tag: '!v1*'\n  event: tag\n",
        [(4, "deploy.tag", "warning", "Gimlet does not negate tag globs")],
        id="negated-tag-glob",
    ),
    pytest.param(
        HEAD + "deploy:\n  commitMessagePatterns: ['*[deploy]*']\n",
        [],
        id="brackets-literal-in-patterns",
    ),
    pytest.param(
        HEAD + "preview: true\ndeploy:\n  branch: main\n  event: push\n",
        [(4, "deploy", "warning", "preview: true replaces this policy")],
        id="preview-ignores-deploy",
    ),
    # template variables
    pytest.param(
        HEAD + "values:\n  tag: '{{ .SHA }}-{{ .BRANCH | sanitizeDNSName }}-{{ .APP }}'\n",
        [],
        id="provided-vars",
    ),
    pytest.param(
        HEAD + "values:\n  tag: '{{ .GITHUB_SHA }}'\n",
        [(4, "values.tag", "warning", "only provided when running on GitHub Actions")],
        id="platform-var",
    ),
    pytest.param(
        HEAD + "values:\n  tag: '{{ .CIRCLE_SHA1 }}'\n",
        [(4, "values.tag", "warning", "running on CircleCI")],
        id="circle-var",
    ),
    pytest.param(
        HEAD + "values:\n  image:\n    tag: '{{ .IMAGE_TAG }}'\n",
        [(5, "values.image.tag", "error", "map has no entry for key 'IMAGE_TAG'")],
        id="unknown-var",
    ),
    pytest.param(
        HEAD + "values:\n  '{{ .KEYVAR }}': x\n",
        [(4, "values.{{ .KEYVAR }}", "error", "{{ .KEYVAR }} is neither")],
        id="var-in-key",
    ),
    pytest.param(HEAD + "cleanup:\n  app: 'x-{{ .WHATEVER }}'\n", [], id="cleanup-not-rendered"),
    # values Go cannot encode
    pytest.param(
        HEAD + "values:\n  a:\n    1: one\n",
        [(5, "values.a.1", "error", "Go cannot encode it to JSON")],
        id="nested-int-key",
    ),
    pytest.param(
        HEAD + "values:\n  true: x\n",
        [(4, "values.true", "warning", "Gimlet reads it as the string 'true'")],
        id="direct-bool-key",
    ),
    pytest.param(
        HEAD + "values:\n  ratio: .nan\n",
        [(4, "values.ratio", "error", "cannot be sent as JSON")],
        id="nan-value",
    ),
    # documents
    pytest.param(
        HEAD + "---\napp: other\nenv: staging\n",
        [(4, "", "error", "the official CLI take only the first document")],
        id="multi-document",
    ),
    pytest.param(
        HEAD + "---\n" + HEAD,
        [
            (4, "", "error", "multi-document"),
            (4, "app", "warning", "already defined in"),
        ],
        id="duplicate-app-env",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_lint_cases(gimlet: Path, text: str, expected: list[tuple[int, str, str, str]]) -> None:
    """Each mistake is reported once, at its line and key, with the expected severity and words."""
    problems = _lint_one(gimlet, text)
    assert [(line, key, severity) for line, key, severity, _ in expected] == [
        (p.line, p.key, p.severity) for p in problems
    ]
    for (_, _, _, fragment), problem in zip(expected, problems, strict=True):
        assert fragment in problem.message
        assert f"{gimlet.as_posix()}/x.yaml" == problem.file


def test_vars_file_defines_names(gimlet: Path) -> None:
    """Names `.gimlet/vars` defines are known variables."""
    (gimlet / "vars").write_text("IMAGE_TAG=latest\n")
    assert [] == _lint_one(gimlet, HEAD + "values:\n  tag: '{{ .IMAGE_TAG }}'\n")


def test_broken_vars_file(gimlet: Path) -> None:
    """A vars file that cannot be parsed is an error at its line."""
    (gimlet / "vars").write_text("A=1\nB C\n")
    problems = _lint_one(gimlet, HEAD)
    assert [(f"{gimlet.as_posix()}/vars", 2, "error")] == [(p.file, p.line, p.severity) for p in problems]


def test_known_vars_from_the_run(gimlet: Path) -> None:
    """With the run's actual vars, a platform variable it does not send is an error, APP always known."""
    (gimlet / "x.yaml").write_text(HEAD + "values:\n  a: '{{ .GITHUB_SHA }}'\n  b: '{{ .SHA }}{{ .APP }}'\n")
    problems = lint(gimlet, known_vars={"SHA"})
    assert [(4, "values.a", "error")] == [(p.line, p.key, p.severity) for p in problems]
    assert [] == lint(gimlet, known_vars={"SHA", "GITHUB_SHA"})


def test_several_files_keep_going(gimlet: Path) -> None:
    """One broken file does not hide the problems of the others; output is sorted by file and line."""
    (gimlet / "a.yaml").write_text("app: [\n")
    (gimlet / "b.yaml").write_text("- x\n")
    (gimlet / "c.yaml").write_text(HEAD + "deploy:\n  branch: main\n")
    problems = lint(gimlet)
    assert [("a.yaml", 2), ("b.yaml", 1), ("c.yaml", 4)] == [(Path(p.file).name, p.line) for p in problems]


def test_empty_directory_warns(gimlet: Path) -> None:
    """A directory without manifests gives one warning and exit code 0."""
    problems = lint(gimlet)
    assert ["warning"] == [p.severity for p in problems]
    assert 0 == exit_code(problems)


def test_missing_directory(tmp_path: Path) -> None:
    """A missing directory is a configuration error (exit 2), not a lint finding."""
    with pytest.raises(ManifestError):
        lint(tmp_path / "nope")


def test_sample_repo_has_only_warnings() -> None:
    """The sample repository lints with one warning (the negated tag glob) and exit code 0."""
    problems = lint(SHOP)
    assert [("workers_tags.yaml", 4, "deploy.tag")] == [(Path(p.file).name, p.line, p.key) for p in problems]
    assert 0 == exit_code(problems)


def test_output_shapes(gimlet: Path) -> None:
    """Text is `FILE:LINE: KEY: severity: message`; JSON is {"problems": [...]}; errors exit 1."""
    problems = _lint_one(gimlet, HEAD + "deploy:\n  branch: main\nfoo: 1\n")
    file = f"{gimlet.as_posix()}/x.yaml"
    lines = format_text(problems).splitlines()
    assert lines[0].startswith(f"{file}:4: deploy.branch: error: a branch policy with no event")
    assert lines[1].startswith(f"{file}:5: foo: warning: unknown key 'foo'")
    document = json.loads(json.dumps(as_json(problems)))
    assert {"file": file, "line": 4, "key": "deploy.branch", "severity": "error"} == {
        k: v for k, v in document["problems"][0].items() if k != "message"
    }
    assert ["file", "line", "key", "severity", "message"] == list(document["problems"][0])
    assert 1 == exit_code(problems)
    assert 0 == exit_code([p for p in problems if p.severity == "warning"])


def test_breaking_problems(gimlet: Path) -> None:
    """Only problems that make Gimlet fail or never fire are breaking."""
    problems = _lint_one(
        gimlet,
        HEAD + "deploy:\n  branch: main\n  event: pull_request\nfoo: 1\nvalues:\n  a: '{{ .NOPE }}'\n",
    )
    assert [("deploy.event", "error"), ("foo", "warning"), ("values.a", "error")] == [
        (p.key, p.severity) for p in problems
    ]
    assert ["deploy.event", "values.a"] == [p.key for p in breaking_problems(problems)]


def test_lint_documents_for_ship() -> None:
    """`ship` lints the documents it already read, with the vars it will send."""
    docs = read_manifests(SHOP)
    problems = lint_documents(docs, known_vars={"SHA"})
    assert [("production.yaml", 13, "values.image.tag")] == [
        (Path(p.file).name, p.line, p.key) for p in breaking_problems(problems)
    ]


def test_label_names_files_as_the_user_wrote_them(gimlet: Path) -> None:
    """With a label, files are named `<label>/<name>` instead of the full path."""
    (gimlet / "x.yaml").write_text(HEAD + "foo: 1\n")
    assert [".gimlet/x.yaml"] == [p.file for p in lint(gimlet, label=".gimlet/")]
