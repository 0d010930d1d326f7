"""Pledges and receipts: IPSAS 23 recognition, exchange differences, and
bad input refused with nothing recorded. Worked figures are computed by hand
in the comments (EUR 0.880 per USD in March 2019, 0.890 in April)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from donors.models import Pledge, Receipt
from donors.services.pledges import (
    InstalmentSpec,
    PledgeError,
    find_or_create_donor,
    record_pledge,
)
from donors.services.receipts import Fee, ReceiptError, outstanding, record_receipt
from donors.services.references import normalise
from fundmgr.chart import AccountKey
from fundmgr.models import JournalEntry
from fundmgr.money import Money
from fundmgr.services.ledger import account_balances

MARCH_5 = datetime.date(2019, 3, 5)
APRIL_10 = datetime.date(2019, 4, 10)
APRIL_20 = datetime.date(2019, 4, 20)


@pytest.fixture
def donor(db):
    return find_or_create_donor(
        name="Kingdom of Examplia", kind="member_state", email="mission@examplia.example"
    )


def balances(fund):
    return {key: row.balance for key, row in account_balances(fund).items()}


def pledge(fund, donor, admin_user, amount="10000", currency="EUR", **extra):
    options = {"method": "bank_transfer", "agreement_signed": True, **extra}
    return record_pledge(
        fund=fund,
        donor=donor,
        amount=Money(amount, currency),
        pledge_date=MARCH_5,
        by=admin_user,
        **options,
    )


def test_a_binding_pledge_books_receivable_and_revenue_at_the_pledge_date_rate(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user)
    # 10,000 / 0.880 = 11,363.636... -> 11,363.64
    assert balances(fund) == {
        AccountKey.PLEDGES_RECEIVABLE: Decimal("11363.64"),
        AccountKey.CONTRIBUTIONS: Decimal("11363.64"),
    }
    leg = made.receivable_entry.legs.get(account__key=AccountKey.PLEDGES_RECEIVABLE)
    assert leg.original == Money("10000", "EUR") and leg.rate == Decimal("0.880000")


def test_a_pledge_without_agreement_books_nothing_until_money_arrives(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user, agreement_signed=False)
    assert balances(fund) == {}
    record_receipt(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("4000", "EUR"),
        value_date=APRIL_10,
        by=admin_user,
    )
    # 4,000 / 0.890 = 4,494.38 received and recognised on receipt.
    assert balances(fund) == {
        AccountKey.BANK: Decimal("4494.38"),
        AccountKey.CONTRIBUTIONS: Decimal("4494.38"),
    }


def test_receipts_clear_the_receivable_at_its_rate_and_book_the_exchange_loss(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user)
    first = record_receipt(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("4000", "EUR"),
        value_date=APRIL_10,
        by=admin_user,
    )
    # cash 4,000/0.890 = 4,494.38; receivable cleared 11,363.64 x 0.4 = 4,545.46; loss 51.08
    assert (first.base_amount, first.receivable_cleared) == (Decimal("4494.38"), Decimal("4545.46"))
    made.refresh_from_db()
    assert made.status == Pledge.Status.PARTLY_PAID and outstanding(made) == Decimal("6000")

    second = record_receipt(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("6500", "EUR"),
        value_date=APRIL_20,
        by=admin_user,
    )
    # cash 6,500/0.890 = 7,303.37, of which 6,000 applied: 7,303.37 x 6/6.5 = 6,741.57;
    # the last payment clears the rest exactly: 11,363.64 - 4,545.46 = 6,818.18 (loss 76.61);
    # the 500 EUR excess is a contribution of its own: 7,303.37 - 6,741.57 = 561.80.
    assert second.receivable_cleared == Decimal("6818.18") and second.applied == Decimal("6000")
    made.refresh_from_db()
    assert made.status == Pledge.Status.PAID
    assert balances(fund) == {
        AccountKey.PLEDGES_RECEIVABLE: Decimal("0.00"),
        AccountKey.BANK: Decimal("11797.75"),
        AccountKey.CONTRIBUTIONS: Decimal("11925.44"),
        AccountKey.FX_LOSSES: Decimal("127.69"),
    }


def test_a_receipt_worth_more_dollars_than_booked_is_an_exchange_gain(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user, amount="111000", currency="JPY")
    # booked at 111 JPY/USD: 1,000.00. Paid in March at the same rate: no difference.
    record_receipt(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("111000", "JPY"),
        value_date=datetime.date(2019, 3, 30),
        by=admin_user,
    )
    assert AccountKey.FX_GAINS not in balances(fund) and AccountKey.FX_LOSSES not in balances(fund)


def test_a_card_receipt_books_gross_to_clearing_less_the_fee(fund, rates, donor, admin_user):
    made = pledge(fund, donor, admin_user, amount="250", method="card", agreement_signed=False)
    record_receipt(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("250", "EUR"),
        value_date=datetime.date(2019, 3, 20),
        by="stripe-webhook",
        method=Receipt.Method.CARD,
        fees=(Fee(Money("7.61", "USD")),),
    )
    # 250 / 0.880 = 284.09 gross; fee 7.61; clearing 276.48
    assert balances(fund) == {
        AccountKey.CARD_CLEARING: Decimal("276.48"),
        AccountKey.CARD_FEES: Decimal("7.61"),
        AccountKey.CONTRIBUTIONS: Decimal("284.09"),
    }


def test_the_same_receipt_under_one_key_is_recorded_once(fund, rates, donor, admin_user):
    made = pledge(fund, donor, admin_user)
    kwargs = dict(
        fund=fund,
        donor=donor,
        pledge=made,
        amount=Money("1000", "EUR"),
        value_date=APRIL_10,
        by=admin_user,
        idempotency_key="bank:TESTF:abc",
    )
    first, again = record_receipt(**kwargs), record_receipt(**kwargs)
    assert first.pk == again.pk and Receipt.objects.count() == 1


def test_receipt_numbers_follow_each_other_per_fund_and_year(fund, rates, donor, admin_user):
    numbers = [
        record_receipt(
            fund=fund, donor=donor, amount=Money("10", "USD"), value_date=APRIL_10, by=admin_user
        ).number
        for _ in range(3)
    ]
    assert numbers == ["TESTF-2019-000001", "TESTF-2019-000002", "TESTF-2019-000003"]


def test_money_in_another_currency_than_the_pledge_waits_for_a_person(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user)
    with pytest.raises(ReceiptError, match="Pledged in EUR but received in USD"):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=made,
            amount=Money("100", "USD"),
            value_date=APRIL_10,
            by=admin_user,
        )
    assert Receipt.objects.count() == 0


def test_an_instalment_schedule_must_add_up_to_the_pledge(fund, rates, donor, admin_user):
    schedule = [
        InstalmentSpec(Money("4000", "EUR"), datetime.date(2019, 6, 1)),
        InstalmentSpec(Money("5000", "EUR"), datetime.date(2020, 6, 1)),
    ]
    with pytest.raises(PledgeError, match="add up to"):
        pledge(fund, donor, admin_user, method="schedule", schedule=schedule)
    assert not Pledge.objects.exists() and not JournalEntry.objects.exists()


def test_a_multi_year_schedule_is_kept_in_due_order(fund, rates, donor, admin_user):
    schedule = [
        InstalmentSpec(Money("6000", "EUR"), datetime.date(2020, 6, 1)),
        InstalmentSpec(Money("4000", "EUR"), datetime.date(2019, 6, 1)),
    ]
    made = pledge(fund, donor, admin_user, method="schedule", schedule=schedule)
    assert [(i.sequence, i.amount.amount) for i in made.instalments.all()] == [
        (1, Decimal("4000.000")),
        (2, Decimal("6000.000")),
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0", "EUR", "greater than zero"),
        ("-5", "EUR", "greater than zero"),
        ("1.005", "EUR", "at most 2 decimals"),
        ("100", "GBP", "No UN operational rate of exchange for GBP is in force on 2019-03-05"),
        ("99999999999999", "USD", "not a plausible contribution"),
    ],
)
def test_bad_amounts_are_refused_and_record_nothing(
    fund, rates, donor, admin_user, amount, currency, message
):
    with pytest.raises(PledgeError, match=message):
        pledge(fund, donor, admin_user, amount=amount, currency=currency)
    assert not Pledge.objects.exists() and not JournalEntry.objects.exists()


def test_a_pledge_letter_must_be_a_pdf(fund, rates, donor, admin_user):
    letter = SimpleUploadedFile("letter.pdf", b"GIF89a not a pdf")
    with pytest.raises(PledgeError, match="must be a PDF"):
        pledge(fund, donor, admin_user, letter=letter)
    assert not Pledge.objects.exists()


def test_a_pledge_letter_over_ten_megabytes_is_refused(fund, rates, donor, admin_user):
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(PledgeError, match="larger than 10 MB"):
        pledge(fund, donor, admin_user, letter=letter)


def test_a_malformed_email_is_refused(db):
    with pytest.raises(PledgeError, match="not a valid e-mail"):
        find_or_create_donor(name="X", kind="individual", email="not-an-email")


def test_one_donor_per_email_whatever_its_case(db):
    a = find_or_create_donor(name="A", kind="individual", email="Giver@Example.org")
    b = find_or_create_donor(name="A", kind="individual", email="giver@example.org")
    assert a.pk == b.pk


def test_payment_references_are_compared_forgivingly():
    assert normalise(" unfssc-7k3m9q ") == normalise("UNFSSC 7K3M9Q") == "UNFSSC7K3M9Q"
    assert normalise("000123") == normalise("123")


def test_each_pledge_gets_its_own_typable_reference(fund, rates, donor, admin_user):
    refs = {pledge(fund, donor, admin_user, amount="10").reference for _ in range(20)}
    assert len(refs) == 20
    assert all(ref.startswith("TESTF-") and len(ref) == 12 for ref in refs)


def test_the_donor_is_emailed_a_receipt_number_when_money_arrives(
    fund, rates, donor, admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    made = pledge(fund, donor, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = record_receipt(
            fund=fund,
            donor=donor,
            pledge=made,
            amount=Money("4000", "EUR"),
            value_date=APRIL_10,
            by=admin_user,
        )
    assert [m.to for m in mailoutbox] == [["mission@examplia.example"]]
    assert receipt.number in mailoutbox[0].subject and receipt.number in mailoutbox[0].body
    assert made.reference in mailoutbox[0].body


def test_fees_above_the_money_received_are_refused_with_the_figures(fund, rates, donor, admin_user):
    made = pledge(fund, donor, admin_user, amount="10", method="card", agreement_signed=False)
    with pytest.raises(ReceiptError, match="more than the 11.36 USD received"):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=made,
            amount=Money("10", "EUR"),  # 10 / 0.880 = 11.36 USD
            value_date=datetime.date(2019, 3, 20),
            by="stripe-webhook",
            method=Receipt.Method.CARD,
            fees=(Fee(Money("12.00", "USD")),),
        )
    assert not Receipt.objects.exists() and balances(fund) == {}


def test_a_fee_in_another_currency_than_the_funds_is_refused(fund, rates, donor, admin_user):
    made = pledge(fund, donor, admin_user, amount="250", method="card", agreement_signed=False)
    with pytest.raises(ReceiptError, match="fund's currency USD, not EUR"):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=made,
            amount=Money("250", "EUR"),
            value_date=datetime.date(2019, 3, 20),
            by="stripe-webhook",
            method=Receipt.Method.CARD,
            fees=(Fee(Money("7.00", "EUR")),),
        )
    assert not Receipt.objects.exists()


def test_money_dated_before_its_pledge_is_refused_so_no_receivable_goes_negative(
    fund, rates, donor, admin_user
):
    made = pledge(fund, donor, admin_user)  # pledged on 5 March 2019
    with pytest.raises(ReceiptError, match="before the pledge"):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=made,
            amount=Money("1000", "EUR"),
            value_date=datetime.date(2019, 3, 4),
            by=admin_user,
        )
    assert not Receipt.objects.exists()
    assert balances(fund)[AccountKey.PLEDGES_RECEIVABLE] > 0  # as booked, untouched
