from django.db import models


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    STARTED = "started", "Started"
    FINISHED = "finished", "Finished"
    REVOKED = "revoked", "Revoked"


class SessionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    TIMED_OUT = "timed_out", "Timed out"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"

