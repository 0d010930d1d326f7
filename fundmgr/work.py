"""What awaits each person: the "My work" page's sections, one per role they
hold, and the "who acts next" sentence every grant, pledge and bank line shows.

The core knows no app: each app registers its parts of a role's section
(``fundmgr.extensions.add_work``) from its ``AppConfig.ready()``; the core
adds its own (the journals a finance officer may approve, the auditor's
recent activity). A part returns counts with links to the filtered lists
where the work is done (``WorkItem``) and, for the roles whose work is a list
(the focal point's nominations, the donor's pledges), rows (``WorkRow``).
Each part runs a fixed number of queries whatever the volumes, so the page
does too (tests/test_work.py).

Separation of duties holds on the counts as on the buttons: a grant a person
certified is not counted as awaiting their approval, a journal they prepared
not as awaiting their approval (each part filters on the person).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fundmgr import extensions
from fundmgr.roles import Role, roles_of

#: Who acts next, as a sentence says it ("Waiting for: an approving officer").
NOMINATOR = "nominator"
TRAVELLER = "traveller"
ACTORS = {
    Role.FUND_OFFICER: gettext_lazy("a fund officer"),
    Role.APPROVING_OFFICER: gettext_lazy("an approving officer"),
    Role.FINANCE_OFFICER: gettext_lazy("a finance officer"),
    Role.ADMINISTRATOR: gettext_lazy("an administrator"),
    Role.DONOR: gettext_lazy("the donor"),
    Role.FOCAL_POINT: gettext_lazy("a focal point"),
    NOMINATOR: gettext_lazy("the nominator"),
}


@dataclass(frozen=True)
class NextActor:
    """Who acts next on a record: roles (or ``NOMINATOR``), none when nothing
    is left to do. ``str()`` is the sentence the pages show."""

    who: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return not self.who

    def __str__(self) -> str:
        if not self.who:
            return _("Nothing left to do")
        names = str(_(" or ")).join(str(ACTORS.get(who, who)) for who in self.who)
        return _("Waiting for: %(who)s") % {"who": names}


NOBODY = NextActor()


@dataclass(frozen=True)
class WorkItem:
    """A count of things waiting, with the list where they are done."""

    label: str
    count: int
    url: str = ""
    #: Where, when the same work is counted per fund or event ("UNFSSC").
    where: str = ""


@dataclass(frozen=True)
class WorkRow:
    """One thing in a list of the section (a nomination, a pledge, a record)."""

    text: str
    url: str = ""
    status: str = ""
    detail: str = ""
    when: datetime.datetime | None = None
    on: datetime.date | None = None


@dataclass
class Section:
    role: str
    title: str
    items: list[WorkItem] = field(default_factory=list)
    rows: list[WorkRow] = field(default_factory=list)
    rows_title: str = ""
    #: The page with everything the rows are the first of.
    more_url: str = ""


#: Titles of the sections, in the page's order.
TITLES = {
    Role.APPROVING_OFFICER: gettext_lazy("Approving officer"),
    Role.FUND_OFFICER: gettext_lazy("Fund officer"),
    Role.FINANCE_OFFICER: gettext_lazy("Finance officer"),
    Role.FOCAL_POINT: gettext_lazy("Focal point"),
    Role.AUDITOR: gettext_lazy("Auditor"),
    Role.ADMINISTRATOR: gettext_lazy("Administrator"),
    Role.DONOR: gettext_lazy("Donor"),
}


@dataclass(frozen=True)
class Rows:
    """A part's rows and what they are: the section shows them under
    ``title`` with a link to ``more_url``."""

    title: str
    rows: list[WorkRow]
    more_url: str = ""


def sections_for(user) -> list[Section]:
    """A section per role the person holds that has work registered, in the
    order of ``TITLES``; each part's counts and rows."""
    roles = roles_of(user)
    sections: dict[str, Section] = {}
    for part in extensions.work():
        if part.role not in roles:
            continue
        section = sections.setdefault(part.role, Section(part.role, str(TITLES[part.role])))
        for found in part.build(user):
            if isinstance(found, WorkItem):
                section.items.append(found)
            elif isinstance(found, Rows):
                section.rows.extend(found.rows)
                section.rows_title = str(found.title)
                section.more_url = found.more_url
    order = list(TITLES)
    return sorted(sections.values(), key=lambda section: order.index(section.role))


def per_place(
    label: str, counts: Iterable[tuple[str, int]], url, *, zero_url: str = ""
) -> list[WorkItem]:
    """One item per fund or event with work (``url(code)`` its list), or a
    single item counting none when there is none anywhere."""
    items = [WorkItem(label, n, url(code), code) for code, n in counts if n]
    return items or [WorkItem(label, 0, zero_url)]


# --- The core's own parts ----------------------------------------------------------


def journals_to_approve(user) -> list[WorkItem]:
    """Manual journals waiting for a second finance officer: never one the
    person prepared (they cannot approve it). One query."""
    from fundmgr.models import ManualJournal

    counts = (
        ManualJournal.objects.filter(status=ManualJournal.Status.PROPOSED)
        .exclude(prepared_by=user)
        .values_list("fund__code")
        .annotate(n=Count("id"))
        .order_by("fund__code")
    )
    return per_place(
        _("Journals to approve"), counts, lambda code: reverse("manual-journals", args=[code])
    )


#: How many records the auditor's section shows, newest first.
RECENT = 10


def recent_activity(user) -> list:
    """The auditor's: records of the last seven days, and the latest ones
    with links to what they are about (a query, and one per kind linked)."""
    from fundmgr import audit_trail
    from fundmgr.models import AuditRecord

    since = timezone.now() - datetime.timedelta(days=7)
    week = AuditRecord.objects.filter(at__gte=since).count()
    latest = list(audit_trail.for_reading()[:RECENT])
    audit_trail.attach_links(latest, user)
    trail = reverse("audit-trail")
    return [
        WorkItem(_("Records in the last seven days"), week, trail),
        Rows(
            _("Recent activity"),
            [
                # The action by its label, and what it was done to: each
                # link names its own record (a code said nothing to a reader).
                WorkRow(
                    f"{record.action_label}: {record.target_repr}"
                    if record.target_repr
                    else record.action_label,
                    record.link,
                    _("refused") if record.is_refusal else "",
                    record.who,
                    record.at,
                )
                for record in latest
            ],
            trail,
        ),
    ]


# --- The administrator's ------------------------------------------------------------

#: How far back the administrator's section counts what failed.
FAILURES_SINCE = datetime.timedelta(days=7)


def failures_since() -> tuple[dict, str]:
    """What failed since the day a week ago: the filter that counts it, and
    the same filter as the admin list's query, so that the list holds
    exactly what was counted."""
    day = timezone.localdate() - FAILURES_SINCE
    return {"finished_at__date__gte": day}, f"finished_at__date__gte={day.isoformat()}"


def admin_list(user, model, query: str = "") -> str:
    """The admin site's list of ``model`` (``query`` its filters), for a
    person who may open it there; "" for anyone else (no link that would
    only refuse them)."""
    meta = model._meta
    if not (user.is_active and user.is_staff):
        return ""
    if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return ""
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist") + query


def administrator_work(user) -> list[WorkItem]:
    """What keeps the system running: e-mails not delivered (sent again from
    their page), background tasks and imports that failed this week, and
    sign-ins locked out (unlocked in the admin site, audited). One query each."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from fundmgr.models import ImportJob
    from fundmgr.services import mail

    now = timezone.now()
    since, recent = failures_since()
    failed_tasks = DBTaskResult.objects.failed().filter(**since).count()
    failed_imports = ImportJob.objects.filter(status=ImportJob.Status.FAILED, **since)
    locked_out = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
    )
    return [
        WorkItem(
            _("E-mails not delivered"), mail.undelivered().count(), reverse("undelivered-mail")
        ),
        WorkItem(
            _("Background tasks failed in the last seven days"),
            failed_tasks,
            admin_list(user, DBTaskResult, f"?status__exact=FAILED&{recent}"),
        ),
        WorkItem(
            _("Imports failed in the last seven days"),
            failed_imports.count(),
            admin_list(user, ImportJob, f"?status__exact=failed&{recent}"),
        ),
        WorkItem(_("Sign-ins locked out"), locked_out.count(), admin_list(user, AccessAttempt)),
    ]


def register_core_work() -> None:
    extensions.add_work("fundmgr.journals", Role.FINANCE_OFFICER, 50, journals_to_approve)
    extensions.add_work("fundmgr.audit", Role.AUDITOR, 10, recent_activity)
    extensions.add_work("fundmgr.admin", Role.ADMINISTRATOR, 10, administrator_work)
