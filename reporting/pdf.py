"""A printable PDF (A4) of the weekly review, with the Chinese font embedded.

The document is plain data (title, lines of text, tables of already formatted cells) built
by the caller from the same values the page shows, so the PDF is exactly what was on screen.
The font is Debian's Noto Sans CJK (package ``fonts-noto-cjk``), embedded as a subset, so the
file shows Chinese on any machine, with no font installed there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

from figures.status import STATUS_LABELS
from ui import format as fmt

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
# Status cells (``● 滞后``) print in their colour, the word beside the dot keeps the meaning
# on a black-and-white printer. The dashboard's colours (ui.format's one palette).
STATUS_INKS: dict[str, tuple[int, int, int]] = {
    fmt.status_word(key): fmt.rgb(color)
    for key in STATUS_LABELS
    if (color := fmt.status_color(key))
}
CELL_PADDING_MM = 2.2
# No column gets more than this share of the line, so a long sentence column cannot squeeze
# the others below their longest word.
MAX_COLUMN_SHARE = 0.5

# ------------------------------------------------------------------ CJK line breaking
# Chinese may break between any two characters, except: inside a number and what belongs to
# it (4,38.05万元, 33.6小时, 86.5%, 1—11月), inside a Latin word or code (XHL-2026-005,
# 2026-11-25), before closing punctuation and after opening punctuation. fpdf2 breaks a line
# without spaces at any character, so lines are made here and handed over already broken.
_UNIT = r"(?:个百分点|万元|亿元|小时|人次|户|人|项|个|月|日|年|天|%|名|次)"
_ATOM = re.compile(
    r"[+\-−↑↓]?\d[\d,.]*(?:\s?/\s?\d[\d,.]*)?(?:—\d+)?\s?" + _UNIT + r"?"  # a figure
    r"|[A-Za-z0-9][A-Za-z0-9_.:/\-]*"  # a code or Latin word
    r"|\s+"
    r"|."
)
NBSP = "\u00a0"
_NUMBER_SPACE_UNIT = re.compile(r"(\d) (?=" + _UNIT + ")")
NO_LINE_START = set("，。、；：？！）》」』】〕…—%·,.;:!?)]}")
NO_LINE_END = set("（《「『【〔([{")


def _atoms(text: str) -> list[str]:
    """The text cut where a line may break, punctuation kept with its neighbour."""
    atoms: list[str] = []
    for match in _ATOM.finditer(text):
        piece = match.group(0)
        if atoms and (piece[0] in NO_LINE_START or atoms[-1][-1] in NO_LINE_END):
            atoms[-1] += piece
        else:
            atoms.append(piece)
    return atoms


def _split_long(pdf: FPDF, atom: str, width: float) -> list[str]:
    """An atom wider than a whole line (rare: a long code) cut by characters."""
    parts, current = [], ""
    for ch in atom:
        if current and pdf.get_string_width(current + ch) > width:
            parts.append(current)
            current = ch
        else:
            current += ch
    return [*parts, current] if current else parts


def _too_wide(
    pdf: FPDF, piece: str, width: float, pieces: Callable[[str], list[str]] | None
) -> list[str]:
    """A piece wider than the line. A cell's piece (a header such as 年度目标（万元）) is broken
    like a paragraph, so its closing bracket never starts a line alone; a paragraph's piece
    is one figure or code, cut by characters only when nothing else fits."""
    if pieces is not None:
        return wrap(pdf, piece, width)
    return _split_long(pdf, piece, width)


def wrap(
    pdf: FPDF, text: str, width: float, pieces: Callable[[str], list[str]] | None = None
) -> list[str]:
    """``text`` in lines no wider than ``width`` (mm, current font), never splitting a figure,
    a code or a word, never starting a line with closing punctuation. ``pieces`` cuts a
    line of text where it may break (default: as a paragraph)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for atom in (pieces or _atoms)(paragraph):
            if pdf.get_string_width(current + atom) <= width:
                current += atom
            elif not current.strip():
                # A single piece wider than the line (a very long code): cut it by characters.
                *full, current = _too_wide(pdf, atom.strip(), width, pieces) or [""]
                lines.extend(full)
            else:
                lines.append(current.rstrip())
                current = atom.lstrip()
                if pdf.get_string_width(current) > width:
                    *full, current = _too_wide(pdf, current, width, pieces) or [""]
                    lines.extend(full)
        lines.append(current.rstrip())
    return lines


def _cell_atoms(text: str) -> list[str]:
    """A table cell breaks only at spaces and after punctuation (names stay whole:
    新华北路社区 was printed as 新华北路社/区); sentences still break there."""
    glued = _NUMBER_SPACE_UNIT.sub("\\1" + NBSP, text)  # "141,860.66 万元" stays one piece
    return [piece for piece in re.split(r"(?<=[ \t，。、；：）])", glued) if piece]


def _cell_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """A cell's lines: whole names and phrases first; a phrase wider than the column is
    broken like a paragraph (figures and codes still whole)."""
    lines: list[str] = []
    for line in wrap(pdf, text, width, _cell_atoms):
        line = line.replace(NBSP, " ")
        if pdf.get_string_width(line) <= width + 0.01:
            lines.append(line)
        else:
            lines.extend(wrap(pdf, line, width))
    return lines


# A run of Chinese text longer than this (a project title, a sentence) may wrap inside its
# cell; shorter runs (community and subdistrict names, categories) are kept whole.
LONG_TEXT_CHARS = 8
TABLE_FONT_SIZES = (9.0, 8.5, 8.0, 7.5)


def _least_width(pdf: FPDF, atom: str) -> float:
    """The narrowest a column may be for this piece: whole, unless it is long plain text."""
    text = atom.strip().replace(NBSP, " ")
    width = pdf.get_string_width(text)
    if len(text) <= LONG_TEXT_CHARS:
        return width
    # Long text may wrap between its characters, never inside a figure or code it holds.
    inner = max((pdf.get_string_width(a.strip()) for a in _atoms(text)), default=0.0)
    return min(width, max(inner, pdf.get_string_width("字" * LONG_TEXT_CHARS)))


def column_widths(
    pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str]], total: float
) -> tuple[list[float], float]:
    """Widths (mm) from the content, and the font size that lets them fit on the line.

    Each column is at least its longest unbreakable piece (a name, a code, a date, a figure);
    the rest of the line goes to the columns with more text. A table too wide at 9 pt is set
    a little smaller rather than breaking a code in two.
    """
    columns = list(zip(headers, *rows, strict=False))
    pad = 2 * CELL_PADDING_MM + 0.4
    for size in TABLE_FONT_SIZES:
        pdf.set_font(FONT_FAMILY, "", size)
        least, natural = [], []
        for cells in columns:
            head = max((_least_width(pdf, a) for a in _cell_atoms(str(cells[0]))), default=0.0)
            widest = max(
                (_least_width(pdf, a) for c in cells[1:] for a in _cell_atoms(str(c))),
                default=0.0,
            )
            full = max((pdf.get_string_width(str(c)) for c in cells), default=0.0)
            least.append(min(max(widest, min(head, 22.0)) + pad, total * MAX_COLUMN_SHARE))
            natural.append(min(full + pad, total))
        if sum(least) <= total:
            break
    spare = total - sum(least)
    if spare <= 0:
        return [w * total / sum(least) for w in least], size
    extra = [n - m for n, m in zip(natural, least, strict=True)]
    if sum(extra) <= spare:
        slack = (spare - sum(extra)) / len(natural)
        return [n + slack for n in natural], size
    return [m + spare * e / sum(extra) for m, e in zip(least, extra, strict=True)], size


def _status_ink(value: str) -> tuple[int, int, int] | None:
    for word, ink in STATUS_INKS.items():
        if value.strip() in (f"● {word}", word):
            return ink
    return None


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


class _PageFurniture:
    """A4 portrait; every page names the document, its date and scope, and its number.

    A handed-out page that got separated from the first still says what it is.
    """

    header_text = ""
    footer_text = ""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, self.header_text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, f"{self.footer_text}　第 {self.page_no()} / {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


@lru_cache(maxsize=1)
def _weekly_pdf_class() -> type[FPDF]:
    """``FPDF`` with the page furniture, built when the first PDF is.

    Importing fpdf (with fontTools) takes 0.5–1.8 s; /weekly imports this module on every
    visit but builds a PDF only when 下载 PDF is clicked, so the import waits until then.
    """
    from fpdf import FPDF

    return type("_WeeklyPdf", (_PageFurniture, FPDF), {})


def _new_pdf(title: str) -> FPDF:
    regular, bold = find_cjk_fonts()
    pdf = _weekly_pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT_FAMILY, "", str(regular), collection_font_number=SC_INDEX)
    pdf.add_font(FONT_FAMILY, "B", str(bold or regular), collection_font_number=SC_INDEX)
    pdf.set_title(title)
    pdf.set_creator("街道治理数据看板")
    pdf.header_text = title
    pdf.footer_text = title
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


def _write_table(pdf: FPDF, table: PdfTable) -> None:
    from fpdf.fonts import FontFace

    if table.title:
        pdf.set_font(FONT_FAMILY, "B", 10.5)
        _paragraph(pdf, table.title, 7)
    pdf.set_font(FONT_FAMILY, "", 9)
    if not table.rows:
        _paragraph(pdf, table.empty_text, 6)
        pdf.ln(2)
        return
    headers = [str(h) for h in table.headers]
    rows = [[str(v) for v in row] for row in table.rows]
    widths, size = column_widths(pdf, headers, rows, pdf.epw)
    pdf.set_font(FONT_FAMILY, "", size)
    with pdf.table(
        col_widths=tuple(widths),
        width=pdf.epw,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        cell_fill_color=ZEBRA_FILL,
        cell_fill_mode="ROWS",
        line_height=size * 0.6,
        text_align="LEFT",
        first_row_as_headings=True,
        repeat_headings=1,
        padding=(1, CELL_PADDING_MM),
    ) as grid:
        for number, cells in enumerate([headers, *rows]):
            row = grid.row()
            for width, value in zip(widths, cells, strict=True):
                pdf.set_font(FONT_FAMILY, "B" if number == 0 else "", size)
                text = "\n".join(_cell_lines(pdf, value, width - 2 * CELL_PADDING_MM - 0.2))
                ink = _status_ink(value) if number else None
                style = FontFace(emphasis="BOLD", color=ink) if ink else None
                row.cell(text, style=style)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.ln(3)


def _paragraph(pdf: FPDF, text: str, line_height: float, align: str = "L") -> None:
    """A paragraph broken by ``wrap`` (fpdf2 would cut a figure in two at a line end)."""
    lines = wrap(pdf, text, pdf.epw - 2 * pdf.c_margin - 0.5)
    pdf.multi_cell(0, line_height, "\n".join(lines), align=align, new_x="LMARGIN", new_y="NEXT")


def render_pdf(document: PdfDocument) -> bytes:
    """The document as PDF bytes (A4, Chinese font embedded)."""
    pdf = _new_pdf(document.title)
    pdf.footer_text = document.subtitle
    pdf.set_font(FONT_FAMILY, "B", 16)
    _paragraph(pdf, document.title, 9, align="C")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.set_text_color(90, 90, 90)
    _paragraph(pdf, document.subtitle, 6, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    for section in document.sections:
        if pdf.will_page_break(30):  # no heading alone at the foot of a page
            pdf.add_page()
        pdf.set_font(FONT_FAMILY, "B", 12.5)
        _paragraph(pdf, section.heading, 8)
        pdf.set_font(FONT_FAMILY, "", 10.5)
        for paragraph in section.paragraphs:
            _paragraph(pdf, paragraph, 6.2)
            pdf.ln(1)
        for table in section.tables:
            _write_table(pdf, table)
        pdf.ln(2)
    return bytes(pdf.output())
