"""Eligibility reasons and routing notes stored as text become sentences by
code and values (grants.sentences), shown in each reader's language.

The text was written in the language of whoever nominated or entered the
quotes: each is read back against the sentences' wording in each of the
site's languages (the catalogues' translations of the msgids below, frozen
here as they were when this was written). A text that is none of them (an
older wording, one typed by hand) is kept as it is and still shown.
The country, named in the writer's language, becomes the grant's own
country code, named in the reader's.
"""

import re

from django.db import migrations
from django.utils.translation import gettext, override

LANGUAGES = ["en", "fr", "es", "ar", "zh-hans", "ru"]

ELIGIBILITY = {
    "eligibility.ldc": (
        "%(country)s was on the UN list of least developed countries on %(day)s, "
        "the eligibility date of %(event)s: first priority."
    ),
    "eligibility.graduation-due": (
        "Its graduation from the list is due on %(graduation)s, after that date."
    ),
    "eligibility.graduated": (
        "%(country)s was no longer a least developed country on %(day)s, the "
        "eligibility date of %(event)s: it graduated from the list on %(graduation)s."
    ),
    "eligibility.not-ldc": (
        "%(country)s was not on the UN list of least developed countries on %(day)s, "
        "the eligibility date of %(event)s."
    ),
    "eligibility.developed": (
        "It is a developed economy (UN M49 developed regions), whose delegates "
        "the fund does not pay for: not eligible."
    ),
    "eligibility.other-developing": (
        "%(event)s also funds other developing countries after the least developed "
        "ones: second priority."
    ),
    "eligibility.ldc-only": (
        "%(event)s funds delegates of least developed countries only: not eligible."
    ),
}

ROUTING = {
    "routing.only-quote": "Only one quote was entered: %(route)s, %(fare)s, %(hours)s h.",
    "routing.cheapest-and-most-direct": (
        "%(route)s (%(fare)s, %(hours)s h) is both the least costly and the most direct "
        "of the %(count)d quotes."
    ),
    "routing.cheapest": (
        "The least costly routing, %(route)s (%(fare)s, %(hours)s h), is chosen: it adds "
        "%(extra)s h to the most direct one (%(direct_route)s, %(direct_hours)s h), less "
        "than the %(tolerance)s h that would justify a costlier, more direct routing."
    ),
    "routing.more-direct": (
        "A more direct routing, %(route)s (%(fare)s, %(hours)s h), is chosen over the least "
        "costly one, %(cheap_route)s (%(cheap_fare)s, %(cheap_hours)s h), which adds "
        "%(extra)s h to the most direct routing (%(direct_route)s, %(direct_hours)s h): "
        "%(tolerance)s h or more."
    ),
}


def _pattern(text):
    parts = re.split(r"%\((\w+)\)[sd]", text)
    regex = "".join(
        f"(?P<{part}>.+?)" if index % 2 else re.escape(part.replace("%%", "%"))
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def _patterns(msgids):
    """Each code's wording in each language, as a pattern reading its values."""
    found = []
    for language in LANGUAGES:
        with override(language):
            found += [(code, _pattern(gettext(msgid))) for code, msgid in msgids.items()]
    return found


def parse(text, patterns, country):
    """``{"code", "params"}`` for a text that is one of the sentences, else None."""
    if not isinstance(text, str):
        return None
    for code, pattern in patterns:
        match = pattern.match(text.strip())
        if match:
            params = match.groupdict()
            if "country" in params:
                params["country"] = country
            if "count" in params:
                if not params["count"].isdigit():
                    continue
                params["count"] = int(params["count"])
            return {"code": code, "params": params}
    return None


def to_codes(apps, schema_editor):
    Grant = apps.get_model("grants", "Grant")
    eligibility, routing = _patterns(ELIGIBILITY), _patterns(ROUTING)
    changed = []
    grants = Grant.objects.only(
        "pk", "country", "eligibility_reasons", "routing_reason", "routing_note"
    )
    for grant in grants.iterator(chunk_size=500):
        reasons = [
            parse(reason, eligibility, grant.country_id) or reason
            for reason in grant.eligibility_reasons or []
        ]
        note = parse(grant.routing_note, routing, grant.country_id) if grant.routing_note else None
        if reasons != grant.eligibility_reasons or note is not None:
            grant.eligibility_reasons = reasons
            if note is not None:
                grant.routing_reason, grant.routing_note = note, ""
            changed.append(grant)
    Grant.objects.bulk_update(
        changed, ["eligibility_reasons", "routing_reason", "routing_note"], batch_size=500
    )


def _english(stored, msgids, country):
    if not isinstance(stored, dict) or stored.get("code") not in msgids:
        return stored
    params = dict(stored.get("params") or {})
    if "country" in params:
        params["country"] = country
    return msgids[stored["code"]] % params


def to_text(apps, schema_editor):
    """Undone: the sentences written out in English, as the code before kept them."""
    Grant = apps.get_model("grants", "Grant")
    changed = []
    for grant in Grant.objects.select_related("country").iterator(chunk_size=500):
        name = grant.country.name
        grant.eligibility_reasons = [
            _english(reason, ELIGIBILITY, name) for reason in grant.eligibility_reasons or []
        ]
        if grant.routing_reason:
            grant.routing_note = _english(grant.routing_reason, ROUTING, name)
            grant.routing_reason = None
        changed.append(grant)
    Grant.objects.bulk_update(
        changed, ["eligibility_reasons", "routing_reason", "routing_note"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0010_routing_reason"),
    ]

    operations = [migrations.RunPython(to_codes, to_text)]
