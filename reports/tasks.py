"""Background building of exports (Django's tasks framework, django.tasks).

``reports.exports.request_export`` enqueues ``build_export``; the worker
(``manage.py db_worker``, the django-tasks-db backend) runs it through the
background jobs' one runner (fundmgr.services.jobs). A failed export is not
retried: its row says why, and the reader asks again.
"""

from __future__ import annotations

from django.tasks import task

from reports import exports


@task(queue_name="exports")
def build_export(export_id: int) -> str:
    """Build one export; returns its final status."""
    return exports.build(export_id)
