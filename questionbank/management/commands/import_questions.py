import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionbank.importers.base import ImportFormatError
from questionbank.importers.interview import read_interview_document
from questionbank.importing import questions_import

READERS = {"interview": read_interview_document}


class Command(BaseCommand):
    help = "Import questions from interview documents (GIFT, Aiken and CSV are planned) into the bank."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--format", default="auto", choices=["auto", *READERS])
        parser.add_argument("--topic", default="", help="Topic slug for every imported question.")
        parser.add_argument("--status", default="draft", choices=["draft", "published"])
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument("--report", choices=["json"], help="Print the report as JSON.")

    def handle(self, *args, paths, format, topic, status, dry_run, report, **options):
        parsed = {}
        try:
            for n, raw in enumerate(paths, start=1):
                path = Path(raw)
                if not path.is_file():
                    raise CommandError(f"{path}: no such file")
                reader = READERS["interview"] if format in ("auto", "interview") else READERS[format]
                parsed[path.name] = reader(path)
                self.stderr.write(f"[{n}/{len(paths)}] {path.name}: {len(parsed[path.name])} questions read")
            result = questions_import(parsed_by_file=parsed, status=status, topic=topic, dry_run=dry_run)
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from exc
        if report == "json":
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            verb = "would be" if dry_run else "were"
            self.stdout.write(
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged {verb} written; "
                f"{len(result.duplicates)} near-duplicates linked; {result.options_missing} need their options."
            )
