from fundmgr.models import Country


def test_reference_countries_are_loaded_by_migration(db):
    assert Country.objects.count() == 249
