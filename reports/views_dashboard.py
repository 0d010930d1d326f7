"""The fund dashboard: charts with their numbers in tables, for those who read
the books (everything) and for donors (the public figures and their own)."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donors.models import Donor
from fundmgr.models import Fund
from fundmgr.roles import BOOK_READERS, Role, has_role, role_required
from reports.charts import bar_chart, line_chart
from reports.services.dashboard import Dashboard, build_dashboard


def charts_for(dashboard: Dashboard) -> dict:
    """The SVG geometry of each chart, from the same figures the tables show."""
    currency = dashboard.fund.base_currency
    months = [m.month for m in dashboard.months]
    series = [
        ("pledged", _("Pledged"), [m.pledged for m in dashboard.months]),
        ("received", _("Received"), [m.received for m in dashboard.months]),
    ]
    if dashboard.full:
        series += [
            ("committed", _("Committed"), [m.committed for m in dashboard.months]),
            ("disbursed", _("Disbursed"), [m.disbursed for m in dashboard.months]),
        ]
    charts = {
        "over_time": line_chart(_("Cumulative totals by month"), months, series, currency),
        "countries": bar_chart(
            _("Delegates funded per country"),
            [(s.label, s.count) for s in dashboard.grants_by_country],
        ),
        "regions": bar_chart(
            _("Delegates funded by region"),
            [(s.label, s.count) for s in dashboard.grants_by_region],
        ),
        "genders": bar_chart(
            _("Delegates funded by gender"),
            [(s.label, s.count) for s in dashboard.grants_by_gender],
        ),
    }
    if dashboard.full:
        charts["kinds"] = bar_chart(
            _("Contributions received by kind of donor"),
            [(row.label, row.received) for row in dashboard.by_kind],
            currency,
        )
        charts["currencies"] = bar_chart(
            _("Contributions received by currency, in the fund's currency"),
            [(row.currency, row.received_base) for row in dashboard.by_currency],
            currency,
        )
        charts["states"] = bar_chart(
            _("Travel grants by state"),
            [(s.label, s.count) for s in dashboard.grants_by_state],
        )
        charts["ldc"] = bar_chart(
            _("Delegates funded by LDC status"),
            [(s.label, s.count) for s in dashboard.grants_by_ldc],
        )
    return charts


@role_required(*BOOK_READERS, Role.DONOR)
def fund_dashboard(request, code):
    """Book readers see everything; a donor sees the fund's public figures
    (any fund's, as its public page does) and their own contributions."""
    fund = get_object_or_404(Fund, code=code)
    full = has_role(request.user, *BOOK_READERS)
    donor = None if full else Donor.objects.filter(user=request.user).first()
    today = timezone.localdate()
    # Any past date; a bad or future one shows today's figures, and says so.
    raw = request.GET.get("as_of", "").strip()
    form = DashboardDateForm({"as_of": raw}) if raw else DashboardDateForm(initial={"as_of": today})
    as_of = form.cleaned_data["as_of"] if raw and form.is_valid() else today
    dashboard = build_dashboard(fund, as_of, full=full, donor=donor)
    return render(
        request,
        "reports/dashboard.html",
        {
            "fund": fund,
            "dashboard": dashboard,
            "donor": donor,
            "charts": charts_for(dashboard),
            "as_of_form": form,
        },
    )


class DashboardDateForm(forms.Form):
    as_of = forms.DateField(
        label=_("Figures as of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2019-03-31.")},
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The figures cannot be as of a future date."))
        return day
