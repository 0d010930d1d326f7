"""The officer queue's tables, written in Python.

Right after a grant changes, the queue's counts by state, its totals and the
table around its rows are all that must be written again (its rows are kept
per grant, its heading, filters and pagination under what they show:
``grants.views._queue_parts``). Through the template language those few
dozen cells cost more than everything else on the page; here they are a few
string joins. Every value is escaped (``format_html``); the sentences are the
templates' own messages, so their translations are unchanged.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from grants import queries

#: The rows table's columns: (heading's message, numeric).
ROW_COLUMNS = (
    ("Reference", False),
    ("Delegate", False),
    ("Country", False),
    ("Region", False),
    ("Gender", False),
    ("Eligibility", False),
    ("State", False),
    ("Estimated cost", True),
    ("Open commitment", True),
)


def _headings() -> dict[str, str]:
    # Literal messages, so that makemessages finds them here.
    return {
        "Reference": _("Reference"),
        "Delegate": _("Delegate"),
        "Country": _("Country"),
        "Region": _("Region"),
        "Gender": _("Gender"),
        "Eligibility": _("Eligibility"),
        "State": _("State"),
        "Estimated cost": _("Estimated cost"),
        "Open commitment": _("Open commitment"),
    }


def by_state_table(by_state_rows: str, any_rows: bool, filters_active: bool) -> SafeString:
    """The counts and totals by state (its rows: ``grants.views._by_state_rows``)."""
    before, empty, after = _by_state_frame(get_language(), filters_active)
    body = by_state_rows if any_rows else empty
    return mark_safe(before + body + after)  # noqa: S308 - rows built escaped, frame by format_html


@functools.lru_cache(maxsize=64)
def _by_state_frame(language: str, filters_active: bool) -> tuple[str, str, str]:
    """The counts table around its rows, and its row when nothing matches, in
    ``language`` (looked up once per language, not on every change)."""
    caption = _("By state, with the other filters applied") if filters_active else _("By state")
    empty = format_html(
        '<tr><td colspan="4" class="empty">{}</td></tr>', _("No nomination matches.")
    )
    marker = "\x00rows\x00"
    table = format_html(
        '<div class="table-wrap">\n  <table class="numbers" id="by-state">\n'
        "    <caption>{}</caption>\n"
        '    <thead><tr>\n      <th scope="col">{}</th>\n'
        '      <th scope="col" class="num">{}</th>\n'
        '      <th scope="col" class="num">{}</th>\n'
        '      <th scope="col" class="num">{}</th>\n    </tr></thead>\n'
        "    <tbody>\n{}\n    </tbody>\n  </table>\n</div>\n",
        caption,
        _("State"),
        _("Grants"),
        _("Estimated cost"),
        _("Open commitment"),
        mark_safe(marker),  # noqa: S308 - a constant
    )
    before, after = str(table).split(marker)
    return before, str(empty), after


def by_state_rows(rows) -> SafeString:
    """The counts by state's rows: (link, current or not, state's label, count,
    cost and open commitment as shown), each value escaped."""
    current_mark = ' aria-current="true"'
    return mark_safe(  # noqa: S308 - every value escaped
        "\n".join(
            f'        <tr>\n          <th scope="row"><a href="{_e(link)}"'
            f"{current_mark if current else ''}>{_e(label)}</a></th>\n"
            f'          <td class="num">{_e(count)}</td>\n'
            f'          <td class="num">{_e(cost)}</td>\n'
            f'          <td class="num">{_e(committed)}</td>\n        </tr>'
            for link, current, label, count, cost, committed in rows
        )
    )


def matching_paragraph(count: int, cost: str, committed: str) -> SafeString:
    """How many grants match the filters, and their totals (a live status)."""
    sentence = ngettext(
        "%(counter)s grant matches: estimated cost %(cost)s, open commitment %(committed)s.",
        "%(counter)s grants match: estimated cost %(cost)s, open commitment %(committed)s.",
        count,
    )
    return format_html(
        '<p id="matching" role="status">{}</p>\n', _filled(sentence, count, cost, committed)
    )


def _filled(sentence: str, count: int, cost: str = "", committed: str = "") -> SafeString:
    """``sentence`` (our own catalogue's: trusted, as in a template) with its
    values escaped into it, as ``{% blocktranslate %}`` does."""
    values = {"counter": count, "cost": conditional_escape(cost)}
    values["committed"] = conditional_escape(committed)
    return mark_safe(sentence % values)  # noqa: S308 - values escaped above


def rows_table(
    rows: list[str],
    *,
    number: int,
    pages: int,
    can_certify: bool,
    matching: queries.StateCount,
    cost_shown: str,
    committed_shown: str,
) -> SafeString:
    """The page's rows (each rendered and kept on its own) in their table, with
    the totals of every matching grant and, for who may certify, the button."""
    select, head, button = _table_frame(get_language(), can_certify)
    if rows:
        body = mark_safe("".join(rows))  # noqa: S308 - each row escaped by ``row``
        total = ngettext(
            "Total of the %(counter)s matching grant",
            "Total of the %(counter)s matching grants, every page",
            matching.count,
        )
        foot = format_html(
            '      <tfoot><tr>\n        <th scope="row" colspan="{}">{}</th>\n'
            '        <td class="num">{}</td>\n        <td class="num">{}</td>\n'
            "      </tr></tfoot>\n",
            8 if can_certify else 7,
            _filled(total, matching.count),
            cost_shown,
            committed_shown,
        )
    else:
        body = format_html(
            '          <tr><td colspan="{}" class="empty">{}</td></tr>\n',
            10 if can_certify else 9,
            _("No nomination matches."),
        )
        foot = ""
    caption = _("Grants, page %(number)s of %(count)s") % {"number": number, "count": pages}
    return format_html(
        '  <div class="table-wrap">\n    <table class="numbers" id="grants">\n'
        "      <caption>{}</caption>\n"
        "      <thead><tr>\n        {}{}\n      </tr></thead>\n"
        "      <tbody>\n{}      </tbody>\n{}    </table>\n  </div>\n{}",
        caption,
        select,
        head,
        body,
        foot,
        button,
    )


@functools.lru_cache(maxsize=64)
def _table_frame(language: str, can_certify: bool) -> tuple[str, str, str]:
    """What the rows table shows whatever the page: the selection column's
    and the other columns' headings, and the certifying button, in
    ``language`` (looked up once: right after a change they were a third
    of the table's time)."""
    headings = _headings()
    head = format_html_join(
        "\n",
        '        <th scope="col"{}>{}</th>',
        (
            (mark_safe(' class="num"') if numeric else "", headings[name])  # noqa: S308
            for name, numeric in ROW_COLUMNS
        ),
    )
    if not can_certify:
        return "", head, ""
    select = format_html(
        '<th scope="col"><span class="visually-hidden">{}</span></th>\n', _("Select")
    )
    button = format_html(
        '  <p><button type="submit" class="button button-primary">{}</button></p>\n'
        '  <p class="help">{}</p>\n',
        _("Certify selected"),
        _(
            "Only submitted nominations can be selected. Each is certified in your "
            "name, or refused with its reason."
        ),
    )
    return select, head, button


@dataclass(frozen=True)
class RowLabels:
    """What every row of a page shares: the reader's certifying role, the
    state that may be certified, the link's start and the words in the
    reader's language."""

    can_certify: bool
    certifiable: str
    detail_url: str
    select: str
    ldc: str
    claim_overdue: str


def row(shown, labels: RowLabels) -> str:
    """A row of the queue (``grants.views.QueueRow``), written with the standard
    library's ``html.escape`` (what Django's ``escape`` does, without its lazy
    wrapper: through ``format_html`` a page of 50 rows cost 2.6 ms, a tenth of
    that here). Every value is escaped; the labels too. Returned as a plain
    str, kept so in the cache (a pickled SafeString costs ten times as much):
    ``rows_table`` marks the rows safe."""
    grant = shown.grant
    select = ""
    if labels.can_certify:
        checkbox = ""
        if grant.state == labels.certifiable:
            checkbox = (
                f'<input type="checkbox" name="grant" value="{_e(grant.pk)}"'
                f' id="select-{_e(grant.pk)}"'
                f' aria-label="{_e(labels.select)} {_e(grant.reference)}">'
            )
        select = f"<td>{checkbox}</td>"
    ldc = f' <span class="tag">{_e(labels.ldc)}</span>' if grant.ldc_on_eligibility_date else ""
    overdue = (
        f' <span class="tag tag-warn claim-overdue">{_e(labels.claim_overdue)}</span>'
        if shown.claim_overdue
        else ""
    )
    link = _e(labels.detail_url) + _e(quote(grant.reference, safe="/"))
    return (
        f"\n          <tr>\n            {select}\n"
        f'            <th scope="row"><a class="reference" href="{link}/">'
        f"{_e(grant.reference)}</a></th>\n"
        f"            <td>{_e(grant.nominee_name)}<br>"
        f"<small>{_e(grant.nominee_title)}</small></td>\n"
        f"            <td>{_e(shown.country)}</td>\n"
        f"            <td>{_e(shown.region or chr(0x2014))}</td>\n"
        f"            <td>{_e(shown.gender)}</td>\n"
        f"            <td>{_e(shown.priority)}{ldc}</td>\n"
        f'            <td><span class="status">{_e(shown.state)}</span>{overdue}</td>\n'
        f'            <td class="num">{_e(shown.cost)}</td>\n'
        f'            <td class="num">{_e(shown.committed)}</td>\n'
        "          </tr>\n\n"
    )


@functools.lru_cache(maxsize=8192)
def _escaped(text: str) -> str:
    return html.escape(text)


def _e(value) -> str:
    """Django's ``escape``, minus its lazy wrapper: ``html.escape`` of the text
    (remembered: a page repeats its labels, and the next page its names)."""
    return _escaped(str(value))
