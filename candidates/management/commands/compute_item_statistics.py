from django.core.management.base import BaseCommand
from django.utils import timezone

from candidates.item_statistics import statistics_recompute


class Command(BaseCommand):
    help = "Recompute item statistics, test reliability and curation flags now."

    def add_arguments(self, parser):
        parser.add_argument("--min-sample", type=int, default=None, help="Sessions needed before flagging.")

    def handle(self, *args, min_sample, **options):
        result = statistics_recompute(now=timezone.now(), min_sample=min_sample)
        self.stdout.write(f"{result['items']} items ({result['flagged']} flagged), {result['versions']} test versions.")
