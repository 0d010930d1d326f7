"""One rendering of each finance form on the conference and bank pages records
its money once (issue 11, point 7): host cash received, services in kind,
host costs, and every bank decision (a line left unreconciled and booked, a
payout matched, its exchange difference booked, a match undone, a line
reopened and its entry reversed). Posted twice, the second post records
nothing, lands where the first did and says so; some of these were already
idempotent by other means (an idempotency key, the line's state), and these
tests prove it is now once per rendering for every one of them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fundmgr.models import AuditRecord, JournalEntry
from fundmgr.money import Money
from reports.models import HostContribution, HostCost
from reports.services import conference as svc
from reports.services.bank_reconciliation import leave_unreconciled, match_payout_line
from tests.once import ALREADY, rendered_token, said
from tests.reports.test_bank_reconciliation import DAY, card_payout, statement_lines

pytestmark = pytest.mark.django_db

MARCH = "2019-03-10"


def twice(client, page: str, action: str, data: dict, containing: str = ""):
    """Post the form of ``page`` that posts to ``action`` twice, as one rendering."""
    token = rendered_token(client, page, action, containing)
    first = client.post(action, {**data, "once": token})
    second = client.post(action, {**data, "once": token})
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert any(ALREADY in m for m in said(second))
    return first, second


# -- the conference page -----------------------------------------------------------


def conference(event, name=None):
    return reverse(
        f"reports-conference-{name}" if name else "reports-conference", args=[event.code]
    )


def host_record(**data) -> dict:
    return {"currency": "USD", "date": MARCH, "description": "Transfer", **data}


def test_host_cash_received_posted_twice_is_recorded_once(client, event, finance, rates):
    client.force_login(finance)
    data = host_record(what="cash_received", amount="2000.00", reference="TR-1")
    twice(client, conference(event), conference(event, "contribution"), data)
    assert HostContribution.objects.count() == 1
    assert JournalEntry.objects.filter(idempotency_key__startswith="host:").count() == 1


def test_services_in_kind_posted_twice_are_recorded_once(client, event, finance, rates):
    line = svc.add_budget_line(
        event, category="venue", funding_source="host_in_kind", budget="5000.00", by=finance
    )
    client.force_login(finance)
    data = host_record(
        what="in_kind_provided", amount="900.00", reference="KIND-1", budget_line=str(line.pk)
    )
    twice(client, conference(event), conference(event, "contribution"), data)
    assert HostContribution.objects.count() == 1


def test_a_host_cost_posted_twice_is_recorded_once(client, event, finance, rates):
    line = svc.add_budget_line(
        event, category="venue", funding_source="host_cash", budget="5000.00", by=finance
    )
    svc.record_host_cash_received(
        event,
        amount=Money("3000.00", "USD"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    client.force_login(finance)
    data = host_record(amount="1500.00", reference="INV-1", budget_line=str(line.pk))
    twice(client, conference(event), conference(event, "cost"), data)
    assert HostCost.objects.count() == 1


# -- the bank page -----------------------------------------------------------------


def bank(fund, name="bank-reconciliation"):
    return reverse(name, args=[fund.code])


def test_a_bank_charge_left_and_booked_twice_is_booked_once(client, fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE")])
    client.force_login(finance)
    data = {"line": line.pk, "reason": "bank_charge", "note": "March fee", "book": "on"}
    twice(client, bank(fund), bank(fund, "bank-leave-line"), data, f'value="{line.pk}"')
    assert JournalEntry.objects.filter(kind="bank-charge").count() == 1
    assert AuditRecord.objects.filter(action="bank-line:left-unreconciled").count() == 1


def test_a_payout_matched_twice_is_matched_once(client, fund, finance, tmp_path):
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    client.force_login(finance)
    data = {"payout": payout.pk, "line": line.pk}
    containing = f'name="payout" value="{payout.pk}"'
    twice(client, bank(fund), bank(fund, "bank-match-payout"), data, containing)
    assert AuditRecord.objects.filter(action="bank-line:payout-matched").count() == 1


def test_an_exchange_difference_booked_twice_is_booked_once(client, fund, finance):
    payout = card_payout(fund, "300.00", received="303.00")
    client.force_login(finance)
    data = {"payout": payout.pk, "difference": "-3.00"}
    containing = f'name="payout" value="{payout.pk}"'
    twice(client, bank(fund), bank(fund, "bank-book-exchange"), data, containing)
    assert JournalEntry.objects.filter(kind="payout-fx").count() == 1


def test_a_match_undone_twice_is_undone_once(client, fund, finance, tmp_path):
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    match_payout_line(payout, line, finance)
    client.force_login(finance)
    data = {"line": line.pk, "reason": "wrong payout"}
    twice(client, bank(fund), bank(fund, "bank-unmatch-payout"), data, f'value="{line.pk}"')
    assert AuditRecord.objects.filter(action="bank-line:payout-unmatched").count() == 1


def test_a_line_reopened_twice_has_its_entry_reversed_once(client, fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE")])
    leave_unreconciled(line, finance, "bank_charge", book=True)
    client.force_login(finance)
    data = {"line": line.pk, "reason": "April's fee"}
    twice(client, bank(fund), bank(fund, "bank-reopen-line"), data, f'value="{line.pk}"')
    assert JournalEntry.objects.filter(kind="reversal").count() == 1
    assert AuditRecord.objects.filter(action="bank-line:reopened").count() == 1
