"""The Celery application.

Broker and beat schedule come from Django settings (``CELERY_*`` names). Start a worker with
``celery -A config worker`` and exactly one scheduler with ``celery -A config beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("assay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
