"""The gimlet-ci exception tree.

Every error a user can cause or meet is one of these; the CLI maps each branch to one exit code and prints its
message as one line (plus an optional tip). Messages never contain the token.

::

    GimletCIError
    ├── ConfigError                  exit 2: usage or configuration, raised before anything is sent
    │   ├── MissingSettingsError     every missing setting at once
    │   ├── InvalidSettingsError     every bad setting value at once (two or more; one is raised as itself)
    │   ├── UnknownPlatformError     --platform names no adapter, or no CI was detected where one is needed
    │   ├── ManifestError            a .gimlet/ file that cannot be read or parsed (file and line)
    │   └── ManifestsRefused         manifests Gimlet would crash on, decode with an error, or misread
    ├── GimletFailure                exit 1: Gimlet reported a failure
    │   ├── ProcessingError          the artifact or release event ended in `error`
    │   ├── DeployFailedError        a deploy result failed, or its gitops commit failed to reconcile
    │   └── NoManifestMatchedError   an on-demand deploy matched no manifest (or made no gitops commit)
    ├── DeadlineExceeded             exit 3: the command's one deadline passed
    └── GimletAPIError               exit 4: the server answered with an error, or not at all, after retries
        ├── Unauthorized             401/403
        ├── ServerUnreachable        connection refused, DNS, TLS, timeouts
        ├── BadResponse              a body that is not the JSON we expect
        └── CannotFollowError        Gimlet started an in-cluster image build that it offers no way to follow

    Cancelled                        exit 128 + the signal: SIGINT, SIGTERM or SIGHUP ended the run (a BaseException,
                                     as KeyboardInterrupt, so that no `except Exception` holds it up)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs `gimlet-ci context` start-up time it does not have
    from collections.abc import Sequence

    from typing_extensions import Self

    from gimlet_ci._models import Note, Outcome

__all__ = [
    "BadResponse",
    "Cancelled",
    "CannotFollowError",
    "ConfigError",
    "DeadlineExceeded",
    "DeployFailedError",
    "GimletAPIError",
    "GimletCIError",
    "GimletFailure",
    "InvalidSettingsError",
    "ManifestError",
    "ManifestsRefused",
    "MissingSettingsError",
    "NoManifestMatchedError",
    "ProcessingError",
    "ServerUnreachable",
    "Unauthorized",
    "UnknownPlatformError",
]


class GimletCIError(Exception):
    """Root of every error gimlet-ci raises on purpose.

    An error carries what it carries from the moment it is made: its message, a *tip* (what the user can do) and,
    once something was achieved, the *outcome* so far. It is never changed afterwards; code that knows more than the
    code that raised it raises `carrying`'s copy ``from`` it.
    """

    exit_code = 1

    def __init__(self, message: str, *, tip: str | None = None, outcome: Outcome | None = None) -> None:
        super().__init__(message)
        self.tip = tip
        """What the user can do about it: the CLI's ``TIP`` line."""
        self.outcome = outcome
        """What the command achieved before it failed, for ``--output json`` and the platform's outputs."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def carrying(self, *, tip: str | None = None, outcome: Outcome | None = None) -> Self:
        """A new error like this one, with *tip* and *outcome* where given; raise it ``from`` this one."""
        copy = type(self).__new__(type(self), *self.args)
        copy.__dict__.update(self.__dict__)
        if tip is not None:
            copy.tip = tip
        if outcome is not None:
            copy.outcome = outcome
        return copy


class ConfigError(GimletCIError):
    """Raised for usage or configuration errors, before anything is sent."""

    exit_code = 2


class MissingSettingsError(ConfigError):
    """Raised once with every required setting that has no value."""

    def __init__(self, names: Sequence[str], *, tip: str | None = None) -> None:
        self.names = tuple(names)
        super().__init__(f"missing required setting(s): {', '.join(self.names)}", tip=tip)


class InvalidSettingsError(ConfigError):
    """Raised once with every bad value when two or more settings have one; `errors` holds one `ConfigError` per
    value, each naming the option or variable it came from (a single bad value is raised as its own error)."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = tuple(errors)
        tips = [error.tip for error in self.errors if error.tip]
        super().__init__(
            f"{len(self.errors)} bad settings: " + "; ".join(error.message for error in self.errors),
            tip="; ".join(dict.fromkeys(tips)) or None,
        )


class UnknownPlatformError(ConfigError):
    """Raised when `--platform` names no adapter."""


class ManifestError(ConfigError):
    """Raised when a `.gimlet/` file cannot be read or parsed."""

    def __init__(self, message: str, *, file: str, line: int | None = None, tip: str | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}", tip=tip)


class ManifestsRefused(ConfigError):
    """Raised when Gimlet's server would crash on the artifact, decode it with an error, or read a manifest
    differently from what its file says; `details` has one ``FILE:LINE: KEY: message`` line per problem."""

    def __init__(self, details: Sequence[str], *, tip: str | None = None, notes: Sequence[Note] = ()) -> None:
        self.details = tuple(details)
        self.notes = tuple(notes)
        """The same problems with their file and line, for annotations on the manifest lines."""
        count = len(self.details)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"Gimlet would crash on, or misread, these manifests ({count} {noun} above); nothing was sent",
            tip=tip,
        )


class GimletFailure(GimletCIError):
    """Raised when Gimlet itself reports a failure."""

    exit_code = 1


class ProcessingError(GimletFailure):
    """Raised when an artifact or release event ends with status `error`."""


class DeployFailedError(GimletFailure):
    """Raised when a deploy result failed or its gitops commit did not reconcile."""


class NoManifestMatchedError(GimletFailure):
    """Raised when an on-demand deploy matched no manifest or generated no gitops commit."""


class DeadlineExceeded(GimletCIError):
    """Raised when the command's single deadline passes while waiting.

    Retries that the deadline cuts short end with the server's error instead (`GimletAPIError`, exit 4).
    """

    exit_code = 3


class GimletAPIError(GimletCIError):
    """Raised when the server answered with an error status, after retries."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str | None = None,
        body: str | None = None,
        tip: str | None = None,
        outcome: Outcome | None = None,
    ) -> None:
        self.status = status
        self.url = url
        self.body = body
        super().__init__(message, tip=tip, outcome=outcome)


class Unauthorized(GimletAPIError):
    """Raised on 401 or 403: the token is missing, wrong, or lacks rights."""


class ServerUnreachable(GimletAPIError):
    """Raised when no HTTP answer came back: refused, DNS, TLS, or timed out."""


class BadResponse(GimletAPIError):
    """Raised when the server's body is not the JSON we expect."""


class CannotFollowError(GimletAPIError):
    """Raised when an artifact's policy started an in-cluster image build that this Gimlet offers no way to follow.

    Artifact tracking hides the build's id; only the commit's events (Gimlet v0.26 and later) name it. Without them
    the deploy cannot be seen reconciled, so the run must not pass: exit 4, the server cannot answer what the wait
    needs, as with a server that has no tracking at all.
    """


class Cancelled(BaseException):
    """Raised in the main thread when a signal (SIGINT, SIGTERM, SIGHUP: a CI's cancel) ends the run.

    Like `GimletCIError` it carries the *outcome* so far, so that ids already made reach ``--output json`` and the
    platform's outputs, and *resume*: the command that picks up where the run stopped.
    """

    def __init__(
        self, signal_name: str, *, exit_code: int, outcome: Outcome | None = None, resume: str | None = None
    ) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        """``SIGTERM``."""
        self.exit_code = exit_code
        """128 + the signal's number, as a shell reports a process the signal ended: 130, 143 or 129."""
        self.outcome = outcome
        self.resume = resume

    def carrying(self, *, outcome: Outcome | None = None, resume: str | None = None) -> Cancelled:
        """A copy with *outcome* and *resume* where given (and not known yet)."""
        return Cancelled(
            self.signal_name,
            exit_code=self.exit_code,
            outcome=self.outcome or outcome,
            resume=self.resume or resume,
        )
