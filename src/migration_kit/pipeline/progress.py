"""Progress of a step on stderr: one line per stage with counts and elapsed seconds.

A line names the step, the stage (a source name or a stage of the step), how many rows it
handled and its seconds, never a value: ``clean: pos 467,364 rows in 7.2 s (8.0 s)``, the
figure in brackets being the step's time so far. Nothing is printed unless asked:
``migration-kit dedupe`` and ``migration-kit rehearsal`` ask (``open_run(progress=True)``), and
the environment variable ``MIGRATION_KIT_PROGRESS=1`` asks anywhere else, the notebooks
included (there the lines land in the cell's stderr output, which nbval does not compare; the
committed notebooks are executed without it, so they carry none).

Example
-------
>>> import io
>>> out = io.StringIO()
>>> p = Progress("clean", enabled=True, stream=out, clock=iter([0.0, 1.5, 2.5]).__next__)
>>> p.done("pos", 1000)
>>> p.finish(1000)
>>> print(out.getvalue(), end="")
clean: pos 1,000 rows in 1.5 s (1.5 s)
clean: 1,000 rows in 2.5 s
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["PROGRESS_ENV", "PROGRESS_LINE", "Progress", "ProgressEcho", "progress_wanted"]

#: The environment variable that turns progress lines on (``1``, ``true``, ``yes``).
PROGRESS_ENV = "MIGRATION_KIT_PROGRESS"
#: A progress line: a step's (:class:`Progress`) or a linkage stage's (``linkage: em ...``).
PROGRESS_LINE = re.compile(
    r"^(?:backup|intake|clean|link|linkage|scope|quality|handover|report): [^\n]*$"
)


def progress_wanted(asked: bool = False) -> bool:
    """Whether progress lines are printed: ``asked`` (the run's ``progress``), else the
    environment variable :data:`PROGRESS_ENV`.

    Example
    -------
    >>> progress_wanted(True)
    True
    """
    if asked:
        return True
    return os.environ.get(PROGRESS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class Progress:
    """The progress lines of one step (see the module docstring).

    Parameters
    ----------
    step : str
        The step's name, first on every line.
    enabled : bool
        Print the lines (see :func:`progress_wanted`); when False every call is a no-op.
    stream : text stream, optional
        Where lines go; default ``sys.stderr`` at the time of each line.
    clock : callable, optional
        Seconds (default :func:`time.perf_counter`).

    Example
    -------
    >>> Progress("intake", enabled=False).done("pos", 10)   # prints nothing
    """

    def __init__(
        self,
        step: str,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.step, self.enabled, self._stream, self._clock = step, enabled, stream, clock
        self._start = clock() if enabled else 0.0
        self._last = self._start

    def _line(self, text: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        print(f"{self.step}: {text}", file=stream, flush=True)

    def start(self, what: str) -> None:
        """``step: what ...``, before a stage whose end is reported by :meth:`done`.

        Example
        -------
        >>> Progress("link", enabled=False).start("golden records")
        """
        if self.enabled:
            self._line(f"{what} ...")

    def done(self, what: str, rows: int | None = None, unit: str = "rows") -> None:
        """``step: what N rows in S s (T s)``: a stage finished (S since the last line, T since
        the step began).

        Example
        -------
        >>> Progress("clean", enabled=False).done("web", 20)
        """
        if not self.enabled:
            return
        now = self._clock()
        count = f" {rows:,} {unit}" if rows is not None else ""
        self._line(f"{what}{count} in {now - self._last:.1f} s ({now - self._start:.1f} s)")
        self._last = now

    def finish(self, rows: int | None = None, unit: str = "rows") -> None:
        """``step: N rows in T s``: the whole step.

        Example
        -------
        >>> Progress("scope", enabled=False).finish(100)
        """
        if not self.enabled:
            return
        now = self._clock()
        count = f"{rows:,} {unit} " if rows is not None else ""
        self._line(f"{count}in {now - self._start:.1f} s")
        self._last = now


class ProgressEcho:
    """A text stream passing on only whole progress lines (:data:`PROGRESS_LINE`) to ``stream``
    (default ``sys.stderr``): ``migration-kit run`` hands it the notebooks' stderr, so the
    command line shows each stage while anything else a cell writes there (warnings) stays in
    the executed notebook.

    Example
    -------
    >>> import io
    >>> out = io.StringIO()
    >>> echo = ProgressEcho(out)
    >>> echo.write("clean: pos 10 rows in 0.1 s (0.1 s)\\nUserWarning: x\\nlink")
    55
    >>> echo.write(": 10 rows in 2.0 s\\n")
    19
    >>> print(out.getvalue(), end="")
    clean: pos 10 rows in 0.1 s (0.1 s)
    link: 10 rows in 2.0 s
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream, self._pending = stream, ""

    def write(self, text: str) -> int:
        """Buffer ``text``; pass on each complete progress line it ends."""
        *lines, self._pending = (self._pending + text).split("\n")
        stream = self._stream if self._stream is not None else sys.stderr
        for line in lines:
            line = line.rsplit("\r", 1)[-1]  # a progress bar redrawn on the line: its last state
            if PROGRESS_LINE.match(line):
                print(line, file=stream)
        return len(text)

    def flush(self) -> None:
        """Flush the stream lines go to."""
        (self._stream if self._stream is not None else sys.stderr).flush()
