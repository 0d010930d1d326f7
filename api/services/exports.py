"""Starting an export through the API: the export page's own service
(``reports.exports.request_export``: the role, the date, the kind), made safe
to retry with an ``Idempotency-Key``.

A key works as a money form's one-time token does (``fundmgr.once``): it is
claimed, as a ``FormSubmission`` row, in the very transaction that records the
export, so a retry after it finds the key taken and gets the first export
back, and a retry at the same moment waits on the unique index for the first
to commit. A request that records nothing (refused) frees its key with the
rest. The key is the caller's own (their id is part of what is stored, hashed
with the key they sent), and is kept as long as a form's token, then pruned by
``manage.py prune_form_tokens`` with them. The export page itself asks for no
key (``tests/test_once.py``: an export records no money; each post is a new
export), and a request without a key behaves the same."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import resolve, reverse
from django.utils.translation import gettext as _

from fundmgr.models import Event, FormSubmission, Fund
from reports.exports import request_export
from reports.models import Export

#: The ``purpose`` of the claimed keys (a form's is the address it posts to).
PURPOSE = "api:exports:start"


class KeyReused(Exception):
    """The key already started another export; the message says which."""


@dataclass(frozen=True)
class Started:
    export: Export
    #: True when the key had already started this export: nothing was recorded.
    repeated: bool


def _stored_key(user: User, key: str) -> str:
    """What is stored for the caller's key: 64 hex digits, never the key itself."""
    return hashlib.sha256(f"{PURPOSE}\0{user.pk}\0{key}".encode()).hexdigest()


def _first(stored: str) -> Export:
    claim = FormSubmission.objects.get(key=stored)
    return Export.objects.select_related("fund").get(pk=resolve(claim.result).kwargs["pk"])


def start_export(
    *,
    kind: str,
    fund: Fund,
    as_of: datetime.date,
    by: User,
    event: Event | None = None,
    filters: dict | None = None,
    key: str | None = None,
) -> Started:
    """Start one export (the page's checks), or, for a key that started one
    already, return that export; ``KeyReused`` if it started a different one."""
    filters = filters or {}

    def start() -> Export:
        return request_export(fund, as_of, by, kind, event=event, filters=filters)

    if key is None:
        return Started(start(), repeated=False)
    stored = _stored_key(by, key)
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(key=stored, purpose=PURPOSE, user=by)
        except IntegrityError:
            export = None  # claimed before (or a moment ago: the insert waited for it)
        else:
            export = start()
            FormSubmission.objects.filter(key=stored).update(
                result=reverse("api-export", args=[export.pk])
            )
    if export is not None:
        return Started(export, repeated=False)
    first = _first(stored)
    asked = (kind, fund.pk, as_of, event.pk if event else None, filters)
    if (first.kind, first.fund_id, first.as_of, first.event_id, first.filters) != asked:
        raise KeyReused(
            _(
                "This Idempotency-Key already started export %(id)d (%(kind)s, %(fund)s, as of "
                "%(as_of)s): use a new key for another export."
            )
            % {
                "id": first.pk,
                "kind": first.kind,
                "fund": first.fund.code,
                "as_of": first.as_of.isoformat(),
            }
        )
    return Started(first, repeated=True)
