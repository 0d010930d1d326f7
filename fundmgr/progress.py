"""A background job's ``progress(done, total)``, passed on sparingly: the row
that a progress bar reads is written a few dozen times, not once per row
(``SparseProgress``), through its own connection on PostgreSQL so the page
sees it move during the work's transaction (``RowProgress``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

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


class RowProgress:
    """A background job's ``progress(done, total)``, written sparingly to the
    job's row (``progress_done``, ``progress_total``), which its page reads.

    The work may save in one transaction (an importer does); a count written
    inside it would only show when it commits. So on PostgreSQL the count goes
    through a connection of its own, committed at once, and the page sees it
    move. Not when the job runs inside an outer transaction (the immediate
    task backend, a test): the row may be invisible to, or locked against,
    another connection. SQLite allows one writer: there a count written inside
    the work's transaction shows when it commits. ``close()`` when done."""

    def __init__(self, model, job_id: int, every: int = EVERY_ROWS):
        self.model = model
        self.job_id = job_id
        self.sparse = SparseProgress(self._write, every)
        self.own = None
        main = connections[DEFAULT_DB_ALIAS]
        if main.vendor == "postgresql" and not main.in_atomic_block:
            self.own = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, total: int) -> None:
        self.sparse(done, total)

    def _write(self, done: int, total: int) -> None:
        if self.own is not None:
            try:
                quote = self.own.ops.quote_name
                meta = self.model._meta
                column = {
                    f: quote(meta.get_field(f).column) for f in ("progress_done", "progress_total")
                }
                with self.own.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {quote(meta.db_table)} SET {column['progress_done']} = %s, "  # noqa: S608
                        f"{column['progress_total']} = %s WHERE {quote(meta.pk.column)} = %s",
                        [done, total, self.job_id],
                    )
                return
            except DatabaseError:
                logger.warning(
                    "%s %s: progress through the main connection",
                    self.model._meta.model_name,
                    self.job_id,
                )
                self.close()
        self.model.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total)

    def close(self) -> None:
        if self.own is not None:
            self.own.close()
            self.own = None
