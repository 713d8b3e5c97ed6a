"""Server-side charts of a candidate report, as PNG bytes (matplotlib, Agg, object-oriented API).

Never pyplot: its global figure registry is not thread-safe and leaks figures in a long-lived
worker. Each chart builds its own ``Figure`` on an Agg canvas and drops it when done. Pages embed
the bytes as ``data:image/png;base64,…`` (``png_data_uri``) next to a table with the same numbers.
"""

import base64
import io
from collections.abc import Sequence
from decimal import Decimal

BAR = "#1d4ed8"
MARK = "#b45309"
MUTED = "#9aa5b1"
TEXT = "#1f2933"
BIN_WIDTH = 10  # percent points per bar of the distribution


def _figure(**kwargs):
    """A new matplotlib ``Figure``. matplotlib is imported here, on the first chart, so web processes
    that never draw one do not carry it (about 0.5 s and tens of MB)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _png(figure) -> bytes:
    """Render ``figure`` to PNG bytes and release it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    try:
        figure.savefig(out, format="png", dpi=100)
    finally:
        figure.clear()
    return out.getvalue()


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` for an ``<img src>`` (the CSP allows ``img-src data:``)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def topic_bars_png(breakdown: Sequence[dict]) -> bytes:
    """Horizontal bars of the percent score per topic, 0–100.

    ``breakdown`` is a session's ``topic_breakdown`` (``[{"topic", "percent", ...}]``, percent as a
    string or number). An empty breakdown gives a small "no topics" image rather than an error.
    """
    rows = list(breakdown)
    figure = _figure(figsize=(6.4, 0.5 + 0.45 * max(len(rows), 1)), layout="constrained")
    axes = figure.add_subplot()
    if not rows:
        axes.text(0.5, 0.5, "No topics", ha="center", va="center", color=TEXT)
        axes.set_axis_off()
        return _png(figure)
    labels = [str(r["topic"]) for r in rows][::-1]  # first topic on top
    values = [float(Decimal(str(r["percent"]))) for r in rows][::-1]
    bars = axes.barh(labels, values, color=BAR, height=0.6)
    axes.bar_label(bars, labels=[f"{v:g}%" for v in values], padding=3, color=TEXT, fontsize=9)
    axes.set_xlim(0, 112)  # room for the value label of a full bar
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("Percent score", color=TEXT)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def distribution_bins(scores: Sequence[float | Decimal], marked: float | Decimal | None) -> list[dict]:
    """Counts of percent scores per 10-point band: ``[{"low", "high", "label", "count", "marked"}]``.

    Bands are ``[0, 10)``, ``[10, 20)``, … ``[90, 100]`` (100 falls in the last band); ``marked`` is
    true on the band holding the ``marked`` score. The text equivalent of ``score_distribution_png``.
    """
    def band(value) -> int:
        return min(int(float(value) // BIN_WIDTH), 100 // BIN_WIDTH - 1)

    counts = [0] * (100 // BIN_WIDTH)
    for score in scores:
        counts[band(score)] += 1
    marked_band = band(marked) if marked is not None else None
    return [
        {"low": i * BIN_WIDTH, "high": (i + 1) * BIN_WIDTH, "count": n, "marked": i == marked_band,
         "label": f"{i * BIN_WIDTH}–{(i + 1) * BIN_WIDTH}%"}
        for i, n in enumerate(counts)
    ]


def score_distribution_png(scores: Sequence[float | Decimal], marked: float | Decimal | None) -> bytes:
    """Histogram of the test's finished percent scores in 10-point bands (``distribution_bins``),
    the band holding ``marked`` (this candidate's percent score) highlighted and a line at the
    score itself."""
    bins = distribution_bins(scores, marked)
    figure = _figure(figsize=(6.4, 2.8), layout="constrained")
    axes = figure.add_subplot()
    axes.bar([b["low"] for b in bins], [b["count"] for b in bins], width=BIN_WIDTH * 0.92, align="edge",
             color=[MARK if b["marked"] else MUTED for b in bins])
    if marked is not None:
        axes.axvline(float(marked), color=MARK, linewidth=2)
        axes.annotate(f"this candidate: {float(marked):g}%", xy=(float(marked), 1), xycoords=("data", "axes fraction"),
                      xytext=(4, -12), textcoords="offset points", color=MARK, fontsize=9,
                      ha="right" if float(marked) > 60 else "left")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, max(b["count"] for b in bins) * 1.25 + 0.5)  # headroom for the label
    axes.set_xticks(range(0, 101, 10))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("Percent score", color=TEXT)
    axes.set_ylabel("Candidates", color=TEXT)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def report_charts(*, breakdown: Sequence[dict], scores: Sequence[float | Decimal],
                  marked: float | Decimal | None) -> dict:
    """The candidate report's charts as data URIs with their text equivalents:
    ``{"topic_chart", "distribution_chart", "distribution" (``distribution_bins``)}``."""
    return {
        "topic_chart": png_data_uri(topic_bars_png(breakdown)),
        "distribution_chart": png_data_uri(score_distribution_png(scores, marked)),
        "distribution": distribution_bins(scores, marked),
    }
