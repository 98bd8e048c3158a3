"""Files read and written on behalf of the CI: by type and size first, so that none can block or exhaust the run.

A path from the environment (``GITHUB_EVENT_PATH``, ``GITHUB_OUTPUT``, ``--artifact``, ``--ca-bundle``) or from the
repository can name a FIFO (which blocks an ``open`` until someone opens the other end), a device (``/dev/zero``
never ends) or a huge file. Every such file is opened without blocking, checked to be a regular file with
``fstat`` on the open descriptor (no race with a swap of the path), and read up to a cap.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = [
    "ARTIFACT_FILE_LIMIT",
    "EVENT_FILE_LIMIT",
    "MANIFEST_FILE_LIMIT",
    "NotRegularFile",
    "TooLarge",
    "append_regular",
    "check_regular",
    "kind_of",
    "read_regular",
]

EVENT_FILE_LIMIT = 25 * 1024 * 1024
"""GitHub caps webhook payloads, and so the event file, at 25 MB; other platforms' event files are smaller."""

MANIFEST_FILE_LIMIT = 1024 * 1024
"""A manifest or ``.gimlet/vars`` file: real ones are a few KiB; 1 MiB leaves room for large Helm values and keeps
the artifact far below what a Gimlet server or proxy accepts in one request."""

ARTIFACT_FILE_LIMIT = 16 * 1024 * 1024
"""An artifact body for ``explain --artifact``: the manifests of a repository, far below this."""

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a directory; ``strerror`` says which."""


class TooLarge(OSError):
    """The file is larger than its cap; ``strerror`` says by how much."""


def kind_of(mode: int) -> str:
    """What a file of *mode* is, in words: ``a FIFO``, ``a character device``, ``a directory``..."""
    return _kind(mode)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def check_regular(path: str) -> None:
    """Raise `NotRegularFile` unless *path* is a regular file (links followed); other `OSError`s as ``stat`` does."""
    mode = os.stat(path).st_mode  # noqa: PTH116 - pathlib stays off the fast path
    if not stat.S_ISREG(mode):
        raise NotRegularFile(errno.EINVAL, f"{_kind(mode)}, not a regular file", path)


def read_regular(path: str, *, limit: int) -> bytes:
    """The bytes of the regular file *path*, at most *limit* of them.

    Raises `NotRegularFile` for anything but a regular file (without blocking on a FIFO), `TooLarge` when it holds
    more than *limit* bytes, and `OSError` as ``open`` does.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"{_kind(mode)}, not a regular file", path)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise TooLarge(errno.EFBIG, f"larger than {_size(limit)}", path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def append_regular(path: str, text: str) -> str | None:
    """Append *text* (UTF-8) to the regular file *path*, created if missing; ``None``, or why it was not written.

    A FIFO is never waited for (opened without blocking, then refused), nor is any other file that is not a regular
    one written to.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as e:
        if e.errno == errno.ENXIO:  # a FIFO nobody reads
            return "a FIFO, not a regular file"
        return e.strerror or str(e)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return f"{_kind(mode)}, not a regular file"
        data = text.encode("utf-8")
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError as e:
        return e.strerror or str(e)
    finally:
        os.close(fd)
    return None
