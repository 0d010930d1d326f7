"""The error answers, as the schema documents them (every operation lists its own)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
#: A bad parameter: each parameter named, with what is wrong with it.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"as_of": ["Enter the date as YYYY-MM-DD, for example 2019-03-31."]},
}


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's errors as the schema documents them, each field named
    with its list of messages: a nested field's (a filter of ``filters``) as
    ``filters.state``, never an object inside the answer."""
    flat: dict[str, list[str]] = {}
    for name, found in errors.items():
        key = f"{prefix}{name}"
        if isinstance(found, dict):
            flat.update(flat_errors(found, prefix=f"{key}."))
        else:
            flat[key] = [str(message) for message in found]
    return flat


def responses(ok, *, not_found=False) -> dict:
    """``ok`` for 200, and the errors every read may answer; ``not_found``
    adds the 404, described by its text if it is one (a fund's by default)."""
    answers = {
        200: ok,
        400: OpenApiResponse(FIELD_ERRORS, description=_("A parameter is wrong; each is named.")),
        401: OpenApiResponse(
            DETAIL, description=_("No token, or one unknown, revoked or expired.")
        ),
        403: OpenApiResponse(
            DETAIL,
            description=_("The token lacks the scope, or its owner's roles do not allow it."),
        ),
        429: OpenApiResponse(DETAIL, description=_("Too many calls with this token this minute.")),
    }
    if not_found:
        described = _("No fund with this code.") if not_found is True else not_found
        answers[404] = OpenApiResponse(DETAIL, description=described)
    return answers
