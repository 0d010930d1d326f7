"""Query parameters read through serializers: a bad value is a 400 naming the
parameter and saying what is expected, never a 500."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

DATE_FORMAT = ["%Y-%m-%d"]
DATE_ERROR = gettext_lazy("Enter the date as YYYY-MM-DD, for example 2019-03-31.")


def date_field() -> serializers.DateField:
    return serializers.DateField(
        required=False, input_formats=DATE_FORMAT, error_messages={"invalid": DATE_ERROR}
    )


class DateRangeQuery(serializers.Serializer):
    """``from`` and ``to``, both inclusive and optional (``from`` is a Python keyword)."""

    def get_fields(self):
        return {"from": date_field(), "to": date_field()}

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"from": _("The range cannot start after it ends (“to”).")}
            )
        return attrs


class AsOfQuery(serializers.Serializer):
    as_of = date_field()


class StatementQuery(serializers.Serializer):
    def get_fields(self):
        return {"as_of": date_field(), "from": date_field()}


def as_of(query: dict) -> datetime.date:
    """The ``as_of`` asked for, or today."""
    return query.get("as_of") or timezone.localdate()


AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=gettext_lazy("The day the figures are as of (YYYY-MM-DD); today if omitted."),
)
FROM = OpenApiParameter(
    "from", OpenApiTypes.DATE, description=gettext_lazy("From this day on (YYYY-MM-DD), inclusive.")
)
TO = OpenApiParameter(
    "to", OpenApiTypes.DATE, description=gettext_lazy("Up to this day (YYYY-MM-DD), inclusive.")
)

#: The largest id a filter takes (a 64-bit column's); past it, a 400.
MOST_ID = 2**63 - 1


def fund_field() -> serializers.CharField:
    return serializers.CharField(required=False, max_length=20)


def id_field() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MOST_ID)


FUND = OpenApiParameter(
    "fund", OpenApiTypes.STR, description=gettext_lazy("Only this fund's (its code).")
)
DONOR = OpenApiParameter(
    "donor", OpenApiTypes.INT, description=gettext_lazy("Only this donor's (its id).")
)
