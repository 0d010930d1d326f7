"""Downloads of personal or financial documents (notes verbales, boarding
passes, pledge letters, acknowledgements, exported books): handed out as
attachments that neither the browser nor any cache between keeps
(``Cache-Control: no-store``, Django's ``add_never_cache_headers``), so the
next person at a shared computer or behind the same proxy never gets a copy."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.cache import add_never_cache_headers


def private_download(handle, filename: str, content_type: str) -> FileResponse:
    """``handle`` (an open file) as an attachment named ``filename``, never stored."""
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    add_never_cache_headers(response)
    return response
