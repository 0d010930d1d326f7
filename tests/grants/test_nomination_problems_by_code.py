# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""A nominations sheet's problems by line are kept by a sentence's code and
its values (grants.sentences), as the pledge register's and the bank
statement's are: a sheet a French officer uploaded reads in English or Arabic
to each reader of its background job (issue 15). What the sheet said (a
value, a name, a document's name) is kept as it was."""

from __future__ import annotations

import pytest
from django.utils import translation

from fundmgr.models import ImportJob
from fundmgr.sentences import Sentence
from fundmgr.services import imports
from fundmgr.tabular import FileRejected
from grants.services.nomination_import import COLUMNS, QUOTE_COLUMNS
from tests.grants.test_nomination_import import docs, row, run, write_csv  # noqa: F401
from tests.test_import_jobs import (  # noqa: F401 - fixtures
    database_tasks,
    imports_root,
    notes_zip,
    run_worker,
    upload_of,
)


def said(language: str, msgid: str, values: dict | None = None) -> str:
    with translation.override(language):
        return translation.gettext(msgid) % (values or {})


BAD_ROW = row(
    "",
    "XYZ",
    title="x" * 201,
    gender="unknown",
    email="not an address",
    departure_airport="K1",
    depart_on="18/03/2019",
    note_verbale="",
)


def test_every_problem_of_a_nominations_sheet_is_kept_by_code(run):
    rows = [BAD_ROW, row("Ram Thapa", note_verbale="missing.pdf"), row(), row()]
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run(rows)
    errors = rejected.value.errors
    assert [error.line for error in errors] == [2] * 8 + [3, 5]
    assert all(isinstance(error.message, Sentence) for error in errors), [
        error.message for error in errors
    ]
    codes = [error.message.code for error in errors]
    assert codes == [
        "import.nominations.missing",
        "import.nominations.too-long",
        "import.nominations.not-a-gender",
        "import.nominations.unknown-country",
        "import.nominations.not-an-email",
        "import.nominations.not-an-airport",
        "import.where",
        "import.nominations.no-note-verbale",
        "import.nominations.note-not-in-folder",
        "import.nominations.twice-in-file",
    ]
    missing, too_long, *_others, dated, _note, folder, twice = (e.message for e in errors)
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            name = said(language, "the delegate's name")
            assert str(missing) == said(language, "%(label)s is missing", {"label": name})
            title = said(language, "the delegate's title")
            assert str(too_long) == said(
                language,
                "%(label)s is longer than %(max)d characters",
                {"label": title, "max": 200},
            )
            assert str(dated) == said(
                language,
                "%(where)s: %(problem)s",
                {
                    "where": said(language, "departure date"),
                    "problem": said(
                        language,
                        "“%(value)s” is not a date in the form YYYY-MM-DD",
                        {"value": "18/03/2019"},
                    ),
                },
            )
            assert str(folder) == said(
                language,
                "the note verbale “%(name)s” is not in the documents folder",
                {"name": "missing.pdf"},
            )
            assert str(twice) == said(
                language,
                "%(name)s is already nominated on line %(other)d of this file",
                {"name": "Sita Sharma", "other": 4},
            )
    assert said("ar", "the delegate's name") != "the delegate's name"


def test_a_nominations_job_asked_in_french_reads_in_arabic_and_english(
    event, officer, tmp_path, database_tasks
):
    event.nomination_deadline = None
    event.save()
    sheet = write_csv(tmp_path, [row(), row("Nobody", "XYZ")])
    with translation.override("fr"):
        job = imports.request_import(
            ImportJob.Kind.NOMINATIONS,
            [upload_of(sheet), notes_zip("np.pdf")],
            event=event,
            by=officer,
        )
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.problems == [
        {
            "line": 3,
            "message": {"code": "import.nominations.unknown-country", "params": {"value": "XYZ"}},
        }
    ]
    msgid = "country “%(value)s” is not known (give its ISO code or English name)"
    for language in ("en", "ar", "fr"):
        with translation.override(language):
            assert job.problems_shown == [
                {"line": 3, "message": said(language, msgid, {"value": "XYZ"})}
            ]


def test_a_refused_countrys_reasons_are_kept_by_code_as_one_problem(run):
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run([row("Jean Dupont", "FR")])
    (error,) = rejected.value.errors
    assert isinstance(error.message, Sentence)
    assert error.message.code == "eligibility.refusal"
    with translation.override("en"):
        english = str(error.message)
    assert "France was not on the UN list of least developed countries" in english
    assert "developed economy" in english
    with translation.override("ar"):
        arabic = str(error.message)
    with translation.override("ar"):
        developed = translation.gettext(
            "It is a developed economy (UN M49 developed regions), whose delegates "
            "the fund does not pay for: not eligible."
        )
    assert developed in arabic and "developed economy" not in arabic


def test_the_checks_shared_with_the_form_are_kept_by_code_too(run, event):
    import datetime

    run([row("Sita Sharma")])  # recorded: the same name again is a duplicate
    rows = [
        row("Sita Sharma"),
        row("Ram Thapa", depart_on="2019-01-01", note_verbale="picture.pdf"),
    ]
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run(rows)
    messages = {error.message.code: error.message for error in rejected.value.errors}
    assert set(messages) == {
        "nomination.departure-outside-window",
        "nomination.note-not-pdf",
        "nomination.already-nominated-as",
    }
    with translation.override("ar"):
        assert str(messages["nomination.note-not-pdf"]) == said(
            "ar", "The note verbale must be a PDF file."
        )
    assert said("ar", "The note verbale must be a PDF file.") != (
        "The note verbale must be a PDF file."
    )
    closed = event.nomination_deadline + datetime.timedelta(days=1)
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run([row("Tashi Wangmo", "BTN", note_verbale="bt.pdf")], today=closed)
    (error,) = rejected.value.errors
    assert error.message.code == "nomination.deadline-passed"
    with translation.override("en"):
        assert str(error.message) == (
            f"Nominations for {event.code} closed on {event.nomination_deadline.isoformat()}."
        )


def test_a_quotes_own_checks_are_kept_by_code_on_the_sheet(run):
    quote = {
        "route": "KTM-DOH-GVA",
        "fare": "0",
        "fare_currency": "USD",
        "travel_hours": "14",
        "quoted_on": "2019-03-01",
    }
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run([row(**quote)], columns=[*COLUMNS, *QUOTE_COLUMNS])
    (error,) = rejected.value.errors
    assert error.message == Sentence("quote.fare-not-positive")
    with translation.override("ar"):
        assert str(error.message) == said("ar", "An airfare must be greater than zero.")


def test_an_entitlement_that_cannot_be_computed_is_kept_by_code_on_the_sheet(run):
    """No DSA rate in force for the venue: the line's problem is a sentence, read
    in each reader's language (it was text in the uploader's)."""
    from grants.models import DsaRate

    DsaRate.objects.all().delete()
    quote = {
        "route": "KTM-DOH-GVA",
        "fare": "900",
        "fare_currency": "USD",
        "travel_hours": "14",
        "quoted_on": "2019-03-01",
    }
    with translation.override("fr"), pytest.raises(FileRejected) as rejected:
        run([row(**quote)], columns=[*COLUMNS, *QUOTE_COLUMNS])
    (error,) = rejected.value.errors
    assert isinstance(error.message, Sentence)
    assert error.message.code == "entitlement.no-dsa-rate"
    msgid = "No DSA rate for %(city)s is in force on %(day)s: the travel unit must enter one."
    for language in ("en", "ar"):
        with translation.override(language):
            assert str(error.message) == said(language, msgid, error.message.params)


@pytest.mark.django_db
def test_a_terminal_expense_missing_names_the_country_in_the_readers_language():
    import datetime

    from fundmgr.models import Country
    from grants.services.entitlement import EntitlementRefused, pick_terminal

    with pytest.raises(EntitlementRefused) as refused:
        pick_terminal([], Country.objects.get(iso2="NP"), datetime.date(2019, 3, 1))
    sentence = refused.value.args[0]
    assert sentence == Sentence(
        "entitlement.no-terminal-expense", {"day": "2019-03-01", "country": "NP"}
    )
    with translation.override("fr"):
        assert "Népal" in str(sentence)
