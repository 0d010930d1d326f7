"""Files the web server must never serve: exported workbooks waiting for
their download view, uploads waiting for the import worker, and personal
documents (notes verbales, boarding passes, pledge letters).

Each lives in its own storage (``settings.STORAGES``), read through Django's
storage API so that web processes and workers may run on different hosts:

- ``documents``, ``imports``, ``exports``: by default folders (DOCUMENTS_ROOT,
  IMPORTS_ROOT, EXPORTS_ROOT) outside STATIC_ROOT and MEDIA_ROOT
  (``PrivateFolderStorage``); with ``FUNDMGR_STORAGE=s3`` one private bucket
  of S3-compatible object storage, each under its own key prefix
  (``PrivateS3Storage``; fundmgr/storage_settings.py reads the environment).
- Neither has a URL: a file is handed out only by a role-checked view that
  streams it (fundmgr/downloads.py).
- Documents are stored under random names (``UnguessableName``): knowing a
  grant's reference tells nothing about where its note verbale is.

A worker that needs a real file (a parser given a path, a workbook being
written) uses its own local scratch folder (``scratch_folder``,
FUNDMGR_SCRATCH_DIR), never the web's."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

NO_URL = "private files have no public URL: link to the view that checks the reader"


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


class PrivateFolderStorage(FileSystemStorage):
    """Files under the folder ``settings.<setting>`` (read at each use, so a
    test or a deployment may move it; refused if it is served), with no URL.
    New folders 0o750, new files 0o640: only the service's user and group."""

    def __init__(self, *, setting: str, why: str = "", **options):
        options.setdefault("directory_permissions_mode", 0o750)
        options.setdefault("file_permissions_mode", 0o640)
        super().__init__(**options)
        self.setting = setting
        self.why = why or "private files are never served"

    @property
    def base_location(self):
        return private_folder(self.setting, self.why)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError(NO_URL)


class PrivateS3Storage(S3Storage):
    """One key prefix (``location``) of a private bucket, with no URL: the
    objects are written with the private ACL, never overwritten (a taken name
    gets a new one), and read back through the role-checked views only. A
    file read is spooled to a temporary file past ``max_memory_size`` bytes,
    not held in memory whole."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(
            default_acl="private",
            file_overwrite=False,
            max_memory_size=2 * 1024 * 1024,
        )
        return defaults

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(NO_URL)


class AliasedStorage(LazyObject):
    """``storages[alias]``, looked up when first used and again after the
    STORAGES setting changes (a test's): a FileField keeps the storage it was
    given when the model was defined, and this lets the settings decide
    which backend it is. It passes for its backend (``isinstance``), as
    Django's ``default_storage`` does."""

    def __init__(self, alias: str):
        self.__dict__["_alias"] = alias
        super().__init__()

    def _setup(self):
        self._wrapped = storages[self.__dict__["_alias"]]

    def _reset(self):
        self._wrapped = empty


_DOCUMENTS = AliasedStorage("documents")


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _DOCUMENTS._reset()


def documents_storage():
    """The FileFields' storage (a callable, so tests and settings may swap it)."""
    return _DOCUMENTS


# Stored files' housekeeping -------------------------------------------------------


def delete_stored(storage: Storage, names: Sequence[str]) -> None:
    """Delete the named files; a name the storage refuses (leading outside
    it) is ignored, a missing file is no error."""
    for name in names:
        try:
            storage.delete(name)
        except (SuspiciousOperation, FileNotFoundError):
            pass


def walk_stored(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in the storage, folders walked (``listdir``); a
    local folder that does not exist yet holds nothing."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder}/" if folder else ""
    for name in files:
        yield prefix + name
    for sub in folders:
        yield from walk_stored(storage, prefix + sub)


def modified_at(storage: Storage, name: str) -> datetime.datetime:
    """When the file was last written (aware, UTC)."""
    when = storage.get_modified_time(name)
    return when if when.tzinfo else when.replace(tzinfo=datetime.UTC)


def scratch_folder() -> Path:
    """This process's own local folder for files a worker needs on disk (a
    copy of an upload for its parser, a workbook being written):
    FUNDMGR_SCRATCH_DIR, or a folder in the system's temporary folder.
    Created 0o700; refused inside STATIC_ROOT or MEDIA_ROOT."""
    if getattr(settings, "FUNDMGR_SCRATCH_DIR", None):
        folder = private_folder("FUNDMGR_SCRATCH_DIR", "scratch files are never served")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder
    folder = Path(tempfile.gettempdir()) / f"fundmgr-scratch-{os.getuid()}"
    folder.mkdir(exist_ok=True, mode=0o700)
    # A shared temporary folder: a name another user made first is refused.
    found = folder.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{folder} is not a private folder of this user: set FUNDMGR_SCRATCH_DIR"
        )
    return folder


def copy_to_local(storage: Storage, name: str, destination: Path) -> None:
    """The stored file ``name`` copied to the local file ``destination``."""
    with storage.open(name, "rb") as source, destination.open("wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)


def save_local(storage: Storage, name: str, source: Path) -> str:
    """The local file ``source`` saved in the storage as ``name`` (or a free
    name beside it); returns the name it was saved under."""
    with source.open("rb") as handle:
        return storage.save(name, File(handle, name=source.name))


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
