from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from questionbank.seeding import SeedError, coverage_table, seed_bank_load


class Command(BaseCommand):
    help = "Load the curated Flask bank from seeds/ (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(Path(settings.BASE_DIR) / "seeds"))
        parser.add_argument("--stats", action="store_true", help="Print the coverage table (topic × difficulty).")

    def handle(self, *args, directory: str, stats: bool, **options):
        try:
            report = seed_bank_load(directory=Path(directory))
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Seed bank: {report.topics_created} topics created, {report.created} questions created, "
            f"{report.updated} updated, {report.unchanged} unchanged."
        )
        if stats:
            self.stdout.write(coverage_table())
