"""Every import page answers a malformed file with its message and saves
nothing: never a server error. Each file kind that used to give a 500 (a CSV
renamed .xlsx, a ZIP without a workbook, a member with a bad CRC, an amount
of 1e30...) or to be accepted when it should not (a header alone, gold as a
currency, a workbook that expands to gigabytes or lays out half a terabyte
of cells) is posted to the rates, pledge register, bank statement and
nominations pages, as finance and fund officers post them."""

# ruff: noqa: F811 - fixtures imported from the grants tests are parameters here

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from donors.services.bank_statements import COLUMNS as STATEMENT_COLUMNS
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from fundmgr import workbook_guard
from fundmgr.models import ExchangeRate, JournalEntry
from fundmgr.private_files import UNGUESSABLE
from fundmgr.roles import Role
from grants.models import Grant
from grants.services.nomination_import import COLUMNS as NOMINATION_COLUMNS
from tests.grants.conftest import PDF, event, officer  # noqa: F401 - fixtures

from .files import (
    csv_bytes,
    expanding_to,
    members,
    rezip,
    sheet_without_references,
    with_a_bad_crc,
    with_doctype,
    xlsx,
    xlsx_with_a_far_cell,
    zip_of,
)

RATE_COLUMNS = ["currency", "effective_date", "units_per_usd"]
RATE_ROW = ["EUR", "2019-05-01", "0.893"]
REGISTER_ROW = [
    "Kuwait",
    "member_state",
    "KW",
    "mission@kuwait.example",
    "250.500",
    "KWD",
    "2019-03-15",
    "2019-04-15",
    "REG-2019-003",
    "yes",
]
STATEMENT_ROW = ["2019-03-10", "100.00", "EUR", "PLEDGE 1", "Mission", "B-1"]
NOMINATION_ROW = [
    "Sita Sharma",
    "Minister",
    "female",
    "NP",
    "",
    "Kathmandu",
    "KTM",
    "2019-03-18",
    "2019-03-23",
    "np.pdf",
]


def saved() -> dict[str, int]:
    """What any import could have written."""
    return {
        model.__name__: model.objects.count()
        for model in (
            ExchangeRate,
            Pledge,
            Donor,
            Receipt,
            BankStatement,
            BankLine,
            Grant,
            JournalEntry,
        )
    }


def stored_xlsx(header, row) -> bytes:
    """A good workbook whose parts are stored, not deflated (to break a CRC)."""
    return rezip(members(xlsx(header, row)), compression=0)


def malformed_files(header: list[str], row: list[str]) -> dict[str, tuple[str, bytes, str]]:
    """id: (file name, content, what the page says)."""
    return {
        "a CSV renamed .xlsx": ("file.xlsx", csv_bytes(header, row), "not an XLSX workbook"),
        "random bytes named .xlsx": ("file.xlsx", b"\x00\x01\x02garbage", "not an XLSX workbook"),
        "a truncated XLSX": ("file.xlsx", xlsx(header, row)[:1500], "not an XLSX workbook"),
        "a ZIP without a workbook": (
            "file.xlsx",
            zip_of({"readme.txt": b"hello"}),
            "no xl/workbook.xml",
        ),
        "an XLSX whose sheet has a bad CRC": (
            "file.xlsx",
            with_a_bad_crc(stored_xlsx(header, row), "xl/worksheets/sheet1.xml"),
            "Bad CRC-32",
        ),
        "an XLSX with a cell at XFD1048576": (
            "file.xlsx",
            xlsx_with_a_far_cell(header, row),
            "delete the unused rows and columns",
        ),
        "an XLSX placing 4 million cells without references": (
            "file.xlsx",
            sheet_without_references(header, width=200, blank_rows=20_000),
            "delete the unused rows and columns",
        ),
        "an XLSX with a DTD": (
            "file.xlsx",
            with_doctype(xlsx(header, row)),
            "document type (DTD)",
        ),
        "an XLSX expanding beyond the limit": (
            "file.xlsx",
            expanding_to(xlsx(header, row), 2 * 1024 * 1024),
            "would expand to more than 1 megabyte",
        ),
        "a header-only CSV": ("file.csv", csv_bytes(header), "no rows under it"),
        "a header-only XLSX": ("file.xlsx", xlsx(header), "no rows under it"),
        "a CSV that is not UTF-8": (
            "file.csv",
            csv_bytes(header, row).replace(b"\n", b"\n\xe9", 1),
            "cannot be read",
        ),
    }


@pytest.fixture(autouse=True)
def small_inflation_limit(monkeypatch):
    """1 MB, so a test's bomb need not inflate hundreds of megabytes."""
    monkeypatch.setattr(workbook_guard, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)


@pytest.fixture
def finance(client, make_user):
    client.force_login(make_user("uploads-finance", Role.FINANCE_OFFICER))
    return client


def assert_refused(response, message: str, before: dict[str, int]) -> None:
    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing was saved" in body
    assert message in body, body[body.find("nothing was saved") - 200 :][:1500]
    assert saved() == before


# The rates page --------------------------------------------------------------

RATE_FILES = malformed_files(RATE_COLUMNS, RATE_ROW)


@pytest.mark.parametrize("name,content,message", RATE_FILES.values(), ids=RATE_FILES.keys())
def test_the_rates_page_refuses_a_malformed_file_with_its_message(finance, name, content, message):
    before = saved()
    response = finance.post(reverse("import-rates"), {"file": SimpleUploadedFile(name, content)})
    assert_refused(response, message, before)


# The pledge register page ----------------------------------------------------

REGISTER_FILES = malformed_files(REGISTER_COLUMNS, REGISTER_ROW)


@pytest.mark.parametrize("name,content,message", REGISTER_FILES.values(), ids=REGISTER_FILES.keys())
def test_the_register_page_refuses_a_malformed_file_with_its_message(
    finance, fund, rates, name, content, message
):
    before = saved()
    response = finance.post(
        reverse("finance-import-register", args=[fund.code]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert_refused(response, message, before)


# The bank statement page -----------------------------------------------------

STATEMENT_FILES = malformed_files(STATEMENT_COLUMNS, STATEMENT_ROW)


@pytest.mark.parametrize(
    "name,content,message", STATEMENT_FILES.values(), ids=STATEMENT_FILES.keys()
)
def test_the_statement_page_refuses_a_malformed_file_with_its_message(
    finance, fund, rates, name, content, message
):
    before = saved()
    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert_refused(response, message, before)


# The nominations page (a sheet and a ZIP of notes verbales) -------------------

NOMINATION_FILES = malformed_files(NOMINATION_COLUMNS, NOMINATION_ROW)
IMPORT_NOMINATIONS = "/grants/CONF19/nominations/import/"


@pytest.fixture
def fund_officer(client, event, officer):
    event.nomination_deadline = None  # the page judges the deadline on today's date
    event.save()
    client.force_login(officer)
    return client


def post_nominations(client, sheet_name: str, sheet: bytes, notes: bytes):
    return client.post(
        IMPORT_NOMINATIONS,
        {
            "file": SimpleUploadedFile(sheet_name, sheet),
            "documents": SimpleUploadedFile("notes.zip", notes),
        },
    )


@pytest.mark.parametrize(
    "name,content,message", NOMINATION_FILES.values(), ids=NOMINATION_FILES.keys()
)
def test_the_nominations_page_refuses_a_malformed_sheet_with_its_message(
    fund_officer, name, content, message
):
    before = saved()
    response = post_nominations(fund_officer, name, content, zip_of({"np.pdf": PDF}))
    assert_refused(response, message, before)


NOTES = {
    "not a ZIP": (b"%PDF-1.4 not a zip", "not a readable ZIP file"),
    "a truncated ZIP": (zip_of({"np.pdf": PDF})[:-30], "not a readable ZIP file"),
    "a note with a bad CRC": (
        with_a_bad_crc(zip_of({"np.pdf": PDF}), "np.pdf"),
        "“np.pdf” cannot be read from the ZIP file",
    ),
    "a ZIP without the note": (zip_of({"other.pdf": PDF}), "is not in the ZIP file"),
}


@pytest.mark.parametrize("notes,message", NOTES.values(), ids=NOTES.keys())
def test_the_nominations_page_refuses_a_bad_zip_of_notes_with_its_message(
    fund_officer, notes, message
):
    before = saved()
    sheet = csv_bytes(NOMINATION_COLUMNS, NOMINATION_ROW)
    response = post_nominations(fund_officer, "nominations.csv", sheet, notes)
    assert_refused(response, message, before)


def test_a_note_named_with_dot_dots_in_the_zip_is_stored_under_the_notes_folder_only(
    fund_officer, settings
):
    row = [*NOMINATION_ROW[:-1], "../../evil.pdf"]
    notes = zip_of({"../../evil.pdf": PDF})

    response = post_nominations(
        fund_officer, "nominations.csv", csv_bytes(NOMINATION_COLUMNS, row), notes
    )

    assert response.status_code == 302
    stored = Grant.objects.get().note_verbale.name
    assert stored.startswith("notes-verbales/") and ".." not in stored
    # A random name (fundmgr.private_files.UnguessableName): nothing of the member's.
    assert UNGUESSABLE.match(stored) and "evil" not in stored
    assert not (settings.MEDIA_ROOT.parent / "evil.pdf").exists()
    assert not (settings.DOCUMENTS_ROOT.parent / "evil.pdf").exists()
