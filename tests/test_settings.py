"""Production settings refuse to start without a real SECRET_KEY."""

import os
import subprocess
import sys

import pytest

from config.settings.base import BASE_DIR


def _import_production(secret_key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize("secret_key", [None, "", "django-insecure-" + "x" * 60, "short"])
def test_settings_production_refuses_missing_or_weak_secret_key(secret_key):
    result = _import_production(secret_key)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_production_starts_with_real_secret_key():
    result = _import_production("k8Fj2mQ9xLr4Tz7Wc1Vb6Ny3Hs5Pd0Ga8Ue2Io4Kl7Mn9Bq1Zx3Cv5")

    assert result.returncode == 0, result.stderr
