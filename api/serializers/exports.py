"""Exports as the API shows them, and the body that starts one."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from api.query import DATE_ERROR, DATE_FORMAT
from fundmgr.models import Fund
from reports.models import Export

PROGRESS_SCHEMA = inline_serializer(
    "ExportProgress", {"done": serializers.IntegerField(), "total": serializers.IntegerField()}
)


class ExportSerializer(serializers.ModelSerializer):
    fund = serializers.CharField(source="fund.code")
    kind = serializers.ChoiceField(choices=Export.Kind.choices)
    status = serializers.ChoiceField(choices=Export.Status.choices)
    progress = serializers.SerializerMethodField(
        help_text=gettext_lazy("Rows written of the rows in all (0 of 0: not known yet).")
    )
    download = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where to download the file once ready, until it expires.")
    )

    class Meta:
        model = Export
        fields = [
            "id",
            "kind",
            "fund",
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
    """What the export page asks: the kind, the fund and the day it is as of."""

    kind = serializers.ChoiceField(choices=Export.Kind.choices)
    fund = serializers.CharField(max_length=20, help_text=gettext_lazy("The fund's code."))
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

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        return attrs
