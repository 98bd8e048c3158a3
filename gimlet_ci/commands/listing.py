"""``gimlet-ci artifacts``, ``releases`` and ``status``: Gimlet's read endpoints, as the Go CLI's ``artifact list``,
``release list`` and ``release status`` read them; each returns Gimlet's objects, and `format_artifacts`,
`format_releases` and `format_status` make the text tables."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gimlet_ci._client import connect
from gimlet_ci._converter import to_wire_in_go_order
from gimlet_ci._models import Artifact, Release, Version
from gimlet_ci._parse import parse_duration
from gimlet_ci.adapters import Adapter
from gimlet_ci.commands import load, required
from gimlet_ci.exceptions import ConfigError, GimletAPIError, GimletFailure

_STATUS_500_TIP = "Gimlet answers 500 when it does not know the env: check --env / GIMLET_ENV"


def when(text: str, *, option: str, now: Callable[[], float] = time.time) -> str:
    """An RFC 3339 time (``2026-02-01T15:34:26+01:00``) as given, or a Go duration (``2h``, ``30m``) as that long
    ago in UTC: what Gimlet's ``since`` and ``until`` parameters take."""
    text = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None and "T" in text.upper():
        return parsed.isoformat().replace("+00:00", "Z")
    if parsed is None and text and text[-1:].isalpha():
        try:
            seconds = parse_duration(text, name=option)
        except ConfigError:
            pass
        else:
            moment = dt.datetime.fromtimestamp(int(now() - seconds), tz=dt.timezone.utc)
            return moment.isoformat().replace("+00:00", "Z")
    msg = f"{option} {text!r} is neither an RFC 3339 time nor a duration"
    raise ConfigError(msg, tip=f"write {option} 2026-02-01T15:34:26+01:00 (with its offset), or 2h for two hours ago")


def _filter(options: Mapping[str, object], key: str) -> str:
    value = options.get(key)
    return value if isinstance(value, str) else ""


def _number(options: Mapping[str, object], key: str, default: int) -> int:
    value = options.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def artifacts(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    now: Callable[[], float] = time.time,
) -> list[Artifact]:
    """``GET /api/artifacts`` with the filters of *options* (``repository``, ``branch``, ``event``,
    ``source_branch``, ``sha``, ``since``, ``until``, ``limit``, ``offset``), newest first."""
    since, until = (_filter(options, key) for key in ("since", "until"))
    limit = _number(options, "limit", 10)
    if limit < 1:
        msg = f"--limit {limit} asks for no artifacts"
        raise ConfigError(msg, tip="pass --limit 1 or more (Gimlet answers 10 for 0)")
    settings = load(env, adapter, options)
    with connect(settings) as client:
        return client.list_artifacts(
            repository=_filter(options, "repository"),
            sha=_filter(options, "sha"),
            limit=limit,
            offset=_number(options, "offset", 0),
            branch=_filter(options, "branch"),
            event=_filter(options, "event"),
            source_branch=_filter(options, "source_branch"),
            since=when(since, option="--since", now=now) if since else "",
            until=when(until, option="--until", now=now) if until else "",
        )


def releases(
    env: Mapping[str, str],
    adapter: Adapter,
    *,
    options: Mapping[str, object],
    now: Callable[[], float] = time.time,
) -> list[Release]:
    """``GET /api/releases``: the gitops commits of the ``env`` setting (of ``app`` when set), newest first."""
    settings = load(env, adapter, options)
    target = required(settings.env, "releases needs an environment", tip="pass --env ENV (or set GIMLET_ENV)")
    since = _filter(options, "since")
    with connect(settings) as client:
        return client.list_releases(
            target,
            app=settings.app or "",
            limit=_number(options, "limit", 10),
            since=when(since, option="--since", now=now) if since else "",
            git_repo=_filter(options, "repository"),
            reverse=options.get("reverse") is True,
        )


def status(env: Mapping[str, str], adapter: Adapter, *, options: Mapping[str, object]) -> dict[str, Release | None]:
    """``GET /api/status``: what each app of the ``env`` setting (only ``app`` when set) runs now, by app.

    The env is read whole and the app picked here: Gimlet answers ``?app=`` for an app without a release with a
    500, which a read retries as a server error and which says nothing; here it is one `GimletFailure` naming the
    apps that are there."""
    settings = load(env, adapter, options)
    target = required(settings.env, "status needs an environment", tip="pass --env ENV (or set GIMLET_ENV)")
    with connect(settings) as client:
        try:
            found = client.release_status(target)
        except GimletAPIError as e:
            if e.status == 500:  # noqa: PLR2004 - Gimlet's answer to an unknown env
                raise e.carrying(tip=_STATUS_500_TIP) from e
            raise
    if settings.app:
        if settings.app not in found:
            have = ", ".join(sorted(found)) or "none"
            msg = f"Gimlet has no release of app {settings.app!r} in env {target!r}"
            raise GimletFailure(msg, tip=f"the apps released there: {have}")
        return {settings.app: found[settings.app]}
    return found


def as_json(obj: Artifact | Release) -> dict[str, Any]:
    """*obj* as Gimlet's JSON, in its struct's key order (what ``--output json`` prints)."""
    return to_wire_in_go_order(obj)


# -- the text tables -------------------------------------------------------------------------------------------------


def _time(seconds: int) -> str:
    if not seconds:
        return "-"
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _subject(message: str, limit: int = 50) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _ref(version: Version | None) -> str:
    if version is None:
        return "-"
    if version.event == "tag":
        return version.tag or "-"
    if version.event == "pr":
        return f"{version.source_branch or version.branch or '?'} (pr)"
    return version.branch or "-"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    head = "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()
    return "\n".join([head, *lines])


def format_artifacts(found: list[Artifact]) -> str:
    """One line per artifact, newest first: id, when it was stored, commit, ref, the manifests' ``app -> env``."""
    rows = [
        (
            a.id,
            _time(a.created),
            a.version.sha[:8] or "-",
            _ref(a.version),
            ", ".join(f"{m.get('app', '?')} -> {m.get('env', '?')}" for m in a.environments) or "-",
            _subject(a.version.message) or "-",
        )
        for a in found
    ]
    return _table(("ID", "CREATED", "SHA", "REF", "MANIFESTS", "MESSAGE"), rows)


def format_releases(found: list[Release]) -> str:
    """One line per gitops commit: when, app, env, the gitops commit and its Flux status, the source commit."""
    rows = [
        (
            _time(r.created),
            r.app or "-",
            r.env or "-",
            r.gitops_ref[:8] or "-",
            (r.gitops_commit_status or "-") + (" (rolled back)" if r.rolled_back else ""),
            r.version.sha[:8] if r.version is not None and r.version.sha else "-",
            _ref(r.version),
            r.triggered_by or "-",
            r.artifact_id or "-",
        )
        for r in found
    ]
    return _table(("CREATED", "APP", "ENV", "GITOPS", "STATUS", "SHA", "REF", "BY", "ARTIFACT"), rows)


def format_status(found: Mapping[str, Release | None]) -> str:
    """One line per app of the env, by name: the commit it runs, its ref, who released it, the artifact."""
    rows = []
    for app in sorted(found):
        r = found[app]
        if r is None:
            rows.append((app, "-", "-", "-", "-", "release data not available"))
            continue
        sha = r.version.sha[:8] if r.version is not None and r.version.sha else "-"
        rows.append((app, r.env or "-", sha, _ref(r.version), r.triggered_by or "-", r.artifact_id or "-"))
    return _table(("APP", "ENV", "SHA", "REF", "BY", "ARTIFACT"), rows)
