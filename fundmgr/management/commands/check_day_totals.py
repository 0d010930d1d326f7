from django.core.management.base import CommandError

from fundmgr.management.base import OperatorCommand
from fundmgr.models import Fund
from fundmgr.services.audit import log_action
from fundmgr.services.ledger import day_totals_drift, rebuild_day_totals

ACTOR = "check-day-totals"


class Command(OperatorCommand):
    help = (
        "Compare each fund's day totals (which the statement reads) with its posted legs. "
        "Exit status 1 if any differ; --rebuild recomputes them from the legs (audited)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fund", help="only this fund's code")
        parser.add_argument(
            "--rebuild", action="store_true", help="recompute the totals of a fund that differs"
        )

    def handle(self, *args, fund: str | None, rebuild: bool, **options):
        funds = Fund.objects.order_by("code")
        if fund:
            funds = funds.filter(code=fund)
            if not funds.exists():
                raise CommandError(f"No fund with the code {fund!r}.")
        drifting = []
        for each in funds:
            drift = day_totals_drift(each)
            days = sorted({day for _account, day, *_totals in drift})
            if not drift:
                self.stdout.write(f"{each.code}: the day totals agree with the legs.")
                continue
            if rebuild:
                rows = rebuild_day_totals(each)
                log_action(
                    each,
                    "ledger:day-totals-rebuilt",
                    ACTOR,
                    data={"days": len(days), "first": str(days[0])},
                )
                self.stdout.write(
                    f"{each.code}: the day totals of {len(days)} day differed; rebuilt from "
                    f"the legs ({rows} rows)."
                    if len(days) == 1
                    else f"{each.code}: the day totals of {len(days)} days differed; rebuilt "
                    f"from the legs ({rows} rows)."
                )
            else:
                drifting.append(f"{each.code} ({len(days)} days, first {days[0]})")
        if drifting:
            raise CommandError(
                "The day totals differ from the legs for "
                + ", ".join(drifting)
                + ": run with --rebuild."
            )
