"""The sentences the donors app keeps, by code (fundmgr.sentences): its
refusals, and why a donor was recorded, which the audit trail keeps by code
and shows in the reader's language. A code, once stored, keeps its meaning;
its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import define, render

# Refusals (PermissionDenied): the audit trail keeps their code (fundmgr.refusals).
NOT_A_DONOR = define("refused.not-a-donor", _("This account is not a donor's."))
STAFF_PASSWORD_ELSEWHERE = define(
    "refused.staff-password-elsewhere", _("Staff accounts change their password elsewhere.")
)

# Why a donor was recorded (donor:created in the audit trail).
FROM_BANK_LINE = define("donor.from-bank-line", _("from bank line %(line)d"))

# Import problems by line (fundmgr.tabular.RowError), kept on a background
# import's row; what they quote from the file is kept as it was.
BANK_REF_TWICE = define(
    "import.bank-ref-twice",
    _("bank reference “%(ref)s” is also on line %(other)d, for another transfer"),
)
# A pledge register's (donors.services.pledge_register).
NOT_YES_OR_NO = define(
    "import.register.not-yes-or-no",
    _("agreement_signed must be yes or no (or true/false, 1/0), not “%(value)s”"),
)
MEMBER_STATE_NEEDS_COUNTRY = define(
    "import.register.member-state-needs-country",
    _("a Member State needs its country (ISO code)"),
)
NOT_A_COUNTRY = define(
    "import.register.not-a-country", _("“%(code)s” is not an ISO 3166 country code")
)
NO_DONOR_NAME = define("import.register.no-donor-name", _("the donor's name is missing"))
DONOR_NAME_TOO_LONG = define(
    "import.register.donor-name-too-long",
    _("the donor's name is longer than %(max)d characters"),
)
NOT_A_DONOR_KIND = define(
    "import.register.not-a-donor-kind",
    _("“%(kind)s” is not a kind of donor (one of: %(kinds)s)"),
)
EMAIL_TOO_LONG = define(
    "import.register.email-too-long",
    _("the e-mail address is longer than %(max)d characters"),
)
NOT_AN_EMAIL = define(
    "import.register.not-an-email", _("“%(email)s” is not a valid e-mail address")
)
DUE_BEFORE_PLEDGE = define(
    "import.register.due-before-pledge",
    _("due date %(due)s is before the pledge date %(pledged)s"),
)
NO_REFERENCE = define(
    "import.register.no-reference", _("the reference in the pledge register is missing")
)
REFERENCE_TOO_LONG = define(
    "import.register.reference-too-long",
    _("the reference is longer than %(max)d characters"),
)
REFERENCE_TWICE = define(
    "import.register.reference-twice",
    _("reference “%(ref)s” is already on line %(other)d with other content"),
)
REFERENCE_RECORDED = define(
    "import.register.reference-recorded",
    _(
        "reference “%(ref)s” is already recorded as pledge %(pledge)s with other "
        "content (donor e-mail, amount, dates or agreement); a recorded pledge "
        "is never changed by an import"
    ),
)

# What became of a bank statement line (donors.services.bank_statements),
# kept in BankLine.message_sentence and shown in the reader's language. What
# they quote from the file (a reference, a file's name) is kept as it was.
SAME_TRANSFER_IN_FILE = define(
    "bank-line.same-transfer-in-file",
    _("the same transfer as line %(other)d of this file"),
)
REF_IMPORTED_OTHER_CONTENT = define(
    "bank-line.ref-imported-other-content",
    _(
        "bank reference already imported with other content (line %(line)d of "
        "%(statement)s): a person must check"
    ),
)
IMPORTED_BEFORE = define(
    "bank-line.imported-before", _("imported before: line %(line)d of %(statement)s")
)
ZERO_AMOUNT = define("bank-line.zero-amount", _("zero amount"))
NEGATIVE_AMOUNT = define(
    "bank-line.negative-amount",
    _("negative amount: money leaving the account is not a receipt"),
)
FITS_SEVERAL_PLEDGES = define(
    "bank-line.fits-several-pledges",
    _("reference %(refs)s fits several pledges: a person must decide"),
)
NO_PLEDGE_REFERENCE = define(
    "bank-line.no-pledge-reference", _("no pledge reference found in the line")
)
PLEDGE_CANCELLED = define(
    "bank-line.pledge-cancelled", _("pledge %(refs)s is cancelled: a person must decide")
)
PLEDGES_OF_DIFFERENT_DONORS = define(
    "bank-line.pledges-of-different-donors",
    _("pledges %(refs)s are of different donors: a person must decide"),
)
OTHER_CURRENCY = define(
    "bank-line.other-currency",
    _("received in %(received)s but pledge %(refs)s is in %(pledged)s: a person must decide"),
)
#: ``why``: what the receipt's refusal said (a sentence, or its text).
RECEIPT_NOT_RECORDED = define(
    "bank-line.receipt-not-recorded",
    _("the receipt could not be recorded: %(why)s"),
    why=render,
)
