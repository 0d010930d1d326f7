"""The public pledge form: who gives, how much, in which currency, how to pay."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donors.models import DonorKind, PaymentMethod
from fundmgr.models import Country
from fundmgr.services.rates import currencies_with_rates


class PledgeForm(forms.Form):
    name = forms.CharField(label=_("Name of the donor"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of donor"), choices=DonorKind.choices)
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.all(),
        required=False,
        empty_label=_("— none —"),
    )
    email = forms.EmailField(label=_("E-mail"))
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.001"), max_digits=17, decimal_places=3
    )
    currency = forms.ChoiceField(label=_("Currency"))
    method = forms.ChoiceField(
        label=_("How to pay"), choices=PaymentMethod.choices, widget=forms.RadioSelect
    )
    letter = forms.FileField(
        label=_("Pledge letter (PDF, up to 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    listed_publicly = forms.BooleanField(label=_("List my name among the donors"), required=False)
    # One per rendering of the form: posting it twice makes one card payment.
    checkout_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, methods=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["currency"].choices = [(c, c) for c in currencies_with_rates(today)]
        self.fields["currency"].initial = "USD"
        if methods is not None:
            self.fields["method"].choices = [
                (value, label) for value, label in PaymentMethod.choices if value in methods
            ]


class InstalmentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Instalment amount"), min_value=Decimal("0.001"), max_digits=17, decimal_places=3
    )
    due_date = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=3, max_num=20, absolute_max=20)
