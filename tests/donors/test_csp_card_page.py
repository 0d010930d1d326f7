"""The card page is the only page whose Content-Security-Policy lets Stripe.js
in: its script origin from settings.STRIPE_JS_URL, the frames and API calls
Stripe documents; every other page keeps the site's own policy."""

from __future__ import annotations

from django.core.cache import cache

from donors.payments.csp import card_page_policy
from donors.payments.models import CardPayment

from .test_card_payments import FORM_URL, form_data


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_the_card_page_allows_localstripe_in_development_and_nothing_inline(
    client, card_appeal, settings
):
    cache.clear()
    response = client.get(client.post(FORM_URL, form_data())["Location"])
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    localstripe = settings.STRIPE_JS_URL.split("/js.stripe.com")[0]
    assert policy["script-src"] == ["'self'", localstripe]
    assert localstripe in policy["frame-src"] and localstripe in policy["connect-src"]
    assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert f'payment=(self "{localstripe}")' in response["Permissions-Policy"]


def test_against_real_stripe_the_card_page_allows_what_stripe_documents(
    client, card_appeal, settings
):
    cache.clear()
    location = client.post(FORM_URL, form_data())["Location"]
    settings.STRIPE_API_BASE = None
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    response = client.get(location)
    assert 'id="payment-form"' in response.content.decode()
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert set(policy["frame-src"]) >= {"https://js.stripe.com", "https://hooks.stripe.com"}
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert 'payment=(self "https://js.stripe.com")' in response["Permissions-Policy"]


def test_the_status_page_and_the_appeal_keep_the_sites_policy_without_stripe(
    client, card_appeal, settings
):
    cache.clear()
    client.post(FORM_URL, form_data())
    reference = CardPayment.objects.get().pledge.reference
    for url in (f"/pledges/{reference}/status/", FORM_URL, "/"):
        header = client.get(url)["Content-Security-Policy"]
        assert "stripe" not in header and "127.0.0.1" not in header, (url, header)
        assert "payment=()" in client.get(url)["Permissions-Policy"]


def test_the_card_policy_leaves_the_sites_own_policy_unchanged(settings):
    before = {name: list(values) for name, values in settings.SECURE_CSP.items()}
    card_page_policy()
    assert settings.SECURE_CSP == before
