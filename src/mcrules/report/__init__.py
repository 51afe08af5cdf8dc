"""Renderers of results: text (rich), JSON, Markdown, HTML. They format; they never recompute."""

from mcrules.report.html import render_html, render_html_dict
from mcrules.report.json import render_json
from mcrules.report.markdown import render_markdown
from mcrules.report.text import render_text

FORMATS = ("text", "json", "markdown", "html")

__all__ = ["FORMATS", "render_html", "render_html_dict", "render_json", "render_markdown",
           "render_text"]
