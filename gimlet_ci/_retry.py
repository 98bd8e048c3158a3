"""All retry and poll policy: how long to wait between attempts and polls, under one deadline.

The delays come from backoff's generators (``backoff.expo`` with ``backoff.full_jitter``); the loops that sleep are
ours, so that the clock and the sleep can be injected. Keeping backoff behind this one module makes a swap a one-file
change.

Test mode (``gimlet_ci.testing.set_testing``) makes waiting free: the default retry policy and poll schedule have
zero intervals, and the default sleep, which every wait goes through (`Deadline.sleep`), reads the mode each time it
is called and then only yields to other threads. So objects built before the mode was switched on do not wait either.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

import attrs
import backoff

from gimlet_ci._log import log
from gimlet_ci.exceptions import DeadlineExceeded, GimletCIError

T = TypeVar("T")

RUN_STARTED: ContextVar[float | None] = ContextVar("gimlet_ci_run_started", default=None)
"""The ``time.monotonic()`` at which the running command started (the first line of ``cli.main``): the command's
one deadline counts from there, not from the first request, so that reading the manifests counts too."""


class _TestMode:
    """Whether test mode is on: read when a default policy is chosen and at every real sleep."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = False

    def __repr__(self) -> str:
        return f"<test mode {'on' if self.on else 'off'}>"


_TEST_MODE = _TestMode()


def set_testing(on: bool) -> bool:
    """Turn test mode on or off; returns whether it was on. Public as `gimlet_ci.testing.set_testing`."""
    previous, _TEST_MODE.on = _TEST_MODE.on, on
    return previous


def is_testing() -> bool:
    """Whether test mode is on."""
    return _TEST_MODE.on


def _sleep(seconds: float) -> None:
    """`time.sleep`, read at each call: in test mode a wait only yields to other threads (a local server's, say)."""
    time.sleep(0.0 if _TEST_MODE.on else seconds)


@attrs.frozen(kw_only=True)
class Timing:
    """The clock and the sleep every wait uses; tests pass fakes so nothing sleeps for real.

    The default sleep honours test mode; a *sleep* you pass is always called with the real interval.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = _sleep
    wall: Callable[[], float] = time.time


@attrs.define
class Deadline:
    """One deadline for a whole command: retries, processing waits and release tracking all share it."""

    seconds: float
    timing: Timing = attrs.field(factory=Timing)
    start: float | None = attrs.field(default=None, kw_only=True)
    """The clock reading the deadline counts from (default: now)."""
    _start: float = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._start = self.timing.clock() if self.start is None else self.start

    def elapsed(self) -> float:
        return self.timing.clock() - self._start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def check(self, doing: str) -> None:
        if self.remaining() <= 0:
            msg = f"the {format_duration(self.seconds)} deadline passed while {doing}"
            raise DeadlineExceeded(
                msg,
                tip="raise --timeout / GIMLET_TIMEOUT if your deploys take longer",
            )

    def sleep(self, seconds: float, doing: str) -> None:
        """Sleep *seconds*, or until the deadline, then raise if it passed."""
        self.timing.sleep(max(0.0, min(seconds, self.remaining())))
        self.check(doing)


def format_duration(seconds: float) -> str:
    """``600`` -> ``10m``, ``90`` -> ``1m30s``, ``1.5`` -> ``1.5s``."""
    if seconds < 60:  # noqa: PLR2004
        return f"{seconds:g}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return out or "0s"


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with full jitter for retryable HTTP failures."""

    base: float = 0.5
    """The first delay, in seconds, before jitter."""
    factor: float = 2.0
    """Each delay is this many times the one before, up to *cap*."""
    cap: float = 10.0
    """The longest delay, in seconds, before jitter."""
    attempts: int = 6
    """At most this many attempts of one request; the deadline may end it sooner."""

    def delays(self) -> Iterator[float]:
        """Each wait before the next attempt: a random part (full jitter) of ``base * factor ** n``, at most *cap*."""
        first_delay, growth = self.base, self.factor
        # backoff.expo yields `factor * base ** n`: its factor is our first delay, its base our growth per attempt.
        gen = backoff.expo(base=growth, factor=first_delay, max_value=self.cap)
        next(gen)  # prime the generator (backoff's protocol)
        for value in gen:
            yield backoff.full_jitter(value) if first_delay > 0 else 0.0


@attrs.frozen(kw_only=True)
class PollSchedule:
    """When to ask again while waiting for Gimlet without its push channel (or while the channel is down).

    A fast start (reads at 0, 1 and 2 s), then a steady *steady* (4.8 s): a finished deploy is seen about 2.4 s late
    on average, at or below the official CLI's fixed 5 s poll (2.5 s), and a wait of a minute or more makes at most
    125 % of that poll's requests (15 requests in the first minute, against 85 before; a ten-minute wait about 128,
    against its 121). Each interval varies by ±*jitter* so that the pipelines of a busy
    Gimlet do not poll in step. *steady_for*, *growth* and *cap* can stretch the interval after a while; by default
    they do not, so that a long deploy is seen as soon as a short one.
    """

    fast: float = 1.0
    fast_for: float = 1.5
    steady: float = 4.8
    steady_for: float = 60.0
    growth: float = 1.0
    cap: float = 4.8
    jitter: float = 0.1

    def intervals(self) -> Iterator[float]:
        """Each wait between two polls, forever."""
        elapsed = 0.0
        interval = self.fast
        while True:
            if elapsed < self.fast_for:
                interval = self.fast
            elif elapsed < self.steady_for:
                interval = self.steady
            else:
                interval = min(self.cap, max(interval, self.steady) * self.growth)
            wait = interval * random.uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else interval  # noqa: S311
            elapsed += wait
            yield wait


TEST_RETRY = RetryPolicy(base=0.0, factor=1.0, cap=0.0, attempts=6)
TEST_POLL = PollSchedule(fast=0.0, fast_for=0.0, steady=0.0, steady_for=float("inf"), growth=1.0, cap=0.0, jitter=0.0)
"""The policies of test mode: every interval zero."""


def default_retry() -> RetryPolicy:
    return TEST_RETRY if _TEST_MODE.on else RetryPolicy()


def default_schedule() -> PollSchedule:
    return TEST_POLL if _TEST_MODE.on else PollSchedule()


class Retryable(Exception):
    """Raised inside a retried call to ask for another attempt; carries the error to raise if none is left."""

    def __init__(self, reason: str, final: Exception, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final
        self.after = after
        """Seconds the server asked us to wait (``Retry-After``), when it did."""


def call_with_retries(
    call: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy,
    deadline: Deadline,
) -> T:
    """Run *call*; while it raises `Retryable`, wait and try again, within *policy* and *deadline*."""
    delays = policy.delays()
    attempt = 1
    while True:
        try:
            return call()
        except Retryable as e:
            retry = e
        # Raised outside the `except` block: the error keeps its own cause, and the `Retryable` that carried it (a
        # request for another attempt, not a failure) is not shown as its context.
        if attempt >= policy.attempts:
            log.warning("gimlet_ci.retry_giveup", request=what, attempts=attempt, reason=retry.reason)
            raise retry.final
        wait = next(delays)
        if retry.after is not None:  # the server's Retry-After: never sooner than it asked
            wait = max(wait, retry.after)
        if wait >= deadline.remaining():
            log.warning("gimlet_ci.retry_giveup", request=what, attempts=attempt, reason=retry.reason)
            # The server is failing, not slow to deploy: its error (exit 4) says more than "deadline" would.
            if isinstance(retry.final, GimletCIError) and retry.final.tip is None:
                if retry.after is not None and retry.after >= deadline.remaining():
                    tip = (
                        f"the server asked to wait {format_duration(round(retry.after, 1))} before another attempt "
                        f"(Retry-After), more than the {format_duration(deadline.seconds)} deadline left; check "
                        "that Gimlet is up, or raise --timeout / GIMLET_TIMEOUT"
                    )
                else:
                    tip = (
                        f"retries stopped early: the {format_duration(deadline.seconds)} deadline left no time for "
                        "another attempt; check that Gimlet is up, or raise --timeout / GIMLET_TIMEOUT"
                    )
                raise retry.final.carrying(tip=tip) from retry.final
            raise retry.final
        log.warning(
            "gimlet_ci.retry",
            request=what,
            attempt=attempt,
            reason=retry.reason,
            wait=round(wait, 2),
        )
        deadline.sleep(wait, f"retrying {what}")
        attempt += 1
