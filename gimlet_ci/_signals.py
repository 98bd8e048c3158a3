"""A CI's cancel: SIGINT, SIGTERM and SIGHUP become `Cancelled` in the main thread while a command runs."""

from __future__ import annotations


class Signals:
    """SIGINT, SIGTERM and SIGHUP (a CI's cancel) raise `Cancelled` in the main thread while the command runs, once:
    a second signal, or one after the command ended, is ignored so that the outputs get written."""

    def __init__(self) -> None:
        self.previous: dict[int, object] = {}
        self.armed = False
        self.caught: int | None = None

    def arm(self) -> None:
        import signal  # noqa: PLC0415 - a built-in module; only commands need it

        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)  # Windows has no SIGHUP
            if number is None:
                continue
            try:
                self.previous[number] = signal.signal(number, self._handle)
            except ValueError:  # not the main thread (main() called from a thread): signals are not ours
                return
        self.armed = True

    def disarm(self) -> None:
        self.armed = False

    def restore(self) -> None:
        import signal  # noqa: PLC0415

        self.armed = False
        for number, handler in self.previous.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(number, handler)  # type: ignore[arg-type]
        self.previous.clear()

    def _handle(self, number: int, frame: object) -> None:
        del frame
        if not self.armed or self.caught is not None:
            return
        self.caught = number
        import signal  # noqa: PLC0415

        from gimlet_ci.exceptions import Cancelled  # noqa: PLC0415

        raise Cancelled(signal.Signals(number).name, exit_code=128 + number)
