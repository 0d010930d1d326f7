"""The public pledge form: who gives, how much, in which currency, how to pay."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donors.models import DonorKind, FormOfAddress, PaymentMethod
from donors.services.pledges import PledgeError, check_contact
from fundmgr.form_fields import CountryChoiceField
from fundmgr.models import Country
from fundmgr.services.rates import currencies_with_rates
from fundmgr.uploads import UploadForm


class PledgeForm(forms.Form):
    name = forms.CharField(label=_("Name of the donor"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of donor"), choices=DonorKind.choices)
    country = CountryChoiceField(
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
    contact_name = forms.CharField(
        label=_("Contact person's full name"), max_length=200, required=False
    )
    contact_family_name = forms.CharField(
        label=_("Family name"),
        help_text=_("Used after the form of address: “Dear Ms Tanaka,”. Empty: the full name."),
        max_length=100,
        required=False,
    )
    contact_form_of_address = forms.ChoiceField(
        label=_("Form of address"), choices=FormOfAddress.choices, required=False
    )
    contact_title = forms.CharField(
        label=_("Or a title"),
        help_text=_("Instead of the form of address, e.g. Ambassador or Professor."),
        max_length=60,
        required=False,
    )
    letter = forms.FileField(
        label=_("Pledge letter (PDF, up to 10 MB)"),
        help_text=_("Any binding pledge may have its letter; a pledge in instalments needs one."),
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

    def clean(self):
        data = super().clean()
        try:
            data["contact"] = check_contact(
                data.get("contact_name", ""),
                data.get("contact_family_name", ""),
                data.get("contact_form_of_address", ""),
                data.get("contact_title", ""),
            )
        except PledgeError as refused:
            self.add_error("contact_name", str(refused))
        return data


class InstalmentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Instalment amount"), min_value=Decimal("0.001"), max_digits=17, decimal_places=3
    )
    due_date = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, number: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if number is not None:
            # Each row's labels say which instalment they are, read out of context.
            self.fields["amount"].label = _("Amount of instalment %(number)d") % {"number": number}
            self.fields["due_date"].label = _("Due date of instalment %(number)d") % {
                "number": number
            }


#: Instalments one pledge may have: ten years of monthly payments.
MAX_INSTALMENTS = 120
#: Empty rows the form starts with.
FIRST_ROWS = 3
#: The submit buttons that add or remove a row instead of pledging (no JavaScript).
ROW_ACTION = "instalments-action"


class BaseInstalmentFormSet(forms.BaseFormSet):
    """Rows numbered from 1 in their labels; an unbound formset shows ``rows``
    (what was typed, re-rendered after a row was added or removed) as extra,
    empty-permitted forms, so a row left empty is skipped, not refused."""

    def __init__(self, *args, rows: list[dict] | None = None, **kwargs):
        self.rows = rows or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["number"] = index + 1
            if index < len(self.rows):
                kwargs["initial"] = self.rows[index]
        return kwargs


def instalment_formset(data=None, *, rows: list[dict] | None = None):
    """The pledge form's instalments: bound to ``data``, or showing ``rows``."""
    shown = FIRST_ROWS if rows is None else len(rows)
    formset = forms.formset_factory(
        InstalmentForm,
        formset=BaseInstalmentFormSet,
        extra=shown,
        max_num=MAX_INSTALMENTS,
        absolute_max=MAX_INSTALMENTS,
        validate_max=True,
    )
    return formset(data, rows=rows, prefix="instalments")


def typed_rows(data, action: str) -> list[dict] | None:
    """The rows as typed, with one added or one removed, for the button
    ``action`` ("add" or "remove-<index>"); None for any other value."""
    try:
        count = min(max(int(data.get("instalments-TOTAL_FORMS", 0)), 0), MAX_INSTALMENTS)
    except (TypeError, ValueError):
        count = 0
    rows = [
        {
            "amount": str(data.get(f"instalments-{i}-amount", ""))[:40],
            "due_date": str(data.get(f"instalments-{i}-due_date", ""))[:40],
        }
        for i in range(count)
    ]
    if action == "add":
        return rows + [{}] if len(rows) < MAX_INSTALMENTS else rows
    if action.startswith("remove-") and action[7:].isdigit():
        index = int(action[7:])
        return [row for i, row in enumerate(rows) if i != index]
    return None


class StatementUploadForm(UploadForm):
    """A bank statement: the project's CSV or XLSX, or the bank's own CAMT.053
    (XML) or MT940 file, told apart by content (the accepted suffixes only
    help the browser's file picker)."""

    file = forms.FileField(
        label=_("Bank statement: CSV, XLSX, CAMT.053 (XML) or MT940 file"),
        help_text=_(
            "Your bank's own statement export works as it is: ISO 20022 CAMT.053 "
            "(camt.053.001.02 or later) or SWIFT MT940. Only booked entries are imported."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,.xml,.053,.sta,.940,.mt940,.txt"}
        ),
    )
