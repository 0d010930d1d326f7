"""A background job's ``progress(done, total)``, passed on sparingly: the row
that a progress bar reads is written a few dozen times, not once per row."""

from __future__ import annotations

from collections.abc import Callable

#: Written at most every this many rows, or every hundredth of the total if more.
EVERY_ROWS = 500


class SparseProgress:
    """Calls ``write(done, total)`` when the total changes (a phase or sheet
    starts), when ``done`` reaches it, or when ``done`` has moved by a step
    since the last write; otherwise not. ``total`` 0 means not known yet
    (still counting). ``done`` is kept within ``total`` once that is known."""

    def __init__(self, write: Callable[[int, int], None], every: int = EVERY_ROWS):
        self.write = write
        self.every = every
        self.written: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        done, total = max(int(done), 0), max(int(total), 0)
        done = min(done, total) if total else done
        if self.written is not None:
            last_done, last_total = self.written
            step = max(self.every, total // 100)
            if total == last_total and done != total and abs(done - last_done) < step:
                return
        self.write(done, total)
        self.written = (done, total)
