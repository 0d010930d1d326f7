"""Intake forms: a nomination, a file of nominations with its notes verbales,
an airfare quote. They only shape input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fundmgr.form_fields import CountryChoiceField
from fundmgr.models import Country
from fundmgr.services.rates import currencies_with_rates
from fundmgr.uploads import UploadForm
from grants.models import Gender
from grants.services.nomination_import import MAX_ZIP_BYTES

DATE_ERROR = _("Enter the date as YYYY-MM-DD, for example 2019-03-18.")


def date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )


class NominationForm(forms.Form):
    nominee_name = forms.CharField(label=_("Delegate's name"), max_length=200)
    nominee_title = forms.CharField(label=_("Title or function"), max_length=200)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    country = CountryChoiceField(label=_("Nominating country"), queryset=Country.objects.none())
    nominee_email = forms.EmailField(label=_("Delegate's e-mail (optional)"), required=False)
    departure_city = forms.CharField(label=_("Departure city"), max_length=100)
    departure_airport = forms.CharField(
        label=_("Departure airport"),
        max_length=3,
        min_length=3,
        help_text=_("Its three-letter IATA code, such as KTM for Kathmandu."),
    )
    depart_on = date_field(_("Departure date"))
    return_on = date_field(_("Return date"))
    note_verbale = forms.FileField(
        label=_("Note verbale (PDF, up to 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, countries=None, **kwargs):
        """``countries``: the ISO codes the person may nominate for, None for any."""
        super().__init__(*args, **kwargs)
        queryset = Country.objects.all()  # named and ordered in the reader's language
        if countries is not None:
            queryset = queryset.filter(iso2__in=countries)
        self.fields["country"].queryset = queryset
        if countries is not None and len(countries) == 1:
            self.fields["country"].initial = next(iter(countries))


class NominationImportForm(UploadForm):
    documents = forms.FileField(
        label=_("Notes verbales (a ZIP of PDF files)"),
        help_text=_("The note_verbale column names a file in this ZIP."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_documents(self):
        upload = self.cleaned_data["documents"]
        if upload.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(_("The ZIP file is larger than 200 MB."))
        return upload


class QuoteForm(forms.Form):
    route = forms.CharField(
        label=_("Route"),
        max_length=300,
        help_text=_("Economy round trip, airports in order, e.g. KTM-DOH-EZE-DOH-KTM."),
    )
    fare = forms.DecimalField(
        label=_("Fare"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    currency = forms.ChoiceField(label=_("Currency"))
    travel_hours = forms.DecimalField(
        label=_("Total travel time (hours, both ways)"),
        min_value=Decimal("0.1"),
        max_digits=5,
        decimal_places=1,
    )
    quoted_on = date_field(_("Quoted on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies_with_rates()]
        self.fields["currency"].initial = "USD"
