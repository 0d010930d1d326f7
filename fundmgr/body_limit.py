"""Refuse a request body larger than the person may send, before reading it.

Django streams file uploads to disk before any form can look at their size,
so without this an anonymous visitor could fill the disk through the public
pledge form's letter field. Staff upload nominations with their notes
verbales (a ZIP of up to 200 MB); everyone else sends at most a pledge letter
(10 MB). A request without Content-Length has no body for Django to read."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fundmgr.roles import BOOK_READERS, has_role


def limit_for(request) -> int:
    if has_role(request.user, *BOOK_READERS):
        return settings.MAX_STAFF_REQUEST_BYTES
    return settings.MAX_PUBLIC_REQUEST_BYTES


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = limit_for(request)
        if length > limit:
            sizes = {"limit_mb": limit // (1024 * 1024), "size_mb": -(-length // (1024 * 1024))}
            if request.path.startswith("/api/"):
                # The API answers JSON, errors included (docs/api.md). Its token
                # is read after this, so an API call has the public limit.
                return JsonResponse(
                    {
                        "detail": _(
                            "The request is about %(size_mb)d MB; at most %(limit_mb)d MB "
                            "can be sent at once. Nothing was saved."
                        )
                        % sizes
                    },
                    status=413,
                )
            return render(request, "413.html", sizes, status=413)
        return self.get_response(request)
