"""Publishing tasks after commit without putting the broker on the candidate's path."""

import logging
from datetime import datetime

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *, eta: datetime | None = None, **kwargs) -> None:
    """Publish ``task(**kwargs)`` once the current transaction commits (nothing if it rolls back).

    A broker outage is logged, never raised: the request that committed has succeeded, and the
    beat sweeps (expired sessions, pending emails) do the work once the broker is back.
    """

    def publish() -> None:
        try:
            task.apply_async(kwargs=kwargs, eta=eta, retry=False)
        except (OperationalError, OSError):
            logger.warning("broker unavailable: %s(%s) left to the beat sweeps", task.name, kwargs)

    transaction.on_commit(publish)
