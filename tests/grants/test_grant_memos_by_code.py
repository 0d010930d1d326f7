"""A grant's journal entries say why they were made by code (issue 15):
"Travel grant <reference> (<nominee>): commitment of the approved amount" is
kept as a sentence within a sentence, its English in ``memo``, and read in
each reader's language on the journal page and in the API."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from fundmgr.models import JournalEntry
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue
from tests.grants.test_workflow_support import (  # noqa: F401
    boarding_passes,
    funded,
    quick_password_hashing,
    walk,
)
from tests.test_memos_by_code import catalogue_of

pytestmark = pytest.mark.django_db

FRAME = "Travel grant %(grant)s (%(nominee)s): %(what)s"
COMMITMENT = "commitment of the approved amount"


@pytest.fixture
def catalogue():
    return catalogue_of(FRAME, COMMITMENT)


def said(language: str, grant) -> str:
    with translation.override(language):
        what = translation.gettext(COMMITMENT)
        return translation.gettext(FRAME) % {
            "grant": grant.reference,
            "nominee": grant.nominee_name,
            "what": what,
        }


def test_a_grant_s_commitment_reads_in_the_reader_s_language(
    client, make_grant, walk, funded, admin_user, make_user, catalogue
):
    with translation.override("fr"):
        grant = walk(make_grant(cost=Decimal("2000.00")), "committed")
    entry = JournalEntry.objects.posted().get(idempotency_key=f"grant:{grant.pk}:commitment")
    assert entry.memo_sentence == {
        "code": "memo.travel-grant",
        "params": {
            "grant": grant.reference,
            "nominee": grant.nominee_name,
            "what": {"code": "memo.grant.commitment", "params": {}},
        },
    }
    assert entry.memo == (
        f"Travel grant {grant.reference} ({grant.nominee_name}): commitment of the approved amount"
    )
    client.force_login(admin_user)
    reader = bearer(issue(make_user("auditor-1", Role.AUDITOR)))
    for language in ("fr", "ar"):
        expected = said(language, grant)
        assert expected.startswith(catalogue[language][FRAME].split("%")[0])
        assert catalogue[language][COMMITMENT] in expected
        page = client.get(
            reverse("fund-journal", args=[funded.code]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert f'<p class="entry-memo">{expected}</p>' in page, language
        listed = reader.get("/api/v1/journal-entries/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert {row["id"]: row["memo"] for row in listed["results"]}[entry.pk] == expected
        detail = reader.get(f"/api/v1/journal-entries/{entry.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert detail.json()["memo"] == expected, language
