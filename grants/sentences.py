"""The sentences the grants app keeps, by code (fundmgr.sentences): a
grant's eligibility reasons, why its routing was chosen, and its refusals. A code, once
stored, keeps its meaning; its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.formatting import country_name
from fundmgr.sentences import define, render

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

#: A refused nomination's reasons said as one ("A. B."): each a sentence above.
REFUSAL = define("eligibility.refusal", _("%(first)s %(then)s"), first=render, then=render)

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

# A nominations sheet's problems by line (grants.services.nomination_import),
# kept on a background import's row and read in each reader's language. What
# they quote from the file (a value, a name, a document's name) is kept as it was.
#: The columns a problem names, said in the reader's language.
LABEL_NAME = define("import.nominations.label.name", _("the delegate's name"))
LABEL_TITLE = define("import.nominations.label.title", _("the delegate's title"))
LABEL_CITY = define("import.nominations.label.departure-city", _("the departure city"))
LABEL_DEPART_ON = define("import.nominations.label.depart-on", _("departure date"))
LABEL_RETURN_ON = define("import.nominations.label.return-on", _("return date"))
MISSING = define("import.nominations.missing", _("%(label)s is missing"), label=render)
TOO_LONG = define(
    "import.nominations.too-long",
    _("%(label)s is longer than %(max)d characters"),
    label=render,
)
NAME_WITHOUT_LETTERS = define(
    "import.nominations.name-without-letters", _("the delegate's name has no letters")
)
NOT_A_GENDER = define(
    "import.nominations.not-a-gender", _("gender “%(value)s” is not one of: %(choices)s")
)
UNKNOWN_COUNTRY = define(
    "import.nominations.unknown-country",
    _("country “%(value)s” is not known (give its ISO code or English name)"),
)
NOT_YOUR_COUNTRY = define(
    "import.nominations.not-your-country",
    _("you are not the focal point for %(country)s"),
    country=country_name,
)
EMAIL_TOO_LONG = define(
    "import.nominations.email-too-long",
    _("the e-mail address is longer than %(max)d characters"),
)
NOT_AN_EMAIL = define(
    "import.nominations.not-an-email", _("“%(email)s” is not a valid e-mail address")
)
NOT_AN_AIRPORT = define(
    "import.nominations.not-an-airport",
    _("departure airport “%(value)s” is not a three-letter IATA code"),
)
NO_NOTE_VERBALE = define(
    "import.nominations.no-note-verbale", _("the note verbale (a PDF file name) is missing")
)
QUOTES_BY_OFFICER_ONLY = define(
    "import.nominations.quotes-by-officer-only",
    _("only a fund officer may give airfare quotes"),
)
QUOTE_INCOMPLETE = define(
    "import.nominations.quote-incomplete",
    _("an airfare quote needs every one of %(columns)s; missing: %(missing)s"),
)
NO_PSC_RATE = define(
    "import.nominations.no-psc-rate", _("fund %(fund)s has no PSC rate in force on %(day)s")
)
TWICE_IN_FILE = define(
    "import.nominations.twice-in-file",
    _("%(name)s is already nominated on line %(other)d of this file"),
)
OVER_THE_CAP = define(
    "import.nominations.over-the-cap",
    _(
        "%(country)s would have %(count)d nominations holding a place for "
        "%(event)s; the cap is %(cap)d per country"
    ),
    country=country_name,
)
NO_NOMINATIONS = define("import.nominations.none", _("the file has no nominations"))
NOTE_NOT_IN_FOLDER = define(
    "import.nominations.note-not-in-folder",
    _("the note verbale “%(name)s” is not in the documents folder"),
)
NOT_A_ZIP = define(
    "import.nominations.not-a-zip", _("the documents are not a readable ZIP file: %(e)s")
)
NOTE_NOT_IN_ZIP = define(
    "import.nominations.note-not-in-zip", _("the note verbale “%(name)s” is not in the ZIP file")
)
NOTE_UNREADABLE_IN_ZIP = define(
    "import.nominations.note-unreadable-in-zip",
    _("the note verbale “%(name)s” cannot be read from the ZIP file: %(e)s"),
)
NOTE_UNREADABLE = define(
    "import.nominations.note-unreadable", _("the note verbale “%(name)s” cannot be read: %(e)s")
)
NO_DOCUMENTS = define(
    "import.nominations.no-documents",
    _("no documents were given with the file: upload the notes verbales too"),
)

# The checks a nomination's form and the nominations sheet share
# (grants.services.nominations): the sheet keeps them by code.
NOTE_EMPTY = define("nomination.note-empty", _("The note verbale is empty."))
NOTE_TOO_LARGE = define("nomination.note-too-large", _("The note verbale is larger than 10 MB."))
NOTE_NOT_PDF = define("nomination.note-not-pdf", _("The note verbale must be a PDF file."))
RETURN_BEFORE_DEPARTURE = define(
    "nomination.return-before-departure",
    _("The return date (%(back)s) is before the departure date (%(out)s)."),
)
DEPARTURE_OUTSIDE_WINDOW = define(
    "nomination.departure-outside-window",
    _("The departure date must be between %(earliest)s and the opening day, %(opening)s."),
)
RETURN_OUTSIDE_WINDOW = define(
    "nomination.return-outside-window",
    _("The return date must be between the closing day, %(closing)s, and %(latest)s."),
)
DEADLINE_PASSED = define(
    "nomination.deadline-passed", _("Nominations for %(event)s closed on %(deadline)s.")
)
ALREADY_NOMINATED_AS = define(
    "nomination.already-nominated-as",
    _("%(name)s is already nominated for %(event)s (%(reference)s)."),
)
ALREADY_NOMINATED = define(
    "nomination.already-nominated", _("%(name)s is already nominated for %(event)s.")
)

# A quote's own checks (grants.services.entitlement.check_quote), raised as
# EntitlementRefused(Sentence): the nominations sheet keeps them by code.
QUOTE_NO_ROUTE = define("quote.no-route", _("The route of the quote is missing."))
QUOTE_ROUTE_TOO_LONG = define(
    "quote.route-too-long", _("The route is longer than %(max)d characters.")
)
QUOTE_HOURS_NOT_A_NUMBER = define(
    "quote.hours-not-a-number", _("The travel time must be a number of hours.")
)
QUOTE_HOURS_OUT_OF_RANGE = define(
    "quote.hours-out-of-range",
    _("The travel time must be more than 0 and at most %(max)s hours."),
)
QUOTE_HOURS_TOO_PRECISE = define(
    "quote.hours-too-precise", _("Give the travel time to a tenth of an hour at most.")
)
QUOTE_FARE_NOT_POSITIVE = define(
    "quote.fare-not-positive", _("An airfare must be greater than zero.")
)
QUOTE_TOO_MANY_DECIMALS = define(
    "quote.too-many-decimals", _("%(currency)s amounts have at most %(places)d decimals.")
)
QUOTE_NO_RATE = define(
    "quote.no-rate",
    _("The fare is in %(currency)s, which has no UN rate of exchange on %(day)s."),
)
QUOTE_LESS_THAN_A_CENT = define(
    "quote.less-than-a-cent", _("%(fare)s is less than a cent in %(base)s.")
)


# An entitlement that cannot be computed (grants.services.entitlement): told
# on the quote page and by line on a nominations sheet's background import.
NO_DSA_RATE = define(
    "entitlement.no-dsa-rate",
    _("No DSA rate for %(city)s is in force on %(day)s: the travel unit must enter one."),
)
NO_TERMINAL_EXPENSE = define(
    "entitlement.no-terminal-expense",
    _("No terminal expense is in force on %(day)s for %(country)s nor by default."),
    country=country_name,
)
NO_TRAVEL_POLICY = define("entitlement.no-travel-policy", _("%(event)s has no travel policy yet."))

# Why a grant's journal entry was made (JournalEntry.memo_sentence), in the
# reader's language; the nominee's name and the reference are kept as written.
MEMO_TRAVEL_GRANT = define(
    "memo.travel-grant", _("Travel grant %(grant)s (%(nominee)s): %(what)s"), what=render
)
MEMO_WITHDRAWN = define(
    "memo.grant.release-withdrawn", _("release of the open commitment (withdrawn)")
)
MEMO_NO_SHOW_RELEASE = define(
    "memo.grant.release-no-show", _("release of the open commitment (no-show)")
)
MEMO_SETTLED = define("memo.grant.release-settled", _("release of the open commitment (settled)"))
MEMO_COMMITMENT = define("memo.grant.commitment", _("commitment of the approved amount"))
MEMO_ADVANCE = define("memo.grant.advance", _("travel advance paid"))
MEMO_LIQUIDATION = define("memo.grant.liquidation", _("commitment liquidated by the advance"))
MEMO_NO_SHOW = define("memo.grant.no-show", _("no-show: the advance is owed back"))
MEMO_SETTLEMENT = define("memo.grant.settlement", _("travel claim settled"))
MEMO_PSC = define("memo.grant.psc", _("programme support cost at %(percent)s%% of the actual cost"))
MEMO_TRAVELLER_REFUND = define(
    "memo.grant.traveller-refund", _("refund received from the traveller")
)
