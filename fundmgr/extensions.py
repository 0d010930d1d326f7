"""What the apps add to the core, registered from each app's
``AppConfig.ready()``: the core (``fundmgr``) imports no app.

- *fund sections*: a prefetch for the home page's funds and the template
  that shows it in each fund's card (the donors app: open appeals);
- *reference loaders*: reference data an app keeps in its own tables,
  recreated with the core's (the grants app: approval levels);
- *demo loaders*: each app's part of the demo, in order, after the core's;
- *books sections*: what an app adds to the books' fingerprint that a backup
  is checked against (fundmgr.services.books; the reports app: each fund's
  financial statement);
- *record links*: the page the audit trail links a record of a model to, and
  who may open it (fundmgr.audit_trail; the donors app: pledges, bank lines...);
- *refusals*: the audit records that say something was refused, beyond the
  core's own (the api app: a refused token, a call answered 401, 403 or 429);
- *work*: what awaits a person of a role on their "My work" page
  (fundmgr.work; the grants app: grants to certify, approve, pay...);
- *notice kinds*: what a person may be told of by e-mail, and how by
  default (fundmgr.services.notices; the grants app: a grant awaits you);
- *mail attachments*: files made when an e-mail is sent, by name
  (fundmgr.services.mail; the donors app: a receipt's acknowledgement PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, Prefetch, Q, QuerySet


@dataclass(frozen=True)
class FundSection:
    prefetch: Callable[[], Prefetch]  # called per request: querysets are not shared
    template: str


@dataclass(frozen=True)
class DemoLoader:
    order: int
    load: Callable  # load(fund)


_fund_sections: dict[str, FundSection] = {}
_reference_loaders: dict[str, Callable[[], None]] = {}
_demo_loaders: dict[str, DemoLoader] = {}
_books_sections: dict[str, Callable] = {}
_record_links: dict[str, RecordLink] = {}
_refusals: dict[str, Q] = {}
_work: dict[str, Work] = {}
_notice_kinds: dict[str, NoticeKind] = {}
_mail_attachments: dict[str, Callable[[str], tuple[str, bytes, str]]] = {}


@dataclass(frozen=True)
class RecordLink:
    """How the audit trail links to a record of one model: ``queryset()``
    fetches the records of a page in one query with what ``url`` needs
    (``select_related``); ``may_open(user, record)`` answers as the page's
    own view would, so no link leads to a refusal."""

    queryset: Callable[[], QuerySet]
    url: Callable[[Model], str]
    may_open: Callable[[object, Model], bool]


def add_fund_section(name: str, prefetch: Callable[[], Prefetch], template: str) -> None:
    _fund_sections[name] = FundSection(prefetch, template)


def add_reference_loader(name: str, load: Callable[[], None]) -> None:
    _reference_loaders[name] = load


def add_demo_loader(name: str, order: int, load: Callable) -> None:
    _demo_loaders[name] = DemoLoader(order, load)


def add_books_section(name: str, rows: Callable) -> None:
    """``rows(fund, as_of)`` yields a fund's rows of this section, made of
    dataclasses, models, Money, Decimal, dates, strings and numbers
    (fundmgr.services.books.canonical renders them)."""
    _books_sections[name] = rows


def fund_sections() -> list[FundSection]:
    return list(_fund_sections.values())


def reference_loaders() -> list[Callable[[], None]]:
    return list(_reference_loaders.values())


def demo_loaders() -> list[DemoLoader]:
    return sorted(_demo_loaders.values(), key=lambda loader: loader.order)


def books_sections() -> dict[str, Callable]:
    return dict(sorted(_books_sections.items()))


def add_record_link(
    model: type[Model],
    url: Callable[[Model], str],
    may_open: Callable[[object, Model], bool],
    queryset: Callable[[], QuerySet] | None = None,
) -> None:
    _record_links[model._meta.label_lower] = RecordLink(
        queryset or model._default_manager.all, url, may_open
    )


def record_links() -> dict[str, RecordLink]:
    """By the model's ``app_label.model`` (its content type's natural key)."""
    return dict(_record_links)


def add_refusal(name: str, records: Q) -> None:
    """``records`` selects the audit records that are refusals of this kind."""
    _refusals[name] = records


def refusals() -> dict[str, Q]:
    return dict(sorted(_refusals.items()))


@dataclass(frozen=True)
class Work:
    """A part of a role's section of "My work": ``build(user)`` returns its
    counts and rows (``fundmgr.work.WorkItem``, ``WorkRow``) in a fixed number
    of queries whatever the volumes; ``order`` places it in the section."""

    role: str
    order: int
    build: Callable


def add_work(name: str, role: str, order: int, build: Callable) -> None:
    _work[name] = Work(role, order, build)


def work() -> list[Work]:
    return sorted(_work.values(), key=lambda part: part.order)


@dataclass(frozen=True)
class NoticeKind:
    """A kind of e-mail notice: its ``code`` (stored with preferences), its
    ``label`` (lazy: shown on the preferences page in the reader's language),
    the ``roles`` whose holders may receive it (the page offers it to them
    only), the ``default`` delivery (``fundmgr.models.Delivery``) and whether
    it ``always`` goes (a donor's receipt: no choice offered)."""

    code: str
    label: object
    roles: tuple[str, ...]
    default: str = "at_once"
    always: bool = False
    order: int = 0


def add_notice_kind(kind: NoticeKind) -> None:
    _notice_kinds[kind.code] = kind


def notice_kinds() -> list[NoticeKind]:
    return sorted(_notice_kinds.values(), key=lambda kind: (kind.order, kind.code))


def add_mail_attachment(name: str, make: Callable[[str], tuple[str, bytes, str]]) -> None:
    """``make(ref)`` returns ``(file name, content, MIME type)``, in the
    language active when called (the recipient's)."""
    _mail_attachments[name] = make


def mail_attachments() -> dict[str, Callable[[str], tuple[str, bytes, str]]]:
    return dict(_mail_attachments)
