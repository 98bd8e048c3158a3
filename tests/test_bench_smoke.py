"""The bench's own arithmetic: poll projection, import checks and the table (the timed runs are in .ci/run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gimlet_ci._retry import PollSchedule

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gimlet_ci_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_projected_polls_counts_the_first_request_and_each_interval_that_fits(bench: ModuleType) -> None:
    """A fixed 5 s poll makes 121 requests over ten minutes: one at once and one after each wait."""
    assert 121 == bench.projected_polls(iter([5.0] * 1000), 600.0)


def test_default_schedule_stays_within_the_ten_minute_budget(bench: ModuleType) -> None:
    """The default poll schedule makes no more than 150 track requests over a ten-minute wait."""
    assert bench.projected_polls(PollSchedule().intervals(), 600.0) <= 150


def test_forbidden_finds_httpx_and_yaml_submodules_only(bench: ModuleType) -> None:
    """The import check flags httpx, its transport and the YAML library, not look-alike names."""
    found = bench.forbidden(["httpx._client", "yaml", "_yaml", "h11", "httpcore", "json", "yamlish"])
    assert ["_yaml", "h11", "httpcore", "httpx._client", "yaml"] == found


def test_dominant_ranks_top_level_imports_the_bare_interpreter_does_not_make(bench: ModuleType) -> None:
    """The dominant imports are top-level modules absent from ``python -c pass``, costliest first."""
    modules = {"site": (0, 900), "attrs": (0, 15000), "attr": (1, 14000), "argparse": (0, 6000)}
    assert "attrs 15ms, argparse 6ms" == bench.dominant(modules, baseline=["site"])


def test_table_marks_budgets_over_and_rows_without_budget(bench: ModuleType) -> None:
    """The table shows ok, OVER, and a dash for figures reported without a budget."""
    rows = [
        bench.Row("fast", "1 s", "<= 2 s", ok=True),
        bench.Row("slow", "3 s", "<= 2 s", ok=False),
        bench.Row("size", "40 MiB"),
    ]
    lines = bench.format_table(rows).splitlines()
    assert ["ok", "OVER", "-"] == [line.split()[-1] for line in lines[2:]]


def test_go_poll_counts_reads_at_0_5_10_until_one_sees_the_end(bench: ModuleType) -> None:
    """The official CLI's reads for a wait: at 0, 5, 10 s ... up to the first one at or after the end."""
    assert [1, 2, 3, 8, 20] == [bench.go_polls(t) for t in (0.0, 4.9, 5.5, 30.5, 90.5)]
    assert 25 == bench.poll_budget(90.5)


def test_schedule_figures_compare_the_old_and_new_schedules(bench: ModuleType) -> None:
    """The simulated figures show the old schedule's 86 first-minute reads against the new one's 15."""
    before = bench.schedule_figures(PollSchedule(**bench.BEFORE), draws=2)
    now = bench.schedule_figures(PollSchedule(), draws=2)
    assert (86, 15) == (before["first_minute"], now["first_minute"])
    assert now["late"] < before["late"]
    assert now["worst"] <= 1.25 < before["worst"]
