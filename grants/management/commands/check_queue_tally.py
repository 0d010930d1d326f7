from django.core.management.base import CommandError

from fundmgr.management.base import OperatorCommand
from fundmgr.models import Event
from fundmgr.services.audit import log_action
from grants.tally import rebuild_tally, tally_drift

ACTOR = "check-queue-tally"


class Command(OperatorCommand):
    help = (
        "Compare each event's queue tally (the officer queue's counts and totals by state) "
        "with its grants. Exit status 1 if any differ; --rebuild makes it again from the "
        "grants (audited)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--event", help="only this event's code")
        parser.add_argument(
            "--rebuild", action="store_true", help="make the tally of an event that differs again"
        )

    def handle(self, *args, event: str | None, rebuild: bool, **options):
        events = Event.objects.order_by("code")
        if event:
            events = events.filter(code=event)
            if not events.exists():
                raise CommandError(f"No event with the code {event!r}.")
        drifting = []
        for each in events:
            drift = tally_drift(each.pk)
            if not drift:
                self.stdout.write(f"{each.code}: the queue tally agrees with the grants.")
                continue
            if rebuild:
                buckets = rebuild_tally(each.pk)
                log_action(each, "grants:queue-tally-rebuilt", ACTOR, data={"differed": len(drift)})
                self.stdout.write(
                    f"{each.code}: {len(drift)} of the queue tally's buckets differed; "
                    f"rebuilt from the grants ({buckets} buckets)."
                )
            else:
                drifting.append(f"{each.code} ({len(drift)} buckets)")
        if drifting:
            raise CommandError(
                "The queue tally differs from the grants for "
                + ", ".join(drifting)
                + ": run with --rebuild."
            )
