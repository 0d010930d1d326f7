"""Small helpers the two IATI files share: elements with narratives, money
as decimal text with its currency and value date, the reporting organisation."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from lxml import etree

from fundmgr.money import quantum

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VERSION = "2.03"

#: What XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/F):
#: a donor's name typed or imported with one must not stop the export.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with what XML cannot hold removed; outside text is data."""
    return NOT_XML.sub("", text)


def sub(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    """A child element; attributes given as ``iso_date=`` are written ``iso-date``."""
    element = etree.SubElement(
        parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items() if v != ""}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def iati_language(code: str) -> str:
    """The IATI Language codelist's code (ISO 639-1) of a site language: ``zh-hans`` is ``zh``."""
    return code.split("-")[0].lower()


def narrated(
    parent, tag: str, text: str, translations: dict[str, str] | None = None, **attributes
) -> etree._Element:
    """``tag`` with its narrative in the file's language (English), then one
    ``<narrative xml:lang>`` per other language the text was entered in."""
    element = sub(parent, tag, **attributes)
    sub(element, "narrative", text)
    for language, translated in sorted((translations or {}).items()):
        if translated.strip():
            sub(element, "narrative", translated.strip()).set(XML_LANG, iati_language(language))
    return element


def amount_text(value: Decimal, currency: str) -> str:
    """Decimal text, never a float: to the currency's minor unit when that
    loses nothing, otherwise as stored (the ledger keeps thousandths)."""
    step = quantum(currency)
    exact = value.quantize(step)
    return f"{exact if exact == value else value:f}"


def value(parent, tag: str, amount: Decimal, currency: str, value_date: datetime.date):
    return sub(
        parent,
        tag,
        amount_text(amount, currency),
        currency=currency,
        value_date=value_date.isoformat(),
    )


def reporting_org(parent) -> etree._Element:
    return narrated(
        parent,
        "reporting-org",
        settings.FUNDMGR_IATI_REPORTING_ORG_NAME,
        ref=settings.FUNDMGR_IATI_REPORTING_ORG_REF,
        type=settings.FUNDMGR_IATI_REPORTING_ORG_TYPE,
    )


def stamp(moment: datetime.datetime) -> str:
    """An xsd:dateTime in UTC, to the second."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()
