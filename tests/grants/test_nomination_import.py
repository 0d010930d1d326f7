"""Bulk nominations from CSV or XLSX: every row checked and reported by line,
a file with any error saves nothing, and a good file is a few bulk inserts."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from fundmgr.models import AuditRecord, Country
from fundmgr.roles import Role
from fundmgr.tabular import FileRejected
from grants.models import AirfareQuote, FocalPoint, Grant, GrantState, GrantTransition
from grants.services.nomination_import import (
    COLUMNS,
    QUOTE_COLUMNS,
    FolderDocuments,
    ZipDocuments,
    import_nominations,
)

from .conftest import PDF

BEFORE_DEADLINE = datetime.date(2019, 2, 1)


def row(name="Sita Sharma", country="NP", **overrides) -> dict:
    values = {
        "name": name,
        "title": "Joint Secretary",
        "gender": "female",
        "country": country,
        "email": "",
        "departure_city": "Kathmandu",
        "departure_airport": "KTM",
        "depart_on": "2019-03-18",
        "return_on": "2019-03-23",
        "note_verbale": "np.pdf",
    }
    values.update(overrides)
    return values


def write_csv(folder: Path, rows: list[dict], columns=COLUMNS, name="nominations.csv") -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("np.pdf", "bt.pdf", "et.pdf"):
        (folder / name).write_bytes(PDF)
    (folder / "picture.pdf").write_bytes(b"\x89PNG not a pdf")
    return folder


@pytest.fixture
def run(event, officer, docs, tmp_path):
    def do(rows, by=officer, columns=COLUMNS, today=BEFORE_DEADLINE, **kwargs):
        path = write_csv(tmp_path, rows, columns)
        with path.open("rb") as handle:
            return import_nominations(
                handle,
                event,
                by,
                documents=kwargs.get("documents") or FolderDocuments(docs),
                name=path.name,
                today=today,
            )

    return do


def errors_of(excinfo) -> list[str]:
    return [str(error) for error in excinfo.value.errors]


def test_a_good_file_submits_every_nomination_with_references_in_order(run, officer):
    result = run(
        [
            row("Sita Sharma"),
            row("Ram Thapa", gender="male"),
            row("Tashi Wangmo", "BTN", note_verbale="bt.pdf"),
            row("Abebe Bikila", "Ethiopia", gender="M", note_verbale="et.pdf"),
        ]
    )
    assert result.created == 4 and result.quotes == 0
    assert result.references == ["CONF19-0001", "CONF19-0002", "CONF19-0003", "CONF19-0004"]
    grants = list(Grant.objects.order_by("reference"))
    assert {grant.state for grant in grants} == {GrantState.SUBMITTED}
    assert [grant.country_id for grant in grants] == ["NP", "NP", "BT", "ET"]
    assert grants[3].gender == "male"
    assert all(grant.eligibility_reasons and grant.ldc_on_eligibility_date for grant in grants)
    assert GrantTransition.objects.filter(to_state="submitted", by=officer).count() == 4
    # One note verbale for the Nepalese delegation, stored once.
    assert grants[0].note_verbale.name == grants[1].note_verbale.name
    assert grants[0].note_verbale.read() == PDF
    record = AuditRecord.objects.get(action="grants:nominations-imported")
    assert record.data["created"] == 4


def test_an_xlsx_file_is_read_like_a_csv(event, officer, docs, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    values = row()
    values["depart_on"] = datetime.date(2019, 3, 18)  # a real spreadsheet date, not text
    sheet.append([values[column] for column in COLUMNS])
    path = tmp_path / "nominations.xlsx"
    book.save(path)
    result = import_nominations(
        path, event, officer, documents=FolderDocuments(docs), today=BEFORE_DEADLINE
    )
    assert result.created == 1
    assert Grant.objects.get().depart_on == datetime.date(2019, 3, 18)


def test_every_bad_row_is_reported_by_line_and_nothing_is_saved(run, tmp_path):
    with pytest.raises(FileRejected) as rejected:
        run(
            [
                row("Good Person"),
                row("Bad Country", "XYZ"),
                row("Bad Date", depart_on="18/03/2019"),
                row("Bad Document", note_verbale="picture.pdf"),
                row("No Document", note_verbale="missing.pdf"),
                row("Too Late", return_on="2019-03-30"),
                row("Rich Country", "FR"),
            ]
        )
    messages = errors_of(rejected)
    assert messages[0] == "line 3: country “XYZ” is not known (give its ISO code or English name)"
    assert any(m.startswith("line 4: departure date: “18/03/2019” is not a date") for m in messages)
    assert "line 5: The note verbale must be a PDF file." in messages
    assert any(m.startswith("line 6: the note verbale “missing.pdf” is not in") for m in messages)
    assert any(m.startswith("line 7: The return date must be between") for m in messages)
    assert any(m.startswith("line 8: France was not on the UN list") for m in messages)
    assert not any(m.startswith("line 2:") for m in messages)
    assert Grant.objects.count() == 0
    assert not list((tmp_path / "media").rglob("*.pdf"))


def test_the_same_person_twice_in_the_file_is_refused_on_the_later_line(run):
    with pytest.raises(FileRejected) as rejected:
        run([row("José Pérez"), row("Ram Thapa"), row("jose  perez", "BT", note_verbale="bt.pdf")])
    assert errors_of(rejected) == ["line 4: jose perez is already nominated on line 2 of this file"]


def test_a_person_already_nominated_for_the_event_is_refused(run, make_grant):
    existing = make_grant(name="Sita Sharma")
    with pytest.raises(FileRejected) as rejected:
        run([row("SITA SHARMA", "BT", note_verbale="bt.pdf")])
    assert errors_of(rejected) == [
        f"line 2: SITA SHARMA is already nominated for CONF19 ({existing.reference})."
    ]


def test_the_cap_counts_recorded_nominations_and_the_file_itself(run, make_grant):
    make_grant(name="Already There", country="NP")
    with pytest.raises(FileRejected) as rejected:
        run([row("One"), row("Two", "BT", note_verbale="bt.pdf"), row("Three")])
    assert errors_of(rejected) == [
        "line 4: Nepal would have 3 nominations holding a place for CONF19; "
        "the cap is 2 per country"
    ]
    assert Grant.objects.count() == 1


def test_a_file_after_the_deadline_is_refused_whole(run):
    with pytest.raises(FileRejected, match="closed on 2019-02-28"):
        run([row()], today=datetime.date(2019, 3, 1))


def test_a_focal_point_imports_for_their_country_only(run, make_user):
    focal = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=focal, country=Country.objects.get(iso2="NP"))
    with pytest.raises(FileRejected) as rejected:
        run([row(), row("Tashi", "BT", note_verbale="bt.pdf")], by=focal)
    assert errors_of(rejected) == ["line 3: you are not the focal point for Bhutan"]
    assert run([row()], by=focal).created == 1


def test_someone_who_may_not_nominate_cannot_import(run, approver):
    with pytest.raises(PermissionDenied):
        run([row()], by=approver)


def test_airfare_columns_add_a_chosen_quote_and_compute_the_entitlement(run, rates):
    columns = COLUMNS + QUOTE_COLUMNS
    quote = {
        "route": "KTM-DOH-EZE-DOH-KTM",
        "fare": "1,320.00",
        "fare_currency": "EUR",
        "travel_hours": "31.5",
        "quoted_on": "2019-03-05",
    }
    result = run([row(**quote), row("Ram Thapa")], columns=columns)
    assert (result.created, result.quotes) == (2, 1)
    grant = Grant.objects.get(reference="CONF19-0001")
    chosen = AirfareQuote.objects.get(grant=grant, chosen=True)
    assert chosen.base_amount == Decimal("1500.00")  # EUR 1,320 at 0.880
    assert (grant.airfare, grant.dsa_amount, grant.terminal_amount) == (
        Decimal("1500.00"),
        Decimal("1000.00"),
        Decimal("76.00"),
    )
    assert (grant.cost, grant.psc_amount) == (Decimal("2576.00"), Decimal("206.08"))
    assert grant.routing_shown.startswith("Only one quote was entered")
    assert Grant.objects.get(reference="CONF19-0002").cost == 0


def test_bad_airfare_columns_are_reported_by_line(run, rates):
    columns = COLUMNS + QUOTE_COLUMNS
    good = {"route": "KTM-EZE", "fare_currency": "USD", "travel_hours": "30"}
    with pytest.raises(FileRejected) as rejected:
        run(
            [
                row("A", **good, fare="0", quoted_on="2019-03-05"),
                row("B", **{**good, "fare_currency": "SEK"}, fare="9000", quoted_on="2019-03-05"),
                row("C", "BT", note_verbale="bt.pdf", route="KTM-EZE", fare="900"),
            ],
            columns=columns,
        )
    messages = errors_of(rejected)
    assert messages[0] == "line 2: An airfare must be greater than zero."
    assert messages[1].startswith("line 3: The fare is in SEK, which has no UN rate")
    assert messages[2].startswith("line 4: an airfare quote needs every one of")


def test_a_focal_point_may_not_give_airfare_quotes(run, make_user):
    focal = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=focal, country=Country.objects.get(iso2="NP"))
    with pytest.raises(FileRejected, match="only a fund officer may give airfare quotes"):
        run([row(route="KTM-EZE")], by=focal, columns=COLUMNS + ["route"])


def test_notes_verbales_from_a_zip_are_found_by_path_or_by_file_name(event, officer, tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("notes/np.pdf", PDF)
        bundle.writestr("bt.pdf", PDF)
        bundle.writestr("fake.pdf", b"hello")
    archive.seek(0)
    documents = ZipDocuments(archive)
    path = write_csv(
        tmp_path,
        [row(), row("Tashi", "BT", note_verbale="bt.pdf"), row("X", note_verbale="fake.pdf")],
    )
    with pytest.raises(FileRejected) as rejected:
        import_nominations(path, event, officer, documents=documents, today=BEFORE_DEADLINE)
    assert errors_of(rejected) == ["line 4: The note verbale must be a PDF file."]
    path = write_csv(tmp_path, [row(), row("Tashi", "BT", note_verbale="bt.pdf")])
    result = import_nominations(path, event, officer, documents=documents, today=BEFORE_DEADLINE)
    assert result.created == 2


def test_a_note_verbale_outside_the_documents_folder_is_not_read(run, tmp_path):
    (tmp_path / "secret.pdf").write_bytes(PDF)
    with pytest.raises(FileRejected, match="not in the documents folder"):
        run([row(note_verbale="../secret.pdf")])


def test_a_missing_column_is_reported_on_line_1(run):
    with pytest.raises(FileRejected, match="line 1: missing columns: note_verbale"):
        run([row()], columns=COLUMNS[:-1])


def test_the_number_of_queries_does_not_grow_with_the_rows(event, officer, docs, tmp_path):
    """20 rows and 400 rows cost the same queries: bulk inserts, no query per row."""

    def queries_for(count: int, first: int) -> int:
        countries = ["NP", "BT", "ET", "SN", "MW", "HT", "LR", "MZ", "TD", "YE"]
        rows = [
            row(f"Person {first + n}", countries[n % len(countries)], note_verbale="np.pdf")
            for n in range(count)
        ]
        path = write_csv(tmp_path, rows, name=f"n{count}.csv")
        event.max_funded_per_country = 1000
        event.save()
        with CaptureQueriesContext(connection) as captured:
            import_nominations(
                path, event, officer, documents=FolderDocuments(docs), today=BEFORE_DEADLINE
            )
        return len(captured)

    queries_for(1, 5000)  # the first import creates the event's sequence and caches
    assert queries_for(20, 0) == queries_for(400, 1000)
    assert Grant.objects.count() == 421


@pytest.fixture
def open_event(event):
    """The command judges the deadline on today's date: an event without one."""
    event.nomination_deadline = None
    event.save()
    return event


def test_the_command_imports_and_says_how_many(open_event, officer, docs):
    path = write_csv(docs, [row(), row("Tashi", "BT", note_verbale="bt.pdf")])
    out = StringIO()
    call_command(
        "import_nominations", str(path), "--event", "CONF19", "--by", "officer", stdout=out
    )
    assert Grant.objects.count() == 2
    assert "2 nominations submitted for CONF19 (CONF19-0001 to CONF19-0002)" in out.getvalue()


def test_the_command_refuses_a_bad_file_with_its_lines(open_event, officer, docs, tmp_path):
    path = write_csv(tmp_path, [row(country="ZZ")])
    with pytest.raises(CommandError, match="line 2: country “ZZ” is not known"):
        call_command(
            "import_nominations",
            str(path),
            "--event",
            "CONF19",
            "--by",
            "officer",
            "--documents",
            str(docs),
        )
    assert Grant.objects.count() == 0


def test_the_command_needs_a_known_event_and_user(event, officer, docs):
    path = write_csv(docs, [row()])
    with pytest.raises(CommandError, match="no event with the code 'NOPE'"):
        call_command("import_nominations", str(path), "--event", "NOPE", "--by", "officer")
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("import_nominations", str(path), "--event", "CONF19", "--by", "ghost")


def test_the_cap_in_a_file_does_not_count_a_no_show(run, make_grant):
    make_grant(name="Did Not Come", country="NP", state=GrantState.NO_SHOW)
    make_grant(name="Already There", country="NP")

    assert run([row("One")]).created == 1
