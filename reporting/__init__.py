"""Renderers of the weekly report (contract §3) for people: Markdown and Excel.

Both take the dict built by ``queries.report.build_report`` and compute nothing from the
database, so every figure they show is exactly the one in ``report --format json``.
"""

from reporting.markdown import render_markdown
from reporting.xlsx import render_xlsx

__all__ = ["render_markdown", "render_xlsx"]
