"""Sentences the product writes and keeps (a grant's eligibility reasons, why
a routing was chosen, why an action was refused) are stored as a code and
its values, and written out when read, in the reader's language.

A sentence stored as text would stay in the language of whoever was signed
in when it was made: a French officer's nomination showed its reasons in
French to the English auditor. Here each kind of sentence is registered once
(``define``: a code, a translatable template with ``%(name)s`` placeholders,
and how to show a value that depends on the reader, such as a country's
name); services make a ``Sentence``; models keep ``Sentence.data()``,
``{"code": ..., "params": {...}}``; pages, exports and the API show
``render(stored)``.

What a person typed stays as typed: ``render`` shows a plain string as it
is, as it does a sentence stored as text before this (the data migrations
turned those they could read back into codes; the audit trail, append-only,
keeps its older ones as they were written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Template:
    text: Promise  # gettext_lazy
    #: How a value is shown, by name (it is shown as stored otherwise).
    shown: dict[str, Callable[[Any], str]] = field(default_factory=dict)


_templates: dict[str, Template] = {}


def define(code: str, text: Promise, **shown: Callable[[Any], str]) -> str:
    """Register the sentence ``code``; returns the code. A code, once stored,
    is never reused for another meaning: change the template's wording only."""
    if code in _templates and _templates[code].text is not text:
        raise ValueError(f"the sentence {code!r} is already defined")
    _templates[code] = Template(text, dict(shown))
    return code


def template(code: str) -> Template | None:
    return _templates.get(code)


@dataclass(frozen=True)
class Sentence:
    """A sentence to keep: its code and its values (JSON: text, numbers)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in _templates:
            raise ValueError(f"no sentence is defined as {self.code!r}")

    def data(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        return render(self.data())

    def in_english(self) -> str:
        with override("en"):
            return str(self)


def render(stored: Any) -> str:
    """A stored sentence in the language active. ``stored``: ``Sentence.data()``;
    or text (typed by a person, or kept from before), shown as it is."""
    if isinstance(stored, Sentence):
        stored = stored.data()
    if not isinstance(stored, dict):
        return "" if stored is None else str(stored)
    found = _templates.get(stored.get("code", ""))
    if found is None:
        # A code this version no longer knows: its English, if kept, else nothing.
        return str(stored.get("text", ""))
    params = stored.get("params") or {}
    values = {
        name: found.shown[name](value) if name in found.shown else value
        for name, value in params.items()
    }
    return str(found.text) % values


def render_all(stored: Iterable[Any] | None) -> list[str]:
    return [render(each) for each in stored or []]


#: A message the product says: a sentence, or text (a person's, or not yet a code).
type Said = Sentence | str


def kept(said: Any) -> Any:
    """How ``said`` is stored (JSON): a sentence's data, anything else as text."""
    return said.data() if isinstance(said, Sentence) else str(said)


def joined(parts: Iterable[Said]) -> Said:
    """``parts`` said as one message, "a; b; c", each kept as it was said."""
    parts = list(parts)
    result = parts[0]
    for part in parts[1:]:
        result = Sentence(SEVERAL, {"first": kept(result), "then": kept(part)})
    return result


def at(where: Said, problem: Said) -> Said:
    """``problem`` said of a place in a file ("statement 2, entry 5"), if named."""
    if not where:
        return problem
    return Sentence(WHERE, {"where": kept(where), "problem": kept(problem)})


def said_by(error: BaseException) -> Said:
    """What ``error`` says: the sentence it was raised with (``ValueError(Sentence(...))``:
    its text, ``str(error)``, is the sentence in the language active), else its text."""
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Sentence) else str(error)


# The core's sentences ---------------------------------------------------------
# (An app defines its own in its ``sentences`` module, loaded by its AppConfig;
# these are defined with the machinery, so they are known wherever a sentence
# is read.)

# Refusals (PermissionDenied): the audit trail keeps their code (fundmgr.refusals).
RATE_KEEPERS_ONLY = define(
    "refused.rate-keepers-only",
    _("Only a finance officer or the administrator may correct exchange rates."),
)
NO_NOTICES = define("refused.no-notices", _("Your role receives no e-mail notifications."))

# Import problems by line (fundmgr.tabular.RowError), kept on a background
# import's row (ImportJob.problems) and read on its page and in the API. What
# they quote from the file (a value, a column's name) is kept as it was.
NOT_CSV_OR_XLSX = define(
    "import.not-csv-or-xlsx", _("only CSV and XLSX files are accepted, not “%(suffix)s”")
)
UNREADABLE = define("import.unreadable", _("the file cannot be read: %(error)s"))
MISSING_COLUMNS = define("import.missing-columns", _("missing columns: %(columns)s"))
NUL_CHARACTER = define("import.nul-character", _("the line holds a NUL character"))
NO_ROWS = define("import.no-rows", _("the file has a header but no rows under it"))
NOT_A_DATE = define("import.not-a-date", _("“%(value)s” is not a date in the form YYYY-MM-DD"))
NOT_A_REAL_DATE = define("import.not-a-real-date", _("“%(value)s” is not a real date"))
NUMBER_TOO_LONG = define(
    "import.number-too-long",
    _("“%(value)s” is too long to be a number (more than %(max)d characters)"),
)
NOT_A_NUMBER = define("import.not-a-number", _("“%(value)s” is not a number"))
NUMBER_TOO_LARGE = define(
    "import.number-too-large",
    _("“%(value)s” is too large: at most %(max)d digits before the decimal point"),
)
DECIMAL_COMMA = define(
    "import.decimal-comma",
    _("“%(value)s”: use a point for decimals; commas only separate thousands"),
)
NOT_AN_AMOUNT = define("import.not-an-amount", _("not an amount: %(value)r"))
UNKNOWN_CURRENCY = define("import.unknown-currency", _("unknown currency “%(code)s”"))
NOT_MONEY = define(
    "import.not-money",
    _(
        "%(code)s is not a currency the fund can receive (it is a metal, a unit of "
        "account, a fund code or a test code)"
    ),
)
#: Several problems of one line, "a; b"; where in the file, "statement 1: a".
SEVERAL = define("import.several", _("%(first)s; %(then)s"), first=render, then=render)
WHERE = define("import.where", _("%(where)s: %(problem)s"), where=render, problem=render)
TOO_MANY_DECIMALS = define(
    "import.too-many-decimals", _("%(amount)s has more decimals than %(currency)s allows")
)
COLUMN_TOO_LONG = define(
    "import.column-too-long", _("%(column)s is longer than %(max)d characters")
)
#: The file's verdict (FileRejected's first line, a failed import job's message).
NOT_IMPORTED = define(
    "import.not-imported",
    _("%(name)s was not imported; nothing was saved."),
    name=lambda name: name or gettext("The file"),
)

# Why a background job failed (fundmgr.services.jobs; BackgroundJob.error_sentence).
WORKER_DID_NOT_FINISH = define(
    "job.worker-did-not-finish", _("The background worker did not finish it.")
)
IMPORTER_LOST_ROLE = define(
    "import.requester-lost-role",
    _("%(user)s no longer holds a role that may make this import; nothing was saved."),
)
UPLOAD_GONE = define(
    "import.upload-gone", _("The uploaded file is no longer there: upload it again.")
)

# Why an unused exchange rate was replaced by an import (the audit record's why).
RATES_REPLACED_BY_FILE = define("rates.replaced-by-file", _("replaced by the file %(name)s"))


def money_kept(amount: Any) -> dict[str, str]:
    """An amount (``Money``) as a sentence keeps it: its figures and currency,
    shown when read in the reader's way of writing money (``money_shown``)."""
    return {"amount": str(amount.amount), "currency": amount.currency.code}


def money_shown(kept: Any) -> str:
    """An amount kept by ``money_kept``, written as the language active writes it."""
    from fundmgr.money import Money

    if not isinstance(kept, dict):
        return str(kept)
    return str(Money(kept["amount"], kept["currency"]))


# Why a journal entry was made, when the product says it (JournalEntry.memo_sentence;
# its English is kept in ``memo``). What a person typed is a value, kept as typed.
REVERSAL_OF = define("memo.reversal-of", _("Reversal of #%(entry)s: %(why)s"), why=render)
