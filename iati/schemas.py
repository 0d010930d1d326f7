"""Validation of the IATI files against the vendored 2.03 schemas
(iati/standards/README.md), offline: the parser never fetches anything."""

from __future__ import annotations

import functools

from lxml import etree

from iati.codelists import STANDARD

ACTIVITIES = "iati-activities-schema.xsd"
ORGANISATIONS = "iati-organisations-schema.xsd"


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(STANDARD / name), parser))


def schema_problems(document: etree._ElementTree, name: str) -> list[str]:
    """The schema's complaints about ``document``, one line each; none if valid."""
    checker = schema(name)
    if checker.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]
