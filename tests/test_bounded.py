"""The bounds on what a server can make gimlet-ci do: body size (decompressed), id shapes, Retry-After, and one
wall-clock budget for every socket operation of a request."""

from __future__ import annotations

import email.utils
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest

from gimlet_ci._bounded import BodyTooLarge, budget, install, read_body, retry_after
from gimlet_ci._ids import check_artifact_id, check_event_id

UUID = "0b7f4ec4-3a5e-4d0f-9c55-61c2f6a1d7e2"


def streamed(chunks: list[bytes], headers: dict[str, str] | None = None) -> httpx.Response:
    """A response whose body is still to be read, as `httpx.Client.send(stream=True)` returns it."""

    class Stream(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from chunks

    return httpx.Response(200, headers=headers or {}, stream=Stream())


def gzip_of(data_size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(b" " * data_size) + compressor.flush()


def test_a_plain_body_under_the_cap_is_read_whole() -> None:
    """A body under the cap comes back whole, its chunks joined."""
    assert b'{"a": 1}' == read_body(streamed([b'{"a"', b": 1}"]), cap=100)


def test_a_body_over_the_cap_is_refused_without_content_length() -> None:
    """Without a Content-Length, the bytes are counted as they arrive and the read stops past the cap."""
    with pytest.raises(BodyTooLarge, match="larger than the 1024 bytes"):
        read_body(streamed([b"x" * 600, b"x" * 600]), cap=1024)


def test_an_announced_length_over_the_cap_is_refused_before_reading() -> None:
    """A Content-Length over the cap is refused before a byte of the body is read."""
    response = streamed([b"never read"], {"Content-Length": str(2**40)})
    with pytest.raises(BodyTooLarge, match="announces 1099511627776 bytes"):
        read_body(response, cap=1024)


def test_a_gzip_bomb_is_counted_decompressed_and_never_expanded_whole() -> None:
    """A 100 MiB gzip bomb (about 100 KiB on the wire) against a 1 MiB cap: refused after at most cap + 1 bytes."""
    bomb = gzip_of(100 * 2**20)
    assert len(bomb) < 2**20

    with pytest.raises(BodyTooLarge, match="decompressed"):
        read_body(streamed([bomb], {"Content-Encoding": "gzip"}), cap=2**20)


def test_gzip_and_deflate_under_the_cap_are_decoded() -> None:
    """gzip and deflate bodies (the encodings gimlet-ci asks for) are decoded."""
    data = b'{"status": "new"}'
    gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    deflate = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)

    assert data == read_body(streamed([gz.compress(data) + gz.flush()], {"Content-Encoding": "gzip"}))
    assert data == read_body(streamed([deflate.compress(data) + deflate.flush()], {"Content-Encoding": "deflate"}))


def test_a_second_gzip_member_counts_too() -> None:
    """Concatenated gzip members are one body: a bomb split into members is still counted whole."""
    member = gzip_of(600)
    with pytest.raises(BodyTooLarge):
        read_body(streamed([member + member], {"Content-Encoding": "gzip"}), cap=1000)


def test_an_encoding_we_do_not_read_is_refused() -> None:
    """An encoding gimlet-ci did not ask for (brotli, zstd) is refused, not passed on undecoded."""
    with pytest.raises(BodyTooLarge, match="'br'"):
        read_body(streamed([b"\x0b"], {"Content-Encoding": "br"}))


@pytest.mark.parametrize(
    ("value", "repository", "problem"),
    [
        (f"acme/shop-{UUID}", "acme/shop", None),
        (f"acme/shop-{UUID}", None, None),
        (f"-{UUID}", "", None),
        (f"acme/other-{UUID}", "acme/shop", "it is not an id of acme/shop"),
        ("acme/shop-1", "acme/shop", "it is not <repository>-<uuid>"),
        (f"acme/shop-{UUID}\n::error::x", "acme/shop", "it is not <repository>-<uuid>"),
        (f"acme/shop\n::warning::x-{UUID}", None, "it is not <repository>-<uuid>"),
        (f"acme/shop-{UUID.upper()}", "acme/shop", "it is not <repository>-<uuid>"),
        (42, "acme/shop", "it is not a string"),
    ],
)
def test_artifact_ids_are_repository_dash_uuid(value: object, repository: str | None, problem: str | None) -> None:
    """Artifact ids are `<repositoryName>-<uuid>`, of our repository, printable ASCII only."""
    assert problem == check_artifact_id(value, repository=repository)


@pytest.mark.parametrize(
    ("value", "ok"), [(UUID, True), (UUID.upper(), False), (f"{UUID}\n", False), ("rel-1", False), (None, False)]
)
def test_event_ids_are_uuids(value: object, ok: bool) -> None:
    """Release, rollback and image-build ids are lowercase uuids, nothing around them."""
    assert ok == (check_event_id(value) is None)


def test_retry_after_in_seconds_and_as_a_date_from_the_answers_own_clock() -> None:
    """Seconds are taken as they are; a date is counted from the answer's Date header, so a server clock an hour
    off does not matter; without Date, from ours; garbage is ignored."""
    server_now = 1_700_000_000.0
    date = email.utils.formatdate(server_now, usegmt=True)
    later = email.utils.formatdate(server_now + 30, usegmt=True)

    def answer(**headers: str) -> httpx.Response:
        return httpx.Response(503, headers={k.replace("_", "-"): v for k, v in headers.items()})

    assert 120.0 == retry_after(answer(Retry_After="120"), now=0.0)
    assert 30.0 == retry_after(answer(Retry_After=later, Date=date), now=server_now + 3600)
    assert 20.0 == retry_after(answer(Retry_After=later), now=server_now + 10)
    assert 0.0 == retry_after(answer(Retry_After=date), now=server_now + 10)
    assert retry_after(answer(Retry_After="soon"), now=0.0) is None
    assert retry_after(answer(), now=0.0) is None


def test_a_budget_bounds_a_dripped_answer_as_a_whole() -> None:
    """A server that sends a header byte every 50 ms never trips a 1 s per-read timeout; a 0.3 s budget ends the
    request at 0.3 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                stop.wait(0.05)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    client = httpx.Client(timeout=1.0)
    assert 1 == install(client)
    started = time.monotonic()
    try:
        with budget(0.3), pytest.raises(httpx.ReadTimeout):
            client.get(f"http://127.0.0.1:{listener.getsockname()[1]}/")
        took = time.monotonic() - started
    finally:
        stop.set()
        client.close()
        listener.close()

    assert 0.25 <= took < 0.8


def _drip_server(head: bytes) -> tuple[socket.socket, threading.Event]:
    """A loopback server that answers every connection with *head* one byte every 50 ms."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            for byte in head:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                stop.wait(0.05)

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


def test_the_push_channel_upgrade_is_bounded_as_a_whole() -> None:
    """An upgrade answered with headers dripped a byte every 50 ms gives up at the policy's 0.3 s, not per read."""
    from gimlet_ci._client import make_http_client  # noqa: PLC0415
    from gimlet_ci._push import Channel, PushPolicy  # noqa: PLC0415
    from gimlet_ci._retry import Deadline  # noqa: PLC0415

    listener, stop = _drip_server(b"HTTP/1.1 101 Switching Protocols\r\nX-Slow: " + b"a" * 10_000)
    http = make_http_client(f"http://127.0.0.1:{listener.getsockname()[1]}", "tok", user_agent="t")
    channel = Channel(http, PushPolicy(connect_timeout=0.3), deadline=Deadline(600.0))
    started = time.monotonic()
    try:
        opened = channel.open()
        took = time.monotonic() - started
    finally:
        stop.set()
        channel.close()
        http.close()
        listener.close()

    assert not opened
    assert took < 0.9


def test_the_push_channel_is_not_opened_past_the_deadline() -> None:
    """With the deadline passed, the channel does not try to connect (the HTTP client is never used)."""
    from gimlet_ci._push import Channel, PushPolicy  # noqa: PLC0415
    from gimlet_ci._retry import Deadline, Timing  # noqa: PLC0415

    channel = Channel(None, PushPolicy(), deadline=Deadline(5.0, Timing(clock=lambda: 0.0), start=-10.0))

    assert not channel.open()
    assert not channel.listening


def test_the_deadline_counts_from_the_start_of_the_command() -> None:
    """`connect` under a command that started 100 s ago (the manifests took that long) leaves 60 - 100 s."""
    from gimlet_ci._client import connect  # noqa: PLC0415
    from gimlet_ci._retry import RUN_STARTED  # noqa: PLC0415
    from gimlet_ci._settings import Settings  # noqa: PLC0415

    token = RUN_STARTED.set(time.monotonic() - 100.0)
    try:
        with connect(Settings(server="https://g.example", token="t", timeout=60.0)) as client:
            remaining = client.deadline.remaining()
    finally:
        RUN_STARTED.reset(token)

    assert remaining <= -40.0
