"""Misuse of the public API that mypy must reject, and must reject for the right reason.

Each file of ``tests/typing/misuse/`` marks the lines mypy must report with ``# error: [code, ...]``: every marked
line must get exactly those error codes (once each, in any order) and no other line may get any error. The normal
``mypy`` run leaves that folder out (``exclude`` in pyproject.toml); this script checks it on its own, with the same
configuration. ``.ci/run`` runs it, and so does ``tests/typing/test_misuse.py``.

    python tests/typing/check_misuse.py     # exit 0: every case fails as marked; 1: a case passes or fails otherwise
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "misuse"
_MARK = re.compile(r"#\s*error:\s*\[(?P<codes>[a-z0-9\-, ]+)\]")
_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>[0-9]+): error: .*\[(?P<code>[a-z0-9\-]+)\]$", re.MULTILINE)

Expected = dict[tuple[str, int], Counter[str]]


def expected_errors(files: list[Path]) -> Expected:
    """(file, line) -> the error codes its ``# error: [...]`` marker names."""
    found: Expected = {}
    for path in files:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _MARK.search(text)
            if match:
                codes = [code.strip() for code in match.group("codes").split(",") if code.strip()]
                found[path.name, number] = Counter(codes)
    return found


def mypy_errors(files: list[Path]) -> tuple[Expected, str]:
    """(file, line) -> the error codes mypy reports, and mypy's output."""
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--cache-dir",
                cache,
                "--no-error-summary",
                "--hide-error-context",
                *(str(path.relative_to(ROOT)) for path in files),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode not in {0, 1}:  # 2: mypy itself failed (bad config, crash)
        msg = f"mypy exited {done.returncode}:\n{done.stdout}{done.stderr}"
        raise RuntimeError(msg)
    found: Expected = {}
    for match in _ERROR.finditer(done.stdout):
        key = (Path(match.group("file")).name, int(match.group("line")))
        found.setdefault(key, Counter())[match.group("code")] += 1
    return found, done.stdout


def differences(expected: Expected, actual: Expected) -> list[str]:
    """One line per marked line mypy got wrong and per unmarked line it reported."""
    lines = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, Counter()), actual.get(key, Counter())
        if want != got:
            lines.append(
                f"{key[0]}:{key[1]}: expected {sorted(want.elements())}, mypy reported {sorted(got.elements())}"
            )
    return lines


def main() -> int:
    files = sorted(CASES.glob("*.py"))
    expected = expected_errors(files)
    actual, output = mypy_errors(files)
    wrong = differences(expected, actual)
    if wrong:
        print("misuse cases that mypy does not reject as marked:", *wrong, "", "mypy said:", output, sep="\n")
        return 1
    total = sum(sum(codes.values()) for codes in expected.values())
    print(f"{len(expected)} misuse lines in {len(files)} files rejected by mypy as marked ({total} errors)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
