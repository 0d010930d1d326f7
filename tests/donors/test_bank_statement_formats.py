# ruff: noqa: F811 - fixtures imported from other tests are parameters here
"""Banks' own statement formats (issue 11): CAMT.053 and MT940 files,
recognised by their content, go through the same checks, matching, states and
idempotency as the CSV import. Real banks' sample files are in bank_samples/
(README.md there names their sources); the values asserted were read in them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from donors.import_jobs import statement_message, statement_summary
from donors.models import BankLine, BankStatement, Receipt
from donors.services.bank_statements import import_bank_statement
from donors.services.statement_formats import swift_mt940
from fundmgr.models import ImportJob, JournalEntry
from fundmgr.roles import Role
from fundmgr.tabular import FileRejected
from tests.test_bank_statements import make_pledge  # noqa: F401 - a fixture
from tests.test_import_jobs import (  # noqa: F401 - fixtures
    database_tasks,
    imports_root,
    job_url,
    run_worker,
    upload_of,
)

SAMPLES = Path(__file__).parent / "bank_samples"
State = BankLine.State


def lines_of(result) -> list[BankLine]:
    return list(result.statement.lines.order_by("line_number"))


def amounts(lines) -> list[Decimal]:
    return [line.amount.amount for line in lines]


def do_import(path: Path, fund, by, name: str | None = None):
    with path.open("rb") as handle:
        return import_bank_statement(handle, fund, by, name=name or path.name)


# Writing small CAMT.053 files (the real ones are in bank_samples/) ---------------


def entry(
    amount="1000.00",
    currency="EUR",
    side="CRDT",
    *,
    status="<Sts>BOOK</Sts>",
    booked="2019-03-19",
    value="2019-03-20",
    servicer_ref="",
    transactions="",
):
    ref = f"<AcctSvcrRef>{servicer_ref}</AcctSvcrRef>" if servicer_ref else ""
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{status}'
        f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{value}</Dt></ValDt>{ref}"
        f"<NtryDtls>{transactions}</NtryDtls></Ntry>"
    )


def transaction(debtor="Mission of Nepal", remittance="", extra="", party_v8=False):
    name = f"<Pty><Nm>{debtor}</Nm></Pty>" if party_v8 else f"<Nm>{debtor}</Nm>"
    return (
        f"<TxDtls>{extra}<RltdPties><Dbtr>{name}</Dbtr></RltdPties>"
        f"<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls>"
    )


def statement(entries, *, iban="CH9300762011623852957", currency="EUR", number="1"):
    return (
        f"<Stmt><Id>STMT-{number}</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy>"
        f"</Acct>{''.join(entries)}</Stmt>"
    )


def camt(tmp_path, *statements, version="02", name="camt053.xml", head=""):
    path = tmp_path / name
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">\n'
        "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>\n"
        + "\n".join(statements)
        + "\n</BkToCstmrStmt></Document>\n",
        encoding="utf-8",
    )
    return path


# Real banks' MT940 files ----------------------------------------------------------


def test_an_abn_amro_mt940_file_of_two_statements_gives_each_debit_as_a_negative_line(
    fund, admin_user
):
    result = do_import(SAMPLES / "abnamro.sta", fund, admin_user)
    lines = lines_of(result)
    assert result.format == "mt940"
    assert [line.line_number for line in lines] == [8, 12, 14, 16, 18, 20, 23, 25, 36, 38]
    assert amounts(lines) == [
        Decimal(x)
        for x in ("-9", "-11.59", "-11.63", "-11.8", "-13.45", "-15.49", "-107", "-141.48")
        + ("-9.49", "-15")
    ]
    assert {line.amount.currency.code for line in lines} == {"EUR"}
    first = lines[0]
    assert first.value_date == datetime.date(2011, 5, 24)
    assert first.reference.startswith("GIRO 428428 KPN - DIGITENNE")
    assert "account 517852257" in first.detail_shown
    # The value date is the line's date; the entry (booking) date is told.
    assert lines[1].value_date == datetime.date(2011, 5, 21)
    assert "booked 2011-05-23" in lines[1].detail_shown
    # Money leaving the account is not a receipt: it waits, as a negative CSV line.
    assert result.unmatched == 10 and not Receipt.objects.exists()
    assert {line.message_shown for line in lines} == {
        "negative amount: money leaving the account is not a receipt"
    }


def test_an_ing_mt940_file_after_its_swift_header_has_credits_and_debits(fund, admin_user):
    lines = lines_of(do_import(SAMPLES / "ing.sta", fund, admin_user))
    assert amounts(lines) == [
        Decimal(x) for x in ("-25.03", "-3.03", "-1.11", "-20.00", "-1.10", "3.68", "1.00")
    ]
    credits = [line for line in lines if line.amount.amount > 0]
    assert [c.value_date for c in credits] == [
        datetime.date(2010, 7, 22),
        datetime.date(2010, 7, 23),
    ]
    assert credits[1].reference == (
        "0111111111 Hr S Marechal ROSMALEN Hr S Marechal ROSMALEN "
        "Betaling transactiedatum: 22-07-2010"
    )
    # The statement's closing :86: (after :62F:) is not added to the last transaction.
    assert "D000004C" not in credits[1].reference + credits[1].detail_shown


def test_a_rabobank_structured_86_gives_the_counterparty_and_the_remittance_text(fund, admin_user):
    lines = lines_of(do_import(SAMPLES / "rabobank-iban.sta", fund, admin_user))
    assert [(line.counterparty, line.reference, line.amount.amount) for line in lines] == [
        ("CONTRA ACCOUNT HOLDER", "", Decimal("-25.00")),
        ("JOHN DOE", "Reference 201301234", Decimal("-10.00")),
        ("CONTRA ACCOUNT HOLDER", "", Decimal("-25.00")),
        ("JOHN DOE", "Reference 201301234", Decimal("-10.00")),
    ]
    assert [line.value_date.day for line in lines] == [1, 2, 8, 9]


def test_a_long_mt940_statement_read_in_chunks_gives_the_same_lines(fund, admin_user, monkeypatch):
    monkeypatch.setattr(swift_mt940, "CHUNK", 3)  # the first statement has 8 transactions
    lines = lines_of(do_import(SAMPLES / "abnamro.sta", fund, admin_user))
    assert [line.line_number for line in lines] == [8, 12, 14, 16, 18, 20, 23, 25, 36, 38]
    assert amounts(lines)[:3] == [Decimal("-9"), Decimal("-11.59"), Decimal("-11.63")]
    assert lines[7].reference == "BEA NR:XXX1234 22.05.11/13.45 MYCOM DEN HAAG S-GRAVEN,PAS999"
    assert {line.amount.currency.code for line in lines} == {"EUR"}


def test_an_mt940_file_imported_twice_records_nothing_twice(fund, admin_user):
    do_import(SAMPLES / "ing.sta", fund, admin_user)
    again = do_import(SAMPLES / "ing.sta", fund, admin_user)
    assert again.already_imported == 7 and again.unmatched == 0
    assert BankLine.objects.filter(dedupe_key__isnull=False).count() == 7


def test_an_mt940_tag_that_cannot_be_read_is_refused_by_its_line_and_nothing_is_saved(
    fund, admin_user, tmp_path
):
    text = (SAMPLES / "abnamro.sta").read_text().replace(":61:1105230523D11,63N426NONREF", ":61:X")
    path = tmp_path / "broken.sta"
    path.write_text(text)
    with pytest.raises(FileRejected) as refused:
        do_import(path, fund, admin_user)
    assert str(refused.value.errors[0]).startswith("line 14: tag :61: cannot be read: “X")
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()


# Real banks' CAMT.053 files -------------------------------------------------------


def test_an_abn_amro_camt053_gives_debits_credits_and_splits_a_batched_entry(fund, admin_user):
    result = do_import(SAMPLES / "abn-amro-camt053.xml", fund, admin_user)
    lines = lines_of(result)
    assert result.format == "camt053"
    assert [(line.amount.amount, line.counterparty) for line in lines] == [
        (Decimal("-754.25"), "INSURANCE COMPANY TESTX"),  # a direct debit paid out
        (Decimal("-564.05"), "Test Customer"),  # the batch of 664.05, split
        (Decimal("-100.00"), "Test Customer"),
        (Decimal("1405.31"), "3rd party Media"),  # a credit: the debtor's name
    ]
    assert lines[0].reference == "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014"
    assert lines[3].reference == "#RD PARTY MEDIA CUSNO 90782 4210773"  # AddtlTxInf
    assert {line.value_date for line in lines} == {datetime.date(2014, 1, 5)}
    assert (
        "transaction 1 of 2 in one entry" in lines[1].detail_shown
        and "reversal" in lines[1].detail_shown
    )
    assert "account NL77ABNA0574908765" in lines[0].detail_shown
    assert result.unmatched == 4  # three debits, and a credit quoting no pledge


def test_a_postfinance_batch_of_two_credits_is_two_lines_deduped_on_the_banks_reference(
    fund, admin_user
):
    result = do_import(SAMPLES / "postfinance-camt053-batch.xml", fund, admin_user)
    lines = lines_of(result)
    assert [(line.amount.amount, line.amount.currency.code) for line in lines] == [
        (Decimal("2187.00"), "CHF"),
        (Decimal("1296.00"), "CHF"),
    ]
    assert [line.bank_ref for line in lines] == [
        "20170323001234567891234567891234/1",
        "20170323001234567891234567891234/2",
    ]
    assert [line.reference for line in lines] == [
        "302388292000011111111111111",
        "302388292000022222222222222",
    ]
    # Value date 23 March; booked on the 22nd, which the detail tells.
    assert {line.value_date for line in lines} == {datetime.date(2017, 3, 23)}
    assert "booked 2017-03-22" in lines[0].detail_shown
    again = do_import(SAMPLES / "postfinance-camt053-batch.xml", fund, admin_user)
    assert again.already_imported == 2 and again.unmatched == 0


def test_a_camt053_file_of_two_statements_imports_the_entries_of_both(fund, admin_user):
    lines = lines_of(do_import(SAMPLES / "camt053-two-statements.xml", fund, admin_user))
    assert [(line.amount.amount, line.counterparty, line.reference) for line in lines] == [
        (Decimal("8.85"), "Company Name 1", "Transaction Description 1"),
        (Decimal("-7.00"), "Company Name 2", "Transaction Description 2"),
    ]
    assert "statement 253EURNL26VAYB8060476890" in lines[0].detail_shown
    assert "statement 254EURNL26VAYB8060476890" in lines[1].detail_shown


# The same matching, states and idempotency --------------------------------------


def test_a_camt_credit_quoting_a_pledge_is_a_receipt_of_the_booked_amount_with_the_instructed_one_told(  # noqa: E501
    fund, admin_user, make_pledge, tmp_path
):
    pledge = make_pledge("1000", "EUR")
    instructed = (
        '<AmtDtls><InstdAmt><Amt Ccy="USD">1140.00</Amt><CcyXchg><SrcCcy>USD</SrcCcy>'
        "<TrgtCcy>EUR</TrgtCcy><XchgRate>0.8772</XchgRate></CcyXchg></InstdAmt></AmtDtls>"
    )
    path = camt(
        tmp_path,
        statement(
            [
                entry(
                    "1000.00",
                    servicer_ref="BANK-REF-1",
                    transactions=transaction(
                        remittance=f"Contribution {pledge.reference}", extra=instructed
                    ),
                )
            ]
        ),
    )
    result = do_import(path, fund, admin_user)
    (line,) = lines_of(result)
    assert result.matched == 1 and line.state == State.MATCHED and line.pledge == pledge
    assert line.bank_ref == "BANK-REF-1" and line.counterparty == "Mission of Nepal"
    assert "instructed 1140.00 USD (exchange rate 0.8772)" in line.detail_shown
    (receipt,) = Receipt.objects.all()
    assert receipt.amount.amount == Decimal("1000.00") and receipt.amount.currency.code == "EUR"
    assert receipt.value_date == datetime.date(2019, 3, 20)  # the value date, not the booking
    again = do_import(path, fund, admin_user)
    assert again.already_imported == 1 and Receipt.objects.count() == 1
    assert JournalEntry.objects.filter(idempotency_key__startswith="bank:").count() == 1


def test_pending_camt_entries_are_skipped_and_reported_and_booked_ones_imported(
    fund, admin_user, tmp_path
):
    path = camt(
        tmp_path,
        statement(
            [
                entry("50.00", servicer_ref="A1", transactions=transaction(remittance="x")),
                entry("75.00", status="<Sts>PDNG</Sts>", servicer_ref="A2"),
            ]
        ),
    )
    result = do_import(path, fund, admin_user)
    assert result.statement.line_count == 1 and amounts(lines_of(result)) == [Decimal("50.00")]
    assert result.skipped == (
        "line 4: statement 1, entry 2: status PDNG, not booked: not imported",
    )
    assert statement_message("camt053.xml", statement_summary(result)).endswith(
        "1 entry not booked yet (pending) was not imported."
    )
    out = StringIO()
    path.rename(tmp_path / "again.xml")
    call_command("import_bank_statement", tmp_path / "again.xml", fund=fund.code, stdout=out)
    assert "Not imported: line 4: statement 1, entry 2: status PDNG" in out.getvalue()


def test_a_camt_file_of_pending_entries_only_is_refused_and_records_no_empty_statement(
    fund, admin_user, tmp_path
):
    path = camt(tmp_path, statement([entry(status="<Sts>PDNG</Sts>", servicer_ref="P1")]))
    with pytest.raises(FileRejected, match="holds no booked entry"):
        do_import(path, fund, admin_user)
    assert not BankStatement.objects.exists()


def test_a_camt_file_of_two_currency_accounts_keeps_each_entrys_currency(
    fund, admin_user, tmp_path
):
    path = camt(
        tmp_path,
        statement([entry("10.00", "EUR", servicer_ref="E1")], number="EUR"),
        statement(
            [entry("2500", "JPY", "DBIT", servicer_ref="J1")],
            iban="CH5604835012345678009",
            currency="JPY",
            number="JPY",
        ),
    )
    lines = lines_of(do_import(path, fund, admin_user))
    assert [(line.amount.amount, line.amount.currency.code) for line in lines] == [
        (Decimal("10.00"), "EUR"),
        (Decimal("-2500"), "JPY"),
    ]
    assert "account CH5604835012345678009" in lines[1].detail_shown


def test_entries_written_on_one_line_are_numbered_one_by_one(fund, admin_user, tmp_path):
    path = camt(
        tmp_path,
        statement([entry("1.00", servicer_ref="L1"), entry("2.00", servicer_ref="L2")]),
    )
    lines = lines_of(do_import(path, fund, admin_user))
    assert [(line.line_number, line.amount.amount) for line in lines] == [
        (1, Decimal("1.00")),
        (2, Decimal("2.00")),
    ]


def test_a_camt053_version_08_reads_its_status_code_and_the_debtors_party_name(
    fund, admin_user, tmp_path
):
    path = camt(
        tmp_path,
        statement(
            [
                entry(
                    status="<Sts><Cd>BOOK</Cd></Sts>",
                    servicer_ref="V8",
                    transactions=transaction("Ministry of Finance", "gift", party_v8=True),
                )
            ]
        ),
        version="08",
    )
    (line,) = lines_of(do_import(path, fund, admin_user))
    assert (line.counterparty, line.reference, line.bank_ref) == (
        "Ministry of Finance",
        "gift",
        "V8",
    )


def test_a_file_is_recognised_by_its_content_not_its_name(fund, admin_user, tmp_path):
    xml = (SAMPLES / "camt053-two-statements.xml").read_bytes()
    (tmp_path / "statement.csv").write_bytes(xml)
    assert do_import(tmp_path / "statement.csv", fund, admin_user).format == "camt053"
    (tmp_path / "export.txt").write_bytes((SAMPLES / "rabobank-iban.sta").read_bytes())
    assert do_import(tmp_path / "export.txt", fund, admin_user).format == "mt940"


# Bad and hostile files: a clear message, nothing saved --------------------------


def test_an_xml_file_with_an_external_entity_is_refused_and_nothing_is_read_or_saved(
    fund, admin_user, tmp_path
):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    head = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    path = camt(
        tmp_path,
        statement([entry(transactions=transaction(remittance="&xxe;"))]),
        head=head,
    )
    with pytest.raises(FileRejected) as refused:
        do_import(path, fund, admin_user)
    message = str(refused.value)
    assert "declares a document type (DTD)" in message and "TOP-SECRET" not in message
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()


def test_a_dtd_after_a_long_comment_is_refused_all_the_same(fund, admin_user, tmp_path):
    head = "<!-- " + "x" * 70_000 + ' -->\n<!DOCTYPE Document [<!ENTITY e "e">]>\n'
    path = camt(tmp_path, statement([entry(servicer_ref="D1")]), head=head)
    with pytest.raises(FileRejected, match="declares a document type"):
        do_import(path, fund, admin_user)
    assert not BankStatement.objects.exists()


def test_a_billion_laughs_file_is_refused_before_anything_expands(fund, admin_user, tmp_path):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    path = camt(
        tmp_path,
        statement([entry(transactions=transaction(remittance="&j;"))]),
        head=f"<!DOCTYPE Document [{entities}]>\n",
    )
    with pytest.raises(FileRejected, match="document type"):
        do_import(path, fund, admin_user)


def test_a_bad_camt_entry_is_refused_by_statement_and_entry_and_nothing_is_saved(
    fund, admin_user, tmp_path
):
    path = camt(
        tmp_path,
        statement([entry(servicer_ref="OK")]),
        statement([entry(servicer_ref="B1"), entry("12,50", side="BOTH", servicer_ref="B2")]),
    )
    with pytest.raises(FileRejected) as refused:
        do_import(path, fund, admin_user)
    assert [str(error) for error in refused.value.errors] == [
        "line 5: statement 2, entry 2: credit or debit “BOTH” is neither CRDT nor DBIT"
    ]
    bad_amount = camt(tmp_path, statement([entry("12,50", servicer_ref="B3")]), name="b.xml")
    with pytest.raises(FileRejected) as refused:
        do_import(bad_amount, fund, admin_user)
    assert str(refused.value.errors[0]).startswith("line 4: statement 1, entry 1: “12,50”")
    assert not BankStatement.objects.exists()


def test_another_iso20022_message_or_broken_xml_is_refused_with_what_it_is(
    fund, admin_user, tmp_path
):
    notification = tmp_path / "camt054.xml"
    notification.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/>'
        "</Document>"
    )
    with pytest.raises(FileRejected, match="an ISO 20022 camt.054.001.02 message, not a CAMT.053"):
        do_import(notification, fund, admin_user)
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n<BkToCstmrStmt>'
    )
    with pytest.raises(FileRejected, match="not well-formed XML"):
        do_import(broken, fund, admin_user)
    assert not BankStatement.objects.exists()


def test_the_command_refuses_an_xxe_file_with_one_message(fund, tmp_path):
    path = camt(
        tmp_path,
        statement([entry()]),
        head='<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    )
    with pytest.raises(CommandError, match="camt053.xml was not imported; nothing was saved"):
        call_command("import_bank_statement", path, fund=fund.code)


# The page and the background import ---------------------------------------------


@pytest.fixture
def finance(make_user):
    return make_user("finance-formats", Role.FINANCE_OFFICER)


def test_the_upload_page_offers_and_imports_a_banks_camt053_file(client, fund, finance):
    client.force_login(finance)
    url = reverse("finance-import-statement", args=[fund.code])
    page = client.get(url).content.decode()
    assert 'accept=".csv,.xlsx,.xml,.053,.sta,.940,.mt940,.txt"' in page
    assert "CAMT.053" in page and "MT940" in page
    response = client.post(url, {"file": upload_of(SAMPLES / "postfinance-camt053-batch.xml")})
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert statement.line_count == 2 and statement.unmatched_count == 2
    shown = client.get(reverse("finance-statement", args=[fund.code, statement.pk]))
    assert "booked 2017-03-22" in shown.content.decode()


def test_a_large_mt940_upload_is_imported_by_the_background_worker(
    client, fund, finance, tmp_path, database_tasks, imports_root
):
    client.force_login(finance)
    response = client.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": upload_of(SAMPLES / "abnamro.sta")},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job) and not BankStatement.objects.exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.summary["unmatched"] == 10
    assert BankStatement.objects.get().line_count == 10
