"""The one-time token of money forms (fundmgr/once.py), shown on the receipt
form: a post without a valid token of this person for this form records
nothing and is answered 400 with the reason; the first post's result page is
kept for a repeat; expired keys are pruned; and every form in the templates
that posts records money with a token, or says why it needs none."""

# ruff: noqa: F811 - the shared fixtures are imported

import datetime
import re
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from donors.models import Receipt
from fundmgr.models import FormSubmission
from fundmgr.once import SALT, TOKEN_HOURS, token_for
from fundmgr.roles import Role
from tests.once import rendered_token, signed_in
from tests.test_finance_pages import finance, pledge  # noqa: F401


def receipt_data(pledge, token=None) -> dict:
    data = {
        "pledge_reference": pledge.reference,
        "amount": "250",
        "currency": "EUR",
        "value_date": "2019-03-25",
        "bank_reference": "MANUAL-1",
    }
    return data if token is None else {**data, "once": token}


def receipt_url(fund) -> str:
    return reverse("finance-new-receipt", args=[fund.code])


def old_token(user, purpose: str, hours: int) -> str:
    """A token as the page rendered it ``hours`` ago."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - hours * 3600)

    payload = {"u": user.pk, "p": purpose, "k": f"old-{hours}"}
    return Earlier(salt=SALT).sign_object(payload)


def refused(response, why: str) -> None:
    body = response.content.decode()
    assert response.status_code == 400 and why in body, body[:2000]
    assert not Receipt.objects.exists() and not FormSubmission.objects.exists()


def test_a_post_without_a_token_records_nothing_and_says_why(finance, fund, pledge):
    response = finance.post(receipt_url(fund), receipt_data(pledge))
    refused(response, "carries no one-time token")


def test_another_persons_token_records_nothing(finance, fund, pledge, make_user):
    colleague = make_user("fin-2", Role.FINANCE_OFFICER)
    response = finance.post(
        receipt_url(fund), receipt_data(pledge, token_for(colleague, receipt_url(fund)))
    )
    refused(response, "opened by another person")


def test_a_token_of_another_form_records_nothing(finance, fund, pledge):
    other_form = token_for(signed_in(finance), reverse("finance-queue", args=[fund.code]))
    response = finance.post(receipt_url(fund), receipt_data(pledge, other_form))
    refused(response, "belongs to another form")


def test_a_forged_token_records_nothing(finance, fund, pledge):
    token = rendered_token(finance, receipt_url(fund))
    response = finance.post(receipt_url(fund), receipt_data(pledge, token[:-3] + "abc"))
    refused(response, "not valid")


def test_a_form_opened_longer_ago_than_the_tokens_life_records_nothing(finance, fund, pledge):
    user = signed_in(finance)
    stale = old_token(user, receipt_url(fund), TOKEN_HOURS + 1)
    response = finance.post(receipt_url(fund), receipt_data(pledge, stale))
    refused(response, f"opened more than {TOKEN_HOURS} hours ago")
    fresh_enough = old_token(user, receipt_url(fund), TOKEN_HOURS - 1)
    assert finance.post(receipt_url(fund), receipt_data(pledge, fresh_enough)).status_code == 302


def test_the_refusal_page_links_back_to_the_form(finance, fund, pledge):
    page = "http://testserver" + receipt_url(fund)
    response = finance.post(receipt_url(fund), receipt_data(pledge), HTTP_REFERER=page)
    assert response.status_code == 400 and f'href="{page}"' in response.content.decode()


def test_the_first_posts_result_page_is_kept_for_a_repeat(finance, fund, pledge):
    token = rendered_token(finance, receipt_url(fund))
    first = finance.post(receipt_url(fund), receipt_data(pledge, token))
    claimed = FormSubmission.objects.get()
    assert claimed.result == first.url == reverse("finance-register", args=[fund.code])
    assert claimed.purpose == receipt_url(fund) and claimed.user.username == "fin"


def test_prune_deletes_only_keys_whose_tokens_have_expired(admin_user):
    now = timezone.now()
    for key, age in (("expired", TOKEN_HOURS + 2), ("alive", TOKEN_HOURS - 1)):
        FormSubmission.objects.create(
            key=key, purpose="/x/", user=admin_user, created_at=now - datetime.timedelta(hours=age)
        )
    out = StringIO()
    call_command("prune_form_tokens", stdout=out)
    assert list(FormSubmission.objects.values_list("key", flat=True)) == ["alive"]
    assert "1 expired form keys deleted" in out.getvalue()


# -- every form that records money carries the token ---------------------------------

#: Forms that post but record no money through a one-time token, and why.
#: A new form posting to the server must carry ``{% once_field %}`` or be listed here.
WITHOUT_TOKEN = {
    ("includes/site_header.html", "logout"): "signs out",
    ("includes/site_header.html", "set_language"): "changes the language",
    ("donors/finance/pledge.html", "finance-pledge-binding"): (
        "books the receivable once by its idempotency key; a repeat says 'already binding'"
    ),
    ("donors/finance/pledge.html", "finance-pledge-cancel"): (
        "writes the pledge down once by its idempotency key; a repeat says 'already cancelled'"
    ),
    ("donors/finance/pledge.html", "finance-pledge-attach"): "files a pledge, no money",
    ("donors/finance/pledge.html", "finance-pledge-release"): "releases a hold, no money",
    ("funds/journals/detail.html", "manual-journal-withdraw"): "withdraws a proposal, no money",
    ("mail/undelivered.html", "mail-send-again"): (
        "an e-mail, no money; a repeat finds it waiting or sent, and it is sent once"
    ),
    ("rates/list.html", "replace-rate"): (
        "a rate, no money; a repeat finds the figure already recorded and changes nothing"
    ),
    ("rates/list.html", "revise-rate"): (
        "a rate, no money; a repeat finds the figure already recorded and changes nothing"
    ),
    ("donors/finance/pledge.html", "finance-pledge-redate"): (
        "moves the date once: a repeat finds it already moved and says 'nothing changed'"
    ),
    ("donors/finance/upload.html", ""): "imports: the file's fingerprint and lines dedupe",
    ("donors/my_pledges.html", "donor-listing"): "the donor's listing, no money",
    ("donors/my_pledges.html", "donor-password"): "a password",
    ("notices/preferences.html", ""): (
        "a person's own e-mail choices, no money; a repeat saves the same choices"
    ),
    ("donors/payments/pay.html", ""): "card payment: Stripe's idempotency keys",
    ("api/tokens.html", "api-token-revoke"): "revokes a token, no money; a repeat finds it revoked",
    ("api/tokens.html", ""): (
        "creates an API token, no money; its secret is shown once, a second is just another token"
    ),
    ("iati/publisher.html", "iati-generate"): (
        "no money: generates the IATI files again, the same files for the same books"
    ),
    ("donors/payments/pay.html", "card-confirm-development"): "development card stand-in",
    ("donors/pledge_confirm.html", ""): "confirms a pledge's owner, no money",
    ("donors/pledge_form.html", ""): "the public pledge form: its own token (Pledge.form_token)",
    ("donors/sign_in.html", ""): "asks for a sign-in link",
    ("donors/sign_in_link.html", ""): "signs a donor in",
    ("grants/intake/import.html", ""): "nominations: no money; places refused by line",
    ("grants/intake/nominate.html", ""): "a nomination, no money",
    ("grants/intake/quotes.html", ""): "an airfare quote, no money",
    ("grants/queue.html", ""): "bulk certification signs, posts no money",
    ("rates/import.html", ""): "exchange rates: the same file twice changes nothing",
    ("registration/login.html", "login"): "signs in",
    ("registration/password_reset_confirm.html", ""): "a password",
    ("registration/password_reset_form.html", ""): "a password reset e-mail",
    ("reports/exports.html", "fund-exports"): "starts an export, reads the books",
    ("two_factor/enrol.html", ""): "second factor",
    ("two_factor/enrol.html", "logout"): "signs out",
    ("two_factor/overview.html", "two-factor-recovery-codes"): "second factor",
    ("two_factor/verify.html", ""): "second factor",
}

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def posting_forms() -> list[tuple[tuple[str, str], str]]:
    """(template, the url name it posts to or "" for its own page), and its body."""
    root = Path(settings.BASE_DIR) / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        for head, body in FORM.findall(path.read_text()):
            if re.search(r'method="post"', head, re.I):
                action = re.search(r"\{% url '([\w:-]+)'", head)
                name = str(path.relative_to(root))
                found.append(((name, action.group(1) if action else ""), body))
    return found


def test_every_form_that_posts_carries_a_token_or_says_why_not():
    forms = posting_forms()
    assert len(forms) > 30  # the scan finds the forms
    missing = [form for form, body in forms if "once_field" not in body]
    assert [f for f in missing if f not in WITHOUT_TOKEN] == []
    assert [f for f, body in forms if f in WITHOUT_TOKEN and "once_field" in body] == []
    money = {f for f, body in forms if "once_field" in body}
    assert {
        ("grants/detail.html", "grant-action"),
        ("donors/finance/new_receipt.html", ""),
        ("donors/finance/queue.html", ""),
        ("reports/conference.html", "reports-conference-contribution"),
        ("reports/conference.html", "reports-conference-cost"),
        ("reports/bank.html", "bank-leave-line"),
        ("reports/bank.html", "bank-match-payout"),
        ("reports/bank.html", "bank-book-exchange"),
        ("reports/bank.html", "bank-unmatch-payout"),
        ("reports/bank.html", "bank-reopen-line"),
    } <= money


def test_a_repeat_waits_for_where_the_first_post_of_the_rendering_led(db, monkeypatch, make_user):
    """At the same moment: the first post's claim is committed, its redirect
    not yet written; the repeat goes where the first went, not elsewhere."""
    from django.test import RequestFactory

    from fundmgr import once
    from fundmgr.models import FormSubmission

    user = make_user("once-racer")
    FormSubmission.objects.create(key="k" * 20, purpose="/grants/x/", user=user)
    waited = []

    def first_post_finishes(seconds):
        waited.append(seconds)
        FormSubmission.objects.filter(key="k" * 20).update(result="/grants/x/detail/")

    monkeypatch.setattr(once.time, "sleep", first_post_finishes)
    request = RequestFactory().post("/grants/x/")
    request.user = user
    request.session = {}
    request._messages = type("Box", (), {"add": lambda *args, **kwargs: None})()

    response = once.OnceMiddleware(lambda r: None)._repeat(request, "k" * 20)

    assert waited and response.url == "/grants/x/detail/"
