"""Stage lines with timings for the long steps (training, the demo).

A step that takes minutes says what it is doing as it goes: each stage is one line,
``[  42.1 s] train: cross-validating fold 3/5``, the time counted from the start of the
step, so the time each stage took is the difference to the next line. The CLI writes
these lines to stderr (stdout keeps the results, and ``--json`` stays one object); the
Airflow tasks write them to the task log.

Code that does the work takes a plain ``progress: Callable[[str], None] | None`` and
calls it with the name of each stage it starts; :class:`Stages` adds the timings.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[str], None]


def quiet(_stage: str) -> None:
    """A progress callback that says nothing."""


def to_stderr(line: str) -> None:
    """Write one progress line to stderr at once (not buffered behind stdout)."""
    print(line, file=sys.stderr, flush=True)


class Stages:
    """A progress callback that writes each stage with the time since the start.

    ``Stages("train")("fitting the final model")`` writes
    ``[   0.0 s] train: fitting the final model``; :meth:`done` writes the total.
    """

    def __init__(
        self,
        step: str,
        write: Callable[[str], None] = to_stderr,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.step = step
        self.write = write
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        """Seconds since the step started."""
        return self.clock() - self.started

    def __call__(self, stage: str) -> None:
        self.write(f"[{self.elapsed():6.1f} s] {self.step}: {stage}")

    def done(self, what: str = "done") -> float:
        """Write the closing line (``done in 12.3 s``); returns the seconds taken."""
        seconds = self.elapsed()
        self.write(f"[{seconds:6.1f} s] {self.step}: {what} in {seconds:.1f} s")
        return seconds
