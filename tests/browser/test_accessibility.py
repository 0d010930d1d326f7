"""The axe check the browser tests run on every page: it fails on a
violation, naming the rule, its impact and the element."""

import pytest

from tests.browser.conftest import check_accessibility


def test_the_axe_check_fails_naming_the_rule_and_element_of_a_violation(page, db):
    page.goto("/accounts/login/")
    assert check_accessibility(page).endswith("/accounts/login/")  # our page passes

    page.evaluate(
        "() => { const img = document.createElement('img'); img.id = 'no-alt';"
        " document.querySelector('main').appendChild(img); }"
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)
    report = str(failure.value)
    assert "image-alt (critical)" in report
    assert "#no-alt" in report
