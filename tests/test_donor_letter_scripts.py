"""Acknowledgement letters print any script a donor's name is written in:
Arabic (joined, right to left, in Noto Naskh Arabic), Simplified Chinese (a
subset of Noto Sans CJK SC), Russian (DejaVu's own Cyrillic); a letter in
Arabic is laid out right to left; a character no font has leaves a blank and
never stops the letter (docs/donors.md, "Scripts and fonts")."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.utils import translation
from fontTools.ttLib import TTFont

from donors.services import letters
from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.fonts.subset_cjk import gb2312_characters, wanted_characters
from fundmgr.models import Country
from fundmgr.money import Money
from tests.pdf_reading import (
    pdf_embedded_fonts,
    pdf_font_maps,
    pdf_line_starts,
    pdf_text,
    pdf_visual_text,
)

ARABIC = "وزارة المالية"
CHINESE = "中华人民共和国财政部"
RUSSIAN = "Министерство финансов"


def _pledge_and_receipt(fund, admin_user, name, country, email):
    donor = find_or_create_donor(
        name=name, kind="member_state", email=email, country=Country.objects.get(iso2=country)
    )
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("250", "EUR"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    receipt = record_receipt(
        fund=fund,
        donor=donor,
        pledge=pledge,
        amount=Money("100", "EUR"),
        value_date=datetime.date(2019, 3, 10),
        by=admin_user,
        notify=False,
    )
    return pledge, receipt


def _letters(pledge, receipt, language="en"):
    with translation.override(language):
        return letters.receipt_letter(receipt), letters.pledge_letter(pledge)


@pytest.fixture
def arabic(fund, rates, admin_user):
    return _pledge_and_receipt(fund, admin_user, ARABIC, "EG", "mof@finance.example.eg")


@pytest.fixture
def chinese(fund, rates, admin_user):
    return _pledge_and_receipt(fund, admin_user, CHINESE, "CN", "mof@finance.example.cn")


@pytest.fixture
def russian(fund, rates, admin_user):
    return _pledge_and_receipt(fund, admin_user, RUSSIAN, "RU", "minfin@finance.example.ru")


@pytest.mark.django_db  # the donor's fixture is asked for by name, after the database's setup
@pytest.mark.parametrize(
    "donor, name", [("arabic", ARABIC), ("chinese", CHINESE), ("russian", RUSSIAN)]
)
def test_a_donor_named_in_another_script_is_named_in_both_letters(request, donor, name):
    pledge, receipt = request.getfixturevalue(donor)
    for pdf in _letters(pledge, receipt):
        text = pdf_text(pdf)
        assert name in text.splitlines()  # the addressee, on a line of its own
        assert f"Dear {name}," in text  # inside an English sentence
    assert receipt.number in pdf_text(_letters(pledge, receipt)[0])
    assert pledge.reference in pdf_text(_letters(pledge, receipt)[1])


def _embedded(pdf: bytes) -> dict[str, str]:
    """Font name without its subset tag -> the key of its embedded file; every
    name carries a subset tag (six capitals and +)."""
    fonts = pdf_embedded_fonts(pdf)
    assert all(re.fullmatch(r"[A-Z]{6}\+\w+", name) for name in fonts), fonts
    return {name.split("+", 1)[1]: file for name, file in fonts.items()}


def test_the_arabic_and_chinese_fonts_are_embedded_as_subsets_when_a_name_needs_them(
    arabic, chinese
):
    arabic_receipt_pdf, arabic_pledge_pdf = _letters(*arabic)
    for pdf in (arabic_receipt_pdf, arabic_pledge_pdf):
        fonts = _embedded(pdf)
        assert fonts["NotoNaskhArabic"] == "FontFile2"  # TrueType outlines
        assert fonts["NotoNaskhArabicBold"] == "FontFile2"  # the name, in bold
        assert fonts["DejaVuSansBook"] == "FontFile2"
        assert not any(name.startswith("NotoSansCJK") for name in fonts)
    for pdf in _letters(*chinese):
        fonts = _embedded(pdf)
        assert fonts["NotoSansCJKSC"] == "FontFile3"  # CFF outlines
        assert fonts["NotoSansCJKSCBold"] == "FontFile3"
        assert not any(name.startswith("NotoNaskh") for name in fonts)
    # A subset: the Chinese letter is a small part of the 1.9 MB font.
    assert len(_letters(*chinese)[0]) < 120_000


def test_russian_needs_no_fallback_dejavu_draws_cyrillic(russian):
    for pdf in _letters(*russian):
        assert set(_embedded(pdf)) == {"DejaVuSansBook", "DejaVuSansBold"}
    dejavu = TTFont(letters.FONT_DIR / "DejaVuSans-Bold.ttf").getBestCmap()
    russian_alphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№"
    assert [char for char in russian_alphabet if ord(char) not in dejavu] == []


def test_an_arabic_name_is_joined_and_drawn_right_to_left(arabic):
    pdf = _letters(*arabic)[0]
    # Drawn right to left: its last letter is the leftmost glyph on the page.
    assert ARABIC[::-1] in pdf_visual_text(pdf)
    assert ARABIC not in pdf_visual_text(pdf)
    # Joined: HarfBuzz picks each letter's contextual form, so one letter is drawn
    # with several glyphs: alef alone (وزارة, ا) and at a word's end (الما), teh
    # marbuta alone (وزارة) and joined (المالية). Without shaping, one glyph each.
    naskh = pdf_font_maps(pdf)["MPDFAA+NotoNaskhArabic"]
    forms = {letter: sum(text == letter for text in naskh.values()) for letter in "اة"}
    assert forms == {"ا": 2, "ة": 2}


def test_a_letter_in_arabic_is_laid_out_right_to_left(arabic, russian):
    """In Arabic the letter's sentences are Arabic and its layout is mirrored."""
    pledge, receipt = russian
    english, _ = _letters(pledge, receipt, "en")
    mirrored, _ = _letters(pledge, receipt, "ar")
    assert b"/Lang (ar)" in mirrored
    left, right = pdf_line_starts(english), pdf_line_starts(mirrored)
    with translation.override("ar"):
        label = translation.gettext("Receipt number")
    assert label != "Receipt number"
    # The label before its value: left of it in English, right of it in Arabic.
    assert left["Receipt number"] < left[receipt.number]
    assert right[label] > right[receipt.number]
    # Lines begin at the right margin: the donor's name ends there.
    assert left[RUSSIAN] == pytest.approx(21 / 25.4 * 72, abs=0.1)  # margin and cell padding
    assert right[RUSSIAN] > 350
    # A line in Latin script keeps its own order inside the Arabic letter.
    assert receipt.number in pdf_text(mirrored)
    assert RUSSIAN in pdf_text(mirrored).splitlines()


def test_the_tables_of_a_pledge_letter_in_arabic_are_mirrored(russian):
    pledge, receipt = russian
    _, english = _letters(pledge, receipt, "en")
    _, mirrored = _letters(pledge, receipt, "ar")
    for pdf, first_left in ((english, True), (mirrored, False)):
        starts = pdf_line_starts(pdf)
        # The amount's cell: "€100.00" in English, "100.00 €" (as read) in Arabic.
        amount_column = next(x for text, x in starts.items() if "100.00" in text)
        number_column = starts[receipt.number]
        assert (number_column < amount_column) is first_left


def test_a_character_no_font_draws_leaves_a_blank_and_the_letter_is_made(
    fund, rates, admin_user, caplog
):
    # 镕 (Zhu Rongji's name) is outside GB2312, 한 is Korean: no bundled font has them.
    pledge, receipt = _pledge_and_receipt(fund, admin_user, "朱镕基 한", "CN", "zhu@example.cn")
    with caplog.at_level(logging.WARNING, logger="donors.services.letters"):
        receipt_pdf, pledge_pdf = _letters(pledge, receipt)
    for pdf in (receipt_pdf, pledge_pdf):
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        text = pdf_text(pdf)
        assert "朱基" in text and "镕" not in text and "한" not in text
        assert pledge.reference in text
    assert "no font draws U+9555, U+D55C; left blank." in caplog.text


def test_the_chinese_subset_holds_gb2312_and_nothing_else():
    """The vendored files are what fundmgr/fonts/subset_cjk.py makes: every
    GB2312 character the upstream font has (all 6,763 hanzi among them) and the
    CJK punctuation and full-width blocks, in both weights."""
    hanzi = {char for char in gb2312_characters() if char.encode("gb2312")[0] >= 0xB0}
    assert len(hanzi) == 6763 and hanzi <= gb2312_characters()
    wanted = {ord(char) for char in wanted_characters()}
    for weight in ("Regular", "Bold"):
        font = TTFont(letters.FONT_DIR / f"NotoSansCJKsc-{weight}-GB2312.otf")
        cmap = set(font.getBestCmap())
        assert {ord(char) for char in hanzi} <= cmap
        # and nothing else, but for two symbols outside GB2312 whose glyphs a
        # kept substitution gives (so the subsetter keeps their code points).
        assert cmap - wanted == {ord("∋"), ord("≅")}
        assert "Adobe" in font["name"].getDebugName(0)  # the copyright notice, kept
        assert "Open Font License" in font["name"].getDebugName(13)
