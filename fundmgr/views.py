"""The foundation's web pages: thin views over named queries and services.

Every page runs a fixed number of queries whatever the number of funds,
events, entries or rates (prefetching, one balances query, pagination).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fundmgr import extensions
from fundmgr.models import AuditRecord, Event, Fund, JournalEntry
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from fundmgr.services.funds import positions
from fundmgr.services.ledger import trial_balance
from fundmgr.services.manual_journals import REVERSIBLE_KINDS

PAGE_SIZE = 50


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


@role_required(Role.AUDITOR, Role.ADMINISTRATOR)
def audit_trail(request):
    """Who did what, to which record, when and why: newest first."""
    return render(
        request, "audit/list.html", {"page": _page(request, AuditRecord.objects.for_table())}
    )
