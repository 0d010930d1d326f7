"""Template filters that present money, numbers, dates and countries the way the
reader's language writes them; the formatting itself is ``fundmgr.formatting``,
which services use too."""

from django import template

from fundmgr.collation import sort_key
from fundmgr.formatting import country_name, long_date, long_datetime, money, number

register = template.Library()
register.filter("money", money)
register.filter("number", number)
register.filter("country_name", country_name)
register.filter("long_date", long_date)
register.filter("long_datetime", long_datetime)


@register.filter
def in_reader_order(items, attribute: str) -> list:
    """``items`` sorted by ``attribute`` as shown to the reader (a name
    entered per language is shown in theirs), in their language's order."""
    return sorted(items, key=lambda item: sort_key(str(getattr(item, attribute))))
