"""A bug in gimlet-ci: one ERROR line and exit 70; with ``-v`` the traceback too, never with the token in it."""

from __future__ import annotations

import io

import pytest

from gimlet_ci.adapters import local
from gimlet_ci.cli import EXIT_INTERNAL, main

TOKEN = "s3cret-t0ken-value"


@pytest.fixture(autouse=True)
def _broken_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local adapter fails as a bug would, with the token in its message."""

    def context(env: object, read_file: object) -> object:
        msg = f"unexpected value {TOKEN!r}"
        raise RuntimeError(msg)

    monkeypatch.setattr(local, "context", context)


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(
        [*args, "--platform", "local", "context"], env={"GIMLET_TOKEN": TOKEN}, stdout=io.StringIO(), stderr=err
    )
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("args", "traceback"),
    [
        pytest.param((), False, id="default"),
        pytest.param(("-q",), False, id="quiet"),
        pytest.param(("-v",), True, id="verbose"),
    ],
)
def test_an_internal_error_shows_the_traceback_only_under_v(args: tuple[str, ...], traceback: bool) -> None:
    """Exit 70 and one ERROR line naming the exception; the scrubbed traceback comes before it only with -v."""
    code, err = _run(*args)

    assert EXIT_INTERNAL == code
    assert traceback == ("Traceback (most recent call last):" in err)
    assert traceback == ("raise RuntimeError(msg)" in err)
    assert "ERROR internal error: RuntimeError: unexpected value '[redacted]'" in err.splitlines()[-2]
    assert err.splitlines()[-1].startswith("TIP this is a bug in gimlet-ci")
    assert TOKEN not in err
