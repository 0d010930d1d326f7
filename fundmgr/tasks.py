"""Background imports (Django's tasks framework, django.tasks).

``fundmgr.services.imports.request_import`` enqueues ``run_import_job``; the
worker (``manage.py db_worker``, the django-tasks-db backend) runs it through
the background jobs' one runner (fundmgr.services.jobs). A job that fails is
not retried: its row says why, and the person uploads again.
"""

from __future__ import annotations

from django.tasks import task

from fundmgr.services import imports


@task(queue_name="imports")
def run_import_job(job_id: int) -> str:
    """Import one job's stored file(s); returns its final status."""
    return imports.run_import(job_id)
