"""Reads for the bank queue: donors' open pledges with what they still owe
and their next instalment, and the matches suggested for waiting lines.

Everything is read in a fixed number of queries (the pledges, their
instalments) and compared in Python, whatever the number of lines shown and
of open pledges."""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from donors.models import BankLine, PaymentMethod, Pledge
from donors.services.references import normalise
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Fund

#: Pledges that may still take money: not paid, not cancelled.
OPEN_STATUSES = (Pledge.Status.AWAITING_PAYMENT, Pledge.Status.PARTLY_PAID)
#: Suggestions shown per line.
SUGGESTIONS_PER_LINE = 3
#: How alike two words must be (difflib's ratio) to count as the same name.
NAME_CUTOFF = 0.85
#: Share of a donor's significant name words the line must show.
NAME_SHARE = Decimal("0.5")
#: Words that say what kind of body a donor is, not which one: "Ministry of
#: Foreign Affairs" would otherwise match every ministry.
COMMON_WORDS = frozenset(
    """
    the and for of de del des du la le les el los las da do di von van und et y e
    ministry ministere ministerio minister foreign affairs exteriores etrangeres
    government gouvernement gobierno republic republique republica kingdom royaume
    reino state states etat estado united unies unidas nations federal federation
    embassy ambassade embajada permanent mission mision office bureau oficina
    bank banque banco foundation fondation fundacion fund fonds fondo trust
    international national university universite universidad institute institut
    association society company corporation ltd inc llc gmbh sarl
    """.split()
)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without accents, anything but letters and digits a space:
    "République d'Exâmplia" and "REPUBLIQUE D EXAMPLIA" read the same."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def name_words(text: str) -> set[str]:
    """The words of a name that tell one donor from another."""
    return {w for w in fold(text).split() if len(w) >= 3 and w not in COMMON_WORDS}


@dataclass
class OpenPledge:
    """A pledge that may take money: what it still owes and its next
    instalment not yet paid (due date and what is left of it)."""

    pledge: Pledge
    owed: Decimal
    next_due: datetime.date
    next_amount: Decimal

    @property
    def order(self) -> tuple:
        """Oldest due first, then oldest pledge."""
        return (self.next_due, self.pledge.pledge_date, self.pledge.pk)


def _next_instalment(pledge: Pledge, paid: Decimal) -> tuple[datetime.date, Decimal]:
    """The first instalment not paid in full (payments go to instalments in
    order of due date) and what is left of it; the pledge date if none."""
    covered = Decimal(0)
    for instalment in sorted(pledge.instalments.all(), key=lambda i: (i.due_date, i.sequence)):
        covered += instalment.amount.amount
        if covered > paid:
            return instalment.due_date, covered - paid
    return pledge.pledge_date, pledge.amount.amount - paid


def open_pledges(pledges: QuerySet[Pledge]) -> list[OpenPledge]:
    """Those of ``pledges`` that are open and still owe something, oldest due
    first. Two queries: the pledges with what they were paid, their instalments."""
    rows = (
        pledges.filter(status__in=OPEN_STATUSES)
        .select_related("donor")
        .prefetch_related("instalments")
        .annotate(
            paid_so_far=Coalesce(
                ExactSum("receipts__applied"),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=20, decimal_places=3),
            )
        )
        .order_by("pk")
    )
    found = []
    for pledge in rows:
        paid = pledge.paid_so_far
        owed = pledge.amount.amount - paid
        if owed > 0:
            found.append(OpenPledge(pledge, owed, *_next_instalment(pledge, paid)))
    return sorted(found, key=lambda o: o.order)


@dataclass
class Suggestion:
    """A pledge a waiting line may be for, and why it is suggested."""

    open: OpenPledge
    quoted: bool = False  # the line quotes its reference
    name: bool = False  # the line's text names its donor
    amount: bool = False  # the line's amount is its next instalment or all it owes
    score: Decimal = Decimal(0)
    #: The line's money came before the pledge was made: moving the pledge's
    #: date back (or giving the money to the donor without it) is the way.
    predates: bool = False

    @property
    def pledge(self) -> Pledge:
        return self.open.pledge

    @property
    def reasons(self) -> list[str]:
        """Why it is suggested, in words."""
        return [
            text
            for shown, text in (
                (self.quoted, _("the line quotes its reference")),
                (self.name, _("the line names its donor")),
                (self.amount, _("the amount is what it has due")),
            )
            if shown
        ]

    @property
    def redatable(self) -> bool:
        """Its date may move back to the money's: it has received nothing."""
        return self.predates and self.open.owed == self.pledge.amount.amount


@dataclass
class _Vocabulary:
    """Donors' significant name words, to find each line's donors by word."""

    donors_by_word: dict[str, set[int]] = field(default_factory=dict)
    words_of_donor: dict[int, set[str]] = field(default_factory=dict)

    def add(self, donor_id: int, name: str) -> None:
        if donor_id in self.words_of_donor:
            return
        words = name_words(name)
        self.words_of_donor[donor_id] = words
        for word in words:
            self.donors_by_word.setdefault(word, set()).add(donor_id)

    def donors_named_in(self, text: str) -> set[int]:
        """Donors at least NAME_SHARE of whose significant words are in ``text``
        (each word as written or nearly: difflib, for typos and truncation)."""
        known = list(self.donors_by_word)
        seen: dict[int, set[str]] = {}
        for word in name_words(text):
            for close in difflib.get_close_matches(word, known, n=5, cutoff=NAME_CUTOFF):
                for donor_id in self.donors_by_word[close]:
                    seen.setdefault(donor_id, set()).add(close)
        return {
            donor_id
            for donor_id, words in seen.items()
            if len(words) >= NAME_SHARE * len(self.words_of_donor[donor_id])
        }


def queue_suggestions(fund: Fund, lines: Sequence[BankLine]) -> dict[int, list[Suggestion]]:
    """Up to SUGGESTIONS_PER_LINE open pledges per waiting line of ``fund``
    (money received only), best first: a pledge whose reference the line
    quotes, then one whose donor the line names and whose next instalment (or
    all it still owes) is the line's amount, then either alone. Card pledges
    are left out: their money comes through the card processor.

    Two queries whatever the number of lines and pledges."""
    received = [line for line in lines if line.amount.amount > 0]
    if not received:
        return {}
    currencies = {line.amount.currency.code for line in received}
    candidates = open_pledges(
        Pledge.objects.filter(fund=fund, amount_currency__in=currencies).exclude(
            method=PaymentMethod.CARD
        )
    )
    by_reference: dict[str, list[OpenPledge]] = {}
    by_currency: dict[str, list[OpenPledge]] = {}
    by_donor: dict[int, list[OpenPledge]] = {}
    vocabulary = _Vocabulary()
    for item in candidates:
        pledge = item.pledge
        for reference in {normalise(pledge.reference), normalise(pledge.source_reference)}:
            if len(reference) >= 3:
                by_reference.setdefault(reference, []).append(item)
        by_currency.setdefault(pledge.amount.currency.code, []).append(item)
        by_donor.setdefault(pledge.donor_id, []).append(item)
        vocabulary.add(pledge.donor_id, pledge.donor.name)

    from donors.services.bank_statements import _candidates  # the import's own reading

    found: dict[int, list[Suggestion]] = {}
    for line in received:
        currency, amount = line.amount.currency.code, line.amount.amount
        suggestions: dict[int, Suggestion] = {}

        def suggest(item: OpenPledge, line=line, suggestions=suggestions) -> Suggestion:
            return suggestions.setdefault(
                item.pledge.pk,
                Suggestion(item, predates=item.pledge.pledge_date > line.value_date),
            )

        for candidate in _candidates(line.reference) | _candidates(line.counterparty):
            for item in by_reference.get(candidate, ()):
                if item.pledge.amount.currency.code == currency:
                    suggest(item).quoted = True
        for donor_id in vocabulary.donors_named_in(f"{line.counterparty} {line.reference}"):
            for item in by_donor[donor_id]:
                if item.pledge.amount.currency.code == currency:
                    suggest(item).name = True
        for item in by_currency.get(currency, ()):
            if amount in (item.next_amount, item.owed):
                suggest(item).amount = True
        for suggestion in suggestions.values():
            suggestion.score = (
                Decimal(4) * suggestion.quoted
                + Decimal(2) * suggestion.name
                + Decimal("1.5") * suggestion.amount
            )
        ranked = sorted(suggestions.values(), key=lambda s: (-s.score, s.open.order))
        if ranked:
            found[line.pk] = ranked[:SUGGESTIONS_PER_LINE]
    return found


def donors_open_pledges(
    fund: Fund, donor_id: int, currency: str, pledge_ids: Iterable[int] | None = None
) -> QuerySet[Pledge]:
    """The donor's own (confirmed) pledges to ``fund`` in ``currency`` that may
    take money from a bank transfer: open, not by card."""
    pledges = Pledge.objects.filter(
        fund=fund, donor_id=donor_id, confirmed=True, amount_currency=currency
    ).filter(status__in=OPEN_STATUSES)
    if pledge_ids is not None:
        pledges = pledges.filter(pk__in=list(pledge_ids))
    return pledges.exclude(method=PaymentMethod.CARD)
