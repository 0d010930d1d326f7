"""Every list of the API is written from ``.values()`` (api.rows), not by its
serializer: each page must be, byte for byte, what the serializer writes of
the same rows, on rows with every kind of value (None, empty text, money in
JPY and KWD minor units, a reversal, a system actor, signatures, files)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from api.serializers.donors import DonorSerializer, PledgeSerializer, ReceiptSerializer
from api.serializers.events import EventSerializer
from api.serializers.exports import ExportSerializer
from api.serializers.grants import GrantSerializer
from api.serializers.imports import ImportSerializer
from api.serializers.journal import JournalEntrySerializer
from api.serializers.rates import ExchangeRateSerializer
from api.services.imports import Outcome
from donors.models import Donor, DonorKind, PaymentMethod, Pledge, Receipt
from donors.services.pledges import InstalmentSpec, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.models import Event, EventSession, ExchangeRate, ImportJob, JournalEntry, Signature
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import reverse_entry
from grants import queries
from grants.models import Grant, GrantState
from reports.models import Export
from tests.api.helpers import bearer, issue
from tests.api.test_resources import PER_CALL
from tests.grants import conftest as grant_fixtures

event, make_grant, officer = grant_fixtures.event, grant_fixtures.make_grant, grant_fixtures.officer

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2019, 3, 1)


@pytest.fixture
def finance(make_user):
    return make_user("finance-1", Role.FINANCE_OFFICER)


@pytest.fixture
def reader(finance):
    return bearer(issue(finance))


def text(data) -> str:
    """JSON as the API renders it, read back and written again: a bool is
    not an int, "1.0" is not "1.00", and the keys keep their order."""
    return json.dumps(json.loads(JSONRenderer().render(data)))


def page(reader, path: str) -> list:
    answer = reader.get(path, {"page_size": 200})
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def same(results: list, serialized) -> None:
    assert results, "a list to compare"
    assert text(results) == text(serialized)


@pytest.fixture
def books(fund, rates, admin_user):
    """Pledges in EUR, JPY and KWD (one not binding, one with no instalments,
    one with an appeal-less public form's empty texts), receipts with and
    without a pledge, donors with and without a country, e-mail or IATI id."""
    first = Donor.objects.create(
        name="Donor 1", kind=DonorKind.MEMBER_STATE, email="d1@example.org",
        country_id="JP", iati_identifier="XM-DAC-7", listed_publicly=True,
    )  # fmt: skip
    second = Donor.objects.create(name="Donor 2", kind=DonorKind.MEMBER_STATE, email="")
    pledges = [
        record_pledge(
            fund=fund, donor=first, amount=Money("1000001", "JPY"), pledge_date=MARCH,
            method=PaymentMethod.SCHEDULE, by=admin_user, agreement_signed=True,
            schedule=[
                InstalmentSpec(Money("500001", "JPY"), MARCH),
                InstalmentSpec(Money("500000", "JPY"), MARCH + datetime.timedelta(days=30)),
            ],
            source_reference="ERP-1",
        ),
        record_pledge(
            fund=fund, donor=second, amount=Money("1234.567", "KWD"), pledge_date=MARCH,
            method=PaymentMethod.SCHEDULE, by=admin_user, agreement_signed=False,
        ),
        record_pledge(
            fund=fund, donor=first, amount=Money("600.50", "EUR"), pledge_date=MARCH,
            method=PaymentMethod.SCHEDULE, by="system:import", agreement_signed=True,
        ),
    ]  # fmt: skip
    # A contact person on one pledge (the others greet their donor).
    Pledge.objects.filter(pk=pledges[1].pk).update(
        contact_name="Aiko", contact_family_name="Tanaka", contact_form_of_address="ms",
        contact_title="Director",
    )  # fmt: skip
    receipts = [
        record_receipt(
            fund=fund, donor=first, pledge=pledges[0], amount=Money("400001", "JPY"),
            value_date=datetime.date(2019, 3, 20), by=admin_user, notify=False,
        ),
        record_receipt(
            fund=fund, donor=second, pledge=None, amount=Money("12.345", "KWD"),
            value_date=datetime.date(2019, 3, 21), by=admin_user, notify=False,
        ),
    ]  # fmt: skip
    reverse_entry(receipts[1].entry, admin_user, "typed twice")
    return {"pledges": pledges, "receipts": receipts}


def test_the_pledges_page_is_what_the_serializer_writes(reader, books):
    results = page(reader, "/api/v1/pledges/")

    rows = Pledge.objects.for_table().with_public_value().order_by("-pledge_date", "-id")
    same(results, PledgeSerializer(rows, many=True).data)
    assert {row["amount"]["currency"] for row in results} == {"JPY", "KWD", "EUR"}
    contacts = [row["contact"] for row in results]
    assert {"name": "Aiko", "family_name": "Tanaka", "form_of_address": "ms",
            "title": "Director"} in contacts  # fmt: skip
    assert contacts.count(None) == 2


def test_the_receipts_page_is_what_the_serializer_writes(reader, books):
    results = page(reader, "/api/v1/receipts/")

    rows = Receipt.objects.select_related("fund", "donor", "pledge").order_by("-value_date", "-id")
    same(results, ReceiptSerializer(rows, many=True).data)
    assert results[0]["pledge"] is None


def test_the_donors_page_is_what_the_serializer_writes(reader, books):
    same(
        page(reader, "/api/v1/donors/"),
        DonorSerializer(Donor.objects.order_by("id"), many=True).data,
    )


def test_the_journal_page_is_what_the_serializer_writes(reader, books):
    results = page(reader, "/api/v1/journal-entries/")

    entries = (
        JournalEntry.objects.for_journal()
        .select_related("source_type", "reversed_by")
        .order_by("-date", "-id")
    )
    same(results, JournalEntrySerializer(entries, many=True).data)
    assert any(row["reversed_by"] for row in results)
    assert any(row["reverses"] for row in results)


def test_the_exchange_rates_page_is_what_the_serializer_writes(reader, rates, finance):
    first = rates[0]
    ExchangeRate.objects.create(
        currency="EUR", effective_date=datetime.date(2019, 5, 1),
        units_per_usd=Decimal("0.1234567"),
        illustrative=True, source="a test", revises=first, reason="a revision",
        imported_at=timezone.now(), recorded_by=finance,
    )  # fmt: skip

    rows = ExchangeRate.objects.current().order_by("-effective_date", "currency", "-id")
    same(page(reader, "/api/v1/exchange-rates/"), ExchangeRateSerializer(rows, many=True).data)


def test_the_events_page_is_what_the_serializer_writes(reader, event, fund):
    EventSession.objects.create(
        event=event, date=event.starts_on, starts_at=datetime.time(15, 30),
        ends_at=datetime.time(18), kind="plenary", title="Opening",
    )  # fmt: skip
    EventSession.objects.create(
        event=event, date=event.starts_on, starts_at=datetime.time(9), ends_at=datetime.time(12),
        kind="plenary",
    )  # fmt: skip
    Event.objects.create(
        code="BARE", name="No sessions", fund=fund, starts_on=MARCH, ends_on=MARCH,
        city="Geneva", country_id="CH", eligibility_date=MARCH,
    )  # fmt: skip

    rows = Event.objects.prefetch_related("sessions").order_by("-starts_on", "code")
    same(page(reader, "/api/v1/events/"), EventSerializer(rows, many=True).data)


@pytest.mark.parametrize("personal", [True, False])
def test_the_grants_page_is_what_the_serializer_writes(
    reader, make_grant, make_user, personal, monkeypatch
):
    signed = make_grant(state=GrantState.CERTIFIED, cost=Decimal("1234.56"))
    signed.boarding_passes.save("passes.pdf", ContentFile(b"%PDF"), save=True)
    bare = make_grant(name="No Papers", cost=Decimal("1500.25"), country="HT", gender="male")
    bare.note_verbale = ""
    bare.nominee_email = ""
    bare.save()
    certifier = make_user("certifier", Role.FUND_OFFICER)
    certifier.first_name, certifier.last_name = "Ana", "Certa"
    certifier.save()
    Signature.objects.create(
        record_type=ContentType.objects.get_for_model(Grant), record_id=str(signed.pk),
        level="certify", signer=certifier,
    )  # fmt: skip
    monkeypatch.setattr(queries, "reads_personal_data", lambda user: personal)

    grants = list(queries.grants_with_people().order_by("reference"))
    context = {
        "personal": personal,
        "signatures": queries.signatures_by_grant(grant.pk for grant in grants),
    }
    same(page(reader, "/api/v1/grants/"), GrantSerializer(grants, many=True, context=context).data)


def test_the_exports_page_is_what_the_serializer_writes(reader, finance, fund, event):
    now = timezone.now()
    Export.objects.create(
        requested_by=finance, fund=fund, kind=Export.Kind.RECONCILIATION, as_of=MARCH,
        status=Export.Status.DONE, expires_at=now + datetime.timedelta(days=1),
        started_at=now, finished_at=now, size=1234, file_name="ready.xlsx",
    )  # fmt: skip
    Export.objects.create(
        requested_by=finance, fund=fund, event=event, kind=Export.Kind.GRANTS, as_of=MARCH,
        filters={"state": "submitted", "ldc": "1"}, status=Export.Status.FAILED,
        error="It broke", progress_done=3, progress_total=10, started_at=now, finished_at=now,
    )  # fmt: skip
    Export.objects.create(
        requested_by=finance, fund=fund, kind=Export.Kind.RECONCILIATION, as_of=MARCH,
        status=Export.Status.FAILED, error="Le travail de fond ne l’a pas terminé.",
        error_sentence={"code": "job.worker-did-not-finish", "params": {}},
        started_at=now, finished_at=now,
    )  # fmt: skip
    Export.objects.create(
        requested_by=finance, fund=fund, kind=Export.Kind.RECONCILIATION, as_of=MARCH,
        status=Export.Status.DONE, expires_at=now - datetime.timedelta(days=1),
        started_at=now, finished_at=now, size=1, file_name="old.xlsx",
    )  # fmt: skip

    request = RequestFactory().get("/api/v1/exports/")
    rows = Export.objects.select_related("fund").order_by("-requested_at", "-id")
    expected = ExportSerializer(rows, many=True, context={"request": request}).data
    same(page(reader, "/api/v1/exports/"), expected)


def test_the_imports_page_is_what_the_serializer_writes(
    reader, finance, fund, django_assert_num_queries
):
    now = timezone.now()
    ImportJob.objects.create(
        requested_by=finance, fund=fund, kind=ImportJob.Kind.BANK_STATEMENT,
        status=ImportJob.Status.DONE, started_at=now, finished_at=now, fingerprint="a",
        file_names=["statement.csv"],
        summary={"statement": 1, "matched": 1, "already": 0, "unmatched": 0, "discarded": 0,
                 "errors": 0},
    )  # fmt: skip
    ImportJob.objects.create(
        requested_by=finance, fund=fund, kind=ImportJob.Kind.PLEDGE_REGISTER,
        status=ImportJob.Status.FAILED, started_at=now, finished_at=now, fingerprint="b",
        file_names=["pledges.xlsx"],
        error="Refused", problems=[{"line": 3, "message": "“ZZZ” is not a currency."}],
    )  # fmt: skip
    ImportJob.objects.create(
        requested_by=finance, fund=fund, kind=ImportJob.Kind.PLEDGE_REGISTER,
        status=ImportJob.Status.DONE, started_at=now, finished_at=now, fingerprint="d",
        file_names=["register.xlsx"], summary={"created": 2, "already": 1},
    )  # fmt: skip
    ImportJob.objects.create(
        requested_by=finance, fund=fund, kind=ImportJob.Kind.PLEDGE_REGISTER,
        status=ImportJob.Status.QUEUED,
        fingerprint="c", file_names=[],
    )  # fmt: skip

    request = RequestFactory().get("/api/v1/imports/")
    jobs = ImportJob.objects.select_related("fund").order_by("-requested_at", "-id")
    outcomes = [Outcome.of_job(job) for job in jobs]
    expected = ImportSerializer(outcomes, many=True, context={"request": request}).data
    with django_assert_num_queries(PER_CALL + 1):  # the page reads no job's column later
        results = page(reader, "/api/v1/imports/")
    same(results, expected)


def test_times_are_written_in_the_active_time_zone_as_the_serializer_writes_them(books):
    from api.rows import books as rows

    receipts = Receipt.objects.select_related("fund", "donor", "pledge").order_by("-id")
    with timezone.override("Asia/Kathmandu"):
        written = rows.receipts(list(rows.receipts.values(receipts)))
        serialized = ReceiptSerializer(receipts, many=True).data

    assert text(written) == text(serialized)
    assert written[0]["created_at"].endswith("+05:45")


def test_names_and_reasons_are_written_in_the_language_asked_for_as_the_serializer_does(
    reader, event, make_grant
):
    """Names staff entered per language, and sentences stored as codes, in
    French: the rows read from ``.values()`` say what the objects say."""
    from django.utils import translation

    from fundmgr.sentences import Sentence

    Event.objects.filter(pk=event.pk).update(name_i18n={"fr": "Conférence d'essai"})
    EventSession.objects.create(
        event=event, date=event.starts_on, starts_at=datetime.time(9), ends_at=datetime.time(12),
        kind="plenary", title="Opening", title_i18n={"fr": "Ouverture"},
    )  # fmt: skip
    grant = make_grant()
    Grant.objects.filter(pk=grant.pk).update(
        eligibility_reasons=[Sentence("eligibility.ldc-only", {"event": "BAPA+40"}).data()],
        routing_reason=Sentence(
            "routing.only-quote", {"route": "KTM-EZE", "fare": "USD 900.00", "hours": "30"}
        ).data(),
    )

    events = page_in(reader, "/api/v1/events/", "fr")
    grants = page_in(reader, "/api/v1/grants/", "fr")
    assert events[0]["name"] == "Conférence d'essai"
    assert events[0]["sessions"][0]["title"] == "Ouverture"
    assert grants[0]["routing_note"].startswith("Un")
    with translation.override("fr"):
        rows = Event.objects.prefetch_related("sessions").order_by("-starts_on", "code")
        same(events, EventSerializer(rows, many=True).data)
        found = list(queries.grants_with_people().order_by("reference"))
        context = {"personal": True, "signatures": queries.signatures_by_grant([grant.pk])}
        same(grants, GrantSerializer(found, many=True, context=context).data)


def page_in(reader, path: str, language: str) -> list:
    answer = reader.get(path, {"page_size": 200}, HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]
