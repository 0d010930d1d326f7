"""The sentences the donors app keeps, by code (fundmgr.sentences): its
refusals, and why a donor was recorded, which the audit trail keeps by code
and shows in the reader's language. A code, once stored, keeps its meaning;
its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import define, money_shown, render

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

# A bank's own statement formats (donors.services.statement_formats): where a
# transaction is in the file, and the file's problems by line. What they quote
# from the file (a status, a tag's text, the XML reader's words) is kept as it was.
CAMT_WHERE = define("import.camt053.where", _("statement %(statement)d, entry %(entry)d"))
CAMT_PART_WHERE = define(
    "import.camt053.part-where", _("%(where)s, transaction %(index)d"), where=render
)
CAMT_NOT_BOOKED = define(
    "import.camt053.not-booked",
    _("%(where)s: status %(status)s, not booked: not imported"),
    where=render,
)
CAMT_NO_STATUS = define("import.camt053.no-status", _("%(where)s: no status (Sts)"), where=render)
CAMT_NO_AMOUNT = define("import.camt053.no-amount", _("no amount (Amt)"))
CAMT_NOT_A_SIDE = define(
    "import.camt053.not-a-side", _("credit or debit “%(value)s” is neither CRDT nor DBIT")
)
CAMT_NO_DATE = define(
    "import.camt053.no-date", _("neither a value date (ValDt) nor a booking date (BookgDt)")
)
CAMT_NOT_XML = define("import.camt053.not-xml", _("the file is not well-formed XML: %(error)s"))
CAMT_NO_STATEMENT = define(
    "import.camt053.no-statement", _("the CAMT.053 file holds no statement (Stmt)")
)
CAMT_NO_BOOKED_ENTRY = define(
    "import.camt053.no-booked-entry", _("the CAMT.053 file holds no booked entry")
)
CAMT_NO_ENTRY = define("import.camt053.no-entry", _("the CAMT.053 file holds no entry (Ntry)"))
CAMT_DTD = define(
    "import.camt053.dtd",
    _(
        "the XML file declares a document type (DTD): a bank statement never does, "
        "and it can make a reader fetch files or expand without limit; refused"
    ),
)
CAMT_OTHER_MESSAGE = define(
    "import.camt053.other-message",
    _("an ISO 20022 %(message)s message, not a CAMT.053 bank statement (camt.053.001.xx)"),
)
CAMT_NOT_CAMT = define(
    "import.camt053.not-camt",
    _(
        "an XML file, but not an ISO 20022 CAMT.053 bank statement (its root must be "
        "a Document in the namespace urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx)"
    ),
)
MT940_WHERE = define("import.mt940.where", _("statement %(number)d"))
MT940_NO_STATEMENT = define("import.mt940.no-statement", _("no MT940 statement (:20:) in the file"))
MT940_NO_TRANSACTION = define(
    "import.mt940.no-transaction", _("the MT940 file holds no transaction (:61:)")
)
MT940_TRANSACTIONS_MIXED = define(
    "import.mt940.transactions-mixed",
    _(
        "%(where)s: its %(count)d transactions (:61:) cannot be told apart "
        "(a :61: without its transaction type?)"
    ),
    where=render,
)
MT940_NO_CURRENCY = define(
    "import.mt940.no-currency",
    _("%(where)s: no currency: the statement has no opening balance (:60F:)"),
    where=render,
)
MT940_BAD_TAG = define("import.mt940.bad-tag", _("tag :%(tag)s: cannot be read: “%(value)s”"))
MT940_UNREADABLE = define("import.mt940.unreadable", _("the statement cannot be read: %(error)s"))

# What a bank's own format says of a line beyond its columns (BankLine.detail_parts):
# each part a sentence, or the bank's own text kept as it was.
DETAIL_CAMT_ACCOUNT = define(
    "bank-line.detail.camt-account", _("statement %(id)s, account %(account)s")
)
DETAIL_MT940_ACCOUNT = define(
    "bank-line.detail.mt940-account", _("statement %(ref)s %(number)s, account %(account)s")
)
DETAIL_BOOKED = define("bank-line.detail.booked", _("booked %(date)s"))
DETAIL_REVERSAL = define("bank-line.detail.reversal", _("reversal"))
DETAIL_PART = define("bank-line.detail.part", _("transaction %(index)d of %(count)d in one entry"))
DETAIL_TRANSACTIONS = define(
    "bank-line.detail.transactions", _("%(count)d transactions in one entry")
)
DETAIL_INSTRUCTED = define("bank-line.detail.instructed", _("instructed %(amount)s %(currency)s"))
DETAIL_INSTRUCTED_AT_RATE = define(
    "bank-line.detail.instructed-at-rate",
    _("instructed %(amount)s %(currency)s (exchange rate %(rate)s)"),
)
DETAIL_END_TO_END = define("bank-line.detail.end-to-end", _("end-to-end reference %(ref)s"))
DETAIL_TRANSACTION_TYPE = define(
    "bank-line.detail.transaction-type", _("transaction type %(value)s")
)
DETAIL_CUSTOMER_REFERENCE = define(
    "bank-line.detail.customer-reference", _("customer reference %(value)s")
)
DETAIL_END_TO_END_MT940 = define(
    "bank-line.detail.end-to-end-mt940", _("end-to-end reference %(value)s")
)
DETAIL_ORIGINAL_AMOUNT = define("bank-line.detail.original-amount", _("original amount %(value)s"))
DETAIL_CHARGES = define("bank-line.detail.charges", _("charges %(value)s"))

# Why a journal entry was made (JournalEntry.memo_sentence), in the reader's
# language: names, references and amounts are kept as written, a person's
# reason as typed.
MEMO_RECEIPT = define(
    "memo.receipt",
    _("Receipt from %(donor)s (%(pledge)s) %(amount)s %(reference)s"),
    amount=money_shown,
)
MEMO_RECEIPT_NO_PLEDGE = define(
    "memo.receipt.no-pledge",
    _("Receipt from %(donor)s (no pledge) %(amount)s %(reference)s"),
    amount=money_shown,
)
MEMO_PLEDGE = define("memo.pledge", _("Pledge %(pledge)s by %(donor)s (binding agreement)"))
MEMO_PLEDGE_WRITE_DOWN = define(
    "memo.pledge.write-down", _("Write-down of pledge %(pledge)s by %(donor)s: %(why)s"), why=render
)
MEMO_PLEDGE_CANCELLED = define(
    "memo.pledge.cancelled", _("pledge %(pledge)s cancelled: %(reason)s"), reason=render
)
MEMO_PLEDGE_REDATED = define(
    "memo.pledge.redated",
    _("pledge %(pledge)s redated from %(old)s to %(new)s: %(reason)s"),
    reason=render,
)
MEMO_CARD_REFUND = define(
    "memo.card.refund",
    _("Card refund %(refund)s of %(charge)s (%(pledge)s) %(amount)s"),
    amount=money_shown,
)
MEMO_CARD_DISPUTE_HELD = define(
    "memo.card.dispute-held",
    _("Card dispute %(dispute)s on %(charge)s (%(pledge)s): %(amount)s held by the processor"),
    amount=money_shown,
)
MEMO_CARD_DISPUTE_WON = define("memo.card.dispute-won", _("card dispute %(dispute)s won"))
MEMO_CARD_DISPUTE_LOST = define(
    "memo.card.dispute-lost",
    _("Card dispute %(dispute)s lost (%(pledge)s): refunded to the donor"),
)
MEMO_CARD_DISPUTE_FEE = define(
    "memo.card.dispute-fee",
    _("Card dispute %(dispute)s (%(pledge)s): fee %(amount)s"),
    amount=money_shown,
)
MEMO_CARD_DISPUTE_FEE_RETURNED = define(
    "memo.card.dispute-fee-returned",
    _("Card dispute %(dispute)s (%(pledge)s): fee returned %(amount)s"),
    amount=money_shown,
)
MEMO_CARD_PAYOUT = define(
    "memo.card.payout",
    _("Card payout %(payout)s from the processor %(amount)s"),
    amount=money_shown,
)
