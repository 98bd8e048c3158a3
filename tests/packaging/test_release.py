"""Release automation: the tag checks and changelog notes, the release workflow's order, the orb-tools pipeline.

Neither GitHub nor CircleCI is reachable from here, so the workflows are checked as data: which jobs run after which,
with which permissions, and that the orb pipeline calls orb-tools' jobs with parameters those jobs declare.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github/workflows/release.yml"
CIRCLECI = ROOT / ".circleci"
# The job parameters of the orbs the pipeline uses, as declared by circleci/orb-tools@12.4.0 and
# circleci/shellcheck@3.4.0 (src/jobs/*.yml of CircleCI-Public/orb-tools-orb and shellcheck-orb at those tags).
ORB_JOB_PARAMETERS = {
    "orb-tools/lint": {"source_dir", "checkout", "executor", "circleci_ip_ranges", "pip_break"},
    "orb-tools/pack": {
        "source_dir",
        "orb_dir",
        "orb_file_name",
        "circleci_api_host",
        "persist_to_workspace",
        "checkout",
        "executor",
        "org_id",
        "org_slug",
        "circleci_ip_ranges",
    },
    "orb-tools/review": {
        "exclude",
        "source_dir",
        "orb_name",
        "max_command_length",
        "checkout",
        "executor",
        "circleci_ip_ranges",
    },
    "orb-tools/continue": {
        "pipeline_number",
        "vcs_type",
        "config_path",
        "orb_dir",
        "orb_file_name",
        "orb_name",
        "inject_orb",
        "circleci_api_host",
        "circleci_app_host",
        "attach_workspace",
        "checkout",
        "executor",
        "circleci_ip_ranges",
    },
    "orb-tools/publish": {
        "orb_name",
        "orb_dir",
        "orb_file_name",
        "tag_pattern",
        "dev_tags",
        "circleci_token",
        "vcs_type",
        "github_token",
        "enable_pr_comment",
        "circleci_api_host",
        "pr_comment_graphql_url",
        "pub_type",
        "checkout",
        "executor",
        "circleci_ip_ranges",
        "attach_workspace",
        "release_environment",
    },
    "shellcheck/check": {
        "exclude",
        "external_sources",
        "dir",
        "ignore-dirs",
        "severity",
        "format",
        "output",
        "image-name",
        "image-tag",
        "resource_class",
        "shell",
        "pattern",
        "circleci_ip_ranges",
    },
}
WORKFLOW_JOB_KEYS = {"name", "requires", "context", "filters", "pre-steps", "post-steps", "matrix", "type"}
CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- The push channel.

## [0.2.0] - 2026-01-05

### Fixed

- A bug.

## [0.1.0] - 2025-12-01

- First.

[0.2.0]: https://example.com/compare/v0.1.0...v0.2.0
"""


def _load_release() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gimlet_ci_release", ROOT / ".ci" / "release.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release = _load_release()


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _copy_release_inputs(root: Path) -> Path:
    """The files release.py reads and writes, copied into *root*, with a given changelog."""
    (root / "gimlet_ci").mkdir(parents=True)
    shutil.copy(ROOT / "gimlet_ci/_version.py", root / "gimlet_ci/_version.py")
    shutil.copytree(ROOT / "adapters/circleci-orb/src", root / "adapters/circleci-orb/src")
    (root / "CHANGELOG.md").write_text(CHANGELOG.replace("0.2.0", "9.9.9"), encoding="utf-8")
    return root


# --------------------------------------------------------------------------------------------------------------
# .ci/release.py


@pytest.mark.parametrize("tag", ["v1.2", "1.2.3", "v1.2.3-rc1", "v1.2.3.4", "refs/heads/main", "v01.2.x"])
def test_only_vx_y_z_is_a_release_tag(tag: str) -> None:
    """Release tags are vX.Y.Z; anything else is refused with the reason."""
    with pytest.raises(release.ReleaseError, match=r"is not a release tag of the form vX\.Y\.Z"):
        release.parse_tag(tag)


def test_notes_are_the_versions_changelog_section() -> None:
    """The GitHub release's text is that version's section, without its heading, the next one or the link list."""
    assert "### Fixed\n\n- A bug." == release.changelog_section(CHANGELOG, "0.2.0")
    assert "- First." == release.changelog_section(CHANGELOG, "0.1.0")
    assert "" == release.changelog_section(CHANGELOG, "0.3.0")


def test_check_names_everything_that_disagrees_with_the_tag(tmp_path: Path) -> None:
    """Before `prepare`, a tag of a new version lists the version file, each orb tag, the examples, the changelog."""
    root = _copy_release_inputs(tmp_path)

    problems = release.check("v1.0.0", root)

    current = release.current_version(ROOT)
    assert f"gimlet_ci/_version.py says {current}, the tag says 1.0.0" in problems
    assert f"adapters/circleci-orb/src/executors/default.yml: executor tag default {current!r}, expected '1.0.0'" in (
        problems
    )
    assert any(
        p.startswith("adapters/circleci-orb/src/examples/automated_deploy.yml: uses gimlet-ci/gimlet@0")
        for p in problems
    )
    assert "CHANGELOG.md has no '## [1.0.0] - YYYY-MM-DD' section" in problems


def test_prepare_makes_the_checkout_releasable_and_keeps_unreleased_on_top(tmp_path: Path) -> None:
    """`prepare 1.0.0` sets the version, the orb's tags and majors, and turns Unreleased into the dated section."""
    root = _copy_release_inputs(tmp_path)

    release.prepare("1.0.0", root, today=dt.date(2026, 3, 4))

    assert [] == release.check("v1.0.0", root)
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]\n\n## [1.0.0] - 2026-03-04\n\n### Added\n\n- The push channel.\n" in text
    assert "### Added\n\n- The push channel." == release.changelog_section(text, "1.0.0")
    release.prepare("1.0.0", root, today=dt.date(2026, 3, 5))
    assert 1 == (root / "CHANGELOG.md").read_text(encoding="utf-8").count("## [1.0.0]")


def test_prepare_removes_the_until_the_first_release_notes(tmp_path: Path) -> None:
    """The one-line notes for readers before the first release go, with their blank line; the rest stays."""
    root = _copy_release_inputs(tmp_path)
    (root / "docs" / "how-to").mkdir(parents=True)
    page = root / "docs" / "how-to" / "ci.md"
    note = "> **Until the first release** there is no `@v0` tag: pin a commit of `main` instead."
    page.write_text(f"# CI\n\nIntro.\n\n{note}\n\nUse `@v0`.\n", encoding="utf-8")

    changed = release.prepare("1.0.0", root, today=dt.date(2026, 3, 4))

    assert "# CI\n\nIntro.\n\nUse `@v0`.\n" == page.read_text(encoding="utf-8")
    assert "docs/how-to/ci.md" in changed


def test_this_checkout_is_not_released_yet_and_says_what_to_run() -> None:
    """The current version has no changelog section yet: `check` refuses its tag and names `prepare`."""
    version = release.current_version(ROOT)
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci/release.py"), "check", f"v{version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if "## [" + version + "]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"):
        assert 0 == result.returncode, result.stderr
    else:
        assert 1 == result.returncode
        assert f"ERROR CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section" in result.stderr
        assert f"TIP python .ci/release.py prepare {version}" in result.stderr


@pytest.mark.parametrize(
    ("tag", "refs", "expected"),
    [
        pytest.param("v0.2.0", ["refs/tags/v0.1.0", "refs/tags/v0.2.0"], True, id="newest"),
        pytest.param("v0.2.0", ["refs/tags/v0.1.0"], True, id="first-tag-list-lags"),
        pytest.param("v0.1.5", ["refs/tags/v0.2.0", "refs/tags/v0.1.5"], False, id="patch-of-an-older-minor"),
        pytest.param("v1.0.0", ["refs/tags/v0.9.0", "refs/tags/v2.0.0"], True, id="other-majors-ignored"),
        pytest.param("v0.10.0", ["refs/tags/v0.9.9", "refs/tags/v0.10.0"], True, id="numeric-not-text-order"),
        pytest.param("v0.2.0", ["refs/tags/v0", "refs/tags/v0.3.0-rc1", ""], True, id="non-release-refs-ignored"),
    ],
)
def test_the_major_tag_moves_only_to_the_newest_release_of_its_major(tag: str, refs: list[str], expected: bool) -> None:
    """v0 follows the highest v0.Y.Z: a patch of an older minor does not pull it back."""
    assert expected is release.newest(tag, refs)


# --------------------------------------------------------------------------------------------------------------
# .github/workflows/release.yml


def test_release_runs_on_version_tags_only() -> None:
    """The workflow starts on vX.Y.Z tags, with no permissions unless a job asks for them."""
    workflow = _yaml(WORKFLOW)
    assert {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}} == workflow[True]
    assert {} == workflow["permissions"]


def test_release_jobs_run_in_order_and_nothing_moves_before_everything_is_published() -> None:
    """check → dist → PyPI and check → images; the GitHub release after both; the major tag last."""
    jobs = _yaml(WORKFLOW)["jobs"]
    needs = {
        name: sorted([job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []))
        for name, job in jobs.items()
    }
    assert {
        "check": [],
        "dist": ["check"],
        "pypi": ["dist"],
        "images": ["check"],
        "github-release": ["images", "pypi"],
        "action-major-tag": ["github-release"],
    } == needs


def test_release_jobs_get_only_the_permissions_they_use() -> None:
    """OIDC only to the PyPI job, packages only to images, write access to contents only to release and tag."""
    jobs = _yaml(WORKFLOW)["jobs"]
    assert {
        "check": {"contents": "read"},
        "dist": {"contents": "read"},
        "pypi": {"id-token": "write"},
        "images": {"contents": "read", "packages": "write"},
        "github-release": {"contents": "write"},
        "action-major-tag": {"contents": "write"},
    } == {name: job["permissions"] for name, job in jobs.items()}
    assert "pypi" == jobs["pypi"]["environment"]


def test_release_checks_the_tag_and_the_zipapp_and_ships_the_changelog() -> None:
    """The check job runs release.py check, rebuilds the zipapp, writes the notes; the release uses those notes."""
    jobs = _yaml(WORKFLOW)["jobs"]
    check_runs = "\n".join(step.get("run", "") for step in jobs["check"]["steps"])
    assert 'python .ci/release.py check "$TAG"' in check_runs
    assert "python adapters/github-action/build-pyz --check adapters/github-action/dist/gimlet-ci.pyz" in check_runs
    assert 'python .ci/release.py notes "$TAG" > release/notes.md' in check_runs
    create = "\n".join(step.get("run", "") for step in jobs["github-release"]["steps"])
    assert "--notes-file release/notes.md" in create
    assert "release/gimlet-ci.pyz" in create
    assert "dist/*" in create


def test_the_major_tag_job_moves_v_major_to_the_tagged_commit() -> None:
    """The tag job derives v<major> from the tag, asks release.py whether it is the newest, then moves or creates it."""
    step = _yaml(WORKFLOW)["jobs"]["action-major-tag"]["steps"][-1]
    script = step["run"]
    assert {"GH_TOKEN", "REPOSITORY", "TAG", "SHA"} == set(step["env"])
    assert 'major="${TAG%%.*}"' in script
    assert 'python3 .ci/release.py newest "$TAG"' in script
    assert '--method PATCH "repos/$REPOSITORY/git/refs/tags/$major" -f sha="$SHA" -F force=true' in script
    assert '--method POST "repos/$REPOSITORY/git/refs" -f ref="refs/tags/$major" -f sha="$SHA"' in script


# --------------------------------------------------------------------------------------------------------------
# .circleci: the orb-tools pipeline.


def _workflow_jobs(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
        for workflow in config["workflows"].values()
        for entry in workflow["jobs"]
    ]


@pytest.mark.parametrize("name", ["config.yml", "test-deploy.yml"])
def test_orb_pipeline_calls_orb_jobs_with_parameters_they_declare(name: str) -> None:
    """Every orb-tools and shellcheck job is called with parameters its orb declares, at pinned orb versions."""
    config = _yaml(CIRCLECI / name)
    assert {"orb-tools": "circleci/orb-tools@12.4.0"} == {k: v for k, v in config["orbs"].items() if k == "orb-tools"}
    assert config["orbs"].get("shellcheck", "circleci/shellcheck@3.4.0") == "circleci/shellcheck@3.4.0"
    for job, params in _workflow_jobs(config):
        if job in ORB_JOB_PARAMETERS:
            unknown = set(params) - ORB_JOB_PARAMETERS[job] - WORKFLOW_JOB_KEYS
            assert set() == unknown, job


def test_setup_workflow_lints_packs_reviews_and_shellchecks_the_orb_before_continuing() -> None:
    """config.yml: lint, pack, review (RC010 excluded) and shellcheck on the orb's sources, then continue."""
    config = _yaml(CIRCLECI / "config.yml")
    assert config["setup"] is True
    jobs = dict(_workflow_jobs(config))
    for job in ("orb-tools/lint", "orb-tools/pack", "orb-tools/review"):
        assert "adapters/circleci-orb/src" == jobs[job]["source_dir"], job
    assert "RC010" == jobs["orb-tools/review"]["exclude"]
    assert (ROOT / jobs["shellcheck/check"]["dir"] / "ship.sh").is_file()
    assert sorted(["orb-tools/lint", "orb-tools/pack", "orb-tools/review", "shellcheck/check"]) == sorted(
        jobs["orb-tools/continue"]["requires"]
    )
    lint_steps = jobs["orb-tools/lint"]["pre-steps"]
    assert jobs["orb-tools/lint"]["checkout"] is False
    assert "checkout" == lint_steps[0]
    assert "cp adapters/circleci-orb/.yamllint .yamllint" == lint_steps[1]["run"]["command"]


def test_every_job_runs_on_tags_or_the_tag_pipeline_would_skip_it() -> None:
    """CircleCI runs a job for a tag only when its filters admit tags: every job the release depends on does."""
    for name in ("config.yml", "test-deploy.yml"):
        for job, params in _workflow_jobs(_yaml(CIRCLECI / name)):
            tags = params.get("filters", {}).get("tags", {}).get("only", "")
            if params.get("name") == "publish-dev":
                continue
            assert tags in ("/.*/", r"/^v[0-9]+\.[0-9]+\.[0-9]+$/"), f"{name}: {job}"


def test_orb_is_injected_under_the_name_its_tests_and_review_use() -> None:
    """continue injects the packed orb as `gimlet`; test-deploy declares it; review checks examples under that name."""
    setup = dict(_workflow_jobs(_yaml(CIRCLECI / "config.yml")))
    deploy = _yaml(CIRCLECI / "test-deploy.yml")
    assert "gimlet" == setup["orb-tools/continue"]["orb_name"] == setup["orb-tools/review"]["orb_name"]
    assert {} == deploy["orbs"]["gimlet"]
    examples = sorted((ROOT / "adapters/circleci-orb/src/examples").glob("*.yml"))
    assert all("gimlet" in _yaml(path)["usage"]["orbs"] for path in examples)


def test_orb_publishes_dev_on_main_and_production_on_release_tags() -> None:
    """Dev versions from main; gimlet-ci/gimlet@X.Y.Z only for vX.Y.Z tags, after the command tests and the pack."""
    publishes = {
        params["name"]: params
        for job, params in _workflow_jobs(_yaml(CIRCLECI / "test-deploy.yml"))
        if job == "orb-tools/publish"
    }
    assert {"publish-dev", "publish-production"} == set(publishes)
    for params in publishes.values():
        assert "gimlet-ci/gimlet" == params["orb_name"]
        assert "orb-publishing" == params["context"]
        assert params["enable_pr_comment"] is False
        assert sorted(["command-tests", "orb-tools/pack"]) == sorted(params["requires"])
    assert ("dev", {"branches": {"only": "main"}}) == (
        publishes["publish-dev"]["pub_type"],
        publishes["publish-dev"]["filters"],
    )
    production = publishes["publish-production"]
    assert "production" == production["pub_type"]
    assert "/.*/" == production["filters"]["branches"]["ignore"]
    pattern = re.compile(production["filters"]["tags"]["only"].strip("/"))
    assert [True, False, False, False] == [bool(pattern.match(t)) for t in ("v1.2.3", "v1.2", "1.2.3", "v1.2.3-rc1")]


def test_orb_command_tests_use_commands_the_orb_has() -> None:
    """The command-tests job runs the orb's ship, gimlet-artifact-create, lint and explain commands (the ones that
    need no Gimlet) with declared parameters."""
    spec = importlib.util.spec_from_file_location("orbpack", Path(__file__).with_name("orbpack.py"))
    assert spec is not None
    assert spec.loader is not None
    orbpack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(orbpack)
    orb = orbpack.pack(ROOT / "adapters/circleci-orb/src")
    steps = _yaml(CIRCLECI / "test-deploy.yml")["jobs"]["command-tests"]["steps"]
    used = [
        next(iter(step.items())) for step in steps if isinstance(step, dict) and next(iter(step)).startswith("gimlet/")
    ]
    assert {"gimlet/ship", "gimlet/gimlet-artifact-create", "gimlet/lint", "gimlet/explain"} == {n for n, _ in used}
    for name, params in used:
        assert set(params) <= set(orb["commands"][name.removeprefix("gimlet/")]["parameters"])


# --------------------------------------------------------------------------------------------------------------
# Every script in a workflow, the action, the examples and the orb pipeline passes shellcheck.


def _scripts() -> list[tuple[str, str]]:
    found = []
    for path in [
        *sorted((ROOT / ".github/workflows").glob("*.yml")),
        *sorted((ROOT / "examples/github-actions").glob("*.yml")),
        ROOT / "adapters/github-action/action.yml",
    ]:
        data = _yaml(path)
        jobs = data.get("jobs", {"action": {"steps": data.get("runs", {}).get("steps", [])}})
        for job_name, job in jobs.items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    found.append((f"{path.relative_to(ROOT)}:{job_name}[{index}]", step["run"]))
    for path in sorted(CIRCLECI.glob("*.yml")):
        for job_name, job in _yaml(path).get("jobs", {}).items():
            for index, step in enumerate(job.get("steps", [])):
                if isinstance(step, dict) and isinstance(step.get("run"), dict):
                    found.append((f"{path.relative_to(ROOT)}:{job_name}[{index}]", step["run"]["command"]))
    return found


@pytest.mark.parametrize(("where", "script"), _scripts(), ids=[where for where, _ in _scripts()])
def test_every_run_script_passes_shellcheck(tmp_path: Path, where: str, script: str) -> None:
    """Workflow `run:` and orb pipeline `command:` scripts are clean bash, as the shims are (no expression inside)."""
    tool = Path(sys.executable).parent / "shellcheck"
    if not tool.exists():
        pytest.skip(f"shellcheck is not installed next to {sys.executable}")
    assert "${{" not in script, where
    path = tmp_path / "script.sh"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([tool, "--shell=bash", path], capture_output=True, text=True, check=False)
    assert 0 == result.returncode, f"{where}\n{result.stdout}"
