"""The rate-limit wait shared by the progress displays of ``collect`` and ``score``."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Console
from rich.progress import Progress, TaskID

from collectors.base import duration_text


class WaitCountdown:
    """A wait counting down as a task of ``_wait_bars`` on a terminal; elsewhere one line per wait.

    Subclasses set ``console``, ``live`` and ``_wait_bars`` (their rich ``Progress``) and may set
    ``WAIT_STYLE`` (markup before the text) and ``WAIT_FIELDS`` (fields their columns read).
    """

    WAIT_STYLE: ClassVar[str] = ""
    WAIT_FIELDS: ClassVar[dict[str, Any]] = {}
    console: Console
    live: bool
    _wait_bars: Progress
    _wait: TaskID | None = None
    _waiting: str | None = None

    def wait(self, message: str, seconds_left: float) -> None:
        """Show a wait counting down (``seconds_left`` <= 0: the wait is over)."""
        if not self.live:
            if seconds_left > 0 and message != self._waiting:
                self.console.print(f"{message} ({duration_text(seconds_left)})", markup=False, highlight=False)
            self._waiting = message if seconds_left > 0 else None
            return
        if seconds_left <= 0:
            if self._wait is not None:
                self._wait_bars.remove_task(self._wait)
                self._wait = None
            return
        text = f"{self.WAIT_STYLE}{message}: {duration_text(seconds_left)} left"
        if self._wait is None:
            self._wait = self._wait_bars.add_task(text, total=None, **self.WAIT_FIELDS)
        else:
            self._wait_bars.update(self._wait, description=text)
