"""A bank's own statement (CAMT.053, MT940) refused by line says where and
why by a sentence's code and values (donors.sentences), as a CSV statement
does: read in each reader's language, whoever imported it (issue 15). What
the file said (a status, a tag's text) is kept as it was."""

from __future__ import annotations

import pytest
from django.utils import translation

from fundmgr.sentences import Sentence
from fundmgr.tabular import FileRejected
from tests.donors.test_bank_statement_formats import SAMPLES, camt, do_import, entry, statement


def said(language: str, msgid: str, values: dict | None = None) -> str:
    with translation.override(language):
        return translation.gettext(msgid) % (values or {})


def refused_in_french(path, fund, by) -> FileRejected:
    with translation.override("fr"), pytest.raises(FileRejected) as refused:
        do_import(path, fund, by)
    return refused.value


def test_a_bad_camt_entry_says_where_and_why_in_each_readers_language(fund, admin_user, tmp_path):
    path = camt(
        tmp_path,
        statement([entry(servicer_ref="B1"), entry("", side="BOTH", servicer_ref="B2")]),
    )
    (error,) = refused_in_french(path, fund, admin_user).errors
    assert isinstance(error.message, Sentence)
    assert error.message.data() == {
        "code": "import.where",
        "params": {
            "where": {"code": "import.camt053.where", "params": {"statement": 1, "entry": 2}},
            "problem": {
                "code": "import.several",
                "params": {
                    "first": {"code": "import.camt053.no-amount", "params": {}},
                    "then": {"code": "import.camt053.not-a-side", "params": {"value": "BOTH"}},
                },
            },
        },
    }
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            shown = str(error.message)
        where = said(
            language, "statement %(statement)d, entry %(entry)d", {"statement": 1, "entry": 2}
        )
        side = said(
            language,
            "credit or debit “%(value)s” is neither CRDT nor DBIT",
            {"value": "BOTH"},
        )
        assert shown.startswith(where) and shown.endswith(side), (language, shown)
        assert said(language, "no amount (Amt)") in shown
    assert said("ar", "no amount (Amt)") != "no amount (Amt)"


def test_a_file_that_is_not_a_camt053_statement_is_refused_by_code(fund, admin_user, tmp_path):
    notification = tmp_path / "camt054.xml"
    notification.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/>'
        "</Document>"
    )
    (error,) = refused_in_french(notification, fund, admin_user).errors
    assert error.message == Sentence("import.camt053.other-message", {"message": "camt.054.001.02"})
    msgid = "an ISO 20022 %(message)s message, not a CAMT.053 bank statement (camt.053.001.xx)"
    with translation.override("ar"):
        assert str(error.message) == said("ar", msgid, {"message": "camt.054.001.02"})


def test_an_mt940_tag_that_cannot_be_read_is_refused_by_code(fund, admin_user, tmp_path):
    text = (SAMPLES / "abnamro.sta").read_text().replace(":61:1105230523D11,63N426NONREF", ":61:X")
    path = tmp_path / "broken.sta"
    path.write_text(text)
    (error,) = refused_in_french(path, fund, admin_user).errors
    assert error.line == 14
    assert isinstance(error.message, Sentence) and error.message.code == "import.mt940.bad-tag"
    value = error.message.params["value"]
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            assert str(error.message) == said(
                language, "tag :%(tag)s: cannot be read: “%(value)s”", {"tag": "61", "value": value}
            )


def test_an_mt940_statement_without_a_currency_says_which_statement_by_code(
    fund, admin_user, tmp_path
):
    text = (SAMPLES / "abnamro.sta").read_text()
    lines = [line for line in text.splitlines() if not line.startswith(":60F:")]
    path = tmp_path / "no-balance.sta"
    path.write_text("\n".join(lines) + "\n")
    errors = refused_in_french(path, fund, admin_user).errors
    assert errors and all(isinstance(error.message, Sentence) for error in errors)
    first = errors[0].message
    with translation.override("ar"):
        where = said("ar", "statement %(number)d", {"number": 1})
        assert str(first) == said(
            "ar",
            "%(where)s: no currency: the statement has no opening balance (:60F:)",
            {"where": where},
        )


# What a bank's format says of a line beyond its columns (BankLine.detail_parts)


def test_a_camt_lines_detail_is_kept_by_code_and_read_in_each_readers_language(
    client, fund, admin_user, make_user, tmp_path
):
    from django.urls import reverse

    from donors.models import BankLine
    from fundmgr.roles import Role
    from tests.donors.test_bank_statement_formats import transaction

    instructed = (
        '<AmtDtls><InstdAmt><Amt Ccy="USD">1140.00</Amt><CcyXchg><SrcCcy>USD</SrcCcy>'
        "<TrgtCcy>EUR</TrgtCcy><XchgRate>0.8772</XchgRate></CcyXchg></InstdAmt></AmtDtls>"
    )
    path = camt(
        tmp_path,
        statement(
            [
                entry(
                    servicer_ref="B1",
                    booked="2019-03-19",
                    value="2019-03-20",
                    transactions=transaction(remittance="gift", extra=instructed),
                )
            ]
        ),
    )
    with translation.override("fr"):
        result = do_import(path, fund, admin_user)
    (line,) = BankLine.objects.filter(statement=result.statement)
    assert line.detail == ""  # nothing kept in the importer's French
    assert line.detail_parts == [
        {
            "code": "bank-line.detail.camt-account",
            "params": {"id": "STMT-1", "account": "CH9300762011623852957"},
        },
        {"code": "bank-line.detail.booked", "params": {"date": "2019-03-19"}},
        {
            "code": "bank-line.detail.instructed-at-rate",
            "params": {"amount": "1140.00", "currency": "USD", "rate": "0.8772"},
        },
    ]
    with translation.override("en"):
        assert line.detail_shown == (
            "statement STMT-1, account CH9300762011623852957; booked 2019-03-19; "
            "instructed 1140.00 USD (exchange rate 0.8772)"
        )
    for language in ("fr", "ar"):
        booked = said(language, "booked %(date)s", {"date": "2019-03-19"})
        with translation.override(language):
            assert booked in line.detail_shown
    assert said("ar", "booked %(date)s", {"date": "1"}) != "booked 1"

    client.force_login(make_user("fin", Role.FINANCE_OFFICER))
    url = reverse("finance-statement", args=[fund.code, result.statement.pk])
    for language in ("en", "ar"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert said(language, "booked %(date)s", {"date": "2019-03-19"}) in page, language


def test_a_lines_detail_kept_as_text_before_is_shown_as_it_was(fund, admin_user):
    from donors.models import BankLine, BankStatement
    from fundmgr.money import Money

    statement_ = BankStatement.objects.create(
        fund=fund, file_name="old.xml", imported_by=admin_user
    )
    line = BankLine.objects.create(
        statement=statement_,
        fund=fund,
        line_number=2,
        value_date="2019-03-20",
        amount=Money("10.00", "EUR"),
        state=BankLine.State.UNMATCHED,
        detail="relevé STMT-1, compte CH93; comptabilisé le 2019-03-19",
    )
    line.refresh_from_db()
    with translation.override("en"):
        assert line.detail_shown == "relevé STMT-1, compte CH93; comptabilisé le 2019-03-19"
