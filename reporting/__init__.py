"""Renderers of the weekly report (contract §3) for people: Markdown and Excel.

Both take the dict built by ``figures.report.build_report`` and compute nothing from the
database, so every figure they show is exactly the one in ``report --format json``.
``render_markdown`` and ``render_xlsx`` are loaded on first use, so that importing
``reporting.cli`` (every ``manage.py`` start) does not load xlsxwriter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_markdown", "render_xlsx"]


def __getattr__(name: str) -> Any:
    if name == "render_markdown":
        from reporting.markdown import render_markdown

        return render_markdown
    if name == "render_xlsx":
        from reporting.xlsx import render_xlsx

        return render_xlsx
    raise AttributeError(f"module 'reporting' has no attribute {name!r}")
