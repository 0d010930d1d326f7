"""Banks' own statement formats, read into the rows the CSV import reads.

Each reader turns a file into ``Record``s whose ``values`` are the six
columns of the CSV import (``bank_statements.COLUMNS``) as text, so the
same checks, dedupe keys, matching, states and idempotency apply whatever
the format (``bank_statements._read``). ``detect`` recognises the format by
the file's content, never by its name.
"""

from __future__ import annotations

from typing import NamedTuple

from fundmgr.sentences import Said


class Record(NamedTuple):
    """One transaction of a statement, as the CSV import reads a row."""

    #: The line of the file it starts on (also the line's number once saved).
    line: int
    #: value_date, amount, currency, reference, counterparty, bank_ref: text,
    #: the amount signed (negative for money leaving the account).
    values: tuple[str, ...]
    #: What the bank said beyond those columns, for the officer (instructed
    #: amount in another currency, booking date, statement and account...):
    #: each part a sentence kept by code, or the bank's own text.
    detail: tuple[Said, ...] = ()
    #: Where it is in the file for a person ("statement 2, entry 5"), put
    #: before any problem found in the values: a sentence, kept by code.
    where: Said = ""


def clip(text: str, limit: int) -> str:
    """A bank's free text kept to a column's length (the whole goes to the detail)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
