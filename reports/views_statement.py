"""The fund's financial statement page: thin, the figures come from
reports.services.statement."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.models import Fund
from fundmgr.roles import BOOK_READERS, role_required
from reports.services.statement import StatementError, fund_statement


def _date(raw: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise StatementError(
            _(
                "“%(value)s” is not a date for %(what)s: "
                "enter it as YYYY-MM-DD, for example 2019-03-31."
            )
            % {"value": raw, "what": what}
        ) from None


@role_required(*BOOK_READERS)
def fund_statement_page(request, code):
    """Every book reader may read every fund's statement (BOOK_READERS reads
    every fund's books); the fund must exist."""
    fund = get_object_or_404(Fund, code=code)
    raw_as_of = request.GET.get("as_of", "").strip()
    raw_from = request.GET.get("from", "").strip()
    errors = []
    as_of = timezone.localdate()
    period_start = None
    try:
        if raw_as_of:
            as_of = _date(raw_as_of, _("the statement date"))
    except StatementError as bad:
        errors.append(str(bad))
    try:
        if raw_from:
            period_start = _date(raw_from, _("the start of the period"))
    except StatementError as bad:
        errors.append(str(bad))
    statement = None
    if not errors:
        try:
            statement = fund_statement(fund, as_of, period_start)
        except StatementError as bad:
            errors.append(str(bad))
    return render(
        request,
        "reports/statement.html",
        {
            "fund": fund,
            "statement": statement,
            "errors": errors,
            "as_of_value": raw_as_of or as_of.isoformat(),
            "from_value": raw_from,
        },
        status=400 if errors else 200,
    )
