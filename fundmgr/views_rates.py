"""UN operational rates of exchange: the list, the import, and corrections
(replace an unused rate, revise a used one from a date) with their history.

Thin views over fundmgr.services.rate_import and rate_corrections; the list
and the history run a fixed number of queries whatever their size.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fundmgr.formatting import long_date
from fundmgr.models import AuditRecord, ExchangeRate
from fundmgr.rate_queries import with_use
from fundmgr.roles import BOOK_READERS, Role, has_role, require_role, role_required
from fundmgr.services.rate_corrections import (
    RATE_KEEPERS,
    RateCorrectionRefused,
    replace_rate,
    revise_rate,
)
from fundmgr.services.rate_import import (
    anchor_rows_skipped,
    import_exchange_rates,
    rates_imported,
    rates_replaced,
)
from fundmgr.tabular import FileRejected
from fundmgr.uploads import UploadForm

PAGE_SIZE = 50
#: The audit actions shown as the rates' correction history.
CORRECTIONS = ("rates:replaced", "rates:revised")


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class RateFilterForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", _("All currencies"))] + [
            (code, code) for code in currencies
        ]


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2019-03-15.")},
    )


class CorrectionForm(forms.Form):
    """What both corrections ask: a currency among those with rates, the new
    figure, whether it is illustrative, and why."""

    currency = forms.ChoiceField(label=_("Currency"))
    units_per_usd = forms.DecimalField(
        label=_("New rate (units per US dollar)"),
        max_digits=20,
        error_messages={"invalid": _("Enter the rate as a number, for example 0.8925.")},
    )
    illustrative = forms.BooleanField(
        label=_("This is a demo or estimated rate, not an official UN rate"), required=False
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", "—")] + [(code, code) for code in currencies]


class ReplaceRateForm(CorrectionForm):
    prefix = "replace"
    effective_date = _date_field(_("Effective date of the rate to replace"))
    field_order = ["currency", "effective_date", "units_per_usd", "illustrative", "reason"]


class ReviseRateForm(CorrectionForm):
    prefix = "revise"
    effective_from = _date_field(_("Revised rate in force from"))
    field_order = ["currency", "effective_from", "units_per_usd", "illustrative", "reason"]


def _currencies() -> list[str]:
    return list(
        ExchangeRate.objects.order_by("currency").values_list("currency", flat=True).distinct()
    )


def _rates_page(request, *, replace_form=None, revise_form=None, status=200):
    currencies = _currencies()
    form = RateFilterForm(request.GET or None, currencies=currencies)
    rates = with_use(ExchangeRate.objects.select_related("revises", "recorded_by"))
    currency = ""
    if form.is_valid():
        currency = form.cleaned_data["currency"]
        if currency:
            rates = rates.filter(currency=currency)
    can_correct = has_role(request.user, *RATE_KEEPERS)
    context = {
        "form": form,
        "currency": currency,
        "page": _page(request, rates),
        "can_import": can_correct,
        "can_correct": can_correct,
    }
    if can_correct:
        context["replace_form"] = replace_form or ReplaceRateForm(
            currencies=currencies, initial={"currency": currency}
        )
        context["revise_form"] = revise_form or ReviseRateForm(
            currencies=currencies, initial={"currency": currency}
        )
    return render(request, "rates/list.html", context, status=status)


@role_required(*BOOK_READERS)
def exchange_rates(request):
    """UN operational rates of exchange, one currency or all, newest first per
    currency, each marked in use or not; for finance, the correction forms."""
    return _rates_page(request)


def _back_to(currency: str):
    return redirect(f"{reverse('exchange-rates')}?currency={currency}")


@role_required(*RATE_KEEPERS)
@require_POST
def replace_exchange_rate(request):
    """Correct a rate no posted entry was converted at."""
    form = ReplaceRateForm(request.POST, currencies=_currencies())
    if form.is_valid():
        data = form.cleaned_data
        rate = (
            ExchangeRate.objects.current()
            .filter(currency=data["currency"], effective_date=data["effective_date"])
            .first()
        )
        if rate is None:
            form.add_error(
                "effective_date",
                _("No %(currency)s rate takes effect on that date.")
                % {"currency": data["currency"]},
            )
        else:
            try:
                rate = replace_rate(
                    rate,
                    data["units_per_usd"],
                    data["reason"],
                    request.user,
                    illustrative=data["illustrative"],
                )
            except RateCorrectionRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("The %(currency)s rate of %(day)s is now %(rate)s.")
                    % {
                        "currency": rate.currency,
                        "day": long_date(rate.effective_date),
                        "rate": rate.units_per_usd,
                    },
                )
                return _back_to(rate.currency)
    return _rates_page(request, replace_form=form, status=400)


@role_required(*RATE_KEEPERS)
@require_POST
def revise_exchange_rate(request):
    """Record a revised rate from a date; posted entries keep theirs."""
    form = ReviseRateForm(request.POST, currencies=_currencies())
    if form.is_valid():
        data = form.cleaned_data
        try:
            revision = revise_rate(
                data["currency"],
                data["effective_from"],
                data["units_per_usd"],
                data["reason"],
                request.user,
                illustrative=data["illustrative"],
            )
        except RateCorrectionRefused as refused:
            form.add_error(None, str(refused))
        else:
            rate = revision.rate
            messages.success(
                request,
                _("%(currency)s is at %(rate)s from %(day)s (it was %(old)s).")
                % {
                    "currency": rate.currency,
                    "rate": rate.units_per_usd,
                    "day": long_date(rate.effective_date),
                    "old": revision.revised.units_per_usd,
                },
            )
            if revision.entries_kept:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d posted entry dated from then keeps the rate it was "
                        "converted at; reverse it and post it again if it must change.",
                        "%(count)d posted entries dated from then keep the rate they were "
                        "converted at; reverse them and post them again if they must change.",
                        revision.entries_kept,
                    )
                    % {"count": revision.entries_kept},
                )
            return _back_to(rate.currency)
    return _rates_page(request, revise_form=form, status=400)


@role_required(*BOOK_READERS)
def rate_history(request):
    """Every correction of a rate: who, when, why, the old and new figures."""
    records = AuditRecord.objects.for_table().filter(action__in=CORRECTIONS)
    return render(request, "rates/history.html", {"page": _page(request, records)})


class RateImportForm(UploadForm):
    illustrative = forms.BooleanField(
        label=_("These are demo or estimated rates, not official UN rates"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Columns: currency, effective_date (YYYY-MM-DD), units_per_usd."
        )


@role_required(*RATE_KEEPERS, Role.AUDITOR)
def import_rates(request):
    """Upload a rates file: all of it is saved, or nothing and every bad line is
    listed. The auditor reads the page (what an import checks, its columns)
    without the form, as on the other import pages; their posts: 403."""
    if request.method == "POST":
        require_role(request.user, *RATE_KEEPERS)
    form = RateImportForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_exchange_rates(
                upload,
                request.user,
                name=upload.name,
                illustrative=form.cleaned_data["illustrative"],
            )
        except FileRejected as error:
            rejected = error
        else:
            messages.success(request, rates_imported(upload.name, result))
            if result.replaced:
                messages.info(request, rates_replaced(result.replaced))
            if result.skipped:
                messages.info(request, anchor_rows_skipped(result.skipped))
            return redirect("exchange-rates")
    return render(
        request,
        "rates/import.html",
        {"form": form, "rejected": rejected, "can_import": has_role(request.user, *RATE_KEEPERS)},
    )
