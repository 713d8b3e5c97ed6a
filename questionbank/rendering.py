"""Markdown → sanitised HTML for stems, choices and explanations.

Markdown is rendered by Python-Markdown (fenced code highlighted by Pygments as CSS classes)
and the result is cleaned by nh3 (the ammonia sanitiser), so an item can never carry
script, event handlers or ``javascript:`` links into a page or an email.
"""

from functools import lru_cache

import markdown
import nh3

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
