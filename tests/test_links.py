"""fundmgr.links.Link: an address made once for a page of many objects is the
address ``reverse`` makes for each."""

from types import SimpleNamespace

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmgr.links import Link

STATEMENT = Link("finance-statement", code=lambda o: o.code, pk=lambda o: o.pk)

# Codes as the URL's <str:code> takes them: any text without "/".
codes = st.text(min_size=1, max_size=12).filter(lambda text: "/" not in text)


@settings(max_examples=200, deadline=None)
@given(code=codes, pk=st.integers(min_value=1, max_value=10**12))
def test_an_address_made_once_for_many_is_what_reverse_makes_for_each(code, pk):
    row = SimpleNamespace(code=code, pk=pk)
    expected = reverse("finance-statement", kwargs={"code": code, "pk": pk})
    assert STATEMENT(row) == expected
    assert STATEMENT.many()(row) == expected


def test_arguments_are_put_in_their_own_places_whatever_order_they_are_given():
    link = Link("finance-statement", pk=lambda o: o.pk, code=lambda o: o.code)
    row = SimpleNamespace(code="UNFSSC", pk=42)
    assert link.many()(row) == "/finance/UNFSSC/bank/statements/42/" == link(row)
