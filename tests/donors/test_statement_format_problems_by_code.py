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
