"""Separation of duties (UN Financial Rules 105.5/105.6): one person signs a
record at one level only, whatever roles they hold, and never a record about
themselves. The Signature table's unique constraints hold the same rule in the
database, so a race or a bypass of this function still fails."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fundmgr.models import Signature
from fundmgr.roles import require_role
from fundmgr.services.audit import log_action


class SeparationOfDutiesError(PermissionError):
    """The same person tried to sign two levels of one record, or their own."""


def signatures_on(record) -> list[Signature]:
    return list(
        Signature.objects.filter(
            record_type=ContentType.objects.get_for_model(record), record_id=str(record.pk)
        ).select_related("signer")
    )


def check_can_sign(record, user, level: str, subjects: Iterable = ()) -> None:
    """Raise SeparationOfDutiesError if ``user`` may not sign ``record`` at ``level``.

    ``subjects`` are the people the record is about (a nominee, a payee): none
    of them may sign it.
    """
    if any(getattr(subject, "pk", None) == user.pk for subject in subjects if subject):
        raise SeparationOfDutiesError(_("Nobody may sign a record about themselves."))
    for signature in signatures_on(record):
        if signature.level == level:
            raise SeparationOfDutiesError(
                _("This record has already been signed at the level “%(level)s”.")
                % {"level": level}
            )
        if signature.signer_id == user.pk:
            raise SeparationOfDutiesError(
                _(
                    "You already signed this record as “%(level)s”; another person must "
                    "sign this level."
                )
                % {"level": signature.level}
            )


def sign(record, user, level: str, *, role: str, why: str = "", subjects: Iterable = ()):
    """Record ``user``'s signature at ``level``; they must hold ``role``."""
    require_role(user, role)
    subjects = list(subjects)
    with transaction.atomic():
        check_can_sign(record, user, level, subjects)
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    record_type=ContentType.objects.get_for_model(record),
                    record_id=str(record.pk),
                    level=level,
                    signer=user,
                )
        except IntegrityError as clash:
            raise SeparationOfDutiesError(
                _("Another signature on this record conflicts with yours.")
            ) from clash
        log_action(record, f"signed:{level}", user, why)
    return signature
