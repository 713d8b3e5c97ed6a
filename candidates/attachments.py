"""Email attachments, rendered at send time from a small JSON spec stored on the outbox row."""


def attachment_render(spec: dict) -> tuple[str, bytes, str]:
    """``(filename, content, mimetype)`` for an attachment spec such as
    ``{"kind": "session_report_pdf", "session_id": 42}``. Raises ``ValueError`` for an unknown kind."""
    raise ValueError(f"Unknown attachment kind: {spec.get('kind')!r}")
