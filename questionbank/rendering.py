"""Markdown → sanitised HTML for stems, choices and explanations.

Markdown is rendered by Python-Markdown (fenced code highlighted by Pygments as CSS classes)
and the result is cleaned by nh3 (the ammonia sanitiser), so an item can never carry
script, event handlers or ``javascript:`` links into a page or an email.
"""

import hashlib
from functools import lru_cache

import markdown
import nh3
from django.core.cache import cache

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "span", "div", "ul", "ol", "li", "blockquote",
    "a", "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "hr",
}
_ALLOWED_ATTRIBUTES = {"span": {"class"}, "div": {"class"}, "code": {"class"}, "a": {"href", "title"}}
_EXTENSIONS = ["fenced_code", "codehilite", "tables", "sane_lists"]
_EXTENSION_CONFIGS = {"codehilite": {"guess_lang": False, "css_class": "highlight"}}


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Render block Markdown ``text`` to sanitised HTML (a ``str`` safe to mark safe)."""
    html = markdown.markdown(text or "", extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return nh3.clean(
        html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"}
    )


@lru_cache(maxsize=8192)
def render_inline_markdown(text: str) -> str:
    """Render a one-line Markdown fragment (a choice) without the wrapping ``<p>``."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


# Bump when the rendering above changes: the shared cache is keyed by the text, not by what made the HTML.
_RENDERING_VERSION = 1
_SHARED_SECONDS = 30 * 24 * 3600


def render_many(texts: list[str], *, inline: bool = False) -> list[str]:
    """``render_markdown`` (or ``render_inline_markdown``) of each of ``texts``, in order, through the shared
    cache (Django's, Redis in production): a text any process has rendered is fetched, not rendered again.

    Keyed by the SHA-256 of the text, so an entry can never be stale whatever the bank does. One cache
    round trip to read and one to store what was missing. A server's workers each rendered the same few
    hundred questions the first time a test was started, about 2 ms each: a cohort starting right after a
    deploy paid that once per worker process.
    """
    kind = "inline" if inline else "block"
    keys = [f"assay:markdown:{_RENDERING_VERSION}:{kind}:{hashlib.sha256(t.encode()).hexdigest()}" for t in texts]
    found = cache.get_many(keys) if keys else {}
    render = render_inline_markdown if inline else render_markdown
    missing = {key: render(text) for key, text in zip(keys, texts, strict=True) if key not in found}
    if missing:
        cache.set_many(missing, timeout=_SHARED_SECONDS)
    return [found[key] if key in found else missing[key] for key in keys]
