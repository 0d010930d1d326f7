"""The forms' renderer writes a select's options in Python
(fundmgr/form_renderer.py): the HTML must be Django's own, character for
character, whatever the choices, groups, values, attributes and language."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmgr.form_renderer import FormRenderer
from fundmgr.models import Country

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)


def both(widget: forms.Widget, name: str, value) -> tuple[str, str]:
    """The widget rendered by Django's renderer and by ours."""
    theirs = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=DjangoTemplates())
    ours = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=FormRenderer())
    return theirs, ours


@settings(max_examples=150, deadline=None)
@given(
    choices=st.lists(st.tuples(TEXT, TEXT), max_size=6),
    groups=st.lists(st.tuples(TEXT, st.lists(st.tuples(TEXT, TEXT), max_size=3)), max_size=3),
    chosen=st.lists(TEXT, max_size=3),
    multiple=st.booleans(),
    attrs=st.dictionaries(
        st.sampled_from(["required", "disabled", "data-x", "aria-describedby", "class"]),
        st.one_of(st.booleans(), TEXT),
        max_size=3,
    ),
)
def test_any_select_is_written_as_djangos_templates_write_it(
    choices, groups, chosen, multiple, attrs
):
    widget_class = forms.SelectMultiple if multiple else forms.Select
    widget = widget_class(attrs=attrs, choices=[*choices, *groups])
    value = chosen if multiple else (chosen[0] if chosen else None)
    theirs, ours = both(widget, "field<&>", value)
    assert ours == theirs


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_labels_that_are_numbers_dates_lazy_or_safe_are_shown_as_the_templates_show_them(
    language,
):
    choices = [
        (1, Decimal("1234.5")),
        (2, datetime.date(2019, 3, 20)),
        ("lazy", gettext_lazy("Country")),
        ("safe", mark_safe("<b>kept</b>")),  # noqa: S308 - the test's own markup
        (mark_safe("a&amp;b"), "value already safe"),  # noqa: S308
        (3, 42),
    ]
    with translation.override(language):
        theirs, ours = both(forms.Select(choices=choices), "mixed", 2)
    assert ours == theirs


@pytest.mark.django_db
def test_the_pledge_forms_country_and_currency_selects_are_unchanged():
    from donors.forms import PledgeForm

    form = PledgeForm(initial={"country": Country.objects.get(iso2="NP").pk})
    for name in ("country", "currency", "kind"):
        field = form[name]
        django_html = form.fields[name].widget.render(
            name, field.value(), attrs={"id": field.auto_id}, renderer=DjangoTemplates()
        )
        ours = form.fields[name].widget.render(
            name, field.value(), attrs={"id": field.auto_id}, renderer=FormRenderer()
        )
        assert ours == django_html
        assert ours.count("<option") == len(list(form.fields[name].choices))


def test_a_widget_that_names_its_own_option_template_is_rendered_through_it():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    theirs, ours = both(Fancy(choices=[("a", "A")]), "fancy", "a")
    assert ours == theirs


def test_the_settings_use_this_renderer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)


INPUT_WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.HiddenInput,
    forms.PasswordInput,
    forms.URLInput,
    forms.DateInput,
    forms.TimeInput,
    forms.DateTimeInput,
    forms.FileInput,
    forms.CheckboxInput,
    forms.ColorInput,
    forms.SearchInput,
    forms.TelInput,
]


@settings(max_examples=150, deadline=None)
@given(
    widget_class=st.sampled_from(INPUT_WIDGETS),
    value=st.one_of(
        st.none(),
        TEXT,
        st.booleans(),
        st.integers(),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
        st.dates(),
    ),
    attrs=st.dictionaries(
        st.sampled_from(["required", "disabled", "placeholder", "aria-invalid", "accept"]),
        st.one_of(st.booleans(), TEXT),
        max_size=3,
    ),
)
def test_any_input_is_written_as_djangos_templates_write_it(widget_class, value, attrs):
    widget = widget_class(attrs=attrs)
    theirs, ours = both(widget, "in<&>put", value)
    assert ours == theirs


@pytest.mark.parametrize("wrap_label", [True, False])
@pytest.mark.parametrize("widget_class", [forms.RadioSelect, forms.CheckboxSelectMultiple])
def test_a_radio_buttons_or_checkboxs_option_is_written_as_django_writes_it(
    widget_class, wrap_label
):
    choices = [("a", "A & <b>"), ("b", gettext_lazy("Country")), ("", "none")]

    class Form(forms.Form):
        pick = forms.ChoiceField(choices=choices, widget=widget_class)

    for renderer_class in (DjangoTemplates, FormRenderer):
        form = Form(initial={"pick": "a"}, renderer=renderer_class())
        written = [option.tag(wrap_label=wrap_label) for option in form["pick"]]
        if renderer_class is DjangoTemplates:
            theirs = written
        else:
            assert written == theirs
            assert str(form["pick"]) == str(
                Form(initial={"pick": "a"}, renderer=DjangoTemplates())["pick"]
            )


@pytest.mark.django_db
def test_a_country_choice_offers_what_a_model_choice_offers_and_cleans_to_the_country():
    from fundmgr.form_fields import CountryChoiceField

    ldcs = Country.objects.filter(iso2__in=["NP", "HT", "MW"])
    ours = CountryChoiceField(queryset=ldcs, empty_label="— none —", required=False)
    django_field = forms.ModelChoiceField(queryset=ldcs, empty_label="— none —", required=False)
    assert [(str(v), str(label)) for v, label in ours.choices] == [
        (str(v), str(label)) for v, label in django_field.choices
    ]
    assert ours.widget.render("c", "NP", renderer=FormRenderer()) == (
        django_field.widget.render("c", "NP", renderer=DjangoTemplates())
    )
    assert ours.clean("HT") == Country.objects.get(iso2="HT")
    with pytest.raises(forms.ValidationError):
        ours.clean("FR")  # not among those offered
