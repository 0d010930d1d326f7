"""An address made from an object, once for one object or a page of many.

``Link("finance-statement", code=lambda job: job.fund.code, pk=...)(job)`` is
``reverse`` with those arguments. A list of many rows asks ``many()``: the
address is reversed once with placeholders and each row's values are put in
their places, quoted as ``reverse`` quotes them (a row's ``reverse`` was most
of the cost of an imports page's row)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.urls import NoReverseMatch, reverse

#: What ``reverse`` leaves unquoted in a path (RFC 3986 pchar).
_SAFE = "!$&'()*+,;=/~:@"
#: A number no argument reaches, placed in the address to be replaced.
_PLACEHOLDER = "987654321987654"


class Link:
    """``reverse(name, kwargs=...)`` of the values ``getters`` read from an object."""

    def __init__(self, name: str, **getters: Callable[[Any], Any]) -> None:
        self.name, self.getters = name, getters

    def __call__(self, obj: Any) -> str:
        return reverse(self.name, kwargs={key: get(obj) for key, get in self.getters.items()})

    def many(self) -> Callable[[Any], str]:
        """The same address for each of many objects, reversed once. The
        values are not checked against the address's converters again: they
        are the objects' own, checked when they were saved."""
        keys = list(self.getters)
        if len(keys) > 100:
            return self
        marks = {key: f"{_PLACEHOLDER}{n:02d}" for n, key in enumerate(keys)}
        try:
            address = reverse(self.name, kwargs=marks)
        except NoReverseMatch:  # a converter refuses a number (a uuid): one by one
            return self
        parts = re.split(f"({_PLACEHOLDER}[0-9]{{2}})", address)
        order = {mark: key for key, mark in marks.items()}
        if sorted(parts[1::2]) != sorted(marks.values()):
            return self  # an argument shown twice or not at all: one by one
        getters = [self.getters[order[mark]] for mark in parts[1::2]]
        texts = parts[0::2]

        def link(obj: Any) -> str:
            pieces = [texts[0]]
            for get, text in zip(getters, texts[1:], strict=True):
                pieces += [quote(str(get(obj)), safe=_SAFE), text]
            return "".join(pieces)

        return link
