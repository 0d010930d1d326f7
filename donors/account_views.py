"""The donor's own pages: sign in by e-mail link, then their pledges,
instalments, receipts and acknowledgement letters (printable page and PDF),
and nobody else's."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from donors.models import Donor, Pledge, Receipt
from donors.services import letters
from donors.services.receipts import outstanding
from donors.services.signin import send_sign_in_link, user_from_link
from fundmgr.ratelimit import client_address, too_many


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"))


def sign_in(request):
    form = EmailForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        if too_many("signin", client_address(request), limit=10, window_seconds=3600):
            return render(
                request, "donors/sign_in.html", {"form": form, "limited": True}, status=429
            )
        send_sign_in_link(form.cleaned_data["email"], request.build_absolute_uri("/"))
        sent = True  # the same answer whether or not the address is known
    return render(request, "donors/sign_in.html", {"form": form, "sent": sent})


def sign_in_link(request, uidb64, token):
    user = user_from_link(uidb64, token)
    if user is None:
        return render(request, "donors/sign_in.html", {"form": EmailForm(), "bad_link": True})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("donor-home")


def _donor_of(request) -> Donor:
    donor = Donor.objects.filter(user=request.user).first()
    if donor is None:
        raise PermissionDenied(_("This account is not a donor's."))
    return donor


def _still_to_pay(pledge: Pledge):
    """What the donor still owes on a pledge (from its prefetched receipts);
    nothing on a cancelled pledge."""
    if pledge.status == Pledge.Status.CANCELLED:
        return 0
    return pledge.amount.amount - sum(r.applied for r in pledge.receipts.all())


@login_required
def donor_home(request):
    donor = _donor_of(request)
    pledges = list(
        Pledge.objects.for_donor(donor)
        .select_related("fund", "appeal")
        .prefetch_related(
            "instalments", Prefetch("receipts", queryset=Receipt.objects.order_by("value_date"))
        )
    )
    rows = [(pledge, _still_to_pay(pledge)) for pledge in pledges]
    receipts = Receipt.objects.filter(donor=donor).select_related("fund", "pledge")
    return render(
        request, "donors/my_pledges.html", {"donor": donor, "rows": rows, "receipts": receipts}
    )


@never_cache  # a donor's letter, printable or downloaded: never kept (fundmgr/downloads.py)
@login_required
def acknowledgement_letter(request, reference):
    """A printable acknowledgement of one of the donor's own pledges."""
    donor = _donor_of(request)
    pledge = get_object_or_404(
        Pledge.objects.select_related("fund", "appeal").prefetch_related("instalments", "receipts"),
        reference=reference,
        donor=donor,
    )
    response = render(
        request,
        "donors/acknowledgement_letter.html",
        {
            "pledge": pledge,
            "donor": donor,
            "outstanding": 0 if pledge.status == Pledge.Status.CANCELLED else outstanding(pledge),
        },
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{pledge.reference}.html"'
    return response


def pdf_response(document: bytes, filename: str) -> HttpResponse:
    """A PDF to download; never kept by a shared cache (it names a donor)."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
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
    )
    return pdf_response(letters.pledge_letter(pledge), f"acknowledgement-{pledge.reference}.pdf")


@never_cache
@login_required
def receipt_letter_pdf(request, number):
    """The acknowledgement of one of the donor's own receipts, as PDF."""
    donor = _donor_of(request)
    receipt = get_object_or_404(
        Receipt.objects.select_related("fund", "pledge", "donor__country"),
        number=number,
        donor=donor,
    )
    return pdf_response(letters.receipt_letter(receipt), f"acknowledgement-{receipt.number}.pdf")
