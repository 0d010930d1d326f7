"""The foundation's web pages: thin views over named queries and services.

Every page runs a fixed number of queries whatever the number of funds,
events, entries or rates (prefetching, one balances query, pagination).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fundmgr import audit_trail as audit
from fundmgr import extensions
from fundmgr.csv_files import csv_stream
from fundmgr.models import Event, Fund, JournalEntry
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from fundmgr.services.audit import log_action
from fundmgr.services.funds import positions
from fundmgr.services.ledger import trial_balance
from fundmgr.services.manual_journals import REVERSIBLE_KINDS

PAGE_SIZE = 50
#: The audit record of a download of the audit trail.
EXPORTED = "audit-trail:exported"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Public pages -----------------------------------------------------------


def home(request):
    """Every fund's headline position and its events, and what the apps add
    to each fund's card (the donors app: its open appeals)."""
    sections = extensions.fund_sections()
    funds = list(
        Fund.objects.prefetch_related(
            Prefetch("events", queryset=Event.objects.select_related("country")),
            *(section.prefetch() for section in sections),
        )
    )
    today = timezone.localdate()
    return render(
        request,
        "home.html",
        {
            "positions": positions(funds, as_of=today),
            "as_of": today,
            "fund_sections": [section.template for section in sections],
        },
    )


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("Balances as of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2019-03-31.")},
    )


def fund_detail(request, code):
    """A fund's headline and programme; its trial balance for those who read the books."""
    fund = get_object_or_404(
        Fund.objects.prefetch_related(
            Prefetch(
                "events",
                queryset=Event.objects.select_related("country").prefetch_related("sessions"),
            )
        ),
        code=code,
    )
    today = timezone.localdate()
    context = {"fund": fund, "position": positions([fund], as_of=today)[0], "as_of": today}
    if has_role(request.user, *BOOK_READERS):
        raw = request.GET.get("as_of", "").strip()
        form = AsOfForm({"as_of": raw}) if raw else AsOfForm(initial={"as_of": today})
        as_of = form.cleaned_data["as_of"] if raw and form.is_valid() else today
        rows, totals = trial_balance(fund, as_of)
        context.update(as_of_form=form, balances_as_of=as_of, trial_balance=rows, totals=totals)
    return render(request, "funds/detail.html", context)


# --- Pages for those who read the books ------------------------------------------


@role_required(*BOOK_READERS)
def fund_journal(request, code):
    """The fund's posted entries with their legs, newest first."""
    fund = get_object_or_404(Fund, code=code)
    entries = (
        JournalEntry.objects.filter(fund=fund)
        .for_journal()
        .select_related("reversed_by")
        .order_by("-date", "-id")
    )
    return render(
        request,
        "funds/journal.html",
        {
            "fund": fund,
            "page": _page(request, entries),
            "can_prepare": has_role(request.user, Role.FINANCE_OFFICER),
            "reversible_kinds": REVERSIBLE_KINDS,
        },
    )


#: Who reads the audit trail, on the page and as a CSV file.
AUDIT_READERS = (Role.AUDITOR, Role.ADMINISTRATOR)


@role_required(*AUDIT_READERS)
def audit_trail(request):
    """Who did what, to which record, when and why: newest first, filtered
    by the GET form; each record links to the page of what it is about
    where the reader may open it."""
    form = audit.AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _audit_page(request, form, None, status=400)
    records = form.filter(audit.for_reading()) if form.is_bound else audit.for_reading()
    page = _page(request, records)
    audit.attach_links(page.object_list, request.user)
    return _audit_page(request, form, page)


def _audit_page(request, form, page, status=200):
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "errors": form.messages() if form.is_bound else []},
        status=status,
    )


@role_required(*AUDIT_READERS)
@require_GET
def audit_trail_csv(request):
    """The records the page's filters select, every one, as a CSV file
    streamed as it is read. Downloading the trail is itself recorded."""
    form = audit.AuditFilterForm(request.GET)
    if not form.is_valid():
        return _audit_page(request, form, None, status=400)
    log_action(
        None,
        EXPORTED,
        request.user,
        data={name: str(value) for name, value in form.cleaned_data.items() if value},
    )
    rows = audit.csv_rows(form.filter(audit.for_reading()))
    response = StreamingHttpResponse(
        csv_stream(audit.csv_header(), rows), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-trail-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    add_never_cache_headers(response)
    return response
