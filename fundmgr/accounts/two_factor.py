"""The second factor's business actions: enrol an authenticator app, make
recovery codes, check a code. Devices are django-otp's: a TOTP device for the
app, a static device whose single-use tokens are the recovery codes."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fundmgr.accounts.sentences import AUTHENTICATOR_SET_UP, NEW_RECOVERY_CODES
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (one per person):
    kept until a code from the app confirms it, so reloading the page shows
    the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32)."""
    return b32encode(device.bin_key).decode("ascii")


def qr_svg(device: TOTPDevice, title: str) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (nothing is sent
    to a third-party QR service: the secret never leaves the server)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=title, svgclass="qr-code"
    )


@transaction.atomic
def confirm_app_device(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm ``device`` if ``code`` is the app's current one; then the
    person's recovery codes are made afresh. Returns them (to be shown once),
    or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = _new_recovery_codes(device.user)
    log_action(None, "two-factor:enrolled", device.user, Sentence(AUTHENTICATOR_SET_UP))
    return codes


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working)."""
    codes = _new_recovery_codes(user)
    log_action(None, "two-factor:new-recovery-codes", user, Sentence(NEW_RECOVERY_CODES))
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.FUNDMGR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def check_code(user, code: str):
    """The confirmed device that accepts ``code`` (the app's current code, or
    an unused recovery code, which is then spent), or None. Each device
    throttles wrong codes itself (django-otp: the wait doubles each time)."""
    code = _normalised(code)
    if not code:
        return None
    kind = _device_kind(code)
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if isinstance(device, kind) and device.verify_token(code):
            return device
    return None


def _normalised(code: str) -> str:
    return "".join(code.split()).lower()


def _device_kind(code: str):
    """An app code goes to the app's device, anything else to the recovery
    codes: a recovery code must not count as a wrong app code (throttling)."""
    return TOTPDevice if code.isdigit() and len(code) <= 8 else StaticDevice


def seconds_until_allowed(user, code: str) -> int:
    """How long a code like ``code`` is refused after wrong ones (0: not):
    django-otp doubles the wait after each wrong code, per device."""
    waits = []
    for device in _device_kind(_normalised(code)).objects.filter(user=user, confirmed=True):
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            waits.append(int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
    return max(waits, default=0)
