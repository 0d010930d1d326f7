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


def streamed_problems(path, name: str) -> list[str]:
    """The schema's complaints about the file at ``path``, checked while it
    is read (``iterparse``): each transaction is dropped once read, so a file
    of 100,000 is checked in little memory. Streaming stops at the first
    problem; a file that has one is then read whole to name them all, with
    their lines, as ``schema_problems`` does."""
    parser = {"no_network": True, "resolve_entities": False}
    try:
        for _event, element in etree.iterparse(
            str(path), events=("end",), tag="transaction", schema=schema(name), **parser
        ):
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError:
        return schema_problems(etree.parse(str(path), etree.XMLParser(**parser)), name)
    return []
