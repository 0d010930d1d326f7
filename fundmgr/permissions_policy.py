"""The Permissions-Policy header (Django has no setting for it): browser
features no page uses (camera, microphone, geolocation, payment, USB...) are
denied to every page and to anything it frames, so an injected script or a
framed third party cannot ask for them.

``settings.PERMISSIONS_POLICY`` maps a feature to its allowlist: ``[]`` denies
it, ``["self"]`` allows this origin, an origin (``"https://js.stripe.com"``)
allows that frame. A view widens it for its own response with
``permissions_policy_override`` (the card page lets Stripe's frame use ``payment``).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings

HEADER = "Permissions-Policy"


def build_policy(features: dict[str, list[str]]) -> str:
    def allowlist(origins: list[str]) -> str:
        return " ".join("self" if origin == "self" else f'"{origin}"' for origin in origins)

    return ", ".join(f"{feature}=({allowlist(origins)})" for feature, origins in features.items())


def permissions_policy_override(changes):
    """View decorator: the site's policy with ``changes`` (a dict, or a function
    of no argument returning one, read at request time) replacing some features."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            extra = changes() if callable(changes) else changes
            response[HEADER] = build_policy({**settings.PERMISSIONS_POLICY, **extra})
            return response

        return wrapped

    return decorator


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response and settings.PERMISSIONS_POLICY:
            response[HEADER] = build_policy(settings.PERMISSIONS_POLICY)
        return response
