"""What the apps add to the core, registered from each app's
``AppConfig.ready()``: the core (``fundmgr``) imports no app.

- *fund sections*: a prefetch for the home page's funds and the template
  that shows it in each fund's card (the donors app: open appeals);
- *reference loaders*: reference data an app keeps in its own tables,
  recreated with the core's (the grants app: approval levels);
- *demo loaders*: each app's part of the demo, in order, after the core's;
- *books sections*: what an app adds to the books' fingerprint that a backup
  is checked against (fundmgr.services.books; the reports app: each fund's
  financial statement).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch


@dataclass(frozen=True)
class FundSection:
    prefetch: Callable[[], Prefetch]  # called per request: querysets are not shared
    template: str


@dataclass(frozen=True)
class DemoLoader:
    order: int
    load: Callable  # load(fund)


_fund_sections: dict[str, FundSection] = {}
_reference_loaders: dict[str, Callable[[], None]] = {}
_demo_loaders: dict[str, DemoLoader] = {}
_books_sections: dict[str, Callable] = {}


def add_fund_section(name: str, prefetch: Callable[[], Prefetch], template: str) -> None:
    _fund_sections[name] = FundSection(prefetch, template)


def add_reference_loader(name: str, load: Callable[[], None]) -> None:
    _reference_loaders[name] = load


def add_demo_loader(name: str, order: int, load: Callable) -> None:
    _demo_loaders[name] = DemoLoader(order, load)


def add_books_section(name: str, rows: Callable) -> None:
    """``rows(fund, as_of)`` yields a fund's rows of this section, made of
    dataclasses, models, Money, Decimal, dates, strings and numbers
    (fundmgr.services.books.canonical renders them)."""
    _books_sections[name] = rows


def fund_sections() -> list[FundSection]:
    return list(_fund_sections.values())


def reference_loaders() -> list[Callable[[], None]]:
    return list(_reference_loaders.values())


def demo_loaders() -> list[DemoLoader]:
    return sorted(_demo_loaders.values(), key=lambda loader: loader.order)


def books_sections() -> dict[str, Callable]:
    return dict(sorted(_books_sections.items()))
