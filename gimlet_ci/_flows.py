"""The commands' work: ship, track, deploy and rollback, under one deadline, returning an `Outcome`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from gimlet_ci._artifact import build_artifact, resolve_commit
from gimlet_ci._converter import artifact_body
from gimlet_ci._log import log
from gimlet_ci._models import Artifact, DeployOutcome, Outcome, OutcomeStatus, ReleaseRequest, TrackStatus
from gimlet_ci._models import Note as ManifestNote
from gimlet_ci._push import Channel, Note, Processed, Progress, Wake, default_push
from gimlet_ci._retry import Deadline, PollSchedule, default_schedule
from gimlet_ci._secrets import in_json_body
from gimlet_ci._settings import Settings, spoken
from gimlet_ci._track import Verdict, describe, judge
from gimlet_ci.adapters import CIContext, CommitInfo
from gimlet_ci.exceptions import (
    Cancelled,
    ConfigError,
    DeadlineExceeded,
    DeployFailedError,
    GimletCIError,
    ManifestsRefused,
    NoManifestMatchedError,
    ProcessingError,
)

if TYPE_CHECKING:
    from gimlet_ci._client import GimletClient  # httpx stays off the dry-run path
    from gimlet_ci.manifests.reading import ManifestDoc


PROGRESS_EVERY = 10.0
"""Seconds between two progress lines while nothing changes."""


def _elapsed(seconds: float) -> str:
    """Time since the start as every progress line shows it: ``0.4s``, ``3.0s``, ``12.5s``; ``1m05s`` from a minute."""
    if seconds < 59.95:  # noqa: PLR2004 - what rounds to 60.0s is a minute
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}h{minutes:02d}m" if hours else f"{minutes}m") + f"{secs:02d}s"


@attrs.frozen(kw_only=True)
class Prepared:
    """An artifact ready to ship, with Gimlet's reading of it and the lint warnings worth showing."""

    artifact: Artifact
    problems: tuple[str, ...] = ()
    """Lint findings that do not stop the ship (``FILE:LINE: KEY: message``)."""
    docs: tuple[ManifestDoc, ...] = ()
    """The manifest documents, in the order of the artifact's ``environments``."""
    body: bytes | None = None
    """The exact bytes to post, when they are not the artifact's own JSON (``gimlet-ci push`` sends a file)."""
    notes: tuple[ManifestNote, ...] = ()
    """`problems` with their files and lines, for annotations."""
    addresses: Mapping[tuple[str, str], str] = attrs.field(factory=dict)
    """``(env, app)`` → ``https://<ingress host>`` as Gimlet renders the manifests (`deploy_addresses`)."""


def with_addresses(
    deploys: tuple[DeployOutcome, ...], addresses: Mapping[tuple[str, str], str]
) -> tuple[DeployOutcome, ...]:
    """Each deploy with the address of its manifest (by env and app, as Gimlet reports them), where known."""
    return tuple(
        attrs.evolve(d, url=addresses.get((d.env or "", d.app or ""))) if d.url is None else d for d in deploys
    )


def prepare(
    ctx: CIContext, settings: Settings, *, checkout: Path, check: bool = True, commit: CommitInfo | None = None
) -> Prepared:
    """Read the manifests and the commit, and build the artifact; nothing is sent.

    The commit's author, committer, date and message are *commit* when given; else ``git log`` of ``ctx.sha`` in
    *checkout*, else ``ctx.commit`` (what the platform said). The ``branch`` setting replaces ``ctx.branch``.
    With *check* (the default) an artifact that Gimlet's server would crash on, decode with an error, or read
    differently from what the files say raises `ManifestsRefused`, one line per problem.
    """
    from gimlet_ci.manifests.addresses import deploy_addresses  # noqa: PLC0415
    from gimlet_ci.manifests.lint import breaking_problems, lint_documents  # noqa: PLC0415 - YAML stays off cheap paths
    from gimlet_ci.manifests.reading import manifest_root, read_manifests, read_vars  # noqa: PLC0415
    from gimlet_ci.manifests.refusals import release_preflight, review_body  # noqa: PLC0415 - the Gimlet model stays off cheap paths

    if not ctx.sha:
        from gimlet_ci._git import no_commit_reason  # noqa: PLC0415 - git only to say why there is no commit

        message, tip = no_commit_reason(checkout)
        raise ConfigError(message, tip=tip)
    directory = Path(settings.manifests)
    if not directory.is_absolute():
        directory = checkout / directory
    root = manifest_root(directory, checkout)
    if directory.exists() or settings.require_manifests:
        docs = read_manifests(directory, label=settings.manifests, root=root)
    else:
        # As the official plugins: an artifact without manifests (no deploy policy can fire), and a warning.
        docs = ()
        log.warning(
            "gimlet_ci.no_manifests",
            folder=settings.manifests,
            setting=spoken("require_manifests", ctx.platform),
        )
    ctx = _with_branch(ctx, settings)
    # `$VAR` in .gimlet/vars expands from the platform's variables (secrets already filtered out), as godotenv
    # expanded from the environment for the official plugins.
    repo_vars = read_vars(directory, label=settings.manifests, environ=ctx.vars, root=root)
    if commit is None:
        commit = resolve_commit(ctx, checkout)
    artifact = build_artifact(ctx, settings, manifests=[doc.data for doc in docs], repo_vars=repo_vars, commit=commit)
    try:
        body = artifact_body(artifact)
    except ValueError as e:
        msg = "a manifest holds .nan or .inf, which JSON cannot carry (Gimlet would store an empty artifact)"
        raise ConfigError(msg, tip="run `gimlet-ci lint` to see where; quote the value to send it as a string") from e
    guarded = settings.guarded_token
    if guarded and in_json_body(body, guarded):
        # Variables holding it were dropped already; this is in a manifest, a --field link or the commit message.
        msg = (
            "the artifact would carry the Gimlet token (in a manifest, a link or the commit message); nothing was sent"
        )
        raise ConfigError(msg, tip="remove the token from what gimlet-ci ships; it belongs in GIMLET_TOKEN only")
    if check:
        review = review_body(body, docs)
        if review.rejected:
            raise ManifestsRefused(
                [str(refusal) for refusal in review.refusals],
                tip="fix the lines above; `gimlet-ci explain` shows what Gimlet's server reads in each manifest",
                notes=[
                    ManifestNote(file=r.file, line=r.line, key=r.key, severity="error", message=r.message)
                    for r in review.refusals
                ],
            )
        if settings.deploy and settings.env:
            missing = release_preflight(review, env=settings.env, app=settings.app)
            if missing is not None:
                raise ConfigError(missing, tip="check the env and app settings against the manifests' env and app")
    found = breaking_problems(lint_documents(docs, known_vars=set(artifact.vars)))
    notes = tuple(
        ManifestNote(file=p.file, line=p.line, key=p.key, severity="warning", message=p.message) for p in found
    )
    return Prepared(
        artifact=artifact,
        problems=tuple(str(problem) for problem in found),
        docs=docs,
        notes=notes,
        addresses=deploy_addresses(body),
    )


def _with_branch(ctx: CIContext, settings: Settings) -> CIContext:
    """*ctx* with the ``branch`` setting over the detected branch (the head branch of a pull request); a build with
    no branch and no tag (a detached HEAD the CI said nothing about) is warned about: branch policies cannot fire."""
    if settings.branch:
        template_vars = dict(ctx.vars)
        for name in ("BRANCH", "GITHUB_BRANCH"):
            if name in template_vars:
                template_vars[name] = settings.branch
        return ctx.evolve(
            branch=settings.branch,
            source_branch=settings.branch if ctx.event == "pr" else ctx.source_branch,
            vars=template_vars,
        )
    if not ctx.branch and not ctx.tag:
        log.warning("gimlet_ci.no_branch", sha=ctx.sha, setting=spoken("branch", ctx.platform))
    return ctx


@attrs.define
class _Watcher:
    """Reads one event until Gimlet reaches a verdict, reporting changes as it goes.

    Reads follow the poll schedule; with a healthy push channel they come when a message can change the verdict,
    and otherwise only every `PushPolicy.safety` seconds.
    """

    fetch: Callable[[], TrackStatus]
    what: str
    on_demand: bool
    deadline: Deadline
    schedule: PollSchedule
    channel: Channel | None = None
    last: Verdict | None = None
    _seen: dict[tuple[str, str], tuple[str, str | None]] = attrs.field(factory=dict)
    status: str | None = None
    """The event status last seen."""

    def run(self) -> Verdict:
        intervals = self.schedule.intervals()
        last_progress = next_poll = point = self.deadline.elapsed()
        paced_by_channel = False
        while True:
            status = self.fetch()
            verdict = judge(status, on_demand=self.on_demand)
            self.last = verdict
            changed = self.report(status, verdict)
            if verdict.state != "pending" or verdict.follow:
                return verdict
            if self.channel is not None and any(isinstance(n, Wake) for n in self.channel.interest.learn(status)):
                continue  # a final gitops status came before the read that named the commit: read again
            elapsed = self.deadline.elapsed()
            if changed:
                last_progress = elapsed
            elif elapsed - last_progress >= PROGRESS_EVERY:
                log.info(
                    "gimlet_ci.waiting",
                    what=self.what,
                    status=status.status or "new",
                    elapsed=_elapsed(elapsed),
                    pending=sum(1 for d in verdict.deploys if d.status == "pending"),
                )
                last_progress = elapsed
            if self.channel is not None and self.channel.healthy:
                paced_by_channel = True
                next_poll = elapsed + self.channel.policy.safety
            elif paced_by_channel:  # back to polling: the schedule's next point from now on
                paced_by_channel = False
                while point <= elapsed:
                    step = next(intervals)
                    if step <= 0:  # the test mode's schedule: no interval at all
                        point = elapsed
                        break
                    point += step
                next_poll = point
            else:
                # Polls keep to the schedule's points in time: the time a request takes does not push later polls
                # back.
                point += next(intervals)
                next_poll = max(point, elapsed)
            self._pause(next_poll)

    def _pause(self, until: float) -> None:
        """Wait until *until* (seconds since the start), or less when a push message wakes the wait."""
        doing = f"waiting for {self.what}"
        channel = self.channel
        while True:
            remaining = until - self.deadline.elapsed()
            if channel is not None and channel.listening:
                # Also when no time is left: a due reconnect happens, and queued messages are read.
                healthy = channel.healthy
                notes = channel.wait(max(0.0, min(remaining, self.deadline.remaining())))
                self.deadline.check(doing)
                self.show(notes)
                if any(isinstance(n, Wake) for n in notes) or healthy != channel.healthy or remaining <= 0:
                    return
                continue
            if remaining <= 0:
                self.deadline.check(doing)
                return
            self.deadline.sleep(remaining, doing)
            return

    def show(self, notes: list[Note]) -> None:
        """Report what push messages said, where they change no verdict (a read reports the rest)."""
        elapsed = _elapsed(self.deadline.elapsed())
        for note in notes:
            if isinstance(note, Processed) and self.status != note.status:
                self.status = note.status
                log.info(
                    "gimlet_ci.event_status", what=self.what, status=note.status, description=None, elapsed=elapsed
                )
            elif isinstance(note, Progress):
                key = (note.app or "", note.env or "")
                if self._seen.get(key) == ("pending", note.status):
                    continue
                self._seen[key] = ("pending", note.status)
                log.info(
                    "gimlet_ci.deploy_status",
                    app=note.app,
                    env=note.env,
                    status="pending",
                    gitops_hash=note.sha,
                    gitops_status=note.status,
                    message=note.description,
                    elapsed=elapsed,
                )

    def report(self, status: TrackStatus, verdict: Verdict) -> bool:
        """Log what changed since the last poll (everything, the first time); whether anything did."""
        changed = False
        elapsed = _elapsed(self.deadline.elapsed())
        if status.status != self.status:
            self.status = status.status
            changed = True
            log.info(
                "gimlet_ci.event_status",
                what=self.what,
                status=status.status or "new",
                description=status.status_desc or None,
                elapsed=elapsed,
            )
        for deploy in verdict.deploys:
            key = (deploy.app or "", deploy.env or "")
            state = (deploy.status, deploy.gitops_status)
            if self._seen.get(key) != state:
                self._seen[key] = state
                changed = True
                log.info(
                    "gimlet_ci.deploy_status",
                    app=deploy.app,
                    env=deploy.env,
                    status=deploy.status,
                    gitops_hash=deploy.gitops_hash,
                    gitops_status=deploy.gitops_status,
                    message=deploy.message,
                    elapsed=elapsed,
                )
        return changed


def _fail(verdict: Verdict, outcome: Outcome) -> GimletCIError:
    """The error for a failed verdict, carrying the *outcome* with the deploys as Gimlet reported them."""
    failed = [d for d in verdict.deploys if d.status == "failed"]
    message = verdict.message or "Gimlet reported a failure"
    tip: str | None = None
    error_type: type[GimletCIError]
    if verdict.no_match or verdict.no_commit:
        error_type = NoManifestMatchedError
        tip = (
            "check --env / GIMLET_ENV and --app / GIMLET_APP against the manifests' env and app (`gimlet-ci explain` "
            "lists them)"
            if verdict.no_match
            else "this artifact may be deployed there already; ship a new commit, or roll back first"
        )
    elif failed:
        error_type, message = DeployFailedError, f"deploy failed: {describe(failed[0])}"
    else:
        error_type, message = ProcessingError, f"Gimlet could not process it: {message}"
    failure = attrs.evolve(outcome, status="failed", deploys=verdict.deploys, message=message)
    return error_type(message, tip=tip, outcome=failure)


def _timeout(error: DeadlineExceeded, watcher: _Watcher, outcome: Outcome) -> DeadlineExceeded:
    """*error* told with the last status of what was still pending, carrying the *outcome* so far."""
    deploys = watcher.last.deploys if watcher.last else ()
    pending = [d for d in deploys if d.status == "pending"]
    detail = "; ".join(f"{d.app} -> {d.env}: {d.gitops_status or 'no gitops status yet'}" for d in pending)
    if watcher.last is None or watcher.status in (None, "new"):
        detail = detail or f"{watcher.what} was not processed yet"
    message = f"{error.message}; last status: {detail}" if detail else error.message
    timeout = attrs.evolve(outcome, status="timeout", deploys=deploys, message=message)
    return DeadlineExceeded(message, tip=error.tip, outcome=timeout)


def watch(
    fetch: Callable[[], TrackStatus],
    *,
    what: str,
    on_demand: bool,
    deadline: Deadline,
    schedule: PollSchedule,
    outcome: Outcome,
    refetch: Callable[[str], Callable[[], TrackStatus]] | None = None,
    channel: Channel | None = None,
) -> Verdict:
    """Wait for a verdict on one event (following an image build to its deploy); raise on failure or deadline."""
    watcher = _Watcher(
        fetch=fetch, what=what, on_demand=on_demand, deadline=deadline, schedule=schedule, channel=channel
    )
    while True:
        try:
            verdict = watcher.run()
        except DeadlineExceeded as e:
            raise _timeout(e, watcher, outcome) from e
        if verdict.follow and refetch is not None:
            log.info("gimlet_ci.image_built", release_id=verdict.follow)
            if channel is not None:
                channel.interest.follow_event(verdict.follow)
            watcher = _Watcher(
                fetch=refetch(verdict.follow),
                what=what,
                on_demand=on_demand,
                deadline=deadline,
                schedule=schedule,
                channel=channel,
            )
            continue
        if verdict.state == "failed":
            raise _fail(verdict, outcome)
        return verdict


def ship(
    prepared: Prepared,
    settings: Settings,
    *,
    client: GimletClient,
    schedule: PollSchedule | None = None,
) -> Outcome:
    """Post the artifact; then, by the mode, wait for its deploys or release it on demand and track that."""
    settings.check_mode()
    schedule = schedule or default_schedule()
    artifact = prepared.artifact
    waits = settings.wait or settings.deploy
    if not settings.push:
        client.push = False
    unsent = Outcome(repository=artifact.version.repository_name, sha=artifact.version.sha, notes=prepared.notes)
    try:
        with _reported(unsent), _listening(client, enabled=waits) as channel:
            stored = client.post_artifact(artifact, body=prepared.body)
            if channel is not None:
                channel.interest.follow_artifact(artifact.version.sha, stored.created)
            outcome = _shipped(
                client, stored=stored, settings=settings, schedule=schedule, channel=channel, artifact=artifact
            )
    except GimletCIError as e:
        if e.outcome is None:
            raise
        located = attrs.evolve(
            e.outcome, deploys=with_addresses(e.outcome.deploys, prepared.addresses), notes=prepared.notes
        )
        raise e.carrying(outcome=located) from e
    return attrs.evolve(outcome, deploys=with_addresses(outcome.deploys, prepared.addresses), notes=prepared.notes)


@contextlib.contextmanager
def _listening(client: GimletClient, *, enabled: bool) -> Iterator[Channel | None]:
    """The push channel for one wait, opened before the request it follows (Gimlet has no replay)."""
    if not enabled or not client.push:
        yield None
        return
    channel = Channel(client.http, default_push(), deadline=client.deadline)
    channel.open()
    try:
        yield channel
    finally:
        log.debug("gimlet_ci.push_closed", messages=channel.messages, wakes=channel.wakes)
        channel.close()


def _shipped(
    client: GimletClient,
    *,
    stored: Artifact,
    settings: Settings,
    schedule: PollSchedule,
    channel: Channel | None,
    artifact: Artifact,
) -> Outcome:
    outcome = Outcome(
        artifact_id=stored.id,
        status="shipped",
        repository=artifact.version.repository_name,
        sha=artifact.version.sha,
    )
    # Cancelled before the on-demand release is made, the resume is the `deploy` that makes it; once made, tracking
    # the release (`_reported` inside says so first).
    resume = _deploy_command(stored.id, settings.env, settings.app) if settings.deploy and settings.env else None
    with _reported(outcome), _resumed_by(resume):
        log.info(
            "gimlet_ci.artifact_shipped",
            artifact_id=stored.id,
            repository=outcome.repository,
            sha=outcome.sha,
        )
        if not settings.wait and not settings.deploy:
            return outcome
        return _after_shipping(
            client, stored=stored, settings=settings, schedule=schedule, outcome=outcome, channel=channel
        )


def _after_shipping(
    client: GimletClient,
    *,
    stored: Artifact,
    settings: Settings,
    schedule: PollSchedule,
    outcome: Outcome,
    channel: Channel | None,
) -> Outcome:
    deadline = client.deadline
    artifact_id = stored.id
    if settings.deploy:
        assert settings.env is not None  # noqa: S101 - load_settings guarantees it
        _wait_processed(client, artifact_id, deadline=deadline, schedule=schedule, outcome=outcome, channel=channel)
        return release(
            client,
            artifact_id=artifact_id,
            env=settings.env,
            app=settings.app,
            schedule=schedule,
            outcome=outcome,
            channel=channel,
        )
    verdict = watch(
        _follower(client, artifact_id, stored, channel),
        what="the artifact",
        on_demand=False,
        deadline=deadline,
        schedule=schedule,
        outcome=outcome,
        channel=channel,
    )
    if verdict.no_match:
        log.info("gimlet_ci.no_policy_fired", artifact_id=artifact_id)
    return attrs.evolve(outcome, status="succeeded", deploys=verdict.deploys)


@contextlib.contextmanager
def _reported(outcome: Outcome) -> Iterator[None]:
    """An error that carries no outcome yet is raised again carrying the *outcome* so far (status ``error``), so that
    ids already made reach ``--output json`` and the platform's outputs; a cancellation likewise (status
    ``cancelled``), with the command that resumes the wait."""
    try:
        yield
    except GimletCIError as e:
        if e.outcome is not None:
            raise
        raise e.carrying(outcome=attrs.evolve(outcome, status="error", message=e.message)) from e
    except Cancelled as e:
        if e.outcome is not None:
            raise
        message = f"cancelled by {e.signal_name}"
        raise e.carrying(
            outcome=attrs.evolve(outcome, status="cancelled", message=message), resume=_track_command(outcome)
        ) from e


def _track_command(outcome: Outcome) -> str | None:
    """The command that picks up the wait for what *outcome* knows: its release, else its artifact."""
    if outcome.release_id:
        return f"gimlet-ci track --release {_quoted(outcome.release_id)} --wait"
    if outcome.artifact_id:
        return f"gimlet-ci track {_quoted(outcome.artifact_id)} --wait"
    return None


def _target(env: str, app: str | None) -> str:
    """``--env ENV [--app APP]``, quoted for a shell."""
    return f"--env {_quoted(env)}" + (f" --app {_quoted(app)}" if app else "")


def _deploy_command(artifact_id: str, env: str, app: str | None) -> str:
    """The command that makes the on-demand release a cancelled ship did not make yet."""
    return f"gimlet-ci deploy --artifact {_quoted(artifact_id)} {_target(env, app)}"


def _checked_deploy_command(artifact_id: str, env: str, app: str | None) -> str:
    """The `deploy` a cancellation during the release request resumes with, after a look at what Gimlet queued."""
    return (
        f"{_deploy_command(artifact_id, env, app)}  # only if `gimlet-ci releases {_target(env, app)}`"
        " lists no release of it: the request was on its way when the run was cancelled"
    )


def _quoted(text: str) -> str:
    import shlex  # noqa: PLC0415 - only for a cancellation's resume line

    return shlex.quote(text)


@contextlib.contextmanager
def _resumed_by(command: str | None) -> Iterator[None]:
    """A cancellation inside is resumed by *command* (the on-demand release not made yet), not by tracking."""
    try:
        yield
    except Cancelled as e:
        if command is None:
            raise
        raise e.carrying(resume=command) from e


def _follower(
    client: GimletClient, artifact_id: str, stored: Artifact | None, channel: Channel | None
) -> Callable[[], TrackStatus]:
    """Artifact tracking that follows in-cluster image builds to their deploys (`gimlet_ci._follow`)."""
    from gimlet_ci._follow import ArtifactFollower  # noqa: PLC0415

    follower = ArtifactFollower(
        client=client,
        artifact_id=artifact_id,
        on_build=channel.interest.follow_event if channel is not None else None,
    )
    if stored is not None and stored.version.sha:
        follower.repository, follower.sha, follower.created = (
            stored.version.repository_name,
            stored.version.sha,
            stored.created,
        )
    return follower


def _wait_processed(
    client: GimletClient,
    artifact_id: str,
    *,
    deadline: Deadline,
    schedule: PollSchedule,
    outcome: Outcome,
    channel: Channel | None = None,
) -> Verdict:
    """On-demand mode, before the release: wait until Gimlet has processed the artifact and every automated deploy
    it triggered is reconciled, judged as in automated mode (a failed one fails the run, as the official action's
    wait before ``release make`` did)."""
    return watch(
        lambda: client.track_artifact(artifact_id),
        what="the artifact",
        on_demand=False,
        deadline=deadline,
        schedule=schedule,
        outcome=outcome,
        channel=channel,
    )


def release(
    client: GimletClient,
    *,
    artifact_id: str,
    env: str,
    app: str | None,
    schedule: PollSchedule | None = None,
    outcome: Outcome | None = None,
    wait: bool = True,
    channel: Channel | None = None,
) -> Outcome:
    """Make an on-demand release of a shipped artifact and track it to the end."""
    opened = channel is None and wait
    with _listening(client, enabled=True) if opened else contextlib.nullcontext(channel) as listening:
        return _release(
            client,
            artifact_id=artifact_id,
            env=env,
            app=app,
            schedule=schedule,
            outcome=outcome,
            wait=wait,
            channel=listening,
        )


def _release(
    client: GimletClient,
    *,
    artifact_id: str,
    env: str,
    app: str | None,
    schedule: PollSchedule | None,
    outcome: Outcome | None,
    wait: bool,
    channel: Channel | None,
) -> Outcome:
    outcome = outcome or Outcome(artifact_id=artifact_id)
    # Cancelled while the release request is out, Gimlet may have queued it: deploying again could queue a second.
    with _reported(outcome), _resumed_by(_checked_deploy_command(artifact_id, env, app)):
        ticket = client.make_release(ReleaseRequest(env=env, app=app or "", artifact_id=artifact_id))
    outcome = attrs.evolve(outcome, release_id=ticket.id, status="shipped")
    with _reported(outcome):  # from here on, a cancellation resumes by tracking the release
        log.info("gimlet_ci.release_made", release_id=ticket.id, env=env, app=app, artifact_id=artifact_id)
        if not wait:
            return outcome
        return _ticket_waited(
            client, ticket.id, what="the release", on_demand=True, outcome=outcome, channel=channel, schedule=schedule
        )


def rollback(
    client: GimletClient,
    *,
    env: str,
    app: str,
    sha: str,
    wait: bool,
    schedule: PollSchedule | None = None,
) -> Outcome:
    """Roll *app* in *env* back to gitops commit *sha*; with *wait*, track it like a release."""
    with _listening(client, enabled=wait) as channel:
        ticket = client.rollback(env=env, app=app, sha=sha)
        outcome = Outcome(release_id=ticket.id, status="shipped")
        with _reported(outcome):
            log.info("gimlet_ci.rollback_made", release_id=ticket.id, env=env, app=app, sha=sha)
            if not wait:
                return outcome
            return _ticket_waited(
                client,
                ticket.id,
                what="the rollback",
                on_demand=False,
                outcome=outcome,
                channel=channel,
                schedule=schedule,
            )


def _ticket_waited(
    client: GimletClient,
    ticket_id: str,
    *,
    what: str,
    on_demand: bool,
    outcome: Outcome,
    channel: Channel | None,
    schedule: PollSchedule | None = None,
) -> Outcome:
    """Track a queued release or rollback to its verdict, woken by the push channel's messages about it."""
    if channel is not None:
        channel.interest.follow_event(ticket_id)
    return _waited(
        client,
        lambda: client.track_release(ticket_id),
        what=what,
        on_demand=on_demand,
        schedule=schedule or default_schedule(),
        outcome=outcome,
        channel=channel,
    )


def track(
    client: GimletClient,
    *,
    artifact_id: str | None = None,
    release_id: str | None = None,
    wait: bool,
    schedule: PollSchedule | None = None,
) -> Outcome:
    """One status read of an artifact or release, or with *wait* until Gimlet reaches a verdict."""
    if release_id is not None:
        outcome = Outcome(release_id=release_id, artifact_id=artifact_id)

        def fetch() -> TrackStatus:
            return client.track_release(release_id)

        on_demand, what = True, "the release"
    else:
        assert artifact_id is not None  # noqa: S101
        outcome = Outcome(artifact_id=artifact_id)

        fetch = _follower(client, artifact_id, None, None)
        on_demand, what = False, "the artifact"
    schedule = schedule or default_schedule()
    if wait:
        with _listening(client, enabled=True) as channel:
            if channel is not None:
                if release_id is not None:
                    channel.interest.follow_event(release_id)
                else:
                    fetch = _follower(client, artifact_id or "", None, channel)
            return _waited(
                client, fetch, what=what, on_demand=on_demand, schedule=schedule, outcome=outcome, channel=channel
            )
    with _reported(outcome):
        status = fetch()
    verdict = judge(status, on_demand=on_demand)
    _Watcher(fetch=fetch, what=what, on_demand=on_demand, deadline=client.deadline, schedule=schedule).report(
        status, verdict
    )
    if verdict.state == "failed":
        raise _fail(verdict, outcome)
    state: OutcomeStatus = "succeeded" if verdict.state == "done" else "shipped"
    return attrs.evolve(outcome, status=state, deploys=verdict.deploys, message=verdict.message)


def _waited(
    client: GimletClient,
    fetch: Callable[[], TrackStatus],
    *,
    what: str,
    on_demand: bool,
    schedule: PollSchedule,
    outcome: Outcome,
    channel: Channel | None = None,
) -> Outcome:
    """Watch a release, rollback or artifact to its verdict (following image builds); the outcome it reached."""
    with _reported(outcome):
        verdict = watch(
            fetch,
            what=what,
            on_demand=on_demand,
            deadline=client.deadline,
            schedule=schedule,
            outcome=outcome,
            refetch=lambda rid: lambda: client.track_release(rid),
            channel=channel,
        )
    return attrs.evolve(outcome, status="succeeded", deploys=verdict.deploys)


__all__ = ["DeployOutcome", "Prepared", "prepare", "release", "rollback", "ship", "track", "watch"]
