from django.core.management.base import BaseCommand

from questionbank.importers.aiken import write_aiken
from questionbank.importers.csv_format import write_csv
from questionbank.importers.gift import write_gift
from questionbank.selectors import question_list


class Command(BaseCommand):
    help = "Export questions as GIFT, Aiken or CSV to standard output (what the format cannot hold is reported)."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=["gift", "aiken", "csv"])
        parser.add_argument("--topic", default="")
        parser.add_argument("--status", default="published")

    def handle(self, *args, format, topic, status, **options):
        questions = question_list(topic=topic, status=status).exclude(kind="free_text") if format != "gift" else (
            question_list(topic=topic, status=status))
        if format == "gift":
            text, left_out = write_gift(questions), []
        elif format == "aiken":
            text, left_out = write_aiken(questions)
        else:
            text, left_out = write_csv(questions)
        self.stdout.write(text, ending="")
        if left_out:
            self.stderr.write(f"{len(left_out)} question(s) the {format} format cannot hold were left out: "
                              f"{', '.join(left_out[:20])}")
