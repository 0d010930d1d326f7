"""SWIFT MT940 customer statements, read with the mt-940 package.

The file is cut into its statements at each ``:20:`` tag, and each is read
by ``mt940.models.Transactions`` with every fix of ``mt940.Options`` on (a
reversed credit is negative, a byte-order mark is dropped, long ``:86:``
details are kept whole...). The package does not count lines, so they are
counted here on the file as sent: a transaction's line is its ``:61:``'s,
and a tag the package cannot read is reported on its own line.

What becomes a line (docs/donors.md, "Banks' own formats"): each ``:61:``
statement line, with
- the amount signed by its debit/credit mark (``D``: money leaving, negative,
  as in a CSV), in the currency of the statement's opening balance;
- the value date (the entry date, when it differs, in the detail);
- the reference: the remittance text of the ``:86:`` that follows it (the
  German ``?20``-``?29``/``SVWZ+`` purpose, or the ``/REMI/`` of Dutch banks,
  or else the whole ``:86:`` text); the counterparty: its ``?32``/``?33``
  or ``/NAME/`` name;
- the bank's reference: the ``//`` reference of the ``:61:``, unless empty
  or NONREF; without one the line is deduped on its content.

The statement's closing lines (``:62:``, ``:64:``, ``:65:`` and the
statement-level ``:86:`` after them) are not read: the package would add
that ``:86:`` to the last transaction's details.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterator
from typing import Any

import mt940

from donors import sentences
from donors.services.statement_formats import Record, clip
from fundmgr import sentences as core_sentences
from fundmgr.sentences import Said, Sentence
from fundmgr.tabular import FileRejected, RowError, shown

OPTIONS = mt940.Options.all()
# The package logs a tag it cannot read, with the file's text, as an ERROR;
# here that is a person's bad file, refused with its line, not a fault to alert on.
logging.getLogger("mt940").setLevel(logging.CRITICAL)
_STATEMENT = re.compile(r"^:20:", re.MULTILINE)
_TRANSACTION = re.compile(r"^:\n?61:", re.MULTILINE)
_CLOSING = re.compile(r"^:\n?6[245][FM]?:", re.MULTILINE)
_MARKS = (
    re.compile(r"(?m)^:20:"),
    re.compile(r"(?m)^:25[P]?:"),
    re.compile(r"(?m)^:60[FM]:"),
)
#: The codes of a structured ``:86:`` (Dutch and SEPA banks: "/NAME/x/REMI/y"),
#: each found at a slash followed by the code and a slash.
_CODE = re.compile(
    r"/(?=(EREF|BENM|ORDP|NAME|REMI|USTD|STRD|CDTRREFTP|CDTRREF|ISDT|IBAN|BIC|MARF|CSID"
    r"|ADDR|RTRN|CNTP|ULTD|ULTB|PURP|TRCD|PREF|SVCL|BUSP)/)"
)
_NOT_A_REFERENCE = {"", "NONREF", "NOTPROVIDED", "EREF"}
REFERENCE_MAX, COUNTERPARTY_MAX, BANK_REF_MAX = 500, 300, 100
#: Transactions given to the package at a time (each with its statement's header).
CHUNK = 1000


def looks_like(head: str) -> bool:
    """An MT940 statement has a ``:20:``, a ``:25:`` and an opening balance."""
    return all(mark.search(head) for mark in _MARKS)


def decode(data: bytes) -> str:
    """UTF-8 if it is, else Windows-1252 (European banks' usual), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


class _Lines:
    """Line numbers of positions in the text, from one scan of its newlines."""

    def __init__(self, text: str):
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def of(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def read(data: bytes, name: str, errors: list[RowError], skipped: list[str]) -> Iterator[Record]:
    """The file's transactions; problems go to ``errors`` by line (the caller
    refuses the file once it has read them all)."""
    del skipped  # every :61: is a booked transaction
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise FileRejected([RowError(line, Sentence(core_sentences.NUL_CHARACTER))], name)
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    lines = _Lines(text)
    starts = [match.start() for match in _STATEMENT.finditer(text)]
    if not starts:
        raise FileRejected([RowError(0, Sentence(sentences.MT940_NO_STATEMENT))], name)
    records: list[Record] = []
    for number, start in enumerate(starts, 1):
        end = starts[number] if number < len(starts) else len(text)
        closing = _CLOSING.search(text, start, end)
        block = text[start : closing.start() if closing else end]
        where = Sentence(sentences.MT940_WHERE, {"number": number})
        records += _statement(block, start, where, lines, errors)
    if not records and not errors:
        raise FileRejected([RowError(0, Sentence(sentences.MT940_NO_TRANSACTION))], name)
    yield from records


def _statement(
    block: str, start: int, where: Sentence, lines: _Lines, errors: list[RowError]
) -> list[Record]:
    """A statement's records, read CHUNK transactions at a time behind its
    header: the package keeps an object per transaction, and 100,000 of them
    at once would take some 150 MB."""
    first_line = lines.of(start)
    positions = [match.start() for match in _TRANSACTION.finditer(block)]
    numbers = [lines.of(start + position) for position in positions]
    if not positions:
        return _records(block, [], block, start, where, lines, errors, first_line)
    header = block[: positions[0]]
    records: list[Record] = []
    for first in range(0, len(positions), CHUNK):
        last = first + CHUNK
        text = header + block[positions[first] : positions[last] if last < len(positions) else None]
        records += _records(
            text, numbers[first:last], block, start, where, lines, errors, first_line
        )
    return records


def _records(
    text: str,
    numbers: list[int],
    block: str,
    start: int,
    where: Sentence,
    lines: _Lines,
    errors: list[RowError],
    first_line: int,
) -> list[Record]:
    statement = mt940.models.Transactions(options=OPTIONS)
    try:
        statement.parse(text)
    except (RuntimeError, ValueError, ArithmeticError, KeyError, IndexError, TypeError) as bad:
        errors.append(RowError(_where_failed(bad, block, start, lines, first_line), _why(bad)))
        return []
    if len(statement) != len(numbers):
        errors.append(
            RowError(
                first_line,
                Sentence(
                    sentences.MT940_TRANSACTIONS_MIXED,
                    {"where": where.data(), "count": len(numbers)},
                ),
            )
        )
        return []
    data = statement.data
    # The detail's parts, kept by code (BankLine.detail_parts); the bank's own
    # words as they were.
    heading = Sentence(
        sentences.DETAIL_MT940_ACCOUNT,
        {
            "ref": _one_line(data.get("transaction_reference")),
            "number": _one_line(data.get("statement_number")),
            "account": _one_line(data.get("account_identification")),
        },
    )
    records = []
    labels = [
        (sentences.DETAIL_TRANSACTION_TYPE, "id"),
        (sentences.DETAIL_CUSTOMER_REFERENCE, "customer_reference"),
        (sentences.DETAIL_END_TO_END_MT940, "end_to_end_reference"),
        (sentences.DETAIL_ORIGINAL_AMOUNT, "original_amount"),
        (sentences.DETAIL_CHARGES, "compensation_amount"),
        ("", "extra_details"),  # the bank's own words
    ]
    for line, transaction in zip(numbers, statement, strict=True):
        values = transaction.data
        amount: Any = values.get("amount")  # mt940.models.Amount, or None
        currency = getattr(amount, "currency", None)
        if not currency:
            errors.append(
                RowError(line, Sentence(sentences.MT940_NO_CURRENCY, {"where": where.data()}))
            )
            continue
        value_date = values["date"]
        booked = values.get("entry_date")
        detail: list[Said] = [heading]
        if booked and booked != value_date:
            detail.append(Sentence(sentences.DETAIL_BOOKED, {"date": booked.isoformat()}))
        for label, key in labels:
            value = _one_line(values.get(key))
            if value and value not in _NOT_A_REFERENCE:
                detail.append(Sentence(label, {"value": value}) if label else value)
        raw = values.get("transaction_details") or ""
        reference = _one_line(values.get("purpose"))
        counterparty = _one_line(values.get("applicant_name"))
        coded = _coded(raw)
        if coded is not None:
            reference = reference or next(
                (coded[code] for code in ("REMI", "USTD", "CDTRREF") if coded.get(code)), ""
            )
            counterparty = counterparty or coded.get("NAME", "")
            detail.append(_one_line(raw.replace("\n", "")))
        elif raw:
            details = _one_line(raw)
            reference = reference or details
            if reference != details:
                detail.append(details)
        bank_ref = _one_line(values.get("bank_reference"))
        if bank_ref in _NOT_A_REFERENCE:
            bank_ref = ""
        records.append(
            Record(
                line,
                (
                    value_date.isoformat(),
                    str(amount.amount),
                    currency,
                    clip(reference, REFERENCE_MAX),
                    clip(counterparty, COUNTERPARTY_MAX),
                    clip(bank_ref, BANK_REF_MAX),
                ),
                tuple(detail),
                where,
            )
        )
    return records


def _coded(details: str) -> dict[str, str] | None:
    """The values of a structured ``:86:`` by code, or None if it is free text.

    Such a ``:86:`` is wrapped at 65 characters wherever the line ends, so
    its lines are joined without a space."""
    text = details.replace("\n", "")
    marks = [(match.start(), match.group(1)) for match in _CODE.finditer(text)]
    if not any(code in ("NAME", "REMI", "EREF") for _, code in marks):
        return None
    values: dict[str, str] = {}
    for index, (start, code) in enumerate(marks):
        end = marks[index + 1][0] if index + 1 < len(marks) else len(text)
        value = _one_line(text[start + len(code) + 2 : end].strip("/"))
        values.setdefault(code, value)
    return values


def _where_failed(bad: Exception, block: str, start: int, lines: _Lines, fallback: int) -> int:
    """The line of the tag the package could not read: it names the tag's text."""
    if len(bad.args) >= 3 and isinstance(bad.args[2], str):
        first = bad.args[2].strip().split("\n")[0]
        tag = re.escape(str(getattr(bad.args[1], "id", "")))
        found = re.search(rf"^:\n?{tag}[A-Z]?:[ \t]*{re.escape(first)}", block, re.MULTILINE)
        if found:
            return lines.of(start + found.start())
    return fallback


def _why(bad: Exception) -> Sentence:
    if len(bad.args) >= 3 and isinstance(bad.args[2], str):
        tag = bad.args[1]
        return Sentence(
            sentences.MT940_BAD_TAG,
            {"tag": str(getattr(tag, "id", "?")), "value": shown(_one_line(bad.args[2]), 60)},
        )
    return Sentence(sentences.MT940_UNREADABLE, {"error": shown(str(bad), 200)})
