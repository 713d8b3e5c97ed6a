"""Publishing tasks after commit without putting the broker on the candidate's path."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)
_publisher: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """One publishing thread per process (made again after a fork: threads do not survive one)."""
    global _publisher
    if _publisher is None or _publisher[0] != os.getpid():
        _publisher = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-publish"))
    return _publisher[1]


def enqueue_on_commit(task, *, eta: datetime | None = None, **kwargs) -> None:
    """Publish ``task(**kwargs)`` once the current transaction commits (nothing if it rolls back).

    The publish happens on a background thread, so a slow or dead broker (redis-py retries a
    refused connection for seconds) never delays the response; a failure is logged and the beat
    sweeps (expired sessions, pending emails) do the work once the broker is back. In eager mode
    (tests) the task runs inline.
    """

    def publish() -> None:
        try:
            task.apply_async(kwargs=kwargs, eta=eta, retry=False)
        except (OperationalError, OSError) as exc:
            logger.warning("broker unavailable (%s): %s(%s) left to the beat sweeps", exc, task.name, kwargs)

    if task.app.conf.task_always_eager:
        transaction.on_commit(publish)
    else:
        transaction.on_commit(lambda: _executor().submit(publish))
