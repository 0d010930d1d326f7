"""Folders the web server must never serve: exported workbooks waiting for
their download view, uploads waiting for the import worker, and personal
documents (notes verbales, boarding passes, pledge letters).

Documents live in the ``documents`` storage (``settings.STORAGES``), a folder
under ``DOCUMENTS_ROOT`` outside STATIC_ROOT and MEDIA_ROOT, under random
names (``UnguessableName``): knowing a grant's reference tells nothing about
where its note verbale is, and the only way to a document is the
role-checked view that streams it."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.utils.deconstruct import deconstructible


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


class DocumentStorage(FileSystemStorage):
    """Files under DOCUMENTS_ROOT (read at each use, refused if it is served),
    with no URL: a document is handed out only by a view that checks the reader."""

    @property
    def base_location(self):
        return private_folder("DOCUMENTS_ROOT", "personal documents are never served")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("documents have no public URL: link to the view that checks the reader")


def documents_storage():
    """The FileFields' storage (a callable, so tests and settings may swap it)."""
    return storages["documents"]


#: The name ``UnguessableName`` gives: folder, two-character shard, 32 hex digits.
UNGUESSABLE = re.compile(r"^[a-z-]+/[0-9a-f]{2}/[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")


@deconstructible
class UnguessableName:
    """``upload_to`` for personal documents: a random name in ``folder``, the
    original name's extension kept only if it is plain (``.pdf``); nothing of
    the original name or of the record (reference, country, person) is in it."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        suffix = Path(filename or "").suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
            suffix = ""
        token = secrets.token_hex(16)
        return f"{self.folder}/{token[:2]}/{token}{suffix}"

    def __eq__(self, other) -> bool:
        return isinstance(other, UnguessableName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def move_out_of_media(model, *field_names: str) -> int:
    """For a data migration: each document of ``model`` still stored under its
    old guessable name in MEDIA_ROOT is moved into the documents storage under
    an unguessable name, and its row updated. A row whose file is already gone
    is left as it is. Returns how many files moved."""
    media = Path(settings.MEDIA_ROOT)
    storage = documents_storage()
    moved = 0
    for field_name in field_names:
        field = model._meta.get_field(field_name)
        rows = model.objects.exclude(**{field_name: ""}).values_list("pk", field_name)
        for pk, name in rows.iterator():
            source = media / name
            if UNGUESSABLE.match(name) or not source.is_file():
                continue
            with source.open("rb") as handle:
                saved = storage.save(field.upload_to(None, name), File(handle))
            model.objects.filter(pk=pk).update(**{field_name: saved})
            source.unlink()
            moved += 1
    return moved
