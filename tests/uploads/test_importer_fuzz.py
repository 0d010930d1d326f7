"""Fuzzing every importer: random bytes, valid files with bytes flipped,
inserted or deleted, and well-formed files with random cell text, fed to each
importer's service entry point (and to one page through the test client).

Whatever the input, an importer returns its result or raises its own
FileRejected with a message for each problem; no other exception escapes,
and a refused file saves nothing. Hypothesis keeps the database between the
examples of one test, so "nothing saved" compares the counts around each
call. The examples are few enough that each test takes a few seconds."""

# ruff: noqa: F811 - fixtures imported from the grants tests are parameters here

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donors.services.bank_statements import COLUMNS as STATEMENT_COLUMNS
from donors.services.bank_statements import import_bank_statement
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from donors.services.pledge_register import import_pledge_register
from fundmgr.roles import Role
from fundmgr.services.rate_import import import_exchange_rates
from fundmgr.tabular import FileRejected
from grants.services.nomination_import import COLUMNS as NOMINATION_COLUMNS
from grants.services.nomination_import import QUOTE_COLUMNS, ZipDocuments, import_nominations
from tests.grants.conftest import PDF, event, officer  # noqa: F401 - fixtures

from .files import csv_bytes, xlsx, zip_of
from .test_import_refusals import (
    NOMINATION_ROW,
    RATE_COLUMNS,
    RATE_ROW,
    REGISTER_ROW,
    STATEMENT_ROW,
    saved,
)

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written into the worktree
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Cell text: anything, including separators, quotes, NUL and other control
# characters, formulas, very long numbers and the words numbers are spelt with.
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "1e30",
            "-1e30",
            "NaN",
            "inf",
            "1,000.00.00",
            "9" * 40,
            "0.000001",
            "XAU",
            "EUR",
            "2019-03-01",
            "2019-02-30",
            "=1+1",
            "\x00",
            '"',
            "\r\n",
            "yes",
            "member_state",
            "NP",
        ]
    ),  # fmt: skip
)
#: Longer than the database's columns (PostgreSQL refuses it; SQLite stores it).
LONG_TEXT = st.text(alphabet="ab@.", min_size=200, max_size=330)
#: What an XLSX cell can hold (openpyxl refuses control characters and lone surrogates).
XLSX_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30
) | st.sampled_from(["1e30", "NaN", "XAU", "2019-03-01", "9" * 40])
XLSX_CELL = st.one_of(
    XLSX_TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` with a few bytes flipped, inserted or deleted."""

    @st.composite
    def build(draw) -> bytes:
        data = bytearray(base)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            where = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
            how = draw(st.sampled_from(["flip", "insert", "delete", "zero"]))
            if how == "flip" and data:
                data[where] ^= draw(st.integers(min_value=1, max_value=255))
            elif how == "insert":
                data[where:where] = draw(st.binary(min_size=1, max_size=8))
            elif how == "delete":
                del data[where : where + draw(st.integers(min_value=1, max_value=64))]
            else:
                data[where : where + 4] = b"\x00\x00\x00\x00"
        return bytes(data)

    return build()


def files(
    header: list[str], row: list[str], unique: str | None = None
) -> st.SearchStrategy[tuple[str, bytes]]:
    """(name, content): random bytes, mutated valid files, valid files of random cells.

    ``unique`` names the column that identifies a row (a reference): in the
    near-valid files it is fresh in each row, so that a row accepted by an
    earlier example does not make the later ones conflicts refused early."""
    width = len(header)
    good_csv, good_xlsx = csv_bytes(header, row), xlsx(header, row)

    def as_csv(rows) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return out.getvalue().encode("utf-8", "surrogatepass")

    return st.one_of(
        st.tuples(st.sampled_from(["f.csv", "f.xlsx"]), st.binary(max_size=3000)),
        st.tuples(st.just("f.csv"), mutated(good_csv)),
        st.tuples(st.just("f.xlsx"), mutated(good_xlsx)),
        st.tuples(
            st.just("f.csv"),
            st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=5).map(as_csv),
        ),
        st.tuples(
            st.just("f.xlsx"),
            st.lists(st.lists(XLSX_CELL, min_size=width, max_size=width), max_size=5).map(
                lambda rows: xlsx(header, *rows)
            ),
        ),
        # Near-valid files: the good row with its cells shuffled between
        # columns, or with one cell replaced (so that cell's own check is reached).
        st.tuples(
            st.just("f.csv"),
            st.lists(st.permutations(row), min_size=1, max_size=3).map(
                lambda rows: csv_bytes(header, *rows)
            ),
        ),
        st.tuples(
            st.just("f.csv"),
            st.lists(one_cell_changed(row, header, unique), min_size=1, max_size=3).map(
                lambda rows: csv_bytes(header, *rows)
            ),
        ),
    )


@st.composite
def one_cell_changed(draw, row: list[str], header: list[str], unique: str | None) -> list[str]:
    changed = list(row)
    if unique:
        changed[header.index(unique)] = f"Fuzz {draw(st.uuids()).hex}"
    where = draw(st.integers(min_value=0, max_value=len(row) - 1))
    changed[where] = draw(CELL | LONG_TEXT).replace(chr(0), "")  # csv cannot write NUL
    return changed


@pytest.fixture
def finance(client, make_user):
    client.force_login(make_user("fuzz-finance", Role.FINANCE_OFFICER))
    return client


def refused_or_done(call) -> None:
    """The importer's result, or FileRejected with messages and nothing saved."""
    before = saved()
    try:
        call()
    except FileRejected as rejected:
        assert rejected.errors and all(str(error.message).strip() for error in rejected.errors)
        assert "nothing was saved" in str(rejected)
        assert saved() == before


@FUZZ
@given(upload=files(RATE_COLUMNS, RATE_ROW))
def test_the_rate_importer_answers_any_file_with_rates_or_a_refusal(admin_user, upload):
    name, content = upload
    refused_or_done(lambda: import_exchange_rates(io.BytesIO(content), admin_user, name=name))


@FUZZ
@given(upload=files(REGISTER_COLUMNS, REGISTER_ROW, unique="reference"))
def test_the_register_importer_answers_any_file_with_pledges_or_a_refusal(
    fund, rates, admin_user, upload
):
    name, content = upload
    refused_or_done(
        lambda: import_pledge_register(io.BytesIO(content), fund, admin_user, name=name)
    )


@FUZZ
@given(upload=files(STATEMENT_COLUMNS, STATEMENT_ROW, unique="bank_ref"))
def test_the_statement_importer_answers_any_file_with_lines_or_a_refusal(
    fund, rates, admin_user, upload
):
    name, content = upload
    refused_or_done(lambda: import_bank_statement(io.BytesIO(content), fund, admin_user, name=name))


BANK_SAMPLES = Path(__file__).parent.parent / "donors" / "bank_samples"
#: Real banks' CAMT.053 and MT940 files, the name of each as uploaded.
BANK_FILES = [
    (path.name, path.read_bytes())
    for path in sorted(BANK_SAMPLES.iterdir())
    if path.suffix != ".md"
]


@FUZZ
@given(
    upload=st.sampled_from(BANK_FILES).flatmap(
        lambda sample: st.tuples(st.just(sample[0]), mutated(sample[1]))
    )
)
def test_the_statement_importer_answers_any_damaged_bank_file_with_lines_or_a_refusal(
    fund, rates, admin_user, upload
):
    """CAMT.053 and MT940 (issue 11): a real bank's file with bytes flipped,
    inserted, deleted or zeroed (XML broken, a tag cut, a NUL, an amount
    garbled) is imported or refused with messages, nothing saved."""
    name, content = upload
    refused_or_done(lambda: import_bank_statement(io.BytesIO(content), fund, admin_user, name=name))


NOMINATION_HEADER = [*NOMINATION_COLUMNS, *QUOTE_COLUMNS]
NOMINATION_QUOTED_ROW = [*NOMINATION_ROW, "KTM-EZE-KTM", "1200", "USD", "30", "2019-02-01"]
NOTES = zip_of({"np.pdf": PDF, "bt.pdf": PDF})


@FUZZ
@given(
    upload=files(NOMINATION_HEADER, NOMINATION_QUOTED_ROW, unique="name"),
    notes=st.one_of(st.just(NOTES), mutated(NOTES), st.binary(max_size=500)),
)
def test_the_nominations_importer_answers_any_sheet_and_zip_with_grants_or_a_refusal(
    event, officer, upload, notes
):
    import datetime

    name, content = upload
    refused_or_done(
        lambda: import_nominations(
            io.BytesIO(content),
            event,
            officer,
            documents=ZipDocuments(io.BytesIO(notes)),
            name=name,
            today=datetime.date(2019, 2, 1),
        )
    )


@settings(FUZZ, max_examples=25)
@given(upload=files(STATEMENT_COLUMNS, STATEMENT_ROW))
def test_the_statement_page_answers_any_upload_with_a_page_never_a_server_error(
    finance, fund, rates, upload
):
    name, content = upload
    if not content:
        content = b"\x00"  # the form refuses an empty file before the importer sees it
    before = saved()

    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": SimpleUploadedFile(name, content)},
    )

    # The test client raises what a view raises: a 500 would fail the test here.
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert saved() == before
