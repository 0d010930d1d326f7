"""The card page's Content-Security-Policy: the site's own (settings.SECURE_CSP)
plus what Stripe.js needs there and nowhere else. Stripe's integration
security guide lists it: the script from js.stripe.com, its frames from
js.stripe.com and hooks.stripe.com (3-D Secure), its calls to api.stripe.com.
In development the script and the API are localstripe on loopback
(STRIPE_JS_URL, STRIPE_API_BASE); read at request time, so tests that start
localstripe on a free port get its origin."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.views.decorators.csp import csp_override

from fundmgr.permissions_policy import permissions_policy_override

REAL_STRIPE_JS = "https://js.stripe.com"
#: What Stripe.js loads besides its script when it comes from Stripe itself.
REAL_STRIPE = {
    "script-src": ["https://*.js.stripe.com"],
    "frame-src": [REAL_STRIPE_JS, "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def origin(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def stripe_origins() -> dict[str, list[str]]:
    """Per directive, the Stripe origins the card page adds to the site's policy."""
    script = origin(getattr(settings, "STRIPE_JS_URL", ""))
    api = origin(getattr(settings, "STRIPE_API_BASE", None))
    if not script:
        return {}
    if script == REAL_STRIPE_JS:
        extra = {name: list(values) for name, values in REAL_STRIPE.items()}
        extra["script-src"].insert(0, script)
        if api:  # a Stripe-compatible API elsewhere (never in production by default)
            extra["connect-src"].append(api)
        return extra
    # localstripe: its script, its frames and its API are one origin on loopback.
    return {
        "script-src": [script],
        "frame-src": [script],
        "connect-src": [script] + ([api] if api and api != script else []),
    }


def card_page_policy() -> dict[str, list[str]]:
    policy = {name: list(values) for name, values in settings.SECURE_CSP.items()}
    for directive, origins in stripe_origins().items():
        values = policy.setdefault(directive, list(policy.get("default-src", [])))
        values.extend(o for o in origins if o not in values)
    return policy


def card_page_features() -> dict[str, list[str]]:
    """Wallets (Apple Pay, Google Pay) in Stripe's frame use the Payment Request API."""
    script = origin(getattr(settings, "STRIPE_JS_URL", ""))
    return {"payment": ["self", script] if script else ["self"]}


def with_stripe(view):
    """The card page's headers: the site's CSP and Permissions-Policy plus Stripe."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp_override(card_page_policy())(view)(request, *args, **kwargs)

    return permissions_policy_override(card_page_features)(wrapped)
