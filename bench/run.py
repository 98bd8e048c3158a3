"""gimlet-ci's benchmark suite: the figures a CI step costs every pipeline run, and the budgets they must hold.

    python bench/run.py           # the full run, by hand (about eight minutes, plus a first `pip wheel` online)
    python bench/run.py --smoke   # tiny sizes, a few seconds; .ci/run runs it so the bench never rots

Every figure is a ratio or a difference measured within one run, so that machine noise mostly cancels:

1. completion latency: for deploys of about 5 s, 30 s and 90 s (5.5, 30.5, 90.5), ``ship --wait`` (the CLI in a
   subprocess, against the local server) with the push channel, with every socket dropped after its first message,
   and with ``GIMLET_PUSH=off``: its lateness (the moment it exited minus the moment the server's gitops commit became
   ``ReconciliationSucceeded``) and its track requests against the official CLI's fixed 5 s poll over the same wait;
   then the poll schedule's own figures, before (commit f42badf) and now, simulated with jitter;
2. cold start: ``gimlet-ci --version`` and ``gimlet-ci context`` against ``python -c pass``, and what
   ``-X importtime`` shows on those paths;
3. artifact build at scale: ``ship --dry-run`` with 500 manifests and 2,000 environment variables, and its peak
   memory;
4. install footprint: a fresh venv with the package and its runtime dependencies, installed offline from a
   wheel cache;
5. the GitHub action's start, side by side: the old path (a venv, ``pip install`` of the checkout with an empty
   pip cache, then ``ship --dry-run``) against the new one (``python3 -I gimlet-ci.pyz ship --dry-run``), both
   from nothing to exit, with the same interpreter (the OS's ``python3``, as on a runner; ``--python`` to
   choose); the zipapp's size; its ``--version`` against ``python -c pass``. ``--smoke`` skips the old path,
   which needs the package index.

The full run exits 1 when a budget does not hold; the smoke run prints the same verdicts but exits 0 unless the
bench itself broke (exit 2), because timings on a shared CI machine are noisy.
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from gimlet_ci._retry import PollSchedule

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TRACK = "/api/eventArtifactTrack"
TOKEN = "bench-token"  # noqa: S105 - the local test server's token


class BenchError(Exception):
    """The bench itself broke (a command failed, a file is missing): not a budget verdict."""


# -- the table -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One figure: what was measured, its budget, and whether it holds (None: reported, no budget)."""

    name: str
    measured: str
    budget: str = "-"
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "-" if self.budget else ""
        return "ok" if self.ok else "OVER"


def format_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned plain-text table with a header."""
    header = ("figure", "measured", "budget", "verdict")
    cells = [header, *((r.name, r.measured, r.budget, r.verdict) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip() for cell in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- helpers ---------------------------------------------------------------------------------------------------------


CLI_OVERRIDE: list[str] = []
"""``--cli PATH``: measure this gimlet-ci executable instead (a scratch copy, to compare before and after)."""


def gimlet_ci_command() -> list[str]:
    """The console script next to this interpreter (what users run), else ``python -m gimlet_ci``."""
    if CLI_OVERRIDE:
        return list(CLI_OVERRIDE)
    script = Path(PYTHON).parent / "gimlet-ci"
    return [str(script)] if script.exists() else [PYTHON, "-m", "gimlet_ci"]


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An almost empty environment: PATH (for git), HOME and a UTF-8 locale, plus *extra*."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
    }
    env.update(extra or {})
    return env


def git(repo: Path, *args: str) -> str:
    env = base_env(
        {
            "GIT_AUTHOR_NAME": "Bench Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Bench Committer",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}"
        raise BenchError(msg)
    return done.stdout.strip()


def manifest(index: int, *, var_names: Sequence[str] = ()) -> str:
    """A realistic manifest for app number *index*: staging, deployed on every push to main."""
    uses = "".join(f"    {name.lower()}: '{{{{ .{name} }}}}'\n" for name in var_names)
    return (
        f"app: service-{index:03d}\n"
        "env: staging\n"
        f"namespace: team-{index % 7}\n"
        "deploy:\n"
        "  branch: main\n"
        "  event: push\n"
        "chart:\n"
        "  repository: https://chart.onechart.dev\n"
        "  name: onechart\n"
        "  version: 0.73.0\n"
        "values:\n"
        "  image:\n"
        f"    repository: registry.example.com/acme/service-{index:03d}\n"
        '    tag: "{{ .SHA }}"\n'
        f"  replicas: {1 + index % 3}\n"
        "  resources:\n"
        "    requests: {cpu: 100m, memory: 128Mi}\n"
        "    limits: {memory: 256Mi}\n"
        "  ingress:\n"
        f"    host: service-{index:03d}.staging.example.com\n"
        "    tlsEnabled: true\n"
        "  probe:\n"
        "    enabled: true\n"
        "    path: /healthz\n"
        "  vars:\n"
        "    LOG_LEVEL: info\n"
        "    BRANCH: '{{ .BRANCH }}'\n"
        f"{uses}"
    )


def make_repo(parent: Path, name: str, *, manifests: int, var_names: Sequence[str] = ()) -> Path:
    """A git repository on branch main with *manifests* files in .gimlet/ and one commit."""
    repo = parent / name
    gimlet = repo / ".gimlet"
    gimlet.mkdir(parents=True)
    for index in range(manifests):
        chosen = [var_names[(index + k) % len(var_names)] for k in range(3)] if var_names else []
        (gimlet / f"service-{index:03d}.yaml").write_text(manifest(index, var_names=chosen), encoding="utf-8")
    (repo / "README.md").write_text("# bench\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Bench commit\n\nA body line.")
    return repo


def run_timed(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> tuple[float, int, str]:
    """Run *argv*; return its wall time, its peak RSS in KiB (its own, by wait4), and its stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if proc.returncode != 0:
        msg = f"{' '.join(argv)} exited {proc.returncode}: {stderr.strip()[-2000:]}"
        raise BenchError(msg)
    return elapsed, usage.ru_maxrss, stderr


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s"


# -- 1. completion latency -------------------------------------------------------------------------------------------


GO_POLL = 5.0
"""The official CLI's fixed poll interval."""
BEFORE = {"fast": 0.25, "fast_for": 2.0, "steady": 0.75, "steady_for": 60.0, "growth": 1.5, "cap": 11.0, "jitter": 0.2}
"""The poll schedule before the push channel (commit f42badf), for the side-by-side figures."""
MODES = ("push channel", "push, socket dropped after 1 message", "polling (GIMLET_PUSH=off)")


def projected_polls(intervals: Iterable[float], seconds: float) -> int:
    """Track requests over a *seconds*-long wait: one at once, then one after each interval that fits."""
    count = 1
    elapsed = 0.0
    for interval in intervals:
        elapsed += interval
        if elapsed > seconds:
            break
        count += 1
    return count


def go_polls(wait: float) -> int:
    """The official CLI's reads until one sees an end *wait* seconds in: polls at 0, 5, 10 s ..."""
    return math.ceil(wait / GO_POLL) + 1 if wait > 0 else 1


def poll_budget(wait: float) -> int:
    """Item 3's request budget without the channel: 125 % of the 5 s poll's requests over the same wait."""
    return math.floor(1.25 * go_polls(wait))


def schedule_points(schedule: PollSchedule, until: float) -> list[float]:
    """The moments a poll schedule reads at, from 0 to *until*."""
    points, elapsed = [0.0], 0.0
    for interval in schedule.intervals():
        elapsed += interval
        points.append(elapsed)
        if elapsed > until:
            break
    return points


def schedule_figures(schedule: PollSchedule, *, draws: int) -> dict[str, float]:
    """A schedule's first-minute and ten-minute requests, its worst ratio to the 5 s poll over waits of a minute or
    more, and its mean lateness for deploys that end after the first minute (simulated, jitter included)."""
    rng = random.Random(17)  # noqa: S311 - samples, not secrets
    random.seed(17)
    late: list[float] = []
    worst = 0.0
    for _ in range(draws):
        points = schedule_points(schedule, 700.0)
        for _ in range(200):
            end = rng.uniform(60.0, 600.0)
            seen = next(p for p in points if p >= end)
            late.append(seen - end)
            worst = max(worst, (bisect.bisect_left(points, end) + 1) / go_polls(end))
    flat = schedule_points(attrs.evolve(schedule, jitter=0.0), 700.0)
    return {
        "first_minute": sum(1 for p in flat if p < 60),
        "ten_minutes": bisect.bisect_left(flat, 600.0) + 1,
        "worst": worst,
        "late": statistics.mean(late),
    }


def run_until_exit(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> tuple[float, str]:
    """Run *argv*; return the monotonic time it exited at and its stderr."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        proc.wait()
        exited = time.monotonic()
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if proc.returncode != 0:
        msg = f"{' '.join(argv)} exited {proc.returncode}: {stderr.strip()[-2000:]}"
        raise BenchError(msg)
    return exited, stderr


def _final_and_start(timeline: Sequence[tuple[float, Mapping[str, object]]]) -> tuple[float, float]:
    """When the server stored the artifact, and when its gitops commit reached its final status."""
    start = next(t for t, m in timeline if m.get("event") == "commitEvent")
    final = max(
        t
        for t, m in timeline
        if m.get("event") == "gitopsCommit"
        and isinstance(m.get("gitopsCommit"), Mapping)
        and m["gitopsCommit"].get("status") == "ReconciliationSucceeded"  # type: ignore[attr-defined]
    )
    return start, final


def bench_latency(work: Path, *, cases: Sequence[tuple[float, float]], draws: int) -> list[Row]:
    from gimlet_ci._retry import PollSchedule  # noqa: PLC0415
    from gimlet_ci.testing import GimletServer  # noqa: PLC0415

    repo = make_repo(work, "latency", manifests=1)
    rows: list[Row] = []
    for processing, reconcile in cases:
        total = processing + reconcile
        for mode in MODES:
            with GimletServer(
                token=TOKEN,
                processing_delay=processing,
                reconcile_delay=reconcile,
                environments=("staging",),
                ws_drop_after=1 if "dropped" in mode else 0,
            ) as server:
                env = base_env(
                    {
                        "GIMLET_SERVER": server.url,
                        "GIMLET_TOKEN": TOKEN,
                        "GIMLET_PUSH": "off" if "off" in mode else "on",
                    }
                )
                argv = [*gimlet_ci_command(), "--platform", "local", "-C", str(repo), "ship", "--wait"]
                exited, _ = run_until_exit(argv, env=env)
                reads = server.request_count("GET", TRACK)
                start, final = _final_and_start(server.timeline())
            late = exited - final
            wait = final - start
            go = go_polls(wait)
            label = f"deploy of {total:g}s, {mode}"
            if mode == MODES[0]:
                half = total >= 90
                rows.append(Row(f"{label}: lateness", fmt_s(late), "<= 0.150 s", late <= 0.15))
                budget = (go - 1) // 2 if half else go
                rows.append(
                    Row(
                        f"{label}: track requests",
                        f"{reads} (5 s poll: {go})",
                        f"{'< half of' if half else '<='} {go if not half else go / 2:g}",
                        reads <= budget if not half else reads < go / 2,
                    )
                )
            elif mode == MODES[1]:
                rows.append(Row(f"{label}: lateness", fmt_s(late), "<= 1.000 s", late <= 1.0))
                rows.append(Row(f"{label}: track requests", f"{reads} (5 s poll: {go})"))
            else:
                interval = PollSchedule().steady * (1 + PollSchedule().jitter)
                rows.append(
                    Row(f"{label}: lateness", fmt_s(late), f"<= {interval:.3f} s (one interval)", late <= interval)
                )
                limit = poll_budget(wait)
                ratio = f"{reads} (5 s poll: {go}, {reads / go:.0%})"
                if wait >= 60:
                    rows.append(
                        Row(f"{label}: track requests", ratio, f"<= {limit} (125 % of 5 s poll)", reads <= limit)
                    )
                else:  # the fast start's reads: item 3's bound holds from a one-minute wait on
                    rows.append(Row(f"{label}: track requests", ratio, "125 % from a 1-minute wait on"))
    now = schedule_figures(PollSchedule(), draws=draws)
    before = schedule_figures(PollSchedule(**BEFORE), draws=draws)
    go_10 = go_polls(600.0)
    rows += [
        Row(
            "polling: mean lateness after the first minute (before / now)",
            f"{before['late']:.2f} s / {now['late']:.2f} s",
            "<= 2.50 s",
            now["late"] <= 2.5,
        ),
        Row(
            "polling: requests in the first minute (before / now; 5 s poll: 13)",
            f"{before['first_minute']:g} / {now['first_minute']:g}",
            "< 85",
            now["first_minute"] < 85,
        ),
        Row(
            f"polling: requests per 10-minute wait (before / now; 5 s poll: {go_10})",
            f"{before['ten_minutes']:g} / {now['ten_minutes']:g}",
            f"<= {math.floor(1.25 * go_10)}",
            now["ten_minutes"] <= math.floor(1.25 * go_10),
        ),
        Row(
            "polling: worst requests / 5 s poll, waits >= 1 min (before / now)",
            f"{before['worst']:.2f} / {now['worst']:.2f}",
            "<= 1.25",
            now["worst"] <= 1.25,
        ),
    ]
    return rows


# -- 2. cold start ---------------------------------------------------------------------------------------------------


def _interleaved_medians(
    commands: Mapping[str, tuple[list[str], Path | None]], env: Mapping[str, str], runs: int
) -> dict[str, float]:
    """Median wall time of each command, runs interleaved so a slow moment hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv, cwd in commands.values():  # warm-up: bytecode caches, page cache
        run_timed(argv, env=env, cwd=cwd)
    for _ in range(runs):
        for name, (argv, cwd) in commands.items():
            times[name].append(run_timed(argv, env=env, cwd=cwd)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def import_profile(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, python: str = PYTHON
) -> dict[str, tuple[int, int]]:
    """``-X importtime`` of *argv* (a Python script and its arguments): module -> (depth, cumulative µs)."""
    _, _, stderr = run_timed([python, "-X", "importtime", *argv], env=env, cwd=cwd)
    modules: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        modules[name.strip()] = (depth, int(cumulative))
    return modules


def dominant(modules: Mapping[str, tuple[int, int]], baseline: Iterable[str], top: int = 4) -> str:
    """The top-level imports that cost the most, leaving out those the bare interpreter makes too."""
    skip = set(baseline)
    ranked = sorted(
        ((us, name) for name, (depth, us) in modules.items() if depth == 0 and name not in skip),
        reverse=True,
    )
    return ", ".join(f"{name} {us / 1000:.0f}ms" for us, name in ranked[:top]) or "none"


def forbidden(modules: Iterable[str]) -> list[str]:
    """The heavy modules that must stay off the cheap paths: httpx and the YAML library."""
    return sorted(
        name for name in modules if name.split(".")[0] in {"httpx", "yaml", "_yaml", "httpcore", "h11", "anyio"}
    )


def bench_cold_start(work: Path, *, runs: int) -> list[Row]:
    repo = make_repo(work, "cold", manifests=1)
    env = base_env()
    cli = gimlet_ci_command()
    commands = {
        "python -c pass": ([PYTHON, "-c", "pass"], repo),
        "gimlet-ci --version": ([*cli, "--version"], repo),
        "gimlet-ci context": ([*cli, "context"], repo),
    }
    medians = _interleaved_medians(commands, env, runs)
    base = medians["python -c pass"]
    rows = [Row("python -c pass (reference)", fmt_s(base))]
    script = cli[-1] if len(cli) == 1 else str(ROOT / "gimlet_ci" / "__main__.py")
    baseline = import_profile(["-c", "pass"], env, repo)
    for name in ("gimlet-ci --version", "gimlet-ci context"):
        ratio = medians[name] / base
        rows.append(
            Row(
                f"{name} / python -c pass",
                f"{ratio:.2f}x ({fmt_s(medians[name])})",
                "<= 2.50x",
                ratio <= 2.5,
            )
        )
        modules = import_profile([script, *name.split()[1:]], env, repo)
        heavy = forbidden(modules)
        rows.append(
            Row(
                f"{name}: httpx/yaml imported",
                ", ".join(heavy) if heavy else "none",
                "none",
                not heavy,
            )
        )
        rows.append(Row(f"{name}: dominant imports", dominant(modules, baseline)))
    return rows


# -- 3. artifact build at scale --------------------------------------------------------------------------------------


def github_env(repo: Path, *, total_vars: int) -> dict[str, str]:
    """A GitHub Actions push run's environment padded to *total_vars* variables, half of them GITHUB_*."""
    sha = git(repo, "rev-parse", "HEAD")
    env = base_env(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REF_NAME": "main",
            "GITHUB_SHA": sha,
            "GITHUB_REPOSITORY": "acme/monorepo",
            "GITHUB_REPOSITORY_OWNER": "acme",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "9876543210",
            "GITHUB_RUN_NUMBER": "421",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_JOB": "ship",
            "GITHUB_WORKFLOW": "deploy",
            "GITHUB_WORKSPACE": str(repo),
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": "/tmp",
        }
    )
    index = 0
    while len(env) < total_vars:
        if index % 2 == 0:
            name = f"GITHUB_BENCH_SETTING_{index:04d}"
            value = f"https://service-{index:04d}.internal.example.com/api/v2?region=eu-west-1"
        else:
            name = f"APP_CONFIG_{index:04d}"
            value = f"value-{index:04d}-" + "x" * 40
        env[name] = value
        index += 1
    return env


def bench_scale(work: Path, *, manifests: int, total_vars: int, runs: int) -> list[Row]:
    small = make_repo(work, "scale-small", manifests=1)
    var_names = [f"GITHUB_BENCH_SETTING_{i:04d}" for i in range(0, min(total_vars, 400), 2)]
    big = make_repo(work, "scale-big", manifests=manifests, var_names=var_names)
    cli = gimlet_ci_command()

    def measure(repo: Path, env: Mapping[str, str]) -> tuple[float, int]:
        argv = [*cli, "--platform", "github", "-C", str(repo), "ship", "--dry-run"]
        run_timed(argv, env=env)  # warm-up
        results = [run_timed(argv, env=env) for _ in range(runs)]
        return statistics.median(r[0] for r in results), max(r[1] for r in results)

    small_time, small_rss = measure(small, github_env(small, total_vars=20))
    big_time, big_rss = measure(big, github_env(big, total_vars=total_vars))
    size = f"{manifests} manifests, {total_vars} env vars"
    return [
        Row(f"ship --dry-run, {size}", fmt_s(big_time), "<= 1.000 s", big_time <= 1.0),
        Row(
            f"  of which the size costs (minus 1 manifest, 20 vars: {fmt_s(small_time)})",
            fmt_s(big_time - small_time),
        ),
        Row(
            f"ship --dry-run peak memory, {size}",
            f"{big_rss / 1024:.1f} MiB (1 manifest: {small_rss / 1024:.1f} MiB)",
        ),
    ]


# -- 4. install footprint --------------------------------------------------------------------------------------------


def dir_size(path: Path) -> int:
    total = 0
    for entry in path.rglob("*"):
        if entry.is_file() and not entry.is_symlink():
            total += entry.stat().st_size
    return total


def wheel_cache() -> Path:
    default = Path(tempfile.gettempdir()) / "gimlet-ci-bench-wheels"
    return Path(os.environ.get("GIMLET_BENCH_WHEELS", default))


def build_wheels(cache: Path) -> float:
    """Wheels of this checkout and its runtime dependencies into *cache* (the one step that uses the index)."""
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob("gimlet_ci-*.whl"):
        old.unlink()
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "pip", "wheel", "-q", "--wheel-dir", str(cache), "--find-links", str(cache), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if done.returncode != 0:
        msg = f"pip wheel failed: {done.stderr.strip()[-2000:]}"
        raise BenchError(msg)
    return time.perf_counter() - start


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        msg = f"no site-packages under {venv}"
        raise BenchError(msg)
    return found[0]


def bench_install(work: Path, *, rebuild: bool) -> list[Row]:
    cache = wheel_cache()
    rows: list[Row] = []
    if rebuild or not any(cache.glob("gimlet_ci-*.whl")):
        seconds = build_wheels(cache)
        rows.append(Row("pip wheel of the package and deps (online, once)", fmt_s(seconds)))
    venv = work / "install-venv"
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True)
    venv_time = time.perf_counter() - start
    empty = dir_size(venv)
    before = {p.name for p in site_packages(venv).iterdir()}
    start = time.perf_counter()
    done = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            str(cache),
            "gimlet-ci",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    install_time = time.perf_counter() - start
    if done.returncode != 0:
        msg = f"offline install failed: {done.stderr.strip()[-2000:]}"
        raise BenchError(msg)
    full = dir_size(venv)
    site = site_packages(venv)
    added = sorted(
        ((dir_size(p) if p.is_dir() else p.stat().st_size, p.name) for p in site.iterdir() if p.name not in before),
        reverse=True,
    )
    shown = [f"{name} {size / 2**20:.1f}" for size, name in added if not name.endswith("-info")]
    biggest = ", ".join(shown[:5])
    rows += [
        Row("fresh venv with pip (reference)", f"{empty / 2**20:.1f} MiB in {fmt_s(venv_time)}"),
        Row("offline install from the wheel cache", fmt_s(install_time)),
        Row("venv size with gimlet-ci and runtime deps", f"{full / 2**20:.1f} MiB"),
        Row("  of which gimlet-ci and its deps", f"{(full - empty) / 2**20:.1f} MiB"),
        Row("  largest added (MiB)", biggest),
    ]
    return rows


# -- 5. the GitHub action's start: old path against the zipapp ---------------------------------------------------

ZIPAPP = ROOT / "adapters" / "github-action" / "dist" / "gimlet-ci.pyz"
CONSTRAINTS = ROOT / "adapters" / "github-action" / "constraints.txt"
PYTHON_OVERRIDE: list[str] = []
"""``--python PATH``: the interpreter both action paths run with (default: see `action_python`)."""


def action_python() -> tuple[str, str]:
    """The interpreter for the action's paths, and why: the OS's own python3 when it is 3.10+, as a runner has.

    A venv's ``python`` would put the venv's packages on ``sys.path``; a build without PGO (pyenv's) compiles the
    zipapp's sources much more slowly than the distributions' builds that GitHub's runner images carry.
    """
    if PYTHON_OVERRIDE:
        return PYTHON_OVERRIDE[0], "--python"
    probe = "import sys; sys.exit(sys.version_info < (3, 10))"
    system = Path("/usr/bin/python3")
    if system.exists() and subprocess.run([str(system), "-I", "-c", probe], check=False).returncode == 0:
        return str(system), "the OS's python3, as on a runner"
    return getattr(sys, "_base_executable", PYTHON) or PYTHON, "this interpreter's base installation"


def old_path_once(work: Path, python: str, repo: Path, env: Mapping[str, str], index: int) -> float:
    """The previous action, from nothing to exit: venv with pip, pip install of the checkout, ``ship --dry-run``."""
    venv = work / f"old-path-venv-{index}"
    cache = work / f"old-path-pip-cache-{index}"  # a fresh runner has no pip cache
    start = time.perf_counter()
    for argv in (
        [python, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--cache-dir",
            str(cache),
            "-c",
            str(CONSTRAINTS),
            str(ROOT),
        ],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, check=False, env={**os.environ})
        if done.returncode != 0:
            msg = f"{' '.join(argv[:4])} ... failed: {done.stderr.strip()[-2000:]}"
            raise BenchError(msg)
    run_timed([str(venv / "bin" / "gimlet-ci"), "--platform", "github", "ship", "--dry-run"], env=env, cwd=repo)
    return time.perf_counter() - start


def bench_action(work: Path, *, old_runs: int, new_runs: int, cold_runs: int) -> list[Row]:
    if not ZIPAPP.is_file():
        msg = f"{ZIPAPP} is missing: adapters/github-action/build-pyz {ZIPAPP.relative_to(ROOT)}"
        raise BenchError(msg)
    python, why = action_python()
    repo = make_repo(work, "action", manifests=3)
    env = github_env(repo, total_vars=60)
    new_argv = [python, "-I", str(ZIPAPP), "--platform", "github", "ship", "--dry-run"]
    run_timed(new_argv, env=env, cwd=repo)  # warm-up: the page cache, not bytecode (a zipapp compiles every run)
    new = [run_timed(new_argv, env=env, cwd=repo)[0] for _ in range(new_runs)]
    new_median = statistics.median(new)
    rows = [
        Row(f"interpreter for both paths: {python}", why),
        Row(
            "new path: python3 -I gimlet-ci.pyz ship --dry-run",
            f"{fmt_s(new_median)} (min {min(new):.3f}, n={new_runs})",
            "<= 0.600 s median",
            new_median <= 0.6,
        ),
    ]
    if old_runs:
        old = [old_path_once(work, python, repo, env, i) for i in range(old_runs)]
        old_median = statistics.median(old)
        ratio = new_median / old_median
        rows += [
            Row(
                "old path: venv + pip install from the checkout + ship --dry-run",
                f"{fmt_s(old_median)} (min {min(old):.3f}, n={old_runs}, empty pip cache, online)",
            ),
            Row("new path / old path", f"{ratio:.1%}", "<= 15.0%", ratio <= 0.15),
        ]
    else:
        rows.append(
            Row("old path: venv + pip install from the checkout", "skipped in --smoke: pip needs the package index")
        )
    http = [
        name
        for name in forbidden(import_profile(["-I", *new_argv[2:]], env, repo, python=python))
        if not name.split(".")[0].endswith("yaml")
    ]
    rows.append(
        Row("new path: HTTP client imported for a dry run", ", ".join(http) if http else "none", "none", not http)
    )
    size = ZIPAPP.stat().st_size
    rows.append(Row("gimlet-ci.pyz size", f"{size / 2**20:.2f} MiB ({size:,} bytes)", "<= 2.00 MiB", size <= 2 * 2**20))
    commands = {
        "python -c pass": ([python, "-I", "-c", "pass"], repo),
        "gimlet-ci.pyz --version": ([python, "-I", str(ZIPAPP), "--version"], repo),
    }
    medians = _interleaved_medians(commands, base_env(), cold_runs)
    ratio = medians["gimlet-ci.pyz --version"] / medians["python -c pass"]
    rows.append(
        Row(
            "python3 -I gimlet-ci.pyz --version / python -c pass",
            f"{ratio:.2f}x ({fmt_s(medians['gimlet-ci.pyz --version'])} vs {fmt_s(medians['python -c pass'])})",
            "<= 4.00x",
            ratio <= 4.0,
        )
    )
    other = getattr(sys, "_base_executable", "") or PYTHON
    if old_runs and other != python:  # the full run also shows the interpreter the bench itself runs on
        argv = [other, "-I", str(ZIPAPP), "--platform", "github", "ship", "--dry-run"]
        run_timed(argv, env=env, cwd=repo)
        times = [run_timed(argv, env=env, cwd=repo)[0] for _ in range(new_runs)]
        rows.append(Row(f"  new path with {other} (for comparison)", fmt_s(statistics.median(times))))
    return rows


# -- main ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    latency_cases: tuple[tuple[float, float], ...]
    draws: int
    cold_runs: int
    manifests: int
    total_vars: int
    scale_runs: int
    install: bool
    action_old_runs: int
    action_new_runs: int


FULL = Sizes(
    # About 5, 30 and 90 s, off the 5 s poll's ticks: a deploy ending exactly on one is seen by it with no delay at all.
    latency_cases=((1.0, 4.5), (1.5, 29.0), (1.5, 89.0)),
    draws=100,
    cold_runs=15,
    manifests=500,
    total_vars=2000,
    scale_runs=3,
    install=True,
    action_old_runs=3,
    action_new_runs=9,
)
SMOKE = Sizes(
    latency_cases=((0.2, 0.4),),
    draws=5,
    cold_runs=3,
    manifests=20,
    total_vars=100,
    scale_runs=1,
    install=False,
    action_old_runs=0,
    action_new_runs=2,
)


def sections(sizes: Sizes, work: Path) -> Iterator[tuple[str, Callable[[], list[Row]]]]:
    yield "1. completion latency", lambda: bench_latency(work, cases=sizes.latency_cases, draws=sizes.draws)
    yield "2. cold start", lambda: bench_cold_start(work, runs=sizes.cold_runs)
    yield (
        "3. artifact build at scale",
        lambda: bench_scale(work, manifests=sizes.manifests, total_vars=sizes.total_vars, runs=sizes.scale_runs),
    )
    if sizes.install:
        yield "4. install footprint", lambda: bench_install(work, rebuild=True)
    yield (
        "5. GitHub action start, from nothing to exit: old path against the zipapp",
        lambda: bench_action(
            work, old_runs=sizes.action_old_runs, new_runs=sizes.action_new_runs, cold_runs=sizes.cold_runs
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; exit 0 whatever the timings")
    parser.add_argument(
        "--only",
        choices=("1", "2", "3", "4", "5"),
        action="append",
        help="run only these sections (repeatable)",
    )
    parser.add_argument(
        "--cli",
        metavar="PATH",
        help="the gimlet-ci executable to measure (default: the one next to this interpreter)",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter for section 5's action paths (default: /usr/bin/python3 when 3.10+)",
    )
    args = parser.parse_args(argv)
    if args.python:
        PYTHON_OVERRIDE[:] = [args.python]
    if args.cli:
        CLI_OVERRIDE[:] = [str(Path(args.cli).resolve())]
    sizes = SMOKE if args.smoke else FULL
    command = "python bench/run.py" + (" --smoke" if args.smoke else "")
    command += "".join(f" --only {n}" for n in args.only or ())
    command += f" --cli {args.cli}" if args.cli else ""
    command += f" --python {args.python}" if args.python else ""
    print(f"$ {command}")
    print(
        f"python {platform.python_version()} ({PYTHON}), {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s), measuring {' '.join(gimlet_ci_command())}"
    )
    rows: list[Row] = []
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="gimlet-ci-bench-") as tmp:
            for title, section in sections(sizes, Path(tmp)):
                if args.only and title[0] not in args.only:
                    continue
                print(f"... {title}", file=sys.stderr, flush=True)
                rows.append(Row(title, "", ""))
                rows += section()
    except BenchError as e:
        print(f"bench broke: {e}", file=sys.stderr)
        return 2
    print()
    print(format_table(rows))
    over = [r.name for r in rows if r.ok is False]
    print(f"\n{len(over)} budget(s) over; {time.perf_counter() - started:.1f} s")
    if args.smoke:
        return 0
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
