# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""What became of a bank statement line (unmatched because no pledge
reference was found, discarded for a zero amount, imported before...) is kept
by a sentence's code and its values (donors.sentences), not in the language of
whoever imported the file: a statement a French officer imported reads in
English, French or Arabic to each reader, on the queue, the statement's page,
the bank reconciliation page and in the reconciliation workbook (issue 15).
Lines imported before keep their text, shown as it was."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from donors.models import BankLine, BankStatement
from fundmgr.money import Money
from fundmgr.roles import Role
from tests.test_bank_statements import do_import, line_of, make_pledge, write_statement  # noqa: F401

State = BankLine.State
OTHER_CURRENCY = (
    "received in %(received)s but pledge %(refs)s is in %(pledged)s: a person must decide"
)


def said(language: str, msgid: str, values: dict | None = None) -> str:
    with translation.override(language):
        return translation.gettext(msgid) % (values or {})


def imported_in_french(fund, by, tmp_path, rows):
    with translation.override("fr"):
        return do_import(write_statement(tmp_path, rows), fund, by)


def test_a_lines_message_is_kept_by_code_and_read_in_each_readers_language(
    fund, admin_user, make_pledge, tmp_path
):
    pledge = make_pledge("1000")
    result = imported_in_french(
        fund,
        admin_user,
        tmp_path,
        [
            ("2019-03-20", "0.00", "EUR", pledge.reference, "", "B1"),
            ("2019-03-20", "10.00", "EUR", "no reference here", "", "B2"),
            ("2019-03-20", "-5.00", "EUR", "charges", "", "B3"),
            ("2019-03-20", "10.00", "USD", pledge.reference, "", "B4"),
        ],
    )
    zero, nothing, negative, other = (line_of(result, n) for n in (2, 3, 4, 5))
    assert zero.message_sentence == {"code": "bank-line.zero-amount", "params": {}}
    assert nothing.message_sentence == {"code": "bank-line.no-pledge-reference", "params": {}}
    assert negative.message_sentence == {"code": "bank-line.negative-amount", "params": {}}
    assert other.message_sentence == {
        "code": "bank-line.other-currency",
        "params": {"received": "USD", "refs": pledge.reference, "pledged": "EUR"},
    }
    assert zero.message == ""  # nothing kept in the importer's French

    with translation.override("en"):
        assert zero.message_shown == "zero amount"
        assert nothing.message_shown == "no pledge reference found in the line"
        assert other.message_shown == (
            f"received in USD but pledge {pledge.reference} is in EUR: a person must decide"
        )
    for language in ("fr", "ar"):
        with translation.override(language):
            assert zero.message_shown == said(language, "zero amount")
            assert nothing.message_shown == said(language, "no pledge reference found in the line")
            values = {"received": "USD", "refs": pledge.reference, "pledged": "EUR"}
            assert other.message_shown == said(language, OTHER_CURRENCY, values)
            assert other.message_shown != said("en", OTHER_CURRENCY, values)


def test_a_repeated_statement_says_where_each_line_was_imported_before(
    fund, admin_user, make_pledge, tmp_path
):
    rows = [("2019-03-20", "10.00", "EUR", "unknown", "", "B1")]
    imported_in_french(fund, admin_user, tmp_path, rows)
    again = imported_in_french(fund, admin_user, tmp_path, rows)
    line = line_of(again, 2)
    assert line.state == State.ALREADY_IMPORTED
    assert line.message_sentence == {
        "code": "bank-line.imported-before",
        "params": {"line": 2, "statement": "statement.csv"},
    }
    with translation.override("ar"):
        assert line.message_shown == said(
            "ar",
            "imported before: line %(line)d of %(statement)s",
            {"line": 2, "statement": "statement.csv"},
        )


def test_a_receipt_that_could_not_be_recorded_keeps_why_with_the_lines_code(
    fund, admin_user, make_pledge, tmp_path
):
    pledge = make_pledge("1000")
    result = imported_in_french(
        fund, admin_user, tmp_path, [("2019-05-02", "1000", "EUR", pledge.reference, "", "B1")]
    )
    line = line_of(result, 2)
    assert line.state == State.ERROR
    assert line.message_sentence["code"] == "bank-line.receipt-not-recorded"
    with translation.override("en"):
        assert line.message_shown.startswith("the receipt could not be recorded: ")
    with translation.override("ar"):
        assert line.message_shown.startswith(
            said("ar", "the receipt could not be recorded: %(why)s", {"why": ""})
        )


def test_the_finance_pages_show_a_lines_message_in_the_readers_language(
    client, fund, admin_user, make_user, make_pledge, tmp_path
):
    result = imported_in_french(
        fund, admin_user, tmp_path, [("2019-03-20", "10.00", "EUR", "unknown", "", "B1")]
    )
    client.force_login(make_user("fin", Role.FINANCE_OFFICER))
    pages = [
        reverse("finance-queue", args=[fund.code]),
        reverse("finance-statement", args=[fund.code, result.statement.pk]),
        reverse("bank-reconciliation", args=[fund.code]),
    ]
    for url in pages:
        for language in ("en", "fr", "ar"):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert page.status_code == 200, url
            text = page.content.decode()
            wanted = said(language, "no pledge reference found in the line")
            assert wanted in text.replace("&#x27;", "'").replace("&rsquo;", "’"), (url, language)
        assert (
            said("fr", "no pledge reference found in the line")
            not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )


def test_a_line_imported_before_messages_were_kept_by_code_shows_its_text(fund, admin_user):
    statement = BankStatement.objects.create(fund=fund, file_name="old.csv", imported_by=admin_user)
    line = BankLine.objects.create(
        statement=statement,
        fund=fund,
        line_number=2,
        value_date="2019-03-20",
        amount=Money("10.00", "EUR"),
        state=State.UNMATCHED,
        message="aucune référence d’annonce de contribution trouvée dans la ligne",
    )
    line.refresh_from_db()
    assert line.message_sentence is None
    with translation.override("en"):
        assert line.message_shown == (
            "aucune référence d’annonce de contribution trouvée dans la ligne"
        )


def test_the_reconciliation_workbook_writes_a_lines_message_in_its_language(
    fund, admin_user, make_pledge, tmp_path
):
    import datetime

    import openpyxl

    from reports.workbook import write_reconciliation_workbook

    imported_in_french(
        fund, admin_user, tmp_path, [("2019-03-20", "10.00", "EUR", "unknown", "", "B1")]
    )
    for language in ("en", "ar"):
        path = tmp_path / f"workbook-{language}.xlsx"
        with translation.override(language):
            write_reconciliation_workbook(fund, datetime.date(2019, 3, 31), path)
            title = translation.gettext("Bank lines")
        sheet = openpyxl.load_workbook(path, read_only=True)[title]
        cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row}
        assert said(language, "no pledge reference found in the line") in cells
        assert said("fr", "no pledge reference found in the line") not in cells
