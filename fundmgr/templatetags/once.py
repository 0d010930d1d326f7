"""``{% once_field 'url-name' arg... %}``: the hidden one-time token of a money
form posting to that address (fundmgr.once). Never inside a cached fragment:
each rendering needs its own."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from fundmgr.once import FIELD, token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context, url_name: str, *args) -> str:
    token = token_for(context["request"].user, reverse(url_name, args=args))
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)
