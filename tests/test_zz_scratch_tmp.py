import pytest
from django.db.backends.sqlite3 import operations
from fundmgr.db.backends.sqlite3 import base

from tests.test_ledger_database_guards import test_a_transactional_test_can_post_and_the_database_is_still_flushed_afterwards as t

@pytest.fixture
def plain_flush(monkeypatch):
    monkeypatch.setattr(base.DatabaseOperations, "sql_flush", operations.DatabaseOperations.sql_flush)

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_x(plain_flush, fund, admin_user):
    t.__wrapped__(fund, admin_user) if hasattr(t, "__wrapped__") else t(fund, admin_user)
