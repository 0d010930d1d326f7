"""Health endpoints for load balancers and monitors (no sign-in, no session).

- ``/healthz``: the process answers (liveness); touches nothing else.
- ``/readyz``: this instance can do its work (readiness): the database
  answers, the cache keeps a value, each private storage (documents,
  imports, exports: a local folder that can be written, or the object
  storage's bucket) answers, and, with the database task queue, the oldest
  waiting task is younger than ``FUNDMGR_READY_MAX_TASK_AGE`` seconds (a
  worker that stopped shows here). 200 when every check passes, else 503.
  The answer names each check and its outcome, never an error's text (that
  goes to the log): it is public.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

OK, FAILED, LATE, NOT_USED = "ok", "failed", "late", "not used"


@require_safe
@never_cache
def healthz(request):
    return JsonResponse({"status": "alive"})


@require_safe
@never_cache
def readyz(request):
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "storage": _check(_storage),
    }
    tasks, age = _tasks()
    checks["tasks"] = tasks
    ready = all(outcome in (OK, NOT_USED) for outcome in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    if age is not None:
        body["oldest_waiting_task_seconds"] = age
    return JsonResponse(body, status=200 if ready else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception:
        logger.exception("readiness check %s failed", probe.__name__.strip("_"))
        return FAILED
    return OK


def _database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def _cache() -> None:
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)


#: The storages this instance reads and writes (fundmgr/private_files.py).
PRIVATE_STORAGES = ("documents", "imports", "exports")
#: A name never stored: asking whether it exists makes the storage answer.
PROBE = "readyz-probe"


def _storage() -> None:
    """Each private storage answers; a local folder (or, before its first
    file, the nearest folder above it) can be written; a bucket exists (a
    missing one would make ``exists`` answer False, not fail)."""
    for alias in PRIVATE_STORAGES:
        storage = storages[alias]
        storage.exists(PROBE)
        if isinstance(storage, S3Storage):
            storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
        elif isinstance(storage, FileSystemStorage):
            folder = Path(storage.location)
            existing = next(p for p in (folder, *folder.parents) if p.exists())
            if not os.access(existing, os.W_OK | os.X_OK):
                raise PermissionError(f"{existing} cannot be written")


def _tasks() -> tuple[str, int | None]:
    """The age of the oldest task waiting in the database queue, if that is
    the backend in use (tests and `make run` may use another)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return NOT_USED, None
    try:
        from django_tasks_db.models import DBTaskResult

        oldest = (
            DBTaskResult.objects.ready()
            .order_by("enqueued_at")
            .values_list("enqueued_at", flat=True)
            .first()
        )
    except Exception:
        logger.exception("readiness check tasks failed")
        return FAILED, None
    if oldest is None:
        return OK, 0
    age = int((timezone.now() - oldest).total_seconds())
    return (OK if age <= settings.FUNDMGR_READY_MAX_TASK_AGE else LATE), age
