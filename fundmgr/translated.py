"""Reference texts staff enter per language (a fund's, an appeal's, an
event's and a session's names and descriptions, a fund's bank instructions),
read in the reader's language, falling back to English.

The English text stays in its own column (``name``: what sorting, search,
the audit and the database read); the other languages are one JSON column
beside it (``name_i18n``: ``{"fr": "...", "ar": "..."}``). A translated field
(``TranslatedCharField``, ``TranslatedTextField``) answers ``fund.name`` in
the language active, so every page, e-mail, PDF letter, export and API
answer that names a fund reads it in its reader's language with no change
of its own, and no query more: the translations come with the row. Forms,
the admin, saving and validation read and write the English column only
(``raw``), whatever the language of the person editing. A query that reads
values rather than rows (``values_list``) gets English; ``in_language``
picks from the two columns it reads.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ENGLISH = "en"


def other_languages() -> list[tuple[str, Any]]:
    """The site's languages but English, as ``(code, name)``, in the UN's order."""
    return [(code, name) for code, name in settings.LANGUAGES if code != ENGLISH]


def in_language(english: str, translations: dict | None, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else the English."""
    language = (language or get_language() or ENGLISH).lower()
    if language == ENGLISH or not translations:
        return english
    return translations.get(language) or english


def i18n_name(name: str) -> str:
    """The column holding the other languages' texts of the field ``name``."""
    return f"{name}_i18n"


class InLanguage(DeferredAttribute):
    """``obj.name``: the text in the active language; ``obj.name = x`` sets the English."""

    def __get__(self, instance, cls=None):
        english = super().__get__(instance, cls)
        if instance is None:
            return english
        # Deferred translations are not loaded (a query per row): English.
        translations = instance.__dict__.get(i18n_name(self.field.attname))
        return in_language(english, translations)

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class TranslatedMixin:
    """A field whose attribute reads in the active language; the column is English."""

    descriptor_class = InLanguage

    def raw(self, instance) -> str:
        """The English text, as stored."""
        return DeferredAttribute.__get__(self.descriptor_class(self), instance)

    def pre_save(self, model_instance, add):
        return self.raw(model_instance)

    def value_from_object(self, obj):
        return self.raw(obj)

    def clean(self, value, model_instance):
        # Model.clean_fields passes what the attribute reads (the translation).
        if model_instance is not None:
            value = self.raw(model_instance)
        return super().clean(value, model_instance)

    def deconstruct(self):
        # Stored as the plain field it is: no migration, the same column.
        name, path, args, kwargs = super().deconstruct()
        return name, f"django.db.models.{type(self).__mro__[2].__name__}", args, kwargs


class TranslatedCharField(TranslatedMixin, models.CharField):
    pass


class TranslatedTextField(TranslatedMixin, models.TextField):
    pass


# --- Entering them ----------------------------------------------------------


class TranslationsWidget(forms.MultiWidget):
    """One labelled input per language but English."""

    template_name = "fundmgr/widgets/translations.html"

    def __init__(self, multiline: bool = False, attrs=None):
        widget = forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput()
        languages = other_languages()
        self.languages = [code for code, _name in languages]
        self.language_names = dict(languages)
        super().__init__({code: widget for code in self.languages}, attrs)

    def decompress(self, value):
        value = value or {}
        return [value.get(code, "") for code in self.languages]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for code, subwidget in zip(self.languages, context["widget"]["subwidgets"], strict=True):
            subwidget["language"] = code
            subwidget["language_name"] = self.language_names[code]
            subwidget["attrs"]["lang"] = code.replace("zh-hans", "zh-Hans")
            if code == "ar":
                subwidget["attrs"]["dir"] = "rtl"
        return context


class TranslationsFormField(forms.MultiValueField):
    """``{language: text}`` from one input per language; blank ones left out."""

    def __init__(self, *, max_length: int | None = None, multiline: bool = False, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("required", None)
        fields = [
            forms.CharField(required=False, max_length=max_length, label=name)
            for _code, name in other_languages()
        ]
        kwargs.setdefault(
            "help_text", _("Leave a language blank to show the English text to its readers.")
        )
        super().__init__(
            fields,
            require_all_fields=False,
            required=False,
            widget=TranslationsWidget(multiline=multiline),
            **kwargs,
        )

    def compress(self, data_list):
        codes = [code for code, _name in other_languages()]
        texts = {code: (text or "").strip() for code, text in zip(codes, data_list, strict=False)}
        return {code: text for code, text in texts.items() if text} or None

    def has_changed(self, initial, data):
        return (initial or None) != self.compress(
            [self.fields[i].clean(value) for i, value in enumerate(data or [])]
        )


class TranslationsField(models.JSONField):
    """The JSON column of a translated field, entered as one input per language."""

    def __init__(self, *args, for_field: str = "", multiline: bool = False, **kwargs):
        self.for_field, self.multiline = for_field, multiline
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def formfield(self, **kwargs):
        max_length = None
        if self.for_field and hasattr(self, "model"):
            max_length = self.model._meta.get_field(self.for_field).max_length
        return TranslationsFormField(
            label=self.verbose_name,
            max_length=max_length,
            multiline=self.multiline,
        )

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is None:
            return
        codes = {code for code, _name in other_languages()}
        if not isinstance(value, dict) or not set(value) <= codes:
            raise forms.ValidationError(_("Give texts only for the site's other languages."))
        if not all(isinstance(text, str) for text in value.values()):
            raise forms.ValidationError(_("Each translation is a text."))
