"""Every entry knows its source: a kind from one list (``EntryKind``, held by
the database) and the record it was posted for, as columns.

The flows of the product are run for real (pledges, receipts by hand and from
a bank statement, the card processor's webhooks, grants through every state,
the host country's contribution, bank charges, a payout's exchange
difference); then every entry is checked twice: its kind and source are what
the migrations that filled the entries of before derive from its key (so
those migrations and the product agree), and blanking them and running those
migrations gives them back exactly."""

# Shared fixtures are imported; pytest's injection of them looks like a
# redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import dataclasses
import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donors.models import BankLine, Pledge
from donors.payments.models import CardDispute, CardPayment, CardPayout
from donors.services.pledges import cancel_pledge, find_or_create_donor, record_pledge
from fundmgr.chart import AccountKey
from fundmgr.db import guard_lift
from fundmgr.models import EntryKind, Event, JournalEntry
from fundmgr.money import Money
from fundmgr.services.ledger import LedgerError, credit, debit, post_entry, reverse_entry
from grants.models import Grant
from reports.services.bank_reconciliation import leave_unreconciled, reopen_line
from reports.services.payout_exchange import book_payout_exchange_difference
from tests.donors.cards import charge_of, refund, send
from tests.donors.conftest import card_appeal, localstripe, stripe_settings  # noqa: F401
from tests.donors.test_dispute_fees import disputed_with_fee
from tests.donors.test_webhooks import fake_disputes  # noqa: F401
from tests.grants.conftest import approver, event, finance, make_grant, officer  # noqa: F401
from tests.reports.test_bank_reconciliation import statement_lines
from tests.reports.test_full_scenario import year, year_with_host  # noqa: F401
from tests.reports.test_payout_exchange import payout_at
from tests.reports.test_payouts import paid_and_booked

pytestmark = pytest.mark.django_db

RENAMING = importlib.import_module("fundmgr.migrations.0014_entry_kind_and_source")
#: The apps' migrations that fill the entries of before, in the order they run.
FILLS = [
    importlib.import_module("donors.migrations.0011_entry_sources"),
    importlib.import_module("grants.migrations.0007_entry_sources"),
    importlib.import_module("reports.migrations.0004_entry_sources"),
]


class SchemaEditor:
    """The two things of a schema editor the guards' lift and restore use,
    on the test's connection (a real schema editor refuses to open inside
    the test's transaction on SQLite)."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def columns(entry: JournalEntry) -> tuple:
    model = None
    if entry.source_type_id:
        model = (entry.source_type.app_label, entry.source_type.model)
    return (entry.kind, model, entry.source_id, entry.source_ref)


def derived(entry: JournalEntry) -> tuple | None:
    """What the migrations derive for ``entry`` from its key (posted before
    card receipts had a kind of their own, a card receipt was a "receipt")."""
    probe = dataclasses.replace(
        Probe.of(entry), kind="receipt" if entry.kind == "card-receipt" else entry.kind
    )
    for migration in FILLS:
        if probe.kind in migration.KINDS:
            found = migration.finder(django_apps)(probe)
            return found and (found.kind, found.model, found.id, found.ref)
    return None


@dataclasses.dataclass(frozen=True)
class Probe:
    pk: int
    kind: str
    idempotency_key: str | None

    @classmethod
    def of(cls, entry: JournalEntry) -> Probe:
        return cls(entry.pk, entry.kind, entry.idempotency_key)


def check_every_entry(expected_kinds: set[str], by_hand: tuple[str, ...] = ()) -> None:
    """Each posted entry: a kind from the list; a source the migrations
    derive from its key (a reversal: its entry's; an entry made by hand:
    none); and the migrations, run on the entries with kinds and sources
    blanked, give them back. ``by_hand``: the keys of entries a test posted
    itself in the product's place, left out."""
    entries = list(
        JournalEntry.objects.posted()
        .exclude(idempotency_key__in=by_hand)
        .select_related("source_type")
        .order_by("pk")
    )
    kinds = {entry.kind for entry in entries}
    assert kinds <= set(EntryKind.values)
    assert expected_kinds <= kinds, f"flows not run: {expected_kinds - kinds}"
    by_pk = {entry.pk: entry for entry in entries}
    for entry in entries:
        if entry.kind == EntryKind.REVERSAL:
            reversed_ = by_pk[entry.reverses_id]
            assert columns(entry)[1:] == columns(reversed_)[1:], entry
        elif entry.kind in (EntryKind.MANUAL, EntryKind.OPENING):
            assert columns(entry)[1:] == (None, None, ""), entry
        else:
            assert columns(entry) == derived(entry), entry
            assert entry.source_type_id or entry.source_ref, f"{entry} has no source"

    before = {entry.pk: columns(entry) for entry in entries}
    editor = SchemaEditor()
    guard_lift.lift_entry_guards(editor)
    JournalEntry.objects.update(source_type=None, source_id=None, source_ref="")
    JournalEntry.objects.filter(kind="card-receipt").update(kind="receipt")
    guard_lift.restore_entry_guards(editor)
    for migration in FILLS:
        migration.fill_sources(django_apps, editor)
    after = JournalEntry.objects.filter(pk__in=before).select_related("source_type")
    assert {entry.pk: columns(entry) for entry in after} == before


# -- the list, in Python and in the database -------------------------------------------------


def test_post_entry_refuses_a_kind_not_in_the_list_and_saves_nothing(fund, admin_user):
    amount = Money("10.00", "USD")
    with pytest.raises(LedgerError, match="not a kind of journal entry"):
        post_entry(
            fund,
            datetime.date(2019, 3, 10),
            "old spelling",
            [debit(AccountKey.BANK, amount), credit(AccountKey.CONTRIBUTIONS, amount)],
            admin_user,
            kind="grant_commitment",
        )
    assert not JournalEntry.objects.exists()


@settings(
    max_examples=40,
    deadline=None,
    # Each example rolls back its own entry: the fund is the same for all.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.one_of(st.sampled_from(EntryKind.values), st.text(max_size=40)))
def test_post_entry_takes_exactly_the_kinds_of_the_list(fund, admin_user, kind):
    amount = Money("10.00", "USD")
    legs = [debit(AccountKey.BANK, amount), credit(AccountKey.CONTRIBUTIONS, amount)]
    day = datetime.date(2019, 3, 10)
    with transaction.atomic():
        if kind in EntryKind.values:
            assert post_entry(fund, day, "m", legs, admin_user, kind=kind).kind == kind
        else:
            with pytest.raises(LedgerError):
                post_entry(fund, day, "m", legs, admin_user, kind=kind)
            assert not JournalEntry.objects.exists()
        transaction.set_rollback(True)


def test_the_database_refuses_a_kind_not_in_the_list(fund, admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            fund=fund, date=datetime.date(2019, 3, 10), memo="m", kind="grant_commitment",
            created_by=admin_user,
        )  # fmt: skip
    assert not JournalEntry.objects.exists()


def test_the_database_refuses_half_a_source(fund, admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            fund=fund, date=datetime.date(2019, 3, 10), memo="m", source_id=1,
            created_by=admin_user,
        )  # fmt: skip
    assert not JournalEntry.objects.exists()


def test_a_posted_entrys_kind_and_source_cannot_be_changed(fund, admin_user, event):
    amount = Money("10.00", "USD")
    entry = post_entry(
        fund,
        datetime.date(2019, 3, 10),
        "a host's cash",
        [debit(AccountKey.BANK, amount), credit(AccountKey.CONTRIBUTIONS, amount)],
        admin_user,
        kind=EntryKind.HOST_CASH,
        source=event,
        source_ref="AR-1",
    )
    for change in ({"kind": EntryKind.MANUAL}, {"source_id": event.pk + 1}, {"source_ref": "X"}):
        with pytest.raises(DatabaseError, match="posted journal entry"), transaction.atomic():
            JournalEntry.objects.filter(pk=entry.pk).update(**change)
    entry.refresh_from_db()
    assert (entry.kind, entry.source, entry.source_ref) == (EntryKind.HOST_CASH, event, "AR-1")
    assert list(JournalEntry.objects.from_source(event)) == [entry]


def test_a_reversal_keeps_the_source_of_the_entry_it_reverses(fund, admin_user, event):
    amount = Money("10.00", "USD")
    entry = post_entry(
        fund,
        datetime.date(2019, 3, 10),
        "a host's cash",
        [debit(AccountKey.BANK, amount), credit(AccountKey.CONTRIBUTIONS, amount)],
        admin_user,
        kind=EntryKind.HOST_CASH,
        source=event,
        source_ref="AR-1",
    )
    reversal = reverse_entry(entry, admin_user, "typed twice")
    assert (reversal.kind, reversal.source, reversal.source_ref) == ("reversal", event, "AR-1")


def test_an_unsaved_source_is_refused(fund, admin_user):
    amount = Money("10.00", "USD")
    with pytest.raises(LedgerError, match="saved"):
        post_entry(
            fund,
            datetime.date(2019, 3, 10),
            "m",
            [debit(AccountKey.BANK, amount), credit(AccountKey.CONTRIBUTIONS, amount)],
            admin_user,
            kind=EntryKind.HOST_CASH,
            source=Event(code="X"),
        )
    assert not JournalEntry.objects.exists()


def test_every_spelling_of_before_becomes_one_of_the_list():
    assert {RENAMING.one_spelling(old) for old in RENAMING.RENAMED} <= set(EntryKind.values)
    assert RENAMING.one_spelling("grant_no_show") == "grant-no-show"
    assert RENAMING.one_spelling("pledge") == "pledge"


def test_the_guards_lifted_for_a_migration_are_put_back_exactly():
    editor = SchemaEditor()
    before = _guards()
    guard_lift.lift_entry_guards(editor)
    lifted = _guards()
    guard_lift.restore_entry_guards(editor)
    assert lifted != before and _guards() == before


def _guards() -> list:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")
        else:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
            )
        return cursor.fetchall()


# -- the flows ---------------------------------------------------------------------------------


def test_the_years_flows_post_their_kinds_with_their_sources(
    year_with_host, fund, admin_user, finance, tmp_path
):
    """Pledges booked and cancelled (reversed, written down), receipts by hand
    and from a bank statement, grants in every state, the host country's
    cash, goods and costs, a bank charge booked, reopened and booked again,
    interest."""
    nippon = Pledge.objects.get(donor__name="Nippon Foundation")
    cancel_pledge(nippon, admin_user, reason="the rest will not come")  # partly paid
    donor = find_or_create_donor(name="Later Donor", kind="ngo", email="later@example.org")
    day = datetime.date(2019, 3, 20)
    unpaid = record_pledge(
        fund=fund, donor=donor, amount=Money("500", "USD"), pledge_date=day,
        method="bank_transfer", agreement_signed=True, by=admin_user,
    )  # fmt: skip
    cancel_pledge(unpaid, admin_user, reason="withdrawn")  # nothing paid: reversed
    paid_by_bank = record_pledge(
        fund=fund, donor=donor, amount=Money("300", "USD"), pledge_date=day,
        method="bank_transfer", agreement_signed=True, by=admin_user,
    )  # fmt: skip
    charge, interest, _receipt = statement_lines(
        fund,
        finance,
        tmp_path,
        [(day, "-12.50", "MONTHLY FEE"), (day, "3.10", "INTEREST"),
         (day, "300.00", paid_by_bank.reference)],
    )  # fmt: skip
    leave_unreconciled(charge, finance, "bank_charge", book=True)
    reopen_line(charge, finance, "booked on the wrong line")
    leave_unreconciled(charge, finance, "bank_charge", book=True)
    leave_unreconciled(interest, finance, "interest", book=True)

    check_every_entry(
        {
            "pledge", "pledge-cancellation", "reversal", "receipt",
            "grant-commitment", "grant-release", "grant-advance", "grant-liquidation",
            "grant-no-show", "grant-settlement", "grant-psc", "grant-refund",
            "host-cash", "host-in-kind", "host-cost", "bank-charge", "bank-interest",
        },
        by_hand=("card-refund:re_full",),  # the year's card refund, posted as the webhook does
    )  # fmt: skip
    grant_entry = JournalEntry.objects.filter(kind=EntryKind.GRANT_COMMITMENT).first()
    assert isinstance(grant_entry.source, Grant)
    assert JournalEntry.objects.from_source(charge).filter(kind="bank-charge").count() == 2
    bank_receipt = JournalEntry.objects.get(kind="receipt", memo__contains=paid_by_bank.reference)
    assert bank_receipt.source == BankLine.objects.get(reference=paid_by_bank.reference)


def test_the_card_processors_flows_post_their_kinds_with_their_sources(
    client, card_appeal, fund, fake_disputes, finance
):
    """A card receipt, its payout and the payout's exchange difference; a
    refund; a dispute held, its fee, lost."""
    paid_and_booked(client, card_appeal, "100")
    payout = payout_at(client, 10000, "0.900")
    book_payout_exchange_difference(payout, finance)
    refunded = paid_and_booked(client, card_appeal, "40")
    refund(refunded, "10")
    send(client, "charge.refunded", charge_of(refunded).to_dict())
    _payment, dispute = disputed_with_fee(client, card_appeal, fake_disputes)
    dispute["status"] = "lost"
    send(client, "charge.dispute.closed", dispute)

    check_every_entry(
        {
            "card-receipt", "card-payout", "payout-fx", "card-refund", "card-dispute",
            "card-dispute-fee",
        }
    )  # fmt: skip
    assert JournalEntry.objects.get(kind="payout-fx").source == payout
    assert JournalEntry.objects.get(kind="card-payout").source_ref == payout.payout_id
    [refund_entry] = JournalEntry.objects.filter(kind="card-refund")
    assert refund_entry.source == refunded and refund_entry.source_ref.startswith("re_")
    record = CardDispute.objects.get()
    assert set(JournalEntry.objects.from_source(record).values_list("kind", flat=True)) == {
        "card-dispute",
        "card-dispute-fee",
    }
    assert all(
        isinstance(entry.source, CardPayment)
        for entry in JournalEntry.objects.filter(kind="card-receipt")
    )
    assert CardPayout.objects.count() == 1


def test_the_system_check_reports_a_lifted_guard_as_missing():
    """A guard dropped (SQLite) or disabled (PostgreSQL) guards nothing."""
    from fundmgr.checks import check_ledger_guards

    assert check_ledger_guards(None, databases=["default"]) == []
    editor = SchemaEditor()
    guard_lift.lift_entry_guards(editor)
    try:
        [error] = check_ledger_guards(None, databases=["default"])
    finally:
        guard_lift.restore_entry_guards(editor)
    assert "fundmgr_entry_posted_no_update" in error.msg
    assert check_ledger_guards(None, databases=["default"]) == []
