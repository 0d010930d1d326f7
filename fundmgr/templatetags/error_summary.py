"""The error summary every page shows above its content when a form on it
comes back with errors (templates/includes/error_summary.html, base.html).

It is found, not passed: every Django form and formset in the page's context
(or in a list or tuple there, as the bank queue's rows hold theirs, or an
item's ``form``) is read, so no form page has to remember it. Each problem links to its field; the
summary takes the focus and the page's title starts with "Error: ", so a
person using a screen reader hears at once that the form was refused.

A refusal said otherwise is treated the same way: an error-level message
(``flash_messages``), or the text a view passes as ``refused`` when an action
is refused and the page is shown again (includes/refusal.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.contrib import messages
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet

register = template.Library()


@dataclass(frozen=True)
class Problem:
    message: str
    label: str = ""
    #: The id of the field's control, or "" (a problem of the whole form).
    anchor: str = ""


def _forms_in(value, depth: int = 0):
    """The forms of a context value: itself, or in a list or tuple (a row),
    or the ``form`` of an item of a list (the grant page's actions)."""
    if isinstance(value, BaseForm | BaseFormSet):
        yield value
    elif depth < 2 and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(getattr(item, "form", item), depth + 1)


def _problems_of_form(form: BaseForm) -> list[Problem]:
    if not form.is_bound or not form.errors:
        return []
    problems = [Problem(str(error)) for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        field = form[name]
        anchor = "" if field.is_hidden else field.id_for_label or ""
        problems += [Problem(str(error), str(field.label or name), anchor) for error in errors]
    return problems


def problems_of(value) -> list[Problem]:
    """Every error of a form or formset, non-field errors first."""
    if isinstance(value, BaseFormSet):
        if not value.is_bound:
            return []
        problems = [Problem(str(error)) for error in value.non_form_errors()]
        for form in value.forms:
            problems += _problems_of_form(form)
        return problems
    return _problems_of_form(value)


@register.simple_tag(takes_context=True)
def form_problems(context) -> list[Problem]:
    """The problems of every form in ``context``, each form once, in order."""
    seen: set[int] = set()
    problems: list[Problem] = []
    for value in context.flatten().values():
        for form in _forms_in(value):
            if id(form) not in seen:
                seen.add(id(form))
                problems += problems_of(form)
    return problems


@dataclass(frozen=True)
class Flash:
    """The page's messages, refusals apart: the refusals are shown like a
    refused form's summary (an alert that takes the focus, "Error: " in the
    title), the rest as a status."""

    errors: list
    others: list


@register.simple_tag(takes_context=True)
def flash_messages(context) -> Flash:
    """The messages of ``context`` (Django's messages context processor),
    split into refusals (error level and above) and the rest."""
    errors: list = []
    others: list = []
    for message in context.get("messages") or ():
        (errors if message.level >= messages.ERROR else others).append(message)
    return Flash(errors, others)
