"""Exports as the API shows them, and the body that starts one."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from api.query import DATE_ERROR, DATE_FORMAT
from fundmgr.models import Event, Fund
from reports.models import Export

PROGRESS_SCHEMA = inline_serializer(
    "ExportProgress", {"done": serializers.IntegerField(), "total": serializers.IntegerField()}
)


class ExportSerializer(serializers.ModelSerializer):
    fund = serializers.CharField(source="fund.code")
    event = serializers.CharField(source="event.code", allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Export.Kind.choices)
    filters = serializers.DictField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=Export.Status.choices)
    progress = serializers.SerializerMethodField(
        help_text=gettext_lazy("Rows written of the rows in all (0 of 0: not known yet).")
    )
    download = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where to download the file once ready, until it expires.")
    )
    error = serializers.CharField(
        source="error_shown",
        read_only=True,
        help_text=gettext_lazy("Why it failed, in the reader's language; empty unless it failed."),
    )

    class Meta:
        model = Export
        fields = [
            "id",
            "kind",
            "fund",
            "event",
            "filters",
            "as_of",
            "status",
            "progress",
            "error",
            "requested_at",
            "started_at",
            "finished_at",
            "expires_at",
            "size",
            "download",
        ]
        read_only_fields = fields

    @extend_schema_field(PROGRESS_SCHEMA)
    def get_progress(self, export) -> dict:
        return {"done": export.progress_done, "total": export.progress_total}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, export) -> str | None:
        if export.status != Export.Status.DONE or export.expires_at <= timezone.now():
            return None
        path = reverse("api-export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ExportRequestSerializer(serializers.Serializer):
    """What the export pages ask: the kind, the fund and the day it is as of;
    for the travel grants, the event and the queue's filters."""

    kind = serializers.ChoiceField(choices=Export.Kind.choices)
    fund = serializers.CharField(max_length=20, help_text=gettext_lazy("The fund's code."))
    event = serializers.CharField(
        required=False,
        max_length=20,
        help_text=gettext_lazy("For “grants” only, and then required: the event's code."),
    )
    filters = serializers.DictField(
        required=False,
        child=serializers.CharField(allow_blank=True, max_length=30),
        help_text=gettext_lazy(
            "For “grants” only: the queue's filters (state, country, region, ldc, gender, "
            "overdue), as on its page; none: every grant."
        ),
    )
    as_of = serializers.DateField(
        required=False,
        input_formats=DATE_FORMAT,
        error_messages={"invalid": DATE_ERROR},
        help_text=gettext_lazy("The day the export is as of (YYYY-MM-DD); today if omitted."),
    )

    def to_internal_value(self, data):
        """A field the request does not take is a 400 naming it, as a query
        parameter is (a misspelt ``as-of`` would otherwise quietly mean today)."""
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = _("Not a field of this request; it takes: %(known)s.") % {
                    "known": ", ".join(self.fields)
                }
                raise serializers.ValidationError({str(name): [message] for name in unknown})
        return super().to_internal_value(data)

    def validate_fund(self, code: str) -> Fund:
        fund = Fund.objects.filter(code=code).first()
        if fund is None:
            raise serializers.ValidationError(
                _("No fund has the code “%(code)s”.") % {"code": code}
            )
        return fund

    def validate_event(self, code: str) -> Event:
        event = Event.objects.filter(code=code).first()
        if event is None:
            raise serializers.ValidationError(
                _("No event has the code “%(code)s”.") % {"code": code}
            )
        return event

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        if attrs["kind"] == Export.Kind.GRANTS and "event" not in attrs:
            raise serializers.ValidationError(
                {"event": [_("An export of travel grants needs the event's code.")]}
            )
        return attrs
