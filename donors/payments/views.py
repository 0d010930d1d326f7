"""Card payment pages (pay, status) and the Stripe webhook: thin, the logic is
in donors.payments.services."""

from __future__ import annotations

import logging

import stripe
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donors.models import Pledge
from donors.payments import gateway, services
from donors.payments.csp import with_stripe
from donors.payments.models import CardPayment

logger = logging.getLogger(__name__)

#: Seconds between reloads of the status page while the payment is processing.
STATUS_REFRESH_SECONDS = 3
SESSION_KEY = "my_pledges"  # as donors.views: the pledges this browser made


def _own_card_payment(request, reference: str) -> CardPayment:
    """Only the browser that made the pledge, or its donor signed in once the
    pledge is confirmed as theirs (a pledge someone else made with their
    address is not: docs/donors.md, "Whose pledge is it"), sees it."""
    pledge = get_object_or_404(Pledge.objects.select_related("fund", "donor"), reference=reference)
    own = reference in request.session.get(SESSION_KEY, []) or (
        request.user.is_authenticated
        and pledge.confirmed
        and pledge.donor.user_id == request.user.pk
    )
    if not own:
        raise Http404
    try:
        return CardPayment.objects.select_related("pledge__fund", "receipt").get(pledge=pledge)
    except CardPayment.DoesNotExist:
        raise Http404 from None


def _refuse_if_cancelled(request, payment: CardPayment):
    """A pledge finance cancelled takes no more card money (a declined card
    must not be retried on it); the status page still shows what happened."""
    if payment.pledge.status == Pledge.Status.CANCELLED:
        messages.error(request, _("This pledge was cancelled: it can no longer be paid."))
        return redirect("card-status", reference=payment.pledge.reference)
    return None


def _processor_message(error: stripe.StripeError) -> str:
    """What to tell the donor: "could not be reached" only when Stripe was not
    reached (or failed on its side); an answer it gave, such as refusing
    another card after a decline, is shown in its own words."""
    if isinstance(error, stripe.APIConnectionError | stripe.APIError | stripe.RateLimitError):
        return _("The card processor could not be reached. Try again.")
    reason = error.user_message or str(error) or error.code or ""
    return _("The card processor refused the payment: %(reason)s") % {"reason": reason}


@with_stripe  # the only page that may load Stripe.js (Content-Security-Policy)
def pay(request, reference):
    payment = _own_card_payment(request, reference)
    if refused := _refuse_if_cancelled(request, payment):
        return refused
    if payment.is_final and payment.status != CardPayment.Status.FAILED:
        return redirect("card-status", reference=reference)
    if request.method == "POST" or not payment.payment_intent_id:
        try:
            payment = services.ensure_payment_intent(payment)
        except stripe.StripeError as error:
            logger.exception("could not create the PaymentIntent for %s", reference)
            messages.error(request, _processor_message(error))
        if request.method == "POST":
            return redirect("card-pay", reference=reference)
    development = services.development_cards_enabled()
    return render(
        request,
        "donors/payments/pay.html",
        {
            "payment": payment,
            "pledge": payment.pledge,
            "development": development,
            "development_cards": [
                ("pm_card_visa", _("Development card: Visa, paid")),
                ("pm_card_chargeCustomerFail", _("Development card: declined")),
            ],
            "stripe_js_url": gateway.config().js_url,
            "publishable_key": gateway.config().publishable_key,
            "return_url": request.build_absolute_uri(
                reverse("card-status", kwargs={"reference": reference})
            ),
        },
    )


@require_POST
def confirm_development(request, reference):
    """Development only (localstripe): confirm with the test card chosen on the page."""
    if not services.development_cards_enabled():
        raise Http404
    payment = _own_card_payment(request, reference)
    if refused := _refuse_if_cancelled(request, payment):
        return refused
    card = request.POST.get("card", "")
    if card not in services.DEVELOPMENT_CARDS:
        messages.error(request, _("Choose one of the development cards."))
        return redirect("card-pay", reference=reference)
    try:
        services.confirm_with_development_card(payment, card)
    except stripe.StripeError as error:
        logger.exception("confirming %s failed", reference)
        messages.error(request, _processor_message(error))
        return redirect("card-pay", reference=reference)
    return redirect("card-status", reference=reference)


def status(request, reference):
    payment = _own_card_payment(request, reference)
    response = render(
        request, "donors/payments/status.html", {"payment": payment, "pledge": payment.pledge}
    )
    if not payment.is_final:
        response["Refresh"] = str(STATUS_REFRESH_SECONDS)
    return response


@csrf_exempt
@require_POST
def webhook(request):
    """Stripe's webhook: verified, stored once, acknowledged; processed in the
    background from Stripe's own state (donors.payments.tasks)."""
    try:
        event = gateway.verify_webhook(request.body, request.headers.get("Stripe-Signature"))
    except ImproperlyConfigured:
        raise Http404 from None
    except stripe.SignatureVerificationError as refused:
        logger.warning("Stripe webhook refused: %s", refused)
        return HttpResponseBadRequest("invalid signature", content_type="text/plain")
    except (ValueError, TypeError, AttributeError, KeyError) as broken:
        # Signed (the SDK checks the signature before it reads the body), but
        # the SDK could not make an event of it: not JSON, or not an object.
        logger.warning("Stripe webhook: a signed body that is not an event: %r", broken)
        return HttpResponseBadRequest(
            "not a Stripe event: the body is not a JSON event object", content_type="text/plain"
        )
    try:
        services.check_event_payload(request.body)
    except services.MalformedEvent as malformed:
        logger.warning("Stripe webhook: a signed event refused: %s", malformed)
        return HttpResponseBadRequest(
            f"malformed Stripe event: {malformed}", content_type="text/plain"
        )
    services.acknowledge_event(event, request.body)
    return HttpResponse("ok", content_type="text/plain")
