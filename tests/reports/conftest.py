from tests.grants.conftest import approver, event, finance, make_grant, officer  # noqa: F401
