"""Log lines and error reports (docs/deploy.md, "Logs and errors").

- ``JsonFormatter``: production's format (``LOG_FORMAT=json``), one JSON object
  per line: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``,
  ``request_id``, ``user`` (a user id or "anonymous"; both null outside a
  request), ``task_id`` in a background task, ``exception`` when there is one,
  and what the caller added (Django's ``status_code``).
- ``TextFormatter``: development's readable line, the same fields.
- ``ErrorReportHandler``: Django's ``mail_admins`` handler, except that the
  report is written to the outbox (``fundmgr.services.mail``) and sent by a
  task, as every e-mail here: never from inside the request.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import socket
import time
import traceback
from contextvars import ContextVar
from email.utils import parseaddr

from django.conf import settings
from django.utils.log import AdminEmailHandler
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from fundmgr import request_id

#: Where the handler says a report could not be queued (WARNING: below the
#: handler's own level, so this never loops back into it).
fallback = logging.getLogger("fundmgr.error_reports")


def _utc(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(_JsonFormatter):
    FIELDS = ["levelname", "name", "message", "request_id", "user"]

    def __init__(self) -> None:
        super().__init__(
            self.FIELDS,
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            # ``request`` (django.request, django.server): its repr holds the
            # query string, which may carry a token; the path is enough.
            reserved_attrs=[*RESERVED_ATTRS, "request", "server_time", "task_id"],
        )

    def add_fields(self, log_data, record, message_dict) -> None:
        log_data["time"] = _utc(record)
        super().add_fields(log_data, record, message_dict)
        task_id = getattr(record, "task_id", None)
        if task_id:
            log_data["task_id"] = task_id


class TextFormatter(logging.Formatter):
    """``2026-12-06T16:04:00.123Z WARNING django.request [req=… user=42] Not Found: /x``"""

    def __init__(self) -> None:
        super().__init__("%(time)s %(levelname)s %(name)s [%(context)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        parts = [
            f"{label}={value}"
            for label, value in (
                ("req", getattr(record, "request_id", None)),
                ("user", getattr(record, "user", None)),
                ("task", getattr(record, "task_id", None)),
            )
            if value
        ]
        values = dict(record.__dict__, time=_utc(record), context=" ".join(parts) or "-")
        # One record, one line: a newline in a message (a path, a value typed
        # by someone) cannot forge the next line.
        values["message"] = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return self._style._fmt % values


class ReportNotQueued(Exception):
    pass


#: Set while the handler runs: anything it logs is never reported again.
_reporting: ContextVar[bool] = ContextVar("fundmgr_error_reporting", default=False)
#: Repeats seen by this process, used only when the shared cache fails.
_recent: dict[str, float] = {}


class ErrorReportHandler(AdminEmailHandler):
    """ERROR records to the administrators (settings.ADMINS), through the outbox.

    One report per kind of error per ``repeat_minutes`` (an error storm sends
    one mail, not thousands): the same logger and message template, and for
    an exception its type and the line that raised it. The report holds the
    message, the request id, method and path, the user id and the traceback,
    not Django's full report: that one lists the form's fields, the cookies'
    names, the headers and every setting, and the outbox keeps a body in the
    database until it is sent. Never raises: a report that cannot be written
    (the transaction in progress is broken, the database is down) is logged
    as a warning instead, and the error itself is on its log line anyway."""

    def __init__(self, repeat_minutes: int = 10, **kwargs) -> None:
        super().__init__(**kwargs)
        self.repeat_seconds = repeat_minutes * 60

    def emit(self, record: logging.LogRecord) -> None:
        if not settings.ADMINS or _reporting.get():
            return
        token = _reporting.set(True)
        try:
            if self.seen_recently(record):
                return
            subject, body = self.report(record)
            queue_report(subject, body)
        except Exception as error:  # noqa: BLE001 - a log handler never raises
            fallback.warning(
                "error report for the administrators not queued (%s: %s); the error was from %s",
                type(error).__name__,
                error,
                record.name,
            )
        finally:
            _reporting.reset(token)

    def seen_recently(self, record: logging.LogRecord) -> bool:
        signature = [record.name, str(record.msg)]
        if record.exc_info and record.exc_info[0] is not None:
            signature.append(record.exc_info[0].__qualname__)
            frames = traceback.extract_tb(record.exc_info[2])
            if frames:
                signature.append(f"{frames[-1].filename}:{frames[-1].lineno}")
        key = "fundmgr:error-report:" + hashlib.sha256("\0".join(signature).encode()).hexdigest()
        from django.core.cache import cache

        try:
            return not cache.add(key, 1, timeout=self.repeat_seconds)
        except Exception:  # noqa: BLE001 - the cache is down: count in this process
            now = time.monotonic()
            if now - _recent.get(key, -self.repeat_seconds) < self.repeat_seconds:
                return True
            if len(_recent) > 1000:
                _recent.clear()
            _recent[key] = now
            return False

    def report(self, record: logging.LogRecord) -> tuple[str, str]:
        context = request_id.current()
        task_id = request_id.current_task_id()
        message = record.getMessage()
        where = []
        if context:
            where.append(f"request {context.request_id}")
        if task_id:
            where.append(f"task {task_id}")
        subject = self.format_subject(
            f"{settings.EMAIL_SUBJECT_PREFIX}{record.levelname}"
            + (f" [{', '.join(where)}]" if where else "")
            + f": {message.splitlines()[0][:200] if message else ''}"
        )
        lines = [
            f"{record.levelname} from {record.name} at {_utc(record)}",
            f"Host: {socket.gethostname()}, process {os.getpid()}",
        ]
        if context:
            lines += [
                f"Request id: {context.request_id}",
                f"Request: {context.method} {context.path}",
                f"User: {context.user}",
            ]
        if task_id:
            lines.append(f"Task id: {task_id}")
        lines += ["", message, ""]
        if record.exc_info and record.exc_info[0] is not None:
            lines.append("".join(traceback.format_exception(*record.exc_info)))
        lines.append(
            f"The same error is not reported again for {self.repeat_seconds // 60} minutes; "
            "every occurrence is in the log (search for the request or task id)."
        )
        return subject, "\n".join(lines)


def admin_addresses() -> list[str]:
    """settings.ADMINS as bare addresses (it may hold "Name <address>")."""
    addresses = []
    for entry in settings.ADMINS:
        text = entry[1] if isinstance(entry, (list, tuple)) else entry
        address = parseaddr(text)[1]
        if address:
            addresses.append(address)
    return addresses


def queue_report(subject: str, body: str) -> None:
    """Write the report to the outbox for each administrator, committed now
    when no transaction is open (a failed request's is already rolled back)."""
    from django.db import transaction

    from fundmgr.services.mail import queue_mail

    connection = transaction.get_connection()
    if connection.in_atomic_block and connection.needs_rollback:
        raise ReportNotQueued("the transaction in progress is being rolled back")
    with transaction.atomic():
        for address in admin_addresses():
            queue_mail(kind="error-report", to=address, subject=subject, body=body)
