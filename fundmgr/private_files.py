"""Folders the web server must never serve: exported workbooks waiting for
their download view, uploads waiting for the import worker."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def private_folder(setting: str, why: str) -> Path:
    """``settings.<setting>`` resolved, refused (ImproperlyConfigured, saying
    ``why``) if it lies inside STATIC_ROOT or MEDIA_ROOT, which are served."""
    root = Path(getattr(settings, setting)).resolve()
    for name in ("STATIC_ROOT", "MEDIA_ROOT"):
        served = getattr(settings, name, None)
        if served and root.is_relative_to(Path(served).resolve()):
            raise ImproperlyConfigured(
                f"{setting} ({root}) must not be inside {name} ({served}): {why}."
            )
    return root
