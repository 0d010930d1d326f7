"""The forms' renderer: Django's own, except that selects and inputs are
written in Python.

Through the template language every option is an include with its own
context: the public pledge form's country and currency selects (some 400
options) took 70 ms of the page's 75, and every request of an appeal campaign
renders it; each input is two includes. Here the same HTML, character for
character, costs a few hundred microseconds (tests/test_form_renderer.py
compares the two on every kind of select and input: choices, groups, several
values, attributes, text to escape). Any other widget goes through Django's
templates as before.
"""

from __future__ import annotations

import html

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

SELECT = "django/forms/widgets/select.html"
#: Django's templates that are ``input.html`` and nothing else.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input checkbox color date datetime email file hidden number password search tel"
        " text time url"
    ).split()
)
#: A radio button's or a checkbox's option: ``input_option.html``.
OPTIONS = frozenset(
    ("django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html")
)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name in INPUTS:
            return input_html(widget)
        if template_name in OPTIONS:
            return option_html(widget)
        if template_name == SELECT and _options_are_plain(widget):
            return select_html(widget)
        return super().render(template_name, context, request)


def input_html(widget) -> str:
    """What ``django/forms/widgets/input.html`` writes."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_value(value)}"'
    return mark_safe(  # noqa: S308 - every value escaped
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def option_html(widget) -> str:
    """What ``django/forms/widgets/input_option.html`` writes: the input, in
    its label when asked (the included input's line ends before the label)."""
    if not widget.get("wrap_label"):
        return input_html(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{_shown(target)}"' if target else ""
    return mark_safe(  # noqa: S308 - every value escaped
        f"<label{label_for}>{input_html(widget)}\n {_shown(widget['label'])}</label>"
    )


def _options_are_plain(widget) -> bool:
    """Every option uses Django's own option template (a widget that names
    another is rendered through it, as before)."""
    return all(
        option.get("template_name") == "django/forms/widgets/select_option.html"
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def select_html(widget) -> str:
    """What ``django/forms/widgets/select.html`` writes for ``widget`` (a
    widget's context: name, attrs, optgroups), stripped as the renderer does."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_value(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts).strip())  # noqa: S308 - every value escaped above


def _attrs(attrs) -> str:
    """``django/forms/widgets/attrs.html``: False left out, True as a bare name."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_value(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _shown(value) -> str:
    """``{{ value }}``: localised as the template language does, then escaped."""
    if type(value) is str:  # most labels: plain text (a safe string is a subclass)
        return html.escape(value)
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _text(value):
    """``|stringformat:'s'``: the value as text, still safe if it was."""
    return value if isinstance(value, SafeData) else "%s" % (value,)  # noqa: UP031


def _value(value) -> str:
    """``{{ value|stringformat:'s' }}``: the text, escaped unless it was safe."""
    text = _text(value)
    return html.escape(text) if type(text) is str else conditional_escape(text)
