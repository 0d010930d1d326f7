"""Sentences the product writes and keeps (a grant's eligibility reasons, why
a routing was chosen, why an action was refused) are stored as a code and
its values, and written out when read, in the reader's language.

A sentence stored as text would stay in the language of whoever was signed
in when it was made: a French officer's nomination showed its reasons in
French to the English auditor. Here each kind of sentence is registered once
(``define``: a code, a translatable template with ``%(name)s`` placeholders,
and how to show a value that depends on the reader, such as a country's
name); services make a ``Sentence``; models keep ``Sentence.data()``,
``{"code": ..., "params": {...}}``; pages, exports and the API show
``render(stored)``.

What a person typed stays as typed: ``render`` shows a plain string as it
is, as it does a sentence stored as text before this (the data migrations
turned those they could read back into codes; the audit trail, append-only,
keeps its older ones as they were written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import override


@dataclass(frozen=True)
class Template:
    text: Promise  # gettext_lazy
    #: How a value is shown, by name (it is shown as stored otherwise).
    shown: dict[str, Callable[[Any], str]] = field(default_factory=dict)


_templates: dict[str, Template] = {}


def define(code: str, text: Promise, **shown: Callable[[Any], str]) -> str:
    """Register the sentence ``code``; returns the code. A code, once stored,
    is never reused for another meaning: change the template's wording only."""
    if code in _templates and _templates[code].text is not text:
        raise ValueError(f"the sentence {code!r} is already defined")
    _templates[code] = Template(text, dict(shown))
    return code


def template(code: str) -> Template | None:
    return _templates.get(code)


@dataclass(frozen=True)
class Sentence:
    """A sentence to keep: its code and its values (JSON: text, numbers)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in _templates:
            raise ValueError(f"no sentence is defined as {self.code!r}")

    def data(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        return render(self.data())

    def in_english(self) -> str:
        with override("en"):
            return str(self)


def render(stored: Any) -> str:
    """A stored sentence in the language active. ``stored``: ``Sentence.data()``;
    or text (typed by a person, or kept from before), shown as it is."""
    if isinstance(stored, Sentence):
        stored = stored.data()
    if not isinstance(stored, dict):
        return "" if stored is None else str(stored)
    found = _templates.get(stored.get("code", ""))
    if found is None:
        # A code this version no longer knows: its English, if kept, else nothing.
        return str(stored.get("text", ""))
    params = stored.get("params") or {}
    values = {
        name: found.shown[name](value) if name in found.shown else value
        for name, value in params.items()
    }
    return str(found.text) % values


def render_all(stored: Iterable[Any] | None) -> list[str]:
    return [render(each) for each in stored or []]
