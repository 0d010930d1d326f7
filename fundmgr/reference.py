"""The project's reference data files (fundmgr/data) and their loaders.

Loaders take the model classes as arguments so migrations can pass their
historical models; loading twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
COUNTRIES_CSV = DATA / "countries.csv"
LDC_CSV = DATA / "ldc_status.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def load_countries(Country) -> int:
    """Create the missing countries and set every country's UN M49 region from
    the file; returns how many countries were created. Migration 0004's
    historical model has no region yet: its countries get theirs from 0007."""
    rows = _rows(COUNTRIES_CSV)
    with_region = any(field.name == "region" for field in Country._meta.get_fields())
    existing = dict(Country.objects.values_list("iso2", "region" if with_region else "iso2"))
    extra = (lambda row: {"region": row["region"]}) if with_region else (lambda row: {})
    new = [
        Country(
            iso2=row["iso2"],
            iso3=row["iso3"],
            numeric=row["numeric"],
            name=row["name"],
            **extra(row),
        )
        for row in rows
        if row["iso2"] not in existing
    ]
    Country.objects.bulk_create(new)
    if with_region:
        changed = [
            Country(iso2=row["iso2"], region=row["region"])
            for row in rows
            if row["iso2"] in existing and existing[row["iso2"]] != row["region"]
        ]
        Country.objects.bulk_update(changed, ["region"])
    return len(new)


def load_ldc_statuses(Country, LdcStatus) -> int:
    by_iso3 = {c.iso3: c for c in Country.objects.all()}
    created = 0
    for row in _rows(LDC_CSV):
        _status, made = LdcStatus.objects.get_or_create(
            country=by_iso3[row["iso3"]],
            included_on=_date(row["included_on"]),
            defaults={
                "graduated_on": _date(row["graduated_on"]),
                "graduation_confirmed": row["graduation_confirmed"] == "true",
                "source": row["source"],
            },
        )
        created += made
    return created


def ensure_reference_data() -> None:
    """Recreate any missing reference data with the current models: what the
    migrations load, for a database that was flushed (tests do, between
    transactional tests)."""
    from django.contrib.auth.models import Group

    from fundmgr.models import Country, LdcStatus
    from fundmgr.roles import Role

    for name in Role.values:
        Group.objects.get_or_create(name=name)
    load_countries(Country)
    load_ldc_statuses(Country, LdcStatus)
    from fundmgr.extensions import reference_loaders

    for load in reference_loaders():  # the apps' own (fundmgr.extensions)
        load()
