"""Imports through the API (scope ``imports:write``): UN exchange rates, pledge
registers and bank statements sent as multipart, imported by the importers
the pages and commands use (api.services.imports), and the caller's
background imports to poll. Thin: the role of each kind, the file's checks
and what a second copy does are the services'."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.pagination import cursor_pagination
from api.rows import jobs as rows
from api.scopes import Scope
from api.serializers.errors import DETAIL, flat_errors, responses
from api.serializers.imports import ImportRequestSerializer, ImportSerializer
from api.services import imports as api_imports
from api.services.imports import Outcome
from api.views.base import BooksView
from fundmgr.models import ImportJob
from fundmgr.services.imports import ResultLinks
from fundmgr.tabular import FileRejected

#: A refused request: each field named; a refused file also its problems by line.
IMPORT_ERRORS = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "A body that is not readable multipart."},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"line": {"type": "integer"}, "message": {"type": "string"}},
                "required": ["line", "message"],
            },
        },
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {
        "file": ["rates.csv was not imported; nothing was saved."],
        "problems": [{"line": 3, "message": "“ZZZ” is not an ISO 4217 currency code."}],
    },
}


class ImportQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(api_imports.API_KIND.values()), required=False)


class ImportsView(BooksView):
    """The imports' scope instead of the books'; parameters checked as every
    read's (BooksView.initial)."""

    required_scope = Scope.IMPORT_FILES


def _answer(request, outcome: Outcome, code: int) -> Response:
    answer = Response(ImportSerializer(outcome, context={"request": request}).data, status=code)
    if outcome.job is not None:
        answer["Location"] = answer.data["url"]
    return answer


@extend_schema(
    methods=["GET"],
    summary=gettext_lazy("Your imports"),
    description=gettext_lazy(
        "Your background imports, newest first: status, progress, then the counts "
        "or the problems by line."
    ),
    parameters=[
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            enum=list(api_imports.API_KIND.values()),
            description=gettext_lazy("Only this kind."),
        )
    ],
    responses=responses(ImportSerializer(many=True)),
)
@extend_schema(
    methods=["POST"],
    summary=gettext_lazy("Import a file"),
    description=gettext_lazy(
        "UN exchange rates, a pledge register or a bank statement, checked and imported "
        "as on its upload page: a file with a wrong row saves nothing (400, by line); "
        "the same file again records nothing twice; a file larger than the inline "
        "threshold is imported in the background (202)."
    ),
    request={"multipart/form-data": ImportRequestSerializer},
    responses={
        200: OpenApiResponse(
            ImportSerializer,
            description=gettext_lazy(
                "Imported in the request (status done, its counts in summary), or the "
                "same file's import still waiting or running (the earlier one, to poll)."
            ),
        ),
        202: OpenApiResponse(
            ImportSerializer,
            description=gettext_lazy(
                "A larger file, imported in the background: poll its url (Location)."
            ),
        ),
        400: OpenApiResponse(
            IMPORT_ERRORS,
            description=gettext_lazy(
                "A field is wrong, or the file has wrong rows (each by line); nothing was saved."
            ),
        ),
        401: OpenApiResponse(
            DETAIL, description=gettext_lazy("No token, or one unknown, revoked or expired.")
        ),
        403: OpenApiResponse(
            DETAIL,
            description=gettext_lazy(
                "The token lacks the scope, or its owner's roles do not allow this kind."
            ),
        ),
        413: OpenApiResponse(DETAIL, description=gettext_lazy("The request is too large.")),
        415: OpenApiResponse(DETAIL, description=gettext_lazy("Not multipart/form-data.")),
        429: OpenApiResponse(
            DETAIL, description=gettext_lazy("Too many calls with this token this minute.")
        ),
    },
)
class ImportList(ImportsView, generics.ListAPIView):
    """GET: the caller's own background imports, newest first (two queries a
    page). POST: import a file, as its upload page would."""

    parser_classes = [MultiPartParser]
    serializer_class = ImportSerializer
    pagination_class = cursor_pagination("-requested_at", "-id")

    @property
    def query_class(self):
        # A POST's fields are in its body; it takes no query parameter.
        return ImportQuery if self.request.method == "GET" else serializers.Serializer

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            self.pagination_class = None  # no cursor nor page_size either
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        # Each job's fund and event name its result; whose it is, the caller.
        jobs = ImportJob.objects.filter(requested_by=self.request.user).select_related(
            "fund", "event"
        )
        if "kind" in self.query:
            wanted = {api: job for job, api in api_imports.API_KIND.items()}
            jobs = jobs.filter(kind=wanted[self.query["kind"]])
        return jobs

    def list(self, request, *args, **kwargs):
        # Only what a row shows (Outcome.of_job, api.rows.jobs): each column
        # left out was a model field set and, for the uploads kept, a JSON
        # decoded per row; the fund's and event's codes name the result.
        jobs = self.get_queryset().only(*rows.IMPORT_COLUMNS)
        page = self.paginate_queryset(jobs)
        links = ResultLinks()
        outcomes = [Outcome.of_job(job, links=links) for job in page]
        return self.get_paginated_response(rows.imports(outcomes, request))

    def post(self, request, *args, **kwargs):
        try:
            fields = request.data
        except (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig) as error:
            # Django's own limits on a body (its HTML 400 otherwise).
            raise ParseError(
                _("Too many fields or files in one request: send one file and its fields.")
            ) from error
        kind = fields.get("kind")
        # The kind's roles first, as its upload page: no one learns what a
        # file they may not import would have been told.
        if kind in api_imports.KINDS:
            api_imports.require_kind_role(request.user, kind)
        asked = ImportRequestSerializer(data=fields)
        unknown = sorted(set(fields) - set(asked.fields))
        if unknown:
            known = ", ".join(sorted(asked.fields))
            raise ValidationError(
                {
                    name: [
                        _("Not a parameter of this operation; it takes: %(known)s.")
                        % {"known": known}
                    ]
                    for name in unknown
                }
            )
        if not asked.is_valid():
            raise ValidationError(flat_errors(asked.errors))
        data = asked.validated_data
        try:
            outcome = api_imports.import_file(
                data["kind"],
                data["file"],
                by=request.user,
                fund=data.get("fund"),
                illustrative=data["illustrative"],
            )
        except FileRejected as rejected:
            return Response(
                {
                    "file": [str(rejected).splitlines()[0]],
                    "problems": [
                        {"line": e.line, "message": str(e.message)} for e in rejected.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if outcome.job is not None and outcome.new_job:
            return _answer(request, outcome, status.HTTP_202_ACCEPTED)
        return _answer(request, outcome, status.HTTP_200_OK)


@extend_schema(
    summary=gettext_lazy("One import"),
    parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    responses={
        **responses(ImportSerializer),
        404: OpenApiResponse(
            DETAIL,
            description=gettext_lazy(
                "No import of yours, or of a kind you may import, has this id."
            ),
        ),
    },
)
class ImportDetail(ImportsView, generics.RetrieveAPIView):
    """A background import: its status and progress while it waits or runs,
    then its counts or its problems by line. Its owner sees it, and whoever
    may make its kind of import (as its page); for anyone else it does not exist."""

    serializer_class = ImportSerializer

    def get_object(self):
        pk = self.kwargs["pk"]
        job = (
            ImportJob.objects.select_related("fund", "event", "requested_by")
            .filter(pk=int(pk))
            .first()
            if pk.isascii() and pk.isdigit() and len(pk) < 19
            else None
        )
        if job is None or not api_imports.may_see(self.request.user, job):
            raise NotFound(_("No import of yours, or of a kind you may import, has this id."))
        return job

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(Outcome.of_job(self.get_object())).data)
