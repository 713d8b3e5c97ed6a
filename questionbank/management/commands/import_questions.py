import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questionbank.importers.base import ImportFormatError
from questionbank.importers.registry import FORMATS, read_file
from questionbank.importing import questions_import


class Command(BaseCommand):
    help = "Import questions from interview documents, GIFT, Aiken or CSV files into the bank (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
        parser.add_argument("--topic", default="", help="Topic slug for every imported question.")
        parser.add_argument("--status", default="draft", choices=["draft", "published"])
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument("--report", choices=["json"], help="Print the report as JSON.")

    def handle(self, *args, paths, format, topic, status, dry_run, report, **options):
        parsed, skipped = {}, []
        try:
            for n, raw in enumerate(paths, start=1):
                path = Path(raw)
                if not path.is_file():
                    raise CommandError(f"{path}: no such file")
                parsed[path.name], file_skipped = read_file(path, format)
                skipped += file_skipped
                self.stderr.write(f"[{n}/{len(paths)}] {path.name}: {len(parsed[path.name])} questions read")
            result = questions_import(parsed_by_file=parsed, status=status, topic=topic, dry_run=dry_run)
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from exc
        result.skipped += skipped
        if report == "json":
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            verb = "would be" if dry_run else "were"
            self.stdout.write(
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged {verb} written; "
                f"{len(result.duplicates)} near-duplicates linked; {result.options_missing} need their options; "
                f"{len(result.skipped)} skipped."
            )
