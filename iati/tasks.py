"""Regenerating a fund's IATI files in the background (django.tasks), on
the exports' queue: finance's "Generate now" enqueues it."""

from __future__ import annotations

from django.tasks import task

from fundmgr.models import Fund
from iati.services import publish


@task(queue_name="exports")
def regenerate_iati(fund_id: int) -> bool:
    """Generate and check the fund's files; True if they were published."""
    return publish(Fund.objects.get(pk=fund_id)).valid
