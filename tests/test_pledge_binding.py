"""The finance officer's decisions on a pledge after the fact: a binding
agreement signed (IPSAS 23: revenue and receivable then, at the pledge date's
rate, booked by the same code as a pledge recorded binding), and a pledge
cancelled (what is unpaid; a binding one's open receivable taken back out
of revenue). Finance officer only, audited, and a double click does it once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from donors.models import Pledge
from donors.services.pledges import (
    PledgeError,
    cancel_pledge,
    find_or_create_donor,
    mark_binding,
    record_pledge,
)
from donors.services.receipts import outstanding, record_receipt
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import balance

PLEDGE_DAY = datetime.date(2019, 3, 1)  # EUR 0.880 to the dollar
APRIL = datetime.date(2019, 4, 10)  # EUR 0.890 to the dollar


@pytest.fixture
def finance(make_user):
    return make_user("finance", Role.FINANCE_OFFICER)


@pytest.fixture
def donor(db):
    return find_or_create_donor(name="Giver", kind="member_state", email="giver@example.org")


@pytest.fixture
def make_pledge(fund, rates, donor, admin_user):
    def make(amount="250", binding=False, method="bank_transfer") -> Pledge:
        return record_pledge(
            fund=fund,
            donor=donor,
            amount=Money(amount, "EUR"),
            pledge_date=PLEDGE_DAY,
            method=method,
            agreement_signed=binding,
            by=admin_user,
        )

    return make


def pay(pledge, amount, by, day=APRIL):
    return record_receipt(
        fund=pledge.fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=Money(amount, "EUR"),
        value_date=day,
        by=by,
        notify=False,
    )


def usd(fund, key) -> Decimal:
    return balance(fund, key).amount


def audit(pledge, action):
    return AuditRecord.objects.filter(target_id=str(pledge.pk), action=action)


def binding_url(pledge):
    return reverse("finance-pledge-binding", args=[pledge.fund.code, pledge.reference])


def cancel_url(pledge):
    return reverse("finance-pledge-cancel", args=[pledge.fund.code, pledge.reference])


# -- marking a pledge binding -------------------------------------------------------------


def test_a_signed_agreement_books_receivable_and_revenue_at_the_pledge_date_rate(
    client, fund, make_pledge, finance
):
    pledge = make_pledge("250")
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0
    client.force_login(finance)
    response = client.post(binding_url(pledge), {"signed_on": "2019-05-02", "note": "MoU 12"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.agreement_signed and pledge.receivable_entry_id
    entry = pledge.receivable_entry
    assert entry.date == PLEDGE_DAY and entry.kind == "pledge"
    # 250 EUR at 0.880 EUR to the dollar, whatever the rate on the day it was signed
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == Decimal("284.09")
    assert usd(fund, AccountKey.CONTRIBUTIONS) == Decimal("284.09")
    record = audit(pledge, "pledge:marked-binding").get()
    assert record.actor == finance and record.reason == "MoU 12"
    assert record.data["signed_on"] == "2019-05-02"


def test_binding_after_the_fact_books_what_binding_at_creation_books(
    fund, make_pledge, finance, admin_user
):
    late, early = make_pledge("250"), make_pledge("250", binding=True)
    mark_binding(late, finance)

    def legs(pledge):
        pledge.refresh_from_db()
        return sorted(
            (leg.account.key, leg.debit, leg.credit, leg.original, leg.rate)
            for leg in pledge.receivable_entry.legs.select_related("account")
        )

    assert legs(late) == legs(early)
    # and the receipt then clears it the same way, with its exchange difference
    for pledge in (late, early):
        pledge.refresh_from_db()
        receipt = pay(pledge, "250", admin_user)
        assert receipt.receivable_cleared == Decimal("284.09")
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0
    assert usd(fund, AccountKey.FX_LOSSES) == 2 * (Decimal("284.09") - Decimal("280.90"))


def test_marking_binding_twice_books_it_once(client, fund, make_pledge, finance):
    pledge = make_pledge("250")
    client.force_login(finance)
    for _ in range(2):
        client.post(binding_url(pledge), {"signed_on": "2019-03-05"})
    assert JournalEntry.objects.filter(kind="pledge").count() == 1
    assert audit(pledge, "pledge:marked-binding").count() == 1
    assert usd(fund, AccountKey.CONTRIBUTIONS) == Decimal("284.09")
    again = mark_binding(pledge, finance)
    assert not again.changed and again.entry == Pledge.objects.get(pk=pledge.pk).receivable_entry


def test_a_pledge_already_binding_changes_nothing(make_pledge, finance):
    pledge = make_pledge("250", binding=True)
    change = mark_binding(pledge, finance)
    assert not change.changed
    assert JournalEntry.objects.filter(kind="pledge").count() == 1
    assert not audit(pledge, "pledge:marked-binding").exists()


def test_a_pledge_that_has_received_money_cannot_become_binding(
    client, fund, make_pledge, finance, admin_user
):
    pledge = make_pledge("250")
    pay(pledge, "100", admin_user)
    revenue = usd(fund, AccountKey.CONTRIBUTIONS)
    client.force_login(finance)
    response = client.post(binding_url(pledge), {"signed_on": "2019-04-20"}, follow=True)
    assert "recognised as revenue on receipt" in response.content.decode()
    pledge.refresh_from_db()
    assert not pledge.agreement_signed and pledge.receivable_entry_id is None
    assert usd(fund, AccountKey.CONTRIBUTIONS) == revenue
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0


def test_a_cancelled_pledge_cannot_become_binding(make_pledge, finance):
    pledge = make_pledge("250")
    cancel_pledge(pledge, finance, reason="withdrawn by letter")
    with pytest.raises(PledgeError, match="cancelled"):
        mark_binding(pledge, finance)
    assert not JournalEntry.objects.filter(kind="pledge").exists()


@pytest.mark.parametrize(
    ("signed_on", "message"),
    [("2019-02-01", "before the pledge"), ("2999-01-01", "in the future"), ("", "required")],
)
def test_a_wrong_signing_date_is_refused_and_books_nothing(
    client, make_pledge, finance, signed_on, message
):
    pledge = make_pledge("250")
    client.force_login(finance)
    response = client.post(binding_url(pledge), {"signed_on": signed_on}, follow=True)
    assert message in response.content.decode()
    assert not JournalEntry.objects.filter(kind="pledge").exists()
    assert not Pledge.objects.get(pk=pledge.pk).agreement_signed


# -- cancelling a pledge ------------------------------------------------------------------


def test_cancelling_a_pledge_without_agreement_touches_no_ledger(
    client, fund, make_pledge, finance
):
    pledge = make_pledge("250")
    entries = JournalEntry.objects.count()
    client.force_login(finance)
    response = client.post(cancel_url(pledge), {"reason": "The donor withdrew it."})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert JournalEntry.objects.count() == entries
    record = audit(pledge, "pledge:cancelled").get()
    assert record.actor == finance and record.reason == "The donor withdrew it."
    assert record.data == {"unpaid": "250.000", "currency": "EUR", "entry": None}


def test_cancelling_a_binding_pledge_reverses_its_booking(client, fund, make_pledge, finance):
    pledge = make_pledge("250", binding=True)
    client.force_login(finance)
    client.post(cancel_url(pledge), {"reason": "Agreement terminated."})
    pledge.refresh_from_db()
    reversal = JournalEntry.objects.get(reverses=pledge.receivable_entry)
    assert "Agreement terminated." in reversal.memo
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0
    assert usd(fund, AccountKey.CONTRIBUTIONS) == 0
    assert audit(pledge, "pledge:cancelled").get().data["entry"] == reversal.pk


def test_cancelling_a_partly_paid_binding_pledge_writes_down_only_what_is_unpaid(
    client, fund, make_pledge, finance, admin_user
):
    pledge = make_pledge("1000", binding=True)  # 1136.36 USD receivable
    receipt = pay(pledge, "400", admin_user)  # clears 40% of it: 454.54 USD
    assert receipt.receivable_cleared == Decimal("454.54")
    client.force_login(finance)
    client.post(cancel_url(pledge), {"reason": "Second tranche will not come."})
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    write_down = JournalEntry.objects.get(idempotency_key=f"pledge:{pledge.pk}:cancellation")
    legs = {leg.account.key: leg for leg in write_down.legs.select_related("account")}
    assert legs[AccountKey.CONTRIBUTIONS].debit == Decimal("681.82")  # 1136.36 - 454.54
    assert legs[AccountKey.PLEDGES_RECEIVABLE].credit == Decimal("681.82")
    assert legs[AccountKey.PLEDGES_RECEIVABLE].original == Money("600", "EUR")
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0
    # revenue keeps what was received, at the rate it was recognised at
    assert usd(fund, AccountKey.CONTRIBUTIONS) == Decimal("454.54")
    assert pledge.receipts.get() == receipt  # money received stays received
    assert write_down.date >= PLEDGE_DAY


def test_cancelling_a_partly_paid_pledge_without_agreement_keeps_the_money(
    fund, make_pledge, finance, admin_user
):
    pledge = make_pledge("1000")
    pay(pledge, "400", admin_user)
    revenue = usd(fund, AccountKey.CONTRIBUTIONS)
    change = cancel_pledge(pledge, finance, reason="Rest not coming.")
    assert change.changed and change.entry is None
    assert usd(fund, AccountKey.CONTRIBUTIONS) == revenue
    assert audit(pledge, "pledge:cancelled").get().data["unpaid"] == "600.000"


def test_a_pledge_paid_in_full_cannot_be_cancelled(client, make_pledge, finance, admin_user):
    pledge = make_pledge("250", binding=True)
    pay(pledge, "250", admin_user)
    client.force_login(finance)
    response = client.post(cancel_url(pledge), {"reason": "Oops"}, follow=True)
    assert "paid in full" in response.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).status == Pledge.Status.PAID
    assert not audit(pledge, "pledge:cancelled").exists()


def test_a_cancellation_needs_a_reason(client, make_pledge, finance):
    pledge = make_pledge("250", binding=True)
    client.force_login(finance)
    response = client.post(cancel_url(pledge), {"reason": "  "})
    assert response.status_code == 400
    assert Pledge.objects.get(pk=pledge.pk).status != Pledge.Status.CANCELLED
    with pytest.raises(PledgeError, match="Say why"):
        cancel_pledge(pledge, finance, reason="")


def test_cancelling_twice_cancels_once(client, fund, make_pledge, finance):
    pledge = make_pledge("250", binding=True)
    client.force_login(finance)
    for _ in range(2):
        client.post(cancel_url(pledge), {"reason": "Double click"})
    assert JournalEntry.objects.filter(reverses__isnull=False).count() == 1
    assert audit(pledge, "pledge:cancelled").count() == 1
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0
    assert not cancel_pledge(pledge, finance, reason="third").changed


def test_a_card_payment_still_processing_blocks_the_cancellation(make_pledge, finance):
    from donors.payments.models import CardPayment

    pledge = make_pledge("250", method="card")
    CardPayment.objects.create(pledge=pledge, checkout_token="t1", amount=pledge.amount)
    with pytest.raises(PledgeError, match="still processing"):
        cancel_pledge(pledge, finance, reason="Donor changed their mind")
    CardPayment.objects.filter(pledge=pledge).update(status=CardPayment.Status.FAILED)
    assert cancel_pledge(pledge, finance, reason="Card declined; no other card").changed


def test_money_for_a_cancelled_pledge_waits_for_a_person(fund, make_pledge, finance, tmp_path):
    """The bank import never applies money to a cancelled pledge."""
    from donors.services.bank_statements import import_bank_statement

    pledge = make_pledge("250", binding=True)
    cancel_pledge(pledge, finance, reason="Withdrawn")
    path = tmp_path / "statement.csv"
    path.write_text(
        "value_date,amount,currency,reference,counterparty,bank_ref\n"
        f"2019-04-10,250,EUR,{pledge.reference},Giver,B1\n"
    )
    with path.open("rb") as upload:
        result = import_bank_statement(upload, fund, finance, name="statement.csv")
    assert result.unmatched == 1 and not pledge.receipts.exists()
    assert usd(fund, AccountKey.PLEDGES_RECEIVABLE) == 0


# -- who may decide, and where ------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.ADMINISTRATOR, Role.AUDITOR, Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.DONOR],
)
def test_only_a_finance_officer_may_decide(client, fund, make_pledge, make_user, role):
    pledge = make_pledge("250")
    client.force_login(make_user("someone", role))
    assert client.post(binding_url(pledge), {"signed_on": "2019-03-05"}).status_code == 403
    assert client.post(cancel_url(pledge), {"reason": "no"}).status_code == 403
    pledge.refresh_from_db()
    assert not pledge.agreement_signed and pledge.status == Pledge.Status.AWAITING_PAYMENT
    assert not JournalEntry.objects.filter(kind="pledge").exists()


def test_a_visitor_is_sent_to_sign_in(client, make_pledge):
    pledge = make_pledge("250")
    response = client.post(binding_url(pledge), {"signed_on": "2019-03-05"})
    assert response.status_code == 302 and "login" in response.url


def test_the_decisions_are_posted_never_got(client, make_pledge, finance):
    pledge = make_pledge("250")
    client.force_login(finance)
    assert client.get(binding_url(pledge)).status_code == 405
    assert client.get(cancel_url(pledge)).status_code == 405


def test_the_register_links_each_pledge_to_its_page_with_the_actions(
    client, fund, make_pledge, finance, make_user
):
    pledge = make_pledge("250")
    client.force_login(finance)
    register = client.get(reverse("finance-register", args=[fund.code])).content.decode()
    page_url = reverse("finance-pledge", args=[fund.code, pledge.reference])
    assert page_url in register
    page = client.get(page_url).content.decode()
    assert binding_url(pledge) in page and cancel_url(pledge) in page
    client.force_login(make_user("auditor", Role.AUDITOR))
    page = client.get(page_url).content.decode()
    assert pledge.reference in page
    assert binding_url(pledge) not in page and cancel_url(pledge) not in page


def test_the_pledge_page_shows_its_ledger_entries(client, fund, make_pledge, finance):
    pledge = make_pledge("250", binding=True)
    cancel_pledge(pledge, finance, reason="Withdrawn")
    client.force_login(finance)
    page = client.get(reverse("finance-pledge", args=[fund.code, pledge.reference]))
    body = page.content.decode()
    pledge.refresh_from_db()
    assert f"#{pledge.receivable_entry_id}" in body
    reversal = JournalEntry.objects.get(reverses=pledge.receivable_entry)
    assert f"#{reversal.pk}" in body
    assert cancel_url(pledge) not in body  # nothing left to decide


# -- two clicks at the same moment ---------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; needs PostgreSQL"
)
@pytest.mark.parametrize("decision", ["binding", "cancel"])
def test_two_simultaneous_decisions_act_once(fund, make_pledge, finance, decision):
    import threading

    from django.db import connections

    pledge = make_pledge("250", binding=decision == "cancel")
    start = threading.Barrier(2)
    results, failures = [], []

    def run():
        try:
            start.wait()
            if decision == "binding":
                results.append(mark_binding(pledge, finance).changed)
            else:
                results.append(cancel_pledge(pledge, finance, reason="race").changed)
        except Exception as failure:  # noqa: BLE001 - reported below
            failures.append(failure)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(results) == [False, True]
    assert JournalEntry.objects.filter(kind__in=["pledge", "reversal"]).count() == (
        1 if decision == "binding" else 2
    )
    action = "pledge:marked-binding" if decision == "binding" else "pledge:cancelled"
    assert audit(pledge, action).count() == 1
    assert outstanding(pledge) == Decimal("250")
