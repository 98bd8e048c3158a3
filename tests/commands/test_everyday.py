"""The Go CLI's everyday commands, end to end against the dev server: `push`, `artifacts`, `releases`, `status`,
`track --raw`, `rollback` waiting by default, and what `--help` says."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gimlet_ci import cli
from gimlet_ci.cli import COMMANDS, main
from gimlet_ci.commands.listing import when
from gimlet_ci.exceptions import ConfigError
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

TOKEN = "s3cr3t-T0KEN-value-4711"
GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "everyday"


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture(name="server")
def _server() -> Iterator[GimletServer]:
    with GimletServer(token=TOKEN, processing_delay=0.02, reconcile_delay=0.04) as server:
        yield server


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def creds(server: GimletServer) -> dict[str, str]:
    return {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": server.token}


def dry_run_body(repo: Path) -> str:
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--dry-run", "--output", "json"], {})
    assert 0 == code, err
    return out


def write(tmp_path: Path, name: str, body: str | dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body, indent=2), encoding="utf-8")
    return str(path)


def edited(body: str, **version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    data["version"].update(version)
    return data


def normalised(value: Any) -> Any:
    """*value* with what changes from run to run (ids, hashes, times) replaced by placeholders."""
    if isinstance(value, dict):
        return {key: _placeholder(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


def _placeholder(key: str, item: Any) -> Any:
    if key in ("created", "gitopsCommitCreated") and isinstance(item, int):
        return "<time>" if item > 1_750_000_000 else item  # a store or gitops time, not the commit's
    if key in ("artifactId", "id") and isinstance(item, str):
        return re.sub(r"-[0-9a-f-]{36}$", "-<uuid>", item)
    if key == "gitopsRef" and item:
        return "<hash>"
    return normalised(item)


def golden(name: str, value: Any) -> None:
    expected = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    assert expected == normalised(value)


# -- push ------------------------------------------------------------------------------------------------------------


def test_push_posts_a_dry_run_body_and_waits_like_ship(repo: Path, server: GimletServer, tmp_path: Path) -> None:
    """`push FILE --wait` posts the body `ship --dry-run --output json` printed and waits for its deploy."""
    body = dry_run_body(repo)
    code, out, err = run(["push", write(tmp_path, "artifact.json", body), "--wait", "--output", "json"], creds(server))

    assert 0 == code, err
    result = json.loads(out)
    [stored] = server.artifacts()
    assert (stored["id"], "succeeded") == (result["artifact_id"], result["status"])
    assert [("shop", "staging", "succeeded")] == [(d["app"], d["env"], d["status"]) for d in result["deploys"]]
    assert json.loads(body)["version"] == stored["version"]
    assert "Read the artifact of acme/shop@" in err


def test_push_reads_stdin_and_a_wrapped_body(repo: Path, server: GimletServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`push -` reads stdin; an object that wraps the body under `artifact` is unwrapped."""
    wrapped = json.dumps({"status": "dry-run", "artifact": json.loads(dry_run_body(repo))})
    monkeypatch.setattr(cli, "_read_stdin", wrapped.encode)

    code, out, err = run(["push", "-", "--output", "json"], creds(server))

    assert 0 == code, err
    assert "shipped" == json.loads(out)["status"]
    assert ["acme/shop"] == [a["version"]["repositoryName"] for a in server.artifacts()]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("not json", "ERROR the artifact in", id="not-json"),
        pytest.param("[1, 2]", "is not a JSON object", id="not-an-object"),
        pytest.param(
            {"version": {"repositoryName": "a/b", "message": f"leak {TOKEN}"}},
            "ERROR the artifact file carries the Gimlet token; nothing was sent",
            id="token",
        ),
        pytest.param(
            {"version": {"sha": "abc"}, "environments": [{"app": "x", "env": "staging", "dependencies": [{}]}]},
            "dependencies[0].name: Gimlet's decoder panics",
            id="refused-manifest",
        ),
        pytest.param(
            {"version": {"sha": "abc"}, "environments": [{"app": "x", "env": "staging", "deploy": {"event": "bogus"}}]},
            '"bogus" is not an event Gimlet knows',
            id="misread-event",
        ),
        pytest.param({"version": "abc"}, 'version: "abc" is a string, not a mapping', id="wrong-shape"),
    ],
)
def test_push_makes_ships_checks_before_sending(
    server: GimletServer, tmp_path: Path, content: str | dict[str, Any], expected: str
) -> None:
    """What `ship` refuses, `push` refuses too, with exit 2 and nothing sent; the token is never shown."""
    code, _, err = run(["push", write(tmp_path, "a.json", content)], creds(server))

    assert 2 == code
    assert expected in err
    assert 0 == server.request_count()
    assert TOKEN not in err


def test_push_of_a_missing_file_says_which(server: GimletServer) -> None:
    """A file that cannot be read is one line naming it, exit 2."""
    code, _, err = run(["push", "/no/such/artifact.json"], creds(server))

    assert 2 == code
    assert "ERROR cannot read the artifact file '/no/such/artifact.json': No such file or directory" in err


def test_push_deploy_matching_no_manifest_is_refused_before_sending(
    repo: Path, server: GimletServer, tmp_path: Path
) -> None:
    """An on-demand deploy of the file to an app it has no manifest for is refused, as `ship --deploy` is."""
    path = write(tmp_path, "a.json", dry_run_body(repo))
    code, _, err = run(["push", path, "--deploy", "--env", "production", "--app", "web"], creds(server))

    assert 2 == code
    assert "no manifest matches (the manifests are shop -> production, shop -> staging)" in err
    assert 0 == server.request_count()


def test_push_adopts_what_an_unanswered_post_stored(repo: Path, server: GimletServer, tmp_path: Path) -> None:
    """The connection drops after Gimlet stored the artifact: push finds it instead of posting a second one."""
    server.faults.drop_after_store = 1
    code, out, err = run(["push", write(tmp_path, "a.json", dry_run_body(repo)), "--output", "json"], creds(server))

    assert 0 == code, err
    [stored] = server.artifacts()
    assert stored["id"] == json.loads(out)["artifact_id"]


def test_push_deploy_releases_the_pushed_artifact(repo: Path, server: GimletServer, tmp_path: Path) -> None:
    """`push --deploy --env` releases the pushed artifact and tracks the release, as `ship --deploy` does."""
    path = write(tmp_path, "a.json", dry_run_body(repo))
    code, out, err = run(["push", path, "--deploy", "--env", "production", "--output", "json"], creds(server))

    assert 0 == code, err
    result = json.loads(out)
    assert ("succeeded", ["production"]) == (result["status"], [d["env"] for d in result["deploys"]])


# -- artifacts -------------------------------------------------------------------------------------------------------


@pytest.fixture(name="pushed")
def _pushed(repo: Path, server: GimletServer, tmp_path: Path) -> list[str]:
    """Three artifacts, oldest first: main, a feature branch, and a tag of another commit."""
    body = dry_run_body(repo)
    ids = []
    for name, version in [
        ("main", {}),
        ("feature", {"branch": "feature/x"}),
        ("tag", {"sha": "b" * 40, "event": "tag", "tag": "v1.0.0", "branch": ""}),
    ]:
        code, out, err = run(
            ["push", write(tmp_path, f"{name}.json", edited(body, **version)), "--output", "json"], creds(server)
        )
        assert 0 == code, err
        ids.append(json.loads(out)["artifact_id"])
    return ids


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], [2, 1, 0], id="all-newest-first"),
        pytest.param(["--branch", "main"], [0], id="branch"),
        pytest.param(["--event", "tag"], [2], id="event"),
        pytest.param(["--sha", "b" * 40], [2], id="sha"),
        pytest.param(["--repo", "acme/shop", "--limit", "2"], [2, 1], id="repo-limit"),
        pytest.param(["--limit", "1", "--offset", "1"], [1], id="offset"),
        pytest.param(["--repository", "acme/other"], [], id="other-repository"),
        pytest.param(["--since", "2h"], [2, 1, 0], id="since-duration"),
        pytest.param(["--until", "2000-01-01T00:00:00Z"], [], id="until"),
    ],
)
def test_artifacts_filter_as_gimlet_does(
    server: GimletServer, pushed: list[str], args: list[str], expected: list[int]
) -> None:
    """Each filter is Gimlet's: branch, event, sha, repository, limit and offset, since and until."""
    code, out, err = run(["artifacts", *args, "--output", "json"], creds(server))

    assert 0 == code, err
    assert [pushed[i] for i in expected] == [a["id"] for a in json.loads(out)]


def test_artifacts_text_table_and_json(server: GimletServer, pushed: list[str]) -> None:
    """One line per artifact under a header; `--output json` is Gimlet's objects, in Gimlet's key order."""
    code, out, _ = run(["artifacts", "--limit", "2"], creds(server))

    assert 0 == code
    header, *lines = out.splitlines()
    assert ["ID", "CREATED", "SHA", "REF", "MANIFESTS", "MESSAGE"] == header.split()
    assert [pushed[2], pushed[1]] == [line.split()[0] for line in lines]
    assert re.search(r"Z  bbbbbbbb  v1\.0\.0 +shop -> production, shop -> staging  Fix \"quotes\" & \$\(rm", lines[0])
    assert re.search(r"Z  fa82fe35  feature/x  shop -> production", lines[1])

    _, out, _ = run(["artifacts", "--event", "tag", "--output", "json"], creds(server))
    [artifact] = json.loads(out)
    assert ["id", "created", "version", "context", "environments", "vars"] == list(artifact)
    golden(
        "artifacts.json", {"version": artifact["version"], "manifests": [m["env"] for m in artifact["environments"]]}
    )


def test_artifacts_bad_values_are_one_line_exit_2(server: GimletServer) -> None:
    """A bad time, count or event is one ERROR line and exit 2, before any request."""
    for args, expected in [
        (["--since", "yesterday"], "--since 'yesterday' is neither an RFC 3339 time nor a duration"),
        (["--limit", "ten"], "'ten' is not a whole number"),
        (["--limit", "0"], "--limit 0 asks for no artifacts"),
        (["--offset", "-5"], "'-5' is not a whole number of 0 or more"),  # Gimlet on SQLite would read it as 0
        (["--limit", "٣"], "is not a whole number of 0 or more"),  # an Arabic-Indic 3: int() takes it
        (["--event", "merge"], "invalid choice: 'merge'"),
    ]:
        code, _, err = run(["artifacts", *args], creds(server))
        assert 2 == code, args
        assert expected in err
    assert 0 == server.request_count()


def test_no_artifacts_is_said_on_stderr(server: GimletServer) -> None:
    """An empty list prints nothing on stdout and says so on stderr."""
    code, out, err = run(["artifacts"], creds(server))

    assert (0, "") == (code, out)
    assert "No artifacts match" in err


# -- releases and status ---------------------------------------------------------------------------------------------


@pytest.fixture(name="released")
def _released(repo: Path, server: GimletServer) -> dict[str, str]:
    """The staging deploy of a shipped artifact (its policy), then an on-demand deploy to production."""
    env = creds(server)
    code, out, err = run(["--platform", "local", "-C", str(repo), "ship", "--wait", "--output", "json"], env)
    assert 0 == code, err
    shipped = json.loads(out)
    code, out, err = run(
        ["deploy", "--artifact", shipped["artifact_id"], "--env", "production", "--output", "json"], env
    )
    assert 0 == code, err
    return {
        "artifact_id": shipped["artifact_id"],
        "staging": shipped["deploys"][0]["gitops_hash"],
        "production": json.loads(out)["deploys"][0]["gitops_hash"],
    }


def test_releases_lists_the_gitops_history_newest_first(server: GimletServer, released: dict[str, str]) -> None:
    """`releases --env` lists the env's gitops commits as Gimlet's objects, and as a table."""
    env = creds(server)
    code, out, err = run(["releases", "--env", "production", "--output", "json"], env)

    assert 0 == code, err
    [release] = json.loads(out)
    assert (released["production"], released["artifact_id"]) == (release["gitopsRef"], release["artifactId"])
    golden("releases.json", release)

    code, out, _ = run(["releases", "--env", "production"], env)
    header, line = out.splitlines()
    assert ["CREATED", "APP", "ENV", "GITOPS", "STATUS", "SHA", "REF", "BY", "ARTIFACT"] == header.split()
    assert f"shop  production  {released['production'][:8]}  ReconciliationSucceeded" in line
    assert line.endswith(f"main  dev-server  {released['artifact_id']}")


def test_a_rolled_back_release_is_marked(server: GimletServer, released: dict[str, str], repo: Path) -> None:
    """After a second deploy and a rollback to the first, the second is listed rolled back, and status shows the
    first artifact again."""
    env = creds(server)
    code, out, _ = run(["--platform", "local", "-C", str(repo), "ship", "--wait", "--output", "json"], env)
    assert 0 == code
    second = json.loads(out)["artifact_id"]
    code, _, err = run(["rollback", "--env", "staging", "--app", "shop", "--to", released["staging"]], env)
    assert 0 == code, err

    _, out, _ = run(["releases", "--env", "staging", "--output", "json"], env)
    assert [(second, True), (released["artifact_id"], False)] == [
        (r["artifactId"], r.get("rolledBack", False)) for r in json.loads(out)
    ]
    _, out, _ = run(["releases", "--env", "staging", "--limit", "1", "--reverse", "--output", "json"], env)
    assert [second] == [r["artifactId"] for r in json.loads(out)]  # Gimlet limits first, then reverses

    _, out, _ = run(["status", "--env", "staging", "--output", "json"], env)
    assert released["artifact_id"] == json.loads(out)["shop"]["artifactId"]
    _, out, _ = run(["releases", "--env", "staging"], env)
    assert "ReconciliationSucceeded (rolled back)" in out.splitlines()[1]


def test_status_shows_what_each_app_runs(server: GimletServer, released: dict[str, str]) -> None:
    """`status --env` shows each app's release.json as Gimlet's map, and as a table."""
    env = creds(server)
    code, out, err = run(["status", "--env", "production", "--output", "json"], env)

    assert 0 == code, err
    golden("status.json", json.loads(out))
    code, out, _ = run(["status", "--env", "production", "--app", "shop"], env)
    header, line = out.splitlines()
    assert ["APP", "ENV", "SHA", "REF", "BY", "ARTIFACT"] == header.split()
    assert re.fullmatch(
        rf"shop  production  [0-9a-f]{{8}}  main  dev-server  {re.escape(released['artifact_id'])}", line
    )


@pytest.mark.usefixtures("released")
def test_status_of_an_app_not_released_there_names_the_apps_that_are(server: GimletServer) -> None:
    """Gimlet answers 500 for `?app=` without a release; gimlet-ci reads the env and says what is there."""
    code, out, err = run(["status", "--env", "production", "--app", "web"], creds(server))

    assert (1, "") == (code, out)
    assert "ERROR Gimlet has no release of app 'web' in env 'production'\nTIP the apps released there: shop" in err
    assert 1 == server.request_count("GET", "/api/status")


def test_releases_and_status_need_an_env(server: GimletServer) -> None:
    """Without --env or GIMLET_ENV both commands say what is missing; GIMLET_ENV is read."""
    for command in ("releases", "status"):
        code, _, err = run([command], creds(server))
        assert 2 == code
        assert f"ERROR {command} needs an environment\nTIP pass --env ENV (or set GIMLET_ENV)" in err
    code, out, _ = run(["releases", "--output", "json"], {**creds(server), "GIMLET_ENV": "staging"})
    assert (0, []) == (code, json.loads(out))


def test_releases_of_an_unknown_env_is_gimlets_400(server: GimletServer) -> None:
    """An env Gimlet does not know is its 400, reported once (not retried), exit 4."""
    code, _, err = run(["releases", "--env", "qa"], creds(server))

    assert 4 == code
    assert "ERROR Gimlet answered 400 Bad Request to GET /api/releases: Bad Request" in err
    assert 1 == server.request_count("GET", "/api/releases")


# -- track --raw, rollback -------------------------------------------------------------------------------------------


def test_track_raw_prints_gimlets_own_answer(repo: Path, server: GimletServer) -> None:
    """`track --output json --raw` prints the track endpoint's answer unchanged; --raw needs --output json."""
    env = creds(server)
    _, out, _ = run(["--platform", "local", "-C", str(repo), "ship", "--wait", "--output", "json"], env)
    artifact_id = json.loads(out)["artifact_id"]

    code, out, err = run(["track", artifact_id, "--output", "json", "--raw"], env)

    assert 0 == code, err
    answer = httpx.get(
        f"{server.url}/api/eventArtifactTrack",
        params={"artifactId": artifact_id},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.text == out.rstrip("\n")
    assert ["type", "status", "statusDesc", "results"] == list(json.loads(out))

    code, _, err = run(["track", artifact_id, "--raw"], env)
    assert 2 == code
    assert "ERROR --raw prints Gimlet's JSON answer\nTIP pass --output json --raw" in err


def test_track_raw_of_a_failed_release_prints_it_and_exits_1(repo: Path, server: GimletServer) -> None:
    """A failed release's raw answer is printed, and the exit code is still 1."""
    env = creds(server)
    _, out, _ = run(["--platform", "local", "-C", str(repo), "ship", "--output", "json"], env)
    artifact_id = json.loads(out)["artifact_id"]
    server.faults.fail_results = True
    code, out, err = run(
        ["deploy", "--artifact", artifact_id, "--env", "production", "--no-wait", "--output", "json"], env
    )
    assert 0 == code, err
    release_id = json.loads(out)["release_id"]

    code, out, err = run(["track", "--release", release_id, "--wait", "--output", "json", "--raw"], env)

    assert 1 == code
    assert "failure" == json.loads(out)["results"][0]["status"]
    assert "ERROR deploy failed" in err


def test_track_raw_after_the_deadline_ends_within_the_short_grace(repo: Path, server: GimletServer) -> None:
    """When the wait ends at the deadline, the last raw read gets a short grace (1 s for a 2 s deadline), not 30 s:
    a server that drips its answers cannot stretch `track --raw --timeout 2s` to half a minute."""
    env = creds(server)
    _, out, _ = run(["--platform", "local", "-C", str(repo), "ship", "--output", "json"], env)
    artifact_id = json.loads(out)["artifact_id"]
    server.faults.drip, server.faults.drip_path = 0.1, "/api/eventArtifactTrack"  # ~30 s per answer

    started = time.monotonic()
    code, out, err = run(["track", artifact_id, "--wait", "--timeout", "2s", "--output", "json", "--raw"], env)
    took = time.monotonic() - started

    assert 3 == code, err
    assert took < 6, f"took {took:.1f}s"  # the 2 s deadline, the 1 s grace, some slack
    assert "ERROR the 2s deadline passed during GET /api/eventArtifactTrack" in err
    assert (artifact_id, "timeout") == (json.loads(out)["artifact_id"], json.loads(out)["status"])


def test_rollback_waits_by_default_like_deploy(server: GimletServer, released: dict[str, str]) -> None:
    """`rollback` tracks the rollback to the end unless --no-wait, as `deploy` does."""
    env = creds(server)
    args = ["rollback", "--env", "production", "--app", "shop", "--to", released["production"], "--output", "json"]

    code, out, err = run([*args, "--no-wait"], env)
    assert 0 == code, err
    assert "shipped" == json.loads(out)["status"]

    code, out, err = run(args, env)
    assert 0 == code, err
    assert "succeeded" == json.loads(out)["status"]


# -- help ------------------------------------------------------------------------------------------------------------


def test_top_level_help_lists_the_environment_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """`gimlet-ci --help` names GIMLET_SERVER, GIMLET_TOKEN, the settings reference and every exit code."""
    code, _, _ = run(["--help"], {})
    out = capsys.readouterr().out

    assert 0 == code
    for text in ("GIMLET_SERVER", "GIMLET_TOKEN", "docs/reference/settings.md", "exit codes:", "examples:"):
        assert text in out
    codes = re.findall(r"^\s+(\d+)\s", out.split("exit codes:")[1].split("examples:")[0], re.MULTILINE)
    assert ["0", "1", "2", "3", "4", "70", "130"] == codes
    assert "143 terminated (SIGTERM); 129 hung up (SIGHUP)" in out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_help_has_a_description_and_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each command's --help has its one-line description and an example that runs it."""
    code, _, _ = run([command, "--help"], {})
    out = capsys.readouterr().out

    assert 0 == code
    description = COMMANDS[command][0]
    assert f"\n{description[:1].upper()}{description[1:]}.\n" in out
    assert (
        re.search(rf"\nexample:\n  gimlet-ci {re.escape(command)}\b", out)
        or (
            command == "push"
            and "\nexample:\n  gimlet-ci ship --dry-run --output json > artifact.json\n  gimlet-ci push" in out
        )
        or (command == "step" and "\nexample:\n  GIMLET_COMMAND=deploy " in out and "gimlet-ci step" in out)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-02-01T15:34:26+01:00", "2026-02-01T15:34:26+01:00", id="rfc3339-offset"),
        pytest.param("2026-02-01T14:34:26Z", "2026-02-01T14:34:26Z", id="rfc3339-z"),
        pytest.param("2h", "2026-12-02T12:00:00Z", id="duration-ago"),
        pytest.param("1h30m", "2026-12-02T12:30:00Z", id="go-duration"),
    ],
)
def test_since_and_until_take_a_time_or_a_duration_ago(text: str, expected: str) -> None:
    """`--since`/`--until` pass an RFC 3339 time on as given; a Go duration is that long before now, in UTC."""
    assert expected == when(text, option="--since", now=lambda: 1_796_220_000.0)  # 2026-12-02T14:00:00Z


@pytest.mark.parametrize("text", ["2026-02-01", "2026-02-01T15:34:26", "yesterday", "-2h", ""])
def test_a_time_without_its_offset_is_refused(text: str) -> None:
    """A date alone, a time without offset (Gimlet would answer 400) or a word is a ConfigError naming the option."""
    with pytest.raises(ConfigError, match=r"--until .* is neither an RFC 3339 time nor a duration"):
        when(text, option="--until")


def test_push_without_credentials_names_both_before_reading_the_body(tmp_path: Path) -> None:
    """A missing server and token are said first, in one error, even for a body `push` would refuse."""
    code, _, err = run(["push", write(tmp_path, "a.json", {"version": {"message": "x"}, "environments": [1]})], {})

    assert 2 == code
    assert "GIMLET_SERVER" in err
    assert "GIMLET_TOKEN" in err
    assert "misread" not in err
