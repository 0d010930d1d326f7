"""Password reset by e-mail: Django's views, throttled.

Each client address may ask FUNDMGR_PASSWORD_RESETS_PER_ADDRESS times an
hour (beyond that the form says when to try again); each e-mail address
receives at most FUNDMGR_PASSWORD_RESETS_PER_EMAIL messages an hour, beyond
which the request is quietly dropped: the answer is the same whatever the
address, so the form tells nobody which addresses have accounts. A reset
never signs in (post_reset_login stays False): the person then signs in with
the new password and, if they have one, their second factor."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponseRedirect
from django.template import loader
from django.utils.translation import ngettext

from fundmgr import ratelimit
from fundmgr.accounts.sentences import PASSWORD_FROM_LINK
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action
from fundmgr.services.mail import queue_mail

WINDOW_SECONDS = 3600


def _email_key(email: str) -> str:
    """The e-mail address as a cache key that does not spell it out."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, but the link goes through the outbox
    (``fundmgr.services.mail``): a mail server that is down neither fails
    the request nor loses the message."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_mail(
            kind="password-reset",
            to=to_email,
            subject="".join(loader.render_to_string(subject_template_name, context).splitlines()),
            body=loader.render_to_string(email_template_name, context),
        )


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        by_address = ratelimit.hit(
            "password-reset:address",
            ratelimit.client_address(self.request),
            limit=settings.FUNDMGR_PASSWORD_RESETS_PER_ADDRESS,
            window_seconds=WINDOW_SECONDS,
        )
        if by_address.limited:
            minutes = max(1, -(-by_address.retry_after // 60))
            form.add_error(
                None,
                ngettext(
                    "Too many password reset requests from your network. "
                    "Try again in %(minutes)d minute.",
                    "Too many password reset requests from your network. "
                    "Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(by_address.retry_after)
            return response
        by_email = ratelimit.hit(
            "password-reset:email",
            _email_key(form.cleaned_data["email"]),
            limit=settings.FUNDMGR_PASSWORD_RESETS_PER_EMAIL,
            window_seconds=WINDOW_SECONDS,
        )
        if by_email.limited:
            return HttpResponseRedirect(self.get_success_url())  # the same answer, no e-mail
        return super().form_valid(form)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        log_action(None, "password-reset", form.user, Sentence(PASSWORD_FROM_LINK))
        return response
