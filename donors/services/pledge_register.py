"""Importing a pledge register (CSV or XLSX) into a fund.

The whole file is checked first; one bad row and nothing is saved, every bad
line named. Each row carries its reference in the register, kept as the
pledge's ``source_reference`` (unique per fund): importing the same file
again changes nothing, while a row that reuses a recorded reference with
different content is refused by line. Binding rows (agreement signed) book
the receivable at the pledge date's rate, through ``record_pledge``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from donors import sentences
from donors.models import Donor, DonorKind, PaymentMethod, Pledge
from donors.services.pledges import (
    InstalmentSpec,
    PledgeError,
    check_amount,
    find_or_create_donor,
    record_pledge,
)
from fundmgr.models import Country, Fund
from fundmgr.money import Money
from fundmgr.sentences import Sentence, said_by
from fundmgr.services.audit import Actor, log_action
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

COLUMNS = [
    "donor",
    "donor_kind",
    "country",
    "email",
    "amount",
    "currency",
    "pledge_date",
    "due_date",
    "reference",
    "agreement_signed",
]
_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n"}
_MAX_REFERENCE = max_length(Pledge, "source_reference")
# The columns' own limits: PostgreSQL refuses a longer value (a DataError mid-import).
_MAX_NAME = max_length(Donor, "name")
_MAX_EMAIL = max_length(Donor, "email")
#: ``progress(done, total)`` is called every this many rows, and at each
#: phase's end: checking (total 0, not known yet), then saving (total: the new pledges).
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class DonorDiffers:
    """A line whose e-mail finds a donor recorded under another name, kind or
    country. The import goes on and the record is left as it is: finance
    changes a donor in the admin (docs/donors.md, "Importing a pledge register")."""

    line: int
    email: str
    recorded: str
    in_file: str

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "email": self.email,
            "recorded": self.recorded,
            "in_file": self.in_file,
        }


def donor_differs_message(item: dict) -> str:
    """One sentence per line, from ``DonorDiffers.as_dict`` (a job's stored summary)."""
    return (
        _(
            "Line %(line)d: the donor with the e-mail address %(email)s already exists as "
            "“%(recorded)s”; the file says “%(in_file)s”. The pledge is recorded under "
            "the existing donor, whose details are left as they are: correct them in the "
            "admin if needed."
        )
        % item
    )


@dataclass(frozen=True)
class PledgeImportResult:
    created: int
    already: int
    donors_differ: tuple[DonorDiffers, ...] = ()


@dataclass(frozen=True)
class RegisterLine:
    """One row of the register, checked and typed."""

    line: int
    donor: str
    kind: str
    country: Country | None
    email: str
    amount: Money
    pledge_date: datetime.date
    due_date: datetime.date
    reference: str
    agreement_signed: bool

    def same_pledge(self, other: RegisterLine) -> bool:
        return self.content() == other.content()

    def content(self) -> tuple:
        return (
            self.email.lower(),
            self.amount,
            self.pledge_date,
            self.due_date,
            self.agreement_signed,
        )


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(Sentence(sentences.NOT_YES_OR_NO, {"value": text}))


def _country(text: str, kind: str, countries: dict[str, Country]) -> Country | None:
    code = text.strip().upper()
    if not code:
        if kind == DonorKind.MEMBER_STATE:
            raise ValueError(Sentence(sentences.MEMBER_STATE_NEEDS_COUNTRY))
        return None
    try:
        return countries[code]
    except KeyError:
        raise ValueError(Sentence(sentences.NOT_A_COUNTRY, {"code": text})) from None


def _check_row(row: Row, countries: dict[str, Country]) -> RegisterLine:
    """A typed line, or ValueError saying what is wrong (the first problem)."""
    donor = row["donor"].strip()
    if not donor:
        raise ValueError(Sentence(sentences.NO_DONOR_NAME))
    if len(donor) > _MAX_NAME:
        raise ValueError(Sentence(sentences.DONOR_NAME_TOO_LONG, {"max": _MAX_NAME}))
    kind = row["donor_kind"].strip().lower()
    if kind not in DonorKind.values:
        raise ValueError(
            Sentence(
                sentences.NOT_A_DONOR_KIND,
                {"kind": row["donor_kind"], "kinds": ", ".join(DonorKind.values)},
            )
        )
    country = _country(row["country"], kind, countries)
    email = row["email"].strip()
    if len(email) > _MAX_EMAIL:
        raise ValueError(Sentence(sentences.EMAIL_TOO_LONG, {"max": _MAX_EMAIL}))
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(Sentence(sentences.NOT_AN_EMAIL, {"email": email})) from None
    currency = parse_currency(row["currency"])
    pledge_date = parse_date(row["pledge_date"])
    due_date = parse_date(row["due_date"]) if row["due_date"].strip() else pledge_date
    if due_date < pledge_date:
        raise ValueError(
            Sentence(
                sentences.DUE_BEFORE_PLEDGE,
                {"due": due_date.isoformat(), "pledged": pledge_date.isoformat()},
            )
        )
    amount = Money(parse_decimal(row["amount"]), currency)
    try:
        check_amount(amount, pledge_date)
    except PledgeError as bad:
        raise ValueError(str(bad)) from None
    reference = row["reference"].strip()
    if not reference:
        raise ValueError(Sentence(sentences.NO_REFERENCE))
    if len(reference) > _MAX_REFERENCE:
        raise ValueError(Sentence(sentences.REFERENCE_TOO_LONG, {"max": _MAX_REFERENCE}))
    return RegisterLine(
        line=row.line,
        donor=donor,
        kind=kind,
        country=country,
        email=email,
        amount=amount,
        pledge_date=pledge_date,
        due_date=due_date,
        reference=reference,
        agreement_signed=_flag(row["agreement_signed"]),
    )


def _describe(name: str, kind: str, country: Country | None) -> str:
    where = country.iso3 if country is not None else "—"
    return f"{name} ({DonorKind(kind).label}, {where})"


def _donor_differs(donor: Donor, line: RegisterLine) -> DonorDiffers | None:
    """Set when the donor found by the line's e-mail has another name (case and
    spacing aside), kind or country than the line."""

    def norm(name: str) -> str:
        return " ".join(name.split()).casefold()

    if (norm(donor.name), donor.kind, donor.country_id) == (
        norm(line.donor),
        line.kind,
        line.country.pk if line.country is not None else None,
    ):
        return None
    return DonorDiffers(
        line=line.line,
        email=line.email,
        recorded=_describe(donor.name, donor.kind, donor.country),
        in_file=_describe(line.donor, line.kind, line.country),
    )


def _recorded_content(pledge: Pledge) -> tuple:
    due = min((i.due_date for i in pledge.instalments.all()), default=pledge.pledge_date)
    return (
        pledge.donor.email.lower(),
        pledge.amount,
        pledge.pledge_date,
        due,
        pledge.agreement_signed,
    )


def import_pledge_register(
    source: str | Path | IO[bytes],
    fund: Fund,
    by: Actor,
    *,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PledgeImportResult:
    """Check every row, then record the new pledges in one transaction.

    ``progress(done, total)``, if given, hears how far it is (PROGRESS_EVERY)."""
    name = name or str(getattr(source, "name", source))
    countries: dict[str, Country] = {}
    for country in Country.objects.all():
        countries[country.iso2.upper()] = country
        countries[country.iso3.upper()] = country

    errors: list[RowError] = []
    wanted: dict[str, RegisterLine] = {}
    repeated = 0
    checked = 0
    for checked, row in enumerate(read_rows(source, COLUMNS, name=name), 1):
        if progress is not None and not checked % PROGRESS_EVERY:
            progress(checked, 0)
        try:
            line = _check_row(row, countries)
        except ValueError as bad:
            errors.append(RowError(row.line, said_by(bad)))
            continue
        earlier = wanted.get(line.reference)
        if earlier is None:
            wanted[line.reference] = line
        elif earlier.same_pledge(line):
            repeated += 1  # the same pledge written twice: recorded once
        else:
            errors.append(
                RowError(
                    line.line,
                    Sentence(
                        sentences.REFERENCE_TWICE, {"ref": line.reference, "other": earlier.line}
                    ),
                )
            )

    recorded = {
        pledge.source_reference: pledge
        for pledge in Pledge.objects.filter(fund=fund, source_reference__in=list(wanted))
        .select_related("donor")
        .prefetch_related("instalments")
    }
    for reference, line in wanted.items():
        pledge = recorded.get(reference)
        if pledge is not None and _recorded_content(pledge) != line.content():
            errors.append(
                RowError(
                    line.line,
                    Sentence(
                        sentences.REFERENCE_RECORDED,
                        {"ref": reference, "pledge": pledge.reference},
                    ),
                )
            )
    if progress is not None:
        progress(checked, 0)
    if errors:
        raise FileRejected(sorted(errors, key=lambda error: error.line), name)

    new = [line for reference, line in wanted.items() if reference not in recorded]
    already = len(wanted) - len(new) + repeated
    donors_differ: list[DonorDiffers] = []
    with transaction.atomic():
        if progress is not None:
            progress(0, len(new))
        for saved, line in enumerate(new):
            if progress is not None and saved and not saved % PROGRESS_EVERY:
                progress(saved, len(new))
            try:
                donor = find_or_create_donor(
                    name=line.donor, kind=line.kind, email=line.email, country=line.country
                )
                if differs := _donor_differs(donor, line):
                    donors_differ.append(differs)
                record_pledge(
                    fund=fund,
                    donor=donor,
                    amount=line.amount,
                    pledge_date=line.pledge_date,
                    method=PaymentMethod.BANK_TRANSFER,
                    by=by,
                    agreement_signed=line.agreement_signed,
                    schedule=[InstalmentSpec(line.amount, line.due_date)],
                    source_reference=line.reference,
                )
            except PledgeError as refused:  # e.g. recorded meanwhile by another import
                raise FileRejected([RowError(line.line, str(refused))], name) from refused
        if progress is not None:
            progress(len(new), len(new))
        if new:
            log_action(
                fund,
                "pledges:imported",
                by,
                Path(name).name,
                {
                    "created": len(new),
                    "already": already,
                    "references": [line.reference for line in new],
                    "donors_differ": [item.as_dict() for item in donors_differ],
                },
            )
    return PledgeImportResult(created=len(new), already=already, donors_differ=tuple(donors_differ))
