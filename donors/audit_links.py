"""The pages the audit trail links the donors app's records to: each the
finance page of the record, for those its view lets in (book readers)."""

from __future__ import annotations

from django.urls import reverse

from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from fundmgr import extensions
from fundmgr.audit_trail import readers
from fundmgr.roles import BOOK_READERS


def _pledge_page(pledge: Pledge) -> str:
    return reverse("finance-pledge", args=[pledge.fund.code, pledge.reference])


def register() -> None:
    books = readers(*BOOK_READERS)
    extensions.add_record_link(
        Pledge,
        _pledge_page,
        books,
        lambda: Pledge.objects.select_related("fund").only("pk", "reference", "fund__code"),
    )
    # A receipt is shown on its pledge's page; one for no pledge has no page.
    extensions.add_record_link(
        Receipt,
        lambda receipt: _pledge_page(receipt.pledge) if receipt.pledge_id else "",
        books,
        lambda: Receipt.objects.select_related("pledge__fund").only(
            "pk", "pledge__reference", "pledge__fund__code"
        ),
    )
    extensions.add_record_link(
        BankStatement,
        lambda statement: reverse("finance-statement", args=[statement.fund.code, statement.pk]),
        books,
        lambda: BankStatement.objects.select_related("fund").only("pk", "fund__code"),
    )
    extensions.add_record_link(
        BankLine,
        lambda line: reverse("finance-statement", args=[line.fund.code, line.statement_id]),
        books,
        lambda: BankLine.objects.select_related("fund").only("pk", "statement", "fund__code"),
    )
    # A donor's record has no page but the admin site's.
    extensions.add_record_link(
        Donor,
        lambda donor: reverse("admin:donors_donor_change", args=[donor.pk]),
        lambda user, donor: (
            user.is_active and user.is_staff and user.has_perm("donors.change_donor")
        ),
        lambda: Donor.objects.only("pk"),
    )
