"""What adapters produce: the normalised CI context, the commit data a platform knows, and the platform outputs.

Each class declares its fields once, as annotated class attributes with their defaults and docstrings; keyword
construction, equality, hashing, the repr and `evolve` come from `_Value`. These few classes are plain Python rather
than attrs classes because ``gimlet-ci context`` must start in about twice the interpreter's own start-up time, and
importing attrs (or ``dataclasses``, or ``typing``) alone takes a good part of that. The type checker sees them as
frozen, keyword-only dataclasses (``dataclass_transform``), so a misspelt or mistyped field is an error there too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Literal

    from typing_extensions import Self, dataclass_transform

    Event = Literal["push", "pr", "tag"]
else:
    Event = str

    def dataclass_transform(**_: object) -> Callable[[type], type]:
        """At run time a no-op: the checker reads the real one."""
        return lambda cls: cls


ReadFile = Callable[[str], bytes]
"""Reads a path to bytes (GitHub's event payload); may raise ``OSError``."""
InputValue = tuple[str, str]
"""(the variable it came from, its raw value)."""


@dataclass_transform(kw_only_default=True, frozen_default=True)
class _Value:
    """An immutable value object: keyword construction with defaults, equality, a hash, a repr and `evolve`.

    A subclass lists its fields as annotated class attributes, in order; a field without a value is required.
    ``__post_init__`` may normalise values after construction (with ``object.__setattr__``).
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    """The field names in declaration order, read from the subclass's annotations."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._fields = tuple(cls.__annotations__)

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        unknown = set(values) - set(self._fields)
        if unknown:
            msg = f"{cls.__name__}() got unexpected field(s) {', '.join(sorted(unknown))}"
            raise TypeError(msg)
        missing = [name for name in self._fields if name not in values and not hasattr(cls, name)]
        if missing:
            msg = f"{cls.__name__}() is missing the field(s) {', '.join(missing)}"
            raise TypeError(msg)
        for name in self._fields:
            object.__setattr__(self, name, values[name] if name in values else getattr(cls, name))
        self.__post_init__()

    def __post_init__(self) -> None:
        """Normalise fields after construction; nothing by default."""

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable: use .evolve({name}=...)"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = f"{type(self).__name__} is immutable"
        raise AttributeError(msg)

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict, in declaration order (values as they are)."""
        return {name: getattr(self, name) for name in self._fields}

    def evolve(self, **changes: Any) -> Self:
        """A copy with *changes* applied."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            msg = f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}"
            raise TypeError(msg)
        return type(self)(**{**self.as_dict(), **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v for v in self.as_dict().values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.as_dict().items())
        return f"{type(self).__name__}({fields})"


class CommitInfo(_Value):
    """Commit metadata a platform knows without git (used when the commit is not in the clone)."""

    message: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    committer_name: str | None = None
    committer_email: str | None = None
    created: int | None = None
    """Commit time, Unix seconds."""


class CIContext(_Value):
    """The normalised CI context of one run; ``None`` means the platform does not say."""

    platform: str
    """The adapter that read it: the ``--platform`` value."""
    repository: str | None = None
    """``owner/name`` slug (GitLab: may contain subgroups)."""
    owner: str | None = None
    sha: str | None = None
    """The commit the artifact describes: a PR's head, never a test-merge commit."""
    branch: str | None = None
    """The branch built; on PRs the head branch; never a ref, never a tag."""
    event: Event = "push"
    event_name: str | None = None
    """The platform's raw event name (``pull_request``, ``merge_request_event``, ...)."""
    tag: str | None = None
    source_branch: str | None = None
    target_branch: str | None = None
    pr_number: int | None = None
    url: str | None = None
    """The commit page, or the PR page for PRs."""
    ci_url: str | None = None
    """This run's page."""
    actor: str | None = None
    job: str | None = None
    vars: Mapping[str, str] = {}  # shared, but never handed out: __post_init__ copies it
    """Template variables the platform contributes: its own variables, secrets filtered, plus REPO, SHA, ..."""
    commit: CommitInfo | None = None
    """What the platform says of the commit, for when git cannot."""
    warnings: tuple[str, ...] = ()
    """Things the adapter could not read (a broken event file, say), for the log."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "vars", dict(self.vars))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def as_json(self) -> dict[str, object]:
        """The keys of ``gimlet-ci context --output json``."""
        data = self.as_dict()
        for name in ("vars", "commit", "warnings"):
            del data[name]
        return data


class PlatformOutputs(_Value):
    """What an adapter asks the CLI to write; computed purely, written by the CLI."""

    files: tuple[tuple[str, str], ...] = ()
    """(path, text to append) pairs, e.g. ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, ``$BASH_ENV``."""
    log_lines: tuple[str, ...] = ()
    """Lines for the CI log (stderr), e.g. ``::error::`` annotations."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", tuple(self.files))
        object.__setattr__(self, "log_lines", tuple(self.log_lines))
