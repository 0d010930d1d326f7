"""Writing and publishing a fund's IATI files (docs/iati.md): built, checked
against the schemas and the product rule, then written (``export_iati``) or
stored for the public addresses (``publish``); files that fail either check
are never written nor published."""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from fundmgr.models import Fund
from iati import selectors
from iati.activities import build_activities, write_activities
from iati.checks import check_transactions
from iati.models import Publication
from iati.organisation import build_organisation
from iati.schemas import ACTIVITIES, ORGANISATIONS, schema_problems, streamed_problems

ACTIVITIES_FILE = "activities.xml"
ORGANISATION_FILE = "organisation.xml"


class IatiExportRefused(ValueError):
    """The files were not written; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else ""
        more = len(problems) - 1
        message = _("The IATI files were not written: %(first)s") % {"first": first}
        if more:
            message += " " + _("(and %(count)d more problems)") % {"count": more}
        super().__init__(message)


@dataclass(frozen=True)
class IatiFiles:
    activities: etree._ElementTree
    organisation: etree._ElementTree
    problems: list[str]


def build_iati_files(
    fund: Fund, as_of: datetime.date | None = None, generated: datetime.datetime | None = None
) -> IatiFiles:
    """Both files as trees and every problem found in them: schema, then
    product rule. For reading the files in code (tests); ``export_iati`` and
    ``publish`` stream the activity file instead."""
    as_of = as_of or timezone.localdate()
    generated = generated or timezone.now()
    # Read once: the file and the product rule check the same transactions.
    flows = selectors.all_flows(fund, as_of)
    activities = build_activities(fund, as_of, generated=generated, flows=flows)
    organisation = build_organisation(fund, as_of, generated=generated)
    problems = [
        *(f"{ACTIVITIES_FILE} {p}" for p in schema_problems(activities, ACTIVITIES)),
        *(f"{ORGANISATION_FILE} {p}" for p in schema_problems(organisation, ORGANISATIONS)),
        *check_transactions(fund, as_of, flows=flows),
    ]
    return IatiFiles(activities, organisation, problems)


def _write(document: etree._ElementTree, path: Path) -> None:
    """Whole or not at all: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            document.write(out, xml_declaration=True, encoding="utf-8", pretty_print=True)
        _put_in_place(Path(temporary), path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _put_in_place(temporary: Path, path: Path) -> None:
    os.chmod(temporary, 0o644)  # noqa: S103 - a public file, for the IATI Registry to fetch
    os.replace(temporary, path)


@dataclass(frozen=True)
class Written:
    """Files that passed both checks: how many transactions the activity file holds."""

    transactions: int


def _streamed_files(
    fund: Fund, as_of: datetime.date | None, activities: Path
) -> tuple[int, etree._ElementTree, list[str]]:
    """Write the activity file into ``activities`` as it is made (100,000
    transactions as one tree took 400 MB), check it while reading it back,
    and build the small organisation file; with every problem found."""
    as_of = as_of or timezone.localdate()
    generated = timezone.now()
    # Read once: the file and the product rule check the same transactions.
    flows = selectors.all_flows(fund, as_of)
    with activities.open("wb") as out:
        count = write_activities(fund, out, as_of, generated=generated, flows=flows)
    organisation = build_organisation(fund, as_of, generated=generated)
    problems = [
        *(f"{ACTIVITIES_FILE} {p}" for p in streamed_problems(activities, ACTIVITIES)),
        *(f"{ORGANISATION_FILE} {p}" for p in schema_problems(organisation, ORGANISATIONS)),
        *check_transactions(fund, as_of, flows=flows),
    ]
    return count, organisation, problems


def export_iati(fund: Fund, folder: Path, as_of: datetime.date | None = None) -> Written:
    """Write ``activities.xml`` and ``organisation.xml`` into ``folder``;
    IatiExportRefused (nothing written) if either fails a check; OSError if
    the folder cannot be written."""
    path = folder / ACTIVITIES_FILE
    handle, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        count, organisation, problems = _streamed_files(fund, as_of, temporary)
        if problems:
            raise IatiExportRefused(problems)
        _put_in_place(temporary, path)
        _write(organisation, folder / ORGANISATION_FILE)
    finally:
        temporary.unlink(missing_ok=True)
    return Written(count)


def _text(document: etree._ElementTree) -> str:
    return etree.tostring(
        document, xml_declaration=True, encoding="utf-8", pretty_print=True
    ).decode()


def publish(fund: Fund, as_of: datetime.date | None = None) -> Publication:
    """Generate and check the fund's files; store them for the public
    addresses if they pass, and the outcome either way. Two runs at once
    are served one after the other (the publication's row lock)."""
    stamp = selectors.books_stamp(fund)
    with tempfile.TemporaryDirectory(prefix="fundmgr-iati-") as scratch:
        activities = Path(scratch) / ACTIVITIES_FILE
        count, organisation, problems = _streamed_files(fund, as_of, activities)
        text = activities.read_text(encoding="utf-8") if not problems else ""
    with transaction.atomic():
        Publication.objects.get_or_create(fund=fund)
        publication = Publication.objects.select_for_update().get(fund=fund)
        publication.checked_at = timezone.now()
        publication.valid = not problems
        publication.problems = problems
        publication.stamp = stamp
        if publication.valid:
            publication.activities = text
            publication.organisation = _text(organisation)
            publication.published_at = publication.checked_at
            publication.transactions = count
        publication.save()
    return publication


def publish_if_changed(fund: Fund) -> Publication | None:
    """``publish`` when the books moved since the last generation (the
    scheduled job, ``manage.py publish_iati``); None when nothing changed."""
    last = Publication.objects.filter(fund=fund).values_list("stamp", flat=True).first()
    if last is not None and last == selectors.books_stamp(fund):
        return None
    return publish(fund)
