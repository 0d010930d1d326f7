from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import actor_named
from fundmgr.models import Event
from fundmgr.tabular import FileRejected
from grants.services.nomination_import import (
    COLUMNS,
    QUOTE_COLUMNS,
    FolderDocuments,
    import_nominations,
)


class Command(OperatorCommand):
    help = (
        "Import nominations for an event from a CSV or XLSX file, one a row, with the columns "
        f"{','.join(COLUMNS)} (and optionally {','.join(QUOTE_COLUMNS)}). The note_verbale "
        "column names a PDF inside the --documents folder. A file with any bad row saves "
        "nothing; every problem is listed with its line. See docs/grants-nominations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--event", required=True, help="Code of the event, e.g. BAPA40.")
        parser.add_argument(
            "--by",
            required=True,
            help="Username of the fund officer or focal point who nominates.",
        )
        parser.add_argument(
            "--documents",
            type=Path,
            help="Folder holding the notes verbales (default: the file's own folder).",
        )

    def handle(self, *args, file: Path, event: str, by: str, documents: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        folder = documents or file.parent
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder")
        try:
            event_obj = Event.objects.select_related("fund").get(code=event)
        except Event.DoesNotExist as missing:
            raise CommandError(f"no event with the code {event!r}") from missing
        actor = actor_named(by, "import_nominations command")
        try:
            with file.open("rb") as handle:
                result = import_nominations(
                    handle, event_obj, actor, documents=FolderDocuments(folder), name=file.name
                )
        except FileRejected as rejected:
            raise CommandError(str(rejected)) from rejected
        except OSError as unreadable:  # a file one may not read, a disk error
            raise CommandError(f"{file}: {unreadable.strerror or unreadable}") from unreadable
        except PermissionDenied as denied:
            raise CommandError(f"{by}: {denied}") from denied
        span = f" ({result.references[0]} to {result.references[-1]})" if result.created else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} nominations submitted for {event_obj.code}{span}, "
                f"{result.quotes} with an airfare quote and their entitlement."
            )
        )
