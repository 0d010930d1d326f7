"""The core every app builds on: one module per kind of thing."""

from fundmgr.models.audit import AuditRecord
from fundmgr.models.countries import Country, LdcStatus
from fundmgr.models.events import Event, EventSession
from fundmgr.models.funds import Account, Fund, PscRate
from fundmgr.models.imports import ImportJob
from fundmgr.models.ledger import DayTotal, EntryKind, JournalEntry, LedgerImmutable, Leg
from fundmgr.models.mail import OutgoingMail
from fundmgr.models.manual_journals import ManualJournal, ManualJournalLine
from fundmgr.models.notices import Delivery, Notice, NoticePreference, NoticeSettings
from fundmgr.models.once import FormSubmission
from fundmgr.models.rates import ExchangeRate
from fundmgr.models.sequences import Sequence
from fundmgr.models.signatures import Signature

__all__ = [
    "Account",
    "AuditRecord",
    "Country",
    "DayTotal",
    "Delivery",
    "EntryKind",
    "Event",
    "EventSession",
    "ExchangeRate",
    "FormSubmission",
    "Fund",
    "ImportJob",
    "JournalEntry",
    "LdcStatus",
    "LedgerImmutable",
    "Leg",
    "ManualJournal",
    "ManualJournalLine",
    "Notice",
    "NoticePreference",
    "NoticeSettings",
    "OutgoingMail",
    "PscRate",
    "Sequence",
    "Signature",
]
