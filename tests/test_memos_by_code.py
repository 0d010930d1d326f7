"""Why a journal entry was made, when the product says it (a receipt, a
pledge, a reversal's frame around a person's typed reason), is kept by its
sentence's code and values (JournalEntry.memo_sentence, issue 15) and read in
each reader's language on the journal page and in the API; its English stays
in ``memo``, the record. Entries posted before show their text as written.
The column was added in place: the ledger's triggers cover it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from donors.models import Donor, DonorKind
from donors.services.receipts import record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.models import JournalEntry
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.books import books_fingerprint
from fundmgr.services.ledger import credit, debit, post_entry, reverse_entry
from tests.api.helpers import bearer, issue

pytestmark = pytest.mark.django_db

DAY = datetime.date(2019, 3, 20)

RECEIPT = "Receipt from %(donor)s (no pledge) %(amount)s %(reference)s"
REVERSAL = "Reversal of #%(entry)s: %(why)s"


def catalogue_of(*msgids: str) -> dict[str, dict[str, str]]:
    """Each msgid as the French and Arabic catalogues say it; fails if one is
    missing there (the reading in the reader's language is what is tested)."""
    said: dict[str, dict[str, str]] = {}
    for language in ("fr", "ar"):
        with translation.override(language):
            said[language] = {msgid: translation.gettext(msgid) for msgid in msgids}
        untranslated = [msgid for msgid, text in said[language].items() if text == msgid]
        assert not untranslated, f"the {language} catalogue lacks {untranslated}"
    return said


@pytest.fixture
def catalogue():
    return catalogue_of(RECEIPT, REVERSAL)


def receipt_entry(fund, by) -> JournalEntry:
    donor = Donor.objects.create(
        name="Republic of Examplia", kind=DonorKind.MEMBER_STATE, email="d@example.org"
    )
    receipt = record_receipt(
        fund=fund, donor=donor, pledge=None, amount=Money("400", "EUR"),
        value_date=DAY, by=by, notify=False, external_reference="BANK-7",
    )  # fmt: skip
    return receipt.entry


def in_language(language: str, template: str, values: dict) -> str:
    """``template`` in ``language``, an amount written as that language writes money."""
    with translation.override(language):
        shown = {
            name: str(Money(value["amount"], value["currency"])) if name == "amount" else value
            for name, value in values.items()
        }
        return translation.gettext(template) % shown


def test_a_receipt_s_memo_is_kept_by_code_with_its_english_as_the_record(fund, rates, admin_user):
    with translation.override("fr"):  # the recorder's language changes nothing kept
        entry = receipt_entry(fund, admin_user)
    entry.refresh_from_db()
    assert entry.memo_sentence == {
        "code": "memo.receipt.no-pledge",
        "params": {
            "donor": "Republic of Examplia",
            "amount": {"amount": "400", "currency": "EUR"},  # as received
            "reference": "BANK-7",
        },
    }
    assert (
        entry.memo == f"Receipt from Republic of Examplia (no pledge) {Money('400', 'EUR')} BANK-7"
    )
    with translation.override("en"):
        assert entry.memo_shown == entry.memo


def test_a_receipt_and_its_reversal_read_in_french_and_arabic_on_the_journal_page(
    client, fund, rates, admin_user, catalogue
):
    entry = receipt_entry(fund, admin_user)
    reversal = reverse_entry(entry, admin_user, "saisie en double", date=DAY)
    assert reversal.memo_sentence == {
        "code": "memo.reversal-of",
        "params": {"entry": entry.pk, "why": "saisie en double"},  # typed: as typed
    }
    assert reversal.memo == f"Reversal of #{entry.pk}: saisie en double"
    client.force_login(admin_user)
    url = reverse("fund-journal", args=[fund.code])
    values = entry.memo_sentence["params"]
    for language in ("fr", "ar"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        said = in_language(language, RECEIPT, values)
        assert said.startswith(catalogue[language][RECEIPT].split("%")[0])
        assert f'<p class="entry-memo">{said}</p>' in page, language
        undone = in_language(language, REVERSAL, {"entry": entry.pk, "why": "saisie en double"})
        assert f'<p class="entry-memo">{undone}</p>' in page.replace("&#x27;", "'"), language
        assert entry.memo not in page


def test_a_receipt_and_its_reversal_read_in_the_language_the_api_is_asked_in(
    make_user, fund, rates, admin_user, catalogue
):
    reader = bearer(issue(make_user("auditor-1", Role.AUDITOR)))
    entry = receipt_entry(fund, admin_user)
    reversal = reverse_entry(entry, admin_user, "doublon", date=DAY)
    for language in ("fr", "ar", "en"):
        expected = {
            entry.pk: in_language(language, RECEIPT, entry.memo_sentence["params"]),
            reversal.pk: in_language(language, REVERSAL, {"entry": entry.pk, "why": "doublon"}),
        }
        listed = reader.get("/api/v1/journal-entries/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert {row["id"]: row["memo"] for row in listed["results"]} == expected, language
        for pk, said in expected.items():
            detail = reader.get(f"/api/v1/journal-entries/{pk}/", HTTP_ACCEPT_LANGUAGE=language)
            assert detail.json()["memo"] == said, language
    assert expected[entry.pk] == entry.memo  # in English, the record itself


def test_an_entry_without_a_code_shows_its_text_as_written(client, fund, rates, admin_user):
    """A person's memo, and every entry posted before the column."""
    typed = post_entry(
        fund, DAY, "Correction d’une imputation",
        [debit(K.BANK, Money("5", "USD")), credit(K.CONTRIBUTIONS, Money("5", "USD"))],
        admin_user,
    )  # fmt: skip
    assert typed.memo_sentence is None
    client.force_login(admin_user)
    for language in ("fr", "ar", "en"):
        with translation.override(language):
            assert typed.memo_shown == "Correction d’une imputation"
        page = client.get(
            reverse("fund-journal", args=[fund.code]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert '<p class="entry-memo">Correction d’une imputation</p>' in page


def test_the_memo_s_code_cannot_change_on_a_posted_entry(fund, rates, admin_user):
    entry = receipt_entry(fund, admin_user)
    refused = pytest.raises(DatabaseError, match="ledger")
    with refused, transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(
            memo_sentence={"code": "memo.reversal-of", "params": {"entry": 1, "why": "x"}}
        )
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE fundmgr_journalentry SET memo_sentence = NULL")
    entry.refresh_from_db()
    assert entry.memo_sentence["code"] == "memo.receipt.no-pledge"


def test_the_books_fingerprint_counts_the_code_only_where_it_is_kept(fund, rates, admin_user):
    """An entry with no code renders as before the column existed (backups made
    then still compare); one with a code carries it."""
    typed = post_entry(
        fund, DAY, "typed",
        [debit(K.BANK, Money("5", "USD")), credit(K.CONTRIBUTIONS, Money("5", "USD"))],
        admin_user,
    )  # fmt: skip
    coded = receipt_entry(fund, admin_user)
    lines = []
    books_fingerprint(DAY, sink=lambda section, line: lines.append(line))
    entries = {line.split(",")[1]: line for line in lines if line.startswith('["entry"')}
    assert "memo_sentence" not in entries[str(typed.pk)]
    assert '{"memo_sentence":{"code":"memo.receipt.no-pledge"' in entries[str(coded.pk)]
    # Without the code, the row is exactly the columns it had before (one per column).
    columns = [f.attname for f in JournalEntry._meta.concrete_fields if f.name != "memo_sentence"]
    assert len(json.loads(entries[str(typed.pk)])) == 1 + len(columns)
    assert len(json.loads(entries[str(coded.pk)])) == 2 + len(columns)


def test_the_audit_trail_reads_a_posting_s_memo_in_its_reader_s_language(
    fund, rates, admin_user, catalogue
):
    """The trail's record of a posting keeps the memo's code as well as its
    English: a French auditor reads it in French (it stayed English)."""
    from fundmgr.models import AuditRecord

    entry = receipt_entry(fund, admin_user)
    record = AuditRecord.objects.get(action="ledger:posted", target_id=str(entry.pk))
    assert record.reason == entry.memo  # the English, as before
    assert record.data["why"] == entry.memo_sentence
    values = entry.memo_sentence["params"]
    for language in ("fr", "ar"):
        with translation.override(language):
            assert record.why_shown == in_language(language, RECEIPT, values)
