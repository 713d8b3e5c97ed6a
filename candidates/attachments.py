"""Email attachments, rendered at send time from a small JSON spec stored on the outbox row."""

from candidates.models import TestSession

PDF = "application/pdf"


def attachment_render(spec: dict) -> tuple[str, bytes, str]:
    """``(filename, content, mimetype)`` for an attachment spec such as
    ``{"kind": "session_report_pdf", "session_id": 42}`` (the candidate report, ``candidates.report_pdf``).

    Raises ``ValueError`` for an unknown kind or a test session that no longer exists: the outbox
    then marks the email failed rather than retrying something that cannot succeed.
    """
    kind = spec.get("kind")
    if kind == "session_report_pdf":
        from candidates.report_pdf import report_filename, session_report_pdf  # charts load matplotlib: late

        session = (
            TestSession.objects.select_related("invitation__candidate", "published_version")
            .filter(pk=spec.get("session_id")).first()
        )
        if session is None:
            raise ValueError(f"No test session {spec.get('session_id')!r} for the report PDF.")
        return report_filename(session), session_report_pdf(session), PDF
    raise ValueError(f"Unknown attachment kind: {kind!r}")
