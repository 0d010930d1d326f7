"""Reading the audit trail: its filters, the links from a record to the page
of what it is about, and its rows as a CSV file (docs/security.md, "Reading
the audit trail").

Every read here runs a fixed number of queries whatever the trail's size:
the filter form's choices are three ``DISTINCT`` queries over the records of
the last minutes only (``trail_values``), a page of records one query, and
its links at most one query per kind of record linked
(``fundmgr.extensions.record_links``), however many records of that kind the
page shows.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fundmgr import extensions
from fundmgr.audit_actions import label as action_label
from fundmgr.collation import sorted_names
from fundmgr.models import AuditRecord
from fundmgr.models.audit import why_shown
from fundmgr.refusals import ACTION as REFUSED
from fundmgr.refusals import THROTTLED
from fundmgr.roles import BOOK_READERS, Role, has_role

#: A system actor's value in the person filter: a username never holds ":"
#: (Django's validator), so the two never meet.
SYSTEM_PREFIX = "system:"
#: The CSV export reads the trail in chunks of this many records.
EXPORT_CHUNK = 2000


def refusals() -> Q:
    """The records that say something was refused: the core's (a 403 to a
    signed-in person, and the one record when they pass the hourly limit) and
    those the apps register (the API's)."""
    found = Q(action__in=[REFUSED, THROTTLED])
    for records in extensions.refusals().values():
        found |= records
    return found


def for_reading(queryset: QuerySet | None = None) -> QuerySet:
    """The records as the page and the export show them: who and what kind
    of record in the same query, and whether each is a refusal."""
    queryset = AuditRecord.objects.for_table() if queryset is None else queryset
    return queryset.annotate(
        is_refusal=Case(
            When(refusals(), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def _model_label(app_label: str, model: str) -> str:
    try:
        return str(apps.get_model(app_label, model)._meta.verbose_name)
    except LookupError:  # a content type whose model is gone
        return f"{app_label}.{model}"


@dataclass(frozen=True)
class TrailValues:
    """Who acted, what they did and on what kinds of record, over the whole
    trail: the filter form's choices. ``read_from``: records from then on are
    read again each time (see ``trail_values``)."""

    read_from: datetime.datetime
    built_at: datetime.datetime
    people: frozenset[str] = frozenset()
    systems: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    kinds: frozenset[tuple[str, str]] = frozenset()


TRAIL_VALUES_KEY = "fundmgr:audit:trail-values:1"
#: Records are read again from this long before the last reading: a record is
#: stamped when written, and a transaction that took this long to commit
#: would otherwise be missed until the next rebuild.
LATE_COMMIT = datetime.timedelta(minutes=10)
#: The values are read afresh from the whole trail this often.
REBUILD_AFTER = datetime.timedelta(hours=1)


def trail_values() -> TrailValues:
    """The filter's choices, kept in the cache and brought up to date from the
    records written since the last reading (their time is indexed), not read
    from the whole trail each time: three ``DISTINCT`` queries over the whole
    table took most of the page's time at 200,000 records. Rebuilt from the
    whole trail every REBUILD_AFTER (a value whose records are all gone
    leaves the list then)."""
    now = timezone.now()
    kept = cache.get(TRAIL_VALUES_KEY)
    if kept is None or now - kept.built_at > REBUILD_AFTER:
        kept, records = TrailValues(read_from=now, built_at=now), AuditRecord.objects.order_by()
    else:
        records = AuditRecord.objects.order_by().filter(at__gte=kept.read_from)
    people, systems = set(kept.people), set(kept.systems)
    for username, system in records.values_list("actor__username", "system_actor").distinct():
        if username:
            people.add(username)
        elif system:
            systems.add(system)
    kinds = records.filter(target_type__isnull=False).values_list(
        "target_type__app_label", "target_type__model"
    )
    values = TrailValues(
        read_from=now - LATE_COMMIT,
        built_at=kept.built_at,
        people=frozenset(people),
        systems=frozenset(systems),
        actions=kept.actions | frozenset(records.values_list("action", flat=True).distinct()),
        kinds=kept.kinds | frozenset(kinds.distinct()),
    )
    cache.set(TRAIL_VALUES_KEY, values, int(REBUILD_AFTER.total_seconds()) * 2)
    return values


class AuditFilterForm(forms.Form):
    """The page's GET form; the export takes the same. An empty field is "all"."""

    person = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of record"), required=False)
    record = forms.CharField(
        label=gettext_lazy("Record number"),
        required=False,
        max_length=AuditRecord._meta.get_field("target_id").max_length,
        help_text=gettext_lazy("With a kind of record: that one record only."),
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter the date as YYYY-MM-DD.")},
    )
    end = forms.DateField(
        label=gettext_lazy("To (inclusive)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter the date as YYYY-MM-DD.")},
    )
    refused = forms.BooleanField(label=gettext_lazy("Only refused attempts"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        values = trail_values()
        groups = [
            (_("People"), [(name, name) for name in sorted(values.people)]),
            (_("System"), [(SYSTEM_PREFIX + name, name) for name in sorted(values.systems)]),
        ]
        self.fields["person"].choices = every + [group for group in groups if group[1]]
        self.fields["action"].choices = every + sorted_names(
            (code, action_label(code)) for code in values.actions
        )
        self.fields["kind"].choices = every + sorted(
            ((f"{app}.{model}", _model_label(app, model)) for app, model in values.kinds),
            key=lambda choice: str(choice[1]).lower(),
        )

    def clean(self):
        data = super().clean()
        if data.get("record") and not data.get("kind"):
            self.add_error("record", _("Choose the kind of record this number is of."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    def messages(self) -> list[str]:
        """Each error with the name of its field, for the summary above the form."""
        return [
            f"{self.fields[name].label}: {error}" if name in self.fields else str(error)
            for name, errors in self.errors.items()
            for error in errors
        ]

    def active(self) -> bool:
        return self.is_bound and any(self.cleaned_data.get(name) for name in self.fields)

    def filter(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the valid form's choices."""
        if not self.is_valid():
            raise ValidationError(self.messages())
        data = self.cleaned_data
        if person := data["person"]:
            if person.startswith(SYSTEM_PREFIX):
                queryset = queryset.filter(
                    actor__isnull=True, system_actor=person.removeprefix(SYSTEM_PREFIX)
                )
            else:
                queryset = queryset.filter(actor__username=person)
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["kind"]:
            app_label, model = data["kind"].split(".", 1)
            queryset = queryset.filter(target_type__app_label=app_label, target_type__model=model)
            if data["record"]:
                queryset = queryset.filter(target_id=data["record"].strip())
        if data["start"]:
            queryset = queryset.filter(at__gte=_midnight(data["start"]))
        if data["end"]:  # inclusive: up to the next day's midnight
            queryset = queryset.filter(at__lt=_midnight(data["end"] + datetime.timedelta(1)))
        if data["refused"]:
            queryset = queryset.filter(refusals())
        return queryset


def _midnight(day: datetime.date) -> datetime.datetime:
    """The day's start where the reader is (the trail shows times there)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def attach_links(records: Iterable[AuditRecord], user) -> None:
    """Set ``record.link`` to the address of the page of what each record is
    about, where a page is registered for its kind and ``user`` may open it
    (its own view's check, object included), else to ""."""
    records = list(records)
    wanted: dict[str, set] = defaultdict(set)
    links = extensions.record_links()
    for record in records:
        record.link = ""
        kind = record.target_type
        if kind is not None and record.target_id:
            label = f"{kind.app_label}.{kind.model}"
            if label in links:
                wanted[label].add(record.target_id)
    urls: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        link = links[label]
        model = apps.get_model(label)
        keys = set()
        for raw in ids:
            try:
                keys.add(model._meta.pk.to_python(raw))
            except ValidationError:
                continue  # a record number no row of this kind can have
        for found in link.queryset().filter(pk__in=keys):
            if link.may_open(user, found):
                urls[label, str(found.pk)] = link.url(found)
    for record in records:
        kind = record.target_type
        if kind is not None:
            record.link = urls.get((f"{kind.app_label}.{kind.model}", record.target_id), "")


def csv_header() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("System"),
        _("Action"),
        _("Action code"),
        _("Refused"),
        _("Kind of record"),
        _("Record number"),
        _("Record"),
        _("Why"),
        _("Details"),
    ]


def csv_rows(queryset: QuerySet) -> Iterator[list]:
    """One row per record, read as plain values in chunks: a trail of any
    length is written without holding it in memory. Every text is outside
    text to the CSV writer (``fundmgr.csv_files``), which makes formulas inert."""
    yes, no = _("yes"), _("no")
    labels: dict[tuple[str, str], str] = {}
    values = queryset.values_list(
        "at",
        "actor__username",
        "system_actor",
        "action",
        "is_refusal",
        "target_type__app_label",
        "target_type__model",
        "target_id",
        "target_repr",
        "reason",
        "data",
    )
    encode = json.JSONEncoder(ensure_ascii=False).encode  # data was stored as JSON
    for (
        at,
        username,
        system,
        action,
        refused,
        app,
        model,
        number,
        shown,
        why,
        data,
    ) in values.iterator(chunk_size=EXPORT_CHUNK):
        if app is not None and (app, model) not in labels:
            labels[app, model] = _model_label(app, model)
        yield [
            at.astimezone(datetime.UTC).isoformat(),
            username if username is not None else system,
            no if username is not None else yes,
            action_label(action),
            action,
            yes if refused else no,
            labels[app, model] if app is not None else "",
            number,
            shown,
            why_shown(why, data),
            encode(data) if data else "",
        ]


def readers(*roles: str):
    """``may_open`` for a page whose view checks these roles alone."""
    return lambda user, record: has_role(user, *roles)


def register_core_links() -> None:
    """The core's pages that a record can link to (the apps add theirs)."""
    from django.contrib.auth import get_user_model

    from fundmgr.models import Fund, ImportJob, JournalEntry, ManualJournal
    from fundmgr.services import imports

    extensions.add_record_link(
        Fund, lambda fund: reverse("fund-detail", args=[fund.code]), lambda user, fund: True
    )
    # Entries have no page of their own: the fund's journal, at the entry.
    extensions.add_record_link(
        JournalEntry,
        lambda entry: reverse("fund-journal", args=[entry.fund.code]) + f"#entry-{entry.pk}",
        readers(*BOOK_READERS),
        lambda: JournalEntry.objects.select_related("fund").only("pk", "fund__code"),
    )
    extensions.add_record_link(
        ManualJournal,
        lambda journal: reverse("manual-journal", args=[journal.fund.code, journal.pk]),
        readers(*BOOK_READERS),
        lambda: ManualJournal.objects.select_related("fund").only("pk", "fund__code"),
    )
    extensions.add_record_link(
        ImportJob,
        lambda job: reverse("import-job", args=[job.pk]),
        # As the job's page: those who may make its kind of import, and the auditor.
        lambda user, job: imports.may_import(user, job.kind) or has_role(user, Role.AUDITOR),
        lambda: ImportJob.objects.only("pk", "kind"),
    )
    # A person's page is the admin site's, for those the admin site lets change people.
    extensions.add_record_link(
        get_user_model(),
        lambda person: reverse("admin:auth_user_change", args=[person.pk]),
        lambda user, person: user.is_active and user.is_staff and user.has_perm("auth.change_user"),
        lambda: get_user_model().objects.only("pk"),
    )
