"""UN operational rates of exchange: which rate applies, conversion, import."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from fundmgr.chart import AccountKey as K
from fundmgr.models import AuditRecord, ExchangeRate
from fundmgr.money import Money, minor_units, money
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rate_import import import_exchange_rates
from fundmgr.services.rates import (
    MissingExchangeRate,
    convert,
    rate_on,
    rates_in_force,
    to_usd,
)
from fundmgr.tabular import FileRejected

MARCH_1 = datetime.date(2019, 3, 1)
APRIL_1 = datetime.date(2019, 4, 1)


# Which rate is in force -------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2019, 3, 1), Decimal("0.88")),
        (datetime.date(2019, 3, 31), Decimal("0.88")),
        (datetime.date(2019, 4, 1), Decimal("0.89")),
        (datetime.date(2019, 4, 30), Decimal("0.89")),
    ],
)
def test_rate_on_uses_the_rate_effective_on_the_transaction_date(rates, day, expected):
    assert rate_on("EUR", day).units_per_usd == expected


def test_rate_on_never_uses_a_later_rate(rates):
    # April's rate exists, but a March 31 transaction gets March's.
    rate = rate_on("eur", datetime.date(2019, 3, 31))
    assert rate.effective_date == MARCH_1
    assert rate.effective_date <= datetime.date(2019, 3, 31)


def test_a_mid_month_revision_applies_from_its_own_date(rates):
    ExchangeRate.objects.create(
        currency="EUR", effective_date=datetime.date(2019, 3, 15), units_per_usd=Decimal("0.885")
    )
    assert rate_on("EUR", datetime.date(2019, 3, 14)).units_per_usd == Decimal("0.88")
    assert rate_on("EUR", datetime.date(2019, 3, 15)).units_per_usd == Decimal("0.885")
    assert rate_on("EUR", datetime.date(2019, 3, 31)).units_per_usd == Decimal("0.885")


def test_a_missing_rate_raises_an_error_naming_the_currency_and_the_date(rates):
    with pytest.raises(MissingExchangeRate) as missing:
        rate_on("EUR", datetime.date(2019, 2, 28))
    assert "EUR" in str(missing.value)
    assert "2019-02-28" in str(missing.value)
    assert missing.value.currency == "EUR"
    assert missing.value.day == datetime.date(2019, 2, 28)


def test_a_currency_without_any_rate_raises_missing_exchange_rate(rates):
    with pytest.raises(MissingExchangeRate, match="GBP.*2019-03-10"):
        rate_on("GBP", datetime.date(2019, 3, 10))


def test_a_missing_rate_is_never_taken_as_one(rates):
    with pytest.raises(MissingExchangeRate):
        convert(money("100", "GBP"), "USD", datetime.date(2019, 3, 10))


def test_with_monthly_validity_a_february_rate_is_not_used_in_march(db, settings):
    settings.FUNDMGR_RATE_VALIDITY = "month"
    ExchangeRate.objects.create(
        currency="GBP", effective_date=datetime.date(2019, 2, 1), units_per_usd=Decimal("0.77")
    )
    assert rate_on("GBP", datetime.date(2019, 2, 28)).units_per_usd == Decimal("0.77")
    with pytest.raises(MissingExchangeRate, match="GBP.*2019-03-01"):
        rate_on("GBP", datetime.date(2019, 3, 1))


def test_with_monthly_validity_jpy_march_rate_does_not_carry_into_april(rates, settings):
    settings.FUNDMGR_RATE_VALIDITY = "month"
    assert rate_on("JPY", datetime.date(2019, 3, 31)).units_per_usd == Decimal("111")
    with pytest.raises(MissingExchangeRate, match="JPY"):
        rate_on("JPY", datetime.date(2019, 4, 2))


@pytest.mark.parametrize("validity", ["month", "latest"])
def test_rates_in_force_reads_several_currencies_in_one_query_by_rate_ons_rule(
    rates, settings, django_assert_num_queries, validity
):
    settings.FUNDMGR_RATE_VALIDITY = validity
    ExchangeRate.objects.create(
        currency="EUR", effective_date=datetime.date(2019, 3, 15), units_per_usd=Decimal("0.885")
    )
    codes = ["EUR", "JPY", "KWD", "ARS", "USD", "GBP"]
    for day in (datetime.date(2019, 3, 14), datetime.date(2019, 3, 31), APRIL_1):
        with django_assert_num_queries(1):
            found = rates_in_force(codes, day)
        expected = {"USD": Decimal(1)}
        for code in set(codes) - {"USD"}:
            try:
                expected[code] = rate_on(code, day).units_per_usd
            except MissingExchangeRate:
                pass
        assert found == expected
        assert "GBP" not in found


# Conversion ------------------------------------------------------------


@pytest.mark.parametrize(
    ("yen", "dollars"),
    [("1000", "9.01"), ("12345", "111.22"), ("111", "1.00"), ("1", "0.01"), ("55", "0.50")],
)
def test_convert_jpy_to_usd_rounds_to_cents(rates, yen, dollars):
    result = convert(money(yen, "JPY"), "USD", datetime.date(2019, 3, 20))
    assert result.result == money(dollars, "USD")
    assert result.result.amount.as_tuple().exponent == -2
    assert result.rate == Decimal("111")
    assert result.rate_date == MARCH_1
    assert result.source == money(yen, "JPY")


def test_convert_half_a_cent_rounds_up(db):
    ExchangeRate.objects.create(
        currency="JPY", effective_date=MARCH_1, units_per_usd=Decimal("200")
    )
    # 1 JPY = 0.005 USD exactly: half away from zero gives a cent.
    assert to_usd(money("1", "JPY"), MARCH_1) == money("0.01", "USD")


def test_usd_to_usd_needs_no_rate(db):
    assert not ExchangeRate.objects.exists()
    result = convert(money("12.34", "USD"), "USD", datetime.date(2019, 3, 20))
    assert result.result == money("12.34", "USD")
    assert result.rate == 1
    assert result.rate_date is None


def test_usd_is_never_given_a_rate_in_the_table(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(currency="USD", effective_date=MARCH_1, units_per_usd=1)


def test_kwd_keeps_three_decimals(rates):
    day = datetime.date(2019, 3, 20)
    to_kwd = convert(money("10.01", "USD"), "KWD", day)
    # 10.01 * 0.303 = 3.03303 KWD
    assert to_kwd.result.amount == Decimal("3.033")
    assert to_kwd.result.amount.as_tuple().exponent == -minor_units("KWD") == -3
    from_kwd = convert(money("1.234", "KWD"), "USD", day)
    # 1.234 / 0.303 = 4.0726... USD
    assert from_kwd.result == money("4.07", "USD")


def test_cross_conversion_goes_through_the_dollar_and_rounds_to_yen(rates):
    result = convert(money("100", "EUR"), "JPY", datetime.date(2019, 3, 20))
    # 100 / 0.88 * 111 = 12613.636... JPY
    assert result.result == money("12614", "JPY")
    assert result.rate == Decimal("0.88") / Decimal("111")
    assert result.rate_date == MARCH_1


# Import ----------------------------------------------------------------


def write_csv(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(path, rows: list[list[object]]):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


GOOD_CSV = (
    "currency,effective_date,units_per_usd\n"
    "EUR,2019-05-01,0.893\n"
    "JPY,2019-05-01,111.500\n"
    "KWD,2019-05-01,0.3035\n"
)


def test_import_exchange_rates_from_csv(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "unore-2019-05.csv", GOOD_CSV)
    result = import_exchange_rates(path, admin_user)
    assert result.created == 3
    assert result.unchanged == 0
    saved = {(r.currency, r.effective_date): r.units_per_usd for r in ExchangeRate.objects.all()}
    may = datetime.date(2019, 5, 1)
    assert saved == {
        ("EUR", may): Decimal("0.893"),
        ("JPY", may): Decimal("111.5"),
        ("KWD", may): Decimal("0.3035"),
    }
    assert rate_on("JPY", datetime.date(2019, 5, 20)).units_per_usd == Decimal("111.5")


def test_import_exchange_rates_from_xlsx(db, admin_user, tmp_path):
    path = write_xlsx(
        tmp_path / "unore.xlsx",
        [
            ["Currency", "Effective_date", "Units_per_USD"],
            ["EUR", datetime.date(2019, 5, 1), 0.893],
            ["jpy", "2019-05-01", "111.5"],
            # Spreadsheet cells have no time zone.
            ["CHF", datetime.datetime(2019, 5, 1), 1.0125],  # noqa: DTZ001
        ],
    )
    result = import_exchange_rates(path, admin_user)
    assert result.created == 3
    may = datetime.date(2019, 5, 1)
    assert ExchangeRate.objects.get(currency="EUR", effective_date=may).units_per_usd == Decimal(
        "0.893"
    )
    assert ExchangeRate.objects.get(currency="JPY", effective_date=may).units_per_usd == Decimal(
        "111.5"
    )
    assert ExchangeRate.objects.get(currency="CHF", effective_date=may).units_per_usd == Decimal(
        "1.0125"
    )


def test_import_is_audited_with_its_actor_and_counts(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "unore.csv", GOOD_CSV)
    import_exchange_rates(path, admin_user)
    record = AuditRecord.objects.get(action="rates:imported")
    assert record.actor == admin_user
    assert record.reason == "unore.csv"
    assert record.data == {"created": 3, "replaced": 0, "unchanged": 0, "skipped": 0}


def test_reimporting_the_same_file_changes_nothing(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "unore.csv", GOOD_CSV)
    import_exchange_rates(path, admin_user)
    before = list(
        ExchangeRate.objects.values_list("pk", "currency", "units_per_usd", "imported_at")
    )
    audits = AuditRecord.objects.count()

    again = import_exchange_rates(path, admin_user)

    assert again.created == 0
    assert again.unchanged == 3
    after = list(ExchangeRate.objects.values_list("pk", "currency", "units_per_usd", "imported_at"))
    assert after == before
    assert AuditRecord.objects.count() == audits


def test_reimporting_an_xlsx_file_changes_nothing(db, admin_user, tmp_path):
    path = write_xlsx(
        tmp_path / "unore.xlsx",
        [
            ["currency", "effective_date", "units_per_usd"],
            ["EUR", datetime.date(2019, 5, 1), 0.893],
        ],
    )
    assert import_exchange_rates(path, admin_user).created == 1
    assert import_exchange_rates(path, admin_user).created == 0
    assert ExchangeRate.objects.count() == 1


@pytest.mark.parametrize(
    ("bad_line", "expected_words"),
    [
        ("EUR,2019-13-01,0.893", "2019-13-01"),
        ("EUR,01/05/2019,0.893", "01/05/2019"),
        ("EUR,2019-05-01,-0.893", "greater than zero"),
        ("EUR,2019-05-01,0", "greater than zero"),
        ("EUR,2019-05-01,abc", "abc"),
        ("XYZ,2019-05-01,1.5", "XYZ"),
        ("USD,2019-05-01,1.1", "USD is the anchor currency; its rate is always 1, not 1.1"),
        ("USD,2019-05-01,0.5", "not 0.5"),
        ("EUR,2019-05-01,0.1234567", "6 decimals"),
    ],
)
def test_a_malformed_row_rejects_the_whole_file_naming_its_line(
    db, admin_user, tmp_path, bad_line, expected_words
):
    path = write_csv(
        tmp_path / "bad.csv",
        "currency,effective_date,units_per_usd\n"
        "JPY,2019-05-01,111.5\n"
        f"{bad_line}\n"
        "KWD,2019-05-01,0.3035\n",
    )
    with pytest.raises(FileRejected) as rejected:
        import_exchange_rates(path, admin_user)
    assert [error.line for error in rejected.value.errors] == [3]
    message = str(rejected.value)
    assert "line 3" in message
    assert expected_words in message
    assert "nothing was saved" in message
    assert not ExchangeRate.objects.exists()
    assert not AuditRecord.objects.filter(action="rates:imported").exists()


def test_every_bad_row_of_a_file_is_reported_by_line(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        "currency,effective_date,units_per_usd\n"
        "EUR,2019-05-01,0.893\n"
        "JPY,May 2019,111.5\n"
        "KWD,2019-05-01,0.3035\n"
        "ZZZ,2019-05-01,2\n",
    )
    with pytest.raises(FileRejected) as rejected:
        import_exchange_rates(path, admin_user)
    assert [error.line for error in rejected.value.errors] == [3, 5]
    assert not ExchangeRate.objects.exists()


def test_a_file_missing_a_column_is_rejected_at_line_one(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "bad.csv", "currency,effective_date\nEUR,2019-05-01\n")
    with pytest.raises(FileRejected) as rejected:
        import_exchange_rates(path, admin_user)
    assert [error.line for error in rejected.value.errors] == [1]
    assert "units_per_usd" in str(rejected.value)
    assert "line 1" in str(rejected.value)
    assert not ExchangeRate.objects.exists()


def test_a_malformed_xlsx_row_is_reported_with_its_spreadsheet_line(db, admin_user, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["currency", "effective_date", "units_per_usd"],
            ["EUR", datetime.date(2019, 5, 1), 0.893],
            ["JPY", datetime.date(2019, 5, 1), 111.5],
            ["KWD", datetime.date(2019, 5, 1), -0.3],
        ],
    )
    with pytest.raises(FileRejected, match="line 4"):
        import_exchange_rates(path, admin_user)
    assert not ExchangeRate.objects.exists()


def test_a_file_that_is_not_csv_or_xlsx_is_rejected(db, admin_user, tmp_path):
    path = tmp_path / "rates.txt"
    path.write_text(GOOD_CSV, encoding="utf-8")
    with pytest.raises(FileRejected):
        import_exchange_rates(path, admin_user)
    assert not ExchangeRate.objects.exists()


def test_a_conflicting_rate_for_a_used_rate_is_refused_by_line(rates, fund, admin_user, tmp_path):
    # A March entry was converted at EUR 0.88: the file may not change it.
    post_entry(
        fund,
        datetime.date(2019, 3, 10),
        "EUR gift",
        [debit(K.BANK, money("88", "EUR")), credit(K.CONTRIBUTIONS, money("88", "EUR"))],
        admin_user,
    )
    path = write_csv(
        tmp_path / "revised.csv",
        "currency,effective_date,units_per_usd\nGBP,2019-03-01,0.77\nEUR,2019-03-01,0.875\n",
    )
    with pytest.raises(FileRejected) as rejected:
        import_exchange_rates(path, admin_user)
    assert [error.line for error in rejected.value.errors] == [3]
    assert "line 3" in str(rejected.value)
    assert "EUR" in str(rejected.value)
    assert "revise it from a date" in str(rejected.value)
    assert ExchangeRate.objects.get(
        currency="EUR", effective_date=MARCH_1
    ).units_per_usd == Decimal("0.88")
    assert not ExchangeRate.objects.filter(currency="GBP").exists()


def test_the_same_rate_as_an_existing_one_is_not_a_conflict(rates, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "again.csv",
        "currency,effective_date,units_per_usd\nEUR,2019-03-01,0.880\nGBP,2019-03-01,0.77\n",
    )
    result = import_exchange_rates(path, admin_user)
    assert (result.created, result.unchanged) == (1, 1)


def test_two_lines_of_a_file_disagreeing_on_a_rate_are_refused(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "twice.csv",
        "currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nEUR,2019-05-01,0.894\n",
    )
    with pytest.raises(FileRejected, match="line 3") as rejected:
        import_exchange_rates(path, admin_user)
    assert "line 2" in str(rejected.value)  # names the other line too
    assert not ExchangeRate.objects.exists()


def test_the_optional_illustrative_and_source_columns_are_imported(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "demo.csv",
        "currency,effective_date,units_per_usd,illustrative,source\n"
        "EUR,2019-05-01,0.893,yes,estimate for the demo\n"
        "JPY,2019-05-01,111.5,,UN Treasury\n",
    )
    import_exchange_rates(path, admin_user)
    eur = ExchangeRate.objects.get(currency="EUR")
    jpy = ExchangeRate.objects.get(currency="JPY")
    assert (eur.illustrative, eur.source) == (True, "estimate for the demo")
    assert (jpy.illustrative, jpy.source) == (False, "UN Treasury")


def test_without_optional_columns_rates_are_official_and_sourced_to_the_file(
    db, admin_user, tmp_path
):
    path = write_csv(tmp_path / "unore-2019-05.csv", GOOD_CSV)
    import_exchange_rates(path, admin_user)
    assert set(ExchangeRate.objects.values_list("illustrative", "source")) == {
        (False, "unore-2019-05.csv")
    }


def test_importing_as_illustrative_marks_every_rate(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "unore.csv", GOOD_CSV)
    import_exchange_rates(path, admin_user, illustrative=True)
    assert set(ExchangeRate.objects.values_list("illustrative", flat=True)) == {True}


def test_a_blank_line_still_counts_in_the_line_numbers(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        "currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\n\nJPY,2019-05-01,-1\n",
    )
    with pytest.raises(FileRejected) as rejected:
        import_exchange_rates(path, admin_user)
    assert [error.line for error in rejected.value.errors] == [4]


def test_thousands_separators_are_accepted_in_rates(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "big.csv", 'currency,effective_date,units_per_usd\nIRR,2019-05-01,"42,000"\n'
    )
    import_exchange_rates(path, admin_user)
    assert ExchangeRate.objects.get(currency="IRR").units_per_usd == Decimal("42000")


def test_a_rate_written_with_a_decimal_comma_is_refused_not_read_as_a_thousand_times_more(
    db, admin_user, tmp_path
):
    path = write_csv(
        tmp_path / "european.csv", 'currency,effective_date,units_per_usd\nEUR,2019-05-01,"0,893"\n'
    )
    with pytest.raises(FileRejected, match="line 2"):
        import_exchange_rates(path, admin_user)
    assert not ExchangeRate.objects.exists()


# The management command ---------------------------------------------------


def test_import_exchange_rates_command_prints_its_counts(db, tmp_path):
    path = write_csv(tmp_path / "unore.csv", GOOD_CSV)
    out = StringIO()
    call_command("import_exchange_rates", str(path), stdout=out)
    assert ExchangeRate.objects.count() == 3
    # created first, then unchanged
    assert re.search(r"\b3\b\D+\b0\b", out.getvalue()), out.getvalue()

    again = StringIO()
    call_command("import_exchange_rates", str(path), stdout=again)
    assert ExchangeRate.objects.count() == 3
    assert re.search(r"\b0\b\D+\b3\b", again.getvalue()), again.getvalue()


def test_import_exchange_rates_command_records_the_importer(db, admin_user, tmp_path):
    path = write_csv(tmp_path / "unore.csv", GOOD_CSV)
    call_command("import_exchange_rates", str(path), "--by", admin_user.username, stdout=StringIO())
    assert AuditRecord.objects.get(action="rates:imported").actor == admin_user


def test_import_exchange_rates_command_refuses_a_bad_file_naming_the_line(db, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        "currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nJPY,2019-05-01,-1\n",
    )
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_exchange_rates", str(path), stdout=StringIO())
    assert not ExchangeRate.objects.exists()


def test_import_exchange_rates_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_exchange_rates", str(tmp_path / "nope.csv"), stdout=StringIO())


def test_money_amounts_are_money(rates):
    # Guard against a float sneaking into a conversion result.
    result = to_usd(Money(Decimal("880"), "EUR"), MARCH_1)
    assert isinstance(result.amount, Decimal)
    assert result == money("1000.00", "USD")


def test_usd_rows_at_1_are_the_anchor_restated_and_skipped(db, admin_user, tmp_path):
    path = write_csv(
        tmp_path / "unore.csv",
        "currency,effective_date,units_per_usd\n"
        "USD,2019-05-01,1\n"
        "EUR,2019-05-01,0.893\n"
        "USD,2019-06-01,1.000000\n",
    )
    result = import_exchange_rates(path, admin_user)
    assert (result.created, result.unchanged, result.skipped) == (1, 0, 2)
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["EUR"]
    record = AuditRecord.objects.get(action="rates:imported")
    assert record.data["skipped"] == 2


def test_the_rates_command_reports_the_usd_rows_it_skipped(db, tmp_path):
    path = write_csv(
        tmp_path / "unore.csv",
        "currency,effective_date,units_per_usd\nUSD,2019-05-01,1\nEUR,2019-05-01,0.893\n",
    )
    out = StringIO()
    call_command("import_exchange_rates", str(path), stdout=out)
    assert "1 rates added" in out.getvalue()
    assert "1 USD row at 1 skipped" in out.getvalue()
