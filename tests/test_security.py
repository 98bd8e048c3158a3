"""TLS, proxies and secrets: verification on by default, CA bundles, --insecure, and a token that never leaks."""

from __future__ import annotations

import http.server
import io
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gimlet_ci.cli import main
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

TOKEN = "tls-T0KEN-7f3e-never-shown"


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture(name="tls_server")
def _tls_server(tmp_path: Path) -> Iterator[tuple[GimletServer, Path]]:
    """A local Gimlet behind a self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with GimletServer(token=TOKEN) as server:
        httpd = server._httpd
        assert httpd is not None
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        yield server, cert


def https(server: GimletServer) -> str:
    return server.url.replace("http://", "https://")


def test_self_signed_server_is_refused_by_default(repo: Path, tls_server: tuple[GimletServer, Path]) -> None:
    """TLS verification is on by default: a self-signed Gimlet is exit 4 with a tip naming GIMLET_CA_BUNDLE."""
    server, _ = tls_server
    code, _, err = run(
        ["--platform", "local", "-C", str(repo), "ship"], {"GIMLET_SERVER": https(server), "GIMLET_TOKEN": TOKEN}
    )

    assert 4 == code
    assert "TLS verification of https://127.0.0.1" in err
    assert "GIMLET_CA_BUNDLE" in err
    assert [] == server.artifacts()


def test_ca_bundle_trusts_a_self_signed_server(repo: Path, tls_server: tuple[GimletServer, Path]) -> None:
    """GIMLET_CA_BUNDLE pointing at the server's CA makes the same ship succeed."""
    server, cert = tls_server
    env = {"GIMLET_SERVER": https(server), "GIMLET_TOKEN": TOKEN, "GIMLET_CA_BUNDLE": str(cert)}
    code, _, err = run(["--platform", "local", "-C", str(repo), "ship", "--wait"], env)

    assert 0 == code, err
    assert 1 == len(server.artifacts())


def test_insecure_works_and_warns(repo: Path, tls_server: tuple[GimletServer, Path]) -> None:
    """--insecure skips verification only when asked, with a warning on the run."""
    server, _ = tls_server
    env = {"GIMLET_SERVER": https(server), "GIMLET_TOKEN": TOKEN}
    code, _, err = run(["--platform", "local", "-C", str(repo), "ship", "--insecure"], env)

    assert 0 == code, err
    assert "WARNING TLS verification is OFF (--insecure)" in err


def test_missing_ca_bundle_is_a_configuration_error(repo: Path) -> None:
    """A CA bundle path that does not exist is exit 2 naming the variable, before anything is sent."""
    env = {"GIMLET_SERVER": "https://gimlet.example.com", "GIMLET_TOKEN": TOKEN, "GIMLET_CA_BUNDLE": "/nope/ca.pem"}
    code, _, err = run(["--platform", "local", "-C", str(repo), "ship"], env)

    assert 2 == code
    assert "GIMLET_CA_BUNDLE='/nope/ca.pem' is not a readable file" in err


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - one list per test run, reset by the fixture

    def do_POST(self) -> None:
        self.seen.append(self.requestline)
        self.send_response(401)
        self.end_headers()
        self.wfile.write(b"Unauthorized\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(name="proxy")
def _proxy() -> Iterator[str]:
    _Recorder.seen = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_proxy_variables_are_honoured_and_plain_http_warns(repo: Path, proxy: str) -> None:
    """HTTP_PROXY carries the request; a token over plain http to a non-loopback host gets a warning."""
    env = {"GIMLET_SERVER": "http://gimlet.example.com", "GIMLET_TOKEN": TOKEN, "HTTP_PROXY": proxy}
    import os  # noqa: PLC0415 - httpx reads proxies from the process environment

    old = os.environ.get("HTTP_PROXY")
    os.environ["HTTP_PROXY"] = proxy
    try:
        code, out, err = run(["--platform", "local", "-C", str(repo), "ship"], env)
    finally:
        if old is None:
            del os.environ["HTTP_PROXY"]
        else:
            os.environ["HTTP_PROXY"] = old

    assert ["POST http://gimlet.example.com/api/artifact HTTP/1.1"] == _Recorder.seen
    assert 4 == code
    assert "WARNING The token is sent over plain http to http://gimlet.example.com" in err
    assert TOKEN not in out + err


def test_a_variable_holding_the_token_never_reaches_the_artifact(repo: Path) -> None:
    """Even under a harmless name, a variable whose value contains the token is dropped from the dry-run body."""
    (repo / ".gimlet" / "vars").write_text(f"HARMLESS=prefix-{TOKEN}\nOK=1\n")
    env = {"GIMLET_TOKEN": TOKEN}
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run", "--var", f"ALSO={TOKEN}"], env)

    assert 0 == code
    body = json.loads(out)
    assert "1" == body["vars"]["OK"]
    assert "HARMLESS" not in body["vars"]
    assert TOKEN not in out + err
    assert "Variable ALSO holds the Gimlet token" in err


def test_a_manifest_holding_the_token_is_refused(repo: Path) -> None:
    """A token pasted into a manifest is caught before sending: exit 2, and the token is not printed."""
    (repo / ".gimlet" / "oops.yaml").write_text(f"app: x\nenv: staging\nvalues:\n  password: {TOKEN}\n")
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": TOKEN})

    assert 2 == code
    assert "the artifact would carry the Gimlet token" in err
    assert TOKEN not in out + err


def test_a_short_token_is_not_hunted_for_in_the_artifact(repo: Path) -> None:
    """A one-letter token occurs in any artifact by chance: it does not make the artifact refused."""
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run"], {"GIMLET_TOKEN": "e"})

    assert 0 == code, err
    assert "acme/shop" == json.loads(out)["version"]["repositoryName"]  # not garbled by redacting every "e"


def test_the_push_channel_uses_the_same_tls_settings(
    repo: Path, tls_server: tuple[GimletServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With GIMLET_CA_BUNDLE the push channel opens over TLS like every request, the token in a header only."""
    from gimlet_ci import _push  # noqa: PLC0415

    monkeypatch.setattr(_push, "TEST_PUSH", _push.PushPolicy(safety=300.0, reconnect_base=0.0, reconnect_cap=0.0))
    server, cert = tls_server
    env = {"GIMLET_SERVER": https(server), "GIMLET_TOKEN": TOKEN, "GIMLET_CA_BUNDLE": str(cert)}
    code, _, err = run(["--platform", "local", "-C", str(repo), "ship", "--wait", "--timeout", "10s"], env)

    assert 0 == code, err
    assert "Push channel unavailable" not in err
    assert [("", "header")] == server.push.hub.upgrades
    assert TOKEN not in err
