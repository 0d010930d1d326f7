"""Every form that records money records it once per rendering.

A money form carries a hidden ``once`` token, put there when the page is
rendered by ``{% once_field 'url-name' arg... %}`` (``fundmgr.templatetags.once``):
a random key nobody can guess, signed with ``SECRET_KEY`` together with the
person it was rendered for, the address the form posts to (which names the
action and its object) and the time. The view records the money inside
``with once.recording(request):``, which checks the token and claims its key
(``FormSubmission.key``, unique) in the same transaction as the money:

- the same rendering posted again (a double click, a reload, a retry) finds
  the key taken and records nothing; the person is sent where the first post
  led, with a message saying so;
- two posts at the same moment: the second insert waits on the unique index
  for the first transaction, then finds the key taken;
- a post that records nothing (refused, rolled back) frees the key with the
  rest, so the corrected form can be sent again;
- no token, another person's, one for another form or one older than
  ``TOKEN_HOURS`` is refused (400, the reason in words), nothing recorded.

Services stay free of requests: their own guards (idempotency keys, locks,
state checks) still hold for callers without a form. The repeat guard of the
grant workflow cannot tell a double click from a second partial refund; the
token can. ``manage.py prune_form_tokens`` deletes claimed keys once their
tokens have expired (docs/background-jobs.md).
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fundmgr.formatting import long_datetime
from fundmgr.models import FormSubmission

#: The hidden field's name, the same in every form (never prefixed).
FIELD = "once"
SALT = "fundmgr.once"
#: How long a rendered form can be sent: longer than a staff session
#: (FUNDMGR_STAFF_SESSION_MAX_HOURS), so only a stale page meets it.
TOKEN_HOURS = 24
#: Claimed keys are kept until their tokens cannot be sent any more, and a
#: margin for clocks: a pruned key can never be claimed again.
KEEP = datetime.timedelta(hours=TOKEN_HOURS + 1)
#: The bodies a form posts; only these are read before the view.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: A post of the same rendering at the same moment waits on the first one's
#: claim; once that commits, the first post's response (where it led) is
#: written a moment later. The repeat waits up to this long for it, while the
#: claim is this young, rather than send the person somewhere else.
RESULT_WAIT = datetime.timedelta(seconds=3)


class FormRefused(Exception):
    """The post carries no valid token for this person and form: nothing is
    recorded; the message says why (answered 400 by ``OnceMiddleware``)."""


class AlreadyRecorded(Exception):
    """This rendering of the form was recorded before (answered by
    ``OnceMiddleware`` with where the first post led)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def token_for(user, purpose: str) -> str:
    """A fresh token for one rendering of the form posting to ``purpose``."""
    key = secrets.token_urlsafe(24)
    return signing.dumps({"u": user.pk, "p": purpose, "k": key}, salt=SALT)


def _checked(request) -> str:
    """The key of the request's token, once it is this person's, for this
    address, and recent; otherwise ``FormRefused``."""
    raw = request.POST.get(FIELD, "")
    if not raw:
        raise FormRefused(
            _(
                "This form carries no one-time token, so it was not sent from the page: "
                "nothing was recorded. Reload the page and send the form again."
            )
        )
    try:
        data = signing.loads(raw, salt=SALT, max_age=datetime.timedelta(hours=TOKEN_HOURS))
    except signing.SignatureExpired:
        raise FormRefused(
            _(
                "This form was opened more than %(hours)d hours ago: nothing was recorded. "
                "Reload the page, check what it says and send the form again."
            )
            % {"hours": TOKEN_HOURS}
        ) from None
    except signing.BadSignature:
        raise FormRefused(
            _("This form's one-time token is not valid: nothing was recorded. Reload the page.")
        ) from None
    user = request.user
    if not user.is_authenticated or not isinstance(data, dict) or data.get("u") != user.pk:
        raise FormRefused(
            _(
                "This form was opened by another person signed in on this browser: nothing "
                "was recorded. Reload the page and send the form again."
            )
        )
    if data.get("p") != request.path:
        raise FormRefused(
            _(
                "This form's one-time token belongs to another form: nothing was recorded. "
                "Reload the page and send the form again."
            )
        )
    key = data.get("k")
    if not isinstance(key, str) or not 0 < len(key) <= 64:
        raise FormRefused(_("This form's one-time token is not valid: nothing was recorded."))
    return key


@contextmanager
def recording(request) -> Iterator[None]:
    """Record what the block records once per rendering of the posted form:
    the token's key is claimed in the block's transaction (see the module).

    A valid key is claimed first, so a simultaneous post of the same
    rendering waits on it before doing any work. A post without a valid
    token is refused only once the block has run, and rolled back: the
    action's own refusals (a role that may not act: 403, audited; a state
    that does not allow it) answer first, as they would without a token."""
    try:
        key, refusal = _checked(request), None
    except FormRefused as refused:
        key, refusal = None, refused
    with transaction.atomic():
        if key is not None:
            try:
                with transaction.atomic():
                    FormSubmission.objects.create(key=key, purpose=request.path, user=request.user)
            except IntegrityError:
                raise AlreadyRecorded(key) from None
        yield
        if refusal is not None:
            raise refusal
    request._once_claimed = key


def _back(request) -> str:
    """The page the form was on, if the browser says so and it is ours."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


class OnceMiddleware:
    """Answers ``FormRefused`` (400, the reason) and ``AlreadyRecorded`` (to
    where the first post led, with a message), and notes where a claimed
    post led."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_once_claimed", None)
        if key and response.status_code in (301, 302, 303) and response.get("Location"):
            FormSubmission.objects.filter(key=key).update(result=response["Location"][:500])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A rendering already recorded is answered before the view looks for
        its object, which the first post may have moved on (a bank line no
        longer waiting). Posts at the same moment are caught by the claim."""
        if (
            request.method != "POST"
            or getattr(view_func, "csrf_exempt", False)  # a webhook reads its raw body
            or request.content_type not in FORM_TYPES
            or FIELD not in request.POST
        ):
            return None
        try:
            key = _checked(request)
        except FormRefused:
            return None  # the view refuses it where it would record
        if FormSubmission.objects.filter(key=key).exists():
            return self._repeat(request, key)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, FormRefused):
            return render(
                request,
                "form_refused.html",
                {"reason": str(exception), "back": _back(request)},
                status=400,
            )
        if isinstance(exception, AlreadyRecorded):
            return self._repeat(request, exception.key)
        return None

    def _repeat(self, request, key: str):
        """Where the first post of this rendering led, saying nothing more was recorded."""
        first = _first_post(key)
        when = timezone.localtime(first.created_at) if first else timezone.localtime()
        messages.warning(
            request,
            _(
                "This form was already sent, at %(time)s, and recorded then. Nothing was "
                "recorded again."
            )
            % {"time": long_datetime(when)},
        )
        return redirect((first.result if first else "") or _back(request) or "home")


def _first_post(key: str) -> FormSubmission | None:
    """The first post's claim, once it says where it led (or is too old to)."""
    while True:
        first = FormSubmission.objects.filter(key=key).first()
        if first is None or first.result or timezone.now() - first.created_at >= RESULT_WAIT:
            return first
        time.sleep(0.05)


def prune(now: datetime.datetime | None = None) -> int:
    """Delete the keys whose tokens have expired; how many."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _by_model = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
