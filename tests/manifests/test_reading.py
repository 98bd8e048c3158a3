"""Reading `.gimlet/`: which files, which documents, in which order, and the errors users meet."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from gimlet_ci.exceptions import ManifestError
from gimlet_ci.manifests.reading import read_manifests, read_vars

SHOP = Path(__file__).parents[1] / "fixtures" / "repos" / "shop" / ".gimlet"


@pytest.fixture(name="gimlet")
def _gimlet(tmp_path: Path) -> Path:
    directory = tmp_path / ".gimlet"
    directory.mkdir()
    return directory


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_sample_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every regular top-level file but dotfiles and vars, sorted by name."""
    monkeypatch.chdir(SHOP.parent)
    docs = read_manifests(Path(".gimlet"))
    expected = [
        (".gimlet/preview.yml", 0, 1, "shop-preview", "staging"),
        (".gimlet/production.yaml", 0, 1, "shop", "production"),
        (".gimlet/staging.yaml", 0, 2, "shop", "staging"),
        (".gimlet/workers.yaml", 0, 1, "shop-worker", "staging"),
        (".gimlet/workers_tags.yaml", 0, 1, "shop-worker", "production"),
    ]
    assert expected == [(d.file, d.index, d.line, d.data["app"], d.data["env"]) for d in docs]


def test_line_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest knows the line of each of its keys."""
    monkeypatch.chdir(SHOP.parent)
    staging = read_manifests(Path(".gimlet"))[2]
    assert 6 == staging.line_of(("deploy", "branch"))
    assert 16 == staging.line_of(("values", "image", "tag"))


def test_any_extension_and_order(gimlet: Path) -> None:
    """Files are read whatever their extension, in name order; subdirectories are not entered."""
    _write(gimlet, "b.yml", "app: b\nenv: e\n")
    _write(gimlet, "a.yaml", "app: a\nenv: e\n")
    _write(gimlet, "c", "app: c\nenv: e\n")
    _write(gimlet, "d.txt", "app: d\nenv: e\n")
    (gimlet / "sub").mkdir()
    _write(gimlet / "sub", "x.yaml", "app: x\nenv: e\n")
    assert ["a", "b", "c", "d"] == [d.data["app"] for d in read_manifests(gimlet)]


def test_vars_and_dotfiles_skipped(gimlet: Path) -> None:
    """`vars` (a dotenv file) and dotfiles are never read as manifests."""
    _write(gimlet, "vars", "A=1\n")
    _write(gimlet, ".hidden.yaml", "app: hidden\nenv: e\n")
    _write(gimlet, "app.yaml", "app: shown\nenv: e\n")
    assert ["shown"] == [d.data["app"] for d in read_manifests(gimlet)]


def test_multi_document_file(gimlet: Path) -> None:
    """Every document of a file is a manifest of its own; empty documents are skipped."""
    _write(gimlet, "apps.yaml", "app: a\nenv: e\n---\n---\n# nothing\n---\napp: b\nenv: e\n")
    docs = read_manifests(gimlet)
    assert [(0, 1, "a"), (3, 7, "b")] == [(d.index, d.line, d.data["app"]) for d in docs]


def test_empty_files(gimlet: Path) -> None:
    """An empty or comment-only file gives no manifest."""
    _write(gimlet, "empty.yaml", "")
    _write(gimlet, "comment.yaml", "# todo\n")
    assert () == read_manifests(gimlet)


def test_empty_directory(gimlet: Path) -> None:
    """An empty directory gives no manifests (ship decides whether that is fine)."""
    assert () == read_manifests(gimlet)


@pytest.mark.parametrize(
    ("text", "line", "found"),
    [
        pytest.param("- app: a\n", 1, "a list", id="list"),
        pytest.param("# readme\nThis is a README\n", 2, "a string", id="text"),
        pytest.param("app: a\nenv: e\n---\n42\n", 4, "a number", id="second-document"),
    ],
)
def test_not_a_mapping(gimlet: Path, text: str, line: int, found: str) -> None:
    """A document that is not a mapping is an error naming file, line and what was found."""
    _write(gimlet, "x.yaml", text)
    with pytest.raises(ManifestError) as info:
        read_manifests(gimlet)
    assert f"{gimlet.as_posix()}/x.yaml" == info.value.file
    assert line == info.value.line
    assert "not a mapping" in str(info.value)
    assert f"(found {found})" in str(info.value)


def test_invalid_yaml(gimlet: Path) -> None:
    """Invalid YAML names the file and line."""
    _write(gimlet, "ok.yaml", "app: a\nenv: e\n")
    _write(gimlet, "bad.yaml", "app: a\nenv: [e\n")
    with pytest.raises(ManifestError) as info:
        read_manifests(gimlet)
    assert info.value.file.endswith("/bad.yaml")
    assert "not valid YAML" in str(info.value)


def test_not_utf8(gimlet: Path) -> None:
    """A file that is not UTF-8 text is an error naming the line."""
    (gimlet / "x.yaml").write_bytes(b"app: a\nenv: \xff\n")
    with pytest.raises(ManifestError) as info:
        read_manifests(gimlet)
    assert 2 == info.value.line
    assert "not UTF-8" in str(info.value)


def test_byte_order_mark(gimlet: Path) -> None:
    """A UTF-8 byte order mark is accepted."""
    (gimlet / "x.yaml").write_bytes(b"\xef\xbb\xbfapp: a\nenv: e\n")
    assert [{"app": "a", "env": "e"}] == [d.data for d in read_manifests(gimlet)]


def test_missing_directory(tmp_path: Path) -> None:
    """A missing directory is a configuration error with a tip."""
    with pytest.raises(ManifestError) as info:
        read_manifests(tmp_path / ".gimlet")
    assert "no such manifest directory" in str(info.value)
    assert info.value.tip is not None
    assert "--manifests" in info.value.tip
    assert 2 == info.value.exit_code


def test_directory_is_a_file(tmp_path: Path) -> None:
    """A file given as the directory is a configuration error."""
    (tmp_path / "x").write_text("")
    with pytest.raises(ManifestError, match="not a directory"):
        read_manifests(tmp_path / "x")


def test_read_vars() -> None:
    """`vars` is parsed as dotenv, with expansion of earlier keys."""
    assert {"REGISTRY": "ghcr.io/acme", "IMAGE": "ghcr.io/acme/shop"} == read_vars(SHOP)


def test_read_vars_absent(gimlet: Path) -> None:
    """No vars file gives no vars."""
    assert {} == read_vars(gimlet)


def test_read_vars_error(gimlet: Path) -> None:
    """A broken vars file names itself and the line."""
    _write(gimlet, "vars", "A=1\nB='open\n")
    with pytest.raises(ManifestError) as info:
        read_vars(gimlet)
    assert info.value.file.endswith(".gimlet/vars")
    assert 2 == info.value.line


def test_five_hundred_manifests_are_fast(gimlet: Path) -> None:
    """500 realistic manifests read in well under a second."""
    body = (SHOP / "staging.yaml").read_text()
    for number in range(500):
        _write(gimlet, f"env-{number:03}.yaml", body.replace("staging", f"env-{number}"))
    started = time.perf_counter()
    docs = read_manifests(gimlet)
    elapsed = time.perf_counter() - started
    assert 500 == len(docs)
    assert elapsed < 0.5


def test_importing_does_not_load_yaml() -> None:
    """Importing the manifests module keeps PyYAML off the CLI's cheap paths."""
    code = "import sys, gimlet_ci.manifests.reading; print('yaml' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert "False" == result.stdout.strip()


def test_label(gimlet: Path) -> None:
    """With a label, manifests and errors name files `<label>/<name>`."""
    _write(gimlet, "a.yaml", "app: a\nenv: e\n")
    assert [".gimlet/a.yaml"] == [d.file for d in read_manifests(gimlet, label=".gimlet")]
    _write(gimlet, "b.yaml", "[")
    with pytest.raises(ManifestError) as info:
        read_manifests(gimlet, label="deploy/gimlet")
    assert "deploy/gimlet/b.yaml" == info.value.file
