"""The sentences the grants app keeps, by code (fundmgr.sentences): a
grant's eligibility reasons, why its routing was chosen, and its refusals. A code, once
stored, keeps its meaning; its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.formatting import country_name
from fundmgr.sentences import define

# Eligibility (grants.services.eligibility), stored in Grant.eligibility_reasons.
# The country is kept as its ISO code and named in the reader's language.
LDC = define(
    "eligibility.ldc",
    _(
        "%(country)s was on the UN list of least developed countries on %(day)s, "
        "the eligibility date of %(event)s: first priority."
    ),
    country=country_name,
)
GRADUATION_DUE = define(
    "eligibility.graduation-due",
    _("Its graduation from the list is due on %(graduation)s, after that date."),
)
GRADUATED = define(
    "eligibility.graduated",
    _(
        "%(country)s was no longer a least developed country on %(day)s, the "
        "eligibility date of %(event)s: it graduated from the list on %(graduation)s."
    ),
    country=country_name,
)
NOT_LDC = define(
    "eligibility.not-ldc",
    _(
        "%(country)s was not on the UN list of least developed countries on %(day)s, "
        "the eligibility date of %(event)s."
    ),
    country=country_name,
)
DEVELOPED = define(
    "eligibility.developed",
    _(
        "It is a developed economy (UN M49 developed regions), whose delegates "
        "the fund does not pay for: not eligible."
    ),
)
OTHER_DEVELOPING = define(
    "eligibility.other-developing",
    _(
        "%(event)s also funds other developing countries after the least developed "
        "ones: second priority."
    ),
)
LDC_ONLY = define(
    "eligibility.ldc-only",
    _("%(event)s funds delegates of least developed countries only: not eligible."),
)

# Why a routing was chosen (grants.services.entitlement), in Grant.routing_reason.
ONLY_QUOTE = define(
    "routing.only-quote",
    _("Only one quote was entered: %(route)s, %(fare)s, %(hours)s h."),
)
CHEAPEST_AND_MOST_DIRECT = define(
    "routing.cheapest-and-most-direct",
    _(
        "%(route)s (%(fare)s, %(hours)s h) is both the least costly and the most direct "
        "of the %(count)d quotes."
    ),
)
CHEAPEST = define(
    "routing.cheapest",
    _(
        "The least costly routing, %(route)s (%(fare)s, %(hours)s h), is chosen: it adds "
        "%(extra)s h to the most direct one (%(direct_route)s, %(direct_hours)s h), less "
        "than the %(tolerance)s h that would justify a costlier, more direct routing."
    ),
)
MORE_DIRECT = define(
    "routing.more-direct",
    _(
        "A more direct routing, %(route)s (%(fare)s, %(hours)s h), is chosen over the least "
        "costly one, %(cheap_route)s (%(cheap_fare)s, %(cheap_hours)s h), which adds "
        "%(extra)s h to the most direct routing (%(direct_route)s, %(direct_hours)s h): "
        "%(tolerance)s h or more."
    ),
)

# Refusals (PermissionDenied): the audit trail keeps their code (fundmgr.refusals).
MAY_NOT_NOMINATE = define(
    "refused.may-not-nominate",
    _("Only a fund officer or a country's focal point may nominate."),
)
NOT_FOCAL_POINT_FOR = define(
    "refused.not-focal-point-for",
    _("You are not the focal point for %(country)s."),
    country=country_name,
)
NOT_A_FOCAL_POINT = define(
    "refused.not-a-focal-point", _("You are not the focal point for any country.")
)
QUOTES_BY_FUND_OFFICER = define(
    "refused.quotes-by-fund-officer", _("Only a fund officer enters quotes and entitlements.")
)

# Why a grant moved, when the product says it (GrantTransition.reason_sentence).
IMPORTED_FROM = define("transition.imported-from", _("Imported from %(file)s"))
