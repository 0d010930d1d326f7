import math

from django import template

register = template.Library()


@register.filter
def whole_minutes(delta) -> int:
    """A timedelta as whole minutes, rounded up (never "0 minutes")."""
    return max(1, math.ceil(delta.total_seconds() / 60))
