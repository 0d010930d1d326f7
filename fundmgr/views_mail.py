"""E-mails that could not be sent: finance and administrators see them and
can send one again; the auditor reads the list. Its text is never shown (a
sign-in or password-reset link may be in it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fundmgr.models import OutgoingMail
from fundmgr.roles import Role, has_role, role_required
from fundmgr.services import mail

SENDERS = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
PAGE_SIZE = 50


@role_required(*SENDERS, Role.AUDITOR)
def undelivered(request):
    page = Paginator(mail.undelivered(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mail/undelivered.html",
        {
            "page": page,
            "can_send": has_role(request.user, *SENDERS),
            "max_attempts": mail.MAX_ATTEMPTS,
        },
    )


@role_required(*SENDERS)
@require_POST
def send_again(request, pk):
    outgoing = get_object_or_404(OutgoingMail, pk=pk)
    if outgoing.status == OutgoingMail.Status.SENT:
        messages.info(request, _("That e-mail has been sent already."))
    else:
        mail.send_again(outgoing)
        messages.success(
            request, _("The e-mail to %(to)s will be sent again now.") % {"to": outgoing.to}
        )
    return redirect("undelivered-mail")
