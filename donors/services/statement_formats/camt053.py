"""ISO 20022 CAMT.053, the bank-to-customer statement, any version (001.02 on).

Read with lxml's ``iterparse`` one entry at a time, each entry dropped once
read, so a 100,000-entry file is never held whole. Entities are never
resolved, nothing is fetched (``no_network``), lxml's limits on depth and
text size stay on (``huge_tree=False``), and a file declaring a document
type (DTD) is refused outright: a bank never sends one, and it is how XXE
and "billion laughs" files work.

What becomes a line (docs/donors.md, "Banks' own formats"):

- every statement (``Stmt``) of the file: a file may hold one per currency
  account, and each line keeps its entry's currency, as a CSV line does;
- booked entries only (``Sts`` BOOK); pending, information-only and future
  ones are skipped and reported;
- an entry of several transactions (a batch: ``TxDtls`` more than once) is
  split into one line each when their amounts in the entry's currency add
  up to the entry's; otherwise it stays one line, saying so;
- the amount is the booked one (``Ntry/Amt``), negative for a debit
  (``DBIT``: charges, payments out), as in a CSV; an instructed amount
  (``AmtDtls/InstdAmt``) that differs, in another currency or less the
  charges, is kept in the line's detail with the rate if given;
- the value date (``ValDt``), else the booking date (``BookgDt``, kept in
  the detail when the two differ);
- the reference: the remittance information (``RmtInf/Ustrd``, and
  ``RmtInf/Strd/CdtrRefInf/Ref``), else the additional information;
  the counterparty: the debtor's name for a credit, the creditor's for a debit;
- the bank's reference (the dedupe key): the entry's ``AcctSvcrRef``, else
  its only transaction's ``AcctSvcrRef`` or ``TxId``, else the statement's
  ``Id`` with the entry's ``NtryRef``; lines split from one entry add
  "/1", "/2"... An entry with none of them is deduped on its content, as a
  CSV line without ``bank_ref``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO

from lxml import etree

from donors import sentences
from donors.services.statement_formats import Record, clip
from fundmgr.sentences import Said, Sentence, at, joined
from fundmgr.tabular import FileRejected, RowError, shown

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$")
_MESSAGE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})$")
#: Parts of free text longer than this are cut (the column's length).
REFERENCE_MAX, COUNTERPARTY_MAX, BANK_REF_MAX = 500, 300, 100


def _reject(line: int, message: Said, name: str) -> FileRejected:
    return FileRejected([RowError(line, message)], name)


class _Statement:
    __slots__ = ("number", "id", "account", "entries")
    id: str | None
    account: str | None

    def __init__(self, number: int):
        self.number = number
        self.id = self.account = None
        self.entries = 0


#: The elements whose children are read; nothing else is walked into
#: (bank transaction codes, agents, postal addresses, related dates...).
_CONTAINERS = frozenset(
    {
        "Acct", "Id", "Othr", "Sts", "BookgDt", "ValDt", "NtryDtls", "TxDtls", "Refs",
        "AmtDtls", "TxAmt", "InstdAmt", "CntrValAmt", "CcyXchg", "RltdPties", "Dbtr",
        "Cdtr", "Pty", "RmtInf", "Strd", "CdtrRefInf",
    }
)  # fmt: skip
_LOCAL: dict[str, str] = {}  # "{namespace}Amt" -> "Amt"


class _Index:
    """An element's descendants by their path of local names ("Amt",
    "RltdPties/Dbtr/Nm"), from one walk into the elements the import reads:
    looking up twenty paths with lxml's ``find`` costs several times more."""

    __slots__ = ("element", "paths")

    def __init__(self, element, stop: str = ""):
        self.element = element
        self.paths: dict[str, list] = {}
        self._walk(element, "", stop)

    def _walk(self, element, prefix: str, stop: str) -> None:
        for child in element:
            tag = child.tag
            local = _LOCAL.get(tag)
            if local is None:
                if type(tag) is not str:
                    continue
                local = _LOCAL[tag] = tag.rpartition("}")[2]
            path = prefix + local
            found = self.paths.get(path)
            if found is None:
                self.paths[path] = [child]
            else:
                found.append(child)
            if local in _CONTAINERS and local != stop:
                self._walk(child, path + "/", stop)

    def find(self, path: str):
        found = self.paths.get(path)
        return found[0] if found else None

    def all(self, path: str) -> list:
        return self.paths.get(path, [])


class _Reader:
    def __init__(self, namespace: str, name: str, errors: list[RowError], skipped: list[str]):
        self.ns = namespace
        self.name = name
        self.errors = errors
        self.skipped = skipped

    def text(self, index: _Index, path: str) -> str:
        found = index.find(path)
        if found is None or found.text is None:
            return ""
        return " ".join(found.text.split())

    def texts(self, index: _Index, path: str) -> list[str]:
        return [
            " ".join(found.text.split())
            for found in index.all(path)
            if found.text and found.text.strip()
        ]

    def date(self, element, path: str) -> str:
        """A ``Dt`` or the date part of a ``DtTm``."""
        return self.text(element, f"{path}/Dt") or self.text(element, f"{path}/DtTm")[:10]

    def amount(self, index: _Index, path: str) -> tuple[str, str]:
        found = index.find(path)
        if found is None:
            return "", ""
        return (found.text or "").strip(), found.get("Ccy", "").strip()

    # A statement's account, read once, from the elements before its entries.
    def describe(self, statement: _Statement, element) -> None:
        element = _Index(element, stop="Ntry")
        statement.id = self.text(element, "Id")
        statement.account = (
            self.text(element, "Acct/Id/IBAN") or self.text(element, "Acct/Id/Othr/Id") or "?"
        )

    def entry(self, element, statement: _Statement) -> list[Record]:
        statement.entries += 1
        line = element.sourceline or 0
        ntry = _Index(element, stop="TxDtls")
        # Kept by code: a problem said of it is read in each reader's language.
        where = Sentence(
            sentences.CAMT_WHERE, {"statement": statement.number, "entry": statement.entries}
        )
        status = self.text(ntry, "Sts") or self.text(ntry, "Sts/Cd") or self.text(ntry, "Sts/Prtry")
        if status != "BOOK":
            if status:  # PDNG, INFO, FUTR: not money on the account (yet)
                self.skipped.append(
                    str(
                        RowError(
                            line,
                            Sentence(
                                sentences.CAMT_NOT_BOOKED,
                                {"where": where.data(), "status": shown(status, 10)},
                            ),
                        )
                    )
                )
            else:
                self.errors.append(
                    RowError(line, Sentence(sentences.CAMT_NO_STATUS, {"where": where.data()}))
                )
            return []
        problems: list[Said] = []
        amount, currency = self.amount(ntry, "Amt")
        if not amount:
            problems.append(Sentence(sentences.CAMT_NO_AMOUNT))
        side = self.text(ntry, "CdtDbtInd")
        if side not in ("CRDT", "DBIT"):
            problems.append(Sentence(sentences.CAMT_NOT_A_SIDE, {"value": shown(side)}))
        value_date = self.date(ntry, "ValDt")
        booked = self.date(ntry, "BookgDt")
        if not (value_date or booked):
            problems.append(Sentence(sentences.CAMT_NO_DATE))
        if problems:
            self.errors.append(RowError(line, at(where, joined(problems))))
            return []
        credit = side == "CRDT"
        # The detail's parts, kept by code (BankLine.detail_parts); the bank's
        # own words as they were.
        common: list[Said] = [
            Sentence(
                sentences.DETAIL_CAMT_ACCOUNT,
                {"id": statement.id or str(statement.number), "account": statement.account},
            )
        ]
        if booked and value_date and booked != value_date:
            common.append(Sentence(sentences.DETAIL_BOOKED, {"date": booked}))
        if self.text(ntry, "RvslInd").lower() in ("true", "1"):
            common.append(Sentence(sentences.DETAIL_REVERSAL))
        entry_info = self.text(ntry, "AddtlNtryInf")
        transactions = [_Index(found) for found in ntry.all("NtryDtls/TxDtls")]
        reference = self.text(ntry, "AcctSvcrRef")
        if not reference and len(transactions) == 1:
            reference = self.text(transactions[0], "Refs/AcctSvcrRef") or self.text(
                transactions[0], "Refs/TxId"
            )
        if not reference:
            entry_ref = self.text(ntry, "NtryRef")
            if entry_ref and statement.id:
                reference = f"{statement.id}/{entry_ref}"
        value_date = value_date or booked
        sign = "" if credit else "-"

        parts = (
            self.split(transactions, amount, currency, credit) if len(transactions) > 1 else None
        )
        if parts is None:
            # One line for the entry: its booked amount, what its transactions say.
            detail = list(common)
            if len(transactions) > 1:
                detail.append(Sentence(sentences.DETAIL_TRANSACTIONS, {"count": len(transactions)}))
            references, names = [], []
            for transaction in transactions:
                detail += self.transaction_detail(transaction, amount, currency)
                references.append(
                    self.remittance(transaction) or self.text(transaction, "AddtlTxInf")
                )
                names.append(self.party(transaction, credit))
            text = " ".join(dict.fromkeys(r for r in references if r)) or entry_info
            if entry_info and entry_info != text:
                detail.append(entry_info)
            return [
                Record(
                    line,
                    (
                        value_date,
                        sign + amount,
                        currency,
                        clip(text, REFERENCE_MAX),
                        clip(", ".join(dict.fromkeys(n for n in names if n)), COUNTERPARTY_MAX),
                        clip(reference, BANK_REF_MAX),
                    ),
                    tuple(detail),
                    where,
                )
            ]
        records = []
        count = len(transactions)
        for index, (transaction, part) in enumerate(zip(transactions, parts, strict=True), 1):
            detail = [
                *common,
                Sentence(sentences.DETAIL_PART, {"index": index, "count": count}),
                *self.transaction_detail(transaction, part.lstrip("-"), currency),
            ]
            text = self.remittance(transaction) or self.text(transaction, "AddtlTxInf")
            if entry_info:
                detail.append(entry_info)
            records.append(
                Record(
                    transaction.element.sourceline or line,
                    (
                        value_date,
                        part,
                        currency,
                        clip(text or entry_info, REFERENCE_MAX),
                        clip(self.party(transaction, credit), COUNTERPARTY_MAX),
                        clip(f"{reference}/{index}", BANK_REF_MAX) if reference else "",
                    ),
                    tuple(detail),
                    Sentence(sentences.CAMT_PART_WHERE, {"where": where.data(), "index": index}),
                )
            )
        return records

    def split(self, transactions, amount: str, currency: str, credit: bool) -> list[str] | None:
        """Each transaction's signed amount in the entry's currency, if they
        all have one and they add up to the entry's; else None."""
        try:
            total = Decimal(amount)
        except InvalidOperation:
            return None
        if not credit:
            total = -total
        parts = []
        for transaction in transactions:
            for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/CntrValAmt/Amt"):
                text, ccy = self.amount(transaction, path)
                if text and ccy == currency:
                    break
            else:
                return None
            side = self.text(transaction, "CdtDbtInd") or ("CRDT" if credit else "DBIT")
            try:
                value = Decimal(text)
            except InvalidOperation:
                return None
            parts.append(-value if side == "DBIT" else value)
        if sum(parts) != total:
            return None
        return [str(part) for part in parts]

    def transaction_detail(self, transaction, booked: str, currency: str) -> list[Said]:
        detail: list[Said] = []
        instructed, instructed_ccy = self.amount(transaction, "AmtDtls/InstdAmt/Amt")
        if instructed and (instructed_ccy != currency or _differs(instructed, booked)):
            rate = self.text(transaction, "AmtDtls/InstdAmt/CcyXchg/XchgRate") or self.text(
                transaction, "AmtDtls/TxAmt/CcyXchg/XchgRate"
            )
            values = {"amount": instructed, "currency": instructed_ccy}
            if rate:
                detail.append(
                    Sentence(sentences.DETAIL_INSTRUCTED_AT_RATE, {**values, "rate": rate})
                )
            else:
                detail.append(Sentence(sentences.DETAIL_INSTRUCTED, values))
        end_to_end = self.text(transaction, "Refs/EndToEndId")
        if end_to_end and end_to_end != "NOTPROVIDED":
            detail.append(Sentence(sentences.DETAIL_END_TO_END, {"ref": end_to_end}))
        return detail

    def remittance(self, transaction) -> str:
        return " ".join(
            [
                *self.texts(transaction, "RmtInf/Ustrd"),
                *self.texts(transaction, "RmtInf/Strd/CdtrRefInf/Ref"),
            ]
        )

    def party(self, transaction, credit: bool) -> str:
        """Who paid (a credit) or was paid (a debit); ISO 20022 2019 (v08 on)
        puts the name under ``Pty``."""
        for role in ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr"):
            name = self.text(transaction, f"RltdPties/{role}/Nm") or self.text(
                transaction, f"RltdPties/{role}/Pty/Nm"
            )
            if name:
                return name
        return ""


def _differs(one: str, other: str) -> bool:
    try:
        return Decimal(one) != Decimal(other)
    except InvalidOperation:
        return True


def read(
    source: IO[bytes] | str, name: str, errors: list[RowError], skipped: list[str]
) -> Iterator[Record]:
    """The file's booked transactions; problems with entries go to ``errors``
    (the caller refuses the file once it has read them all), entries not
    booked to ``skipped``. A file that is not a CAMT.053 statement, or not
    safe to read, is refused at once (``FileRejected``)."""
    if _declares_dtd(_head(source)):
        raise _reject(1, _dtd_refused(), name)
    # "end" events only, for the three tags: a start event per entry would
    # cost a tenth of the reading.
    events = etree.iterparse(
        source,
        events=("end",),
        tag=("{*}Document", "{*}Stmt", "{*}Ntry"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    reader: _Reader | None = None
    current = None  # the Stmt element whose entries are being read
    statement: _Statement | None = None
    statements = 0
    records: list[Record] = []
    try:
        for _event, element in events:
            if reader is None:
                reader = _open(element, name, errors, skipped)
            local = element.tag.rpartition("}")[2]
            if local == "Ntry":
                parent = element.getparent()
                if parent is None:
                    continue
                if parent is not current:  # the first entry of a statement
                    statements += 1
                    current, statement = parent, _Statement(statements)
                    reader.describe(statement, parent)
                assert statement is not None  # set at the statement's first entry
                records += reader.entry(element, statement)
                # Drop what was read: the entry and everything before it.
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
            elif local == "Stmt":
                if element is not current:  # a statement without entries
                    statements += 1
                element.clear()
                current = None
    except (etree.LxmlError, ValueError, OverflowError, RecursionError) as bad:
        # XMLSyntaxError, and whatever else the XML reader may raise on odd bytes.
        position = getattr(bad, "position", None)
        raise _reject(
            position[0] if position else 0,
            Sentence(sentences.CAMT_NOT_XML, {"error": shown(str(bad), 200)}),
            name,
        ) from bad
    if reader is None:
        root = events.root
        tag = root.tag if root is not None and isinstance(root.tag, str) else ""
        raise _reject(0, _not_camt(tag[1:].partition("}")[0] if tag[:1] == "{" else ""), name)
    if not statements:
        raise _reject(0, Sentence(sentences.CAMT_NO_STATEMENT), name)
    if not records and not errors:
        # Nothing to import is a mistake (as a CSV header without rows), never
        # an empty statement recorded.
        if skipped:
            raise _reject(0, Sentence(sentences.CAMT_NO_BOOKED_ENTRY), name)
        raise _reject(0, Sentence(sentences.CAMT_NO_ENTRY), name)
    yield from _numbered(records)


def _open(element, name: str, errors: list[RowError], skipped: list[str]) -> _Reader:
    """At the first element read: refuse a DTD, and anything but a CAMT.053
    Document (which may sit inside a bank's envelope)."""
    if element.getroottree().docinfo.doctype:  # after a long prolog the head missed
        raise _reject(1, _dtd_refused(), name)
    document = element
    if not element.tag.endswith("}Document"):
        document = next(
            (found for found in element.iterancestors() if found.tag.endswith("}Document")),
            element.getroottree().getroot(),
        )
    tag = document.tag if isinstance(document.tag, str) else ""
    namespace = tag[1:].partition("}")[0] if tag[:1] == "{" else ""
    if not (tag.endswith("}Document") and NAMESPACE.match(namespace)):
        raise _reject(document.sourceline or 1, _not_camt(namespace), name)
    return _Reader(namespace, name, errors, skipped)


#: How much of the file is looked at for a DTD, which comes before the root.
HEAD_BYTES = 64 * 1024
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)")


def _head(source: IO[bytes] | str) -> bytes:
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return handle.read(HEAD_BYTES)
    position = source.tell()
    head = source.read(HEAD_BYTES)
    source.seek(position)
    return head


def _declares_dtd(head: bytes) -> bool:
    """Before lxml sees it: libxml2 refuses an entity bomb by itself, but with
    a message nobody can act on, and a DTD never belongs in a statement."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("latin-1")
    return bool(_DTD.search(text))


def _dtd_refused() -> Sentence:
    return Sentence(sentences.CAMT_DTD)


def _numbered(records: list[Record]) -> list[Record]:
    """Each line's number is the line its entry starts on; a file written
    without line breaks numbers its transactions 1, 2, 3... instead (a
    statement's line numbers are unique)."""
    if len({record.line for record in records}) == len(records):
        return records
    return [record._replace(line=number) for number, record in enumerate(records, 1)]


def _not_camt(namespace: str) -> Sentence:
    message = _MESSAGE.match(namespace)
    if message:
        return Sentence(sentences.CAMT_OTHER_MESSAGE, {"message": message.group(1)})
    return Sentence(sentences.CAMT_NOT_CAMT)
