"""Reading the IATI files back in the tests."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree


def transactions(tree: etree._ElementTree) -> list[dict]:
    rows = []
    for element in tree.getroot().iter("transaction"):
        value = element.find("value")
        rows.append(
            {
                "type": element.find("transaction-type").get("code"),
                "date": element.find("transaction-date").get("iso-date"),
                "value": Decimal(value.text),
                "text": value.text,
                "currency": value.get("currency"),
                "value_date": value.get("value-date"),
                "provider": element.find("provider-org"),
                "receiver": element.find("receiver-org"),
            }
        )
    return rows


def of_type(tree, code: str) -> list[dict]:
    return [row for row in transactions(tree) if row["type"] == code]


def narrative(element) -> str:
    return element.find("narrative").text
