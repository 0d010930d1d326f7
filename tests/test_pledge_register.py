"""Importing a pledge register: all or nothing, every bad line named, and a
second import of the same file changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from donors.models import Donor, Instalment, PaymentMethod, Pledge
from donors.services.pledge_register import COLUMNS, import_pledge_register
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry, Leg
from fundmgr.money import Money
from fundmgr.tabular import FileRejected

HEADER = ",".join(COLUMNS)
GOOD = [
    "Republic of Korea,member_state,KOR,mission@korea.example,100000,EUR,2019-03-10,"
    "2019-03-31,REG-2019-001,yes",
    "Fondation Exemple,philanthropic,,grants@fondation.example,1000000,JPY,2019-03-12,,"
    "REG-2019-002,no",
    "Kuwait,member_state,KW,mission@kuwait.example,250.500,KWD,2019-03-15,2019-04-15,"
    "REG-2019-003,true",
]


def write_csv(tmp_path, lines, name="register.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def do_import(path, fund, by):
    with path.open("rb") as handle:
        return import_pledge_register(handle, fund, by, name=path.name)


def snapshot():
    return (
        Pledge.objects.count(),
        Donor.objects.count(),
        Instalment.objects.count(),
        JournalEntry.objects.count(),
    )


def test_a_csv_register_records_every_pledge_with_its_donor_and_due_date(
    fund, rates, admin_user, tmp_path
):
    result = do_import(write_csv(tmp_path, GOOD), fund, admin_user)

    assert (result.created, result.already) == (3, 0)
    korea = Pledge.objects.get(fund=fund, source_reference="REG-2019-001")
    assert korea.amount == Money("100000", "EUR")
    assert korea.method == PaymentMethod.BANK_TRANSFER
    assert korea.agreement_signed is True
    assert korea.donor.country.iso2 == "KR"
    assert [(i.due_date, i.amount) for i in korea.instalments.all()] == [
        (datetime.date(2019, 3, 31), Money("100000", "EUR"))
    ]
    foundation = Pledge.objects.get(source_reference="REG-2019-002")
    assert foundation.donor.country is None
    assert foundation.donor.kind == "philanthropic"
    # An empty due date: one instalment due on the pledge date.
    assert [i.due_date for i in foundation.instalments.all()] == [datetime.date(2019, 3, 12)]
    assert Pledge.objects.get(source_reference="REG-2019-003").donor.country.iso2 == "KW"


def test_an_xlsx_register_is_read_with_the_same_rules(fund, rates, admin_user, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(
        [
            "Republic of Korea",
            "member_state",
            "KOR",
            "mission@korea.example",
            100000,
            "EUR",
            datetime.date(2019, 3, 10),
            None,
            "REG-2019-001",
            "yes",
        ]
    )
    sheet.append(
        [
            "Kuwait",
            "member_state",
            "KW",
            "mission@kuwait.example",
            250.5,
            "KWD",
            datetime.date(2019, 3, 15),
            datetime.date(2019, 4, 15),
            "REG-2019-003",
            1,
        ]
    )
    path = tmp_path / "register.xlsx"
    book.save(path)

    result = do_import(path, fund, admin_user)

    assert result.created == 2
    korea = Pledge.objects.get(source_reference="REG-2019-001")
    assert korea.pledge_date == datetime.date(2019, 3, 10)
    assert korea.instalments.get().due_date == datetime.date(2019, 3, 10)
    kuwait = Pledge.objects.get(source_reference="REG-2019-003")
    assert kuwait.amount == Money("250.500", "KWD")
    assert kuwait.agreement_signed is True


def test_binding_rows_book_the_receivable_at_the_pledge_date_rate(
    fund, rates, admin_user, tmp_path
):
    do_import(write_csv(tmp_path, GOOD), fund, admin_user)

    korea = Pledge.objects.get(source_reference="REG-2019-001")
    receivable = Leg.objects.get(
        entry=korea.receivable_entry, account__key=AccountKey.PLEDGES_RECEIVABLE
    )
    # EUR 100,000 at March 2019's 0.880 EUR per USD: 113,636.3636... -> 113,636.36.
    assert receivable.debit == Decimal("113636.36")
    assert korea.receivable_entry.date == datetime.date(2019, 3, 10)
    kuwait = Pledge.objects.get(source_reference="REG-2019-003")
    # KWD 250.500 at 0.303 KWD per USD: 826.7326... -> 826.73.
    assert Leg.objects.get(
        entry=kuwait.receivable_entry, account__key=AccountKey.PLEDGES_RECEIVABLE
    ).debit == Decimal("826.73")
    # Not binding: a promise only, nothing in the ledger.
    assert Pledge.objects.get(source_reference="REG-2019-002").receivable_entry is None


def test_reimporting_the_same_register_changes_nothing(fund, rates, admin_user, tmp_path):
    path = write_csv(tmp_path, GOOD)
    do_import(path, fund, admin_user)
    before = snapshot()
    audits = AuditRecord.objects.count()

    again = do_import(path, fund, admin_user)

    assert (again.created, again.already) == (0, 3)
    assert snapshot() == before
    assert AuditRecord.objects.count() == audits


def test_a_register_with_new_rows_records_only_those(fund, rates, admin_user, tmp_path):
    do_import(write_csv(tmp_path, GOOD[:1]), fund, admin_user)

    result = do_import(write_csv(tmp_path, GOOD, name="later.csv"), fund, admin_user)

    assert (result.created, result.already) == (2, 1)
    assert Pledge.objects.filter(fund=fund).count() == 3


def test_a_recorded_reference_with_other_content_is_refused_naming_the_line(
    fund, rates, admin_user, tmp_path
):
    do_import(write_csv(tmp_path, GOOD), fund, admin_user)
    changed = GOOD[0].replace(",100000,", ",120000,")
    before = snapshot()

    with pytest.raises(FileRejected) as rejected:
        do_import(write_csv(tmp_path, [GOOD[1], changed], name="changed.csv"), fund, admin_user)

    assert [error.line for error in rejected.value.errors] == [3]
    assert "REG-2019-001" in str(rejected.value)
    assert snapshot() == before


def test_one_import_writes_one_audit_record_for_the_file(fund, rates, admin_user, tmp_path):
    do_import(write_csv(tmp_path, GOOD), fund, admin_user)

    record = AuditRecord.objects.get(action="pledges:imported")
    assert record.actor == admin_user
    assert record.reason == "register.csv"
    assert record.data["created"] == 3


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        (
            "Somebody,benefactor,,a@b.example,100,EUR,2019-03-10,,R-9,no",
            "not a kind of donor",
        ),
        ("Somebody,ngo,,not-an-email,100,EUR,2019-03-10,,R-9,no", "e-mail"),
        ("Somebody,ngo,,a@b.example,100,GBP,2019-03-10,,R-9,no", "GBP"),
        ("Somebody,ngo,,a@b.example,100,EUR,2019-03-10,2019-03-01,R-9,no", "before"),
        ("Somebody,member_state,XYZ,a@b.example,100,EUR,2019-03-10,,R-9,no", "XYZ"),
        ("Somebody,ngo,,a@b.example,-100,EUR,2019-03-10,,R-9,no", "greater than zero"),
        ("Somebody,ngo,,a@b.example,100,EUR,2019-03-10,,R-9,maybe", "agreement_signed"),
        ("Somebody,ngo,,a@b.example,1e12,EUR,2019-03-10,,R-9,no", "plausible"),
        ("Somebody,ngo,,a@b.example,100,EUR,2019-03-10,,,no", "reference"),
    ],
    ids=[
        "bad-kind",
        "bad-email",
        "missing-rate",
        "due-before-pledge",
        "unknown-country",
        "negative-amount",
        "bad-flag",
        "absurd-amount",
        "no-reference",
    ],
)
def test_a_bad_row_anywhere_saves_nothing_and_names_its_line(
    fund, rates, admin_user, tmp_path, bad_row, words
):
    lines = [GOOD[0], GOOD[1], bad_row, GOOD[2]]  # the bad row is line 4
    before = snapshot()

    with pytest.raises(FileRejected) as rejected:
        do_import(write_csv(tmp_path, lines), fund, admin_user)

    assert [error.line for error in rejected.value.errors] == [4]
    assert "line 4" in str(rejected.value)
    assert words in str(rejected.value)
    assert "nothing was saved" in str(rejected.value)
    assert snapshot() == before


def test_every_bad_line_is_named_not_only_the_first(fund, rates, admin_user, tmp_path):
    lines = [
        "Somebody,benefactor,,a@b.example,100,EUR,2019-03-10,,R-1,no",
        GOOD[0],
        "Somebody,ngo,,not-an-email,100,EUR,2019-03-10,,R-2,no",
    ]
    with pytest.raises(FileRejected) as rejected:
        do_import(write_csv(tmp_path, lines), fund, admin_user)
    assert [error.line for error in rejected.value.errors] == [2, 4]
    assert Pledge.objects.count() == 0


def test_a_member_state_without_a_country_is_refused(fund, rates, admin_user, tmp_path):
    row = "Atlantis,member_state,,gov@atlantis.example,100,EUR,2019-03-10,,R-1,no"
    with pytest.raises(FileRejected, match="line 2: a Member State needs its country"):
        do_import(write_csv(tmp_path, [row]), fund, admin_user)


def test_one_reference_twice_in_a_file_with_other_content_is_refused(
    fund, rates, admin_user, tmp_path
):
    twin = GOOD[1].replace("REG-2019-002", "REG-2019-001")
    with pytest.raises(FileRejected) as rejected:
        do_import(write_csv(tmp_path, [GOOD[0], twin]), fund, admin_user)
    assert "line 3" in str(rejected.value)
    assert "line 2" in str(rejected.value)
    assert Pledge.objects.count() == 0


def test_the_command_prints_a_summary(fund, rates, admin_user, tmp_path):
    path = write_csv(tmp_path, GOOD)
    out = StringIO()

    call_command("import_pledges", str(path), "--fund", fund.code, "--by", "fund-admin", stdout=out)
    call_command("import_pledges", str(path), "--fund", fund.code, stdout=out)

    assert "3 pledges recorded, 0 already recorded" in out.getvalue()
    assert "0 pledges recorded, 3 already recorded" in out.getvalue()
    assert AuditRecord.objects.get(action="pledges:imported").actor == admin_user


def test_the_command_reports_a_rejected_file_by_line(fund, rates, admin_user, tmp_path):
    path = write_csv(tmp_path, [GOOD[0], "Somebody,ngo,,bad,100,EUR,2019-03-10,,R-9,no"])
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_pledges", str(path), "--fund", fund.code)
    assert Pledge.objects.count() == 0


def test_the_command_refuses_an_unknown_fund(db, tmp_path):
    with pytest.raises(CommandError, match="no fund"):
        call_command("import_pledges", str(write_csv(tmp_path, GOOD)), "--fund", "NOPE")
