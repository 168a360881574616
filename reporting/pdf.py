"""A printable PDF (A4) of the weekly review, with the Chinese font embedded.

The document is plain data (title, lines of text, tables of already formatted cells) built
by the caller from the same values the page shows, so the PDF is exactly what was on screen.
The font is Debian's Noto Sans CJK (package ``fonts-noto-cjk``), embedded as a subset, so the
file shows Chinese on any machine, with no font installed there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_FAMILY = "NotoSansSC"
# Noto Sans CJK collections hold JP, KR, SC, TC, HK in this order: index 2 is 简体中文.
SC_INDEX = 2
FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/local/share/fonts"),
)
REGULAR_FILE, BOLD_FILE = "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"
FONT_ENV = "DASHBOARD_PDF_FONT_DIR"
HEADER_FILL = (221, 235, 247)
ZEBRA_FILL = (246, 248, 251)


class PdfFontMissing(RuntimeError):
    """No CJK font file: the PDF cannot show Chinese, so none is made."""


@dataclass(frozen=True)
class PdfTable:
    """A titled table; ``widths`` are relative column widths (None: equal)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None
    empty_text: str = "无"


@dataclass(frozen=True)
class PdfSection:
    """A heading with paragraphs of text, then its tables."""

    heading: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[PdfTable] = ()


@dataclass(frozen=True)
class PdfDocument:
    """The whole document: a title, one line under it, and the sections in order."""

    title: str
    subtitle: str
    sections: Sequence[PdfSection] = field(default_factory=tuple)


def find_cjk_fonts() -> tuple[Path, Path | None]:
    """The Noto Sans CJK regular (and bold, if there) font files, or PdfFontMissing."""
    dirs = [Path(os.environ[FONT_ENV])] if os.environ.get(FONT_ENV) else []
    for folder in [*dirs, *FONT_DIRS]:
        regular = folder / REGULAR_FILE
        if regular.is_file():
            bold = folder / BOLD_FILE
            return regular, bold if bold.is_file() else None
    raise PdfFontMissing(
        "未找到中文字体 NotoSansCJK-Regular.ttc，无法生成 PDF。"
        "请安装字体包：apt-get install fonts-noto-cjk"
    )


class _WeeklyPdf(FPDF):
    """A4 portrait with a footer: page number and the document title."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, f"{self.footer_text}　第 {self.page_no()} / {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def _new_pdf(title: str) -> _WeeklyPdf:
    regular, bold = find_cjk_fonts()
    pdf = _WeeklyPdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT_FAMILY, "", str(regular), collection_font_number=SC_INDEX)
    pdf.add_font(FONT_FAMILY, "B", str(bold or regular), collection_font_number=SC_INDEX)
    pdf.set_title(title)
    pdf.set_creator("街道治理数据看板")
    pdf.footer_text = title
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


def _write_table(pdf: FPDF, table: PdfTable) -> None:
    if table.title:
        pdf.set_font(FONT_FAMILY, "B", 10.5)
        pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 9)
    if not table.rows:
        pdf.multi_cell(0, 6, table.empty_text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    widths = tuple(table.widths) if table.widths else None
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        cell_fill_color=ZEBRA_FILL,
        cell_fill_mode="ROWS",
        line_height=5.5,
        text_align="LEFT",
        first_row_as_headings=True,
        repeat_headings=1,
    ) as grid:
        for cells in [table.headers, *table.rows]:
            row = grid.row()
            for value in cells:
                row.cell(str(value))
    pdf.ln(3)


def render_pdf(document: PdfDocument) -> bytes:
    """The document as PDF bytes (A4, Chinese font embedded)."""
    pdf = _new_pdf(document.title)
    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.multi_cell(0, 9, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 6, document.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    for section in document.sections:
        pdf.set_font(FONT_FAMILY, "B", 12.5)
        pdf.multi_cell(0, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 10.5)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 6.2, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for table in section.tables:
            _write_table(pdf, table)
        pdf.ln(2)
    return bytes(pdf.output())
