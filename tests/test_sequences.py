"""Gap-free counters (receipt numbers, nomination references): one statement
per number, consecutive, never given twice, given back on a rollback."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fundmgr.models.sequences import Sequence
from fundmgr.services.sequences import _ADVANCE, next_number, reserve_numbers

pytestmark = pytest.mark.django_db


def test_the_first_number_of_a_new_sequence_is_one_and_the_next_follow():
    with transaction.atomic():
        assert [next_number("receipt:T:2019") for _ in range(3)] == [1, 2, 3]
        assert next_number("receipt:T:2020") == 1
    assert Sequence.objects.get(name="receipt:T:2019").last == 3


def test_reserving_several_numbers_gives_the_first_and_moves_past_them_all():
    with transaction.atomic():
        assert next_number("nominations:E") == 1
        assert reserve_numbers("nominations:E", 5) == 2
        assert next_number("nominations:E") == 7


def test_a_number_costs_one_statement_whether_the_sequence_exists_or_not():
    with transaction.atomic():
        with CaptureQueriesContext(connection) as first:
            next_number("receipt:Q:2019")
        with CaptureQueriesContext(connection) as later:
            next_number("receipt:Q:2019")
    assert len(first) == len(later) == 1


def test_a_rolled_back_transaction_gives_its_number_back():
    with transaction.atomic():
        next_number("receipt:R:2019")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number("receipt:R:2019") == 2
        raise RuntimeError("the receipt failed")
    with transaction.atomic():
        assert next_number("receipt:R:2019") == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_number("receipt:X:2019")
    assert not Sequence.objects.exists()


def test_reserving_no_number_is_refused():
    with transaction.atomic(), pytest.raises(ValueError):
        reserve_numbers("receipt:Z:2019", 0)


def test_the_statement_names_the_model_s_own_table_and_columns():
    names = [Sequence._meta.db_table, *(f.column for f in Sequence._meta.concrete_fields)]
    assert names == ["fundmgr_sequence", "name", "last"]
    assert all(f'"{name}"' in _ADVANCE for name in names)
