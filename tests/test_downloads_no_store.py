"""Every download of a personal or financial document says ``Cache-Control:
no-store``: neither the browser nor a proxy keeps a copy for the next person."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from donors.models import Pledge, Receipt
from fundmgr.models import Fund
from grants.models import Grant
from reports import exports

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"
    call_command("load_demo", verbosity=0)


def _grant_with(field: str) -> Grant:
    return Grant.objects.exclude(**{field: ""}).select_related("event").first()


def note_verbale():
    grant = _grant_with("note_verbale")
    return "officer", reverse(
        "grant-document", args=[grant.event.code, grant.reference, "note-verbale"]
    )


def boarding_passes():
    grant = _grant_with("boarding_passes")
    return "finance", reverse(
        "grant-document", args=[grant.event.code, grant.reference, "boarding-passes"]
    )


def grant_queue_export():
    return "auditor", reverse("grant-export", args=["BAPA40"])


def pledge_letter():
    pledge = Pledge.objects.select_related("fund").first()
    pledge.letter.save("letter.pdf", ContentFile(PDF))
    return "finance", reverse("finance-pledge-letter", args=[pledge.fund.code, pledge.reference])


def finance_pledge_acknowledgement():
    pledge = Pledge.objects.select_related("fund").first()
    return "auditor", reverse(
        "finance-pledge-acknowledgement", args=[pledge.fund.code, pledge.reference]
    )


def finance_receipt_acknowledgement():
    receipt = Receipt.objects.select_related("fund").first()
    return "auditor", reverse(
        "finance-receipt-acknowledgement", args=[receipt.fund.code, receipt.number]
    )


def _donors_pledge() -> Pledge:
    return Pledge.objects.filter(donor__user__username="donor").first()


def donor_pledge_acknowledgement():
    return "donor", reverse("acknowledgement-letter-pdf", args=[_donors_pledge().reference])


def donor_printable_letter_download():
    url = reverse("acknowledgement-letter", args=[_donors_pledge().reference])
    return "donor", f"{url}?download=1"


def donor_receipt_acknowledgement():
    receipt = Receipt.objects.filter(donor__user__username="donor").first()
    return "donor", reverse("receipt-letter-pdf", args=[receipt.number])


def reconciliation_export():
    fund = Fund.objects.get(code="UNFSSC")
    export = exports.request_export(
        fund, datetime.date(2019, 12, 31), User.objects.get(username="finance")
    )
    return "finance", reverse("export-download", args=[fund.code, export.pk])


DOWNLOADS = [
    note_verbale,
    boarding_passes,
    grant_queue_export,
    pledge_letter,
    finance_pledge_acknowledgement,
    finance_receipt_acknowledgement,
    donor_pledge_acknowledgement,
    donor_printable_letter_download,
    donor_receipt_acknowledgement,
    reconciliation_export,
]


@pytest.mark.parametrize("download", DOWNLOADS, ids=lambda d: d.__name__)
def test_the_download_is_never_stored_by_a_browser_or_a_cache(client, demo, download):
    username, url = download()
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "attachment" in response.get("Content-Disposition", ""), url
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in directives and "private" in directives, response["Cache-Control"]
