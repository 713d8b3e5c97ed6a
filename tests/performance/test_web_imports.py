"""What a web process loads: the heavy libraries of batch jobs and charts stay out of its memory."""

import json
import subprocess
import sys

from config.settings.base import BASE_DIR

PROBE = """
import json, sys, django
django.setup()
from django.test import Client
import config.urls  # every view, serializer and admin module, as a gunicorn worker imports them
Client().get("/health/")
print(json.dumps({name: name in sys.modules for name in ("numpy", "matplotlib", "xhtml2pdf")}))
"""


def test_web_process_does_not_load_numpy_matplotlib_or_the_pdf_renderer():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, capture_output=True, text=True, check=True,
                         env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"})

    # NumPy alone is 16 MB resident per worker (the target is < 150 MB a worker).
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"numpy": False, "matplotlib": False,
                                                               "xhtml2pdf": False}
