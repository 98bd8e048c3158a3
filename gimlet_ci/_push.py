"""Gimlet's push channel (the websocket ``/ws/``) as a wake-up for waits, with polling as the fallback.

Gimlet broadcasts a ``commitEvent`` on every event create and update and a ``gitopsCommit`` on every gitops commit
write and Flux status change, to every client (gimlet-wire.md §4.4). gimlet-ci listens while it waits: a message that
can change the verdict of what it waits for makes it read the tracking endpoint at once, a ``Progressing`` status is
shown from the message itself, and the verdict still comes only from the tracking endpoints. While the channel is
healthy, background polls slow to `PushPolicy.safety`; when it cannot be opened, closes, breaks the protocol or
misses its ping deadline, the wait polls at once and then on the normal schedule, and reconnects with backoff.

Two parts:

- `Interest`: pure bookkeeping of what a wait follows (event ids, one artifact by sha and time, gitops shas) and the
  verdict each message can change; unit-tested without sockets;
- `Channel`: the socket (httpx-ws over the command's own ``httpx.Client``: same URL, token header, CA bundle,
  proxies), which never sends a data message: Gimlet re-broadcasts whatever a client sends.
"""

from __future__ import annotations

import contextlib
import json
import queue
import time
from collections import OrderedDict
from collections.abc import Generator, Iterator, Mapping
from typing import Any, Literal

import attrs

from gimlet_ci._log import log
from gimlet_ci._models import TrackStatus
from gimlet_ci._retry import Deadline, format_duration, is_testing

SUCCEEDED = "ReconciliationSucceeded"
CLOSE_WITHIN = 1.0
"""Seconds closing the socket may take (the close frame's write), whatever the server does."""
STABLE_AFTER = 30.0
"""A socket that stayed up this long and then dropped starts a new fallback episode (a new info line)."""
_STATUS_MEMORY = 4096
"""Gitops statuses kept by sha for commits not known to be ours yet (a ``gitopsCommit`` may come first)."""


@attrs.frozen(kw_only=True)
class PushPolicy:
    """How a wait uses the push channel."""

    enabled: bool = True
    safety: float = 15.0
    """Seconds between background polls while the channel is healthy."""
    connect_timeout: float = 5.0
    """How long the upgrade may take before the wait polls instead (a proxy may hold the request)."""
    ping_interval: float = 20.0
    """Seconds between our pings (control frames; Gimlet answers them without re-broadcasting)."""
    ping_timeout: float = 20.0
    """A pong must come back within this; otherwise the channel counts as dead."""
    reconnect_base: float = 0.5
    reconnect_cap: float = 30.0
    max_message: int = 4 * 2**20
    """A larger message (an image build's whole log, or garbage) drops the channel."""
    created_slack: int = 2
    """Seconds an artifact's event may be stamped before the artifact's own ``created`` (clock granularity)."""


TEST_PUSH = PushPolicy(safety=0.0, reconnect_base=0.0, reconnect_cap=0.0)
"""The test mode: background polls as fast as the poll schedule's (zero), reconnects at once."""


def default_push(*, enabled: bool = True) -> PushPolicy:
    policy = TEST_PUSH if is_testing() else PushPolicy()
    return policy if enabled else attrs.evolve(policy, enabled=False)


def is_final(status: str) -> bool:
    return status == SUCCEEDED or "Failed" in status


# -- notes: what a message means for the wait -----------------------------------------------------------------------


@attrs.frozen
class Wake:
    """Read the tracking endpoint now."""

    reason: str


@attrs.frozen
class Progress:
    """A gitops status that changes no verdict, shown as it is."""

    app: str | None
    env: str | None
    sha: str
    status: str
    description: str | None


@attrs.frozen
class Processed:
    """Our event was processed and every result is a pending gitops commit: no verdict yet, but worth a line."""

    status: str


Note = Wake | Progress | Processed


def split_frame(text: str) -> Iterator[Mapping[str, Any]]:
    """The messages of one text frame: Gimlet packs queued messages into one frame, one per line."""
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, Mapping):
            yield message


@attrs.define
class Interest:
    """What one command waits for, and which messages can change its verdict."""

    event_ids: set[str] = attrs.Factory(set)
    artifact_sha: str | None = None
    artifact_created: int = 0
    slack: int = 2
    gitops: dict[str, tuple[str | None, str | None]] = attrs.Factory(dict)
    """Gitops shas of our deploys → (app, env)."""
    _statuses: OrderedDict[str, tuple[str, str]] = attrs.Factory(OrderedDict)
    _woken: set[tuple[str, str]] = attrs.Factory(set)
    _candidates: dict[str, frozenset[str]] = attrs.Factory(dict)
    """Artifact events of our sha seen on the channel → their gitops refs (to tell two artifacts of a sha apart)."""
    _pinned: str | None = None

    # -- what we follow -----------------------------------------------------------------------------------------------

    def follow_event(self, event_id: str) -> None:
        self.event_ids.add(event_id)

    def follow_artifact(self, sha: str, created: int) -> None:
        self.artifact_sha, self.artifact_created = sha, created

    def learn(self, status: TrackStatus) -> list[Note]:
        """A tracking read named these gitops shas as ours; a final status already seen for one wakes the wait."""
        notes: list[Note] = []
        hashes = set()
        for result in status.results:
            if result.hash:
                hashes.add(result.hash)
                notes += self._follow_gitops(result.hash, result.app or None, result.env or None)
        if hashes and self._pinned is None:
            # The artifact event whose gitops refs are exactly ours is ours: other artifacts of the sha stop counting.
            mine = [event_id for event_id, refs in self._candidates.items() if refs == hashes]
            if len(mine) == 1:
                self._pinned = mine[0]
        return notes

    def _follow_gitops(self, sha: str, app: str | None, env: str | None) -> list[Note]:
        known_app, known_env = self.gitops.get(sha, (None, None))
        # A rollback's commit events name no app or env; its tracking read does: keep what either named.
        self.gitops[sha] = (known_app or app, known_env or env)
        seen = self._statuses.get(sha)
        if seen is None:
            return []
        if not is_final(seen[0]):
            app, env = self.gitops[sha]
            return [Progress(app=app, env=env, sha=sha, status=seen[0], description=seen[1] or None)]
        if (sha, seen[0]) in self._woken:
            return []
        self._woken.add((sha, seen[0]))
        return [Wake(f"gitops commit {sha[:8]} is {seen[0]}")]

    # -- messages -----------------------------------------------------------------------------------------------------

    def feed(self, message: Mapping[str, Any]) -> list[Note]:
        """What *message* means for this wait (nothing, for the firehose's other traffic)."""
        kind = message.get("event")
        if kind == "gitopsCommit":
            commit = message.get("gitopsCommit")
            return self._gitops_commit(commit) if isinstance(commit, Mapping) else []
        if kind == "commitEvent":
            event = message.get("commitEvent")
            return self._commit_event(event) if isinstance(event, Mapping) else []
        return []

    def _gitops_commit(self, commit: Mapping[str, Any]) -> list[Note]:
        sha, status = _text(commit.get("sha")), _text(commit.get("status"))
        if not sha or not status:
            return []
        desc = _text(commit.get("statusDesc"))
        self._statuses[sha] = (status, desc)
        self._statuses.move_to_end(sha)
        while len(self._statuses) > _STATUS_MEMORY:
            self._statuses.popitem(last=False)
        if sha not in self.gitops:
            return []
        if is_final(status):
            if (sha, status) in self._woken:
                return []
            self._woken.add((sha, status))
            return [Wake(f"gitops commit {sha[:8]} is {status}")]
        app, env = self.gitops[sha]
        return [Progress(app=app, env=env, sha=sha, status=status, description=desc or None)]

    def _ours(self, event: Mapping[str, Any]) -> bool:
        event_id = _text(event.get("id"))
        if event_id in self.event_ids:
            return True
        if not self.artifact_sha or _text(event.get("sha")) != self.artifact_sha:
            return False
        created = event.get("created")
        if isinstance(created, int) and created < self.artifact_created - self.slack:
            return False  # an older artifact of the same commit
        if _text(event.get("type")) == "artifact" and self._pinned is not None:
            return event_id == self._pinned
        return True

    def _commit_event(self, event: Mapping[str, Any]) -> list[Note]:
        if not self._ours(event):
            return []
        raw_results = event.get("results")
        results = [r for r in raw_results if isinstance(r, Mapping)] if isinstance(raw_results, list) else []
        notes: list[Note] = []
        refs = set()
        for result in results:
            ref = _text(result.get("gitopsRef"))
            if ref:
                refs.add(ref)
                notes += self._follow_gitops(ref, _text(result.get("app")) or None, _text(result.get("env")) or None)
        kind, status = _text(event.get("type")), _text(event.get("status"))
        if kind == "artifact":
            self._candidates[_text(event.get("id"))] = frozenset(refs)
        failed = any(_text(r.get("status")) == "failure" for r in results)
        if status == "new":
            return [*notes, Wake("a result failed")] if failed else notes
        plain = (
            kind in ("artifact", "release", "rollback")
            and status == "processed"
            and results
            and not failed
            and all(_text(r.get("gitopsRef")) and not _text(r.get("triggeredImageBuildId")) for r in results)
        )
        if plain:
            return [*notes, Processed(status)]
        return [*notes, Wake(f"{kind or 'event'} {status or 'changed'}")]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# -- the socket ------------------------------------------------------------------------------------------------------

State = Literal["open", "down", "off"]


class Channel:
    """The push channel of one command: opened before the request it follows, closed when the command ends."""

    def __init__(
        self, http: Any, policy: PushPolicy, interest: Interest | None = None, *, deadline: Deadline | None = None
    ) -> None:
        self.http = http
        self.policy = policy
        self.deadline = deadline
        """The command's deadline: an upgrade (or a reconnect) never runs past it."""
        self.interest = interest or Interest(slack=policy.created_slack)
        self.state: State = "down"
        self.messages = 0
        """Messages received (every kind), for the demo and the bench."""
        self.wakes = 0
        self._stack: contextlib.ExitStack | None = None
        self._ws: Any = None
        self._failures = 0
        self._reconnect_at: float | None = None
        self._announced = False
        self._episode = False
        self._opened_at: float | None = None

    @property
    def healthy(self) -> bool:
        return self.state == "open"

    @property
    def listening(self) -> bool:
        """Open, or down with a reconnect planned: `wait` is the way to pass time."""
        return self.state == "open" or self._reconnect_at is not None

    # -- lifecycle ----------------------------------------------------------------------------------------------------

    def open(self) -> bool:
        """Connect once; on failure log one info line, and plan a reconnect when one can help."""
        if not self.policy.enabled:
            self.state = "off"
            return False
        import httpx  # noqa: PLC0415
        from httpx_ws import WebSocketUpgradeError, connect_ws  # noqa: PLC0415 - only waits need it

        from gimlet_ci._bounded import budget  # noqa: PLC0415 - httpx stays off the dry-run path

        limit = self.policy.connect_timeout
        if self.deadline is not None:
            limit = min(limit, self.deadline.remaining())
            if limit <= 0:
                self._down("the deadline passed", retry=False)
                return False
        stack = contextlib.ExitStack()
        try:
            # The upgrade as a whole (connect, request, the answer's headers) within the limit, in wall-clock time.
            with budget(limit):
                self._ws = self._connect(stack, connect_ws, httpx.Timeout(limit))
        except WebSocketUpgradeError as e:
            stack.close()
            status = e.response.status_code
            retry = status == 429 or status >= 500  # noqa: PLR2004 - a 4xx (an old Gimlet's 404) stays a 4xx
            self._down(f"the server answered HTTP {status} to the upgrade", retry=retry)
            return False
        except Exception as e:  # noqa: BLE001 - any failure to connect means: poll
            stack.close()
            self._down(_reason(e), retry=True)
            return False
        self._stack = stack
        self.state = "open"
        self._reconnect_at = None
        self._opened_at = time.monotonic()
        if not self._announced:
            self._announced = True
            log.info("gimlet_ci.push_listening", safety=format_duration(self.policy.safety))
        return True

    def _connect(self, stack: contextlib.ExitStack, connect_ws: Any, timeout: Any) -> Any:
        return stack.enter_context(
            connect_ws(
                "/ws/",
                self.http,
                max_message_size_bytes=65536,
                keepalive_ping_interval_seconds=self.policy.ping_interval or None,
                keepalive_ping_timeout_seconds=self.policy.ping_timeout or None,
                session_class=_limited_session(self.policy.max_message),
                timeout=timeout,
            )
        )

    def close(self) -> None:
        stack, self._stack, self._ws = self._stack, None, None
        if stack is not None:
            from gimlet_ci._bounded import budget  # noqa: PLC0415 - httpx stays off the dry-run path

            with contextlib.suppress(Exception), budget(CLOSE_WITHIN):
                stack.close()
        if self.state == "open":
            self.state = "down"

    def _down(self, reason: str, *, retry: bool) -> None:
        """Fall back to polling: one info line per episode, and a reconnect later when it can help."""
        self.close()
        self.state = "down"
        self._failures += 1
        if retry:
            delay = min(self.policy.reconnect_cap, self.policy.reconnect_base * 2 ** (self._failures - 1))
            self._reconnect_at = time.monotonic() + delay
        else:
            self._reconnect_at = None
        # One line per episode: failed reconnects, and drops of a socket that did not stay up a while, are debug lines.
        stayed = self._opened_at is not None and time.monotonic() - self._opened_at >= STABLE_AFTER
        emit = log.debug if self._episode and not stayed else log.info
        self._episode = True
        self._opened_at = None
        emit(
            "gimlet_ci.push_fallback",
            reason=reason,
            then=("polling until it reconnects" if retry else "polling"),
        )

    # -- waiting ------------------------------------------------------------------------------------------------------

    def wait(self, seconds: float) -> list[Note]:
        """Block up to *seconds* (real time) or until a message wakes the wait; what the messages meant.

        Returns early with the notes of a message that means something (progress or a wake-up); `Wake` also on
        a fallback (poll at once) and after a reconnect (a missed message may be in what the read shows).
        """
        end = time.monotonic() + max(0.0, seconds)
        while True:
            remaining = end - time.monotonic()
            if self.state != "open":
                if self._reconnect_at is None:
                    time.sleep(max(0.0, remaining))
                    return []
                until = self._reconnect_at - time.monotonic()
                if until > remaining:
                    time.sleep(max(0.0, remaining))
                    return []
                time.sleep(max(0.0, until))
                if self.open():
                    log.debug("gimlet_ci.push_reconnected")
                    return [Wake("reconnected")]
                continue
            notes = self._receive(max(0.0, remaining))
            if notes:
                if any(isinstance(n, Wake) for n in notes):
                    self.wakes += 1
                return notes
            if remaining <= 0:
                return []

    def _receive(self, timeout: float) -> list[Note]:
        from httpx_ws import HTTPXWSException, WebSocketDisconnect  # noqa: PLC0415
        from wsproto.events import TextMessage  # noqa: PLC0415

        try:
            event = self._ws.receive(timeout=timeout)
        except queue.Empty:
            return []
        except HTTPXWSException as e:
            session = self._ws
            local = getattr(session, "local_close", None) or ""
            if "Keepalive" in local:  # httpx-ws closes the session itself when a pong is late
                reason = f"no pong within {format_duration(self.policy.ping_timeout)}: its ping deadline passed"
            elif getattr(getattr(session, "connection", None), "too_large", False):
                reason = f"a message larger than {self.policy.max_message} bytes"
            elif isinstance(e, WebSocketDisconnect):
                reason = f"the server closed it ({e.code}{f' {e.reason}' if e.reason else ''})"
            else:
                reason = _reason(e)
            self._down(reason, retry=True)
            return [Wake("fallback")]
        except Exception as e:  # noqa: BLE001 - a broken socket means: poll
            self._down(_reason(e), retry=True)
            return [Wake("fallback")]
        if not isinstance(event, TextMessage):
            return []
        notes: list[Note] = []
        for message in split_frame(event.data):
            self.messages += 1
            notes += self.interest.feed(message)
        self._failures = 0
        return notes


def _reason(error: BaseException) -> str:
    name = type(error).__name__
    if name == "LocalProtocolError":  # its text quotes the header values, the token among them
        return "the upgrade request could not be sent"
    text = str(error).strip()
    if not text or len(text) > 160:  # noqa: PLR2004
        return {"WebSocketNetworkError": "the connection dropped or its ping deadline passed"}.get(name, name)
    return f"{name}: {text}"


def _limited_session(limit: int) -> Any:
    """httpx-ws's session with a cap on the size of one message (it would otherwise buffer any frame whole)."""
    import httpcore  # noqa: PLC0415
    import wsproto.connection  # noqa: PLC0415
    from httpx_ws import WebSocketSession  # noqa: PLC0415
    from wsproto.events import Message  # noqa: PLC0415

    class _Limited(wsproto.connection.Connection):
        too_large = False
        _size = 0

        def events(self) -> Generator[wsproto.events.Event, None, None]:
            for event in super().events():
                if isinstance(event, Message):
                    self._size += len(event.data)
                    if self._size > limit:
                        self.too_large = True
                        msg = "message too large"
                        raise httpcore.ReadError(msg)
                    if event.message_finished:
                        self._size = 0
                yield event

    class _Session(WebSocketSession):
        local_close: str | None = None
        """Why the session closed itself, when it did (httpx-ws's keepalive says ``Keepalive ping timeout``)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.connection = _Limited(wsproto.ConnectionType.CLIENT)

        def close(self, code: int = 1000, reason: str | None = None) -> None:
            if self.local_close is None:
                self.local_close = reason or ""
            super().close(code, reason)

        def __exit__(self, *exc_info: object) -> None:
            # httpx-ws's receive thread puts into a bounded queue without a timeout: with the queue full (a busy
            # Gimlet's firehose while nobody read) it would never end, and joining it would hang. Drain until it ends.
            self.close()
            thread = self._background_receive_task
            while thread.is_alive():
                with contextlib.suppress(queue.Empty):
                    while True:
                        self._events.get_nowait()
                thread.join(0.01)
            super().__exit__(*exc_info)  # type: ignore[no-untyped-call]

        # httpx-ws's two background threads let a few races escape (a ping or pong written after the socket went
        # away): they would print a traceback into the CI log. Whatever escapes closes the session instead, which the
        # waiting side reads as a dropped channel.
        def _background_receive(self, max_bytes: int) -> None:
            try:
                super()._background_receive(max_bytes)
            except Exception:  # noqa: BLE001
                self._fail()

        def _background_keepalive_ping(self, interval_seconds: float, timeout_seconds: float | None = None) -> None:
            try:
                super()._background_keepalive_ping(interval_seconds, timeout_seconds)
            except Exception:  # noqa: BLE001
                self._fail()

        def _fail(self) -> None:
            from httpx_ws import WebSocketNetworkError  # noqa: PLC0415

            with contextlib.suppress(Exception):
                self.close(1011, "client error")
            with contextlib.suppress(queue.Full):
                self._events.put_nowait(WebSocketNetworkError())

    return _Session


__all__ = [
    "TEST_PUSH",
    "Channel",
    "Interest",
    "Note",
    "Processed",
    "Progress",
    "PushPolicy",
    "Wake",
    "default_push",
    "split_frame",
]
