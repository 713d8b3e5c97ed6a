from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from candidates.demo import demo_setup


class Command(BaseCommand):
    help = "Create the demo organisation, recruiter and published Flask test; print a new candidate link."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="assay-demo", help="Password of the demo recruiter.")

    def handle(self, *args, password: str, **options):
        try:
            demo = demo_setup(password=password)
        except (ValidationError, KeyError) as exc:
            raise CommandError(f"Demo set-up failed (is the seed bank loaded?): {exc}") from exc
        site = settings.SITE_URL
        self.stdout.write(self.style.SUCCESS("\nAssay demo is ready."))
        self.stdout.write(f"  Workspace:      {site}/workspace/   (user {demo.username!r}, password {demo.password!r})")
        self.stdout.write(f"  Admin:          {site}/admin/   (the same user)")
        self.stdout.write(f"  API docs:       {site}/api/docs/")
        self.stdout.write(f"  Test:           {demo.version} ({demo.version.question_count} questions, "
                          f"{demo.version.time_limit // 60} minutes)")
        self.stdout.write(f"  Candidate link: {demo.invitation.link}")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(f"  Emails:         written as files to {settings.EMAIL_FILE_PATH}/")
        self.stdout.write("")
