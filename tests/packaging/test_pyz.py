"""The zipapp the GitHub action runs: self-contained, isolated, built reproducibly from this checkout and the pins.

The committed ``adapters/github-action/dist/gimlet-ci.pyz`` is run as the action runs it (``python3 -I``), with a
Python outside this venv, against the local Gimlet server. ``.ci/run`` rebuilds it from the sources and the cached
wheels and compares the bytes; here, ``build-pyz`` itself is exercised offline on stand-in wheels.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gimlet_ci.testing import GimletServer
from tests.helpers import git, make_repo
from tests.zipapp import REGENERATE, ROOT, ZIPAPP, base_python, load_build_pyz

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType

TOKEN = "zipapp-test-token-5c2e"
ISOLATION = [pytest.param(("-I",), id="isolated"), pytest.param(("-I", "-S"), id="isolated-no-site")]


@pytest.fixture(scope="module")
def build_pyz() -> ModuleType:
    return load_build_pyz()


@pytest.fixture
def poisoned(tmp_path: Path) -> Path:
    """A PYTHONPATH entry whose httpx, yaml and attrs raise on import: isolated mode must never see it."""
    directory = tmp_path / "poisoned"
    for name in ("httpx", "yaml", "attrs", "gimlet_ci"):
        (directory / name).mkdir(parents=True)
        (directory / name / "__init__.py").write_text(f"raise ImportError('{name} from PYTHONPATH')\n")
    return directory


def _env(home: Path, poisoned: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "NO_COLOR": "1",
        "PYTHONPATH": str(poisoned),
        **(extra or {}),
    }


def _zipapp(
    flags: Sequence[str], args: Sequence[str], env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - callers assert the exit code
        [base_python(), *flags, str(ZIPAPP), *args], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _github_env(repo: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_REPOSITORY_OWNER": "acme",
        "GITHUB_SHA": git(repo, "rev-parse", "HEAD"),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "7",
        "GITHUB_ACTOR": "alice",
        "GITHUB_JOB": "deploy",
    }


def _version() -> str:
    return load_build_pyz().version_of_checkout(ROOT)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------------------
# Running the committed zipapp.


@pytest.mark.parametrize("flags", ISOLATION)
def test_zipapp_prints_this_checkouts_version(tmp_path: Path, poisoned: Path, flags: tuple[str, ...]) -> None:
    """`python3 -I gimlet-ci.pyz --version` prints the checkout's version, with or without site-packages."""
    result = _zipapp(flags, ["--version"], _env(tmp_path, poisoned), tmp_path)

    assert 0 == result.returncode, result.stderr
    assert f"gimlet-ci {_version()}" == result.stdout.strip()


def test_zipapp_context_reads_the_ci_environment(tmp_path: Path, poisoned: Path) -> None:
    """`context --output json` from the zipapp reads the GitHub run it is in."""
    repo = make_repo(tmp_path)
    env = _env(tmp_path, poisoned, _github_env(repo))

    result = _zipapp(("-I",), ["context", "--output", "json"], env, repo)

    assert 0 == result.returncode, result.stderr
    context = json.loads(result.stdout)
    assert ("github", "acme/shop", "main", "push") == (
        context["platform"],
        context["repository"],
        context["branch"],
        context["event"],
    )
    assert git(repo, "rev-parse", "HEAD") == context["sha"]


@pytest.mark.parametrize("flags", ISOLATION)
def test_zipapp_dry_run_prints_the_body_the_checkout_prints(
    tmp_path: Path, poisoned: Path, flags: tuple[str, ...]
) -> None:
    """`ship --dry-run --output json` from the zipapp prints exactly what this checkout's gimlet-ci prints."""
    repo = make_repo(tmp_path)
    credentials = {"GIMLET_SERVER": "http://127.0.0.1:9", "GIMLET_TOKEN": TOKEN}
    env = _env(tmp_path, poisoned, {**_github_env(repo), **credentials})
    argv = ["ship", "--dry-run", "--output", "json"]

    zipped = _zipapp(flags, argv, env, repo)
    direct = subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "gimlet_ci", *argv],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (0, 0) == (zipped.returncode, direct.returncode), zipped.stderr + direct.stderr
    assert json.loads(direct.stdout) == json.loads(zipped.stdout)
    assert "acme/shop" == json.loads(zipped.stdout)["version"]["repositoryName"]
    assert TOKEN not in zipped.stdout + zipped.stderr.replace(f"::add-mask::{TOKEN}", "")


def test_zipapp_ships_and_waits_for_the_deploy_against_the_dev_server(tmp_path: Path, poisoned: Path) -> None:
    """`ship --wait` from the zipapp posts the artifact, waits for the automated deploy, and reports it done."""
    repo = make_repo(tmp_path)

    with GimletServer(token=TOKEN, processing_delay=0.01, reconcile_delay=0.02) as server:
        env = _env(tmp_path, poisoned, {**_github_env(repo), "GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN})
        result = _zipapp(("-I",), ["ship", "--wait", "--output", "json"], env, repo)
        stored = server.artifacts()

    assert 0 == result.returncode, result.stderr
    outcome = json.loads(result.stdout)
    assert [artifact["id"] for artifact in stored] == [outcome["artifact_id"]]
    assert "succeeded" == outcome["status"]
    assert [("shop", "staging", "succeeded")] == [(d["app"], d["env"], d["status"]) for d in outcome["deploys"]]


def test_zipapp_bundles_pure_python_yaml(tmp_path: Path) -> None:
    """PyYAML is in the zipapp without its C extension: the pure-Python loader, on every OS and CPU."""
    probe = f"import sys; sys.path.insert(0, {str(ZIPAPP)!r}); import yaml; print(yaml.__file__, yaml.__with_libyaml__)"
    result = subprocess.run(  # noqa: PLW1510
        [base_python(), "-I", "-S", "-c", probe],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert 0 == result.returncode, result.stderr
    location, with_libyaml = result.stdout.split()
    assert location.startswith(str(ZIPAPP))
    assert "False" == with_libyaml


# --------------------------------------------------------------------------------------------------------------
# What the committed file holds.


def _entries(path: Path = ZIPAPP) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_committed_zipapp_holds_this_checkouts_sources() -> None:
    """Every file of gimlet_ci/ is in the zipapp byte for byte, and nothing else under gimlet_ci/ (else: regenerate)."""
    expected = {
        path.relative_to(ROOT).as_posix(): path.read_bytes()
        for path in sorted((ROOT / "gimlet_ci").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(ZIPAPP) as archive:
        actual = {name: archive.read(name) for name in archive.namelist() if name.startswith("gimlet_ci/")}

    stale = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    assert [] == stale, f"the zipapp is stale; regenerate it with: {REGENERATE}"


def test_committed_zipapp_has_a_reproducible_shape() -> None:
    """Shebang, then entries sorted by name, one fixed date and mode, relative paths, no caches or compiled code."""
    entries = _entries()
    names = list(entries)

    assert ZIPAPP.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert sorted(names) == names
    assert "__main__.py" in entries
    assert {(1980, 1, 1, 0, 0, 0)} == {info.date_time for info in entries.values()}
    assert {0o100644} == {info.external_attr >> 16 for info in entries.values()}
    assert [] == [n for n in names if n.startswith("/") or ".." in n.split("/") or "\\" in n]
    assert [] == [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".so", ".pyd", ".dylib", ".dll"))]


# --------------------------------------------------------------------------------------------------------------
# build-pyz, offline, on stand-in wheels.


def _fake_wheel(directory: Path, name: str, version: str, files: Mapping[str, str], tag: str = "py3-none-any") -> Path:
    path = directory / f"{name.replace('-', '_')}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for file, text in files.items():
            archive.writestr(file, text)
    return path


def _fake_cache(directory: Path, build_pyz: ModuleType) -> Path:
    """One small wheel per pin of the real constraints.txt, each with its own module and the usual dist-info."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, version in build_pyz.read_pins().items():
        module = name.replace("-", "_")
        info = f"{module}-{version}.dist-info"
        _fake_wheel(
            directory,
            name,
            version,
            {
                f"{module}/__init__.py": f"VERSION = {version!r}\n",
                f"{module}/__pycache__/__init__.cpython-312.pyc": "bytecode",
                f"{module}/_speedups.cpython-312-x86_64-linux-gnu.so": "machine code",
                f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                f"{info}/RECORD": "hashes",
                f"{info}/WHEEL": "Tag: py3-none-any",
                f"{info}/licenses/LICENSE": "MIT",
                f"{module}-1.0.data/scripts/tool": "#!/bin/sh",
            },
        )
    return directory


def test_build_keeps_packages_metadata_and_licences_only(tmp_path: Path, build_pyz: ModuleType) -> None:
    """From each wheel: the modules, METADATA and licence files; never bytecode, compiled code, RECORD or scripts."""
    cache = _fake_cache(tmp_path / "wheels", build_pyz)

    names = set(zipfile.ZipFile(io.BytesIO(build_pyz.build(cache=cache, offline=True))).namelist())

    assert {"attrs/__init__.py", "attrs-26.1.0.dist-info/METADATA", "attrs-26.1.0.dist-info/licenses/LICENSE"} <= names
    assert [] == sorted(n for n in names if n.endswith((".so", ".pyc", "RECORD", "WHEEL")) or ".data/" in n)
    assert {"__main__.py", "gimlet_ci/__init__.py", "gimlet_ci/cli.py"} <= names
    assert f"gimlet_ci-{_version()}.dist-info/licenses/LICENSE" in names


def test_build_is_byte_for_byte_the_same_twice_and_checks_clean(
    tmp_path: Path, build_pyz: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two builds from the same inputs give the same bytes, and --check accepts the file the build wrote."""
    cache = _fake_cache(tmp_path / "wheels", build_pyz)
    out = tmp_path / "gimlet-ci.pyz"

    assert 0 == build_pyz.main([str(out), "--wheels", str(cache), "--offline"])
    assert out.read_bytes() == build_pyz.build(cache=cache, offline=True)
    assert 0 == build_pyz.main([str(out), "--check", "--wheels", str(cache), "--offline"])
    assert "is reproducible from the sources" in capsys.readouterr().out


def test_check_names_what_changed_and_the_command_that_regenerates(
    tmp_path: Path, build_pyz: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stale file fails --check with the changed entries and the exact regenerate command."""
    cache = _fake_cache(tmp_path / "wheels", build_pyz)
    stale = build_pyz.collect(build_pyz.fetch_wheels(cache, build_pyz.read_pins(), offline=True))
    stale["gimlet_ci/cli.py"] = b"# an older cli\n"
    stale["left_over/__init__.py"] = b""
    del stale["gimlet_ci/py.typed"]
    out = tmp_path / "gimlet-ci.pyz"
    out.write_bytes(build_pyz.write_zipapp(stale))

    code = build_pyz.main([str(out), "--check", "--wheels", str(cache), "--offline"])

    err = capsys.readouterr().err
    assert 1 == code
    assert "  added    gimlet_ci/py.typed" in err
    assert "  removed  left_over/__init__.py" in err
    assert "  changed  gimlet_ci/cli.py" in err
    assert f"Regenerate it with:\n  {REGENERATE}\n" in err


def test_entry_order_and_host_never_change_the_bytes(build_pyz: ModuleType) -> None:
    """The same entries given in any order make the same file, with the fixed date and Unix mode."""
    forward = build_pyz.write_zipapp({"a.py": b"a", "b/c.py": b"c", "__main__.py": b"m"})
    backward = build_pyz.write_zipapp({"__main__.py": b"m", "b/c.py": b"c", "a.py": b"a"})

    assert forward == backward
    assert [] == build_pyz.differences(forward, backward)


def test_offline_build_names_the_wheels_it_lacks(tmp_path: Path, build_pyz: ModuleType) -> None:
    """--offline with an incomplete cache stops before pip, naming each missing name==version."""
    cache = tmp_path / "wheels"
    cache.mkdir()
    _fake_wheel(cache, "attrs", "26.1.0", {"attrs/__init__.py": ""})

    with pytest.raises(build_pyz.BuildError) as caught:
        build_pyz.fetch_wheels(cache, {"attrs": "26.1.0", "pyyaml": "6.0.4"}, offline=True)

    assert "pyyaml==6.0.4" in str(caught.value)
    assert "attrs" not in str(caught.value)


def test_a_pure_wheel_wins_over_a_platform_one(tmp_path: Path, build_pyz: ModuleType) -> None:
    """With both in the cache, the py3-none-any wheel is used; names match whatever their spelling."""
    _fake_wheel(tmp_path, "PyYAML", "6.0.4", {}, tag="cp310-cp310-manylinux2014_x86_64")
    pure = _fake_wheel(tmp_path, "pyyaml", "6.0.4", {})

    assert {"pyyaml": pure} == build_pyz.cached_wheels(tmp_path, {"pyyaml": "6.0.4"})


def test_two_wheels_shipping_one_file_are_refused(tmp_path: Path, build_pyz: ModuleType) -> None:
    """A file that two inputs both ship would shadow one of them: the build stops and names both."""
    one = _fake_wheel(tmp_path, "one", "1.0", {"shared/__init__.py": "one"})
    two = _fake_wheel(tmp_path, "two", "1.0", {"shared/__init__.py": "two"})

    with pytest.raises(build_pyz.BuildError, match=r"shared/__init__.py is in both one-1.0-py3-none-any.whl and two"):
        build_pyz.collect({"one": one, "two": two})


@pytest.mark.parametrize("line", ["httpx>=0.28", "httpx", "-r other.txt", "httpx==0.28.1 ; python_version<'3.11'"])
def test_constraints_must_be_exact_pins(tmp_path: Path, build_pyz: ModuleType, line: str) -> None:
    """Every constraints line is name==version: a range, a bare name, an include or a marker stops the build."""
    path = tmp_path / "constraints.txt"
    path.write_text(f"# pins\nattrs==26.1.0\n{line}\n", encoding="utf-8")

    with pytest.raises(build_pyz.BuildError, match=r"constraints.txt:3: expected name==version"):
        build_pyz.read_pins(path)
