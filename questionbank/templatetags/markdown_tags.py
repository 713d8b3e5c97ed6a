from django import template
from django.utils.safestring import mark_safe

from questionbank.rendering import render_inline_markdown, render_markdown

register = template.Library()


@register.filter
def safe_markdown(text: str) -> str:
    """Markdown rendered and sanitised (``questionbank.rendering``)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


@register.filter
def safe_inline_markdown(text: str) -> str:
    return mark_safe(render_inline_markdown(text))  # noqa: S308 - sanitised by nh3
