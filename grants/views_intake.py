"""Intake pages: an event's nominations as their nominator sees them, the
nomination form (fund officers for any country, focal points for their own),
the bulk import (fund officers) and the airfare quotes of a nomination with
its entitlement (fund officers). The auditor reads every one of these pages
(all countries) and is shown no form; whatever they post is refused (403).
Thin: the services check and record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fundmgr.models import Event, ImportJob
from fundmgr.money import Money
from fundmgr.roles import Role, has_role, require_role, role_required
from fundmgr.sentences import Sentence
from fundmgr.services import imports
from fundmgr.tabular import FileRejected
from grants import sentences
from grants.forms import NominationForm, NominationImportForm, QuoteForm
from grants.import_jobs import nominations_message, nominations_summary
from grants.models import Grant
from grants.services.entitlement import (
    ALLOWED_STATES,
    EntitlementRefused,
    add_quote,
    apply_entitlement,
    compute_entitlement,
)
from grants.services.nomination_import import (
    COLUMNS,
    QUOTE_COLUMNS,
    ZipDocuments,
    import_nominations,
)
from grants.services.nominations import (
    NominationRefused,
    nominate,
    nominating_countries,
    travel_window,
)

NOMINATORS = (Role.FUND_OFFICER, Role.FOCAL_POINT)
#: Who reads the intake pages: those who nominate, and the auditor (read-only).
READERS = (*NOMINATORS, Role.AUDITOR)
PAGE_SIZE = 50


def _event(code: str) -> Event:
    return get_object_or_404(Event.objects.select_related("fund", "travel_policy"), code=code)


def _countries_or_403(user) -> set[str] | None:
    countries = nominating_countries(user)
    if countries is not None and not countries:
        raise PermissionDenied(Sentence(sentences.NOT_A_FOCAL_POINT))
    return countries


def _readable_countries(user) -> set[str] | None:
    """The countries whose nominations ``user`` reads: all (None) for a fund
    officer and the auditor, their own for a focal point."""
    if has_role(user, Role.AUDITOR):
        return None
    return _countries_or_403(user)


def _refuse_unless(request, *roles: str) -> None:
    """A POST from a reader who may not act (the auditor) is refused: 403."""
    if request.method == "POST":
        require_role(request.user, *roles)


@role_required(*READERS)
def nominations(request, code):
    """The event's nominations the person may see: all for a fund officer
    and the auditor, their countries' for a focal point. A fixed number of queries."""
    event = _event(code)
    countries = _readable_countries(request.user)
    grants = Grant.objects.filter(event=event).select_related("country").order_by("-reference")
    if countries is not None:
        grants = grants.filter(country__in=countries)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/intake/nominations.html",
        {
            "event": event,
            "page": page,
            "is_officer": countries is None,
            "can_nominate": has_role(request.user, *NOMINATORS),
            "can_import": has_role(request.user, Role.FUND_OFFICER),
            "window": _window(event),
        },
    )


def _window(event: Event):
    policy = getattr(event, "travel_policy", None)
    return travel_window(event, policy) if policy else None


@role_required(*NOMINATORS)
def nominate_view(request, code):
    event = _event(code)
    countries = _countries_or_403(request.user)
    form = NominationForm(request.POST or None, request.FILES or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = nominate(
                event,
                request.user,
                nominee_name=data["nominee_name"],
                nominee_title=data["nominee_title"],
                gender=data["gender"],
                country=data["country"],
                note_verbale=data["note_verbale"],
                departure_city=data["departure_city"],
                departure_airport=data["departure_airport"],
                depart_on=data["depart_on"],
                return_on=data["return_on"],
                nominee_email=data["nominee_email"],
            )
        except NominationRefused as refused:
            for field, problems in refused.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(
                request,
                _("Nomination %(reference)s of %(name)s is submitted. %(eligibility)s")
                % {
                    "reference": grant.reference,
                    "name": grant.nominee_name,
                    "eligibility": " ".join(grant.eligibility_reasons_shown),
                },
            )
            return redirect("grants-nominations", code=event.code)
    return render(
        request,
        "grants/intake/nominate.html",
        {"event": event, "form": form, "window": _window(event)},
    )


@role_required(Role.FUND_OFFICER, Role.AUDITOR)
def import_view(request, code):
    _refuse_unless(request, Role.FUND_OFFICER)
    event = _event(code)
    form = NominationImportForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        sheet, bundle = form.cleaned_data["file"], form.cleaned_data["documents"]
        if not imports.runs_inline(sheet, bundle):
            # Larger than a moment's work: a background job, followed on its page.
            job = imports.request_import(
                ImportJob.Kind.NOMINATIONS, [sheet, bundle], event=event, by=request.user
            )
            messages.info(
                request, _("%(name)s is being imported in the background.") % {"name": sheet.name}
            )
            return redirect("import-job", pk=job.pk)
        try:
            result = import_nominations(
                sheet, event, request.user, documents=ZipDocuments(bundle), name=sheet.name
            )
        except FileRejected as error:
            rejected = error
        else:
            messages.success(request, nominations_message(sheet.name, nominations_summary(result)))
            return redirect("grants-nominations", code=event.code)
    return render(
        request,
        "grants/intake/import.html",
        {
            "event": event,
            "form": form,
            "rejected": rejected,
            "columns": ",".join(COLUMNS),
            "quote_columns": ",".join(QUOTE_COLUMNS),
            "jobs": ImportJob.objects.recent_for(ImportJob.Kind.NOMINATIONS, event=event),
            "can_import": has_role(request.user, Role.FUND_OFFICER),
        },
    )


@role_required(Role.FUND_OFFICER, Role.AUDITOR)
def quotes_view(request, code, reference):
    """A nomination's airfare quotes, a form for another (fund officers), and
    its entitlement."""
    _refuse_unless(request, Role.FUND_OFFICER)
    grant = get_object_or_404(
        Grant.objects.select_related("event__fund", "event__travel_policy", "country"),
        event__code=code,
        reference=reference,
    )
    form = QuoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            add_quote(
                grant,
                request.user,
                route=data["route"],
                fare=Money(data["fare"], data["currency"]),
                travel_hours=data["travel_hours"],
                quoted_on=data["quoted_on"],
            )
        except EntitlementRefused as refused:
            form.add_error(None, str(refused))
        else:
            try:
                apply_entitlement(grant, request.user)
            except EntitlementRefused as refused:
                messages.warning(
                    request,
                    _("The quote is recorded, but the entitlement cannot be computed: %(why)s")
                    % {"why": refused},
                )
            else:
                messages.success(request, _("The quote is recorded and the entitlement updated."))
            return redirect("grants-quotes", code=code, reference=reference)
    entitlement, problem = None, ""
    if grant.quotes.exists():
        try:
            entitlement = compute_entitlement(grant)
        except EntitlementRefused as refused:
            problem = str(refused)
    return render(
        request,
        "grants/intake/quotes.html",
        {
            "grant": grant,
            "event": grant.event,
            "quotes": list(grant.quotes.select_related("entered_by")),
            "form": form,
            "entitlement": entitlement,
            "problem": problem,
            "can_change": grant.state in ALLOWED_STATES
            and has_role(request.user, Role.FUND_OFFICER),
            "currency": grant.event.fund.base_currency,
        },
    )
