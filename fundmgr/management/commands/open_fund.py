"""``manage.py open_fund CODE --name NAME --currency USD --psc-rate 8``: open a
fund with its chart of accounts and first PSC rate (fundmgr.services.funds)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import actor_named, day_option
from fundmgr.models import Fund
from fundmgr.services.funds import open_fund


def _decimal(option: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CommandError(
            _("%(option)s must be a number, not %(value)r.") % {"option": option, "value": text}
        )
    return value


#: The option that gives each field its value, to name it in a refusal.
OPTION_OF = {
    "code": "CODE",
    "name": "--name",
    "base_currency": "--currency",
    "operating_reserve_pct": "--reserve",
    "rate_pct": "--psc-rate",
    "description": "--description",
}


def refusal(error: ValidationError) -> str:
    """A ValidationError as one line: each option with its messages."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{OPTION_OF.get(field, field)}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(OperatorCommand):
    help = (
        "Open a fund with its chart of accounts and its first PSC rate. "
        "A fund whose code exists already is refused and left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The fund's code, e.g. UNFSSC (capitals, digits, -, _).")
        parser.add_argument("--name", required=True, help="The fund's name.")
        parser.add_argument("--currency", default="USD", help="Base currency (default: USD).")
        parser.add_argument(
            "--psc-rate", default="0", help="Programme support cost, in %% (default: 0)."
        )
        parser.add_argument(
            "--psc-from", help="Date the PSC rate applies from, YYYY-MM-DD (default: today)."
        )
        parser.add_argument(
            "--reserve", default="0", help="Operating reserve, in %% of cash held (default: 0)."
        )
        parser.add_argument("--description", default="")
        parser.add_argument("--by", help="Username recorded as the opener in the audit trail.")

    def handle(self, *args, code, name, currency, psc_rate, psc_from, reserve, **options):
        rate = _decimal("--psc-rate", psc_rate)
        reserve_pct = _decimal("--reserve", reserve)
        day = timezone.localdate() if psc_from is None else day_option("--psc-from", psc_from)
        if Fund.objects.filter(code=code).exists():
            raise CommandError(
                _("A fund with the code %(code)r exists already; nothing was changed.")
                % {"code": code}
            )
        actor = actor_named(options["by"], "open_fund command")
        try:
            fund = open_fund(
                code=code,
                name=name,
                by=actor,
                base_currency=currency,
                psc_rate_pct=rate,
                psc_from=day,
                operating_reserve_pct=reserve_pct,
                description=options["description"],
            )
        except ValidationError as invalid:
            raise CommandError(
                _("Fund %(code)s was not opened: %(problems)s")
                % {"code": code, "problems": refusal(invalid)}
            ) from invalid
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Fund %(code)s opened in %(currency)s: %(accounts)d accounts, "
                    "PSC %(rate)s%% from %(day)s."
                )
                % {
                    "code": fund.code,
                    "currency": fund.base_currency,
                    "accounts": fund.accounts.count(),
                    "rate": rate,
                    "day": day,
                }
            )
        )
