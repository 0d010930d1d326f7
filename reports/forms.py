"""Forms of the finance reports. They only shape input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fundmgr.money import decimal_from_text
from reports.models import BudgetCategory, FundingSource

DATE_ERROR = _("Enter the date as YYYY-MM-DD, for example 2019-03-10.")


def date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )


class AmountField(forms.Field):
    """A written amount read as a Decimal (a point for decimals, commas only
    between thousands); never a float."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 30})

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return decimal_from_text(value[:40])
        except ValueError as bad:
            raise forms.ValidationError(str(bad)) from bad


class LineChoiceForm(forms.Form):
    """A form with a budget line picked among the event's lines, given by the
    view (already read: no query of its own)."""

    line_sources: tuple[str, ...] = ()

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {
            str(line.pk): line
            for line in lines
            if not self.line_sources or line.funding_source in self.line_sources
        }
        if "budget_line" in self.fields:
            choices = [(pk, line.name) for pk, line in self.lines.items()]
            self.fields["budget_line"].choices = [("", "—")] + choices

    def clean_budget_line(self):
        value = self.cleaned_data.get("budget_line")
        return self.lines.get(value) if value else None


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=BudgetCategory.choices)
    label = forms.CharField(
        label=_("Label"),
        max_length=200,
        required=False,
        help_text=_("Required for “Other”: say what the line is."),
    )
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=FundingSource.choices)
    budget = AmountField(label=_("Budget (in the fund's currency)"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LineFiguresForm(LineChoiceForm):
    budget_line = forms.ChoiceField(label=_("Budget line"))
    budget = AmountField(label=_("New budget"), required=False, help_text=_("Empty: unchanged."))
    actual = AmountField(
        label=_("Actual cost"),
        required=False,
        help_text=_("Empty: unchanged. Not for delegates' travel (the grants give it)."),
    )
    clear_actual = forms.BooleanField(label=_("Clear the entered actual cost"), required=False)
    why = forms.CharField(label=_("Why"), max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("budget_line") is None and not self.errors.get("budget_line"):
            self.add_error("budget_line", _("Choose a budget line."))
        if (
            data.get("budget") is None
            and data.get("actual") is None
            and not data.get("clear_actual")
        ):
            raise forms.ValidationError(_("Give a new budget or an actual cost."))
        return data


class HostRecordForm(LineChoiceForm):
    amount = AmountField(label=_("Amount"))
    currency = forms.CharField(
        label=_("Currency"),
        min_length=3,
        max_length=3,
        help_text=_("ISO code, such as ARS or USD; a UN rate must be in force on the date."),
    )
    date = date_field(_("Date"))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("The host's note, transfer or invoice reference: one record per reference."),
    )
    description = forms.CharField(label=_("Description"), max_length=300)

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


class HostContributionForm(HostRecordForm):
    PLEDGE_CASH = "pledge_cash"
    PLEDGE_IN_KIND = "pledge_in_kind"
    CASH_RECEIVED = "cash_received"
    IN_KIND_PROVIDED = "in_kind_provided"

    what = forms.ChoiceField(
        label=_("What"),
        choices=[
            (PLEDGE_CASH, _("Pledge in cash (no entry)")),
            (PLEDGE_IN_KIND, _("Pledge in kind (no entry)")),
            (CASH_RECEIVED, _("Cash received")),
            (IN_KIND_PROVIDED, _("Services provided in kind")),
        ],
    )
    budget_line = forms.ChoiceField(
        label=_("Budget line"),
        required=False,
        help_text=_("Required for services provided in kind: a line funded in kind."),
    )
    line_sources = (FundingSource.HOST_CASH, FundingSource.HOST_IN_KIND)
    field_order = ["what", "amount", "currency", "date", "reference", "description", "budget_line"]

    def clean(self):
        data = super().clean()
        if data.get("what") == self.IN_KIND_PROVIDED and not data.get("budget_line"):
            self.add_error("budget_line", _("Services in kind go to a budget line funded in kind."))
        return data


class HostCostForm(HostRecordForm):
    budget_line = forms.ChoiceField(label=_("Budget line (funded by host cash)"))
    line_sources = (FundingSource.HOST_CASH,)
    field_order = ["budget_line", "amount", "currency", "date", "reference", "description"]

    def clean(self):
        data = super().clean()
        if data.get("budget_line") is None and not self.errors.get("budget_line"):
            self.add_error("budget_line", _("Choose a budget line funded by host cash."))
        return data


class ReportingDateForm(forms.Form):
    """The conference page's reporting date (GET): the host's cash is shown
    as of it and revalued at its rates."""

    as_of = forms.DateField(
        label=_("Reporting date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The reporting date cannot be in the future."))
        return day
