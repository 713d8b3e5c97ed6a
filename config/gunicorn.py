"""gunicorn settings: ``gunicorn -c config/gunicorn.py config.wsgi``.

Access and error logs go to stderr through the token-masking filter, so invitation links never
land in a log file.
"""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_tokens": {"()": "config.log_filters.MaskInvitationTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


class AccessLogAsConfigured(Logger):
    """gunicorn's logger, but with access logging only when ``accesslog`` is set: gunicorn turns it on
    whenever ``logconfig_dict`` is given (as here, for the filter), so ``GUNICORN_ACCESSLOG=""`` would
    otherwise still format and emit a line per request."""

    def _compute_access_log_enabled(self):
        return bool(self.cfg.accesslog)


logger_class = AccessLogAsConfigured
