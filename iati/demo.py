"""The demo's IATI files (``load_demo``): published last, as the scheduled job
would, so that ``make run`` serves them at their public addresses at once."""

from __future__ import annotations

from fundmgr.models import Fund
from iati.services import publish_if_changed


def load_iati_demo(fund: Fund) -> None:
    """Idempotent: books unchanged since the last publication publish nothing."""
    publish_if_changed(fund)
