"""Renderers of results: text (rich), JSON, Markdown. They format; they never recompute."""

from mcrules.report.json import render_json
from mcrules.report.markdown import render_markdown
from mcrules.report.text import render_text

FORMATS = ("text", "json", "markdown")

__all__ = ["FORMATS", "render_json", "render_markdown", "render_text"]
