"""The reconciliation workbook (docs/reports.md, "Excel workbook") on the
statement's worked example, with a bank statement, a card payout and a
conference budget added: every sheet's rows, the formulas, and the
LibreOffice round trip that recalculates every total and every check."""

# The shared fixtures are imported from the worked example; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from donors.models import BankLine, Pledge, Receipt
from donors.payments.models import CardPayout
from donors.services.bank_statements import COLUMNS, import_bank_statement
from fundmgr.chart import AccountKey as K
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from grants.models import Grant
from reports.services.bank_reconciliation import leave_unreconciled, match_payout_line
from reports.services.conference import (
    add_budget_line,
    conference_reconciliation,
    set_line_figures,
)
from reports.services.payouts import payout_reconciliation
from reports.services.statement import fund_statement
from reports.workbook import money_format, write_reconciliation_workbook
from tests.grants.test_workflow_support import quick_password_hashing, walk  # noqa: F401
from tests.reports.test_statement_worked_example import scenario  # noqa: F401

pytestmark = pytest.mark.django_db

D = Decimal
SHEETS = [
    "Statement",
    "Contributions",
    "Pledges receivable",
    "Grants",
    "Conference costs",
    "Card payouts",
    "Bank lines",
    "Checks",
]


@pytest.fixture
def books(scenario, event, finance, tmp_path):
    """The worked example, plus: a bank statement with a line paying JPY
    1,000,000 of Nippon's pledge and a line nobody recognises; a card payout
    of 300.00; a conference budget with delegates' travel (the grants) and
    documentation (an entered actual)."""
    fund = scenario
    nippon = Pledge.objects.get(donor__name="Nippon Foundation")
    path = tmp_path / "april.csv"
    rows = [
        ("2019-04-25", "1000000", "JPY", nippon.reference, "Nippon Foundation", "B-1"),
        ("2019-04-26", "42.00", "USD", "mystery", "Unknown sender", "B-2"),
    ]
    path.write_text(
        "\n".join([",".join(COLUMNS)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8"
    )
    with path.open("rb") as handle:
        import_bank_statement(handle, fund, finance, name="april.csv")
    amount = Money("300.00", "USD")
    entry = post_entry(
        fund,
        datetime.date(2019, 4, 20),
        "Card payout po_test",
        [debit(K.BANK, amount), credit(K.CARD_CLEARING, amount)],
        finance,
        kind="card-payout",
        idempotency_key="card-payout:po_test",
    )
    CardPayout.objects.create(
        payout_id="po_test", fund=fund, amount=amount, arrival_date=entry.date, entry=entry
    )
    add_budget_line(
        event, category="delegates_travel", funding_source="trust_fund", budget="7000", by=finance
    )
    docs = add_budget_line(
        event, category="documentation", funding_source="trust_fund", budget="1000", by=finance
    )
    set_line_figures(docs, by=finance, actual=D("1250.00"), why="final invoice")
    return fund


def write(fund, as_of=None, **kwargs):
    handle = io.BytesIO()
    summary = write_reconciliation_workbook(fund, as_of or timezone.localdate(), handle, **kwargs)
    handle.seek(0)
    return summary, handle


def number(value):
    # openpyxl reads numbers back as floats; their shortest repr is the text written.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value))
    return value


def rows_of(sheet) -> list[list]:
    return [[number(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def find(rows, label, column=0) -> list:
    [row] = [r for r in rows if r[column] == label]
    return row


def test_the_workbook_has_a_sheet_each_in_order(books):
    summary, handle = write(books)
    book = load_workbook(handle)
    assert book.sheetnames == SHEETS
    assert summary.rows["Contributions"] == 5  # four receipts and the bank line's
    assert summary.rows["Grants"] == 3


def test_the_statement_sheet_shows_each_line_and_the_closing_identity(books):
    s = fund_statement(books, timezone.localdate())
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Statement"])
    assert find(rows, "Contributions")[1] == s.contributions.amount
    assert find(rows, "Less expenditure")[1] == D("1500.00")
    assert find(rows, "Less card fees")[1] == D("16.54")
    assert find(rows, "Closing balance (ledger)")[1] == s.closing.amount
    opening = next(i for i, r in enumerate(rows, 1) if r[0] == "Opening balance")
    formula = find(rows, "Closing balance (opening + income - deductions)")[1]
    assert (
        formula
        == f"=B{opening}+SUM(B{opening + 1}:B{opening + 4})-SUM(B{opening + 5}:B{opening + 11})"
    )
    assert find(rows, "Memo: cash received from donors in the period")[1] == s.cash_received.amount


def test_the_contributions_sheet_has_one_row_per_receipt_with_its_rate(books):
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Contributions"])
    receipts = Receipt.objects.filter(fund=books)
    # header, receipts, total, EUR/JPY/USD, then received through the bank lines' JPY/USD
    assert len(rows) == 1 + receipts.count() + 1 + 3 + 2
    by_number = {r[0]: r for r in rows[1:6]}
    for receipt in receipts:
        row = by_number[receipt.number]
        assert row[6] == receipt.amount.amount and row[7] == receipt.amount.currency.code
        assert row[9] == receipt.base_amount
    testland = next(r for r in rows[1:6] if r[1] == "Republic of Testland")
    assert (testland[3].date(), testland[8], testland[9]) == (
        datetime.date(2019, 4, 10),
        D("0.89"),
        D("44943.82"),
    )
    assert find(rows, "Total")[9] == "=SUM(J2:J6)"
    assert find(rows, "Total in JPY")[6] == '=SUMIF(H2:H6,"JPY",G2:G6)'
    assert (
        find(rows, "Received through bank lines in JPY")[6]
        == '=SUMIFS(G2:G6,H2:H6,"JPY",K2:K6,"<>")'
    )
    from_line = BankLine.objects.get(bank_ref="B-1").receipts.get()
    assert by_number[from_line.number][10] == "april.csv, 2"  # the line after the header
    assert [r[10] for r in rows[1:6]].count(None) == 4  # the others were not bank lines'


def test_the_contributions_sheet_shows_the_rate_a_receipt_was_converted_at_after_a_revision(
    books, finance
):
    from fundmgr.services.rate_corrections import revise_rate

    # Testland's EUR receipt of 10 April was converted at 0.89; EUR is then
    # revised for the whole of April. The receipt's row keeps its own rate.
    revise_rate("EUR", datetime.date(2019, 4, 1), D("0.9"), "UN Treasury correction", finance)
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Contributions"])
    testland = next(r for r in rows[1:6] if r[1] == "Republic of Testland")
    assert (testland[8], testland[9]) == (D("0.89"), D("44943.82"))


def test_amounts_carry_accounting_formats_with_each_currencys_minor_unit(books):
    _summary, handle = write(books)
    sheet = load_workbook(handle)["Contributions"]
    formats = {row[7].value: row[6].number_format for row in sheet.iter_rows(min_row=2, max_row=6)}
    assert formats["JPY"] == '#,##0 "JPY";-#,##0 "JPY"'
    assert formats["EUR"] == money_format("EUR") == '#,##0.00 "EUR";-#,##0.00 "EUR"'
    assert sheet["J2"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'


def test_every_sheet_is_frozen_filtered_and_printable(books):
    _summary, handle = write(books)
    book = load_workbook(handle)
    for name in SHEETS:
        sheet = book[name]
        assert sheet.freeze_panes in ("A2", "A4"), name
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows, name
    for name in SHEETS[1:-1]:
        assert book[name].auto_filter.ref, name


def test_the_receivable_sheet_has_a_row_per_unpaid_instalment(books):
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Pledges receivable"])
    data = [r for r in rows[1:] if r[1]]
    # Testland: two EUR 30,000 instalments; Nippon: JPY 2,000,000 still open
    # after the bank line's 1,000,000 (JPY 5,000,000 - 2,000,000 - 1,000,000).
    assert sorted((r[1], r[5], r[6]) for r in data) == [
        ("Nippon Foundation", "Due", D("2000000")),
        ("Republic of Testland", "Due", D("30000")),
        ("Republic of Testland", "Not yet due", D("30000")),
    ]
    testland_due = next(r for r in data if r[1] == "Republic of Testland" and r[5] == "Due")
    assert (testland_due[3], testland_due[4], testland_due[8]) == (
        100,
        "91-180 days",
        D("34090.91"),
    )


def test_the_grants_sheet_shows_each_grants_money_as_its_page_does(books):
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Grants"])
    by_reference = {r[1]: r for r in rows[1:4]}
    for grant in Grant.objects.filter(event__fund=books):
        row = by_reference[grant.reference]
        assert row[5:12] == [
            grant.approved_amount,
            grant.advance_amount + grant.balance_paid,
            grant.actual_cost,
            row[8],  # PSC: from the ledger, checked against the statement below
            grant.traveller_refunded,
            row[10],
            grant.committed_amount,
        ]
    settled = next(r for r in rows[1:4] if r[4] == "Settled")
    assert settled[5:12] == [
        D("2000.00"),
        D("1600.00"),
        D("1500.00"),
        D("120.00"),
        D("100.00"),
        0,
        0,
    ]
    assert find(rows, "Total")[11] == "=SUM(L2:L4)"


def test_the_conference_sheet_has_the_reconciliation_lines_and_the_impact(books, event):
    rec = conference_reconciliation(event)
    _summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Conference costs"])
    travel = find(rows, "Delegates' travel", column=1)
    assert (travel[3], travel[4]) == (D("7000.00"), rec.grants.spent)
    docs = find(rows, "Documentation", column=1)
    assert docs[3:7] == [D("1000.00"), D("1250.00"), "=E3-D3", D("25.0")]
    assert find(rows, "Regular-budget impact (must be zero)", column=1)[3] == 0


def test_card_payouts_and_bank_lines_are_listed_with_their_state(books):
    _summary, handle = write(books)
    book = load_workbook(handle)
    payouts = rows_of(book["Card payouts"])
    assert payouts[1][1].date() == datetime.date(2019, 4, 20)
    assert [payouts[1][0], *payouts[1][2:4]] == ["po_test", D("300.00"), "USD"]
    lines = rows_of(book["Bank lines"])
    matched, unmatched = lines[1], lines[2]
    receipt = BankLine.objects.get(bank_ref="B-1").receipts.get()
    assert (matched[7], matched[8], matched[10]) == (
        "Matched",
        Pledge.objects.get(donor__name="Nippon Foundation").reference,
        receipt.number,
    )
    assert (unmatched[3], unmatched[7], unmatched[8]) == (D("42.00"), "Unmatched", None)


def test_each_payout_shows_what_it_settles_and_what_is_left_unexplained(books, finance):
    as_of = timezone.localdate()
    [row] = payout_reconciliation(books, as_of).rows
    line = BankLine.objects.get(bank_ref="B-2")
    leave_unreconciled(line, finance, "other", "a test deposit the bank will recall")
    _summary, handle = write(books, as_of)
    payouts = rows_of(load_workbook(handle)["Card payouts"])

    written = payouts[1]
    settles = row.settles
    assert written[4:11] == [
        D("300.00"),
        settles.gross,
        settles.fees,
        settles.refunds,
        settles.disputes,
        settles.other,
        D("0.000"),
    ]
    # The worked example's card refund, and its card receipt (booked by hand, not
    # under a Stripe intent's key, so "other"): the payout's difference is non-zero.
    assert settles.refunds > 0 and settles.other > 0 and row.difference != 0
    assert written[11] == "=E2-(F2-G2-H2-I2+J2+K2)"
    assert written[13] == row.payout.entry_id
    assert find(payouts, "Total")[11] == "=SUM(L2:L2)"
    assert find(payouts, "Card clearing movements in no payout yet (net)")[4] == "=F6-G6-H6-I6+J6"
    lines = rows_of(load_workbook(handle)["Bank lines"])
    left = next(r for r in lines if r[5] == "mystery")
    assert left[11:14] == [None, "Other", "a test deposit the bank will recall"]


def test_every_check_is_a_formula_over_the_other_sheets(books):
    summary, handle = write(books)
    rows = rows_of(load_workbook(handle)["Checks"])
    checks = rows[1:-1]
    assert len(checks) == len(summary.checks) >= 15
    for n, (label, left, right, holds) in enumerate(checks, start=2):
        assert left.startswith("=") and right.startswith("=")
        places = 0 if "in JPY" in label else 2  # the yen has no minor unit
        assert holds == f"=ROUND(B{n}-C{n},{places})=0"
    bank = find(rows, "Bank lines matched to receipts in JPY = receipts made by bank lines in JPY")
    assert bank[1].startswith("='Bank lines'!$D$") and bank[2].startswith("='Contributions'!$G$")
    contributions = find(
        rows, "Contributions sheet total = cash received from donors in the period"
    )
    assert (
        contributions[1].startswith("='Contributions'!$J$")
        and "'Statement'!$B$" in contributions[2]
    )


def test_progress_is_reported_up_to_the_total(books):
    calls = []
    write(books, progress=lambda done, total: calls.append((done, total)))
    total = calls[-1][1]
    assert calls[-1] == (total, total) and len(calls) >= 8
    assert [done for done, _t in calls] == sorted(done for done, _t in calls)


def test_the_command_writes_the_workbook(books, tmp_path):
    output = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command(
        "export_reconciliation", fund=books.code, as_of="2019-04-30", output=str(output), stdout=out
    )
    assert load_workbook(output).sheetnames == SHEETS
    assert "checks" in out.getvalue()


@pytest.mark.parametrize(
    ("code", "as_of", "message"),
    [("NOPE", "2019-04-30", "no fund 'NOPE'"), ("TESTF", "30/04/2019", "YYYY-MM-DD")],
)
def test_the_command_refuses_an_unknown_fund_or_a_bad_date(code, as_of, message, tmp_path, books):
    with pytest.raises(CommandError, match=message):
        call_command("export_reconciliation", fund=code, as_of=as_of, output=str(tmp_path / "x"))


# --- The LibreOffice round trip ------------------------------------------------------------


def recalculated(path, tmp_path):
    """The workbook converted by LibreOffice headless, which recalculates
    every formula, read back with the values it computed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is needed for the round trip; .ci/run installs it")
    outdir = tmp_path / "converted"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return load_workbook(outdir / path.name, data_only=True)


def cents(value) -> Decimal:
    # LibreOffice computes in binary floats; the figures have at most 2 decimals.
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("as_of", [None, datetime.date(2019, 3, 31)])
def test_libreoffice_recalculates_every_total_and_check_to_the_statement(books, tmp_path, as_of):
    as_of = as_of or timezone.localdate()
    path = tmp_path / "reconciliation.xlsx"
    summary = write_reconciliation_workbook(books, as_of, path)
    book = recalculated(path, tmp_path)
    s = fund_statement(books, as_of)
    p = s.position

    statement = rows_of(book["Statement"])
    assert (
        cents(find(statement, "Closing balance (opening + income - deductions)")[1])
        == s.closing.amount
    )
    assert cents(find(statement, "Difference")[1]) == 0
    assert cents(find(statement, "Total contributions by donor")[1]) == s.contributions.amount

    contributions = rows_of(book["Contributions"])
    assert cents(find(contributions, "Total")[9]) == s.cash_received.amount
    receipts = Receipt.objects.filter(fund=books, value_date__lte=as_of)
    for code in {r.amount.currency.code for r in receipts}:
        expected = sum((r.amount.amount for r in receipts if r.amount.currency.code == code), D(0))
        assert cents(find(contributions, f"Total in {code}")[6]) == expected

    receivable = rows_of(book["Pledges receivable"])
    assert cents(find(receivable, "Total")[8]) == s.receivable.amount
    assert cents(find(receivable, "Due")[8]) == s.receivable_due.amount
    assert cents(find(receivable, "Not yet due")[8]) == s.receivable_not_due.amount
    assert cents(find(receivable, "Unallocated")[8]) == s.receivable_unallocated.amount
    for band in s.ageing:
        assert cents(find(receivable, band.label)[8]) == band.amount.amount

    grants = find(rows_of(book["Grants"]), "Total")
    assert [cents(v) for v in (grants[7], grants[8], grants[10], grants[11])] == [
        s.expenditure.amount,
        s.psc.amount,
        p.travel_advances.amount,
        p.open_commitments.amount,
    ]

    conference = rows_of(book["Conference costs"])
    rec = conference_reconciliation(books.events.get())
    assert cents(find(conference, "Total budget", column=1)[3]) == rec.total_budget
    assert cents(find(conference, "Total actual", column=1)[4]) == rec.total_actual
    assert cents(find(conference, "Total variance", column=1)[5]) == rec.total_variance

    payouts = CardPayout.objects.filter(fund=books, arrival_date__lte=as_of)
    total_payouts = sum((x.amount.amount for x in payouts), D(0))
    assert cents(find(rows_of(book["Card payouts"]), "Total in USD")[2]) == total_payouts
    lines = BankLine.objects.filter(fund=books, value_date__lte=as_of)
    bank = rows_of(book["Bank lines"])
    for code in {x.amount.currency.code for x in lines}:
        expected = sum((x.amount.amount for x in lines if x.amount.currency.code == code), D(0))
        assert cents(find(bank, f"Total in {code}")[3]) == expected

    checks = rows_of(book["Checks"])
    assert [row[0] for row in checks[1:-1]] == summary.checks
    assert all(row[3] is True for row in checks[1:]), [r for r in checks if r[3] is not True]


def test_a_check_reads_false_when_the_sheets_disagree_with_the_statement(books, tmp_path, finance):
    # PSC charged by hand, not on a grant's settlement: the statement has it,
    # the Grants sheet does not, and the check says so.
    post_entry(
        books,
        datetime.date(2019, 4, 30),
        "PSC charged by hand",
        [debit(K.PSC, Money("10.00", "USD")), credit(K.BANK, Money("10.00", "USD"))],
        finance,
    )
    path = tmp_path / "reconciliation.xlsx"
    write_reconciliation_workbook(books, timezone.localdate(), path)
    checks = rows_of(recalculated(path, tmp_path)["Checks"])
    failing = [row[0] for row in checks[1:] if row[3] is not True]
    assert failing == [
        "Grants: total PSC charged = statement programme support cost",
        "Every check holds",
    ]


# --- Bank lines: totals by state, and the matched lines tied to their receipts --------------


def import_april_again(fund, finance, tmp_path):
    """The books fixture's statement imported a second time, with one new
    line, the card payout po_test arriving (matched to it: a matched line
    that made no receipt). The two old lines come back ``already_imported``
    (nothing recorded)."""
    nippon = Pledge.objects.get(donor__name="Nippon Foundation")
    path = tmp_path / "april-again.csv"
    rows = [
        ("2019-04-21", "300.00", "USD", "payout po_test", "Card processor", "B-3"),
        ("2019-04-25", "1000000", "JPY", nippon.reference, "Nippon Foundation", "B-1"),
        ("2019-04-26", "42.00", "USD", "mystery", "Unknown sender", "B-2"),
    ]
    path.write_text(
        "\n".join([",".join(COLUMNS)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8"
    )
    with path.open("rb") as handle:
        result = import_bank_statement(handle, fund, finance, name="april-again.csv")
    assert result.already_imported == 2
    match_payout_line(
        CardPayout.objects.get(payout_id="po_test"), BankLine.objects.get(bank_ref="B-3"), finance
    )


def test_a_statement_imported_twice_is_not_counted_twice_in_the_bank_lines_totals(
    books, finance, tmp_path
):
    import_april_again(books, finance, tmp_path)
    path = tmp_path / "reconciliation.xlsx"
    write_reconciliation_workbook(books, timezone.localdate(), path)
    book = recalculated(path, tmp_path)
    bank = rows_of(book["Bank lines"])
    # The repeats are listed, each with its state...
    assert [r[7] for r in bank[1:6]].count("Already imported") == 2
    # ...but the money is the first import's, once (and the payout's line).
    assert cents(find(bank, "Total in JPY")[3]) == D("1000000")
    assert cents(find(bank, "Total in USD")[3]) == D("342.00")
    # The totals by state, the repeats beside the total.
    figures = {r[0]: cents(r[3]) for r in bank if r[0] and " in " in r[0]}
    assert {label: v for label, v in figures.items() if v} == {
        "Matched in JPY": D("1000000"),
        "Total in JPY": D("1000000"),
        "Already imported in JPY (repeats of lines above, not in the total)": D("1000000"),
        "Matched to receipts in JPY": D("1000000"),
        "Matched in USD": D("300.00"),  # the payout's line: matched, no receipt
        "Unmatched in USD": D("342.00") - D("300.00"),
        "Total in USD": D("342.00"),
        "Already imported in USD (repeats of lines above, not in the total)": D("42.00"),
    }
    checks = rows_of(book["Checks"])
    tie = find(checks, "Bank lines matched to receipts in JPY = receipts made by bank lines in JPY")
    assert [cents(tie[1]), cents(tie[2]), tie[3]] == [D("1000000"), D("1000000"), True]
    assert all(row[3] is True for row in checks[1:]), [r for r in checks if r[3] is not True]


def test_the_bank_check_reads_false_when_a_matched_lines_receipts_differ_from_it(books, tmp_path):
    # A receipt altered behind the service's back: its bank line's JPY 1,000,000
    # no longer equals what the Contributions sheet shows it made.
    receipt = BankLine.objects.get(bank_ref="B-1").receipts.get()
    Receipt.objects.filter(pk=receipt.pk).update(amount=D("999000"))
    path = tmp_path / "reconciliation.xlsx"
    write_reconciliation_workbook(books, timezone.localdate(), path)
    checks = rows_of(recalculated(path, tmp_path)["Checks"])
    failing = [row[0] for row in checks[1:] if row[3] is not True]
    assert failing == [
        "Bank lines matched to receipts in JPY = receipts made by bank lines in JPY",
        "Every check holds",
    ]


def test_the_workbook_made_for_a_french_reader_has_french_headings_and_country_names(books):
    """A workbook is written in its requester's language: the sheets'
    headings and the grants' countries (CLDR), not the stored English."""
    from django.utils import translation

    with translation.override("fr"):
        _summary, handle = write(books)
    book = load_workbook(handle)
    assert book.sheetnames[0] == "État financier"
    rows = rows_of(book["Aides"])
    assert rows[0][:4] == ["Manifestation", "Référence", "Délégué", "Pays"]
    assert {row[3] for row in rows[1:4]} == {"Bangladesh", "Éthiopie", "Népal"}
