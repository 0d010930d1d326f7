"""Importing nominations in bulk from a CSV or XLSX file, one a row.

Every row is checked with the rules of a single nomination
(``grants.services.nominations``), then the file as a whole: the same person
twice in the file or already nominated, and the per-country cap counting the
nominations already holding a place and the file's own rows. A file with any
problem saves nothing and every problem is reported with its line. A good
file is written in one transaction with a few bulk inserts, so 20,000 rows
take seconds, not minutes.

Notes verbales: the ``note_verbale`` column names a PDF, looked up in a
folder (the command's ``--documents``) or in a ZIP uploaded with the sheet
(the web page). One note may cover several delegates: rows that name the
same file share one stored copy.

Optional airfare columns (``route, fare, fare_currency, travel_hours,
quoted_on``, for fund officers only): a row that fills them gets that quote,
chosen, and its entitlement computed at once.
"""

from __future__ import annotations

import datetime
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Protocol, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fundmgr.models import Country, Event, PscRate
from fundmgr.money import Money
from fundmgr.roles import Role, has_role
from fundmgr.sentences import Said, Sentence, at, said_by
from fundmgr.services.audit import Actor, actor_fields, log_action, person
from fundmgr.services.sequences import reserve_numbers
from fundmgr.tabular import (
    FileRejected,
    Row,
    RowError,
    max_length,
    parse_currency,
    parse_date,
    parse_decimal,
    read_rows,
)
from grants import sentences
from grants.models import (
    AirfareQuote,
    DsaRate,
    Gender,
    Grant,
    GrantState,
    GrantTransition,
    TerminalExpense,
)
from grants.services.eligibility import Eligibility, assess_many
from grants.services.entitlement import (
    AirfareChoice,
    CheckedQuote,
    Entitlement,
    EntitlementRefused,
    cached_rates,
    check_quote,
    choose_among,
    entitlement_from,
    nights_paid,
    pick_dsa,
    pick_terminal,
)
from grants.services.nominations import (
    MAX_NOTE_BYTES,
    PDF_MAGIC,
    NominationRefused,
    dates_said,
    deadline_said,
    duplicate_said,
    nominating_countries,
    note_verbale_said,
    person_key,
    policy_of,
    reference_for,
    sequence_name,
)

COLUMNS = [
    "name",
    "title",
    "gender",
    "country",
    "email",
    "departure_city",
    "departure_airport",
    "depart_on",
    "return_on",
    "note_verbale",
]
QUOTE_COLUMNS = ["route", "fare", "fare_currency", "travel_hours", "quoted_on"]
MAX_ZIP_BYTES = 200 * 1024 * 1024
_BATCH = 1000
#: ``progress(done, total)`` is called every this many rows, and at each
#: phase's end: checking (total 0, not known yet), then saving (total: the nominations).
PROGRESS_EVERY = 500
_GENDERS = {
    **{value: value for value in Gender.values},
    **{str(label).casefold(): value for value, label in Gender.choices},
    "f": Gender.FEMALE,
    "m": Gender.MALE,
}
_email = EmailValidator()
_MAX_EMAIL = max_length(Grant, "nominee_email")
#: What zipfile raises on a damaged, truncated, encrypted or exotic ZIP or member.
_BROKEN_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


# --- Where the notes verbales come from ---------------------------------------------


class Documents(Protocol):
    def problem(self, name: str) -> Said | None:
        """Why the document ``name`` cannot be used, or None."""

    def read(self, name: str) -> bytes: ...


class FolderDocuments:
    """PDFs in a folder, named by their path relative to it."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()

    def _path(self, name: str) -> Path | None:
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        return path

    def problem(self, name: str) -> Said | None:
        path = self._path(name)
        if path is None:
            return Sentence(sentences.NOTE_NOT_IN_FOLDER, {"name": name})
        with path.open("rb") as handle:
            head = handle.read(len(PDF_MAGIC))
        return note_verbale_said(head, path.stat().st_size)

    def read(self, name: str) -> bytes:
        path = self._path(name)
        assert path is not None  # checked by problem()
        return path.read_bytes()


class ZipDocuments:
    """PDFs in a ZIP file, named by their path inside it or, when that is
    unambiguous, by their file name alone."""

    def __init__(self, source: str | Path | IO[bytes]):
        try:
            self.zip = zipfile.ZipFile(source)
        except _BROKEN_ZIP as bad:
            raise FileRejected(
                [RowError(0, Sentence(sentences.NOT_A_ZIP, {"e": str(bad)}))],
                str(getattr(source, "name", source)),
            ) from bad
        self.members = {info.filename: info for info in self.zip.infolist() if not info.is_dir()}
        basenames = Counter(PurePosixPath(member).name for member in self.members)
        self.by_basename = {
            PurePosixPath(member).name: info
            for member, info in self.members.items()
            if basenames[PurePosixPath(member).name] == 1
        }

    def _info(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name) or self.by_basename.get(name)

    def problem(self, name: str) -> Said | None:
        info = self._info(name)
        if info is None:
            return Sentence(sentences.NOTE_NOT_IN_ZIP, {"name": name})
        head = b""
        if 0 < info.file_size <= MAX_NOTE_BYTES:
            # Read it through: a corrupt member (bad CRC, broken deflate
            # stream, encrypted) is refused here, by line, not while saving.
            # zipfile stops at the declared size, so a bomb reads 10 MB at most.
            try:
                with self.zip.open(info) as handle:
                    head = handle.read(len(PDF_MAGIC))
                    while handle.read(1 << 20):
                        pass
            except _BROKEN_ZIP as bad:
                return Sentence(sentences.NOTE_UNREADABLE_IN_ZIP, {"name": name, "e": str(bad)})
        return note_verbale_said(head, info.file_size)

    def read(self, name: str) -> bytes:
        try:
            return self.zip.read(cast(zipfile.ZipInfo, self._info(name)))  # checked by problem()
        except _BROKEN_ZIP as bad:  # checked by problem(); changed on disk since?
            raise FileRejected(
                [RowError(0, Sentence(sentences.NOTE_UNREADABLE, {"name": name, "e": str(bad)}))]
            ) from bad


class NoDocuments:
    def problem(self, name: str) -> Said | None:
        return Sentence(sentences.NO_DOCUMENTS)

    def read(self, name: str) -> bytes:  # pragma: no cover - problem() refuses first
        raise KeyError(name)


# --- Reading the rows ---------------------------------------------------------------


@dataclass
class Line:
    """One row, checked and typed."""

    line: int
    fields: dict
    key: str
    country: Country
    eligibility: Eligibility
    document: str
    quote: CheckedQuote | None = None
    choice: AirfareChoice | None = None
    entitlement: Entitlement | None = None


@dataclass(frozen=True)
class ImportResult:
    created: int
    quotes: int
    references: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    return person_key(text)


class _Context:
    """Everything a row is checked against, loaded once for the file."""

    def __init__(self, event: Event, by: Actor):
        self.event = event
        self.policy = policy_of(event)
        self.allowed = nominating_countries(by)
        self.officer = has_role(by, Role.FUND_OFFICER)
        self.countries: dict[str, Country] = {}
        all_countries = list(Country.objects.all())
        for country in all_countries:
            for name in (country.iso2, country.iso3):
                self.countries[name.upper()] = country
            self.countries.setdefault(_fold(country.name), country)
        self.eligibility = assess_many(event, all_countries)
        self.documents_checked: dict[str, Said | None] = {}
        self.rates = cached_rates()
        self.base_currency = event.fund.base_currency
        self.dsa_rates = list(DsaRate.objects.filter(country=event.country))
        self.terminals = list(TerminalExpense.objects.all())
        try:
            self.psc_pct: Decimal | None = event.fund.psc_rate_on(event.starts_on).rate_pct
        except PscRate.DoesNotExist:
            self.psc_pct = None

    def country(self, text: str) -> Country | None:
        text = text.strip()
        return self.countries.get(text.upper()) or self.countries.get(_fold(text))


def _check_row(row: Row, ctx: _Context, documents: Documents) -> tuple[Line | None, list[Said]]:
    # Each problem kept by code (a background job's problems are read in each
    # reader's language); what the file said, as it said it.
    problems: list[Said] = []
    event = ctx.event

    def text(column: str, label: str, max_length: int) -> str:
        value = " ".join(row[column].split())
        named = Sentence(label).data()
        if not value:
            problems.append(Sentence(sentences.MISSING, {"label": named}))
        elif len(value) > max_length:
            problems.append(Sentence(sentences.TOO_LONG, {"label": named, "max": max_length}))
        return value

    name = text("name", sentences.LABEL_NAME, 200)
    key = person_key(name)
    if name and not key:
        problems.append(Sentence(sentences.NAME_WITHOUT_LETTERS))
    title = text("title", sentences.LABEL_TITLE, 200)
    gender = _GENDERS.get(row["gender"].strip().casefold())
    if gender is None:
        problems.append(
            Sentence(
                sentences.NOT_A_GENDER,
                {"value": row["gender"], "choices": ", ".join(Gender.values)},
            )
        )
    country = ctx.country(row["country"])
    eligibility = None
    if country is None:
        problems.append(Sentence(sentences.UNKNOWN_COUNTRY, {"value": row["country"]}))
    elif ctx.allowed is not None and country.iso2 not in ctx.allowed:
        problems.append(Sentence(sentences.NOT_YOUR_COUNTRY, {"country": country.iso2}))
    else:
        eligibility = ctx.eligibility[country.iso2]
        if not eligibility.eligible:
            problems.append(eligibility.refused())
    email = row["email"].strip()
    if len(email) > _MAX_EMAIL:  # PostgreSQL would refuse it mid-import
        problems.append(Sentence(sentences.EMAIL_TOO_LONG, {"max": _MAX_EMAIL}))
    elif email:
        try:
            _email(email)
        except ValidationError:
            problems.append(Sentence(sentences.NOT_AN_EMAIL, {"email": email}))
    city = text("departure_city", sentences.LABEL_CITY, 100)
    airport = row["departure_airport"].strip().upper()
    if not (len(airport) == 3 and airport.isascii() and airport.isalpha()):
        problems.append(Sentence(sentences.NOT_AN_AIRPORT, {"value": row["departure_airport"]}))
    dates = {}
    for column, label in (
        ("depart_on", sentences.LABEL_DEPART_ON),
        ("return_on", sentences.LABEL_RETURN_ON),
    ):
        try:
            dates[column] = parse_date(row[column])
        except ValueError as bad:
            problems.append(at(Sentence(label), said_by(bad)))
    if len(dates) == 2:
        for messages in dates_said(
            event, ctx.policy, dates["depart_on"], dates["return_on"]
        ).values():
            problems.extend(messages)
    document = row["note_verbale"].strip()
    if not document:
        problems.append(Sentence(sentences.NO_NOTE_VERBALE))
    else:
        if document not in ctx.documents_checked:
            ctx.documents_checked[document] = documents.problem(document)
        problem = ctx.documents_checked[document]
        if problem:
            problems.append(problem)

    quote = None
    if any(row[column].strip() for column in QUOTE_COLUMNS):
        quote = _check_quote(row, ctx, problems)

    if problems:
        return None, problems
    assert country is not None and eligibility is not None  # else among the problems
    line = Line(
        line=row.line,
        fields={
            "nominee_name": name,
            "nominee_title": title,
            "gender": gender,
            "nominee_email": email,
            "country": country,
            "departure_city": city,
            "departure_airport": airport,
            "depart_on": dates["depart_on"],
            "return_on": dates["return_on"],
        },
        key=key,
        country=country,
        eligibility=eligibility,
        document=document,
        quote=quote,
    )
    if quote is not None:
        try:
            line.entitlement = _entitlement(line, ctx)
        except EntitlementRefused as refused:
            return None, [said_by(refused)]
    return line, []


def _check_quote(row: Row, ctx: _Context, problems: list[Said]) -> CheckedQuote | None:
    if not ctx.officer:
        problems.append(Sentence(sentences.QUOTES_BY_OFFICER_ONLY))
        return None
    missing = [column for column in QUOTE_COLUMNS if not row[column].strip()]
    if missing:
        problems.append(
            Sentence(
                sentences.QUOTE_INCOMPLETE,
                {"columns": ", ".join(QUOTE_COLUMNS), "missing": ", ".join(missing)},
            )
        )
        return None
    try:
        currency = parse_currency(row["fare_currency"])
        fare = Money(parse_decimal(row["fare"]), currency)
        hours = parse_decimal(row["travel_hours"])
        quoted_on = parse_date(row["quoted_on"])
        return check_quote(
            route=row["route"],
            fare=fare,
            travel_hours=hours,
            quoted_on=quoted_on,
            base_currency=ctx.base_currency,
            rate=ctx.rates,
        )
    except (ValueError, EntitlementRefused) as bad:
        problems.append(said_by(bad))
    return None


def _entitlement(line: Line, ctx: _Context) -> Entitlement:
    if ctx.psc_pct is None:
        raise EntitlementRefused(
            Sentence(
                sentences.NO_PSC_RATE,
                {"fund": ctx.event.fund.code, "day": ctx.event.starts_on.isoformat()},
            )
        )
    depart_on, return_on = line.fields["depart_on"], line.fields["return_on"]
    assert line.quote is not None  # asked only for a line with a quote
    line.choice = choose_among([line.quote], ctx.policy.routing_tolerance_hours, ctx.base_currency)
    return entitlement_from(
        choice=line.choice,
        dsa=pick_dsa(ctx.dsa_rates, ctx.event, depart_on),
        nights=nights_paid(ctx.event, ctx.policy, depart_on, return_on),
        terminal=pick_terminal(ctx.terminals, line.country, depart_on),
        psc_pct=ctx.psc_pct,
        currency=ctx.base_currency,
    )


def _check_file_against_the_event(event: Event, lines: list[Line]) -> list[RowError]:
    """Duplicates (in the file and recorded) and the cap, counting what is recorded."""
    errors: list[RowError] = []
    recorded = dict(
        Grant.objects.holding_the_person()
        .filter(event=event, person_key__in=[line.key for line in lines])
        .values_list("person_key", "reference")
    )
    holding = Grant.objects.holding_a_place().filter(event=event)
    counts = Counter(
        dict(
            holding.order_by().values("country").annotate(n=Count("id")).values_list("country", "n")
        )
    )
    first_line: dict[str, int] = {}
    cap = event.max_funded_per_country
    for line in lines:
        name = line.fields["nominee_name"]
        if line.key in recorded:
            errors.append(RowError(line.line, duplicate_said(event, name, recorded[line.key])))
            continue
        if line.key in first_line:
            errors.append(
                RowError(
                    line.line,
                    Sentence(
                        sentences.TWICE_IN_FILE, {"name": name, "other": first_line[line.key]}
                    ),
                )
            )
            continue
        first_line[line.key] = line.line
        counts[line.country.iso2] += 1
        if counts[line.country.iso2] > cap:
            errors.append(
                RowError(
                    line.line,
                    Sentence(
                        sentences.OVER_THE_CAP,
                        {
                            "country": line.country.iso2,
                            "count": counts[line.country.iso2],
                            "event": event.code,
                            "cap": cap,
                        },
                    ),
                )
            )
    return errors


# --- The import ---------------------------------------------------------------------


def import_nominations(
    source: str | Path | IO[bytes],
    event: Event,
    by: Actor,
    *,
    documents: Documents | None = None,
    name: str | None = None,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row, then record all the nominations, submitted, in one
    transaction; or raise FileRejected listing every problem by line.

    ``progress(done, total)``, if given, hears how far it is (PROGRESS_EVERY)."""
    name = Path(name or str(getattr(source, "name", source))).name
    documents = documents or NoDocuments()
    allowed = nominating_countries(by)
    if allowed is not None and not allowed:
        raise PermissionDenied(Sentence(sentences.MAY_NOT_NOMINATE))
    today = today or timezone.localdate()
    deadline = deadline_said(event, today)
    if deadline:
        raise FileRejected([RowError(0, deadline)], name)
    try:
        ctx = _Context(event, by)
    except NominationRefused as refused:
        raise FileRejected([RowError(0, said_by(refused))], name) from refused

    errors: list[RowError] = []
    lines: list[Line] = []
    checked = 0
    for checked, row in enumerate(read_rows(source, COLUMNS, name=name), 1):
        if progress is not None and not checked % PROGRESS_EVERY:
            progress(checked, 0)
        line, problems = _check_row(row, ctx, documents)
        if line is None:
            errors.extend(RowError(row.line, problem) for problem in problems)
        else:
            lines.append(line)
    if progress is not None:
        progress(checked, 0)
    if not lines and not errors:
        raise FileRejected([RowError(0, Sentence(sentences.NO_NOMINATIONS))], name)

    stored: list[str] = []
    storage = Grant._meta.get_field("note_verbale").storage
    try:
        with transaction.atomic():
            # Lock the event: the cap and duplicates are counted against what
            # is recorded, and nobody nominates for it until this is written.
            locked = Event.objects.select_for_update(of=("self",)).select_related("fund")
            event = locked.get(pk=event.pk)
            errors.extend(_check_file_against_the_event(event, lines))
            if errors:
                raise FileRejected(sorted(errors, key=lambda error: error.line), name)
            if progress is not None:
                progress(0, len(lines))
            result = _save(event, by, lines, documents, storage, stored, name)
            if progress is not None:
                progress(len(lines), len(lines))
    except BaseException:
        for path in stored:  # nothing saved: no document left behind either
            storage.delete(path)
        raise
    return result


def _save(event, by: Actor, lines: list[Line], documents, storage, stored, name) -> ImportResult:
    paths: dict[str, str] = {}
    for document in dict.fromkeys(line.document for line in lines):
        stem = Path(document).stem[:60] or "note"
        # The field's own unguessable name (fundmgr.private_files.UnguessableName).
        saved_as = Grant._meta.get_field("note_verbale").generate_filename(None, f"{stem}.pdf")  # type: ignore[arg-type]
        path = storage.save(saved_as, ContentFile(documents.read(document)))
        stored.append(path)
        paths[document] = path

    first = reserve_numbers(sequence_name(event), len(lines))
    grants = []
    for offset, line in enumerate(lines):
        grant = Grant(
            event=event,
            reference=reference_for(event, first + offset),
            state=GrantState.SUBMITTED,
            person_key=line.key,
            nominated_by=person(by),
            priority=line.eligibility.priority,
            ldc_on_eligibility_date=line.eligibility.ldc,
            eligibility_reasons=line.eligibility.stored(),
            note_verbale=paths[line.document],
            **line.fields,
            **(line.entitlement.grant_fields() if line.entitlement else {}),
        )
        grants.append(grant)
    Grant.objects.bulk_create(grants, batch_size=_BATCH)
    # Said by code: each reader reads it in their own language.
    reason = Sentence(sentences.IMPORTED_FROM, {"file": name}).data()
    GrantTransition.objects.bulk_create(
        (
            GrantTransition(
                grant=grant,
                from_state=GrantState.DRAFT,
                to_state=GrantState.SUBMITTED,
                action="submit",
                **actor_fields(by, "by"),
                reason_sentence=reason,
            )
            for grant in grants
        ),
        batch_size=_BATCH,
    )
    quotes = [
        AirfareQuote(
            grant=grant,
            route=line.quote.route,
            fare=line.quote.fare,
            base_amount=line.quote.base_amount,
            quoted_on=line.quote.quoted_on,
            travel_hours=line.quote.travel_hours,
            chosen=True,
            entered_by=person(by),
        )
        for grant, line in zip(grants, lines, strict=True)
        if line.quote is not None
    ]
    AirfareQuote.objects.bulk_create(quotes, batch_size=_BATCH)
    references = [grant.reference for grant in grants]
    log_action(
        event,
        "grants:nominations-imported",
        by,
        name,
        {
            "created": len(grants),
            "quotes": len(quotes),
            "first": references[0],
            "last": references[-1],
        },
    )
    return ImportResult(created=len(grants), quotes=len(quotes), references=references)
