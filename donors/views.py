"""Public donor pages: the appeal, the pledge form, the thank-you page."""

from __future__ import annotations

import logging
from math import ceil

import stripe
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from donors.forms import ROW_ACTION, PledgeForm, instalment_formset, typed_rows
from donors.models import Appeal, Donor, PaymentMethod, Pledge
from donors.payments.services import (
    card_payments_enabled,
    ensure_payment_intent,
    new_checkout_token,
    pledge_by_card,
)
from donors.services.appeals import appeal_progress
from donors.services.online import (
    confirm_from_link,
    confirmation_days,
    pledge_for_form,
    pledge_from_confirmation,
    pledge_online,
)
from donors.services.pledges import InstalmentSpec, PledgeError
from donors.services.signin import is_donor_only
from fundmgr.money import Money
from fundmgr.public_pages import cached_public_page
from fundmgr.ratelimit import client_address, hit

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


@cached_public_page
def appeal_page(request, slug):
    appeal = get_object_or_404(Appeal.objects.select_related("fund", "event"), slug=slug)
    return render(
        request, "donors/appeal.html", {"appeal": appeal, "progress": appeal_progress(appeal)}
    )


def _signed_in_donor(request) -> Donor | None:
    """The donor whose account is signed in (a donor-only account), if any."""
    if not request.user.is_authenticated or not is_donor_only(request.user):
        return None
    return Donor.objects.filter(user=request.user).first()


def _go_to(pledge: Pledge):
    if pledge.method == PaymentMethod.CARD:
        return redirect("card-pay", reference=pledge.reference)
    return redirect("pledge-thanks", reference=pledge.reference)


def _rate_limited(request, form) -> bool:
    """Count one pledge about to be made; once over the limit, say when to
    try again on the form itself, with everything typed kept."""
    verdict = hit("pledge", client_address(request), limit=PLEDGES_PER_HOUR, window_seconds=3600)
    if verdict.limited:
        minutes = max(1, ceil(verdict.retry_after / 60))
        form.add_error(
            None,
            ngettext(
                "This form was submitted too often from your address. Please try again in "
                "%(minutes)d minute: what you typed is kept below.",
                "This form was submitted too often from your address. Please try again in "
                "%(minutes)d minutes: what you typed is kept below.",
                minutes,
            )
            % {"minutes": minutes},
        )
    return verdict.limited


#: What the pledge form keeps, as typed, when a row is added or removed (a
#: browser never sends a file twice, so the letter is chosen again).
TYPED_FIELDS = (
    "name",
    "kind",
    "country",
    "email",
    "amount",
    "currency",
    "method",
    "contact_name",
    "contact_family_name",
    "contact_form_of_address",
    "contact_title",
    "checkout_token",
)


def pledge_form(request, slug):
    appeal = get_object_or_404(Appeal.objects.select_related("fund"), slug=slug, is_open=True)
    donor = _signed_in_donor(request)
    initial = {"checkout_token": new_checkout_token()}
    if donor is not None:
        initial.update(
            name=donor.name, kind=donor.kind, email=donor.email, country=donor.country_id
        )
    if (
        request.method == "POST"
        and (rows := typed_rows(request.POST, request.POST.get(ROW_ACTION, ""))) is not None
    ):
        # "Add an instalment" or "Remove": the same form again, as typed, with
        # one row more or less, nothing checked nor recorded (no JavaScript needed).
        typed = {name: request.POST.get(name, "") for name in TYPED_FIELDS}
        typed["listed_publicly"] = bool(request.POST.get("listed_publicly"))
        form = PledgeForm(methods=offered_methods(), initial={**initial, **typed})
        return render(
            request,
            "donors/pledge_form.html",
            {
                "appeal": appeal,
                "form": form,
                "schedule": instalment_formset(rows=rows),
                "signed_in_donor": donor,
            },
        )
    form = PledgeForm(
        request.POST or None, request.FILES or None, methods=offered_methods(), initial=initial
    )
    schedule = instalment_formset(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = data.get("checkout_token") or new_checkout_token()
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
        if not form.errors and (made := pledge_for_form(token)) is not None:
            # The same rendering posted again: the first pledge, not a second.
            _remember(request, made)
            return _go_to(made)
        if not form.errors and _rate_limited(request, form):
            status = 429
        elif not form.errors:
            fields = {
                "appeal": appeal,
                "name": data["name"],
                "kind": data["kind"],
                "email": data["email"],
                "country": data["country"],
                "amount": Money(data["amount"], data["currency"]),
                "listed_publicly": data["listed_publicly"],
                "signed_in_donor": donor,
                "base_url": request.build_absolute_uri("/"),
                "contact": data.get("contact"),
                # Any pledge may come with its letter, whatever the way to pay.
                "letter": data.get("letter"),
            }
            try:
                if data["method"] == PaymentMethod.CARD:
                    payment = pledge_by_card(checkout_token=token, **fields)
                    pledge = payment.pledge
                else:
                    payment = None
                    pledge = pledge_online(
                        method=data["method"],
                        schedule=instalments,
                        form_token=token,
                        **fields,
                    )
            except PledgeError as refused:
                form.add_error(None, str(refused))
            else:
                _remember(request, pledge)
                if payment is not None:
                    try:
                        ensure_payment_intent(payment)
                    except stripe.StripeError:  # the payment page offers to try again
                        logger.exception("no PaymentIntent yet for %s", pledge.reference)
                return _go_to(pledge)
    return render(
        request,
        "donors/pledge_form.html",
        {"appeal": appeal, "form": form, "schedule": schedule, "signed_in_donor": donor},
        status=status,
    )


def pledge_thanks(request, reference):
    """Only the browser that made the pledge (or its donor, signed in) sees it."""
    pledge = get_object_or_404(
        Pledge.objects.select_related("fund", "donor").prefetch_related("instalments"),
        reference=reference,
    )
    own = reference in request.session.get(SESSION_KEY, []) or (
        # a pledge someone else made with the donor's address is not theirs
        request.user.is_authenticated
        and pledge.confirmed
        and pledge.donor.user_id == request.user.pk
    )
    if not own:
        return render(request, "404.html", status=404)
    return render(
        request,
        "donors/pledge_thanks.html",
        {"pledge": pledge, "confirmation_days": confirmation_days()},
    )


@never_cache
def pledge_confirm(request, reference, token):
    """The page the confirmation link opens: the pledge and a button. Only
    the button (POST) confirms, so a mail scanner opening the link does not."""
    pledge = pledge_from_confirmation(reference, token)
    if pledge is None:
        return render(request, "donors/pledge_confirm.html", {"bad_link": True}, status=404)
    if request.method == "POST" and not pledge.confirmed:
        try:
            confirm_from_link(pledge)
        except PledgeError as refused:
            return render(
                request,
                "donors/pledge_confirm.html",
                {"pledge": pledge, "refused": str(refused)},
                status=409,
            )
        return redirect("pledge-confirm", reference=reference, token=token)
    return render(request, "donors/pledge_confirm.html", {"pledge": pledge})
