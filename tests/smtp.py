"""A real SMTP server on loopback (aiosmtpd) whose replies a test can script."""

import socket

from aiosmtpd.controller import Controller


class ScriptedSmtp:
    """aiosmtpd handler answering each DATA with the next queued reply (then 250), keeping what it accepted."""

    def __init__(self):
        self.replies: list[str] = []
        self.delivered: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        reply = self.replies.pop(0) if self.replies else "250 OK"
        if reply.startswith("250"):
            self.delivered.append(envelope.content)
        return reply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(settings):
    """Start a scripted server and point Django's SMTP backend at it; returns ``(handler, controller)``."""
    handler = ScriptedSmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
    return handler, controller
