"""HTML to PDF with xhtml2pdf, for the interview kit and the candidate report."""


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (xhtml2pdf's CSS subset). Raises ``RuntimeError`` if rendering fails."""
    import io

    # Imported here, not at the top: xhtml2pdf and ReportLab are 45 MB resident, and most web processes
    # never render a PDF (the worker renders the ones report emails attach).
    from xhtml2pdf import pisa

    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"PDF rendering failed with {result.err} error(s)")
    return out.getvalue()
