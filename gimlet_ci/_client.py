"""`GimletClient`: Gimlet's CI API over one injected ``httpx.Client``.

Every HTTP or transport failure leaves this module as one of our exception types. Which failures are retried, and
how, is decided here per request kind and paced by `gimlet_ci._retry`:

- reads (tracking, listing) are retried on transport errors, 5xx and 429;
- ``POST /api/artifact`` is re-sent only when it cannot have been stored (connection refused, Gimlet's own 500,
  429, 503); every ship carries a fresh idempotency key in the artifact's ``context`` (`IDEMPOTENCY_KEY`), which
  Gimlet stores and returns. When the outcome is unknown (the connection dropped after the body was sent, a read
  timeout, a proxy's 502/504, or the deadline cut the request) the client pages through the commit's artifacts for
  that key and adopts the one that carries it, and re-posts only when none does. Gimlet has no duplicate detection,
  so a blind re-send would make a second artifact and possibly a second deploy;
- release and rollback requests are re-sent only when they cannot have been stored; an unknown outcome is reported,
  never re-sent.

Every request is bounded as a whole, in wall-clock time, by `gimlet_ci._bounded` (connect, headers and body
together), and its body by `gimlet_ci._bounded.MAX_BODY`. A server that accepts connections and never answers is
named after `NO_ANSWER_STRIKES` requests in a row got no answer.
"""

from __future__ import annotations

import contextlib
import enum
import json
import shlex
import ssl
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import attrs
import httpx

from gimlet_ci._bounded import BodyTooLarge, budget, install, read_body, retry_after
from gimlet_ci._converter import artifact_body, from_wire, to_wire
from gimlet_ci._ids import check_artifact_id, check_event_id
from gimlet_ci._log import log
from gimlet_ci._models import Artifact, Outcome, Release, ReleaseRequest, ReleaseTicket, TrackStatus
from gimlet_ci._retry import (
    RUN_STARTED,
    Deadline,
    Retryable,
    RetryPolicy,
    Timing,
    call_with_retries,
    default_retry,
    format_duration,
)
from gimlet_ci._version import __version__
from gimlet_ci.exceptions import (
    BadResponse,
    Cancelled,
    ConfigError,
    DeadlineExceeded,
    GimletAPIError,
    GimletCIError,
    ServerUnreachable,
    Unauthorized,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from gimlet_ci._settings import Settings


T = TypeVar("T")

REQUEST_TIMEOUT = 30.0
"""The longest one HTTP request may take as a whole: connect, headers and body (every Gimlet CI endpoint answers
in well under a second; its own handler timeout is 60 s); the deadline may cut it shorter."""
NO_ANSWER_STRIKES = 3
"""After this many requests in a row got no (complete) answer within their timeout, the server is reported as not
answering (exit 4): with the 30 s timeout that is about 90 s, well inside the default 10 m deadline."""
IDEMPOTENCY_KEY = "GIMLET_CI_IDEMPOTENCY_KEY"
"""The ``context`` entry that carries a ship's idempotency key (a fresh uuid per ship, never in a dry run's body):
Gimlet stores the artifact's ``context`` as sent and returns it from ``GET /api/artifacts``."""
LOOKUP_PAGE = 20
"""Artifacts per page when looking for ours by its key (Gimlet sorts newest first; ours is nearly always on the
first page)."""
LOOKUP_GRACE = 5.0
"""Seconds past the deadline allowed for looking up an artifact whose POST the deadline cut (a quarter of the
deadline when that is less, but at least one)."""
_HANG_TIP = (
    "the server accepts connections but does not answer: check that Gimlet is up, and that no proxy or firewall "
    "between this runner and it holds connections open"
)


class RequestKind(enum.Enum):
    """What one attempt's failure says about what Gimlet stored, and so whether a request may be sent again."""

    READ = "read"
    """Tracking and listing: nothing is stored, so a read is sent again on transport errors, 5xx and 429."""
    ARTIFACT = "artifact"
    """``POST /api/artifact``: sent again when it cannot have been stored (refused, 429, 503, and Gimlet's own 500,
    which it answers before storing); when the outcome is unknown the artifact is looked up first."""
    QUEUE = "queue"
    """A release or rollback request: sent again only when it cannot have been queued (refused, 429, 503); an
    unknown outcome is reported, never sent again."""


class _Cut(Exception):
    """Raised when the deadline cut a POST that may have been stored or queued; *final* is the error."""

    def __init__(self, final: GimletCIError) -> None:
        super().__init__(final.message)
        self.final = final


def _stored_tip(key: str, sha: str) -> str:
    return (
        f"the artifact may have been stored: look for {IDEMPOTENCY_KEY}={key} in the context of the artifacts of "
        f"{sha[:12]} before shipping again, a second one could deploy twice"
    )


def _cancelled_post_resume(key: str, repository: str, sha: str) -> str:
    """What a run cancelled while its artifact POST was out resumes with: a look for the artifact the key marks."""
    filters = "".join(
        f" --{name} {shlex.quote(value)}" for name, value in (("repo", repository), ("sha", sha)) if value
    )
    return (
        f"gimlet-ci artifacts{filters} --output json  # the artifact may have been stored: if one has"
        f" {IDEMPOTENCY_KEY}={key} in its context, track it instead of shipping again"
    )


def _stored_anyway(error: BadResponse, key: str, sha: str) -> BadResponse:
    """*error* about a success answer to ``POST /api/artifact`` that cannot be used: the artifact was stored, so its
    tip says so and names the key, since running again without looking would post a second one."""
    return error.carrying(tip=_stored_tip(key, sha) + (f"; {error.tip}" if error.tip else ""))


class _UnknownOutcome(Exception):
    """Raised inside an attempt when a POST may or may not have been stored; *final* is the error to report."""

    def __init__(self, reason: str, final: GimletAPIError) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


E = TypeVar("E", bound=BaseException)


def _because(error: E, cause: BaseException) -> E:
    """*error*, with *cause* as the cause it shows when it is raised later, after the retries."""
    error.__cause__ = cause
    return error


def _trim(text: str, limit: int = 200) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _with_key(body: bytes, key: str) -> bytes:
    """*body* (a JSON object, sent as it is) with the idempotency key added to its ``context``: appended as one more
    ``"context"`` member, which Go's decoder merges into the map already read (it reuses a non-nil map), so every
    entry of the file's own ``context`` is kept."""
    text = body.rstrip()
    if not text.endswith(b"}"):
        return body
    inner = text[:-1].rstrip()
    separator = b"" if inner.endswith(b"{") else b","
    member = json.dumps({IDEMPOTENCY_KEY: key}).encode()
    return inner + separator + b'"context":' + member + b"}"


def _shown(value: object) -> str:
    """A server value for an error line: quoted, escaped to ASCII (no control characters), at most 80 characters."""
    text = value if isinstance(value, str) else repr(value)
    return ascii(text if len(text) <= 80 else text[:80] + "...")  # noqa: PLR2004


def _body_text(response: httpx.Response) -> str:
    return response.content[:400].decode("utf-8", errors="replace")


def _without(text: str, secret: str) -> str:
    """*text* with *secret* replaced, also in the forms an echo may show it (JSON- or URL-escaped)."""
    if len(secret) < 4:  # noqa: PLR2004 - a tiny value would blank out ordinary text
        return text
    for form in {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}:
        text = text.replace(form, "***")
    return text


def make_http_client(
    server: str,
    token: str,
    *,
    user_agent: str,
    ca_bundle: str | None = None,
    insecure: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The one ``httpx.Client``: bearer token, explicit timeouts, proxies from the environment, TLS verified."""
    verify: bool | ssl.SSLContext = True
    if insecure:
        verify = False
    elif ca_bundle:
        try:
            verify = ssl.create_default_context(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as e:
            msg = f"the CA bundle {ca_bundle!r} cannot be loaded: {e}"
            raise ConfigError(msg, tip="GIMLET_CA_BUNDLE must be a PEM file of CA certificates") from e
    client = httpx.Client(
        base_url=server,
        # gzip and deflate only: gimlet-ci decodes those itself, bounded (gimlet_ci._bounded); Gimlet compresses none.
        headers={"Authorization": f"Bearer {token}", "User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=10.0),
        verify=verify,
        transport=transport,
        trust_env=True,
        follow_redirects=False,
    )
    install(client)  # every socket operation keeps to the open request's wall-clock budget
    return client


def is_loopback(server: str) -> bool:
    """Whether *server*'s host is this machine: ``localhost``, or an IP address in 127.0.0.0/8 or ``::1``.

    Exact: a host *name* that merely starts with ``127.`` (``127.evil.example``) is somebody else's machine.
    """
    import ipaddress  # noqa: PLC0415 - only when connecting

    try:
        host = urlsplit(server).hostname or ""
    except ValueError:
        return False
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.define
class GimletClient:
    """Gimlet's artifact, release and rollback endpoints; the repr never shows the token.

    A context manager: ``with client:`` closes its connections at the end (`close`).
    """

    http: httpx.Client = attrs.field(repr=False)
    deadline: Deadline
    retry: RetryPolicy = attrs.field(factory=default_retry)
    timing: Timing = attrs.field(factory=Timing, repr=False)
    request_timeout: float = REQUEST_TIMEOUT
    """Seconds one HTTP request may take; the deadline may cut it shorter."""
    shipped_ids: set[str] = attrs.field(factory=set, repr=False)
    """Artifacts this client posted, so that a 404 on tracking them can say what it means."""
    push: bool = True
    """Whether waits listen on Gimlet's push channel (``/ws/``) as well as polling."""
    _unanswered: int = attrs.field(default=0, init=False, repr=False)
    """Requests in a row that got no complete answer within their timeout."""
    _answered: bool = attrs.field(default=False, init=False, repr=False)
    """Whether any request of this client got a complete answer."""
    _hang: GimletAPIError | None = attrs.field(default=None, init=False, repr=False)
    """The error that reported the server as not answering, once it did."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections; the client sends nothing afterwards."""
        self.http.close()

    # -- the public calls ---------------------------------------------------------------------------------------

    def post_artifact(self, artifact: Artifact, *, body: bytes | None = None, key: str | None = None) -> Artifact:
        """``POST /api/artifact``: store the artifact; returns the server's echo, with ``id`` and ``created``.

        What is sent is *artifact*'s JSON, or *body* when given (``gimlet-ci push`` sends a file as it is, *artifact*
        being what it reads as), with one more ``context`` entry: `IDEMPOTENCY_KEY`, *key* or a fresh uuid. After an
        unknown outcome the artifact that carries it is adopted, never another one.
        """
        key = key or str(uuid.uuid4())
        keyed = attrs.evolve(artifact, context=dict(sorted({**artifact.context, IDEMPOTENCY_KEY: key}.items())))
        body = artifact_body(keyed) if body is None or body == artifact_body(artifact) else _with_key(body, key)
        repository = artifact.version.repository_name
        sha = artifact.version.sha

        def attempt() -> Artifact:
            try:
                response = self._request("POST", "/api/artifact", kind=RequestKind.ARTIFACT, content=body)
            except _UnknownOutcome as e:
                return self._adopt_or_resend(keyed, key, e)
            except _Cut as e:
                raise self._after_cut(keyed, key, e.final) from e.final
            try:
                stored = from_wire(self._json(response, "artifact answer"), Artifact, what="artifact answer")
            except BadResponse as e:
                raise _stored_anyway(e, key, sha) from e
            if not stored.id:
                msg = "Gimlet stored the artifact but its answer has no id"
                raise BadResponse(
                    msg,
                    status=response.status_code,
                    url=str(response.url),
                    body=self._body(response),
                    tip=_stored_tip(key, sha),
                )
            try:
                self._check_artifact(stored.id, repository, "POST /api/artifact")
            except BadResponse as e:
                raise _stored_anyway(e, key, sha) from e
            return stored

        try:
            stored = call_with_retries(attempt, what="POST /api/artifact", policy=self.retry, deadline=self.deadline)
        except GimletAPIError as e:
            if e is self._hang:
                raise e.carrying(tip=f"{_HANG_TIP}; {_stored_tip(key, sha)}") from e
            raise
        except Cancelled as e:  # the POST may be stored: the resume looks before anyone ships again
            raise e.carrying(resume=_cancelled_post_resume(key, repository, sha)) from e
        self.shipped_ids.add(stored.id)
        return stored

    def list_artifacts(
        self,
        *,
        repository: str = "",
        sha: str = "",
        limit: int = 10,
        offset: int = 0,
        branch: str = "",
        event: str = "",
        source_branch: str = "",
        since: str = "",
        until: str = "",
    ) -> list[Artifact]:
        """``GET /api/artifacts``, newest first, filtered by each argument given (empty: no filter).

        *since* and *until* are RFC 3339 times (``since`` inclusive, ``until`` exclusive, as Gimlet's SQL has them);
        *limit* is always sent, since Gimlet answers ``[]`` for an *offset* without one.
        """
        params = {"repository": repository, "sha": sha, "limit": str(limit)}
        if not sha:
            del params["sha"]
        if offset:
            params["offset"] = str(offset)
        filters = {"branch": branch, "event": event, "sourceBranch": source_branch, "since": since, "until": until}
        params.update({key: value for key, value in filters.items() if value})
        data = self._read("GET /api/artifacts", "/api/artifacts", params)
        if not isinstance(data, list):
            msg = "the server's artifact list is not a JSON array"
            raise BadResponse(msg)
        return [from_wire(item, Artifact, what="artifact list") for item in data]

    def list_releases(
        self,
        env: str,
        *,
        app: str = "",
        limit: int | None = None,
        since: str = "",
        until: str = "",
        git_repo: str = "",
        reverse: bool = False,
    ) -> list[Release]:
        """``GET /api/releases``: the gitops commits of *env* (of *app* when given), newest first (oldest first with
        *reverse*). Gimlet's defaults: 10 releases (``-1`` for all), from the last 30 days (its
        ``RELEASE_HISTORY_SINCE_DAYS``); it reads *until* but does not apply it."""
        params = {"env": env, "app": app, "since": since, "until": until, "git-repo": git_repo}
        params = {key: value for key, value in params.items() if value or key == "env"}
        if limit is not None:
            params["limit"] = str(limit)
        if reverse:
            params["reverse"] = "true"
        data = self._read("GET /api/releases", "/api/releases", params)
        if data is None:
            return []  # Go's nil slice
        if not isinstance(data, list):
            msg = "the server's release list is not a JSON array"
            raise BadResponse(msg)
        return [from_wire(item, Release, what="release list") for item in data]

    def release_status(self, env: str, *, app: str = "") -> dict[str, Release | None]:
        """``GET /api/status``: what each app of *env* (only *app* when given) runs now, by app name, as its
        ``release.json`` in the gitops repository says; None for an app folder without a readable one."""
        params = {"env": env, "app": app} if app else {"env": env}
        data = self._read("GET /api/status", "/api/status", params)
        if data is None:
            return {}
        if not isinstance(data, dict):
            msg = "the server's release status is not a JSON object"
            raise BadResponse(msg)
        return {
            str(name): None if value is None else from_wire(value, Release, what="release status")
            for name, value in data.items()
        }

    def track_answer(self, *, artifact_id: str | None = None, release_id: str | None = None) -> bytes:
        """One read of a track endpoint, as Gimlet wrote it (the bytes of a JSON ``ReleaseStatus``): what
        ``--raw`` prints for scripts written against Gimlet's own CLI."""
        if release_id is not None:
            path, key, subject = "/api/eventReleaseTrack", "id", release_id
        else:
            path, key, subject = "/api/eventArtifactTrack", "artifactId", artifact_id or ""

        def attempt() -> bytes:
            response = self._request("GET", path, kind=RequestKind.READ, params={key: subject}, subject=subject)
            self._json(response, "tracking answer")  # JSON, or the error that says what came instead
            return response.content

        return call_with_retries(attempt, what=f"GET {path}", policy=self.retry, deadline=self.deadline)

    def track_artifact(self, artifact_id: str) -> TrackStatus:
        """``GET /api/eventArtifactTrack``: processing status of an artifact and its deploys."""
        return self._track("/api/eventArtifactTrack", "artifactId", artifact_id)

    def track_release(self, release_id: str) -> TrackStatus:
        """``GET /api/eventReleaseTrack``: status of a release, rollback or image build."""
        return self._track("/api/eventReleaseTrack", "id", release_id)

    def commit_events(self, repository: str, sha: str) -> list[Any]:
        """``GET /api/repo/{owner}/{name}/commits/{sha}/events``: every event of a commit (``api.CommitEvent``),
        newest first; the one place besides the push channel that names an image build an artifact started."""
        owner, _, name = repository.partition("/")
        path = f"/api/repo/{quote(owner, safe='')}/{quote(name, safe='')}/commits/{quote(sha, safe='')}/events"
        data = self._read("GET /api/repo/…/commits/…/events", path, {})
        if not isinstance(data, list):
            msg = "the server's commit events are not a JSON array"
            raise BadResponse(msg)
        return data

    def make_release(self, request: ReleaseRequest) -> ReleaseTicket:
        """``POST /api/releases``: queue an on-demand release of a shipped artifact."""
        body = json.dumps(to_wire(request)).encode()
        return self._post_once("/api/releases", content=body, params=None, what="release")

    def rollback(self, *, env: str, app: str, sha: str) -> ReleaseTicket:
        """``POST /api/rollback``: roll *app* in *env* back to the gitops commit *sha*."""
        return self._post_once(
            "/api/rollback",
            content=None,
            params={"env": env, "app": app, "sha": sha},
            what="rollback",
        )

    # -- plumbing -----------------------------------------------------------------------------------------------

    def _adopt_or_resend(self, artifact: Artifact, key: str, unknown: _UnknownOutcome) -> Artifact:
        """After a POST whose outcome is unknown: the artifact it stored, if any; else ask for another attempt."""
        sha = artifact.version.sha
        try:
            found = self._find_by_key(artifact, key)
        except DeadlineExceeded as e:
            raise self._after_cut(artifact, key, e) from e
        except GimletAPIError as e:
            if e is self._hang:
                raise e.carrying(tip=f"{_HANG_TIP}; {_stored_tip(key, sha)}") from e
            tip = f"looking the artifact up failed too ({_trim(e.message, 120)}); {_stored_tip(key, sha)}"
            raise unknown.final.carrying(tip=tip) from e
        if found is not None:
            log.warning("gimlet_ci.artifact_adopted", artifact_id=found.id, reason=unknown.reason)
            return found
        msg = f"{unknown.reason}; no artifact with this run's key was stored, sending again"
        raise Retryable(msg, unknown.final) from unknown

    def _after_cut(self, artifact: Artifact, key: str, final: GimletCIError) -> GimletCIError:
        """The error to end with when the deadline cut a POST that may have been stored: looked up by its key within
        `LOOKUP_GRACE`, carrying the artifact's id when it was stored."""
        version = artifact.version
        looked, found = False, None
        grace = min(LOOKUP_GRACE, max(1.0, self.deadline.seconds / 4))
        deadline, self.deadline = self.deadline, Deadline(grace, self.timing)
        try:
            found = self._find_by_key(artifact, key)
            looked = True
        except GimletCIError as e:
            log.debug("gimlet_ci.lookup_failed", error=e.message)
        finally:
            self.deadline = deadline
        if found is not None:
            self.shipped_ids.add(found.id)
            message = f"{final.message}; Gimlet stored the artifact as {found.id}"
            outcome = Outcome(
                artifact_id=found.id,
                status="timeout",
                repository=version.repository_name,
                sha=version.sha,
                message=message,
            )
            tip = f"it was posted once; follow it rather than shipping again: gimlet-ci track {found.id} --wait"
            return DeadlineExceeded(message, tip=tip, outcome=outcome)
        if looked and isinstance(final, DeadlineExceeded):
            tip = (
                f"no artifact with this run's key was stored by then, but Gimlet may still store it: look for "
                f"{IDEMPOTENCY_KEY}={key} in the context of the artifacts of {version.sha[:12]} before shipping again"
            )
            return final.carrying(tip=tip)
        lead = _HANG_TIP if isinstance(final, ServerUnreachable) else "the look-up got no answer either"
        return final.carrying(tip=f"{lead}; {_stored_tip(key, version.sha)}")

    def _post_once(
        self, path: str, *, content: bytes | None, params: Mapping[str, str] | None, what: str
    ) -> ReleaseTicket:
        def attempt() -> ReleaseTicket:
            try:
                response = self._request("POST", path, kind=RequestKind.QUEUE, content=content, params=params)
            except _UnknownOutcome as e:
                tip = (
                    f"the {what} may have been queued anyway; check Gimlet before running this again, "
                    "a second request would queue a second one"
                )
                raise e.final.carrying(tip=tip) from e.final
            except _Cut as e:
                tip = (
                    f"the deadline cut the request: the {what} may have been queued anyway; check Gimlet before "
                    "running this again, a second request would queue a second one"
                )
                raise e.final.carrying(tip=tip) from e.final
            ticket = from_wire(self._json(response, f"{what} answer"), ReleaseTicket, what=f"{what} answer")
            if check_event_id(ticket.id) is not None:
                msg = f"the server's {what} answer has an id that Gimlet does not make: {_shown(ticket.id)}"
                raise BadResponse(
                    msg,
                    status=response.status_code,
                    url=self._server(),
                    tip=f"Gimlet's {what} ids are uuids: is GIMLET_SERVER a Gimlet? The {what} may have been queued",
                )
            return ticket

        return call_with_retries(attempt, what=f"POST {path}", policy=self.retry, deadline=self.deadline)

    def _track(self, path: str, key: str, event_id: str) -> TrackStatus:
        data = self._read(f"GET {path}", path, {key: event_id}, subject=event_id)
        return from_wire(data, TrackStatus, what="tracking answer")

    def _read(self, what: str, path: str, params: Mapping[str, str], *, subject: str | None = None) -> Any:
        def attempt() -> Any:
            response = self._request("GET", path, kind=RequestKind.READ, params=params, subject=subject)
            return self._json(response, "answer")

        return call_with_retries(attempt, what=what, policy=self.retry, deadline=self.deadline)

    def _find_by_key(self, artifact: Artifact, key: str) -> Artifact | None:
        """The artifact of *artifact*'s commit whose context carries *key*: every page of the commit's artifacts is
        read (newest first) until it is found or the listing ends; the server's clock plays no part. A version without
        a repository or a sha (a pushed file may lack them) is looked up without that filter: "none found" would
        post the artifact a second time."""
        version = artifact.version
        offset = 0
        while True:
            page = self.list_artifacts(
                repository=version.repository_name, sha=version.sha, limit=LOOKUP_PAGE, offset=offset
            )
            for candidate in page:
                if candidate.context.get(IDEMPOTENCY_KEY) == key:
                    self._check_artifact(candidate.id, version.repository_name, "GET /api/artifacts")
                    return candidate
            if len(page) < LOOKUP_PAGE:
                return None
            offset += len(page)

    def _check_artifact(self, artifact_id: str, repository: str, where: str) -> None:
        problem = check_artifact_id(artifact_id, repository=repository or None)
        if problem is not None:
            msg = f"the server's answer to {where} has an artifact id that Gimlet does not make: {_shown(artifact_id)}"
            raise BadResponse(
                msg,
                url=self._server(),
                tip=f"{problem}; Gimlet's artifact ids are <repository>-<uuid>: is GIMLET_SERVER a Gimlet?",
            )

    def _json(self, response: httpx.Response, what: str) -> Any:
        # Gimlet writes JSON as text/plain: parse by content, never by header.
        try:
            return json.loads(response.content)
        except (ValueError, RecursionError) as e:
            msg = (
                f"the server's {what} to {response.request.method} {response.url.path} is not JSON "
                f"(HTTP {response.status_code}, body starts {_trim(self._body(response), 80)!r})"
            )
            raise BadResponse(
                msg,
                status=response.status_code,
                url=str(response.url),
                body=self._body(response),
                tip="is GIMLET_SERVER the Gimlet dashboard URL, not a proxy or login page?",
            ) from e

    def _request(
        self,
        method: str,
        path: str,
        *,
        kind: RequestKind,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        subject: str | None = None,
    ) -> httpx.Response:
        """One attempt: send, then judge the status; a failure is `Retryable`, `_UnknownOutcome` or final."""
        response = self._send(method, path, kind=kind, content=content, params=params)
        self._check_status(response, method, path, kind=kind, subject=subject)
        return response

    def _send(
        self,
        method: str,
        path: str,
        *,
        kind: RequestKind,
        content: bytes | None,
        params: Mapping[str, str] | None,
    ) -> httpx.Response:
        """Send once within the deadline, the whole exchange bounded in wall-clock time and the body in size; a
        transport failure is classified by what the server may have stored. The answer comes back read."""
        self.deadline.check(f"calling {method} {path}")
        timeout = max(0.001, min(self.request_timeout, self.deadline.remaining()))
        where = f"{method} {path}"
        started = self.timing.clock()
        request = self.http.build_request(
            method,
            path,
            params=params,
            content=content,
            headers={"Content-Type": "application/json"} if content is not None else None,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        )
        answered = False
        with budget(timeout) as spent:
            try:
                streamed = self.http.send(request, stream=True)
                answered = True
                try:
                    body = read_body(streamed)
                finally:
                    streamed.close()
            except httpx.LocalProtocolError:
                # Neither shown nor kept as the cause: its text quotes the header values, the token among them.
                msg = f"{where} could not be sent: a header value is not valid HTTP"
                raise ConfigError(msg, tip="check that GIMLET_TOKEN holds only the token") from None
            except BodyTooLarge as e:
                self._unanswered, self._answered = 0, True
                msg = f"the server's answer to {where} (HTTP {streamed.status_code}) was refused: {e.reason}"
                tip = "is GIMLET_SERVER the Gimlet dashboard URL, not a proxy or another service?"
                if kind is not RequestKind.READ:
                    tip += " What was sent may have been stored: check Gimlet before running this again"
                raise BadResponse(msg, status=streamed.status_code, url=self._server(), tip=tip) from None
            except httpx.RequestError as e:
                timed_out = isinstance(e, httpx.TimeoutException) or spent.expired
                if timed_out and not isinstance(e, httpx.ConnectTimeout | httpx.PoolTimeout):
                    raise self._timed_out(e, where, kind=kind, timeout=timeout, answered=answered) from e
                raise self._transport_failure(e, where, kind=kind, timeout=timeout) from e
        self._unanswered, self._answered = 0, True
        log.debug(
            "gimlet_ci.http",
            method=method,
            path=path,
            status=streamed.status_code,
            ms=round((self.timing.clock() - started) * 1000),
        )
        headers = [
            (name, value)
            for name, value in streamed.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        extensions = {k: v for k, v in streamed.extensions.items() if k in ("reason_phrase", "http_version")}
        return httpx.Response(
            streamed.status_code, headers=headers, content=body, request=request, extensions=extensions
        )

    def _timed_out(
        self, e: httpx.RequestError, where: str, *, kind: RequestKind, timeout: float, answered: bool
    ) -> Exception:
        """What to raise for a request that got no complete answer within its time: the deadline, another attempt,
        an unknown outcome, or (after `NO_ANSWER_STRIKES` in a row, or when the deadline cut a request to a server
        that answered nothing all run) the server reported as not answering."""
        server = self._server()
        seconds = format_duration(round(timeout, 1))
        what = (
            f"the answer from {server} to {where} did not arrive in full within {seconds}"
            if answered
            else f"no answer from {server} to {where} in {seconds}"
        )
        if timeout < self.request_timeout and self.deadline.remaining() <= 0:
            final: GimletCIError
            if not self._answered and not answered:
                final = ServerUnreachable(
                    f"{what} (all the {format_duration(self.deadline.seconds)} deadline left); "
                    "it has not answered any request",
                    url=server,
                    tip=_HANG_TIP,
                )
                self._hang = final
            else:
                final = DeadlineExceeded(
                    f"the {format_duration(self.deadline.seconds)} deadline passed during {where} ({what})",
                    tip="raise --timeout / GIMLET_TIMEOUT if your deploys take longer",
                )
            return _Cut(final) if kind is not RequestKind.READ else final
        self._unanswered += 1
        if self._unanswered >= NO_ANSWER_STRIKES:
            self._hang = _because(
                ServerUnreachable(
                    f"no answer from {server}: {self._unanswered} requests in a row got none within {seconds} each "
                    f"(the last: {where})",
                    url=server,
                    tip=_HANG_TIP,
                ),
                e,
            )
            return self._hang
        if self._unanswered == 1:
            then = {
                RequestKind.READ: "retrying",
                RequestKind.ARTIFACT: "looking for the artifact it may have stored",
                RequestKind.QUEUE: "not sending it again",
            }[kind]
            log.warning("gimlet_ci.no_answer", server=server, request=where, seconds=seconds, then=then)
        final_error = _because(ServerUnreachable(what, url=server, tip=_HANG_TIP), e)
        if kind is RequestKind.READ:
            return Retryable(f"no answer in {seconds}", final_error)
        return _UnknownOutcome("no answer before the timeout", final_error)

    def _transport_failure(self, e: httpx.RequestError, where: str, *, kind: RequestKind, timeout: float) -> Exception:
        """What to raise for a request that got no answer: another attempt, an unknown outcome, or a final
        `ServerUnreachable`."""
        server = self._server()
        if isinstance(e, httpx.TimeoutException):  # connecting, or waiting for a pooled connection
            final = _because(ServerUnreachable(f"{where} to {server} timed out after {timeout:g}s", url=server), e)
            return Retryable("timed out", final)
        if isinstance(e, httpx.ConnectError):
            text = str(e)
            if any(sign in text.upper() for sign in _PLAIN_HTTP_SIGNS) and server.startswith("https://"):
                plain = "http://" + server.removeprefix("https://")
                return ServerUnreachable(
                    f"{server} does not speak TLS: the port answers plain http ({_trim(text, 80)})",
                    url=server,
                    tip=f"use {plain} if that is Gimlet's plain-http port, or the address Gimlet serves https on",
                )
            if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                return ServerUnreachable(
                    f"TLS verification of {server} failed: {_trim(text, 160)}",
                    url=server,
                    tip="for a self-signed Gimlet set GIMLET_CA_BUNDLE (or --ca-bundle) to its CA certificate",
                )
            final = ServerUnreachable(
                f"cannot connect to {server}: {_trim(text, 160) or type(e).__name__}",
                url=server,
                tip="check GIMLET_SERVER and that Gimlet is reachable from this CI runner",
            )
            return Retryable("connection failed", _because(final, e))
        if isinstance(e, httpx.TransportError):
            final = _because(
                ServerUnreachable(f"{where} to {server} failed: {_trim(str(e), 160) or type(e).__name__}", url=server),
                e,
            )
            if kind is RequestKind.READ:
                return Retryable("connection dropped", final)
            return _UnknownOutcome("the connection dropped before an answer", final)
        # A body that cannot be decoded, too many redirects, a bad URL.
        return ServerUnreachable(f"{where} to {server} failed: {type(e).__name__}: {_trim(str(e), 160)}", url=server)

    def _check_status(
        self, response: httpx.Response, method: str, path: str, *, kind: RequestKind, subject: str | None
    ) -> None:
        """Return for a 2xx answer; otherwise raise its error, for another attempt where *kind* allows one."""
        status = response.status_code
        if status < 300:  # noqa: PLR2004
            return
        where = f"{method} {path}"
        url = f"{self._server()}{path}"
        if status < 400:  # noqa: PLR2004
            location = response.headers.get("Location", "")
            msg = f"Gimlet answered {status} {response.reason_phrase} to {where}, redirecting to {location or '?'}"
            raise GimletAPIError(
                msg,
                status=status,
                url=url,
                tip="set GIMLET_SERVER to the address Gimlet answers on (https:// rather than http://?)",
            )
        body = self._body(response)
        if status in (401, 403):
            msg = f"authentication failed: Gimlet answered {status} {response.reason_phrase} to {where}"
            raise Unauthorized(
                msg,
                status=status,
                url=url,
                body=body,
                tip="check GIMLET_TOKEN: generate a token on your Gimlet's /settings page",
            )
        base = httpx.URL(self._server())
        if status == 404 and base.path not in ("", "/"):  # noqa: PLR2004
            # Gimlet serves its API at the root of its address: a path in the server URL ends in 404s.
            root = str(base.copy_with(path="/", query=None, fragment=None)).rstrip("/")
            msg = f"Gimlet answered 404 Not Found to {where} under {self._server()}: the server URL has a path"
            error = GimletAPIError(
                msg, status=status, url=url, body=body, tip=f"set GIMLET_SERVER to Gimlet's address alone: {root}"
            )
        elif status == 404 and subject is not None:  # noqa: PLR2004
            error = self._not_found(where, subject, body, url)
        else:
            first_line = _trim(body.splitlines()[0], 120) if body.strip() else ""
            message = f"Gimlet answered {status} {response.reason_phrase} to {where}"
            error = GimletAPIError(
                message + (f": {first_line}" if first_line else ""), status=status, url=url, body=body
            )
        after = retry_after(response, now=self.timing.wall()) if status in (429, 503) else None
        raise _status_failure(error, status, kind, after=after)

    def _server(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def _body(self, response: httpx.Response) -> str:
        """The start of *response*'s body, as kept in errors: without the token (a proxy may echo our headers)."""
        header = self.http.headers.get("Authorization", "")
        token = header.partition(" ")[2].strip()
        if not token:
            return _body_text(response)
        # Scrubbed before it is cut, so that no part of the token is left at the cut.
        text = response.content[: 400 + 3 * len(token.encode())].decode("utf-8", errors="replace")
        return _without(text, token)[:400]

    def _not_found(self, where: str, subject: str, body: str, url: str) -> GimletAPIError:
        if body.startswith("404 page not found") or subject in self.shipped_ids:
            return GimletAPIError(
                f"Gimlet has no tracking for {subject!r} ({where} answered 404)",
                status=404,
                url=url,
                body=body,
                tip="this server looks older than Gimlet v0.18, which added tracking; upgrade it, or ship "
                "without --wait/--deploy",
            )
        return GimletAPIError(
            f"Gimlet does not know {subject!r} ({where} answered 404)",
            status=404,
            url=url,
            body=body,
            tip="check the id: it is printed when an artifact is shipped or a release is made",
        )


_PLAIN_HTTP_SIGNS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG")
"""What OpenSSL says when the other end of an https:// URL answers plain http."""


def _status_failure(error: GimletAPIError, status: int, kind: RequestKind, *, after: float | None = None) -> Exception:
    """What to raise for an error status: another attempt where nothing can have been stored, an unknown outcome for
    a proxy's 502/504 to a POST, else *error* itself."""
    if kind is RequestKind.READ:
        retried = status == 429 or status >= 500  # noqa: PLR2004
    else:
        retried = status in (429, 503) or (status == 500 and kind is RequestKind.ARTIFACT)  # noqa: PLR2004
    if retried:
        return Retryable(f"HTTP {status}", error, after=after)
    if kind is not RequestKind.READ and status in (502, 504):
        return _UnknownOutcome(f"HTTP {status} from a proxy", error)
    return error


def build_client(
    *,
    server: str,
    token: str,
    deadline: Deadline,
    user_agent: str,
    ca_bundle: str | None = None,
    insecure: bool = False,
    retry: RetryPolicy | None = None,
    timing: Timing | None = None,
    transport: httpx.BaseTransport | None = None,
    push: bool = True,
) -> GimletClient:
    http = make_http_client(
        server,
        token,
        user_agent=user_agent,
        ca_bundle=ca_bundle,
        insecure=insecure,
        transport=transport,
    )
    return GimletClient(
        http=http,
        deadline=deadline,
        retry=retry or default_retry(),
        timing=timing or deadline.timing,
        push=push,
    )


@contextlib.contextmanager
def connect(
    settings: Settings,
    *,
    user_agent: str | None = None,
    retry: RetryPolicy | None = None,
    timing: Timing | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[GimletClient]:
    """A client for the server of *settings*, under one deadline of ``settings.timeout`` from now; closed at the end.

    Raises `MissingSettingsError` naming the server and the token when either is missing. Warns
    (``gimlet_ci.insecure``) when TLS verification is off, and (``gimlet_ci.plain_http``) when the token would travel
    over plain http to another machine. The user agent is ``gimlet-ci/<version>`` unless *user_agent* says otherwise.
    """
    settings.require("server", "token")
    assert settings.server is not None  # noqa: S101 - require() checked both
    assert settings.token is not None  # noqa: S101
    if settings.insecure:
        log.warning("gimlet_ci.insecure")
    if settings.server.startswith("http://") and not is_loopback(settings.server):
        log.warning("gimlet_ci.plain_http", server=settings.server)
    client = build_client(
        server=settings.server,
        token=settings.token,
        # One deadline from the first line of `cli.main` (when it runs), so that reading the manifests counts too.
        deadline=Deadline(settings.timeout, timing or Timing(), start=RUN_STARTED.get() if timing is None else None),
        user_agent=user_agent or f"gimlet-ci/{__version__}",
        ca_bundle=settings.ca_bundle,
        insecure=settings.insecure,
        retry=retry,
        transport=transport,
        push=settings.push,
    )
    with client:
        yield client
