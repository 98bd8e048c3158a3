"""Reading the `.gimlet/` directory: manifests and the repository's `vars` file.

The official plugins pass every regular file directly in `.gimlet/` (any extension, no dotfiles,
no recursion) to ``gimlet artifact add --envFile``, which reads only the first YAML document of
each. We read the same files, sorted by name, but always skip `vars` (a dotenv file, read by
`read_vars`). Every non-empty document is returned, with its index in the file, so that `ship`
can refuse a second document (Gimlet's readers would ignore it) instead of dropping it silently.

YAML is imported lazily, inside the functions: the CLI's cheap paths (``--version``, ``context``)
may import this module without paying for PyYAML.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any

import attrs

from gimlet_ci.exceptions import ManifestError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from gimlet_ci.gimlet.yamlv3 import Document, KeyPath

__all__ = [
    "VARS_FILE",
    "ManifestDoc",
    "check_inside",
    "display_name",
    "manifest_files",
    "manifest_root",
    "read_manifests",
    "read_vars",
]

VARS_FILE = "vars"
"""The dotenv file in the manifest directory; never a manifest."""

_NOT_A_MAPPING = (
    "not a mapping: a Gimlet manifest is a YAML mapping with app, env, namespace, deploy, chart and values keys"
)


@attrs.frozen(kw_only=True)
class ManifestDoc:
    """One manifest: one non-empty YAML document of one file in the manifest directory."""

    file: str
    """The directory as given plus the file name, ``/``-separated (``.gimlet/staging.yaml``)."""
    index: int
    """0-based index of the document in its file (empty documents are counted)."""
    line: int
    """1-based line where the document starts."""
    data: dict[str, Any]
    """The manifest as plain values, unknown keys included."""
    document: Document = attrs.field(repr=False, eq=False)
    """The parsed YAML document, for line look-ups."""

    def line_of(self, path: KeyPath) -> int:
        """The line of a key path such as ``("deploy", "branch")``, or of its nearest ancestor."""
        return self.document.line_of(path)


def display_name(directory: Path, name: str, *, label: str | None = None) -> str:
    """How a file of *directory* is named in messages: *label* (the directory as the user wrote
    it) or *directory*, plus ``/name``."""
    base = label.rstrip("/") if label else directory.as_posix()
    return f"{base}/{name}"


def _missing_directory(directory: Path) -> ManifestError:
    return ManifestError(
        "no such manifest directory",
        file=directory.as_posix(),
        tip="create .gimlet/ with one YAML file per environment, or set --manifests / GIMLET_MANIFESTS to their folder",
    )


def manifest_files(directory: Path) -> list[Path]:
    """The manifest files of *directory* by name: regular files, no dotfiles, never `vars`."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError as e:
        raise _missing_directory(directory) from e
    except NotADirectoryError as e:
        raise ManifestError(
            "not a directory",
            file=directory.as_posix(),
            tip="pass the directory that holds the manifests with --manifests DIR",
        ) from e
    except OSError as e:
        msg = f"cannot read directory: {e.strerror or e}"
        raise ManifestError(msg, file=directory.as_posix()) from e
    names = sorted(
        entry.name
        for entry in entries
        if not entry.name.startswith(".") and entry.name != VARS_FILE and entry.is_file()
    )
    return [directory / name for name in names]


def skipped_entries(directory: Path) -> list[tuple[str, str]]:
    """The entries of *directory* that would be manifests but are not regular files (a FIFO, a device, a socket,
    a broken link), by name, with what each is: skipped, and warned about, rather than read."""
    from gimlet_ci._files import kind_of  # noqa: PLC0415

    found: list[tuple[str, str]] = []
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        if entry.name.startswith(".") or entry.name == VARS_FILE:
            continue
        try:
            mode = os.stat(entry.path).st_mode  # noqa: PTH116 - links followed, as `manifest_files` does
        except OSError:
            found.append((entry.name, "a broken link"))
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            found.append((entry.name, kind_of(mode)))
    return found


def manifest_root(directory: Path, checkout: Path) -> Path:
    """What the files of the manifest *directory* must resolve inside: the *checkout* when the directory is in it (as
    ``.gimlet`` is), else the directory itself (an absolute ``--manifests`` elsewhere, which the user chose)."""
    base = os.path.normpath(checkout.absolute())
    inside = os.path.normpath(directory.absolute()).startswith(base.rstrip(os.sep) + os.sep)
    return checkout if inside else directory


def check_inside(path: Path, root: Path | None, *, display: str) -> None:
    """Raise `ManifestError` naming *display* when *path*, its links followed, resolves outside *root*.

    A repository can hold a link ``.gimlet/x.yaml -> ~/.docker/config.json`` (or ``.gimlet -> /``): the file would be
    read, and its content shipped to Gimlet or echoed in an error, from outside the checkout.
    """
    if root is None:
        return
    real_root = os.path.realpath(root)
    target = os.path.realpath(path)
    if target != real_root and not target.startswith(real_root.rstrip(os.sep) + os.sep):
        msg = f"a link to {target}, outside the checkout; gimlet-ci reads nothing from outside it"
        raise ManifestError(msg, file=display, tip="replace the link with the file itself, committed in the checkout")


def read_text(path: Path, *, display: str, root: Path | None = None) -> str:
    """Read a file as UTF-8; raise `ManifestError` naming *display* when that fails: it resolves outside *root*
    (`check_inside`), is not a regular file, is larger than ``MANIFEST_FILE_LIMIT`` or is not UTF-8. No error shows
    the file's content."""
    from gimlet_ci._files import MANIFEST_FILE_LIMIT, TooLarge, read_regular  # noqa: PLC0415

    check_inside(path, root, display=display)
    try:
        raw = read_regular(str(path), limit=MANIFEST_FILE_LIMIT)
    except TooLarge as e:
        msg = f"{e.strerror}: a Gimlet manifest is a few KiB; split it or move large data out of .gimlet/"
        raise ManifestError(msg, file=display) from e
    except OSError as e:
        msg = f"cannot read file: {e.strerror or e}"
        raise ManifestError(msg, file=display) from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        msg = "not UTF-8 text; save the file as UTF-8"
        raise ManifestError(msg, file=display, line=line) from e


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def to_manifest(document: Document, *, index: int) -> ManifestDoc:
    """Wrap a parsed document as a manifest; raise `ManifestError` when it is not a mapping."""
    if not isinstance(document.data, dict):
        msg = f"{_NOT_A_MAPPING} (found {_kind(document.data)})"
        raise ManifestError(msg, file=document.filename, line=document.line)
    return ManifestDoc(
        file=document.filename,
        index=index,
        line=document.line,
        data=document.data,
        document=document,
    )


def read_manifests(directory: Path, *, label: str | None = None, root: Path | None = None) -> tuple[ManifestDoc, ...]:
    """Read every manifest document in *directory* (see the module docstring for the rules).

    Files are named ``<label>/<name>`` in `ManifestDoc.file` and in errors; *label* defaults to
    *directory* (pass the directory as the user wrote it, e.g. ``.gimlet``).

    Raises `ManifestError` for a missing directory (with a tip), an unreadable file, invalid YAML,
    or a document that is not a mapping, naming the file and line; with *root* (`manifest_root`), also for the
    directory or a file that links outside it.
    """
    from gimlet_ci.gimlet.yamlv3 import load_documents  # noqa: PLC0415 - keeps PyYAML off the CLI's cheap paths

    check_inside(directory, root, display=label or directory.as_posix())
    for name, kind in skipped_entries(directory):
        from gimlet_ci._log import log  # noqa: PLC0415

        shown = display_name(directory, name, label=label)
        problem = f"{shown}: -: warning: {kind}, not a regular file: skipped (neither read nor shipped)"
        log.warning("gimlet_ci.manifest_problem", problem=problem)
    manifests: list[ManifestDoc] = []
    for path in manifest_files(directory):
        display = display_name(directory, path.name, label=label)
        documents = load_documents(read_text(path, display=display, root=root), filename=display)
        for index, document in enumerate(documents):
            if document.data is not None:
                manifests.append(to_manifest(document, index=index))
    return tuple(manifests)


def read_vars(
    directory: Path,
    *,
    environ: Mapping[str, str] | None = None,
    label: str | None = None,
    root: Path | None = None,
) -> dict[str, str]:
    """The `vars` dotenv file of *directory* as a dict; empty when there is none.

    *environ* is the fallback for ``$VAR`` expansion (godotenv uses the process environment).
    """
    from gimlet_ci.gimlet.godotenv import parse_dotenv  # noqa: PLC0415

    path = directory / VARS_FILE
    if not path.is_file():
        return {}
    display = display_name(directory, VARS_FILE, label=label)
    return parse_dotenv(read_text(path, display=display, root=root), filename=display, environ=environ)
