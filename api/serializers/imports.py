"""An import asked for (multipart: its kind, its fund, the file) and an
import answered (finished in the request, or a background job to poll)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.services import imports as api_imports
from fundmgr.models import Fund, ImportJob
from fundmgr.uploads import MAX_UPLOAD_BYTES, TOO_LARGE


class ImportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=api_imports.KINDS,
        help_text=gettext_lazy(
            "exchange-rates (UN rates: currency, effective_date, units_per_usd), "
            "pledge-register, or bank-statement (CSV, XLSX, CAMT.053 or MT940)."
        ),
    )
    fund = serializers.CharField(
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "The fund's code: required for pledge-register and bank-statement, "
            "not taken for exchange-rates."
        ),
    )
    file = serializers.FileField(
        help_text=gettext_lazy("The file, 10 MB at most (CSV or XLSX, as the pages).")
    )
    illustrative = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "exchange-rates only: demo or estimated rates, not official UN rates."
        ),
    )

    def validate_file(self, upload):
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(str(TOO_LARGE))
        return upload

    def validate(self, attrs):
        kind, code = attrs["kind"], attrs.get("fund")
        if kind in api_imports.IN_A_FUND:
            if not code:
                raise serializers.ValidationError({"fund": _("Choose the fund to import into.")})
            attrs["fund"] = Fund.objects.filter(code=code).first()
            if attrs["fund"] is None:
                raise serializers.ValidationError(
                    {"fund": _("No fund has the code “%(code)s”.") % {"code": code}}
                )
        else:
            if code is not None:
                raise serializers.ValidationError(
                    {"fund": _("Exchange rates are not imported into a fund: leave it out.")}
                )
        if attrs.get("illustrative") and kind != api_imports.EXCHANGE_RATES:
            raise serializers.ValidationError(
                {"illustrative": _("Only exchange rates are marked illustrative.")}
            )
        return attrs


class ProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(
        help_text=gettext_lazy("0 while the file is still being checked.")
    )


class ImportSerializer(serializers.Serializer):
    """An import: finished in the request (no id), or a background job."""

    id = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=[*api_imports.KINDS, "nominations"])
    fund = serializers.SerializerMethodField()
    file_name = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportJob.Status.values)
    progress = serializers.SerializerMethodField()
    requested_at = serializers.SerializerMethodField()
    finished_at = serializers.SerializerMethodField()
    message = serializers.CharField(
        help_text=gettext_lazy(
            "The sentence the upload page shows once imported, or why it failed."
        )
    )
    summary = serializers.DictField(
        help_text=gettext_lazy(
            "The counts: created/unchanged/replaced/skipped (rates), "
            "created/already (pledges), matched/already/unmatched/discarded/errors and the "
            "statement's id (bank statement)."
        )
    )
    problems = ProblemSerializer(
        many=True, help_text=gettext_lazy("A refused file's problems by line.")
    )
    result_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_id(self, outcome) -> int | None:
        return outcome.job.pk if outcome.job else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, outcome) -> str | None:
        if outcome.job is None:
            return None
        return self._absolute(reverse("api-import", args=[outcome.job.pk]))

    @extend_schema_field({"type": "string", "nullable": True})
    def get_fund(self, outcome) -> str | None:
        return outcome.fund.code if outcome.fund else None

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, outcome) -> dict | None:
        job = outcome.job
        return {"done": job.progress_done, "total": job.progress_total} if job else None

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_requested_at(self, outcome) -> str | None:
        return _iso(outcome.job.requested_at) if outcome.job else None

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_finished_at(self, outcome) -> str | None:
        return _iso(outcome.job.finished_at) if outcome.job else None

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_result_url(self, outcome) -> str:
        return self._absolute(outcome.result_url) if outcome.result_url else ""

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


_DATETIME = serializers.DateTimeField()


def _iso(moment) -> str | None:
    return _DATETIME.to_representation(moment) if moment else None
