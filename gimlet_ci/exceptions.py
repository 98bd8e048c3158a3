"""The gimlet-ci exception tree.

Every error a user can cause or meet is one of these; the CLI maps each branch to one exit code and prints its
message as one line (plus an optional tip). Messages never contain the token.

::

    GimletCIError
    ├── ConfigError                  exit 2: usage or configuration, raised before anything is sent
    │   ├── MissingSettingsError     every missing setting at once
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
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BadResponse",
    "CannotFollowError",
    "ConfigError",
    "DeadlineExceeded",
    "DeployFailedError",
    "GimletAPIError",
    "GimletCIError",
    "GimletFailure",
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
    """Root of every error gimlet-ci raises on purpose."""

    exit_code = 1
    tip: str | None = None
    outcome: object | None = None
    """What the command achieved before it failed (a `gimlet_ci.Outcome`), for ``--output json``."""

    def __init__(self, message: str, *, tip: str | None = None) -> None:
        super().__init__(message)
        if tip is not None:
            self.tip = tip

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigError(GimletCIError):
    """Raised for usage or configuration errors, before anything is sent."""

    exit_code = 2


class MissingSettingsError(ConfigError):
    """Raised once with every required setting that has no value."""

    def __init__(self, names: Sequence[str], *, tip: str | None = None) -> None:
        self.names = tuple(names)
        super().__init__(f"missing required setting(s): {', '.join(self.names)}", tip=tip)


class UnknownPlatformError(ConfigError):
    """Raised when `--platform` names no adapter."""


class ManifestError(ConfigError):
    """Raised when a `.gimlet/` file cannot be read or parsed."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class ManifestsRefused(ConfigError):
    """Raised when Gimlet's server would crash on the artifact, decode it with an error, or read a manifest
    differently from what its file says; `details` has one ``FILE:LINE: KEY: message`` line per problem."""

    def __init__(self, details: Sequence[str], *, tip: str | None = None) -> None:
        self.details = tuple(details)
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
    ) -> None:
        self.status = status
        self.url = url
        self.body = body
        super().__init__(message, tip=tip)


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
