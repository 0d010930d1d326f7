"""Public donor pages: the appeal, the pledge form, the thank-you page."""

from __future__ import annotations

import logging

import stripe
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from donors.forms import InstalmentFormSet, PledgeForm
from donors.models import Appeal, PaymentMethod, Pledge
from donors.payments.services import (
    card_payments_enabled,
    ensure_payment_intent,
    new_checkout_token,
    pledge_by_card,
)
from donors.services.appeals import appeal_progress
from donors.services.online import pledge_online
from donors.services.pledges import InstalmentSpec, PledgeError
from fundmgr.money import Money
from fundmgr.ratelimit import client_address, too_many

PLEDGES_PER_HOUR = 10
SESSION_KEY = "my_pledges"
OFFERED_METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.SCHEDULE)

logger = logging.getLogger(__name__)


def offered_methods() -> tuple[str, ...]:
    """Card, now, first when card payments are configured (STRIPE_SECRET_KEY)."""
    if card_payments_enabled():
        return (PaymentMethod.CARD, *OFFERED_METHODS)
    return OFFERED_METHODS


def _remember(request, pledge: Pledge) -> None:
    mine = request.session.get(SESSION_KEY, [])
    if pledge.reference not in mine:
        request.session[SESSION_KEY] = [*mine, pledge.reference]


def appeal_page(request, slug):
    appeal = get_object_or_404(Appeal.objects.select_related("fund", "event"), slug=slug)
    return render(
        request, "donors/appeal.html", {"appeal": appeal, "progress": appeal_progress(appeal)}
    )


def pledge_form(request, slug):
    appeal = get_object_or_404(Appeal.objects.select_related("fund"), slug=slug, is_open=True)
    form = PledgeForm(
        request.POST or None,
        request.FILES or None,
        methods=offered_methods(),
        initial={"checkout_token": new_checkout_token()},
    )
    schedule = InstalmentFormSet(request.POST or None, prefix="instalments")
    if request.method == "POST":
        if too_many("pledge", client_address(request), limit=PLEDGES_PER_HOUR, window_seconds=3600):
            return render(
                request,
                "donors/too_many.html",
                {"appeal": appeal},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            instalments = []
            if data["method"] == PaymentMethod.SCHEDULE:
                if schedule.is_valid():
                    instalments = [
                        InstalmentSpec(Money(row["amount"], data["currency"]), row["due_date"])
                        for row in schedule.cleaned_data
                        if row
                    ]
                    if not instalments:
                        form.add_error(None, _("Enter at least one instalment."))
                    elif not data.get("letter"):
                        form.add_error("letter", _("A pledge over several years needs its letter."))
                else:
                    form.add_error(None, _("Check the instalments below."))
            if not form.errors and data["method"] == PaymentMethod.CARD:
                try:
                    payment = pledge_by_card(
                        checkout_token=data.get("checkout_token") or new_checkout_token(),
                        appeal=appeal,
                        name=data["name"],
                        kind=data["kind"],
                        email=data["email"],
                        country=data["country"],
                        amount=Money(data["amount"], data["currency"]),
                        listed_publicly=data["listed_publicly"],
                    )
                except PledgeError as refused:
                    form.add_error(None, str(refused))
                else:
                    _remember(request, payment.pledge)
                    try:
                        ensure_payment_intent(payment)
                    except stripe.StripeError:  # the payment page offers to try again
                        logger.exception("no PaymentIntent yet for %s", payment.pledge.reference)
                    return redirect("card-pay", reference=payment.pledge.reference)
            elif not form.errors:
                try:
                    pledge = pledge_online(
                        appeal=appeal,
                        name=data["name"],
                        kind=data["kind"],
                        email=data["email"],
                        country=data["country"],
                        amount=Money(data["amount"], data["currency"]),
                        method=data["method"],
                        listed_publicly=data["listed_publicly"],
                        schedule=instalments,
                        letter=data.get("letter"),
                    )
                except PledgeError as refused:
                    form.add_error(None, str(refused))
                else:
                    _remember(request, pledge)
                    return redirect("pledge-thanks", reference=pledge.reference)
    return render(
        request,
        "donors/pledge_form.html",
        {"appeal": appeal, "form": form, "schedule": schedule},
    )


def pledge_thanks(request, reference):
    """Only the browser that made the pledge (or its donor, signed in) sees it."""
    pledge = get_object_or_404(
        Pledge.objects.select_related("fund", "donor").prefetch_related("instalments"),
        reference=reference,
    )
    own = reference in request.session.get(SESSION_KEY, []) or (
        request.user.is_authenticated and pledge.donor.user_id == request.user.pk
    )
    if not own:
        return render(request, "404.html", status=404)
    return render(request, "donors/pledge_thanks.html", {"pledge": pledge})
