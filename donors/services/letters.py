"""Acknowledgement letters as PDF: one for a receipt, one for a pledge.

Written with fpdf2 in the bundled DejaVu Sans (fundmgr/fonts), embedded and
subset, so accents and names like "Société Générale" or "Ñuñoa" come out as
typed. Every sentence goes through gettext: the letter is in the language
active when it is made (the reader's, on the site). Amounts are shown in
their own currency to its minor unit, with their value in US dollars at the
UN operational rate of the day that counts (the value date for a receipt,
the pledge date for a pledge).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from donors.models import Donor, DonorKind, Pledge, Receipt
from fundmgr.db.exact_sum import ExactSum
from fundmgr.formatting import country_name, money, number
from fundmgr.models import Country
from fundmgr.money import Money
from fundmgr.services.rates import convert

FONT_DIR = Path(__file__).resolve().parents[2] / "fundmgr" / "fonts"
FAMILY = "DejaVuSans"
LINE = 5.5  # mm
LABEL_WIDTH = 62  # mm

# fontTools reports every glyph it keeps when subsetting, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

#: Tests read the text of the pages; production letters are compressed.
COMPRESS = True


def _label(model, field: str) -> str:
    """A field's translated name, as the forms and tables print it."""
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


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
        self.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.note = note
        self.set_title(title)
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
        self.multi_cell(0, 3.8, self.note, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    # -- building blocks ----------------------------------------------------------

    def text_line(self, text: str, *, size: float = 10.5, bold: bool = False, gap: float = 0):
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, LINE * size / 10.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            self.ln(gap)

    def rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, the label in bold, long values wrapping."""
        for label, value in rows:
            self.set_font(FAMILY, "B", 9.5)
            label_lines: list[str] = cast(
                list,
                self.multi_cell(LABEL_WIDTH, LINE, label, align="L", dry_run=True, output="LINES"),
            )
            if self.will_page_break(LINE * len(label_lines)):
                self.add_page()
            top = self.get_y()
            self.multi_cell(LABEL_WIDTH, LINE, label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FAMILY, "", 9.5)
            self.multi_cell(0, LINE, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), top + LINE * len(label_lines)) + 1)

    def grid(self, headings: Sequence[str], body: Sequence[Sequence[str]]) -> None:
        """A small table: the first columns left-aligned, amounts (last) right."""
        widths = [LABEL_WIDTH, 0] if len(headings) == 2 else [LABEL_WIDTH, 50, 0]
        for row, bold in [(headings, True), *[(line, False) for line in body]]:
            self.set_font(FAMILY, "B" if bold else "", 9.5)
            for i, cell in enumerate(row):
                last = i == len(row) - 1
                self.cell(
                    widths[i],
                    LINE,
                    cell,
                    align="R" if last else "L",
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


def _addressee(donor: Donor, pledge: Pledge | None) -> _Addressee:
    """Whom a letter is addressed to: the donor record, except for a pledge
    (or its money) nobody confirmed as the donor's, which is addressed as
    typed on the public form: the record's owner never said it was theirs
    (docs/donors.md, "Whose pledge is it")."""
    if pledge is not None and not pledge.confirmed and pledge.typed_name:
        kind = DonorKind(pledge.typed_kind).label if pledge.typed_kind else ""
        email = pledge.typed_email or donor.email
        return _Addressee(pledge.typed_name, str(kind), pledge.typed_country, email)
    return _Addressee(donor.name, donor.get_kind_display(), donor.country, donor.email)


def _recipient(letter: _Letter, addressee: _Addressee) -> None:
    """The donor as the letter is addressed: what fundmgr knows of them."""
    letter.text_line(addressee.name, bold=True)
    if addressee.kind:
        letter.text_line(addressee.kind)
    if addressee.country is not None:
        letter.text_line(country_name(addressee.country))
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
    letter.text_line(_("Dear %(name)s,") % {"name": addressee.name}, gap=2)
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
    letter.text_line(_("Dear %(name)s,") % {"name": addressee.name}, gap=2)
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
