"""Nominating a delegate for an event: one call checks everything a fund
officer would, records the nomination with its eligibility and submits it.

Who may nominate: a fund officer for any country; a focal point (the role
*and* a ``FocalPoint`` row) for their own countries only.

What is refused, with a message naming the field, and nothing saved:
a nomination after the event's deadline; a country not eligible on the
event's eligibility date (the reasons say why); a person already nominated
for the event (the name folded by :func:`person_key`); a country already at
the event's cap of funded delegates; travel dates that do not cover the event
or fall outside the window the travel policy allows; a missing note verbale,
one that is not a PDF, or one larger than 10 MB.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.formatting import country_name
from fundmgr.models import Country, Event
from fundmgr.roles import Role, has_role
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.sequences import next_number
from grants import sentences
from grants.models import FocalPoint, Gender, Grant, GrantState, TravelPolicy
from grants.services.eligibility import Eligibility, assess

MAX_NOTE_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
_MAX_KEY = Grant._meta.get_field("person_key").max_length
_AIRPORT = re.compile(r"^[A-Z]{3}$")


class NominationRefused(ValueError):
    """A nomination that cannot be recorded. ``errors`` maps each field name
    (or ``None`` for the nomination as a whole) to its messages."""

    def __init__(self, errors: dict[str | None, list[str]] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


# --- Rules shared by the form, the service and the import ---------------------


def person_key(name: str) -> str:
    """The name folded for comparison: accents removed, case folded,
    punctuation and symbols dropped, whitespace collapsed.
    "José  Pérez", "jose perez" and "JOSÉ PÉREZ." are one person."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        char for char in decomposed if unicodedata.category(char)[0] not in {"M", "P", "S"}
    )
    return " ".join(kept.casefold().split())[:_MAX_KEY]


def note_verbale_said(head: bytes, size: int) -> Sentence | None:
    """Why a note verbale of this size starting with ``head`` is refused, or
    None: kept by code (the nominations sheet's problems by line)."""
    if size == 0:
        return Sentence(sentences.NOTE_EMPTY)
    if size > MAX_NOTE_BYTES:
        return Sentence(sentences.NOTE_TOO_LARGE)
    if not head.startswith(PDF_MAGIC):
        return Sentence(sentences.NOTE_NOT_PDF)
    return None


def note_verbale_problem(head: bytes, size: int) -> str | None:
    """``note_verbale_said`` in the language active."""
    said = note_verbale_said(head, size)
    return None if said is None else str(said)


def check_note_verbale(document: UploadedFile | IO[bytes] | None) -> str | None:
    """The problem with an uploaded note verbale, or None when it is a PDF of
    at most 10 MB. (The donors' pledge-letter check is not shared: its
    messages name a pledge letter.)"""
    if document is None:
        return _("The note verbale is missing: attach it as a PDF.")
    size = getattr(document, "size", None)
    if size is None:
        document.seek(0, 2)
        size = document.tell()
    document.seek(0)
    head = document.read(len(PDF_MAGIC))
    document.seek(0)
    return note_verbale_problem(head, size)


def travel_window(event: Event, policy: TravelPolicy) -> tuple[datetime.date, datetime.date]:
    """The earliest departure and latest return the travel policy pays for."""
    return (
        event.starts_on - datetime.timedelta(days=policy.arrive_days_before),
        event.ends_on + datetime.timedelta(days=policy.leave_days_after),
    )


def date_problems(
    event: Event, policy: TravelPolicy, depart_on: datetime.date, return_on: datetime.date
) -> dict[str, list[str]]:
    """``dates_said`` in the language active."""
    said = dates_said(event, policy, depart_on, return_on)
    return {field: [str(each) for each in found] for field, found in said.items()}


def dates_said(
    event: Event, policy: TravelPolicy, depart_on: datetime.date, return_on: datetime.date
) -> dict[str, list[Sentence]]:
    """Travel dates must cover the whole event and stay inside the window:
    departure on or before the opening day and not earlier than
    ``arrive_days_before`` days before it; return on or after the closing day
    and not later than ``leave_days_after`` days after it. Kept by code."""
    earliest, latest = travel_window(event, policy)
    problems: dict[str, list[Sentence]] = {}
    values = {
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        "opening": event.starts_on.isoformat(),
        "closing": event.ends_on.isoformat(),
    }
    if return_on < depart_on:
        problems.setdefault("return_on", []).append(
            Sentence(
                sentences.RETURN_BEFORE_DEPARTURE,
                {"back": return_on.isoformat(), "out": depart_on.isoformat()},
            )
        )
    if depart_on < earliest or depart_on > event.starts_on:
        problems.setdefault("depart_on", []).append(
            Sentence(
                sentences.DEPARTURE_OUTSIDE_WINDOW,
                {"earliest": values["earliest"], "opening": values["opening"]},
            )
        )
    if return_on < event.ends_on or return_on > latest:
        problems.setdefault("return_on", []).append(
            Sentence(
                sentences.RETURN_OUTSIDE_WINDOW,
                {"closing": values["closing"], "latest": values["latest"]},
            )
        )
    return problems


def deadline_said(event: Event, today: datetime.date) -> Sentence | None:
    """Why nominations for ``event`` are closed ``today``, kept by code; or None."""
    if event.nomination_deadline and today > event.nomination_deadline:
        return Sentence(
            sentences.DEADLINE_PASSED,
            {"event": event.code, "deadline": event.nomination_deadline.isoformat()},
        )
    return None


def deadline_problem(event: Event, today: datetime.date) -> str | None:
    said = deadline_said(event, today)
    return None if said is None else str(said)


def nominating_countries(user) -> set[str] | None:
    """The countries ``user`` may nominate for (ISO alpha-2): ``None`` means
    any country (a fund officer); an empty set means none."""
    if has_role(user, Role.FUND_OFFICER):
        return None
    if has_role(user, Role.FOCAL_POINT):
        return set(FocalPoint.objects.filter(user=user).values_list("country_id", flat=True))
    return set()


def check_may_nominate(user, country: Country) -> None:
    allowed = nominating_countries(user)
    if allowed is not None and country.iso2 not in allowed:
        if not allowed:
            raise PermissionDenied(Sentence(sentences.MAY_NOT_NOMINATE))
        raise PermissionDenied(Sentence(sentences.NOT_FOCAL_POINT_FOR, {"country": country.iso2}))


def cap_message(event: Event, country: Country) -> str:
    return _(
        "%(country)s already has %(cap)d nominations holding a place for %(event)s; "
        "the cap is %(cap)d funded delegates per country."
    ) % {"country": country_name(country), "cap": event.max_funded_per_country, "event": event.code}


def duplicate_said(event: Event, name: str, reference: str | None = None) -> Sentence:
    """That ``name`` is already nominated for ``event``, kept by code."""
    if reference:
        return Sentence(
            sentences.ALREADY_NOMINATED_AS,
            {"name": name, "event": event.code, "reference": reference},
        )
    return Sentence(sentences.ALREADY_NOMINATED, {"name": name, "event": event.code})


def duplicate_message(event: Event, name: str, reference: str | None = None) -> str:
    return str(duplicate_said(event, name, reference))


def sequence_name(event: Event) -> str:
    return f"grant:{event.code}"


def reference_for(event: Event, number: int) -> str:
    return f"{event.code}-{number:04d}"


def policy_of(event: Event) -> TravelPolicy:
    try:
        return event.travel_policy
    except TravelPolicy.DoesNotExist:
        raise NominationRefused(
            _("%(event)s has no travel policy yet: a fund officer must set one first.")
            % {"event": event.code}
        ) from None


# --- The service ---------------------------------------------------------------


def _clean_text(errors, field: str, value: str, label: str, max_length: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        errors.setdefault(field, []).append(_("%(label)s is missing.") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("%(label)s is longer than %(max)d characters.") % {"label": label, "max": max_length}
        )
    return value


def nominate(
    event: Event,
    by: Actor,
    *,
    nominee_name: str,
    nominee_title: str,
    gender: str,
    country: Country,
    note_verbale: UploadedFile | None,
    departure_city: str,
    departure_airport: str,
    depart_on: datetime.date,
    return_on: datetime.date,
    nominee_email: str = "",
    submit: bool = True,
    today: datetime.date | None = None,
) -> Grant:
    """Record a nomination with its eligibility; submitted unless ``submit=False``.

    Raises PermissionDenied for a person who may not nominate for ``country``,
    NominationRefused (with field names) for anything else; nothing is saved."""
    check_may_nominate(by, country)
    # A day given is the day the nomination was taken: its submission is dated so.
    taken_on = today
    today = today or timezone.localdate()
    policy = policy_of(event)
    errors: dict[str | None, list[str]] = {}
    deadline = deadline_problem(event, today)
    if deadline:
        errors[None] = [deadline]
    nominee_name = _clean_text(errors, "nominee_name", nominee_name, _("The delegate's name"), 200)
    nominee_title = _clean_text(
        errors, "nominee_title", nominee_title, _("The delegate's title or function"), 200
    )
    departure_city = _clean_text(
        errors, "departure_city", departure_city, _("The departure city"), 100
    )
    departure_airport = (departure_airport or "").strip().upper()
    if not _AIRPORT.match(departure_airport):
        errors.setdefault("departure_airport", []).append(
            _("The departure airport is its three-letter IATA code, such as KTM.")
        )
    if gender not in Gender.values:
        errors.setdefault("gender", []).append(
            _("“%(value)s” is not one of the genders offered.") % {"value": gender}
        )
    nominee_email = (nominee_email or "").strip()
    if nominee_email:
        try:
            EmailValidator()(nominee_email)
        except ValidationError:
            errors.setdefault("nominee_email", []).append(
                _("“%(email)s” is not a valid e-mail address.") % {"email": nominee_email}
            )
    for field, problems in date_problems(event, policy, depart_on, return_on).items():
        errors.setdefault(field, []).extend(problems)
    note_problem = check_note_verbale(note_verbale)
    if note_problem:
        errors.setdefault("note_verbale", []).append(note_problem)
    eligibility = assess(event, country)
    if not eligibility.eligible:
        errors.setdefault("country", []).append(eligibility.refusal())
    key = person_key(nominee_name)
    if nominee_name and not key:
        errors.setdefault("nominee_name", []).append(_("The delegate's name has no letters."))
    if errors:
        raise NominationRefused(errors)

    try:
        return _record(
            event,
            by,
            eligibility,
            key=key,
            fields={
                "nominee_name": nominee_name,
                "nominee_title": nominee_title,
                "gender": gender,
                "nominee_email": nominee_email,
                "country": country,
                "departure_city": departure_city,
                "departure_airport": departure_airport,
                "depart_on": depart_on,
                "return_on": return_on,
            },
            note_verbale=note_verbale,
            submit=submit,
            taken_on=taken_on,
        )
    except IntegrityError:
        # Another nomination of the same person won the race: the constraint
        # one_funding_per_person_per_event is the backstop of the check above.
        holding = Grant.objects.holding_the_person().filter(event=event, person_key=key)
        earlier = holding.values_list("reference", flat=True).first()
        if earlier:
            message = duplicate_message(event, nominee_name, earlier)
            raise NominationRefused(message, "nominee_name") from None
        raise


def _earlier_reference(event: Event, key: str) -> str | None:
    """The reference of a nomination of the same person still holding them."""
    holding = Grant.objects.holding_the_person().filter(event=event, person_key=key)
    return holding.values_list("reference", flat=True).first()


@transaction.atomic
def _record(
    event, by: Actor, eligibility: Eligibility, *, key, fields, note_verbale, submit, taken_on=None
) -> Grant:
    # Lock the event so two nominations for one country are counted one
    # after the other (PostgreSQL; SQLite serialises writers anyway).
    event = Event.objects.select_for_update().get(pk=event.pk)
    country = fields["country"]
    earlier = _earlier_reference(event, key)
    if earlier:
        raise NominationRefused(
            duplicate_message(event, fields["nominee_name"], earlier), "nominee_name"
        )
    holding = Grant.objects.holding_a_place().filter(event=event, country=country)
    if holding.count() >= event.max_funded_per_country:
        raise NominationRefused(cap_message(event, country), "country")

    reference = reference_for(event, next_number(sequence_name(event)))
    grant = Grant(
        event=event,
        reference=reference,
        state=GrantState.DRAFT,
        person_key=key,
        nominated_by=person(by),
        priority=eligibility.priority,
        ldc_on_eligibility_date=eligibility.ldc,
        eligibility_reasons=eligibility.stored(),
        **fields,
    )
    grant.note_verbale.save(f"{reference}.pdf", note_verbale, save=False)
    try:
        with transaction.atomic():
            grant.save()
            log_action(
                grant,
                "grant:nominated",
                by,
                "",
                {
                    "country": country.iso2,
                    "priority": int(eligibility.priority),
                    "reasons": eligibility.stored(),
                },
            )
            if submit:
                _submit(grant, by, taken_on)
    except BaseException:
        grant.note_verbale.delete(save=False)  # no orphan file for a refused nomination
        raise
    return grant


def _submit(grant: Grant, by: Actor, on: datetime.date | None = None) -> None:
    # Imported here: the workflow module is the larger one and may come to use this one.
    from grants.services.workflow import submit

    submit(grant, by, on=on)
    grant.refresh_from_db()
