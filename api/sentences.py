"""The sentences the API app keeps, by code (fundmgr.sentences): its refusals,
which the audit trail keeps by code and shows in the reader's language. A
code, once stored, keeps its meaning; its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import define

# Refusals (PermissionDenied): the audit trail keeps their code (fundmgr.refusals).
CREATES_OWN_TOKENS = define(
    "refused.api.creates-own-tokens", _("A person creates only their own API tokens.")
)
REVOKES_OWN_TOKENS = define(
    "refused.api.revokes-own-tokens", _("A person revokes only their own API tokens.")
)
NO_USE_FOR_TOKENS = define(
    "refused.api.no-use-for-tokens", _("Your role has no use for API tokens.")
)
MAY_NOT_IMPORT_KIND = define(
    "refused.api.may-not-import-kind",
    _("Your roles do not allow importing this kind of file (%(kind)s)."),
)
