"""Fund officers' pages for travel grants: the queue of an event's nominations
with filters, counts and bulk certification, its Excel export, each grant's
page with the entitlement, eligibility, documents, money and history, and one
form per action the workflow allows the reader. Views are thin: every change
goes through ``grants.services.workflow``; every read through ``grants.queries``.

Those who read the books (``BOOK_READERS``; ``queries.PERSONAL_DATA_READERS``
on the pages that show delegates, which the API reads too) see the pages; what each may do is
decided by the workflow (``available_actions``) and enforced again by its
services, whose refusals come back as a message on the page, nothing changed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from urllib.parse import urlencode

from babel import Locale
from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fundmgr import once
from fundmgr.chart import AccountKey
from fundmgr.downloads import private_download
from fundmgr.formatting import babel_locale, country_choices
from fundmgr.models import Event, Leg
from fundmgr.models.countries import Region
from fundmgr.money import quantum, to_decimal
from fundmgr.roles import BOOK_READERS, ROLE_REFUSED, Role, has_role, role_required, roles_of
from fundmgr.sentences import Sentence
from fundmgr.services.duties import SeparationOfDutiesError, signatures_on
from grants import queries, queue_html
from grants.export import queue_workbook
from grants.models import ApprovalLevel, Gender, Grant, GrantState, Priority
from grants.services import workflow
from grants.stamp import stamps_and_certifier
from grants.workflow import (
    BY_ACTION,
    RECEIVABLE_STATES,
    TRANSITIONS,
    Signs,
    TransitionRefused,
    action_label,
    available_actions,
    next_actor,
    next_level,
    owed_by_traveller,
    signing_refusal,
)
from grants.workflow import Action as WorkflowAction

PAGE_SIZE = 50


def _event(code: str) -> Event:
    return get_object_or_404(Event.objects.select_related("fund", "travel_policy"), code=code)


# --- The queue ----------------------------------------------------------------


def money_formatter(currency: str) -> Callable[[Decimal], str]:
    """What ``{{ amount|money:currency }}`` prints, for many amounts: the locale
    and its currency pattern are looked up once, not for each of the page's
    hundred-odd amounts (that lookup was a fifth of the queue's time), and an
    amount already formatted in this language and currency is not again."""
    language = babel_locale()
    return lambda amount: _formatted(language, currency, str(to_decimal(amount)))


@functools.lru_cache(maxsize=4096)
def _formatted(language: str, currency: str, amount: str) -> str:
    """An amount (its exact text: -0 is not 0) formatted, remembered."""
    locale = Locale.parse(language)
    rounded = Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)
    pattern = locale.currency_formats["standard"]
    return pattern.apply(rounded, locale, currency=currency, currency_digits=True)


@role_required(*BOOK_READERS)
def events(request):
    """Every event with nominations, or that has a travel policy: the way into its queue."""
    return render(request, "grants/events.html", {"events": queries.grant_events()})


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    ldc = forms.ChoiceField(
        label=gettext_lazy("LDC on the eligibility date"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("yes")),
            ("no", gettext_lazy("no")),
        ],
    )
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), required=False)
    overdue = forms.ChoiceField(
        label=gettext_lazy("Travel claim"),
        required=False,
        choices=[("", gettext_lazy("All")), ("yes", gettext_lazy("overdue"))],
    )
    awaiting = forms.ChoiceField(
        label=gettext_lazy("Whose move"),
        required=False,
        choices=[("", gettext_lazy("All")), ("me", gettext_lazy("Awaiting me"))],
    )

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["state"].choices = every + list(GrantState.choices)
        self.fields["region"].choices = every + list(Region.choices)
        self.fields["gender"].choices = every + list(Gender.choices)
        self.fields["country"].choices = every + country_choices(countries)

    def filters(self) -> queries.QueueFilters:
        """The valid choices; an invalid one is reported and filters nothing."""
        self.is_valid()
        return queries.QueueFilters.from_data(getattr(self, "cleaned_data", {}))


def quick_filters(data, countries) -> queries.QueueFilters:
    """What ``QueueFilterForm(data or None, countries=countries).filters()``
    gives, without building the form (its fields are deep-copied, its
    countries named and sorted): each valid choice kept, an invalid one
    filtering nothing. The form itself is built only to be rendered."""
    if not data:
        return queries.QueueFilters()
    valid = {**queries.filter_choices(countries), "awaiting": AWAITING}
    wanted = {name: data.get(name) for name in valid}
    return queries.QueueFilters.from_data(
        {name: value for name, value in wanted.items() if value in valid[name]}
    )


#: The values of the queue's "awaiting" filter: a page's own, never an export's
#: in the background (it needs to know who reads).
AWAITING = ["me"]


def _for_reader(filters: queries.QueueFilters, user) -> queries.QueueFilters:
    """``filters`` with the reader, whom "awaiting me" is about."""
    return dataclasses.replace(filters, person=user) if filters.awaiting else filters


def _filter_form_html(request, event: Event, countries, filters) -> str:
    """The queue's filter form, rendered once per event, language, countries
    offered and the filters asked for (what it shows), then kept in the cache."""
    shown = (
        QUEUE_VERSION,
        event.pk,
        event.code,
        get_language(),
        tuple(countries),
        sorted((name, tuple(request.GET.getlist(name))) for name in QueueFilterForm.base_fields),
    )
    key = "grants:queue-filters:" + _digest(shown)
    html = cache.get(key)
    if html is None:
        form = QueueFilterForm(request.GET or None, countries=countries)
        form.is_valid()  # its errors shown
        html = render_to_string(
            "grants/_queue_filters.html",
            {"event": event, "form": form, "filters": filters},
            request,
        )
        cache.set(key, html, QUEUE_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308


def _filter_form(request, event: Event) -> QueueFilterForm:
    return QueueFilterForm(request.GET or None, countries=queries.queue_countries(event))


@role_required(*queries.PERSONAL_DATA_READERS)
def queue(request, code):
    """An event's nominations and grants: filters, counts and totals by state,
    one page of rows; fund officers certify the selected rows at once."""
    if request.method == "POST":
        return _bulk_certify(request, _event(code))
    # The stamps are read before the grants and the event (grants.stamp says
    # why): the queue's moves with any change to either, the events' with a
    # change to an event, its fund or travel policy. Claims fall overdue overnight
    # with no grant changing: the day is in the key too.
    stamps, certifier = stamps_and_certifier()
    can_certify = has_role(request.user, certifier or Role.FUND_OFFICER)
    event_key = f"grants:queue-event:{_digest(code)}:{stamps.events}"
    key = _queue_cache_key(code, stamps.queue, can_certify, request.GET, _reader(request))
    found = cache.get_many([event_key, key])
    event = found.get(event_key)
    if event is None:
        # With its fund and travel policy: the ORM took longer to build this
        # query than the rest of a page read from the cache.
        event = _event(code)
        cache.set(event_key, event, QUEUE_CACHE_SECONDS)
    cached, seen = found.get(key), {}
    if cached is None:
        cached, seen = _queue_parts(request, event, can_certify, keep_as=key)
    # Kept as plain text (a pickled SafeString costs ten times a str), every
    # value escaped when it was written.
    cached = {name: mark_safe(html) for name, html in cached.items()}  # noqa: S308
    # ``seen`` (the counts and the page, when computed now) is for the tests' eyes.
    return render(
        request,
        "grants/queue.html",
        {"event": event, "cached": cached, "can_certify": can_certify, **seen},
    )


#: How long a computed queue page is kept; any change to a grant or its event
#: replaces it at once (a new stamp), so this only bounds the memory of pages
#: nobody reads.
QUEUE_CACHE_SECONDS = 15 * 60


def _reader(request) -> str:
    """Who the page is about, in its cache key: with "awaiting me", the
    reader and their roles (any signature or change of a grant moves the
    stamp, but a role granted or removed does not); else nobody."""
    if request.GET.get("awaiting") not in AWAITING:
        return ""
    return f"{request.user.pk}:{','.join(sorted(roles_of(request.user)))}"


def _queue_cache_key(code: str, stamp: str, can_certify: bool, query, reader: str = "") -> str:
    digest = _digest((code, reader, sorted((name, tuple(query.getlist(name))) for name in query)))
    today = timezone.localdate().isoformat()
    return f"grants:queue:{stamp}:{today}:{get_language()}:{int(can_certify)}:{digest}"


def _queue_parts(
    request, event: Event, can_certify: bool, *, keep_as: str
) -> tuple[dict[str, str], dict]:
    """The queue's filters, counts, rows and pagination, rendered (3 queries),
    and the counts and page they show; kept in the cache under ``keep_as``
    too (the stamp's and query's key the view looks up first).

    What it reads (the filter form's countries, the counts by state from the
    tally, one page of rows) is a few rows whatever the number of grants. The
    last page computed for this query (``QueuePage``, under a key without the
    stamp) is read back and compared with what is read now, and only what
    differs is written again: a change that leaves this page as it was
    (another event's grant, a grant of another page that changes no count)
    writes nothing; a change to one of its grants, that row and the counts."""
    if request.GET.get("country"):
        # Which countries are valid filters is read first.
        countries = queries.queue_countries(event)
        filters = _for_reader(quick_filters(request.GET, countries), request.user)
        summary = queries.queue_summary(event, filters)
    else:
        filters = _for_reader(quick_filters(request.GET, ()), request.user)
        countries, summary = queries.queue_countries_and_summary(event, filters)
    # The summary already counted the matching rows: no second COUNT query.
    rows = queries.QueueRows(event, filters, summary.matching.count)
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    grants = tuple(page)
    language = get_language()
    query = sorted((name, tuple(request.GET.getlist(name))) for name in request.GET)
    about_event = (
        event.pk,
        event.code,
        event.name,
        event.city,
        event.starts_on,
        event.ends_on,
        event.fund.code,
        event.fund.name,
        event.fund.base_currency,
    )
    today, days = timezone.localdate(), queries.claim_period(event)
    # What it is computed from, as plain values (compared, and pickled into
    # the cache, at a fraction of the cost of the objects they come from):
    # what every part depends on; what the heading's start and the pagination
    # show besides; the counts; the grants of the page (each its own row).
    now = QueuePage(
        context=(QUEUE_VERSION, repr(about_event), language, can_certify, today.toordinal(), days),
        frame=(query, tuple(countries), page.number, paginator.num_pages),
        counts=_summary_shown(summary),
        grants=tuple(map(_as_shown, grants)),
    )
    seen = {"summary": summary, "page": page, "countries": countries}
    last_key = "grants:queue-last:" + _digest(
        (QUEUE_VERSION, event.pk, language, can_certify, query, _reader(request))
    )
    last = cache.get(last_key)
    if last is None or last.context != now.context:
        last = QueuePage()
    if last.frame == now.frame and last.counts == now.counts and last.grants == now.grants:
        cache.set(keep_as, last.parts, QUEUE_CACHE_SECONDS)
        return last.parts, seen
    money = money_formatter(event.fund.base_currency)
    if last.frame == now.frame:
        intro, pagination = last.intro, last.parts["pagination"]
    else:
        intro, pagination = _queue_intro_and_pagination(
            request, event, filters, page, (about_event, language, query, tuple(countries))
        )
    if last.frame == now.frame and last.counts == now.counts:
        head = last.parts["head"]
    else:
        head = intro + "\n" + _queue_counts_html(request, summary, filters, money)
    known = dict(zip(last.grants, last.rows_html, strict=True))
    rows_html = _queue_rows_html(grants, now.grants, event, can_certify, known)
    matching = _count_shown(summary.matching, money)
    table = queue_html.rows_table(
        rows_html,
        number=page.number,
        pages=paginator.num_pages,
        can_certify=can_certify,
        matching=summary.matching,
        cost_shown=matching.cost_shown,
        committed_shown=matching.committed_shown,
    )
    parts = {"head": _plain(head), "rows": _plain(table), "pagination": _plain(pagination)}
    # Under the stamp and query (the next reader's key) and as this query's
    # last page: one trip to a shared cache.
    now = now._replace(rows_html=rows_html, intro=_plain(intro), parts=parts)
    cache.set_many({keep_as: parts, last_key: now}, QUEUE_CACHE_SECONDS)
    return parts, seen


def _plain(html: str) -> str:
    """``html`` as a plain str: a pickled SafeString costs ten times as much.
    The view marks the parts safe again as it reads them; every value in them
    was escaped when they were written."""
    return "".join((html,))


class QueuePage(NamedTuple):
    """A query's page as last computed: what it was computed from (plain
    values: see ``_queue_parts``), its rows' html (in the order of
    ``grants``), the heading's start and the page's parts."""

    context: tuple = ()
    frame: tuple = ()
    counts: tuple = ()
    grants: tuple[tuple, ...] = ()
    rows_html: list[str] = []
    intro: str = ""
    parts: dict[str, str] = {}


def _summary_shown(summary: queries.QueueSummary) -> tuple:
    """The counts and totals as plain text and numbers."""
    return tuple(
        (row.state, row.label, row.count, str(row.cost), str(row.committed))
        for row in (*summary.by_state, summary.matching)
    )


def _as_shown(grant: queries.QueueGrant) -> tuple:
    """A grant of the page as plain text and numbers: all its row shows."""
    return (*grant[:11], str(grant.cost), str(grant.committed_amount), grant.return_on.toordinal())


def _queue_intro_and_pagination(request, event: Event, filters, page, shown: tuple):
    """The heading's start (the event and the filter form) and the pagination,
    each kept in the cache under what it shows (neither shows a count)."""
    _about_event, language, query, countries = shown
    intro_key = "grants:queue-intro:" + _digest(shown)
    pages_key = "grants:queue-pages:" + _digest(
        (language, query, page.number, page.paginator.num_pages)
    )
    found = cache.get_many([intro_key, pages_key])
    fresh = {}
    if intro_key not in found:
        fresh[intro_key] = render_to_string(
            "grants/_queue_intro.html",
            {
                "event": event,
                "fund": event.fund,
                "filter_form": _filter_form_html(request, event, countries, filters),
            },
            request,
        )
    if pages_key not in found:
        fresh[pages_key] = render_to_string("includes/pagination.html", {"page": page}, request)
    if fresh:
        cache.set_many(fresh, QUEUE_CACHE_SECONDS)
        found |= fresh
    return found[intro_key], found[pages_key]


def _queue_counts_html(request, summary, filters, money) -> str:
    """The counts and totals by state, and the matching totals, written in
    Python (grants/queue_html.py)."""
    matching = _count_shown(summary.matching, money)
    return queue_html.by_state_table(
        _by_state_rows(request, summary.by_state, filters, money),
        bool(summary.by_state),
        filters.active(),
    ) + queue_html.matching_paragraph(
        summary.matching.count, matching.cost_shown, matching.committed_shown
    )


def _digest(values) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:40]


def _by_state_rows(request, by_state, filters, money) -> str:
    """The counts by state's rows, written in Python (a dozen links and two
    dozen amounts cost more through the template language than the rest of
    the head): each state links to the queue filtered on it, the other filters
    kept, back to the first page."""
    link = _state_link(request.GET)
    return queue_html.by_state_rows(
        (
            link(row.state),
            row.state == filters.state,
            row.label,
            row.count,
            money(row.cost),
            money(row.committed),
        )
        for row in by_state
    )


def _state_link(query) -> Callable[[str], str]:
    """What ``{% querystring state=... page=None %}`` writes, for each state:
    the query string encoded once, the state put in its place (or last) and
    the page left out (the tag, once per state, was most of the counts' time)."""
    before, after, seen = [], [], False
    for name, values in query.lists():
        if name == "page":
            continue
        if name == "state":
            seen = True
            continue
        encoded = QueryDict(mutable=True)
        encoded.setlist(name, values)
        (after if seen else before).append(encoded.urlencode())

    def link(state: str) -> str:
        return "?" + "&".join([*before, urlencode({"state": state}), *after])

    return link


@dataclass(frozen=True)
class ShownCount:
    """A line of the counts by state (``queries.StateCount``) with its amounts
    formatted for the reader."""

    state: str
    label: str
    count: int
    cost_shown: str
    committed_shown: str


def _count_shown(count: queries.StateCount, money: Callable[[Decimal], str]) -> ShownCount:
    return ShownCount(
        count.state, count.label, count.count, money(count.cost), money(count.committed)
    )


def _certifier_role() -> str:
    """The role of the first approval level (data, not code): who certifies.
    (The queue's page reads it with its stamps: ``stamps_and_certifier``;
    this reads nothing else, and writes nothing.)"""
    first = ApprovalLevel.objects.order_by("order").values_list("role", flat=True).first()
    return first or Role.FUND_OFFICER


class QueueRow(NamedTuple):
    """A grant of the page with its labels in the reader's language, looked up
    once per page (``get_FOO_display`` re-hashes every choice on each call)."""

    grant: queries.QueueGrant
    country: str
    region: str
    gender: str
    priority: str
    state: str
    cost: str
    committed: str
    claim_overdue: bool


#: Part of the page's (and its filter form's) cache key: bump it when
#: ``queue_html``, ``QueueRow``, ``QueuePage`` or the filter form changes what
#: the page shows.
QUEUE_VERSION = 5  # 4: the query's last page; 5: the "awaiting me" filter


def _queue_rows_html(
    grants, shown: tuple[tuple, ...], event: Event, can_certify: bool, known: dict[tuple, str]
) -> list[str]:
    """The page's rows: a grant shown exactly as when ``known`` took its row
    (for the same reader and day) keeps that row; the others are written now
    (``queue_html.row``: 50 rows cost about half a millisecond)."""
    fresh = [grant for grant, values in zip(grants, shown, strict=True) if values not in known]
    written = {}
    if fresh:
        labels = _row_labels_of(get_language(), event.code, can_certify)
        written = {row.grant.pk: queue_html.row(row, labels) for row in _queue_rows(fresh, event)}
    return [
        known[values] if values in known else written[grant.pk]
        for grant, values in zip(grants, shown, strict=True)
    ]


@functools.lru_cache(maxsize=256)
def _row_labels_of(language: str, event_code: str, can_certify: bool) -> queue_html.RowLabels:
    """What the rows of an event's page share in ``language``, made once (a
    URL reversed and four messages looked up cost more than the row itself;
    a process serves every request under the same script prefix)."""
    return queue_html.RowLabels(
        can_certify=can_certify,
        certifiable=GrantState.SUBMITTED,
        detail_url=reverse("grant-queue", args=[event_code]),
        select=_("Select"),
        ldc=_("LDC"),
        claim_overdue=_("claim overdue"),
    )


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def _queue_rows(page: list[queries.QueueGrant], event: Event) -> list[QueueRow]:
    money = money_formatter(event.fund.base_currency)
    days, today = queries.claim_period(event), timezone.localdate()
    countries, regions, genders, priorities, states = _row_labels(get_language())
    return [
        QueueRow(
            grant,
            countries.get(grant.country_id, grant.country_name),
            regions.get(grant.country_region, ""),
            genders.get(grant.gender, grant.gender),
            priorities.get(grant.priority, ""),
            states.get(grant.state, grant.state),
            money(grant.cost),
            money(grant.committed_amount),
            queries.claim_overdue(grant, days, today),
        )
        for grant in page
    ]


@functools.lru_cache(maxsize=16)
def _row_labels(language: str) -> tuple[dict, ...]:
    """The rows' labels in ``language``: countries' names (CLDR, through Babel's
    slower mapping once) and the choices' labels, looked up once per language."""
    with translation.override(language):
        return (
            dict(Locale.parse(babel_locale()).territories),
            _labels(Region.choices),
            _labels(Gender.choices),
            _labels(Priority.choices),
            _labels(GrantState.choices),
        )


def _bulk_certify(request, event: Event):
    """Certify the selected rows, each on its own; one message per row. The
    service refuses a person without the certifying role (403)."""
    ids = [int(value) for value in request.POST.getlist("grant") if value.isdigit()]
    back = HttpResponseRedirect(request.get_full_path())
    if not ids:
        if not has_role(request.user, _certifier_role()):
            raise PermissionDenied(Sentence(ROLE_REFUSED))
        messages.error(request, _("Select at least one nomination to certify."))
        return back
    grants = list(Grant.objects.filter(event=event, pk__in=ids))
    result = workflow.bulk_certify(grants, request.user)
    outcomes = [(grant.reference, None) for grant in result.certified]
    outcomes += list(result.errors.items())
    for reference, error in sorted(outcomes):
        if error:
            messages.error(
                request,
                _("%(reference)s not certified: %(error)s")
                % {"reference": reference, "error": error},
            )
        else:
            messages.success(request, _("%(reference)s certified.") % {"reference": reference})
    return back


@role_required(*queries.PERSONAL_DATA_READERS)
def export(request, code):
    """Every row the queue's filters match (not one page), as an Excel workbook."""
    event = _event(code)
    filters = _for_reader(_filter_form(request, event).filters(), request.user)
    handle = queue_workbook(event, filters)
    stamp = timezone.localdate().isoformat()
    return private_download(
        handle,
        f"{event.code}-grants-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- One grant -----------------------------------------------------------------


def _grant(code: str, reference: str) -> Grant:
    return get_object_or_404(
        Grant.objects.select_related(
            "event__fund", "event__travel_policy", "country", "nominated_by", "nominee_user"
        ),
        event__code=code,
        reference=reference,
    )


def _is_pdf(upload) -> bool:
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason or note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequiredReasonForm(ReasonForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _amount_field(label, *, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=help_text,
    )


def _value_date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The bank's value date; empty for today."),
    )


class SignForm(ReasonForm):
    on = forms.DateField(
        label=gettext_lazy("Signed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The day it was signed, if earlier; empty for today."),
    )
    field_order = ["on", "reason"]


class AdvanceForm(ReasonForm):
    amount = _amount_field(
        gettext_lazy("Amount"),
        required=False,
        help_text=gettext_lazy(
            "Leave empty for the event's advance percentage of the approved amount."
        ),
    )
    on = _value_date_field(gettext_lazy("Paid on"))
    field_order = ["amount", "on", "reason"]


class SettleForm(forms.Form):
    actual_cost = _amount_field(gettext_lazy("Actual cost"))
    on = _value_date_field(gettext_lazy("Settled on"))
    boarding_passes = forms.FileField(
        label=gettext_lazy("Boarding passes (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required for a claim above the approved amount)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_boarding_passes(self):
        upload = self.cleaned_data["boarding_passes"]
        if not _is_pdf(upload):
            raise forms.ValidationError(_("The boarding passes must be a PDF file."))
        return upload


class RefundForm(ReasonForm):
    amount = _amount_field(gettext_lazy("Amount refunded"))
    on = _value_date_field(gettext_lazy("Received on"))
    field_order = ["amount", "on", "reason"]


@dataclass(frozen=True)
class ActionForm:
    """How the page asks for one workflow action: its form and the service it
    calls. The label, the states and who may fire it are the state machine's
    (``grants.workflow.TRANSITIONS``)."""

    form: type[forms.Form]
    run: Callable[[Grant, object, dict], object]
    primary: bool = False


def _reason(data) -> str:
    return data.get("reason", "")


A = WorkflowAction
ACTION_FORMS: dict[str, ActionForm] = {
    A.SUBMIT: ActionForm(ReasonForm, lambda g, by, d: workflow.submit(g, by, _reason(d))),
    A.CERTIFY: ActionForm(
        SignForm,
        lambda g, by, d: workflow.certify(g, by, reason=_reason(d), on=d["on"]),
        primary=True,
    ),
    A.APPROVE: ActionForm(
        SignForm,
        lambda g, by, d: workflow.approve(g, by, reason=_reason(d), on=d["on"]),
        primary=True,
    ),
    A.REJECT: ActionForm(RequiredReasonForm, lambda g, by, d: workflow.reject(g, by, _reason(d))),
    A.WITHDRAW: ActionForm(
        RequiredReasonForm, lambda g, by, d: workflow.withdraw(g, by, _reason(d))
    ),
    A.PAY_ADVANCE: ActionForm(
        AdvanceForm,
        lambda g, by, d: workflow.pay_advance(
            g, by, amount=d["amount"], reason=_reason(d), on=d["on"]
        ),
        primary=True,
    ),
    A.CONFIRM_ATTENDANCE: ActionForm(
        ReasonForm,
        lambda g, by, d: workflow.confirm_attendance(g, by, reason=_reason(d)),
        primary=True,
    ),
    A.MARK_NO_SHOW: ActionForm(
        RequiredReasonForm, lambda g, by, d: workflow.mark_no_show(g, by, _reason(d))
    ),
    A.SETTLE: ActionForm(
        SettleForm,
        lambda g, by, d: workflow.settle(
            g,
            by,
            actual_cost=d["actual_cost"],
            boarding_passes=d["boarding_passes"],
            reason=d["reason"],
            on=d["on"],
        ),
        primary=True,
    ),
    A.RECORD_TRAVELLER_REFUND: ActionForm(
        RefundForm,
        lambda g, by, d: workflow.record_traveller_refund(
            g, by, d["amount"], _reason(d), on=d["on"]
        ),
    ),
    A.CLOSE: ActionForm(ReasonForm, lambda g, by, d: workflow.close(g, by, reason=_reason(d))),
}

#: What a refused action raises; each becomes a message on the page, nothing
#: changed. (Django's PermissionDenied, for a role that may not act, is a 403.)
REFUSALS = (TransitionRefused, SeparationOfDutiesError)


@dataclass(frozen=True)
class ShownAction:
    name: str
    slug: str
    label: str
    form: forms.Form
    primary: bool


def _shown(transition, form=None) -> ShownAction:
    spec = ACTION_FORMS[transition.action]
    return ShownAction(
        transition.action,
        transition.action.replace("_", "-"),
        str(transition.label),
        form or spec.form(prefix=transition.action),
        spec.primary,
    )


def _duty_refusals(grant: Grant, user, levels, signatures, allowed) -> list[tuple[str, str]]:
    """Signatures the person's roles would allow now but separation of duties
    forbids (they certified it, they nominated the delegate, they are the
    delegate): (action, why), so the page says why there is no button."""
    level = next_level(levels, signatures)
    if level is None or not has_role(user, level.role):
        return []
    why = signing_refusal(grant, user, level, levels, signatures)
    if not why:
        return []
    first = level.code == levels[0].code
    return [
        (str(t.label), why)
        for t in TRANSITIONS
        if t.signs == (Signs.FIRST if first else Signs.LATER)
        and grant.state in t.sources
        and t not in allowed
    ]


#: What each of a grant's entries is, by the journal entry's kind.
ENTRY_KINDS = {
    "grant_commitment": gettext_lazy("Commitment"),
    "grant_advance": gettext_lazy("Advance paid"),
    "grant_liquidation": gettext_lazy("Commitment liquidated by the advance"),
    "grant_settlement": gettext_lazy("Travel claim settled"),
    "grant_psc": gettext_lazy("Programme support cost"),
    "grant_release": gettext_lazy("Commitment released"),
    "grant_no_show": gettext_lazy("No-show: the advance owed back"),
    "grant_refund": gettext_lazy("Refund from the traveller"),
}


@dataclass(frozen=True)
class LedgerLine:
    entry: object
    kind: str
    amount: Decimal  # the entry's size: its debits
    debits: list[str]
    credits: list[str]


def _ledger(grant: Grant) -> tuple[list[LedgerLine], Decimal]:
    """The grant's entries with their legs and accounts (two queries; one
    while it has none), and the PSC charged."""
    legs = Prefetch("legs", queryset=Leg.objects.select_related("account"))
    entries = queries.grant_entries(grant).prefetch_related(legs).order_by("date", "id")
    lines, psc = [], Decimal(0)
    for entry in entries:
        legs = list(entry.legs.all())
        psc += sum((leg.debit for leg in legs if leg.account.key == AccountKey.PSC), Decimal(0))
        lines.append(
            LedgerLine(
                entry,
                str(ENTRY_KINDS.get(entry.kind, entry.kind)),
                sum((leg.debit for leg in legs), Decimal(0)),
                [leg.account.get_key_display() for leg in legs if leg.debit],
                [leg.account.get_key_display() for leg in legs if leg.credit],
            )
        )
    return lines, psc


def _render_grant(request, grant: Grant, *, bound=None, error: str = ""):
    """The grant page; ``bound`` is (action, form) for a form sent back with its errors."""
    levels = list(ApprovalLevel.objects.order_by("order"))
    signatures = signatures_on(grant)
    allowed = available_actions(grant, request.user, levels=levels, signatures=signatures)
    shown = [
        _shown(t, bound[1] if bound and bound[0] == t.action else None)
        for t in allowed
        if t.action in ACTION_FORMS
    ]
    ledger, psc_charged = _ledger(grant)
    days = queries.claim_period(grant.event)
    return render(
        request,
        "grants/detail.html",
        {
            "grant": grant,
            "event": grant.event,
            "fund": grant.event.fund,
            "currency": grant.event.fund.base_currency,
            "quotes": list(grant.quotes.all()),
            "history": [(step, action_label(step.action)) for step in workflow.history(grant)],
            "actions": shown,
            "duty_refusals": _duty_refusals(grant, request.user, levels, signatures, allowed),
            "refused": error,
            "owes": grant.state in RECEIVABLE_STATES,
            "owed": owed_by_traveller(grant),
            "ledger": ledger,
            "psc_charged": psc_charged,
            "claim_due_on": queries.claim_due_on(grant, days),
            "claim_overdue": queries.claim_overdue(grant, days, timezone.localdate()),
            "next_actor": next_actor(grant.state, levels, len(signatures)),
            "related": _related_pages(request.user, grant),
        },
    )


def _related_pages(user, grant: Grant) -> list[tuple[str, str]]:
    """The pages about this grant or its event the reader may open, as
    (label, address): its quotes, the event's queue and nominations, the
    conference's costs, the fund, and its records in the audit trail."""
    code = grant.event.code
    pages = []
    if has_role(user, Role.FUND_OFFICER, Role.AUDITOR):
        pages.append(
            (
                _("Airfare quotes and entitlement"),
                reverse("grants-quotes", args=[code, grant.reference]),
            )
        )
        pages.append((_("The event's nominations"), reverse("grants-nominations", args=[code])))
    pages.append((_("The event's grant queue"), reverse("grant-queue", args=[code])))
    pages.append(
        (
            _("Conference costs and the host country's contribution"),
            reverse("reports-conference", args=[code]),
        )
    )
    pages.append((grant.event.fund.name, reverse("fund-detail", args=[grant.event.fund.code])))
    if has_role(user, Role.AUDITOR, Role.ADMINISTRATOR):
        query = urlencode({"kind": "grants.grant", "record": grant.pk})
        pages.append((_("Its records in the audit trail"), f"{reverse('audit-trail')}?{query}"))
    return pages


@role_required(*queries.PERSONAL_DATA_READERS)
def detail(request, code, reference):
    return _render_grant(request, _grant(code, reference))


@require_POST
@role_required(*BOOK_READERS)
def act(request, code, reference, action):
    """Run one workflow action on a grant. A refusal (wrong state, not enough
    cash, separation of duties) is shown on the page with nothing changed; a
    role that may not act at all gets 403."""
    name = action.replace("-", "_")
    if name not in ACTION_FORMS:
        raise Http404
    grant = _grant(code, reference)
    form = ACTION_FORMS[name].form(request.POST, request.FILES, prefix=name)
    if not form.is_valid():
        return _render_grant(request, grant, bound=(name, form))
    try:
        with once.recording(request):
            ACTION_FORMS[name].run(grant, request.user, form.cleaned_data)
    except REFUSALS as refused:
        # Show the grant as the database has it, not as the service left the object.
        return _render_grant(
            request, _grant(code, reference), bound=(name, form), error=str(refused)
        )
    messages.success(
        request,
        _("%(reference)s: “%(action)s” done.")
        % {"reference": grant.reference, "action": BY_ACTION[name].label},
    )
    return redirect("grant-detail", code=grant.event.code, reference=grant.reference)


DOCUMENTS = {"note-verbale": "note_verbale", "boarding-passes": "boarding_passes"}


@role_required(*queries.PERSONAL_DATA_READERS)
def document(request, code, reference, kind):
    """A grant's note verbale or boarding passes: stored outside the web root and
    served only to those who read the books, never through a public media URL."""
    if kind not in DOCUMENTS:
        raise Http404
    grant = _grant(code, reference)
    stored = getattr(grant, DOCUMENTS[kind])
    if not stored:
        raise Http404
    return private_download(stored.open("rb"), f"{grant.reference}-{kind}.pdf", "application/pdf")
