"""The conference cost reconciliation page and the finance officers' forms.

Thin: the page reads ``conference_reconciliation`` and the host's records
(a fixed number of queries); each form POSTs to its own address, checked
for the finance officer's role, and calls one service. A refusal re-shows
the page with the message and saves nothing."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fundmgr import once
from fundmgr.models import Event
from fundmgr.money import Money
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from reports import forms
from reports.models import HostContribution, HostCost
from reports.services import conference as svc


def _event(code: str) -> Event:
    return get_object_or_404(Event.objects.select_related("fund", "country"), code=code)


def _page(request, event: Event, *, bound=None, refused: str = "", status: int = 200):
    # Any past date; a bad or future one shows today's figures, and says so.
    today = timezone.localdate()
    raw = request.GET.get("as_of", "").strip()
    date_form = (
        forms.ReportingDateForm({"as_of": raw})
        if raw
        else forms.ReportingDateForm(initial={"as_of": today})
    )
    as_of = (date_form.cleaned_data["as_of"] or today) if raw and date_form.is_valid() else today
    rec = svc.conference_reconciliation(event, as_of)
    lines = [row.line for row in rec.rows]
    context = {
        "event": event,
        "rec": rec,
        "currency": rec.currency,
        "contributions": HostContribution.objects.filter(event=event)
        .select_related("budget_line")
        .order_by("date", "pk"),
        "costs": HostCost.objects.filter(event=event)
        .select_related("budget_line")
        .order_by("date", "pk"),
        "can_record": has_role(request.user, Role.FINANCE_OFFICER),
        # An action refused: said at the top, focused, "Error: " in the title.
        "refused": refused,
        "date_form": date_form,
    }
    if context["can_record"]:
        blank = {
            "line_form": forms.BudgetLineForm(),
            "figures_form": forms.LineFiguresForm(lines=lines),
            "contribution_form": forms.HostContributionForm(lines=lines),
            "cost_form": forms.HostCostForm(lines=lines),
        }
        if bound is not None:
            name, form = bound
            blank[name] = form
        context.update(blank)
    return render(request, "reports/conference.html", context, status=status)


@role_required(*BOOK_READERS)
def conference(request, code):
    return _page(request, _event(code))


def _handle(request, code, name, form_class, action, done):
    """Validate ``form_class``, call ``action(event, data)``; on any refusal
    re-show the page with the bound form and the message."""
    event = _event(code)
    needs_lines = issubclass(form_class, forms.LineChoiceForm)
    kwargs = {"lines": list(event.budget_lines.all())} if needs_lines else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _page(request, event, bound=(name, form), status=400)
    try:
        with once.recording(request):
            action(event, form.cleaned_data)
    except svc.ConferenceError as refused:
        return _page(request, event, bound=(name, form), refused=str(refused), status=400)
    messages.success(request, done)
    return redirect("reports-conference", event.code)


@require_POST
@role_required(Role.FINANCE_OFFICER)
def add_line(request, code):
    def action(event, data):
        svc.add_budget_line(
            event,
            category=data["category"],
            funding_source=data["funding_source"],
            budget=data["budget"],
            label=data["label"],
            note=data["note"],
            by=request.user,
        )

    return _handle(
        request, code, "line_form", forms.BudgetLineForm, action, _("Budget line added.")
    )


@require_POST
@role_required(Role.FINANCE_OFFICER)
def set_figures(request, code):
    def action(event, data):
        actual = None if data["clear_actual"] else data["actual"]
        svc.set_line_figures(
            data["budget_line"],
            by=request.user,
            budget=data["budget"],
            actual=actual if (data["clear_actual"] or actual is not None) else svc.UNCHANGED,
            why=data["why"],
        )

    return _handle(
        request, code, "figures_form", forms.LineFiguresForm, action, _("Budget line updated.")
    )


@require_POST
@role_required(Role.FINANCE_OFFICER)
def record_contribution(request, code):
    F = forms.HostContributionForm

    def action(event, data):
        common = {
            "amount": _money(data),
            "date": data["date"],
            "reference": data["reference"],
            "description": data["description"],
            "by": request.user,
        }
        what = data["what"]
        if what in (F.PLEDGE_CASH, F.PLEDGE_IN_KIND):
            kind = "cash" if what == F.PLEDGE_CASH else "in_kind"
            svc.record_host_pledge(event, kind=kind, budget_line=data["budget_line"], **common)
        elif what == F.CASH_RECEIVED:
            svc.record_host_cash_received(event, **common)
        else:
            svc.record_in_kind_provided(event, budget_line=data["budget_line"], **common)

    return _handle(
        request, code, "contribution_form", F, action, _("Host country contribution recorded.")
    )


@require_POST
@role_required(Role.FINANCE_OFFICER)
def record_cost(request, code):
    def action(event, data):
        svc.record_host_cost(
            event,
            budget_line=data["budget_line"],
            amount=_money(data),
            date=data["date"],
            reference=data["reference"],
            description=data["description"],
            by=request.user,
        )

    return _handle(
        request,
        code,
        "cost_form",
        forms.HostCostForm,
        action,
        _("Cost paid from host cash recorded."),
    )


def _money(data) -> Money:
    try:
        return Money(data["amount"], data["currency"])
    except Exception as bad:  # an unknown currency code: py-moneyed's own error
        raise svc.ConferenceError(
            _("Unknown currency code “%(code)s”.") % {"code": data["currency"]}
        ) from bad
