"""Exports through the API: start one (the export page's service and checks),
follow it, download its file. The building is the background jobs' runner's
(reports.exports, docs/background-jobs.md), exactly as for the page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from api.pagination import cursor_pagination
from api.rows import jobs as rows
from api.scopes import Scope
from api.serializers.errors import DETAIL, FIELD_ERRORS, flat_errors, responses
from api.serializers.exports import ExportRequestSerializer, ExportSerializer
from api.services.exports import KeyReused, start_export
from api.views.base import BooksView
from fundmgr.downloads import private_download
from reports import exports
from reports.models import Export
from reports.views_exports import XLSX

#: The header that makes a start safe to retry (api/services/exports.py).
IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_LENGTH = 200


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT


class Gone(APIException):
    status_code = status.HTTP_410_GONE


class FileMissing(APIException):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = gettext_lazy("This export's file is not there any more: start another.")


def _exports():
    return Export.objects.select_related("fund")


class ExportsView(BooksView):
    """Exports: the ``exports:start`` scope and a role the export pages admit."""

    required_scope = Scope.START_EXPORTS
    serializer_class = ExportSerializer

    def get_queryset(self):
        # As on the export page, a book reader reads every fund's exports.
        return _exports()


class ExportListQuery(serializers.Serializer):
    fund = serializers.CharField(required=False, max_length=20)
    kind = serializers.ChoiceField(required=False, choices=Export.Kind.choices)
    status = serializers.ChoiceField(required=False, choices=Export.Status.choices)


NOT_FOUND = OpenApiResponse(DETAIL, description=gettext_lazy("No export with this id."))
#: The id is read as text, so that an id that is not a number is this API's
#: 404 (JSON), not the site's page; the schema says what it is.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "Any text of up to 200 printable characters, new for each export: sent again (a "
        "retry), it answers the export it started instead of starting another, for 24 hours."
    ),
)


def _key(request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    _("Give up to %(most)d printable ASCII characters, new for each export.")
                    % {"most": KEY_LENGTH}
                ]
            }
        )
    return key


@extend_schema(
    methods=["GET"],
    summary=gettext_lazy("Your exports"),
    description=gettext_lazy("The exports you started, newest first."),
    parameters=[
        OpenApiParameter(
            "fund", OpenApiTypes.STR, description=gettext_lazy("Only this fund's (its code).")
        ),
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            enum=Export.Kind.values,
            description=gettext_lazy("Only this kind."),
        ),
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=Export.Status.values,
            description=gettext_lazy("Only exports in this status."),
        ),
    ],
    responses=responses(ExportSerializer(many=True)),
)
@extend_schema(
    methods=["POST"],
    summary=gettext_lazy("Start an export"),
    description=gettext_lazy(
        "Starts building an export in the background, with the export page's checks; a bad "
        "body is a 400 naming each field and starts nothing."
    ),
    parameters=[IDEMPOTENCY],
    request=ExportRequestSerializer,
    responses={
        202: OpenApiResponse(
            ExportSerializer,
            description=gettext_lazy(
                "Started (or, for an Idempotency-Key sent before, the export it started); "
                "Location is where to follow it."
            ),
        ),
        **{code: answer for code, answer in responses(None).items() if code != 200},
        409: OpenApiResponse(
            FIELD_ERRORS,
            description=gettext_lazy("The Idempotency-Key already started another export."),
        ),
        415: OpenApiResponse(DETAIL, description=gettext_lazy("The body is not JSON.")),
    },
)
class ExportList(ExportsView, generics.ListAPIView):
    """GET: the caller's own exports, newest first. POST: start one, with the
    export page's checks (a book reader; a date not in the future; a kind that
    exists) on a fund that exists; a bad body is a 400 naming each field and
    starts nothing."""

    query_class = ExportListQuery
    pagination_class = cursor_pagination("-requested_at", "-id")
    filter_by = {
        "fund": "fund__code",
        "kind": "kind",
        "status": "status",
    }

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # A start takes no query parameter, and no cursor.
            self.query_class = serializers.Serializer
            self.pagination_class = None
        super().initial(request, *args, **kwargs)

    list_rows = staticmethod(_exports)

    def get_queryset(self):  # ExportsView's is a detail's
        return self.narrowed(self.list_rows())

    def narrowed(self, queryset):
        return self.filtered(queryset.filter(requested_by=self.request.user))

    def list(self, request, *args, **kwargs):
        page = self.values_page(rows.exports)
        return self.get_paginated_response(rows.exports(page, request))

    def post(self, request, *args, **kwargs):
        key = _key(request)
        try:
            body = request.data
        except ParseError as bad:
            raise ValidationError({"body": [str(bad.detail)]}) from None
        asked = ExportRequestSerializer(data=body)
        if not asked.is_valid():
            raise ValidationError(flat_errors(asked.errors))
        fields = asked.validated_data
        try:
            started = start_export(
                kind=fields["kind"],
                fund=fields["fund"],
                as_of=fields["as_of"],
                event=fields.get("event"),
                filters=fields.get("filters"),
                by=request.user,
                key=key,
            )
        except exports.ExportError as refused:
            raise ValidationError({refused.field: [str(refused)]}) from None
        except KeyReused as reused:
            raise Conflict({IDEMPOTENCY_HEADER: [str(reused)]}) from None
        answer = Response(self.get_serializer(started.export).data, status=status.HTTP_202_ACCEPTED)
        answer["Location"] = request.build_absolute_uri(
            reverse("api-export", args=[started.export.pk])
        )
        if started.repeated:
            answer["Idempotent-Replayed"] = "true"
        return answer


@extend_schema(
    summary=gettext_lazy("An export: its status and progress"),
    parameters=[ID],
    responses={**responses(ExportSerializer), 404: NOT_FOUND},
)
class ExportDetail(ExportsView, generics.RetrieveAPIView):
    """Any export of any fund, as the export page lists them to every book reader."""


@extend_schema(
    summary=gettext_lazy("An export's file"),
    parameters=[ID],
    responses={
        (200, XLSX): OpenApiResponse(
            OpenApiTypes.BINARY, description=gettext_lazy("The workbook, once ready.")
        ),
        **{code: answer for code, answer in responses(None).items() if code != 200},
        404: NOT_FOUND,
        409: OpenApiResponse(
            DETAIL, description=gettext_lazy("Not ready yet (poll the export), or failed.")
        ),
        410: OpenApiResponse(DETAIL, description=gettext_lazy("Expired: start another.")),
    },
)
class ExportDownload(ExportsView, generics.RetrieveAPIView):
    """The file of a ready export, to any book reader, as the page's download
    (``reports.exports.readable_file``: the role again, the expiry, the file,
    the audit record ``export:downloaded``)."""

    def perform_content_negotiation(self, request, force=False):
        # The file is sent as it is; only errors are rendered, always as JSON,
        # whatever the client accepts (a spreadsheet, say).
        return super().perform_content_negotiation(request, force=True)

    def retrieve(self, request, *args, **kwargs):
        export = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if export.in_progress:
            raise Conflict(
                _(
                    "This export is not ready yet (%(status)s, %(done)d of %(total)d rows): "
                    "follow it at %(url)s until its status is done."
                )
                % {
                    "status": export.status,
                    "done": export.progress_done,
                    "total": export.progress_total,
                    "url": reverse("api-export", args=[export.pk]),
                }
            )
        if export.status == Export.Status.FAILED:
            raise Conflict(
                _("This export failed, so it has no file: %(error)s Start another.")
                % {"error": export.error_shown}
            )
        try:
            handle = exports.readable_file(export, request.user, now=timezone.now())
        except exports.ExportGone:
            raise Gone(_("This export has expired: start another.")) from None
        except exports.ExportMissing:
            raise FileMissing() from None
        return private_download(handle, export.download_name, XLSX)
