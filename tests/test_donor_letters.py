"""Acknowledgement letters as PDF: for a receipt and for a pledge, to the donor
who owns them and to those who read the books, never to another donor.

pypdf is not a dependency: ``pdf_text`` reads the pages the way a viewer
does, through each font's ToUnicode map (the text is written as glyph
numbers of the embedded DejaVu subset, so the raw bytes never hold it)."""

from __future__ import annotations

import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from donors.models import Donor
from donors.services import letters
from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.models import Country
from fundmgr.money import Money
from fundmgr.roles import Role

# -- reading a PDF's text without a PDF library -----------------------------------------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary, decoded stream or None)."""
    found = {}
    for match in _OBJECT.finditer(data):
        number, body = int(match.group(1)), match.group(2)
        head, _sep, rest = body.partition(b"stream")
        stream = None
        if _sep:
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            stream = rest.lstrip(b"\r\n")[:length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
        found[number] = (head, stream)
    return found


def _cmap(stream: bytes) -> dict[int, str]:
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, start in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                table[int(low, 16) + offset] = chr(int(start, 16) + offset)
    return table


def _literal(content: bytes, at: int) -> tuple[bytes, int]:
    """The PDF literal string opening at ``content[at] == b"("``, unescaped."""
    out, depth, i = bytearray(), 1, at + 1
    while True:
        char = content[i : i + 1]
        if char == b"\\":
            following = content[i + 1 : i + 2]
            if following in _ESCAPES:
                out += _ESCAPES[following]
                i += 2
            elif following.isdigit():
                digits = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out += following
                i += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += char
        i += 1


def pdf_text(data: bytes) -> str:
    """The text of every page, one line per text object (BT ... ET)."""
    objects = _objects(data)
    to_unicode = {}
    for number, (head, _stream) in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if ref:
            to_unicode[number] = _cmap(objects[int(ref.group(1))][1])
    fonts = {}
    for head, _stream in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            if int(number) in to_unicode:
                fonts[name] = to_unicode[int(number)]
    lines = []
    for head, stream in objects.values():
        if stream is None or b"BT" not in stream or b"/Type /XObject" in head:
            continue
        cmap, line, i = {}, [], 0
        while i < len(stream):
            if stream.startswith(b"ET", i):
                lines.append("".join(line))
                line = []
            font = re.match(rb"/(F\d+) ", stream[i : i + 12])
            if font and stream[i - 1 : i] in (b" ", b"\n", b"T"):
                cmap = fonts.get(font.group(1), cmap)
            if stream[i : i + 1] == b"(":
                raw, i = _literal(stream, i)
                line.append(
                    "".join(
                        cmap.get(int.from_bytes(raw[k : k + 2], "big"), "?")
                        for k in range(0, len(raw), 2)
                    )
                )
                continue
            i += 1
    return "\n".join(lines)


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def societe(db):
    donor = find_or_create_donor(
        name="Société Générale",
        kind="private_sector",
        email="dons@societe.example",
        country=Country.objects.get(iso2="FR"),
    )
    donor.user = User.objects.create_user("societe", donor.email, "pw-for-tests-only")
    donor.save()
    return donor


@pytest.fixture
def nunoa(db):
    donor = find_or_create_donor(
        name="Club Deportivo Ñuñoa",
        kind="civil_society",
        email="club@nunoa.example",
        country=Country.objects.get(iso2="CL"),
    )
    donor.user = User.objects.create_user("nunoa", donor.email, "pw-for-tests-only")
    donor.save()
    return donor


@pytest.fixture
def paid_pledge(fund, rates, societe, admin_user):
    """250 EUR pledged on 1 March 2019 (0.880 EUR to the dollar), paid on 10 March."""
    pledge = record_pledge(
        fund=fund,
        donor=societe,
        amount=Money("250", "EUR"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    receipt = record_receipt(
        fund=fund,
        donor=societe,
        pledge=pledge,
        amount=Money("250", "EUR"),
        value_date=datetime.date(2019, 3, 10),
        by=admin_user,
        notify=False,
    )
    return pledge, receipt


def _get_pdf(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    return response.content


# -- the donor's own letters --------------------------------------------------------------


def test_the_donor_downloads_the_receipt_acknowledgement_as_a_pdf(client, paid_pledge, societe):
    pledge, receipt = paid_pledge
    client.force_login(societe.user)
    text = pdf_text(_get_pdf(client, reverse("receipt-letter-pdf", args=[receipt.number])))
    assert receipt.number in text
    assert "€250.00" in text  # the original currency, to its minor unit
    assert "$284.09" in text  # 250 / 0.880, at the value date's rate
    assert "1 USD = 0.88 EUR" in text and "March 1, 2019" in text
    assert pledge.reference in text
    assert "Test trust fund" in text
    assert "Société Générale" in text and "France" in text and "dons@societe.example" in text
    assert "Thank you." in text
    assert "generated by the fundmgr system" in text


def test_the_donor_downloads_the_pledge_acknowledgement_as_a_pdf(client, paid_pledge, societe):
    pledge, receipt = paid_pledge
    client.force_login(societe.user)
    text = pdf_text(
        _get_pdf(client, reverse("acknowledgement-letter-pdf", args=[pledge.reference]))
    )
    assert pledge.reference in text and receipt.number in text
    assert "We acknowledge with thanks your pledge of €250.00" in text
    assert "$284.09" in text and "1 USD = 0.88 EUR" in text
    assert "generated by the fundmgr system" in text


def test_accents_and_tildes_come_out_as_typed(client, fund, rates, nunoa, admin_user):
    receipt = record_receipt(
        fund=fund,
        donor=nunoa,
        amount=Money("1000", "JPY"),
        value_date=datetime.date(2019, 3, 12),
        by=admin_user,
        notify=False,
    )
    client.force_login(nunoa.user)
    text = pdf_text(_get_pdf(client, reverse("receipt-letter-pdf", args=[receipt.number])))
    assert "Club Deportivo Ñuñoa" in text and "Chile" in text
    assert "¥1,000" in text  # no minor unit in yen
    assert "$9.01" in text  # 1000 / 111


def test_the_letter_is_in_the_readers_language(client, paid_pledge, societe):
    _pledge, receipt = paid_pledge
    client.force_login(societe.user)
    url = reverse("receipt-letter-pdf", args=[receipt.number])
    text = pdf_text(_get_pdf(client, url, HTTP_ACCEPT_LANGUAGE="fr"))
    # A no-break space and a space may share one glyph: the text maps it back to a space.
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Nous avons reçu 250,00 € pour le Test trust fund le 10 mars 2019. Merci." in text
    assert "Numéro de reçu" in text and receipt.number in text
    assert "Société Générale" in text


def test_the_letter_of_a_receipt_in_dollars_says_there_was_no_conversion(fund, societe, admin_user):
    receipt = record_receipt(
        fund=fund,
        donor=societe,
        amount=Money("75.5", "USD"),
        value_date=datetime.date(2019, 3, 12),
        by=admin_user,
        notify=False,
    )
    with translation.override("en"):
        text = pdf_text(letters.receipt_letter(receipt))
    assert "$75.50" in text and "No conversion" in text and "—" in text  # no pledge


def test_letters_are_compressed_unless_asked_not_to_be(paid_pledge, monkeypatch):
    _pledge, receipt = paid_pledge
    with translation.override("en"):
        packed = letters.receipt_letter(receipt)
        monkeypatch.setattr(letters, "COMPRESS", False)
        plain = letters.receipt_letter(receipt)
    assert b"/FlateDecode" in packed and len(packed) < len(plain)
    assert pdf_text(packed) == pdf_text(plain)


# -- nobody else's ------------------------------------------------------------------------


def test_another_donor_gets_a_404_for_both_letters(client, paid_pledge, nunoa):
    pledge, receipt = paid_pledge
    client.force_login(nunoa.user)
    assert client.get(reverse("receipt-letter-pdf", args=[receipt.number])).status_code == 404
    pledge_url = reverse("acknowledgement-letter-pdf", args=[pledge.reference])
    assert client.get(pledge_url).status_code == 404


def test_a_donor_cannot_use_the_finance_copies(client, fund, paid_pledge, nunoa, societe):
    pledge, receipt = paid_pledge
    for donor in (nunoa, societe):  # not even the owner: these are the staff's pages
        client.force_login(donor.user)
        urls = [
            reverse("finance-receipt-acknowledgement", args=[fund.code, receipt.number]),
            reverse("finance-pledge-acknowledgement", args=[fund.code, pledge.reference]),
        ]
        assert [client.get(url).status_code for url in urls] == [403, 403]


def test_a_visitor_is_sent_to_sign_in(client, paid_pledge):
    _pledge, receipt = paid_pledge
    response = client.get(reverse("receipt-letter-pdf", args=[receipt.number]))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FINANCE_OFFICER, Role.FUND_OFFICER])
def test_book_readers_download_both_letters(client, fund, paid_pledge, make_user, role):
    pledge, receipt = paid_pledge
    client.force_login(make_user("reader", role))
    receipt_pdf = _get_pdf(
        client, reverse("finance-receipt-acknowledgement", args=[fund.code, receipt.number])
    )
    pledge_pdf = _get_pdf(
        client, reverse("finance-pledge-acknowledgement", args=[fund.code, pledge.reference])
    )
    assert receipt.number in pdf_text(receipt_pdf)
    assert pledge.reference in pdf_text(pledge_pdf)


def test_a_letter_is_only_found_under_its_own_fund(client, paid_pledge, make_user, admin_user):
    from fundmgr.services.funds import open_fund

    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )
    _pledge, receipt = paid_pledge
    client.force_login(make_user("reader", Role.AUDITOR))
    url = reverse("finance-receipt-acknowledgement", args=[other.code, receipt.number])
    assert client.get(url).status_code == 404


def test_the_donor_page_links_the_pdf_letters(client, paid_pledge, societe):
    pledge, receipt = paid_pledge
    client.force_login(societe.user)
    page = client.get(reverse("donor-home")).content.decode()
    assert reverse("acknowledgement-letter-pdf", args=[pledge.reference]) in page
    assert reverse("receipt-letter-pdf", args=[receipt.number]) in page


def test_a_staff_account_without_a_donor_record_gets_no_donor_letter(
    client, paid_pledge, make_user
):
    _pledge, receipt = paid_pledge
    client.force_login(make_user("auditor", Role.AUDITOR))
    assert client.get(reverse("receipt-letter-pdf", args=[receipt.number])).status_code == 403
    assert Donor.objects.filter(user__username="auditor").count() == 0


def test_a_letter_for_a_pledge_nobody_confirmed_is_addressed_as_typed_not_to_the_record(
    client, fund, rates, societe, admin_user, make_user
):
    """Someone pledged on the public form with Société Générale's address: the
    letters finance prints for it name who pledged, never the donor record."""
    from donors.services.pledges import TypedDonor

    typed = TypedDonor(
        name="Mallory Impostor",
        kind="ngo",
        email="DONS@societe.example",
        country=Country.objects.get(iso2="NP"),
    )
    pledge = record_pledge(
        fund=fund,
        donor=societe,
        amount=Money("250", "EUR"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        by="public pledge form",
        confirmed=False,
        typed=typed,
    )
    receipt = record_receipt(
        fund=fund,
        donor=societe,
        pledge=pledge,
        amount=Money("100", "EUR"),
        value_date=datetime.date(2019, 3, 10),
        by=admin_user,
        notify=False,
    )
    client.force_login(make_user("finance", Role.FINANCE_OFFICER))
    for url in (
        reverse("finance-pledge-acknowledgement", args=[fund.code, pledge.reference]),
        reverse("finance-receipt-acknowledgement", args=[fund.code, receipt.number]),
    ):
        text = pdf_text(_get_pdf(client, url))
        assert "Mallory Impostor" in text and "Nepal" in text
        assert "Société Générale" not in text and "France" not in text
    # Once confirmed as the donor's, the letters are the donor's.
    pledge.confirmed = True
    pledge.save(update_fields=["confirmed"])
    text = pdf_text(_get_pdf(client, url))
    assert "Société Générale" in text and "Mallory Impostor" not in text
