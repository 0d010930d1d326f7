# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""Why a grant moved, when the product says it ("Imported from
nominations.csv"), is kept by its sentence's code and values
(GrantTransition.reason_sentence), read in each reader's language on the
grant's history (issue 15). The column was added in place: the table stays
append-only, its new column too. Reasons kept as text (typed by a person, or
written before) are shown as they were."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from fundmgr.db import guards
from fundmgr.models import AuditRecord
from grants.models import GrantState, GrantTransition
from tests.grants.test_nomination_import import docs, row, run  # noqa: F401 - fixtures


def said(language: str, values: dict) -> str:
    with translation.override(language):
        return translation.gettext("Imported from %(file)s") % values


def test_an_imported_nomination_says_which_file_by_code_in_each_readers_language(
    run, client, officer
):
    with translation.override("fr"):
        run([row("Sita Sharma")])
    (step,) = GrantTransition.objects.all()
    assert step.reason_sentence == {
        "code": "transition.imported-from",
        "params": {"file": "nominations.csv"},
    }
    assert step.reason == ""  # nothing kept in the importer's French
    # The sheet's own name, not the stored path of the last note verbale saved.
    imported = AuditRecord.objects.get(action="grants:nominations-imported")
    assert imported.reason == "nominations.csv"
    with translation.override("en"):
        assert step.reason_shown == "Imported from nominations.csv"
    for language in ("fr", "ar"):
        with translation.override(language):
            assert step.reason_shown == said(language, {"file": "nominations.csv"})
        assert said(language, {"file": "x"}) != said("en", {"file": "x"})

    client.force_login(officer)
    url = reverse("grant-detail", args=[step.grant.event.code, step.grant.reference])
    for language in ("en", "fr", "ar"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f"<td>{said(language, {'file': 'nominations.csv'})}</td>" in page, language


def test_the_reason_by_code_is_append_only_like_the_rest_of_the_row(make_grant, officer):
    step = GrantTransition.objects.create(
        grant=make_grant(state=GrantState.SUBMITTED),
        from_state=GrantState.DRAFT,
        to_state=GrantState.SUBMITTED,
        action="submit",
        by=officer,
        reason_sentence={"code": "transition.imported-from", "params": {"file": "a.csv"}},
    )
    refused = pytest.raises(DatabaseError, match=guards.MSG_APPEND_ONLY.split(":")[0])
    with refused, transaction.atomic():
        GrantTransition.objects.filter(pk=step.pk).update(
            reason_sentence={"code": "transition.imported-from", "params": {"file": "b.csv"}}
        )
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grants_granttransition SET reason_sentence = NULL")
    step.refresh_from_db()
    assert step.reason_sentence["params"] == {"file": "a.csv"}


def test_a_reason_kept_as_text_is_shown_as_it_was(make_grant, officer):
    step = GrantTransition.objects.create(
        grant=make_grant(state=GrantState.SUBMITTED),
        from_state=GrantState.DRAFT,
        to_state=GrantState.SUBMITTED,
        action="submit",
        by=officer,
        reason="Importation du fichier ancien.csv",
    )
    with translation.override("en"):
        assert step.reason_shown == "Importation du fichier ancien.csv"
