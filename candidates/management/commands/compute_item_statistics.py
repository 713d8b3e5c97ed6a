import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from candidates.enums import SessionStatus
from candidates.item_statistics import statistics_recompute
from candidates.models import Response


class Command(BaseCommand):
    help = "Recompute item statistics, test reliability and curation flags now."

    def add_arguments(self, parser):
        parser.add_argument("--min-sample", type=int, default=None, help="Sessions needed before flagging.")

    def handle(self, *args, min_sample, **options):
        responses = Response.objects.exclude(session__status=SessionStatus.IN_PROGRESS).count()
        started = time.perf_counter()
        result = statistics_recompute(now=timezone.now(), min_sample=min_sample)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{result['items']} items ({result['flagged']} flagged), {result['versions']} test versions.")
        self.stdout.write(f"item statistics: {responses} responses, {result['items']} items in {seconds:.2f} s")
