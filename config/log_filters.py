"""Logging filters."""

import logging
import re

# The only URL that carries an invitation token is the landing link /t/<token>/.
TOKEN_IN_PATH = re.compile(r"/t/[A-Za-z0-9_-]{8,}")
TOKEN_IN_HEADER = re.compile(r"(Invitation\s+)[A-Za-z0-9_-]{8,}")


def mask_tokens(text: str) -> str:
    """Replace invitation tokens in ``text`` (landing paths, ``Authorization`` values) with ``***``."""
    return TOKEN_IN_HEADER.sub(r"\1***", TOKEN_IN_PATH.sub("/t/***", text))


class MaskInvitationTokens(logging.Filter):
    """Rewrites each record's message so no invitation token reaches a log (access logs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
