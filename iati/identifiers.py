"""IATI organisation identifiers: ``{registration agency}-{the agency's id}``.

The prefix is a code of the OrganisationRegistrationAgency codelist (an
ISO 3166 country code or XI/XM, a dash, the list's own code: ``GB-COH``,
``XM-DAC``); what follows is the organisation's identifier on that list
(``XM-DAC-41114``, ``GB-COH-01234567``). IATI's own rules: no spaces, and
none of ``/ ? #`` that would break the identifier in an address.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from iati.codelists import codes

#: The shape before the prefix is looked up: letters, digits, dashes, dots
#: and underscores only (IATI forbids spaces and / ? #).
SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def registration_agency(identifier: str) -> str | None:
    """The longest OrganisationRegistrationAgency code ``identifier`` starts
    with, followed by a dash and something; None if none does."""
    agencies = codes("OrganisationRegistrationAgency")
    parts = identifier.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        prefix = "-".join(parts[:cut])
        if prefix in agencies and "-".join(parts[cut:]).strip("-"):
            return prefix
    return None


def validate_organisation_identifier(value: str) -> None:
    """Django validator: refuses anything but ``AGENCY-ID`` with a known agency."""
    if not value:
        return
    if not SHAPE.match(value):
        raise ValidationError(
            _(
                "“%(value)s” is not an IATI organisation identifier: use only letters, digits, "
                "dashes, dots and underscores, without spaces (for example XM-DAC-41114)."
            ),
            code="iati_identifier_shape",
            params={"value": value},
        )
    if registration_agency(value) is None:
        raise ValidationError(
            _(
                "“%(value)s” does not start with a registration agency of the IATI "
                "OrganisationRegistrationAgency codelist followed by a dash and the "
                "organisation's number (for example XM-DAC-41114 or GB-COH-01234567)."
            ),
            code="iati_identifier_agency",
            params={"value": value},
        )
