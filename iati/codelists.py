"""The vendored IATI 2.03 codelists (iati/standards/README.md), read once."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

STANDARD = Path(__file__).resolve().parent / "standards" / "iati-2.03"


def _path(name: str) -> Path:
    for folder in ("codelists", "codelists-non-embedded"):
        path = STANDARD / folder / f"{name}.xml"
        if path.is_file():
            return path
    raise LookupError(f"no vendored IATI codelist {name!r}")


@functools.cache
def codes(name: str) -> frozenset[str]:
    """The codes of codelist ``name`` still in use (withdrawn ones left out)."""
    tree = etree.parse(str(_path(name)), etree.XMLParser(resolve_entities=False, no_network=True))
    return frozenset(
        item.findtext("code").strip()
        for item in tree.iter("codelist-item")
        if item.get("status", "active") != "withdrawn"
    )
