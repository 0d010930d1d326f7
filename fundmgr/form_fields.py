"""Form fields shared by the apps."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator

from fundmgr.formatting import country_choices


class _CountryChoices(ModelChoiceIterator):
    """Each country as its code and its name in the reader's language, in
    that language's order (``country_choices``), read as two columns: a
    select of 250 countries made 250 model instances for their names on every
    render of the pledge form. What the field cleans is still a ``Country``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from country_choices(self.queryset.values_list("pk", "name"))


class CountryChoiceField(forms.ModelChoiceField):
    """A choice of ``fundmgr.models.Country`` (its queryset names which),
    labelled and ordered in the reader's language."""

    iterator = _CountryChoices
