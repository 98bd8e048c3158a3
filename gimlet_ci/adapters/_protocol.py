"""`Adapter`: what every platform module of ``gimlet_ci.adapters`` provides.

The type checker reads it wherever an adapter is passed around and checks each module against it in
``gimlet_ci.adapters.REGISTRY``. At run time it is imported only when asked for (``from gimlet_ci.adapters import
Adapter``), because ``typing`` costs ``gimlet-ci context`` more start-up time than it may take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gimlet_ci._models import Note, Outcome
    from gimlet_ci.adapters._context import CIContext, InputValue, PlatformOutputs, ReadFile


class Adapter(Protocol):
    """One CI platform: a module of pure functions of the environment, which never read ``os.environ``, start a
    process or touch the network (the CLI passes everything in and writes what they ask for).

    Every member is required. A platform with no input naming, outputs or start-up lines of its own says so with the
    empty defaults of ``gimlet_ci.adapters._common`` (``inputs = no_inputs``, ``outputs = no_outputs``,
    ``startup_lines = no_startup_lines``, ``annotate = no_annotations``), and one with no particular advice for
    missing credentials with
    ``MISSING_SECRETS_TIP = SET_SECRETS_TIP``.
    """

    NAME: str
    """The ``--platform`` value, and the module's name."""

    MISSING_SECRETS_TIP: str
    """The TIP line when ``GIMLET_SERVER`` or ``GIMLET_TOKEN`` is missing: where this platform keeps secrets, and
    which builds (forks, unprotected branches) it keeps them from."""

    def detect(self, env: Mapping[str, str]) -> bool:
        """Whether *env* is this platform's."""
        ...

    def context(self, env: Mapping[str, str], read_file: ReadFile) -> CIContext:
        """The normalised context of this run; *read_file* reads the platform's event file, if it has one."""
        ...

    def inputs(self, env: Mapping[str, str]) -> dict[str, InputValue]:
        """The platform's own input naming (``INPUT_*``, ``PLUGIN_*``, ``PARAM_*``, declared with each setting in
        ``gimlet_ci._settings``) by canonical setting name, each with the variable it came from."""
        ...

    def outputs(self, env: Mapping[str, str], outcome: Outcome) -> PlatformOutputs:
        """What to append to the platform's output files and print to its log once the command ended."""
        ...

    def annotate(self, env: Mapping[str, str], notes: Sequence[Note]) -> tuple[str, ...]:
        """Log lines that show manifest problems on the manifest's lines (GitHub's ``::error file=…,line=…::``);
        ``lint`` and ``ship`` print them."""
        ...

    def startup_lines(self, env: Mapping[str, str], secrets: Sequence[str]) -> tuple[str, ...]:
        """Lines to print before anything else (GitHub's ``::add-mask::`` for each secret)."""
        ...
