"""Personal documents (notes verbales, boarding passes, pledge letters) are
stored under random names in DOCUMENTS_ROOT, outside every folder a web server
serves, and reach a reader only through the role-checked download views."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.money import Money
from fundmgr.private_files import UNGUESSABLE, move_out_of_media
from grants.models import Grant
from grants.services import workflow
from grants.services.nomination_import import FolderDocuments, import_nominations

from .conftest import PDF
from .test_nomination_import import BEFORE_DEADLINE, row, write_csv
from .test_workflow_support import (  # noqa: F401 - fixtures
    boarding_passes,
    funded,
    walk,
)


def stored_path(field) -> Path:
    return Path(field.path).resolve()


def assert_private_and_unguessable(field, *clues: str, settings) -> None:
    name = field.name
    assert UNGUESSABLE.match(name), name
    own = name.rsplit("/", 1)[-1]  # the folder names the kind of document, nothing more
    for clue in clues:
        assert clue.casefold() not in own.casefold(), (clue, name)
    path = stored_path(field)
    assert path.is_file() and path.is_relative_to(Path(settings.DOCUMENTS_ROOT).resolve())
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not path.is_relative_to(Path(served).resolve()), (path, served)


def test_a_note_verbale_is_stored_outside_the_served_folders_under_a_random_name(
    make_grant, settings
):
    grant = make_grant()
    assert_private_and_unguessable(
        grant.note_verbale, grant.reference, grant.event.code, "note", settings=settings
    )
    assert make_grant().note_verbale.name != grant.note_verbale.name


def test_boarding_passes_are_stored_outside_the_served_folders_under_a_random_name(
    request, make_grant, finance, settings
):
    request.getfixturevalue("funded")
    walk_to = request.getfixturevalue("walk")
    grant = walk_to(make_grant(cost=Decimal("2000.00")), "travelled")
    workflow.settle(
        grant, finance, actual_cost=Decimal("1900.00"), boarding_passes=boarding_passes()
    )
    grant.refresh_from_db()
    assert_private_and_unguessable(
        grant.boarding_passes, grant.reference, "boarding-passes.pdf", settings=settings
    )


def test_imported_notes_verbales_get_random_names_too(event, officer, tmp_path, settings):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "np.pdf").write_bytes(PDF)
    path = write_csv(tmp_path, [row()])
    with path.open("rb") as handle:
        import_nominations(
            handle,
            event,
            officer,
            documents=FolderDocuments(tmp_path / "docs"),
            name=path.name,
            today=BEFORE_DEADLINE,
        )
    grant = Grant.objects.get()
    assert_private_and_unguessable(grant.note_verbale, event.code, "np", settings=settings)


def test_a_pledge_letter_is_stored_outside_the_served_folders_under_a_random_name(
    fund, rates, admin_user, settings
):
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=datetime.date(2019, 3, 4),
        method="schedule",
        by=admin_user,
        letter=SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
    )
    assert_private_and_unguessable(pledge.letter, pledge.reference, "letter", settings=settings)


def test_documents_have_no_public_url_and_media_urls_are_not_served(
    client, make_grant, make_user, settings
):
    grant = make_grant()
    with pytest.raises(ValueError, match="no public URL"):
        grant.note_verbale.url  # noqa: B018
    client.force_login(make_user("reader", "auditor"))
    for url in (f"/media/{grant.note_verbale.name}", f"/documents/{grant.note_verbale.name}"):
        assert client.get(url).status_code == 404
    document = reverse("grant-document", args=[grant.event.code, grant.reference, "note-verbale"])
    assert b"".join(client.get(document).streaming_content) == PDF


def test_a_documents_folder_inside_a_served_folder_is_refused(make_grant, settings):
    settings.DOCUMENTS_ROOT = Path(settings.MEDIA_ROOT) / "documents"
    with pytest.raises(ImproperlyConfigured, match="MEDIA_ROOT"):
        make_grant()


def test_documents_stored_before_in_media_are_moved_out_under_random_names(
    make_grant, make_user, client, settings
):
    grant = make_grant()
    old = Path(settings.MEDIA_ROOT) / "notes-verbales" / f"{grant.reference}.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"%PDF-1.4 stored before")
    Grant.objects.filter(pk=grant.pk).update(note_verbale=f"notes-verbales/{old.name}")

    assert move_out_of_media(Grant, "note_verbale", "boarding_passes") == 1
    grant.refresh_from_db()
    assert not old.exists()
    assert_private_and_unguessable(grant.note_verbale, grant.reference, settings=settings)
    client.force_login(make_user("reader", "auditor"))
    document = reverse("grant-document", args=[grant.event.code, grant.reference, "note-verbale"])
    assert b"".join(client.get(document).streaming_content) == b"%PDF-1.4 stored before"
    assert move_out_of_media(Grant, "note_verbale", "boarding_passes") == 0  # once only


def test_a_written_file_name_from_outside_keeps_only_a_plain_extension():
    from fundmgr.private_files import UnguessableName

    name = UnguessableName("notes-verbales")(None, "../../etc/Sita Sharma.PDF")
    assert UNGUESSABLE.match(name) and name.endswith(".pdf") and "Sita" not in name
    assert UnguessableName("x")(None, "evil.p<d>f").count(".") == 0
