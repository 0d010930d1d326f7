"""Correcting UN rates: an unused rate is replaced, a used one is revised from
a date with a reason; posted entries never change; both are audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from fundmgr.chart import AccountKey as K
from fundmgr.models import AuditRecord, ExchangeRate, Leg
from fundmgr.money import money
from fundmgr.rate_queries import entries_using, with_use
from fundmgr.roles import Role
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rate_corrections import RateCorrectionRefused, replace_rate, revise_rate
from fundmgr.services.rate_import import import_exchange_rates
from fundmgr.services.rates import MissingExchangeRate, convert, rate_on
from fundmgr.tabular import FileRejected

MARCH_1 = datetime.date(2019, 3, 1)
MARCH_10 = datetime.date(2019, 3, 10)
MARCH_15 = datetime.date(2019, 3, 15)


@pytest.fixture
def finance(make_user):
    return make_user("fin", Role.FINANCE_OFFICER)


def post_eur(fund, day, by, amount="88"):
    return post_entry(
        fund,
        day,
        "EUR gift",
        [debit(K.BANK, money(amount, "EUR")), credit(K.CONTRIBUTIONS, money(amount, "EUR"))],
        by,
    )


def legs_of(entry):
    return list(Leg.objects.filter(entry=entry).values_list("debit", "credit", "rate", "rate_date"))


# The defects -----------------------------------------------------------------


def test_an_unused_rate_restated_with_another_value_in_a_file_is_replaced(rates, finance, tmp_path):
    path = tmp_path / "official.csv"
    path.write_text("currency,effective_date,units_per_usd\nEUR,2019-03-01,0.875\n")

    result = import_exchange_rates(path, finance)

    assert result.replaced == 1
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.875")


def test_a_used_rate_revised_from_its_own_date_covers_the_whole_month(rates, fund, finance):
    entry = post_eur(fund, MARCH_10, finance)
    before = legs_of(entry)

    revise_rate("EUR", MARCH_1, Decimal("0.875"), "UN Treasury corrected March", finance)

    assert rate_on("EUR", MARCH_1).units_per_usd == Decimal("0.875")
    assert rate_on("EUR", datetime.date(2019, 3, 14)).units_per_usd == Decimal("0.875")
    assert legs_of(entry) == before


def test_the_lookup_takes_the_latest_rate_effective_on_or_before_the_day(rates, fund, finance):
    revise_rate("EUR", MARCH_15, Decimal("0.885"), "mid-month revision", finance)

    assert rate_on("EUR", MARCH_1).units_per_usd == Decimal("0.88")
    assert rate_on("EUR", datetime.date(2019, 3, 14)).units_per_usd == Decimal("0.88")
    assert rate_on("EUR", MARCH_15).units_per_usd == Decimal("0.885")
    assert rate_on("EUR", datetime.date(2019, 3, 31)).units_per_usd == Decimal("0.885")
    assert rate_on("EUR", datetime.date(2019, 4, 1)).units_per_usd == Decimal("0.89")


def eur_march(rates):
    return next(r for r in rates if r.currency == "EUR" and r.effective_date == MARCH_1)


# Replacing a rate nothing was converted at -------------------------------------


def test_replace_rate_corrects_an_unused_rate_and_audits_the_old_figure(rates, finance):
    rate = replace_rate(eur_march(rates), Decimal("0.875"), "typing error: 0.875", finance)

    assert ExchangeRate.objects.get(pk=rate.pk).units_per_usd == Decimal("0.875")
    assert ExchangeRate.objects.filter(currency="EUR", effective_date=MARCH_1).count() == 1
    record = AuditRecord.objects.get(action="rates:replaced")
    assert (record.actor, record.reason, record.target_id) == (
        finance,
        "typing error: 0.875",
        str(rate.pk),
    )
    assert record.data["old"] == {"units_per_usd": "0.880000", "illustrative": False}
    assert record.data["new"] == {"units_per_usd": "0.875", "illustrative": False}


def test_an_illustrative_rate_nothing_used_is_made_official(db, finance):
    demo = ExchangeRate.objects.create(
        currency="GBP", effective_date=MARCH_1, units_per_usd=Decimal("0.76"), illustrative=True
    )
    replace_rate(demo, Decimal("0.7612"), "official UNORE for March", finance, illustrative=False)
    demo.refresh_from_db()
    assert (demo.units_per_usd, demo.illustrative) == (Decimal("0.7612"), False)


def test_a_rate_a_posted_entry_was_converted_at_cannot_be_replaced(rates, fund, finance):
    entry = post_eur(fund, MARCH_10, finance)
    with pytest.raises(
        RateCorrectionRefused, match="1 posted entry was converted.*revise it from a date"
    ):
        replace_rate(eur_march(rates), Decimal("0.875"), "wrong", finance)
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.88")
    assert list(entries_using(eur_march(rates))) == [entry]
    assert not AuditRecord.objects.filter(action="rates:replaced").exists()


def test_a_leg_given_its_base_amount_still_counts_as_converted_at_the_rate(rates, fund, finance):
    # A receipt's legs carry base amounts worked out at the day's rate, and no rate date.
    post_entry(
        fund,
        MARCH_10,
        "EUR receipt",
        [
            debit(K.BANK, money("100", "USD")),
            credit(K.CONTRIBUTIONS, money("88", "EUR"), money("100", "USD")),
        ],
        finance,
    )
    assert Leg.objects.filter(original_currency="EUR", rate_date__isnull=True).exists()
    with pytest.raises(RateCorrectionRefused, match="revise it from a date"):
        replace_rate(eur_march(rates), Decimal("0.875"), "wrong", finance)


def test_entries_in_another_currency_or_month_do_not_use_a_rate(rates, fund, finance):
    post_eur(fund, datetime.date(2019, 4, 10), finance)  # April's EUR rate
    post_entry(
        fund,
        MARCH_10,
        "JPY gift",
        [debit(K.BANK, money("1000", "JPY")), credit(K.CONTRIBUTIONS, money("1000", "JPY"))],
        finance,
    )
    assert not entries_using(eur_march(rates)).exists()
    replace_rate(eur_march(rates), Decimal("0.875"), "typing error", finance)
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.875")


def test_an_entry_posted_before_a_later_dated_rate_was_recorded_still_used_the_earlier_one(
    rates, fund, finance
):
    entry = post_eur(fund, datetime.date(2019, 3, 20), finance)  # at March 1's rate
    revise_rate("EUR", MARCH_15, Decimal("0.885"), "mid-month revision", finance)
    assert list(entries_using(eur_march(rates))) == [entry]
    with pytest.raises(RateCorrectionRefused):
        replace_rate(eur_march(rates), Decimal("0.875"), "wrong", finance)


def test_the_in_use_mark_is_read_in_the_same_query(rates, fund, finance, django_assert_num_queries):
    post_eur(fund, MARCH_10, finance)
    with django_assert_num_queries(1):
        marks = {
            (r.currency, r.effective_date): r.in_use
            for r in with_use(ExchangeRate.objects.current())
        }
    assert marks[("EUR", MARCH_1)] is True
    assert marks[("EUR", datetime.date(2019, 4, 1))] is False
    assert marks[("JPY", MARCH_1)] is False


@pytest.mark.parametrize(
    ("new_rate", "reason", "words"),
    [
        (Decimal("0"), "why", "greater than zero"),
        (Decimal("-0.9"), "why", "greater than zero"),
        (Decimal("0.1234567"), "why", "6 decimals"),
        (Decimal("0.875"), "  ", "Say why"),
        (Decimal("0.88"), "why", "nothing to replace"),
    ],
)
def test_a_replacement_is_refused_with_a_message_naming_the_problem(
    rates, finance, new_rate, reason, words
):
    with pytest.raises(RateCorrectionRefused, match=words):
        replace_rate(eur_march(rates), new_rate, reason, finance)
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.88")
    assert not AuditRecord.objects.filter(action="rates:replaced").exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FUND_OFFICER, Role.APPROVING_OFFICER])
def test_only_finance_or_the_administrator_corrects_rates(rates, make_user, role):
    someone = make_user("someone", role)
    with pytest.raises(PermissionDenied, match="finance officer"):
        replace_rate(eur_march(rates), Decimal("0.875"), "why", someone)
    with pytest.raises(PermissionDenied, match="finance officer"):
        revise_rate("EUR", MARCH_15, Decimal("0.875"), "why", someone)
    with pytest.raises(PermissionDenied):
        revise_rate("EUR", MARCH_15, Decimal("0.875"), "why", "a-script")
    assert ExchangeRate.objects.count() == len(rates)


def test_the_administrator_may_correct_rates_as_they_may_import_them(rates, admin_user):
    replace_rate(eur_march(rates), Decimal("0.875"), "typing error", admin_user)
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.875")


# Revising a rate from a date -----------------------------------------------------


def test_a_revision_never_changes_a_posted_entry_and_later_entries_take_the_new_rate(
    rates, fund, finance
):
    early = post_eur(fund, MARCH_10, finance)
    late = post_eur(fund, datetime.date(2019, 3, 20), finance)
    before = {entry.pk: legs_of(entry) for entry in (early, late)}

    revision = revise_rate("EUR", MARCH_15, Decimal("0.8"), "UN Treasury revision", finance)

    assert {entry.pk: legs_of(entry) for entry in (early, late)} == before
    assert revision.entries_kept == 1  # the March 20 entry keeps 0.88
    assert revision.revised == eur_march(rates)
    after = post_eur(fund, datetime.date(2019, 3, 20), finance, amount="80")
    assert legs_of(after)[0][0] == Decimal("100.000")
    assert legs_of(after)[0][3] == MARCH_15


def test_a_revision_is_recorded_with_who_why_and_what_it_revises(rates, finance):
    revision = revise_rate("eur", MARCH_15, Decimal("0.885"), "UNORE revised mid-month", finance)

    rate = revision.rate
    assert (rate.currency, rate.effective_date, rate.units_per_usd) == (
        "EUR",
        MARCH_15,
        Decimal("0.885"),
    )
    assert (rate.revises, rate.reason, rate.recorded_by) == (
        eur_march(rates),
        "UNORE revised mid-month",
        finance,
    )
    record = AuditRecord.objects.get(action="rates:revised")
    assert (record.actor, record.reason, record.target_id) == (
        finance,
        "UNORE revised mid-month",
        str(rate.pk),
    )
    assert record.data["old"] == {"units_per_usd": "0.880000", "since": "2019-03-01"}
    assert record.data["posted_entries_keep_old_rate"] == 0


def test_a_revision_on_the_day_of_the_rate_keeps_the_earlier_row_as_history(rates, fund, finance):
    post_eur(fund, MARCH_10, finance)
    revise_rate("EUR", MARCH_1, Decimal("0.875"), "corrected for the month", finance)

    rows = ExchangeRate.objects.filter(currency="EUR", effective_date=MARCH_1)
    assert sorted((r.units_per_usd, r.superseded_at is not None) for r in rows) == [
        (Decimal("0.875"), False),
        (Decimal("0.88"), True),
    ]
    with pytest.raises(RateCorrectionRefused, match="history"):
        replace_rate(eur_march(rates), Decimal("0.87"), "again", finance)


def test_a_same_day_revision_can_itself_be_revised_on_that_day(rates, finance):
    revise_rate("EUR", MARCH_1, Decimal("0.875"), "first correction", finance)
    revise_rate("EUR", MARCH_1, Decimal("0.876"), "second correction", finance)
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.876")
    assert (
        ExchangeRate.objects.current().filter(currency="EUR", effective_date=MARCH_1).count() == 1
    )


@pytest.mark.parametrize(
    ("currency", "day", "new_rate", "reason", "words"),
    [
        ("EUR", MARCH_15, Decimal("0.885"), "", "Say why"),
        ("EUR", MARCH_15, Decimal("0"), "why", "greater than zero"),
        ("EUR", MARCH_15, Decimal("0.88"), "why", "already at 0.880000"),
        ("USD", MARCH_15, Decimal("1.01"), "why", "USD is the anchor"),
        ("XYZ", MARCH_15, Decimal("1.01"), "why", "XYZ"),
        ("GBP", MARCH_15, Decimal("0.77"), "why", "nothing to revise: import"),
        ("EUR", datetime.date(2019, 5, 2), Decimal("0.9"), "why", "nothing to revise"),
        ("EUR", datetime.date(2999, 1, 1), Decimal("0.9"), "why", "on or before today"),
    ],
)
def test_a_revision_is_refused_with_a_message_naming_the_problem(
    rates, finance, currency, day, new_rate, reason, words
):
    with pytest.raises(RateCorrectionRefused, match=words):
        revise_rate(currency, day, new_rate, reason, finance)
    assert ExchangeRate.objects.count() == len(rates)
    assert not AuditRecord.objects.filter(action="rates:revised").exists()


def test_a_revision_without_a_reason_is_refused_by_the_database_too(rates):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(
            currency="EUR",
            effective_date=MARCH_15,
            units_per_usd=Decimal("0.9"),
            revises=eur_march(rates),
        )


# The import follows the same rule ---------------------------------------------------


def test_an_import_replacing_an_unused_rate_is_audited_and_a_second_run_changes_nothing(
    rates, finance, tmp_path
):
    path = tmp_path / "official.csv"
    path.write_text("currency,effective_date,units_per_usd\nEUR,2019-03-01,0.875\n")
    import_exchange_rates(path, finance)
    record = AuditRecord.objects.get(action="rates:replaced")
    assert record.reason == "replaced by the file official.csv"
    assert record.data["why"] == {
        "code": "rates.replaced-by-file",
        "params": {"name": "official.csv"},
    }
    assert record.data["old"]["units_per_usd"] == "0.880000"
    audits = AuditRecord.objects.count()

    again = import_exchange_rates(path, finance)

    assert (again.created, again.replaced, again.unchanged) == (0, 0, 1)
    assert AuditRecord.objects.count() == audits
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.875")


def test_an_official_file_makes_an_unused_illustrative_rate_official(db, finance, tmp_path):
    ExchangeRate.objects.create(
        currency="GBP", effective_date=MARCH_1, units_per_usd=Decimal("0.77"), illustrative=True
    )
    path = tmp_path / "official.csv"
    path.write_text("currency,effective_date,units_per_usd\nGBP,2019-03-01,0.77\n")
    assert import_exchange_rates(path, finance).replaced == 1
    assert ExchangeRate.objects.get(currency="GBP").illustrative is False


def test_an_import_restating_a_used_illustrative_rate_as_official_is_refused(
    db, fund, finance, tmp_path
):
    ExchangeRate.objects.create(
        currency="EUR", effective_date=MARCH_1, units_per_usd=Decimal("0.88"), illustrative=True
    )
    post_eur(fund, MARCH_10, finance)
    path = tmp_path / "official.csv"
    path.write_text("currency,effective_date,units_per_usd\nEUR,2019-03-01,0.88\n")
    with pytest.raises(FileRejected, match="line 2.*as illustrative.*revise it from a date"):
        import_exchange_rates(path, finance)
    assert ExchangeRate.objects.get(currency="EUR").illustrative is True


def test_an_import_never_compares_with_a_superseded_row(rates, finance, tmp_path):
    revise_rate("EUR", MARCH_1, Decimal("0.875"), "corrected", finance)
    path = tmp_path / "again.csv"
    path.write_text("currency,effective_date,units_per_usd\nEUR,2019-03-01,0.875\n")
    result = import_exchange_rates(path, finance)
    assert (result.created, result.replaced, result.unchanged) == (0, 0, 1)


def test_conversion_uses_the_revised_rate_from_its_date(rates, finance):
    revise_rate("EUR", MARCH_15, Decimal("0.8"), "revision", finance)
    assert convert(money("80", "EUR"), "USD", MARCH_15).result == money("100.00", "USD")
    assert convert(money("88", "EUR"), "USD", MARCH_10).result == money("100.00", "USD")
    with pytest.raises(MissingExchangeRate):
        rate_on("EUR", datetime.date(2019, 2, 28))


def test_why_an_import_replaced_a_rate_reads_in_each_readers_language(rates, finance, tmp_path):
    """Kept by code in the audit record (issue 15): an import a French officer
    made reads in English or Arabic to the auditor."""
    from django.utils import translation

    path = tmp_path / "official.csv"
    path.write_text("currency,effective_date,units_per_usd\nEUR,2019-03-01,0.875\n")
    with translation.override("fr"):
        import_exchange_rates(path, finance)
    record = AuditRecord.objects.get(action="rates:replaced")
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            expected = translation.gettext("replaced by the file %(name)s") % {
                "name": "official.csv"
            }
            assert record.why_shown == expected
    assert expected != "replaced by the file official.csv"
