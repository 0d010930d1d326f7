"""Who hears of a travel grant's move (grants.notices): the people who may
make its next move, never the one who just signed (separation of duties);
the focal points of the grant's country, never another country's; in each
recipient's language; once per move however often the task runs; never for
a move rolled back; and as each person chose (at once, digest, never)."""

# ruff: noqa: F811 - the shared fixtures are imported
from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from fundmgr.models import Delivery, Notice, NoticePreference, NoticeSettings, OutgoingMail
from fundmgr.roles import Role
from fundmgr.services.notices import send_digests
from grants import notices
from grants.models import FocalPoint, GrantTransition
from grants.services import workflow
from grants.workflow import BY_ACTION, Action, state_name
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    dual,
    funded,
    quick_password_hashing,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nepal_focal(make_user):
    user = make_user("nepal-focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country_id="NP")
    return user


@pytest.fixture
def haiti_focal(make_user):
    user = make_user("haiti-focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country_id="HT")
    return user


def to(mailoutbox) -> dict[str, list[str]]:
    """Subjects received, by recipient."""
    received: dict[str, list[str]] = {}
    for mail in mailoutbox:
        received.setdefault(mail.to[0], []).append(mail.subject)
    return received


def test_a_certified_grant_is_announced_to_the_approvers_never_to_its_certifier(
    make_grant, dual, approver, officer, mailoutbox, django_capture_on_commit_callbacks
):
    grant = make_grant()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.certify(grant, dual)

    received = to(mailoutbox)
    assert received["approver@example.org"] == [
        f"Travel grant {grant.reference} awaits you: Approve"
    ]
    assert "dual@example.org" not in received  # holds the approving role, but signed
    assert "officer@example.org" not in received  # the nominator never approves


def test_a_submitted_nomination_awaits_the_fund_officers_but_not_the_one_who_submitted_it(
    make_grant, make_user, officer, mailoutbox, django_capture_on_commit_callbacks
):
    other = make_user("other-officer", Role.FUND_OFFICER)
    grant = make_grant(state="draft")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(grant, officer)

    received = to(mailoutbox)
    assert received[other.email] == [f"Travel grant {grant.reference} awaits you: Certify"]
    assert officer.email not in received  # their own move


def test_an_approved_grant_is_announced_to_finance_for_its_advance_once(
    make_grant, funded, officer, approver, finance, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    grant = make_grant()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.certify(grant, officer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(grant, approver)  # approve and commit: two moves, one transaction

    assert to(mailoutbox) == {
        finance.email: [f"Travel grant {grant.reference} awaits you: Pay the advance"]
    }


def test_the_focal_point_of_the_country_hears_of_each_change_and_another_country_never(
    make_grant, officer, nepal_focal, haiti_focal, mailoutbox, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.SITE_URL = "https://fund.example.org"
    grant = make_grant(country="NP", name="Sita Sharma")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(grant, officer, "No seat left on the delegation")

    received = to(mailoutbox)
    assert received[nepal_focal.email] == [
        f"Nomination {grant.reference} (Sita Sharma) is now rejected"
    ]
    assert haiti_focal.email not in received
    (mail,) = [m for m in mailoutbox if m.to == [nepal_focal.email]]
    assert "No seat left on the delegation" in mail.body
    page = reverse("my-nomination", args=[grant.event.code, grant.reference])
    assert f"https://fund.example.org{page}" in mail.body  # the worker has no request


def test_the_focal_point_is_not_told_of_their_own_withdrawal(
    make_grant, nepal_focal, mailoutbox, django_capture_on_commit_callbacks
):
    grant = make_grant(country="NP")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(grant, nepal_focal, "The minister cannot travel")

    assert nepal_focal.email not in to(mailoutbox)


def test_each_recipient_reads_it_in_their_own_language_not_the_actors(
    make_grant, dual, approver, nepal_focal, mailoutbox, django_capture_on_commit_callbacks
):
    NoticeSettings.objects.create(user=approver, language="ar")
    NoticeSettings.objects.create(user=nepal_focal, language="es")
    grant = make_grant(country="NP")
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        workflow.certify(grant, dual)

    with translation.override("ar"):
        approve_in_arabic = str(BY_ACTION[Action.APPROVE].label)
    with translation.override("es"):
        certified_in_spanish = state_name("certified")
    assert approve_in_arabic != "Approve"
    (to_approver,) = [m for m in mailoutbox if m.to == [approver.email]]
    assert approve_in_arabic in to_approver.subject
    (to_focal,) = [m for m in mailoutbox if m.to == [nepal_focal.email]]
    assert certified_in_spanish in to_focal.subject and certified_in_spanish != "certified"
    assert OutgoingMail.objects.get(to=approver.email).language == "ar"


def test_a_move_rolled_back_tells_nobody(
    make_grant, dual, approver, nepal_focal, mailoutbox, django_capture_on_commit_callbacks
):
    grant = make_grant(country="NP")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.certify(grant, dual)
            raise RuntimeError("the caller's transaction fails after the certificate")

    assert mailoutbox == []
    assert not Notice.objects.exists() and not OutgoingMail.objects.exists()


def test_a_task_run_again_tells_nobody_twice(
    make_grant, dual, approver, nepal_focal, mailoutbox, django_capture_on_commit_callbacks
):
    grant = make_grant(country="NP")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.certify(grant, dual)
    ids = list(GrantTransition.objects.filter(grant=grant).values_list("pk", flat=True))
    sent = len(mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        assert notices.announce_transitions.call(ids) == 0

    assert len(mailoutbox) == sent == 2
    assert OutgoingMail.objects.count() == 2


def test_a_grant_that_moved_on_before_the_task_ran_awaits_nobody_from_the_old_move(
    make_grant, funded, officer, approver, finance, mailoutbox,
):  # fmt: skip
    grant = make_grant()
    workflow.certify(grant, officer)  # its task would run after the approval below
    certified = GrantTransition.objects.get(grant=grant, action=Action.CERTIFY)
    workflow.approve(grant, approver)
    mailoutbox.clear()

    notices.announce_transitions.call([certified.pk])

    assert approver.email not in to(mailoutbox)


def test_one_transaction_of_many_moves_queues_one_task(
    make_grant, officer, django_capture_on_commit_callbacks
):
    grants = [make_grant(state="draft") for _ in range(3)]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for grant in grants:
            workflow.submit(grant, officer)
    ours = [c for c in callbacks if c.__qualname__.startswith("on_commit_batch")]
    assert len(ours) == 1


def test_a_person_who_chose_the_digest_gets_one_mail_for_several_moves(
    make_grant, dual, approver, mailoutbox, django_capture_on_commit_callbacks
):
    NoticePreference.objects.create(
        user=approver, kind=notices.AWAITS_YOU, delivery=Delivery.DIGEST
    )
    grants = [make_grant(), make_grant()]
    with django_capture_on_commit_callbacks(execute=True):
        for grant in grants:
            workflow.certify(grant, dual)
    assert approver.email not in to(mailoutbox)
    assert Notice.objects.filter(user=approver, sent_at__isnull=True).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 0  # run again: nothing more

    (digest,) = [m for m in mailoutbox if m.to == [approver.email]]
    assert digest.subject == "Your daily digest: 2 notices"
    for grant in grants:
        assert f"Travel grant {grant.reference} awaits you: Approve" in digest.body


def test_a_person_who_chose_never_is_not_told(
    make_grant, dual, approver, mailoutbox, django_capture_on_commit_callbacks
):
    NoticePreference.objects.create(user=approver, kind=notices.AWAITS_YOU, delivery="never")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.certify(make_grant(), dual)
    with django_capture_on_commit_callbacks(execute=True):
        send_digests()

    assert approver.email not in to(mailoutbox)
    assert not Notice.objects.filter(user=approver).exists()


def test_an_inactive_person_is_not_told(
    make_grant, dual, approver, mailoutbox, django_capture_on_commit_callbacks
):
    approver.is_active = False
    approver.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.certify(make_grant(), dual)
    assert approver.email not in to(mailoutbox)


def test_one_grant_whose_notices_fail_does_not_keep_the_others_from_going(
    make_grant, dual, approver, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    first, second = make_grant(), make_grant()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        workflow.certify(first, dual)
        workflow.certify(second, dual)
    ids = list(GrantTransition.objects.values_list("pk", flat=True))
    Notice.objects.all().delete()
    OutgoingMail.objects.all().delete()
    mailoutbox.clear()
    write = notices._awaits

    def refused_for_the_first(grant, person, levels):
        if grant.pk == first.pk:
            raise RuntimeError("cannot write this one")
        return write(grant, person, levels)

    monkeypatch.setattr(notices, "_awaits", refused_for_the_first)
    with pytest.raises(RuntimeError, match="1 grant moves"):
        with django_capture_on_commit_callbacks(execute=True):
            notices.announce_transitions.call(ids)

    assert [m.subject for m in mailoutbox] == [
        f"Travel grant {second.reference} awaits you: Approve"
    ]
