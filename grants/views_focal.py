"""A focal point's own nominations: the list of their countries' nominations
with where each stands and who acts next, each one's page with its history
and the documents the mission sent, and withdrawing one before a fund
officer certifies it. A nomination of another country does not exist for
them (404). Thin: reads in grants.work, the move in grants.services.workflow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fundmgr import once
from fundmgr.downloads import private_download
from fundmgr.roles import Role, role_required
from grants import work
from grants.models import Grant, GrantState
from grants.services import workflow
from grants.workflow import (
    BEFORE_CERTIFICATION,
    BY_ACTION,
    Action,
    TransitionRefused,
    action_label,
    next_actor,
)

PAGE_SIZE = 50
WITHDRAW = BY_ACTION[Action.WITHDRAW]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the mission withdraws this nomination"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _mine(request, code: str, reference: str) -> Grant:
    return get_object_or_404(
        work.focal_point_grants(request.user).select_related("event__fund", "country"),
        event__code=code,
        reference=reference,
    )


@role_required(Role.FOCAL_POINT)
def nominations(request):
    """Every nomination of the person's countries, newest first, filtered by
    state (``?state=``): three queries whatever their number."""
    state = request.GET.get("state", "")
    grants = work.with_signed(work.focal_point_grants(request.user))
    if state in GrantState.values:
        grants = grants.filter(state=state)
    else:
        state = ""
    grants = grants.select_related("event", "country").order_by("-id")
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    chain = work.levels()
    return render(
        request,
        "grants/focal/nominations.html",
        {
            "page": page,
            "rows": [(grant, next_actor(grant.state, chain, grant.signed)) for grant in page],
            "states": GrantState.choices,
            "state": state,
        },
    )


def _page(
    request, grant: Grant, form: WithdrawForm | None = None, status: int = 200, refused: str = ""
):
    chain = work.levels()
    signed = work.with_signed(Grant.objects.filter(pk=grant.pk)).values_list("signed", flat=True)
    return render(
        request,
        "grants/focal/nomination.html",
        {
            "grant": grant,
            "event": grant.event,
            "next_actor": next_actor(grant.state, chain, next(iter(signed), 0)),
            "history": [(step, action_label(step.action)) for step in workflow.history(grant)],
            "can_withdraw": grant.state in BEFORE_CERTIFICATION,
            "past_withdrawing": grant.state in WITHDRAW.sources
            and grant.state not in BEFORE_CERTIFICATION,
            "form": form or WithdrawForm(),
            "refused": refused,
        },
        status=status,
    )


@role_required(Role.FOCAL_POINT)
def nomination(request, code, reference):
    return _page(request, _mine(request, code, reference))


@require_POST
@role_required(Role.FOCAL_POINT)
def withdraw(request, code, reference):
    """Withdraw one of the mission's nominations before certification. A
    refusal (certified since, already withdrawn) is shown on the page,
    nothing changed."""
    grant = _mine(request, code, reference)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, form, status=400)
    try:
        with once.recording(request):
            workflow.withdraw(grant, request.user, form.cleaned_data["reason"])
    except TransitionRefused as refused:
        # Shown with the nomination as the database has it: nothing changed.
        return _page(request, _mine(request, code, reference), form, 409, str(refused))
    messages.success(
        request, _("Nomination %(reference)s is withdrawn.") % {"reference": grant.reference}
    )
    return redirect("my-nomination", code=code, reference=reference)


@role_required(Role.FOCAL_POINT)
def document(request, code, reference):
    """The note verbale the mission sent with the nomination."""
    grant = _mine(request, code, reference)
    if not grant.note_verbale:
        raise Http404
    return private_download(
        grant.note_verbale.open("rb"), f"{grant.reference}-note-verbale.pdf", "application/pdf"
    )
