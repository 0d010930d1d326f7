"""The donor's own pages: sign in by e-mail link, then their pledges,
instalments, receipts and acknowledgement letters (printable page and PDF),
and nobody else's."""

from __future__ import annotations

from math import ceil

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from donors import sentences
from donors.models import Donor, Pledge, Receipt
from donors.services import letters
from donors.services.greetings import Contact, pledge_salutation
from donors.services.receipts import outstanding
from donors.services.signin import (
    is_donor_only,
    link_minutes,
    request_sign_in_link,
    user_from_link,
)
from donors.work import pledge_next_for_donor
from fundmgr.downloads import private_download
from fundmgr.ratelimit import client_address, hit
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"))


#: Sign-in link requests per client address and hour.
SIGN_IN_REQUESTS_PER_HOUR = 10


@never_cache
def sign_in(request):
    """Ask for a sign-in link. The answer is one page, with one status, for
    every address: known, unknown, or a staff member's (which never gets one)."""
    form = EmailForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        verdict = hit(
            "signin", client_address(request), limit=SIGN_IN_REQUESTS_PER_HOUR, window_seconds=3600
        )
        if verdict.limited:
            return render(
                request,
                "donors/sign_in.html",
                {"form": form, "limited": True, "retry_minutes": ceil(verdict.retry_after / 60)},
                status=429,
            )
        request_sign_in_link(form.cleaned_data["email"], request.build_absolute_uri("/"))
        sent = True
    return render(
        request,
        "donors/sign_in.html",
        {"form": form, "sent": sent, "minutes": link_minutes()},
    )


@never_cache
def sign_in_link(request, uidb64, token):
    """The page the e-mailed link opens: a button. Only the button (POST)
    signs in and uses the link up, so a mail scanner opening it does neither."""
    user = user_from_link(uidb64, token)
    if user is None:
        return render(
            request,
            "donors/sign_in.html",
            {"form": EmailForm(), "bad_link": True, "minutes": link_minutes()},
        )
    if request.method == "POST":
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)  # "My work": their pledges
    return render(request, "donors/sign_in_link.html", {"minutes": link_minutes()})


def _donor_of(request) -> Donor:
    donor = Donor.objects.filter(user=request.user).first()
    if donor is None:
        raise PermissionDenied(Sentence(sentences.NOT_A_DONOR))
    return donor


class ListingForm(forms.ModelForm):
    class Meta:
        model = Donor
        fields = ["listed_publicly"]


def _password_form(user, data=None):
    """Set a first password (the account has none: it was opened by e-mail
    link) or change it (the current one is asked), with the validators.
    A section of the donor's page: its field does not take the focus (Django's
    would, scrolling past the pledges, or away from the page's error summary)."""
    if user.has_usable_password():
        form = PasswordChangeForm(user, data)
    else:
        form = SetPasswordForm(user, data)
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)
    return form


def _still_to_pay(pledge: Pledge):
    """What the donor still owes on a pledge (from its prefetched receipts);
    nothing on a cancelled pledge."""
    if pledge.status == Pledge.Status.CANCELLED:
        return 0
    return pledge.amount.amount - sum(r.applied for r in pledge.receipts.all())


@login_required
def donor_home(request):
    donor = _donor_of(request)
    return _home_page(request, donor)


def _home_page(request, donor, *, listing_form=None, password_form=None, status=200):
    pledges = list(
        Pledge.objects.for_donor(donor)
        .select_related("fund", "appeal")
        .prefetch_related(
            "instalments", Prefetch("receipts", queryset=Receipt.objects.order_by("value_date"))
        )
    )
    rows = [(pledge, _still_to_pay(pledge), pledge_next_for_donor(pledge)) for pledge in pledges]
    # Money for a pledge someone else made with the donor's address is not theirs.
    receipts = Receipt.objects.for_donor(donor).select_related("fund", "pledge")
    return render(
        request,
        "donors/my_pledges.html",
        {
            "donor": donor,
            "rows": rows,
            "receipts": receipts,
            "listing_form": listing_form or ListingForm(instance=donor),
            "password_form": password_form or _password_form(request.user),
            "has_password": request.user.has_usable_password(),
        },
        status=status,
    )


@login_required
@require_POST
def donor_listing(request):
    """The donor, signed in, chooses whether their name is listed: the only
    way a donor's listing changes (never the public pledge form)."""
    donor = _donor_of(request)
    before = donor.listed_publicly
    form = ListingForm(request.POST, instance=donor)
    if not form.is_valid():  # pragma: no cover - a checkbox is always valid
        return _home_page(request, donor, listing_form=form, status=400)
    form.save()
    if before != donor.listed_publicly:
        log_action(
            donor, "donor:listing-changed", request.user, "", {"listed": donor.listed_publicly}
        )
    messages.success(
        request,
        _("Your name is listed among the donors.")
        if donor.listed_publicly
        else _("Your name is not listed: you give anonymously."),
    )
    return redirect("donor-home")


@login_required
@require_POST
def donor_password(request):
    """A donor sets or changes the password they may then sign in with on the
    ordinary sign-in page (its lockout covers them as it covers staff)."""
    donor = _donor_of(request)
    if not is_donor_only(request.user):
        raise PermissionDenied(Sentence(sentences.STAFF_PASSWORD_ELSEWHERE))
    form = _password_form(request.user, request.POST)
    if not form.is_valid():
        return _home_page(request, donor, password_form=form, status=400)
    form.save()
    update_session_auth_hash(request, form.user)
    log_action(donor, "donor:password-set", request.user, "", {})
    messages.success(request, _("Your password is saved."))
    return redirect("donor-home")


@never_cache  # a donor's letter, printable or downloaded: never kept (fundmgr/downloads.py)
@login_required
def acknowledgement_letter(request, reference):
    """A printable acknowledgement of one of the donor's own pledges."""
    donor = _donor_of(request)
    pledge = get_object_or_404(
        Pledge.objects.select_related("fund", "appeal").prefetch_related("instalments", "receipts"),
        reference=reference,
        donor=donor,
        confirmed=True,
    )
    response = render(
        request,
        "donors/acknowledgement_letter.html",
        {
            "pledge": pledge,
            "donor": donor,
            "contact": Contact.of(pledge),
            "greeting": pledge_salutation(pledge, donor.name),
            "outstanding": 0 if pledge.status == Pledge.Status.CANCELLED else outstanding(pledge),
        },
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = content_disposition_header(
            True, f"{pledge.reference}.html"
        )
    return response


def pdf_response(document: bytes, filename: str) -> HttpResponse:
    """A PDF to download; never kept by the browser or a cache (it names a donor)."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)
    return response


@never_cache
@login_required
def pledge_letter_pdf(request, reference):
    """The acknowledgement of one of the donor's own pledges, as PDF."""
    donor = _donor_of(request)
    pledge = get_object_or_404(
        Pledge.objects.select_related("fund", "appeal", "donor__country"),
        reference=reference,
        donor=donor,
        confirmed=True,
    )
    return pdf_response(letters.pledge_letter(pledge), f"acknowledgement-{pledge.reference}.pdf")


@never_cache
@login_required
def receipt_letter_pdf(request, number):
    """The acknowledgement of one of the donor's own receipts, as PDF."""
    donor = _donor_of(request)
    receipt = get_object_or_404(
        Receipt.objects.for_donor(donor).select_related("fund", "pledge", "donor__country"),
        number=number,
    )
    return pdf_response(letters.receipt_letter(receipt), f"acknowledgement-{receipt.number}.pdf")


@never_cache
@login_required
def my_pledge_letter(request, reference):
    """The pledge letter the donor uploaded with one of their own pledges,
    read through the storage API (a folder, or S3 in production) and handed
    out as a PDF attachment under a name of ours, never shown inline; any
    other pledge, or one without a letter, is a 404."""
    donor = _donor_of(request)
    pledge = get_object_or_404(Pledge.objects.for_donor(donor), reference=reference)
    if not pledge.letter:
        raise Http404
    return private_download(
        pledge.letter.open("rb"), f"pledge-letter-{pledge.reference}.pdf", "application/pdf"
    )
