"""The weekly 通报 as a Word document in the layout a government office files (GB/T 9704-2012).

- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm).
- 标题 方正小标宋简体 二号 (22 pt), centred; 正文 仿宋_GB2312 三号 (16 pt), first-line indent
  of two characters, exact line spacing 28.95 pt and a document grid of 22 lines × 28
  characters a page (the standard's 每面排 22 行，每行排 28 个字); 一级标题 (一、…) in 黑体.
- Page numbers ``— 1 —`` in 宋体 四号 (14 pt): odd pages right, even pages left, one character
  in from the edge.

The faces are the ones Chinese office machines have; they are set as East Asian fonts
(``w:rFonts/@w:eastAsia``) so Word uses them for Chinese text. The text is the 周例会 page's
通报 (``ui.weekly_model.bulletin_paragraphs``) and the communities behind plan come from the
league, so the document says what the page says.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from figures.league import LeagueRow
from figures.livelihood import WeekProject
from figures.status import Rules, load_rules
from ui import format as fmt
from ui import weekly_model as wm

Report = dict[str, Any]
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四
LINE_PITCH = Pt(28.95)  # 225 mm over 22 lines, as Word's 公文 templates set it
CHARS_PER_LINE = 28
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_PT = (210 - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72  # 442.2 pt
# Each character condensed by whole twips until 28 of them fit the line: −5 twips (−0.25 pt),
# 28 × 15.75 pt = 441 pt.
CHAR_SPACING_TWIPS = math.floor((TEXT_WIDTH_PT / CHARS_PER_LINE - BODY_SIZE.pt) * 20)
FIGURE_HYPHEN = re.compile(r"-(?=\d)")  # 2026-06-30, -58.1: a hyphen a line must not end on
HEADING_LEAD = re.compile(r"^([一二三四五六七八九十]+、[^。]{1,20}[。（])")
TABLE_HEADERS = ("街道", "社区", "民生实事完成率", "逾期项目", "普查登记率", "综合得分")
# 156 mm, the 版心 width. Each column holds its header and its longest usual entry on one
# line at 小四 (12 pt = 4.23 mm a character, plus 2 × 1 mm of cell margin): 街道 names of 5
# characters (花园路街道, 25 mm) and 社区 names of 7 (34 mm) stay whole, where 23 and 29 mm
# with Word's 1.9 mm margins printed 花园路街/道 and 新华北路社/区; 民生实事完成率 needs 31.6 mm,
# 普查登记率 23.2, 逾期项目 and 综合得分 19.0.
TABLE_WIDTHS_MM = (25, 34, 32, 20, 25, 20)
CELL_MARGIN_MM = 1.0


def _set_fonts(run: Run, east_asia: str, size: Pt, latin: str = LATIN_FONT) -> None:
    """Latin and East Asian faces on a run (Word picks w:eastAsia for Chinese characters)."""
    run.font.name = latin
    run.font.size = size
    if size == BODY_SIZE:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
        properties = run._element.get_or_add_rPr()
        size_element = properties.find(qn("w:sz"))
        size_element.addprevious(spacing)  # the schema orders w:spacing before w:sz
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _add_run(paragraph: Paragraph, text: str) -> Run:
    """A run of ``text`` whose hyphens before a digit are Word's non-breaking hyphen.

    Word and LibreOffice may end a line after a plain hyphen-minus (``2026-06-`` / ``30``),
    never at ``w:noBreakHyphen``; python-docx reads it back as ``-``, so the text is unchanged.
    """
    run = paragraph.add_run()
    for index, piece in enumerate(FIGURE_HYPHEN.split(text)):
        if index:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            run._r.add_t(piece)
    return run


def _exact_lines(paragraph: Paragraph, pitch: Pt = LINE_PITCH) -> None:
    fmt_ = paragraph.paragraph_format
    fmt_.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt_.line_spacing = pitch
    fmt_.space_before = Pt(0)
    fmt_.space_after = Pt(0)


def _defaults(document) -> None:  # type: ignore[no-untyped-def]
    """三号 仿宋 and the languages as the document defaults.

    Empty paragraphs (the line under the title) then keep the body's size. The East Asian
    language is zh-CN, so a machine without these faces falls back to a Simplified Chinese
    font; the Latin language (``w:val``, which covers digits, ``%`` and ``.``) stays en-US, as
    Word writes it for Chinese documents: LibreOffice breaks text by its language, and with a
    Chinese ``w:val`` it breaks figures between any two digits (``2026-06-3`` / ``0``).
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        element = run_defaults.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            run_defaults.append(element)
        element.set(qn("w:val"), str(round(BODY_SIZE.pt * 2)))
    fonts = run_defaults.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run_defaults.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_defaults.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _page_setup(document) -> None:  # type: ignore[no-untyped-def]
    """A4, GB/T 9704 margins, the 22 × 28 grid, separate odd and even footers."""
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28 - 7)  # 页码 sits 7 mm below the 版心
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # A line grid only: LibreOffice draws a character grid a line pitch wide (15 a line), so
    # the 28 characters come from the run spacing instead (``CHAR_SPACING_TWIPS``).
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _field(run: Run, instruction: str) -> None:
    """A Word field (PAGE) inside the run: begin, instruction, separate, shown result, end."""

    def char(kind: str):  # type: ignore[no-untyped-def]
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    shown = OxmlElement("w:t")
    shown.text = "1"  # what a reader shows before it updates the field
    for element in (char("begin"), code, char("separate"), shown, char("end")):
        run._element.append(element)


def _page_number(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """``— 1 —`` in 宋体 四号, one character in from the outer edge."""
    paragraph.alignment = align
    one_char = PAGE_NUMBER_SIZE
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = one_char
    else:
        paragraph.paragraph_format.left_indent = one_char
    for text in ("— ", None, " —"):
        run = paragraph.add_run(text or "")
        _set_fonts(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE, PAGE_NUMBER_FONT)
        if text is None:
            _field(run, " PAGE ")


def _title(document, report: Report) -> None:  # type: ignore[no-untyped-def]
    """Two centred lines: who and what, then the week (a date is never broken in two)."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(paragraph, Pt(LINE_PITCH.pt * 1.25))
    run = _add_run(paragraph, f"{wm.who(report)}周例会通报")
    _set_fonts(run, TITLE_FONT, TITLE_SIZE)
    run.add_break()
    _set_fonts(_add_run(paragraph, f"（{wm.week_text(report)}）"), TITLE_FONT, TITLE_SIZE)
    blank = document.add_paragraph()  # 标题下空一行
    _exact_lines(blank)


def _body(document, text: str, indent: bool = True) -> Paragraph:  # type: ignore[no-untyped-def]
    """A 正文 paragraph; a leading ``一、民生实事。`` is set in 黑体 as the standard's 一级标题."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _exact_lines(paragraph)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE.pt * 2)
    match = HEADING_LEAD.match(text)
    if match:
        lead = match.group(1).rstrip("（")
        _set_fonts(_add_run(paragraph, lead), HEADING_FONT, BODY_SIZE)
        text = text[len(lead) :]
    _set_fonts(_add_run(paragraph, text), BODY_FONT, BODY_SIZE)
    return paragraph


def behind_rows(rows: Sequence[LeagueRow]) -> list[LeagueRow]:
    """Communities behind plan on average (score < 0), furthest behind first."""
    behind = [row for row in rows if row.score is not None and row.score < 0]
    return sorted(behind, key=lambda r: (r.score or 0.0, r.subdistrict, r.community))


def _table_cells(row: LeagueRow) -> tuple[str, ...]:
    return (
        row.subdistrict,
        row.community,
        fmt.pct(row.livelihood_rate),
        fmt.count(row.overdue, "项"),
        fmt.pct(row.census_rate),
        fmt.score_text(row.score or 0.0),
    )


def _cell_text(cell, text: str, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(paragraph, Pt(20))
    run = _add_run(paragraph, text)
    run.bold = bold
    _set_fonts(run, HEADING_FONT if bold else BODY_FONT, TABLE_SIZE)


def _cell_margins(table, mm: float) -> None:  # type: ignore[no-untyped-def]
    """Left and right cell margins of the whole table (w:tblCellMar, before w:tblLook)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _keep_row_whole(row, header: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A row never breaks across pages (文化路街 on one page, 道 on the next); the header
    row repeats on every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _behind_table(document, rows: Sequence[LeagueRow]) -> None:  # type: ignore[no-untyped-def]
    behind = behind_rows(rows)
    if not behind:
        _body(document, "各社区综合进度均未落后于计划。")
        return
    _body(document, f"附：进度落后的社区（{len(behind)} 个，按综合得分由低到高）", indent=False)
    table = document.add_table(rows=1, cols=len(TABLE_HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, CELL_MARGIN_MM)
    for cell, header in zip(table.rows[0].cells, TABLE_HEADERS, strict=True):
        _cell_text(cell, header, bold=True)
    _keep_row_whole(table.rows[0], header=True)
    for row in behind:
        added = table.add_row()
        for cell, text in zip(added.cells, _table_cells(row), strict=True):
            _cell_text(cell, text)
        _keep_row_whole(added)
    for column, width in zip(table.columns, TABLE_WIDTHS_MM, strict=True):
        column.width = Mm(width)  # w:gridCol, which LibreOffice reads
        for cell in column.cells:
            cell.width = Mm(width)  # w:tcW, which Word reads


def _date_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_docx(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> bytes:
    """The 通报: title, the page's paragraphs, the table of communities behind, 数据截至."""
    document = Document()
    _defaults(document)
    _page_setup(document)
    core = document.core_properties
    core.title = wm.document_title(report)
    core.author = "街道治理数据看板"
    _title(document, report)
    for text in wm.bulletin_paragraphs(report, rows, projects, rules):
        for line in text.split("\n"):
            _body(document, line)
    _behind_table(document, rows)
    closing = _body(
        document, f"数据截至{_date_words(dt.date.fromisoformat(report['as_of']))}", indent=False
    )
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.right_indent = Pt(BODY_SIZE.pt * 4)  # 右空四字
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def weekly_docx(engine, as_of: dt.date, subdistrict: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """The Word 通报 for a date and subdistrict (``report --format docx`` and the /weekly button)."""
    from figures.league import report_with_league
    from figures.livelihood import week_projects
    from figures.report import report_scope

    weekly = report_with_league(engine, as_of, subdistrict)
    return render_docx(
        weekly.report,
        weekly.league,
        week_projects(engine, report_scope(as_of, subdistrict)),
        load_rules(engine),
    )
