from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.scopes import Scope
from api.services.tokens import EXPIRY_CHOICES_DAYS


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used: “Ministry ERP”, “Dashboard”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
        choices=(),
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        self.fields["scopes"].choices = [(scope, labels[scope]) for scope in allowed]
        # Built here, in the reader's language (a label formatted at import would not be).
        self.fields["days"].choices = [
            (days, gettext("%(days)d days") % {"days": days}) for days in EXPIRY_CHOICES_DAYS
        ]
