"""``Authorization: Bearer fm_<prefix>_<secret>``: a personal API token.

A token that is unknown, revoked or expired, or whose owner's account is
disabled, is refused with 401 and a message saying which; a request with no
Authorization header is anonymous (and the permission then answers 401)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api.services.tokens import find_token

KEYWORD = b"bearer"
#: Set on the request when a real token was presented but refused (revoked,
#: expired, owner disabled): its owner is recorded in the audit trail.
REFUSED_TOKEN = "fundmgr_refused_api_token"  # noqa: S105 (an attribute name)


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”, with nothing after it.")
            )
        try:
            plain = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Unknown API token.")) from None
        token = find_token(plain)
        if token is None:
            raise AuthenticationFailed(_("Unknown API token."))
        if token.is_revoked:
            message = _("This API token was revoked on %(when)s.") % {
                "when": formats.date_format(token.revoked_at, "Y-m-d")
            }
        elif token.is_expired:
            message = _("This API token expired on %(when)s.") % {
                "when": formats.date_format(token.expires_at, "Y-m-d")
            }
        elif not token.owner.is_active:
            message = _("The account that owns this API token is disabled.")
        else:
            return token.owner, token
        setattr(request._request, REFUSED_TOKEN, token)
        raise AuthenticationFailed(message)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the authentication (drf-spectacular)."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "A personal API token, created on your API tokens page: fm_<prefix>_<secret>."
            ),
        }
