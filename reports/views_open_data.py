"""A fund's public contributions page and its tables' files: open to
everyone, no sign-in (docs/open-data.md). Thin: the figures are
``reports.open_data``'s, the files ``reports.open_data_files``'."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fundmgr.models import Fund
from fundmgr.public_pages import cached_public_page
from reports.open_data import open_data
from reports.open_data_files import FORMATS, TABLES, table_file


@require_GET
@cached_public_page
def contributions_page(request, code):
    fund = get_object_or_404(Fund, code=code)
    return render(
        request,
        "reports/open_data.html",
        {
            "fund": fund,
            "data": open_data(fund, timezone.localdate()),
        },
    )


@require_GET
def contributions_file(request, code, table, kind):
    if table not in TABLES or kind not in FORMATS:
        raise Http404(_("There is no such table."))
    fund = get_object_or_404(Fund, code=code)
    content, name = table_file(open_data(fund, timezone.localdate()), table, kind)
    response = HttpResponse(content, content_type=FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300"
    return response
