"""The pledge register finds an existing donor by e-mail: a different name,
kind or country in the file is reported by line, and the donor record is left
as it is (finance changes a donor in the admin); the import goes on
(docs/donors.md, "Importing a pledge register")."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from donors.import_jobs import register_message, register_summary
from donors.models import Donor, Pledge
from donors.services.pledge_register import COLUMNS, import_pledge_register
from donors.services.pledges import find_or_create_donor
from fundmgr.models import AuditRecord, Country

HEADER = ",".join(COLUMNS)
KOREA = (
    "Republic of Korea,member_state,KOR,mission@korea.example,100000,EUR,2019-03-10,"
    "2019-03-31,REG-2019-001,yes"
)
SAME_NAME = "Fondation Exemple,philanthropic,,grants@fondation.example,1000,USD,2019-03-12,,R-2,no"


def write_csv(tmp_path, lines):
    path = tmp_path / "register.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_donor_found_by_email_under_another_name_is_reported_by_line_and_left_unchanged(
    fund, rates, admin_user, tmp_path
):
    # A record someone made on the public form with the mission's address.
    existing = find_or_create_donor(
        name="Korea Fan Club", kind="ngo", email="MISSION@korea.example"
    )
    find_or_create_donor(
        name="Fondation  exemple", kind="philanthropic", email="grants@fondation.example"
    )
    path = write_csv(tmp_path, [KOREA, SAME_NAME])
    with path.open("rb") as handle:
        result = import_pledge_register(handle, fund, admin_user, name=path.name)

    assert result.created == 2  # the import still proceeds
    (difference,) = result.donors_differ  # spacing and case of a name are no difference
    assert difference.line == 2
    assert "Korea Fan Club" in difference.recorded and "Republic of Korea" in difference.in_file
    assert "Member State" in difference.in_file and "Korea" in difference.in_file
    existing.refresh_from_db()
    assert (existing.name, existing.kind, existing.country) == ("Korea Fan Club", "ngo", None)
    assert Pledge.objects.get(source_reference="REG-2019-001").donor == existing
    assert Donor.objects.count() == 2

    # Finance is told, on the page (and in the background job's message) ...
    message = register_message(path.name, register_summary(result))
    assert "Line 2" in message and "Korea Fan Club" in message and "Republic of Korea" in message
    # ... and the audit record keeps it.
    record = AuditRecord.objects.get(action="pledges:imported")
    assert record.data["donors_differ"][0]["recorded"].startswith("Korea Fan Club")


def test_the_command_prints_the_donors_that_differ(fund, rates, admin_user, tmp_path):
    find_or_create_donor(
        name="Republic of Korea",
        kind="member_state",
        email="mission@korea.example",
        country=Country.objects.get(iso2="KP"),
    )
    out = StringIO()
    call_command(
        "import_pledges", str(write_csv(tmp_path, [KOREA])), "--fund", fund.code, stdout=out
    )
    assert "1 pledges recorded" in out.getvalue()
    assert "Line 2" in out.getvalue() and "mission@korea.example" in out.getvalue()
