"""A card payout's exchange difference, booked once a finance officer confirms
it: real card payments and payouts on localstripe, booked through the signed
webhook, the receipt at its charge date's rate and the payout at its arrival
date's, a different one (a mid-month revision of the EUR rate effective on
the arrival date)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from donors.payments import gateway
from donors.payments.models import CardPayout
from donors.payments.services import _day
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, ExchangeRate, JournalEntry
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import account_balances
from reports.services.payout_exchange import (
    PayoutExchangeError,
    book_payout_exchange_difference,
)
from reports.services.payouts import payout_reconciliation
from reports.services.statement import fund_statement
from tests.donors.cards import send

# The card fixtures of tests/donors (localstripe for the session).
from tests.donors.conftest import card_appeal, localstripe, stripe_settings  # noqa: F401
from tests.once import post_form
from tests.reports.test_bank_reconciliation import card_payout
from tests.reports.test_payouts import paid_and_booked, usd

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


@pytest.fixture
def appeal(card_appeal):  # noqa: F811
    return card_appeal


def payout_at(client, amount_minor: int, eur_per_usd: str | None = None) -> CardPayout:
    """A real payout; with ``eur_per_usd``, the EUR rate is revised with effect
    from its arrival date before the webhook books it (the receipts before it
    keep their charge date's rate)."""
    made = gateway.client().v1.payouts.create(
        params={
            "amount": amount_minor,
            "currency": "eur",
            "status": "paid",
            "metadata": {"fund": "TESTF"},
        }
    )
    if eur_per_usd is not None:
        ExchangeRate.objects.update_or_create(
            currency="EUR",
            effective_date=_day(made.arrival_date),
            defaults={"units_per_usd": Decimal(eur_per_usd)},
        )
    send(client, "payout.paid", made.to_dict())
    return CardPayout.objects.get(payout_id=made.id)


def at(eur: str, rate: str) -> Decimal:
    return (Decimal(eur) / Decimal(rate)).quantize(CENT)


def row_of(fund, payout, as_of=None):
    report = payout_reconciliation(fund, as_of or payout.arrival_date)
    return next(row for row in report.rows if row.payout == payout)


def legs_of(entry) -> dict:
    return {leg.account.key: (leg.debit, leg.credit) for leg in entry.legs.all()}


def clearing(fund) -> Decimal:
    row = account_balances(fund).get(AccountKey.CARD_CLEARING)
    return row.balance if row else Decimal(0)


@pytest.fixture
def gain(client, appeal, fund):
    """EUR 100 received at 0.925 per USD, paid out at 0.900: more arrived."""
    paid_and_booked(client, appeal, "100")
    return payout_at(client, 10000, "0.900")


# -- the service ---------------------------------------------------------------------------


def test_a_gain_posts_dr_card_clearing_cr_exchange_gains_at_the_arrival_date_to_the_cent(
    gain, fund, finance
):
    difference = at("100", "0.900") - usd("100")
    assert difference == Decimal("3.00")
    assert row_of(fund, gain).difference == difference and clearing(fund) == -difference

    entry = book_payout_exchange_difference(gain, finance)

    assert entry.date == gain.arrival_date and entry.kind == "payout-fx"
    assert entry.idempotency_key == f"payout-fx:{gain.pk}"
    assert legs_of(entry) == {
        AccountKey.CARD_CLEARING: (Decimal("3.00"), 0),
        AccountKey.FX_GAINS: (0, Decimal("3.00")),
    }
    assert clearing(fund) == 0
    row = row_of(fund, gain)
    assert row.exchange == Decimal("3.00") and row.difference == 0 and row.balanced
    [audit] = AuditRecord.objects.filter(action="card-payout:fx-booked")
    assert audit.actor == finance and audit.target_id == str(gain.pk)
    assert audit.data == {"entry": entry.pk, "amount": "3.00", "account": "fx_gains"}


def test_a_loss_posts_dr_exchange_losses_cr_card_clearing_to_the_cent(
    client, appeal, fund, finance
):
    paid_and_booked(client, appeal, "100")
    record = payout_at(client, 10000, "0.950")  # less arrived than clearing held
    difference = at("100", "0.950") - usd("100")
    assert difference == Decimal("-2.85") and row_of(fund, record).difference == difference

    entry = book_payout_exchange_difference(record, finance)

    assert legs_of(entry) == {
        AccountKey.FX_LOSSES: (Decimal("2.85"), 0),
        AccountKey.CARD_CLEARING: (0, Decimal("2.85")),
    }
    assert clearing(fund) == 0
    row = row_of(fund, record)
    assert row.exchange == Decimal("-2.85") and row.balanced
    assert AuditRecord.objects.get(action="card-payout:fx-booked").data["amount"] == "-2.85"


def test_a_second_booking_books_nothing_more_and_returns_the_first_entry(gain, fund, finance):
    first = book_payout_exchange_difference(gain, finance)
    again = book_payout_exchange_difference(gain, finance, Decimal("3.00"))
    assert again == first
    assert JournalEntry.objects.filter(kind="payout-fx").count() == 1
    assert AuditRecord.objects.filter(action="card-payout:fx-booked").count() == 1
    assert clearing(fund) == 0


def test_a_payout_without_a_difference_is_refused_and_nothing_is_saved(
    client, appeal, fund, finance
):
    paid_and_booked(client, appeal, "100")
    record = payout_at(client, 10000)  # same rate at charge and arrival
    assert row_of(fund, record).difference == 0
    entries = JournalEntry.objects.count()
    with pytest.raises(PayoutExchangeError, match="no difference to book"):
        book_payout_exchange_difference(record, finance)
    assert JournalEntry.objects.count() == entries
    assert not AuditRecord.objects.filter(action="card-payout:fx-booked").exists()


def test_a_difference_other_than_the_one_shown_is_refused_and_nothing_is_saved(gain, fund, finance):
    with pytest.raises(PayoutExchangeError, match=r"is now \$3\.00, not \$1\.00"):
        book_payout_exchange_difference(gain, finance, Decimal("1.00"))
    assert not JournalEntry.objects.filter(kind="payout-fx").exists()
    assert row_of(fund, gain).difference == Decimal("3.00")


def test_the_next_payouts_composition_is_unaffected_by_an_exchange_entry_booked_after_it(
    client, appeal, fund, finance
):
    paid_and_booked(client, appeal, "100")
    first = payout_at(client, 10000, "0.900")
    paid_and_booked(client, appeal, "40")  # at the charge date's rate, 0.925
    second = payout_at(client, 4000)
    day = max(first.arrival_date, second.arrival_date)
    before = row_of(fund, second, day)

    entry = book_payout_exchange_difference(first, finance)

    assert entry.pk > second.entry_id  # booked after the next payout...
    report = payout_reconciliation(fund, day)
    rows = {row.payout: row for row in report.rows}
    assert rows[first].balanced and rows[first].exchange == Decimal("3.00")
    after = rows[second]  # ...yet not part of what the next payout settles
    assert after.settles == before.settles and after.exchange == 0
    assert after.difference == before.difference == at("40", "0.900") - usd("40")
    assert report.unsettled.movements == 0


def test_the_fund_statements_exchange_gains_move_by_exactly_the_amount_booked_and_it_balances(
    gain, fund, finance
):
    before = fund_statement(fund, gain.arrival_date)
    book_payout_exchange_difference(gain, finance)
    after = fund_statement(fund, gain.arrival_date)
    assert before.balances and after.balances
    assert after.fx_gains.amount - before.fx_gains.amount == Decimal("3.00")
    assert after.fx_losses == before.fx_losses
    assert after.closing.amount - before.closing.amount == Decimal("3.00")


def test_the_fund_statements_exchange_losses_move_by_exactly_the_amount_booked(
    client, appeal, fund, finance
):
    paid_and_booked(client, appeal, "100")
    record = payout_at(client, 10000, "0.950")
    before = fund_statement(fund, record.arrival_date)
    book_payout_exchange_difference(record, finance)
    after = fund_statement(fund, record.arrival_date)
    assert after.balances
    assert after.fx_losses.amount - before.fx_losses.amount == Decimal("2.85")
    assert after.fx_gains == before.fx_gains


# -- the page --------------------------------------------------------------------------------


def url(fund, name="bank-reconciliation"):
    return reverse(name, args=[fund.code])


def test_a_finance_officer_sees_the_difference_and_books_it_from_the_page(
    client, gain, fund, finance
):
    client.force_login(finance)
    page = client.get(url(fund), {"as_of": gain.arrival_date.isoformat()}).content.decode()
    assert "which I confirm is an exchange difference" in page
    [shown] = re.findall(r'name="difference" value="([^"]+)"', page)
    assert Decimal(shown) == Decimal("3.00")

    response = post_form(
        client, url(fund, "bank-book-exchange"), {"payout": gain.pk, "difference": shown}
    )

    assert response.status_code == 302
    [entry] = JournalEntry.objects.filter(kind="payout-fx")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Exchange difference of payout {gain.payout_id} booked: entry #{entry.pk}."
    ]
    page = client.get(url(fund), {"as_of": gain.arrival_date.isoformat()})
    [row] = page.context["payouts"].rows
    content = page.content.decode()
    assert row.balanced and row.exchange == Decimal("3.00")
    assert re.search(r'data-exchange="3\.0+"', content)
    assert "which I confirm is an exchange difference" not in content


def test_a_stale_difference_from_the_page_is_explained_and_nothing_is_booked(
    client, gain, fund, finance
):
    client.force_login(finance)
    response = post_form(
        client,
        url(fund, "bank-book-exchange"),
        {"payout": gain.pk, "difference": "1.00"},
        follow=True,
    )
    assert "look at the page again" in response.content.decode()
    assert not JournalEntry.objects.filter(kind="payout-fx").exists()


@pytest.mark.parametrize(
    "role", [Role.FUND_OFFICER, Role.AUDITOR, Role.APPROVING_OFFICER, Role.ADMINISTRATOR]
)
def test_only_a_finance_officer_may_book_an_exchange_difference(
    client, gain, fund, make_user, role
):
    client.force_login(make_user("someone", role))
    page = client.get(url(fund), {"as_of": gain.arrival_date.isoformat()})
    assert page.status_code == 200 and b"bank/exchange/" not in page.content  # no form
    response = post_form(client, url(fund, "bank-book-exchange"), {"payout": gain.pk})
    assert response.status_code == 403
    assert not JournalEntry.objects.filter(kind="payout-fx").exists()


def test_another_funds_payout_is_not_found_and_nothing_is_booked(client, fund, finance, admin_user):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )
    theirs = card_payout(other, "300.00")
    client.force_login(finance)
    response = post_form(client, url(fund, "bank-book-exchange"), {"payout": theirs.pk})
    assert response.status_code == 404
    assert not JournalEntry.objects.filter(kind="payout-fx").exists()
