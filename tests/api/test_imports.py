# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""Imports through the API (``POST /api/v1/imports/``, scope ``imports:write``):
each kind through the importer its page and command use, with the page's
roles; a bad file is a 400 by line and saves nothing; the same file twice
records nothing twice; a large file becomes a background job to poll, seen
only by its owner and those who may make its kind of import."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from api.scopes import Scope
from donors.models import BankLine, BankStatement, Pledge, Receipt
from fundmgr.models import AuditRecord, ExchangeRate, ImportJob, JournalEntry
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue
from tests.api.test_resources import PER_CALL
from tests.test_bank_statements import make_pledge, write_statement  # noqa: F401 - fixture
from tests.test_import_jobs import (  # noqa: F401 - fixtures
    big_statement,
    database_tasks,
    files_under,
    imports_root,
    run_worker,
)
from tests.test_pledge_register import GOOD as REGISTER
from tests.test_pledge_register import write_csv as write_register

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"
RATES = b"currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nJPY,2019-05-01,110.5\n"
BAD_RATES = b"currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nJPY,2019-13-01,110.5\n"


@pytest.fixture
def finance(make_user):
    return make_user("api-finance", Role.FINANCE_OFFICER)


@pytest.fixture
def api(finance):
    return bearer(issue(finance, [Scope.IMPORT_FILES]))


def send(client, kind, content, name="file.csv", **fields):
    return client.post(URL, {"kind": kind, "file": SimpleUploadedFile(name, content), **fields})


def statement_bytes(tmp_path, pledge, bank_ref="B1") -> bytes:
    row = ("2019-03-20", "1000.00", "EUR", pledge.reference, "ACME", bank_ref)
    return write_statement(tmp_path, [row]).read_bytes()


# Each kind, as its page and command ------------------------------------------------


def test_exchange_rates_are_imported_and_told_as_on_the_page(api):
    answer = send(api, "exchange-rates", RATES, "rates.csv")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "done" and body["id"] is None
    assert body["summary"] == {"created": 2, "unchanged": 0, "replaced": 0, "skipped": 0}
    assert body["message"] == "rates.csv: 2 rates added, 0 already recorded."
    assert body["result_url"].endswith("/rates/")
    assert ExchangeRate.objects.count() == 2
    assert AuditRecord.objects.filter(action="rates:imported", actor__username="api-finance")


def test_exchange_rates_may_be_marked_illustrative(api):
    send(api, "exchange-rates", RATES, illustrative="true")

    assert set(ExchangeRate.objects.values_list("illustrative", flat=True)) == {True}


def test_a_pledge_register_is_imported_into_the_fund(api, fund, rates, tmp_path):
    answer = send(
        api, "pledge-register", write_register(tmp_path, REGISTER).read_bytes(), fund="TESTF"
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["summary"] == {"created": 3, "already": 0}
    assert body["fund"] == "TESTF"
    assert body["result_url"] == "http://testserver" + reverse("finance-register", args=["TESTF"])
    assert Pledge.objects.filter(fund=fund).count() == 3


def test_a_bank_statement_is_imported_and_its_lines_matched(api, fund, make_pledge, tmp_path):
    pledge = make_pledge("1000")

    answer = send(api, "bank-statement", statement_bytes(tmp_path, pledge), fund="TESTF")

    assert answer.status_code == 200
    body = answer.json()
    assert body["summary"]["matched"] == 1
    statement = BankStatement.objects.get()
    assert body["summary"]["statement"] == statement.pk
    assert body["result_url"].endswith(f"/{statement.pk}/")
    assert Receipt.objects.filter(pledge=pledge).count() == 1


# A bad file: 400 by line, nothing saved -------------------------------------------


def test_a_bad_rates_file_is_a_400_naming_its_line_and_saves_nothing(api):
    answer = send(api, "exchange-rates", BAD_RATES, "rates.csv")

    assert answer.status_code == 400
    body = answer.json()
    assert body["file"] == ["rates.csv was not imported; nothing was saved."]
    assert [problem["line"] for problem in body["problems"]] == [3]
    assert "2019-13-01" in body["problems"][0]["message"]
    assert not ExchangeRate.objects.exists()


def test_a_bad_pledge_register_is_a_400_by_line_and_records_no_pledge(api, fund, rates, tmp_path):
    lines = [*REGISTER[:2], REGISTER[2].replace("KWD", "XXX")]

    answer = send(
        api, "pledge-register", write_register(tmp_path, lines).read_bytes(), fund="TESTF"
    )

    assert answer.status_code == 400
    assert [problem["line"] for problem in answer.json()["problems"]] == [4]
    assert not Pledge.objects.exists()


def test_a_bad_statement_is_a_400_by_line_and_records_nothing(api, fund, tmp_path):
    path = write_statement(tmp_path, [("2019-03-20", "lots", "EUR", "x", "ACME", "B1")])

    answer = send(api, "bank-statement", path.read_bytes(), fund="TESTF")

    assert answer.status_code == 400
    assert answer.json()["problems"][0]["line"] == 2
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "payroll"}, "kind"),
        ({"kind": "bank-statement"}, "fund"),
        ({"kind": "bank-statement", "fund": "NOPE"}, "fund"),
        ({"kind": "exchange-rates", "fund": "TESTF"}, "fund"),
        ({"kind": "pledge-register", "fund": "TESTF", "illustrative": "true"}, "illustrative"),
        ({"kind": "exchange-rates", "funds": "TESTF"}, "funds"),
    ],
)
def test_a_wrong_field_is_a_400_naming_it(api, fund, fields, named):
    answer = api.post(URL, {"file": SimpleUploadedFile("f.csv", RATES), **fields})

    assert answer.status_code == 400
    assert named in answer.json()
    assert not ExchangeRate.objects.exists()


def test_no_file_is_a_400_naming_it(api):
    answer = api.post(URL, {"kind": "exchange-rates"})

    assert answer.status_code == 400 and "file" in answer.json()


def test_a_file_over_10_mb_is_refused_as_on_the_pages(api, settings):
    settings.MAX_PUBLIC_REQUEST_BYTES = 50 * 1024 * 1024  # the request gets through
    answer = send(api, "exchange-rates", b"x" * (10 * 1024 * 1024 + 1))

    assert answer.status_code == 400
    assert answer.json()["file"] == ["The file is larger than 10 MB."]


def test_a_request_over_the_site_s_limit_is_a_json_413_before_it_is_read(api, settings):
    settings.MAX_PUBLIC_REQUEST_BYTES = 1024 * 1024

    answer = send(api, "exchange-rates", b"x" * 2 * 1024 * 1024)

    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        "The request is about 3 MB; at most 1 MB can be sent at once. Nothing was saved."
    )


def test_json_is_not_taken_a_file_comes_as_multipart(api):
    answer = api.post(URL, {"kind": "exchange-rates"}, content_type="application/json")

    assert answer.status_code == 415


# The same file twice -----------------------------------------------------------------


def test_the_same_rates_file_twice_changes_nothing_the_second_time(api):
    send(api, "exchange-rates", RATES)
    answer = send(api, "exchange-rates", RATES)

    assert answer.status_code == 200
    assert answer.json()["summary"]["created"] == 0 and answer.json()["summary"]["unchanged"] == 2
    assert ExchangeRate.objects.count() == 2


def test_the_same_register_twice_records_its_pledges_once(api, fund, rates, tmp_path):
    content = write_register(tmp_path, REGISTER).read_bytes()
    send(api, "pledge-register", content, fund="TESTF")

    answer = send(api, "pledge-register", content, fund="TESTF")

    assert answer.json()["summary"] == {"created": 0, "already": 3}
    assert Pledge.objects.count() == 3


def test_the_same_statement_twice_records_its_receipt_once(api, fund, make_pledge, tmp_path):
    content = statement_bytes(tmp_path, make_pledge("1000"))
    send(api, "bank-statement", content, fund="TESTF")
    money = (Receipt.objects.count(), JournalEntry.objects.count())

    answer = send(api, "bank-statement", content, fund="TESTF")

    assert answer.json()["summary"]["already"] == 1 and answer.json()["summary"]["matched"] == 0
    assert (Receipt.objects.count(), JournalEntry.objects.count()) == money


# In the background -----------------------------------------------------------------------


def test_a_large_statement_is_a_job_to_poll_until_done(
    api, fund, make_pledge, tmp_path, database_tasks, imports_root
):
    content = big_statement(tmp_path, make_pledge("1000")).read_bytes()

    answer = send(api, "bank-statement", content, "statement.csv", fund="TESTF")

    assert answer.status_code == 202
    job = ImportJob.objects.get()
    body = answer.json()
    assert body["id"] == job.pk and body["status"] == "queued"
    assert answer["Location"] == body["url"] == f"http://testserver/api/v1/imports/{job.pk}/"
    assert body["progress"] == {"done": 0, "total": 0}
    assert len(files_under(imports_root)) == 1

    run_worker()
    polled = api.get(body["url"]).json()

    assert polled["status"] == "done"
    assert polled["summary"]["matched"] == 1
    assert polled["progress"]["done"] == polled["progress"]["total"] > 0
    assert polled["message"].startswith("statement.csv: 1 matched")
    assert files_under(imports_root) == []


def test_a_large_statement_sent_twice_while_waiting_is_one_job(
    api, fund, make_pledge, tmp_path, database_tasks, imports_root
):
    content = big_statement(tmp_path, make_pledge("1000")).read_bytes()
    first = send(api, "bank-statement", content, fund="TESTF")

    second = send(api, "bank-statement", content, fund="TESTF")

    assert (first.status_code, second.status_code) == (202, 200)
    assert second["Location"] == first["Location"]
    assert ImportJob.objects.count() == 1 and DBTaskResult.objects.count() == 1
    assert len(files_under(imports_root)) == 1


def test_a_large_bad_register_fails_its_job_with_the_problems_by_line(
    api, fund, rates, tmp_path, database_tasks, imports_root
):
    lines = [REGISTER[0]] + [REGISTER[1].replace("REG-2019-002", f"REG-X-{n}") for n in range(300)]
    lines.append(REGISTER[2].replace("KWD", "XXX"))
    url = send(
        api, "pledge-register", write_register(tmp_path, lines).read_bytes(), fund="TESTF"
    ).json()["url"]

    run_worker()
    polled = api.get(url).json()

    assert polled["status"] == "failed"
    assert [problem["line"] for problem in polled["problems"]] == [len(lines) + 1]
    assert "nothing was saved" in polled["message"]
    assert not Pledge.objects.exists()


# Who ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["exchange-rates", "pledge-register", "bank-statement"])
def test_a_fund_officer_may_not_import_these_kinds(make_user, fund, kind):
    officer = make_user("api-officer", Role.FUND_OFFICER)  # imports nominations only

    answer = send(bearer(issue(officer, [Scope.IMPORT_FILES])), kind, RATES, fund="TESTF")

    assert answer.status_code == 403
    assert kind in answer.json()["detail"]
    assert not ExchangeRate.objects.exists() and not BankStatement.objects.exists()


def test_an_administrator_imports_as_on_the_pages(make_user):
    admin = make_user("api-admin", Role.ADMINISTRATOR)

    answer = send(bearer(issue(admin, [Scope.IMPORT_FILES])), "exchange-rates", RATES)

    assert answer.status_code == 200 and ExchangeRate.objects.count() == 2


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPROVING_OFFICER, Role.DONOR])
def test_those_who_import_nothing_are_refused_even_with_the_scope(make_user, role):
    answer = send(bearer(issue(make_user("someone", role))), "exchange-rates", RATES)

    assert answer.status_code == 403
    assert not ExchangeRate.objects.exists()


def test_a_role_removed_is_a_right_removed(api, finance):
    assert send(api, "exchange-rates", RATES).status_code == 200

    finance.groups.remove(Group.objects.get(name=Role.FINANCE_OFFICER))
    finance.groups.add(Group.objects.get(name=Role.FUND_OFFICER))
    answer = send(api, "exchange-rates", BAD_RATES)

    assert answer.status_code == 403
    assert api.get(URL).status_code == 200  # still an importer (nominations)
    finance.groups.clear()
    assert api.get(URL).status_code == 403


def test_a_token_without_imports_write_may_not_import(finance):
    client = bearer(issue(finance, [Scope.READ_BOOKS, Scope.START_EXPORTS]))

    answer = send(client, "exchange-rates", RATES)

    assert answer.status_code == 403
    assert "imports:write" in answer.json()["detail"]
    assert client.get(URL).status_code == 403
    assert not ExchangeRate.objects.exists()


def test_every_call_is_audited_refusals_included(api, make_user):
    send(api, "exchange-rates", RATES)
    send(api, "exchange-rates", BAD_RATES)
    send(bearer(issue(make_user("api-donor", Role.DONOR))), "exchange-rates", RATES)

    calls = AuditRecord.objects.filter(action="api:call").order_by("pk")
    assert [
        (c.actor.username, c.data["method"], c.data["path"], c.data["status"]) for c in calls
    ] == [
        ("api-finance", "POST", URL, 200),
        ("api-finance", "POST", URL, 400),
        ("api-donor", "POST", URL, 403),
    ]


def test_a_job_is_seen_by_its_owner_and_those_who_make_its_kind_only(
    api, finance, make_user, fund, make_pledge, tmp_path, database_tasks, imports_root
):
    content = big_statement(tmp_path, make_pledge("1000")).read_bytes()
    url = send(api, "bank-statement", content, fund="TESTF").json()["url"]
    colleague = bearer(issue(make_user("api-finance-2", Role.FINANCE_OFFICER)))
    officer = bearer(issue(make_user("api-officer", Role.FUND_OFFICER)))

    assert api.get(url).status_code == 200
    assert colleague.get(url).status_code == 200  # as the job's page admits them
    assert officer.get(url).status_code == 404
    assert officer.get("/api/v1/imports/999999/").status_code == 404
    assert colleague.get(URL).json()["results"] == []  # the list is one's own
    assert [row["url"] for row in api.get(URL).json()["results"]] == [url]


def test_the_list_is_one_s_own_newest_first_filtered_by_kind(api, finance, fund, imports_root):
    jobs = [
        ImportJob.objects.create(
            kind=kind, fund=fund, requested_by=finance, file_names=["a.csv"], fingerprint=str(n)
        )
        for n, kind in enumerate(
            [ImportJob.Kind.BANK_STATEMENT, ImportJob.Kind.PLEDGE_REGISTER] * 2
        )
    ]

    everything = api.get(URL).json()["results"]
    registers = api.get(URL, {"kind": "pledge-register"}).json()["results"]

    assert [row["id"] for row in everything] == [job.pk for job in reversed(jobs)]
    assert [row["id"] for row in registers] == [jobs[3].pk, jobs[1].pk]
    assert api.get(URL, {"kind": "payroll"}).status_code == 400


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_runs_a_fixed_number_of_queries(
    api, finance, fund, count, django_assert_num_queries
):
    for n in range(count):
        ImportJob.objects.create(
            kind=ImportJob.Kind.PLEDGE_REGISTER,
            fund=fund,
            requested_by=finance,
            file_names=["a.csv"],
            fingerprint=str(n),
        )
    # what every call costs, then the page of jobs (with their funds and events): one
    with django_assert_num_queries(PER_CALL + 1):
        rows = api.get(URL).json()["results"]
    assert len(rows) == count


@pytest.mark.parametrize("pk", ["abc", "-1", "99999999999999999999999"])
def test_an_id_that_is_not_one_is_a_json_404(api, pk):
    answer = api.get(f"{URL}{pk}/")

    assert answer.status_code == 404
    assert "detail" in answer.json()


def test_a_body_that_is_not_readable_multipart_is_a_json_400(api):
    no_boundary = api.generic("POST", URL, b"junk", content_type="multipart/form-data")
    parts = "".join(
        f'--bb\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\n1\r\n' for n in range(1100)
    )
    too_many = api.generic(
        "POST", URL, f"{parts}--bb--\r\n".encode(), content_type="multipart/form-data; boundary=bb"
    )

    assert no_boundary.status_code == too_many.status_code == 400
    assert "detail" in no_boundary.json() and "Too many fields" in too_many.json()["detail"]
