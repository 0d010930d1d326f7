"""Template filters that present money, numbers, dates and countries the way the
reader's language writes them; the formatting itself is ``fundmgr.formatting``,
which services use too."""

from django import template

from fundmgr.formatting import country_name, long_date, long_datetime, money, number

register = template.Library()
register.filter("money", money)
register.filter("number", number)
register.filter("country_name", country_name)
register.filter("long_date", long_date)
register.filter("long_datetime", long_datetime)
