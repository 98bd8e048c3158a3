"""Retry policy: what `base` and `factor` mean, and what the error raised after the last attempt carries."""

from __future__ import annotations

import itertools

import backoff
import pytest

from gimlet_ci._retry import Deadline, Retryable, RetryPolicy, Timing, call_with_retries
from gimlet_ci.exceptions import ServerUnreachable


def test_delays_start_at_base_and_grow_by_factor_up_to_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without jitter the delays are base, base * factor, ... until cap; jitter draws from below each of them."""
    monkeypatch.setattr(backoff, "full_jitter", lambda value: value)
    delays = RetryPolicy(base=0.5, factor=2.0, cap=5.0).delays()

    assert [0.5, 1.0, 2.0, 4.0, 5.0, 5.0] == list(itertools.islice(delays, 6))


def test_a_zero_base_never_waits() -> None:
    """A policy whose first delay is zero (test mode's) waits zero seconds every time."""
    assert [0.0] * 4 == list(itertools.islice(RetryPolicy(base=0.0, factor=1.0, cap=0.0).delays(), 4))


def test_the_final_error_keeps_its_cause_and_not_the_retry_request() -> None:
    """After the last attempt the request's own error is raised with its own cause; the Retryable is not its context."""
    cause = ConnectionRefusedError(111, "Connection refused")
    final = ServerUnreachable("cannot connect to http://127.0.0.1:9", url="http://127.0.0.1:9")
    final.__cause__ = cause

    def call() -> None:
        raise Retryable("connection refused", final)

    slept: list[float] = []
    deadline = Deadline(60.0, Timing(clock=lambda: 0.0, sleep=slept.append))
    with pytest.raises(ServerUnreachable) as info:
        call_with_retries(call, what="POST /api/artifact", policy=RetryPolicy(attempts=3), deadline=deadline)

    assert (final, cause) == (info.value, info.value.__cause__)
    assert not isinstance(info.value.__context__, Retryable)
    assert 2 == len(slept)
