"""Rows of the travel grants' list (what api.serializers.grants answers):
the grant with its event, fund, country and nominator in one query, its
signatures in another (grants.queries.signatures_by_grant)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from api.rows import Rows
from api.rows.stored import datetime_text
from api.serializers.grants import AMOUNTS, DelegateSerializer, GrantSerializer
from fundmgr.sentences import render, render_all
from grants import queries

#: Each amount is in the fund's currency; read as stored, written before the rows.
_CURRENCY = "event__fund__base_currency"


def _amounts(values: dict[str, Any]) -> dict[str, Any]:
    currency = values[_CURRENCY]
    return {
        name: {"amount": values[column], "currency": currency} for name, column in AMOUNTS.items()
    }


def _signer(signature: queries.SignatureRow) -> str:
    """The signer as ``person_name`` names them."""
    full = f"{signature.first_name} {signature.last_name}".strip()
    return full or signature.username


def _nominated_by(values: dict[str, Any]) -> str:
    """The nominator as ``person_name`` names them (User.get_full_name, or the user name)."""
    full = f"{values['nominated_by__first_name']} {values['nominated_by__last_name']}".strip()
    return full or values["nominated_by__username"]


def _eligibility_reasons(values: dict[str, Any]) -> list[str]:
    """Grant.eligibility_reasons_shown: each stored sentence in the reader's language."""
    return render_all(values["eligibility_reasons"])


def _routing_note(values: dict[str, Any]) -> str:
    """Grant.routing_shown: why this routing, in the reader's language."""
    reason = values["routing_reason"]
    return render(reason) if reason else values["routing_note"]


def _signatures(values: dict[str, Any]) -> list[dict[str, Any]]:
    return values["_signatures"]


def _has_file(column: str):
    def write(values: dict[str, Any]) -> bool:
        return bool(values[column])  # a FieldFile is true when it names a file

    return write


_delegate = Rows(
    DelegateSerializer,
    written={
        "note_verbale": _has_file("note_verbale"),
        "boarding_passes": _has_file("boarding_passes"),
    },
    reads=["note_verbale", "boarding_passes"],
)


def _delegate_or_none(values: dict[str, Any]) -> dict[str, Any] | None:
    return values["_delegate"]


_grants = Rows(
    GrantSerializer,
    written={
        "amounts": _amounts,
        "eligibility_reasons": _eligibility_reasons,
        "routing_note": _routing_note,
        "nominated_by": _nominated_by,
        "signatures": _signatures,
        "delegate": _delegate_or_none,
    },
    reads=[
        "id",
        "eligibility_reasons",
        "routing_reason",
        "routing_note",
        _CURRENCY,
        "nominated_by__first_name",
        "nominated_by__last_name",
        "nominated_by__username",
        *_delegate.columns,
    ],
    amounts=dict.fromkeys(AMOUNTS.values(), _CURRENCY),
    times=["created_at", "updated_at"],
)


class Grants:
    """Grants with their signatures: the page, then its signatures in one query."""

    values = _grants.values
    values_of = _grants.values_of

    def __call__(self, page: list[dict[str, Any]], *, personal: bool) -> list[dict[str, Any]]:
        """The page's rows; the delegate's personal data only when ``personal``."""
        signed = queries.signature_rows_by_grant(values["id"] for values in page)
        delegates = _delegate(page) if personal else [None] * len(page)
        zone = timezone.get_current_timezone()
        for values, delegate in zip(page, delegates, strict=True):
            values["_delegate"] = delegate
            values["_signatures"] = [
                {
                    "level": signature.level,
                    "signed_by": _signer(signature),
                    "signed_at": datetime_text(signature.signed_at, zone),
                }
                for signature in signed.get(values["id"], ())
            ]
        return _grants(page)


grants = Grants()
