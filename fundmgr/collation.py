"""Names sorted as a reader of each language expects, not by code point
(which put "Égypte" and "États-Unis" after "Zambie" in French).

The Unicode Collation Algorithm with its default table (pyuca's DUCET), which
is CLDR's root order: what ICU uses for English, French, Russian and Arabic
(accents and case second to the letters, "ё" with "е", "أ" and "إ" with "ا").
Chinese is sorted as CLDR's default for it does, by pinyin (pypinyin), then
by the UCA's order. Spanish's one tailoring, "ñ" as a letter after "n", is not
applied: no country's name in Spanish differs from another only there.
docs/decisions.md says why these libraries and not ICU."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache

from django.utils.translation import get_language


@cache
def _collator():
    # Reads Unicode's table once per process (about 0.7 s): wsgi.py loads it
    # before the first request, so no visitor waits for it.
    from pyuca import Collator

    return Collator()


def _chinese_key(text: str) -> tuple:
    from pypinyin import Style, lazy_pinyin

    return (tuple(lazy_pinyin(text, style=Style.TONE3)), _collator().sort_key(text))


def sort_key(text: str, language: str | None = None) -> tuple:
    """The key that sorts ``text`` among others in ``language`` (the active
    language by default)."""
    code = (language or get_language() or "en").lower()
    if code.startswith("zh"):
        return _chinese_key(text)
    return _collator().sort_key(text)


def sorted_names(pairs: Iterable[tuple], language: str | None = None) -> list[tuple]:
    """``(value, name)`` pairs sorted by name in ``language``."""
    code = language or get_language() or "en"
    return list(_sorted_pairs(tuple(pairs), code))


@lru_cache(maxsize=64)
def _sorted_pairs(pairs: tuple, language: str) -> tuple:
    # The same few lists (every country, an event's countries) in each of six
    # languages: sorting 250 names takes 20 ms, a lookup here microseconds.
    return tuple(sorted(pairs, key=lambda pair: sort_key(str(pair[1]), language)))


def warm_up() -> None:
    """Load the collation table now (a server process, before its first request)."""
    _collator()
