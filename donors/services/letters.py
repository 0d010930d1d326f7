"""Acknowledgement letters as PDF: one for a receipt, one for a pledge.

Written with fpdf2 in the bundled DejaVu Sans (fundmgr/fonts), embedded and
subset, so accents and names like "Société Générale" or "Ñuñoa" come out as
typed; what DejaVu lacks falls back on Noto Naskh Arabic and on a Simplified
Chinese subset of Noto Sans CJK, and every line is shaped by HarfBuzz, so an
Arabic name is joined and runs right to left inside any letter (docs/donors.md,
"Scripts and fonts"). A letter in a right-to-left language (Arabic) is laid out
right to left: paragraphs start on the right, labels stand right of their
values, table columns are mirrored. Every sentence goes through gettext: the
letter is in the language active when it is made (the reader's, on the site).
Amounts are shown in their own currency to its minor unit, with their value in
US dollars at the UN operational rate of the day that counts (the value date
for a receipt, the pledge date for a pledge).
"""

from __future__ import annotations

import datetime
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal, cast

from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from donors.models import Donor, DonorKind, Pledge, Receipt
from donors.services.greetings import Contact, salutation
from fundmgr.db.exact_sum import ExactSum
from fundmgr.formatting import country_name, long_date, money, number
from fundmgr.models import Country
from fundmgr.money import Money
from fundmgr.services.rates import convert

FONT_DIR = Path(__file__).resolve().parents[2] / "fundmgr" / "fonts"
FAMILY = "DejaVuSans"
#: The Arabic script's blocks (with its supplements and presentation forms).
#: DejaVu has Arabic glyphs of its own, too plain for a letter: they are left
#: to Noto Naskh Arabic.
ARABIC = [(0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]
NOT_ARABIC = [
    (low, high)
    for low, high in zip(
        [0] + [end + 1 for _start, end in ARABIC],
        [start - 1 for start, _end in ARABIC] + [0x1FFFF],
        strict=True,
    )
    if low <= high
]


@dataclass(frozen=True)
class _Family:
    regular: str
    bold: str
    #: The characters it is used for (``None``: all it has).
    ranges: list[tuple[int, int]] | None = None


#: The letter's font, then its fallbacks: a character DejaVu does not draw is
#: looked up in Noto Naskh Arabic, then in the Simplified Chinese subset of
#: Noto Sans CJK (fundmgr/fonts/README.md).
FONTS = {
    FAMILY: _Family("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", NOT_ARABIC),
    "NotoNaskhArabic": _Family("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", ARABIC),
    "NotoSansSC": _Family("NotoSansCJKsc-Regular-GB2312.otf", "NotoSansCJKsc-Bold-GB2312.otf"),
}
LINE = 5.5  # mm
LABEL_WIDTH = 62  # mm

logger = logging.getLogger(__name__)

# fontTools reports every glyph it keeps when subsetting, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

Align = Literal["L", "R"]

#: Tests read the text of the pages; production letters are compressed.
COMPRESS = True


def _label(model, field: str) -> str:
    """A field's translated name, as the forms and tables print it."""
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _day(value: datetime.date) -> str:
    # One unambiguous style per language, as on the pages (fundmgr.formatting).
    return long_date(value)


def _usd_lines(amount: Money, day: datetime.date) -> list[tuple[str, str]]:
    """The amount's value in US dollars on ``day`` and the rate it was taken at."""
    try:
        conversion = convert(amount, "USD", day)
    except LookupError:  # no rate on file any more: say nothing rather than guess
        return []
    if amount.currency.code == "USD":
        rate = _("No conversion: the amount is in US dollars.")
    else:
        rate = _("1 USD = %(rate)s %(currency)s, UN operational rate of %(date)s") % {
            "rate": number(conversion.rate),
            "currency": amount.currency.code,
            "date": _day(conversion.rate_date or day),
        }
    return [
        (_("Value in US dollars"), money(conversion.result)),
        (_("Exchange rate"), rate),
    ]


class _Letter(FPDF):
    def __init__(self, *, title: str, fund_name: str, note: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_compression(COMPRESS)
        self._add_family(FAMILY)
        # Characters both weights of the letter's font draw; another brings in
        # the fallback fonts (``_fonts_for``).
        self.covered = set(self.fonts[FAMILY.lower()].cmap) & set(  # type: ignore[union-attr]
            self.fonts[FAMILY.lower() + "B"].cmap  # type: ignore[union-attr]
        )
        self.unknown: set[int] = set()  # characters no font draws, logged once
        self.rtl = translation.get_language_bidi()
        self.start: Align = "R" if self.rtl else "L"  # where a line begins
        self.note = note
        self.set_title(title)
        self._fonts_for(title, note)
        self.set_author(fund_name)
        self.set_creator("fundmgr")
        self.set_lang(translation.get_language() or "en")
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=22)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-17)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(90, 90, 90)
        self._direction(self.note)
        self.multi_cell(0, 3.8, self.note, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def _direction(self, text: str) -> None:
        """Shape the coming paragraph with HarfBuzz in the direction of its first
        strong character (as a browser's dir="auto"), else the letter's: "1 March
        2019" stays in that order in an Arabic letter, an Arabic name runs right
        to left in an English one. Runs in the other direction inside it are
        reordered by the Unicode bidirectional algorithm."""
        direction = "rtl" if self.rtl else "ltr"
        for char in text:
            kind = unicodedata.bidirectional(char)
            if kind in ("L", "R", "AL"):
                direction = "ltr" if kind == "L" else "rtl"
                break
        self.set_text_shaping(True, direction=direction)

    def _add_family(self, family: str) -> None:
        files = FONTS[family]
        for style, name in (("", files.regular), ("B", files.bold)):
            self.add_font(family, style, str(FONT_DIR / name), unicode_range=files.ranges)

    def _fonts_for(self, *texts: str) -> None:
        """Load a fallback font when some text needs a character of its own,
        so a letter in Latin or Cyrillic script neither reads nor embeds them
        (the Chinese font alone takes some 0.3 s to read). A character no font
        has is left out: a blank the width of DejaVu's .notdef on the page and
        nothing in its text; the letter is still made, and the log says which."""
        missing = {ord(char) for text in texts for char in text} - self.covered
        if not missing:
            return
        unclaimed = set(missing)
        for family, files in FONTS.items():
            if family == FAMILY:
                continue
            ranges = files.ranges
            mine = {c for c in unclaimed if ranges is None or any(a <= c <= b for a, b in ranges)}
            unclaimed -= mine
            if mine and family.lower() not in self.fonts:
                self._add_family(family)
                self.set_fallback_fonts(
                    [f for f in FONTS if f != FAMILY and f.lower() in self.fonts]
                )
        drawn = set().union(*(font.cmap for font in self.fonts.values()))  # type: ignore[union-attr]
        if unknown := sorted(missing - drawn - self.unknown):
            self.unknown.update(unknown)
            logger.warning(
                "Letter %r: no font draws %s; left blank.",
                self.title,
                ", ".join(f"U+{code:04X}" for code in unknown),
            )

    # -- building blocks ----------------------------------------------------------

    def text_line(self, text: str, *, size: float = 10.5, bold: bool = False, gap: float = 0):
        self._fonts_for(text)
        self.set_font(FAMILY, "B" if bold else "", size)
        self._direction(text)
        self.multi_cell(
            0, LINE * size / 10.5, text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if gap:
            self.ln(gap)

    def rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, the label in bold on the side lines begin
        (left, or right in a right-to-left letter), long values wrapping."""
        value_width = self.epw - LABEL_WIDTH
        label_x = self.l_margin + (value_width if self.rtl else 0)
        value_x = self.l_margin + (0 if self.rtl else LABEL_WIDTH)
        self._fonts_for(*(text for row in rows for text in row))
        for label, value in rows:
            self.set_font(FAMILY, "B", 9.5)
            self._direction(label)
            label_lines: list[str] = cast(
                list,
                self.multi_cell(
                    LABEL_WIDTH, LINE, label, align=self.start, dry_run=True, output="LINES"
                ),
            )
            if self.will_page_break(LINE * len(label_lines)):
                self.add_page()
            top = self.get_y()
            self.set_x(label_x)
            self.multi_cell(
                LABEL_WIDTH, LINE, label, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            label_bottom = self.get_y()
            self.set_xy(value_x, top)
            self.set_font(FAMILY, "", 9.5)
            self._direction(value)
            self.multi_cell(
                value_width, LINE, value, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.set_y(max(self.get_y(), label_bottom) + 1)

    def grid(self, headings: Sequence[str], body: Sequence[Sequence[str]]) -> None:
        """A small table: the first columns on the side lines begin, amounts (the
        last column) on the other side, aligned to its edge; mirrored right to left."""
        widths: list[float] = [LABEL_WIDTH] if len(headings) == 2 else [LABEL_WIDTH, 50]
        widths.append(self.epw - sum(widths))
        end: Align = "L" if self.rtl else "R"
        aligns = [self.start] * (len(widths) - 1) + [end]
        self._fonts_for(*headings, *(cell for line in body for cell in line))
        for row, bold in [(headings, True), *[(line, False) for line in body]]:
            self.set_font(FAMILY, "B" if bold else "", 9.5)
            cells = list(zip(row, widths, aligns, strict=True))
            for i, (cell, width, align) in enumerate(reversed(cells) if self.rtl else cells):
                last = i == len(cells) - 1
                self._direction(cell)
                self.cell(
                    width,
                    LINE,
                    cell,
                    align=align,
                    new_x=XPos.LMARGIN if last else XPos.RIGHT,
                    new_y=YPos.NEXT if last else YPos.TOP,
                )
        self.ln(2)


@dataclass(frozen=True)
class _Addressee:
    name: str
    kind: str
    country: Country | None
    email: str
    #: The pledge's contact person, whom the letter greets (None: the donor).
    contact: Contact | None = None

    def greeting(self) -> str:
        return salutation(self.contact, self.name)


def _addressee(donor: Donor, pledge: Pledge | None) -> _Addressee:
    """Whom a letter is addressed to: the donor record, except for a pledge
    (or its money) nobody confirmed as the donor's, which is addressed as
    typed on the public form: the record's owner never said it was theirs
    (docs/donors.md, "Whose pledge is it"). The pledge's contact person, typed
    with it, is greeted either way."""
    contact = Contact.of(pledge)
    if pledge is not None and not pledge.confirmed and pledge.typed_name:
        kind = DonorKind(pledge.typed_kind).label if pledge.typed_kind else ""
        email = pledge.typed_email or donor.email
        return _Addressee(pledge.typed_name, str(kind), pledge.typed_country, email, contact)
    return _Addressee(donor.name, donor.get_kind_display(), donor.country, donor.email, contact)


def _recipient(letter: _Letter, addressee: _Addressee) -> None:
    """The donor as the letter is addressed: what fundmgr knows of them."""
    letter.text_line(addressee.name, bold=True)
    if addressee.kind:
        letter.text_line(addressee.kind)
    if addressee.country is not None:
        letter.text_line(country_name(addressee.country))
    if addressee.contact is not None:
        letter.text_line(
            _("For the attention of: %(person)s") % {"person": addressee.contact.addressed()}
        )
    letter.text_line(addressee.email, gap=6)


def _head(letter: _Letter, fund_name: str, today: datetime.date) -> None:
    letter.text_line(fund_name, size=12, bold=True)
    letter.text_line(_day(today), gap=8)


def _generated_note(today: datetime.date) -> str:
    return _(
        "This letter was generated by the fundmgr system on %(date)s; it needs no signature."
    ) % {"date": _day(today)}


def receipt_letter(receipt: Receipt) -> bytes:
    """The acknowledgement of one receipt, as a PDF document."""
    fund, donor, pledge = receipt.fund, receipt.donor, receipt.pledge
    today = timezone.localdate()
    title = _("Acknowledgement of receipt %(number)s") % {"number": receipt.number}
    letter = _Letter(title=title, fund_name=fund.name, note=_generated_note(today))
    _head(letter, fund.name, today)
    addressee = _addressee(donor, pledge)
    _recipient(letter, addressee)
    letter.text_line(title, size=14, bold=True, gap=4)
    letter.text_line(addressee.greeting(), gap=2)
    letter.text_line(
        _("We have received %(amount)s for the %(fund)s on %(date)s. Thank you.")
        % {"amount": money(receipt.amount), "fund": fund.name, "date": _day(receipt.value_date)},
        gap=4,
    )
    letter.rows(
        [
            (_label(Receipt, "number"), receipt.number),
            (_label(Receipt, "value_date"), _day(receipt.value_date)),
            (_("Amount"), money(receipt.amount)),
            *_usd_lines(receipt.amount, receipt.value_date),
            (_("Pledge reference"), pledge.reference if pledge else "—"),
            (_label(Receipt, "method"), receipt.get_method_display()),
        ]
    )
    return bytes(letter.output())


def pledge_letter(pledge: Pledge) -> bytes:
    """The acknowledgement of one pledge, with what is due and what came in."""
    fund, donor = pledge.fund, pledge.donor
    today = timezone.localdate()
    currency = pledge.amount.currency.code
    receipts = list(pledge.receipts.order_by("value_date", "id"))
    paid = pledge.receipts.aggregate(total=ExactSum("applied"))["total"] or Decimal(0)
    title = _("Acknowledgement of pledge %(reference)s") % {"reference": pledge.reference}
    letter = _Letter(title=title, fund_name=fund.name, note=_generated_note(today))
    _head(letter, fund.name, today)
    addressee = _addressee(donor, pledge)
    _recipient(letter, addressee)
    letter.text_line(title, size=14, bold=True, gap=4)
    letter.text_line(addressee.greeting(), gap=2)
    thanks = _(
        "We acknowledge with thanks your pledge of %(amount)s, made on %(date)s, to the %(fund)s."
    ) % {"amount": money(pledge.amount), "date": _day(pledge.pledge_date), "fund": fund.name}
    if pledge.appeal is not None:
        thanks += " " + _("It is earmarked for: %(title)s.") % {"title": pledge.appeal.title}
    letter.text_line(thanks, gap=4)
    still = Money(Decimal(0), currency)
    if pledge.status != Pledge.Status.CANCELLED:
        still = Money(max(pledge.amount.amount - paid, Decimal(0)), currency)
    letter.rows(
        [
            (_("Pledge reference"), pledge.reference),
            (_label(Pledge, "pledge_date"), _day(pledge.pledge_date)),
            (_("Amount"), money(pledge.amount)),
            *_usd_lines(pledge.amount, pledge.pledge_date),
            (_label(Pledge, "status"), pledge.get_status_display()),
            (_("Still to pay"), money(still)),
        ]
    )
    instalments = list(pledge.instalments.all())
    if instalments:
        letter.ln(2)
        letter.text_line(_("Amounts due"), bold=True, gap=1)
        letter.grid(
            [_("Due on"), _("Amount")],
            [[_day(item.due_date), money(item.amount)] for item in instalments],
        )
    if receipts:
        letter.ln(2)
        letter.text_line(_("Receipts"), bold=True, gap=1)
        letter.grid(
            [_label(Receipt, "number"), _label(Receipt, "value_date"), _("Amount")],
            [[r.number, _day(r.value_date), money(r.amount)] for r in receipts],
        )
    if pledge.status != Pledge.Status.CANCELLED and still.amount > 0:
        letter.ln(2)
        letter.text_line(
            f"{_('Payment reference (quote it on the transfer):')} {pledge.reference}", gap=1
        )
        if fund.bank_instructions:
            letter.text_line(fund.bank_instructions, size=9.5)
    return bytes(letter.output())
