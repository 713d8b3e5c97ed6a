"""Email attachments, rendered at send time from a small JSON spec stored on the outbox row."""

from email.mime.image import MIMEImage

from candidates.models import TestSession

PDF = "application/pdf"


def attachment_render(spec: dict) -> tuple[str, bytes, str] | MIMEImage:
    """``(filename, content, mimetype)`` for an attachment spec such as
    ``{"kind": "session_report_pdf", "session_id": 42}`` (the candidate report, ``candidates.report_pdf``),
    or, for ``{"kind": "session_topic_chart", "session_id": 42, "cid": "topics-42"}``, the per-topic chart
    as an inline PNG part with that Content-ID (the HTML body shows it as ``cid:topics-42``; mail
    clients block ``data:`` images).

    Raises ``ValueError`` for an unknown kind or a test session that no longer exists: the outbox
    then marks the email failed rather than retrying something that cannot succeed.
    """
    kind = spec.get("kind")
    if kind == "session_topic_chart":
        from candidates.charts import topic_bars_png  # matplotlib: loaded when a chart is drawn

        breakdown = TestSession.objects.filter(pk=spec.get("session_id")).values_list("topic_breakdown", flat=True)
        if not breakdown:
            raise ValueError(f"No test session {spec.get('session_id')!r} for the topic chart.")
        image = MIMEImage(topic_bars_png(breakdown[0]), "png")
        image.add_header("Content-ID", f"<{spec['cid']}>")
        image.add_header("Content-Disposition", "inline", filename="topics.png")
        return image
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
