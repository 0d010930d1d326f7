"""Second-factor pages: set up an authenticator app (at first sign-in, or
freely in development), prove a code after the password, see the state and
make new recovery codes. Thin: the actions are in fundmgr.accounts.two_factor."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from fundmgr.accounts import sessions, two_factor
from fundmgr.accounts.forms import AppCodeForm, CodeForm
from fundmgr.accounts.policy import is_staff_account, second_factor_required
from fundmgr.accounts.sentences import WRONG_SECOND_FACTOR
from fundmgr.ratelimit import client_address
from fundmgr.roles import require_role
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action


def _next_url(request, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _verified(request, device) -> None:
    """The session now holds a second factor: a new session key, so a key
    seen before this point is worth nothing."""
    otp_login(request, device)
    request.session.pop(sessions.SECOND_FACTOR_PENDING, None)
    request.session.cycle_key()


def _staff_only(request) -> None:
    if not is_staff_account(request.user):
        require_role(request.user)  # raises: donors have no second factor page


@never_cache
@login_required
def enrol(request):
    _staff_only(request)
    user = request.user
    if two_factor.has_second_factor(user):
        if not user.is_verified():
            return redirect("two-factor-verify")
        messages.info(request, _("Two-factor authentication is already set up for your account."))
        return redirect("two-factor")
    device = two_factor.pending_app_device(user)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_app_device(device, form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            _verified(request, device)
            return render(
                request,
                "two_factor/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
        form.add_error(
            "code",
            _(
                "That code is not right. Check that the app shows this account, "
                "and type the code it shows now."
            ),
        )
    return render(
        request,
        "two_factor/enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device, _("QR code to scan with your authenticator app")),
            "secret": two_factor.secret_text(device),
            "required": second_factor_required(user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@never_cache
@login_required
def verify(request):
    user = request.user
    if user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if not two_factor.has_second_factor(user):
        return (
            redirect("two-factor-enrol")
            if second_factor_required(user)
            else redirect(settings.LOGIN_REDIRECT_URL)
        )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = two_factor.seconds_until_allowed(user, form.cleaned_data["code"])
        if wait:
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes. Wait %(seconds)d second, "
                    "then type the code the app shows.",
                    "Too many wrong codes. Wait %(seconds)d seconds, "
                    "then type the code the app shows.",
                    wait,
                )
                % {"seconds": wait},
            )
            return render(
                request,
                "two_factor/verify.html",
                {"form": form, "next": request.POST.get("next", "")},
                status=429,
            )
        device = two_factor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            if device.name == two_factor.RECOVERY_DEVICE_NAME:
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(left)d is left. Make new ones on your "
                        "two-factor page if you are running low.",
                        "You used a recovery code; %(left)d are left. Make new ones on your "
                        "two-factor page if you are running low.",
                        left,
                    )
                    % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
        address = client_address(request)
        log_action(
            None,
            "sign-in:second-factor-refused",
            user,
            Sentence(WRONG_SECOND_FACTOR, {"address": address}),
            data={"client_address": address},
        )
        form.add_error(
            "code",
            _("That code is not right. Type the code the app shows now, or a recovery code."),
        )
        status = 400
    return render(
        request,
        "two_factor/verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )


@never_cache
@login_required
def overview(request):
    _staff_only(request)
    user = request.user
    return render(
        request,
        "two_factor/overview.html",
        {
            "enrolled": two_factor.has_second_factor(user),
            "verified": user.is_verified(),
            "required": second_factor_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    _staff_only(request)
    if not request.user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={reverse('two-factor')}")
    codes = two_factor.new_recovery_codes(request.user)
    return render(request, "two_factor/recovery_codes.html", {"codes": codes, "first_time": False})
