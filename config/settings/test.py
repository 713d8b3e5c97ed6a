"""Settings for the test suite: real database and broker from the environment."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="django-insecure-assay-tests-only")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the end-to-end test switches this off and runs a real
# worker and beat against the broker.
CELERY_TASK_ALWAYS_EAGER = True
# Rendering each report's PDF (≈ 0.4 s) inline in every test that finishes a session would slow the suite
# several-fold; the tests of the PDF attachment turn it on, and the end-to-end test's worker keeps it on.
REPORT_PDF_ATTACHED = env.bool("REPORT_PDF_ATTACHED", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)  # loopback receivers

# Static files straight from the apps (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
