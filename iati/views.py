"""The IATI files at stable public addresses (for the IATI Registry to
fetch), and the publisher page where finance sees when each was generated
and whether it passed the checks (docs/iati.md, "Publishing"). Thin: the
files are made and checked by ``iati.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fundmgr.models import Fund
from fundmgr.roles import Role, has_role, role_required
from iati.models import Publication
from iati.selectors import books_stamp
from iati.services import ACTIVITIES_FILE, ORGANISATION_FILE
from iati.tasks import regenerate_iati

PUBLISHERS = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)


def _published(code: str, column: str) -> HttpResponse:
    """The last files that passed both checks; 404 until there are some."""
    row = (
        Publication.objects.filter(fund__code=code, published_at__isnull=False)
        .values(column, "published_at")
        .first()
    )
    if row is None:
        raise Http404(_("This fund's IATI files have not been published yet."))
    response = HttpResponse(row[column], content_type="application/xml; charset=utf-8")
    response["Last-Modified"] = http_date(row["published_at"].timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def activities_file(request, code):
    return _published(code, "activities")


@require_GET
def organisation_file(request, code):
    return _published(code, "organisation")


@role_required(*PUBLISHERS, Role.AUDITOR)
def publisher_page(request, code):
    fund = get_object_or_404(Fund, code=code)
    publication = Publication.objects.filter(fund=fund).first()
    return render(
        request,
        "iati/publisher.html",
        {
            "fund": fund,
            "publication": publication,
            "books_changed": publication is None or publication.stamp != books_stamp(fund),
            "addresses": [
                (
                    ACTIVITIES_FILE,
                    request.build_absolute_uri(reverse("iati-activities", args=[code])),
                ),
                (
                    ORGANISATION_FILE,
                    request.build_absolute_uri(reverse("iati-organisation", args=[code])),
                ),
            ],
            "can_generate": has_role(request.user, *PUBLISHERS),
        },
    )


@role_required(*PUBLISHERS)
@require_POST
def generate(request, code):
    """Generate the files in the background; the page shows the outcome."""
    fund = get_object_or_404(Fund, code=code)
    regenerate_iati.enqueue(fund.pk)
    messages.success(
        request,
        _("The IATI files of %(code)s are being generated: reload this page in a moment.")
        % {"code": fund.code},
    )
    return redirect("iati-publisher", code=fund.code)
