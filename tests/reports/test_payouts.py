"""Card payouts against localstripe: real card payments and refunds, a dispute
in Stripe's shape around a real charge (localstripe has none), and payouts
booked by the services the webhook uses (signed events POSTed to the webhook
view). Each payout's composition must equal its amount, and its bank line is
found, suggested and matched."""

from __future__ import annotations

from decimal import Decimal

import pytest

from donors.models import BankLine
from donors.payments import gateway
from donors.payments.models import CardPayout
from fundmgr.models import AuditRecord
from reports.services.bank_reconciliation import BankReconciliationError, match_payout_line
from reports.services.payouts import payout_reconciliation
from tests.donors.cards import card_payment as new_card_payment
from tests.donors.cards import charge_of, intent_object, pay, refund, send

# The card fixtures of tests/donors (localstripe for the session), used here
# through ``appeal`` and ``disputes`` below.
from tests.donors.conftest import card_appeal, localstripe, stripe_settings  # noqa: F401
from tests.donors.test_webhooks import fake_disputes, open_dispute  # noqa: F401
from tests.test_bank_statements import do_import, write_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(card_appeal):  # noqa: F811
    return card_appeal


@pytest.fixture
def disputes(fake_disputes):  # noqa: F811
    return fake_disputes


def paid_and_booked(client, appeal, amount):
    payment = new_card_payment(appeal, amount)
    pay(payment)
    send(client, "payment_intent.succeeded", intent_object(payment))
    return payment


def payout(client, amount_minor):
    made = gateway.client().v1.payouts.create(
        params={
            "amount": amount_minor,
            "currency": "eur",
            "status": "paid",
            "metadata": {"fund": "TESTF"},
        }
    )
    send(client, "payout.paid", made.to_dict())
    return CardPayout.objects.get(payout_id=made.id)


def usd(eur: str) -> Decimal:
    """EUR at the test rate 0.925 per USD, to the cent (as record_receipt rounds)."""
    return (Decimal(eur) / Decimal("0.925")).quantize(Decimal("0.01"))


def test_a_payout_is_composed_of_the_receipts_and_refunds_it_settles_to_the_cent(
    client, appeal, fund
):
    first = paid_and_booked(client, appeal, "250")
    paid_and_booked(client, appeal, "100")
    refund(first, "20")
    send(client, "charge.refunded", charge_of(first).to_dict())
    record = payout(client, 33000)  # 250 + 100 - 20 EUR

    report = payout_reconciliation(fund, record.arrival_date)
    [row] = report.rows
    assert row.payout == record
    assert row.settles.receipts == 2
    assert row.settles.gross == usd("250") + usd("100")
    assert row.settles.fees == 0  # localstripe's fee is always 0
    assert row.settles.refunds == (usd("250") * 20 / 250).quantize(Decimal("0.01"))
    assert row.base_amount == usd("330")
    assert row.difference == 0 and row.balanced
    assert report.unsettled.movements == 0 and report.unsettled.net == 0


def test_a_dispute_held_is_taken_from_the_payout_it_falls_in(client, appeal, fund, disputes):
    disputed = paid_and_booked(client, appeal, "250")
    paid_and_booked(client, appeal, "40")
    send(client, "charge.dispute.created", open_dispute(disputes, disputed, 25000))
    record = payout(client, 4000)

    [row] = payout_reconciliation(fund, record.arrival_date).rows
    assert row.settles.gross == usd("250") + usd("40")
    assert row.settles.disputes == usd("250")
    assert row.difference == 0


def test_stripes_dispute_fee_is_a_fee_of_the_payout_it_falls_in(client, appeal, fund, disputes):
    disputed = paid_and_booked(client, appeal, "250")
    paid_and_booked(client, appeal, "40")
    dispute = open_dispute(disputes, disputed, 25000)
    dispute["balance_transactions"] = [
        {"id": "txn_dispute", "amount": -25000, "fee": 1500, "currency": "eur"}
    ]
    send(client, "charge.dispute.created", dispute)
    record = payout(client, 2500)  # 40 EUR less the 15 EUR dispute fee

    [row] = payout_reconciliation(fund, record.arrival_date).rows
    assert row.settles.disputes == usd("250")
    assert row.settles.fees == usd("15")
    assert row.settles.other == 0
    # Each amount converted on its own: a cent of rounding is left for the
    # exchange difference (25 EUR = 27.03 USD; 270.27 + 43.24 - 270.27 - 16.22 = 27.02).
    assert row.difference == usd("25") - (usd("250") + usd("40") - usd("250") - usd("15"))
    assert row.difference == Decimal("0.01")


def test_movements_after_the_last_payout_are_listed_as_in_no_payout(client, appeal, fund):
    paid_and_booked(client, appeal, "100")
    first = payout(client, 10000)
    paid_and_booked(client, appeal, "60")

    report = payout_reconciliation(fund, first.arrival_date)
    assert [row.payout for row in report.rows] == [first]
    assert report.rows[0].difference == 0
    assert report.unsettled.movements == 1 and report.unsettled.gross == usd("60")


def test_a_payout_booked_for_less_than_it_settles_shows_the_difference(client, appeal, fund):
    paid_and_booked(client, appeal, "100")
    record = payout(client, 9000)  # 10 EUR stays behind: the difference shows it
    [row] = payout_reconciliation(fund, record.arrival_date).rows
    assert row.difference == usd("90") - usd("100")
    assert not row.balanced


def test_the_unique_bank_line_of_a_payout_is_suggested_then_matched_by_a_finance_officer(
    client, appeal, fund, finance, tmp_path
):
    paid_and_booked(client, appeal, "120")
    record = payout(client, 12000)
    day = record.arrival_date
    result = do_import(
        write_statement(
            tmp_path,
            [
                (day, "120.00", "EUR", "STRIPE PAYOUT", "Stripe Payments Europe", "B-1"),
                (day, "-4.50", "EUR", "ACCOUNT FEE", "The bank", "B-2"),
            ],
        ),
        fund,
        finance,
    )
    line = result.statement.lines.order_by("line_number").first()
    assert line.state == BankLine.State.UNMATCHED

    [row] = payout_reconciliation(fund, day).rows
    assert row.bank_line is None and row.suggested_line == line

    match_payout_line(record, line, finance)
    match_payout_line(record, line, finance)  # a double click changes nothing
    line.refresh_from_db()
    assert line.state == BankLine.State.MATCHED and line.card_payout == record
    statement = result.statement
    statement.refresh_from_db()
    assert (statement.matched_count, statement.unmatched_count) == (1, 1)
    report = payout_reconciliation(fund, day)
    assert report.rows[0].bank_line == line and report.without_bank_line == []
    audit = AuditRecord.objects.get(action="bank-line:payout-matched")
    assert audit.actor == finance and audit.data["payout"] == record.payout_id


def test_a_line_of_another_amount_or_before_the_arrival_is_refused_and_nothing_saved(
    client, appeal, fund, finance, tmp_path
):
    import datetime

    paid_and_booked(client, appeal, "80")
    record = payout(client, 8000)
    day = record.arrival_date
    result = do_import(
        write_statement(
            tmp_path,
            [
                (day, "79.99", "EUR", "STRIPE", "Stripe", "C-1"),
                (day - datetime.timedelta(days=1), "80.00", "EUR", "STRIPE", "Stripe", "C-2"),
            ],
        ),
        fund,
        finance,
    )
    wrong_amount, too_early = result.statement.lines.order_by("line_number")
    [row] = payout_reconciliation(fund, day).rows
    assert row.suggested_line is None and row.candidates == []
    for line, words in ((wrong_amount, "amounts must be equal"), (too_early, "before the payout")):
        with pytest.raises(BankReconciliationError, match=words):
            match_payout_line(record, line, finance)
        line.refresh_from_db()
        assert line.state == BankLine.State.UNMATCHED and line.card_payout is None
    assert not AuditRecord.objects.filter(action="bank-line:payout-matched").exists()


def test_two_lines_that_could_be_the_payout_are_not_suggested(
    client, appeal, fund, finance, tmp_path
):
    paid_and_booked(client, appeal, "70")
    record = payout(client, 7000)
    day = record.arrival_date
    do_import(
        write_statement(
            tmp_path,
            [
                (day, "70.00", "EUR", "STRIPE", "Stripe", "D-1"),
                (day, "70.00", "EUR", "X", "Y", "D-2"),
            ],
        ),
        fund,
        finance,
    )
    [row] = payout_reconciliation(fund, day).rows
    assert row.suggested_line is None and len(row.candidates) == 2


def test_a_line_already_given_to_one_payout_cannot_be_given_to_another(
    client, appeal, fund, finance, tmp_path
):
    paid_and_booked(client, appeal, "50")
    one = payout(client, 2500)
    other = payout(client, 2500)
    day = max(one.arrival_date, other.arrival_date)
    result = do_import(
        write_statement(tmp_path, [(day, "25.00", "EUR", "STRIPE", "Stripe", "E-1")]), fund, finance
    )
    line = result.statement.lines.get()
    match_payout_line(one, line, finance)
    with pytest.raises(BankReconciliationError, match="only a line waiting"):
        match_payout_line(other, line, finance)
    line.refresh_from_db()
    assert line.card_payout == one
