"""Which request, which person, which task: on every log line.

``RequestIdMiddleware`` (first in MIDDLEWARE, so refusals carry it too) gives
each request an id: the caller's ``X-Request-ID`` when it is a safe token (a
proxy's id, so its log and ours can be joined), else a new one. The id is
returned in the ``X-Request-ID`` response header and kept, with the person
acting (set by ``RequestUserMiddleware`` once authentication has run), in a
context variable that ``RequestContextFilter`` copies onto every log record
emitted while the request is handled: the views', the services', and Django's
own ``django.request`` lines, which are written after the middleware has
returned (so the context is cleared only when the response is closed,
``request_finished``). Background tasks get ``task_id`` the same way, from
django.tasks' ``task_started`` / ``task_finished`` signals, and each task
enqueued is logged ("task <id> enqueued"), with the request that enqueued it.

The person is their user id or "anonymous": never a name or an e-mail
address (a donor's username may be their address)."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

#: An incoming id is taken only when it is this: outside text never reaches
#: a log line raw (no newline, no markup, no quote).
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = "X-Request-ID"
ANONYMOUS = "anonymous"

logger = logging.getLogger("fundmgr.tasks")


@dataclass
class RequestContext:
    request_id: str
    user: str = ANONYMOUS
    method: str = ""
    path: str = ""


_request: ContextVar[RequestContext | None] = ContextVar("fundmgr_request", default=None)
#: The ids of the tasks running in this context, innermost last (the
#: immediate backend runs a task inside the request or task that enqueued it).
_tasks: ContextVar[tuple[str, ...]] = ContextVar("fundmgr_tasks", default=())


def current() -> RequestContext | None:
    return _request.get()


def current_task_id() -> str | None:
    tasks = _tasks.get()
    return tasks[-1] if tasks else None


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a safe token, else a new random one."""
    if header and SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        # path, not the full URL: a query string may carry a token.
        _request.set(RequestContext(request_id, method=request.method or "", path=request.path))
        response = self.get_response(request)
        response.headers[HEADER] = request_id
        return response


class RequestUserMiddleware:
    """After AuthenticationMiddleware: the person acting, for the log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = _request.get()
        user = getattr(request, "user", None)
        if context is not None and user is not None and user.is_authenticated:
            context.user = str(user.pk)
        return self.get_response(request)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``user`` and ``task_id`` to every record (None
    outside a request or task), so formatters can always name them."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request.get()
        record.request_id = context.request_id if context else None
        record.user = context.user if context else None
        record.task_id = current_task_id()
        return True


def _request_finished(**kwargs) -> None:
    _request.set(None)


def _task_enqueued(sender, task_result, **kwargs) -> None:
    # The line that joins a request (its request_id) to the task it started.
    logger.info("task %s enqueued: %s", task_result.id, task_result.task.module_path)


def _task_started(sender, task_result, **kwargs) -> None:
    _tasks.set((*_tasks.get(), str(task_result.id)))


def _task_finished(sender, task_result, **kwargs) -> None:
    _tasks.set(_tasks.get()[:-1])


def connect() -> None:
    """Called from the app's ready(). The task signals' receivers come after
    Django's own (connected when django.tasks loads), so its "Task ... state="
    lines still carry the task id."""
    from django.core.signals import request_finished
    from django.tasks.signals import task_enqueued, task_finished, task_started

    request_finished.connect(_request_finished, dispatch_uid="fundmgr.request_id")
    task_enqueued.connect(_task_enqueued, dispatch_uid="fundmgr.request_id")
    task_started.connect(_task_started, dispatch_uid="fundmgr.request_id")
    task_finished.connect(_task_finished, dispatch_uid="fundmgr.request_id")
