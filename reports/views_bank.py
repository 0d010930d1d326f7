"""Card payouts and bank reconciliation: thin views over
reports.services.payouts and reports.services.bank_reconciliation."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from donors.models import BankLine, UnreconciledReason
from donors.payments.models import CardPayout
from fundmgr import once
from fundmgr.models import Fund
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from reports.services.bank_reconciliation import (
    BankReconciliationError,
    bank_lines_summary,
    leave_unreconciled,
    match_payout_line,
    reopen_line,
    unmatch_payout_line,
)
from reports.services.payout_exchange import book_payout_exchange_difference
from reports.services.payouts import payout_reconciliation

#: Matching a line, booking a bank charge, interest or a payout's exchange
#: difference, and undoing a match or a line left, are the finance officer's.
RECONCILERS = (Role.FINANCE_OFFICER,)


class LeaveForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=gettext_lazy("Leave unreconciled because"),
        choices=[("", "—"), *UnreconciledReason.choices],
    )
    note = forms.CharField(
        label=gettext_lazy("Note (required for “Other”)"), max_length=500, required=False
    )
    book = forms.BooleanField(
        label=gettext_lazy("Book it (bank charge or interest: its own ledger entry)"),
        required=False,
    )


class MatchForm(forms.Form):
    payout = forms.IntegerField(widget=forms.HiddenInput)
    line = forms.IntegerField(label=gettext_lazy("Bank line"))


class ExchangeForm(forms.Form):
    payout = forms.IntegerField(widget=forms.HiddenInput)
    #: The difference the person saw: refused if it has changed since.
    difference = forms.DecimalField(widget=forms.HiddenInput, required=False)


class UndoForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=500)


def _as_of(raw: str) -> tuple[datetime.date, str]:
    if not raw:
        return timezone.localdate(), ""
    try:
        return datetime.date.fromisoformat(raw), ""
    except ValueError:
        return timezone.localdate(), _(
            "“%(value)s” is not a date: enter it as YYYY-MM-DD, for example 2019-03-31."
        ) % {"value": raw}


@role_required(*BOOK_READERS)
def bank_page(request, code):
    """Every book reader reads every fund's books; the fund must exist."""
    fund = get_object_or_404(Fund, code=code)
    raw = request.GET.get("as_of", "").strip()
    as_of, error = _as_of(raw)
    payouts = lines = None
    if not error:
        payouts = payout_reconciliation(fund, as_of)
        lines = bank_lines_summary(fund, as_of)
    return render(
        request,
        "reports/bank.html",
        {
            "fund": fund,
            "payouts": payouts,
            "lines": lines,
            "errors": [error] if error else [],
            "as_of_value": raw or as_of.isoformat(),
            "can_act": has_role(request.user, *RECONCILERS),
            "reasons": UnreconciledReason.choices,
        },
        status=400 if error else 200,
    )


@require_POST
@role_required(*RECONCILERS)
def match_payout(request, code):
    fund = get_object_or_404(Fund, code=code)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the payout and its bank line."))
        return redirect("bank-reconciliation", code=fund.code)
    payout = get_object_or_404(CardPayout, pk=form.cleaned_data["payout"], fund=fund)
    line = get_object_or_404(BankLine, pk=form.cleaned_data["line"], fund=fund)
    try:
        with once.recording(request):
            match_payout_line(payout, line, request.user)
    except BankReconciliationError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Payout %(payout)s matched to line %(line)d.")
            % {"payout": payout.payout_id, "line": line.line_number},
        )
    return redirect("bank-reconciliation", code=fund.code)


@require_POST
@role_required(*RECONCILERS)
def leave_line(request, code):
    fund = get_object_or_404(Fund, code=code)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the line is left unreconciled: choose a reason."))
        return redirect("bank-reconciliation", code=fund.code)
    data = form.cleaned_data
    line = get_object_or_404(BankLine, pk=data["line"], fund=fund)
    try:
        with once.recording(request):
            leave_unreconciled(line, request.user, data["reason"], data["note"], book=data["book"])
    except BankReconciliationError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Line %(line)d left unreconciled.") % {"line": line.line_number}
        )
    return redirect("bank-reconciliation", code=fund.code)


@require_POST
@role_required(*RECONCILERS)
def book_exchange(request, code):
    fund = get_object_or_404(Fund, code=code)
    form = ExchangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the payout whose exchange difference to book."))
        return redirect("bank-reconciliation", code=fund.code)
    payout = get_object_or_404(CardPayout, pk=form.cleaned_data["payout"], fund=fund)
    try:
        with once.recording(request):
            entry = book_payout_exchange_difference(
                payout, request.user, form.cleaned_data["difference"]
            )
    except BankReconciliationError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Exchange difference of payout %(payout)s booked: entry #%(entry)d.")
            % {"payout": payout.payout_id, "entry": entry.pk},
        )
    return redirect("bank-reconciliation", code=fund.code)


def _undo(request, code, action, done_message: str):
    """Both undo forms: a line of ``code``'s fund and a reason."""
    fund = get_object_or_404(Fund, code=code)
    form = UndoForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why: the reason is required."))
        return redirect("bank-reconciliation", code=fund.code)
    line = get_object_or_404(BankLine, pk=form.cleaned_data["line"], fund=fund)
    try:
        with once.recording(request):
            action(line, request.user, form.cleaned_data["reason"])
    except BankReconciliationError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done_message % {"line": line.line_number})
    return redirect("bank-reconciliation", code=fund.code)


@require_POST
@role_required(*RECONCILERS)
def unmatch_line(request, code):
    return _undo(
        request, code, unmatch_payout_line, _("Line %(line)d is no longer matched to its payout.")
    )


@require_POST
@role_required(*RECONCILERS)
def reopen(request, code):
    return _undo(
        request, code, reopen_line, _("Line %(line)d reopened: it is back among the open lines.")
    )
