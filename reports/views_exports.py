"""The exports page (ask for a workbook, follow its progress, download it) and
the download: thin, the work is in reports.exports and the task worker."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fundmgr.downloads import private_download
from fundmgr.models import Fund
from fundmgr.roles import BOOK_READERS, role_required
from reports import exports
from reports.models import Export

#: Seconds between reloads of the page while an export is queued or running.
REFRESH_SECONDS = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportRequestForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@role_required(*BOOK_READERS)
@require_http_methods(["GET", "POST"])
def exports_page(request, code):
    """Every book reader may export every fund's books (BOOK_READERS reads them all)."""
    fund = get_object_or_404(Fund, code=code)
    form = ExportRequestForm(request.POST or None, initial={"as_of": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                exports.request_export(fund, form.cleaned_data["as_of"], request.user)
            except exports.ExportError as refused:
                form.add_error("as_of", str(refused))
            else:
                messages.success(
                    request, _("Your workbook is being prepared: it will appear below when ready.")
                )
                return redirect("fund-exports", code=fund.code)
        status = 400
    recent = list(Export.objects.recent_for(fund))
    response = render(
        request,
        "reports/exports.html",
        {
            "fund": fund,
            "form": form,
            "exports": recent,
            "now": timezone.now(),
            "retention_hours": settings.EXPORT_RETENTION,
        },
        status=status,
    )
    if any(export.in_progress for export in recent):
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@role_required(*BOOK_READERS)
@require_GET
def export_download(request, code, pk):
    export = get_object_or_404(Export.objects.select_related("fund"), pk=pk, fund__code=code)
    try:
        handle = exports.readable_file(export, request.user)
    except exports.ExportGone:
        return HttpResponse(
            _("This export has expired: ask for a new one."), status=410, content_type="text/plain"
        )
    except exports.ExportMissing:
        raise Http404 from None
    # The books: neither a shared cache nor the browser's keeps a copy.
    return private_download(handle, export.download_name, XLSX)
