"""Manual journals: finance prepares a correcting entry or a reversal, a
second finance officer approves it (fundmgr.services.manual_journals)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fundmgr import once
from fundmgr.models import Account, Fund, JournalEntry
from fundmgr.models.manual_journals import ManualJournal
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from fundmgr.services.duties import SeparationOfDutiesError, signatures_on
from fundmgr.services.manual_journals import (
    APPROVED,
    PREPARED,
    LineSpec,
    ManualJournalError,
    approve_journal,
    propose_journal,
    propose_reversal,
    reject_journal,
    reversal_refusal,
    withdraw_journal,
)

PAGE_SIZE = 50
LINE_FORMS = 6
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

#: A manual journal's signatures, by level, as the page says them.
SIGNED_AS = {PREPARED: _("Prepared by"), APPROVED: _("Approved by")}


class JournalHeadForm(forms.Form):
    date = forms.DateField(label=_("Transaction date"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the entry corrects and why; the approver and the auditor read it."),
    )


class JournalLineForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), required=False
    )
    debit = forms.DecimalField(
        label=_("Debit"), max_digits=17, decimal_places=3, min_value=0, required=False
    )
    credit = forms.DecimalField(
        label=_("Credit"), max_digits=17, decimal_places=3, min_value=0, required=False
    )

    def __init__(self, *args, fund: Fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(fund=fund).order_by("code")

    def clean(self):
        data = super().clean()
        if (data.get("debit") or data.get("credit")) and not data.get("account"):
            raise forms.ValidationError(gettext("Choose the account for this amount."))
        return data


class ReversalForm(forms.Form):
    date = forms.DateField(label=_("Date of the reversal"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


def _line_forms(fund: Fund, data=None) -> list[JournalLineForm]:
    return [JournalLineForm(data, fund=fund, prefix=f"line{n}") for n in range(LINE_FORMS)]


@role_required(*BOOK_READERS)
def journals(request, code):
    """Manual journals of a fund: those waiting first; finance prepares new ones here."""
    fund = get_object_or_404(Fund, code=code)
    can_prepare = has_role(request.user, Role.FINANCE_OFFICER)
    head, lines = JournalHeadForm(initial={"date": timezone.localdate()}), _line_forms(fund)
    if request.method == "POST":
        if not can_prepare:
            return render(request, "403.html", status=403)
        head, lines = JournalHeadForm(request.POST), _line_forms(fund, request.POST)
        if head.is_valid() and all(form.is_valid() for form in lines):
            specs = [
                LineSpec(
                    form.cleaned_data["account"],
                    form.cleaned_data.get("debit") or 0,
                    form.cleaned_data.get("credit") or 0,
                )
                for form in lines
                if form.cleaned_data.get("account")
            ]
            try:
                with once.recording(request):
                    journal = propose_journal(
                        fund,
                        head.cleaned_data["date"],
                        head.cleaned_data["reason"],
                        specs,
                        request.user,
                    )
            except ManualJournalError as refused:
                head.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    gettext("%(journal)s is prepared; another finance officer approves it.")
                    % {"journal": journal.number},
                )
                return redirect("manual-journal", code=fund.code, pk=journal.pk)
        status = 400
    else:
        status = 200
    proposals = (
        ManualJournal.objects.filter(fund=fund)
        .select_related("prepared_by", "decided_by", "entry", "reverses")
        .order_by("-prepared_at", "-id")
    )
    waiting = list(proposals.filter(status=ManualJournal.Status.PROPOSED))
    decided = Paginator(
        proposals.exclude(status=ManualJournal.Status.PROPOSED), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/journals/list.html",
        {
            "fund": fund,
            "waiting": waiting,
            "page": decided,
            "can_prepare": can_prepare,
            "head": head,
            "lines": lines,
        },
        status=status,
    )


def _journal(code, pk) -> ManualJournal:
    return get_object_or_404(
        ManualJournal.objects.select_related(
            "fund", "prepared_by", "decided_by", "entry", "reverses"
        ),
        fund__code=code,
        pk=pk,
    )


@role_required(*BOOK_READERS)
def journal_detail(request, code, pk):
    journal = _journal(code, pk)
    lines = journal.lines.select_related("account")
    if journal.action == ManualJournal.Action.REVERSE:
        lines = []
        legs = journal.reverses.legs.select_related("account")
    else:
        legs = []
    is_finance = has_role(request.user, Role.FINANCE_OFFICER)
    waiting = journal.status == ManualJournal.Status.PROPOSED
    return render(
        request,
        "funds/journals/detail.html",
        {
            "fund": journal.fund,
            "journal": journal,
            "lines": lines,
            "legs": legs,
            # Who signed, each by what their signature means (the level is a code).
            "signatures": [
                (SIGNED_AS.get(signature.level, signature.level), signature.signer)
                for signature in signatures_on(journal)
            ],
            "can_decide": waiting and is_finance and journal.prepared_by_id != request.user.pk,
            "can_withdraw": waiting and journal.prepared_by_id == request.user.pk,
            "form": DecisionForm(),
        },
    )


def _decide(request, code, pk, act, done: str, *, posts: bool = False):
    journal = _journal(code, pk)
    note = request.POST.get("note", "")[:500]
    try:
        if posts:  # approving posts the entry: once per rendering of the form
            with once.recording(request):
                act(journal, request.user, note)
        else:
            act(journal, request.user, note)
    except (ManualJournalError, SeparationOfDutiesError) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done % {"journal": journal.number})
    return redirect("manual-journal", code=code, pk=pk)


@require_POST
@role_required(Role.FINANCE_OFFICER)
def approve(request, code, pk):
    return _decide(
        request, code, pk, approve_journal, gettext("%(journal)s approved and posted."), posts=True
    )


@require_POST
@role_required(Role.FINANCE_OFFICER)
def reject(request, code, pk):
    return _decide(request, code, pk, reject_journal, gettext("%(journal)s rejected."))


@require_POST
@role_required(Role.FINANCE_OFFICER)
def withdraw(request, code, pk):
    return _decide(
        request,
        code,
        pk,
        lambda j, by, note: withdraw_journal(j, by),
        gettext("%(journal)s withdrawn."),
    )


@role_required(Role.FINANCE_OFFICER)
def propose_reversal_page(request, code, entry_id):
    """Propose reversing one posted entry; another finance officer approves it."""
    entry = get_object_or_404(
        JournalEntry.objects.posted().select_related("fund"), fund__code=code, pk=entry_id
    )
    refusal = reversal_refusal(entry)
    form = ReversalForm(
        request.POST or None, initial={"date": max(timezone.localdate(), entry.date)}
    )
    status = 200
    if request.method == "POST" and refusal is None:
        if form.is_valid():
            try:
                with once.recording(request):
                    journal = propose_reversal(
                        entry, form.cleaned_data["date"], form.cleaned_data["reason"], request.user
                    )
            except ManualJournalError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    gettext("%(journal)s is prepared; another finance officer approves it.")
                    % {"journal": journal.number},
                )
                return redirect("manual-journal", code=code, pk=journal.pk)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "funds/journals/reverse.html",
        {
            "fund": entry.fund,
            "entry": entry,
            "legs": entry.legs.select_related("account"),
            "refusal": refusal,
            "form": form,
        },
        status=status,
    )
