"""The Word 通报 (``report --format docx``): GB/T 9704 layout, the report's figures, a real render.

The render test converts the file with LibreOffice (Debian's ``libreoffice-writer-nogui``) to
PDF and PNG, so the pages can be looked at (``tests/artifacts/word_page-*.png``); a second render
reads the PDF back line by line to check no figure is split across lines. They are skipped
locally when ``soffice`` is absent, but under CI (``CI=true``) a missing LibreOffice is a failure.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import fresh_sqlite_url
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import manage
from figures.report import build_report
from reporting.word import TABLE_HEADERS, weekly_docx
from storage.db import get_engine, make_engine
from tests.report_rows import Rows

AS_OF = dt.date(2026, 6, 30)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def filled(engine):
    """甲社区 behind (1 of 4 done at mid-year), 乙社区 ahead; one fiscal item with a target."""
    rows = Rows(engine)
    rows.project(EAST_A, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    for _ in range(3):
        rows.project(EAST_A, "未启动", dt.date(2026, 12, 1))
    for _ in range(2):
        rows.project(EAST_B, "已完成", dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    for month in range(1, 7):
        rows.fiscal("东城街道", 2026, month, "一般公共预算收入", 100.0)
    rows.target("东城街道", 2026, "一般公共预算收入", 1500.0)
    return engine


def _text(document) -> str:  # type: ignore[no-untyped-def]
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_docx_opens_and_holds_the_report_figures(filled):
    """The document reopens and states the report's totals, rate, revenue and 数据截至."""
    report = build_report(filled, AS_OF)
    document = Document(io.BytesIO(weekly_docx(filled, AS_OF, None)))
    text = _text(document)
    lv = report["livelihood"]
    assert f"共实施民生实事项目{lv['total']} 项" in text and f"已完成{lv['completed']} 项" in text
    assert "完成率50.0%" in text
    assert "累计600.00 万元" in text and "完成年度目标40.0%" in text
    assert "数据截至2026年6月30日" in text
    assert "全部街道周例会通报" in document.paragraphs[0].text
    table_rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert table_rows[0][:2] == ["街道", "社区"]
    # Both are behind on the league score (no volunteers yet); 甲社区 furthest, so first.
    assert [row[:2] for row in table_rows[1:]] == [["东城街道", "甲社区"], ["东城街道", "乙社区"]]
    assert table_rows[1][2] == "25.0%"


def test_docx_follows_the_gbt_9704_layout(filled):
    """A4, the standard's margins, 22 lines a page, title 22 pt / body 16 pt East Asian faces,
    two-character first-line indent, page numbers — 1 — in 宋体 14 pt."""
    document = Document(io.BytesIO(weekly_docx(filled, AS_OF, None)))
    section = document.sections[0]
    measured = [section.page_width, section.page_height, section.top_margin]
    measured += [section.bottom_margin, section.left_margin, section.right_margin]
    for value, millimetres in zip(measured, (210, 297, 37, 35, 28, 26), strict=True):
        assert abs(value - Mm(millimetres)) < Mm(0.1)  # stored in twips
    grid = section._sectPr.find(qn("w:docGrid"))
    assert int(grid.get(qn("w:linePitch"))) == 579  # 28.95 pt: 225 mm / 22 lines
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size == Pt(22)
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in document.paragraphs if "民生实事项目" in p.text)
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body.paragraph_format.line_spacing == Pt(28.95)
    faces = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in body.runs}
    assert faces == {"黑体", "仿宋_GB2312"}  # 一级标题 in 黑体, the rest 仿宋
    assert all(r.font.size == Pt(16) for r in body.runs)
    footer = section.footer.paragraphs[0]
    assert footer.text.replace("1", "N") == "— N —"  # PAGE field shows 1 until Word updates it
    assert "PAGE" in footer._p.xml
    assert footer.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert footer.runs[0].font.size == Pt(14)
    assert section.even_page_footer.paragraphs[0].text == footer.text
    assert document.settings.odd_and_even_pages_header_footer


def test_docx_marks_figures_unbreakable_for_word_and_libreoffice(filled):
    """Latin text (digits, %) is declared en-US and Chinese zh-CN, and a date's hyphens are
    non-breaking hyphens: what keeps figures whole without a renderer at hand."""
    document = Document(io.BytesIO(weekly_docx(filled, AS_OF, None)))
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("en-US", "zh-CN")
    assert not document.element.body.xpath(".//w:lang[@w:val='zh-CN']")
    title = document.paragraphs[0]
    assert "2026-06-30" in title.text  # python-docx reads w:noBreakHyphen back as "-"
    assert len(title._p.xpath(".//w:noBreakHyphen")) == 4
    assert not any("-" in (t.text or "") for t in title._p.xpath(".//w:t"))


def test_report_command_writes_docx(filled, db_url, monkeypatch, tmp_path, capsys):
    """``manage.py report --format docx --output PATH`` writes the same Word document."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_engine.cache_clear()
    out = tmp_path / "通报.docx"
    assert (
        manage.main(["report", "--as-of", "2026-06-30", "--format", "docx", "--output", str(out)])
        == 0
    )
    assert "共实施民生实事项目6 项" in _text(Document(str(out)))
    get_engine.cache_clear()


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("CI") == "true":
        pytest.fail("CI=true but LibreOffice is missing (apt-get install libreoffice-writer-nogui)")
    return found


def _thirty_behind(engine) -> None:  # type: ignore[no-untyped-def]
    """Thirty communities at one of three done: a table running onto a second page and a long
    red-items paragraph full of figures (33.3%, 16.3, 第00社区)."""
    rows = Rows(engine)
    for index in range(30):
        place = ("东城街道", f"第{index:02d}社区")
        rows.project(place, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
        rows.project(place, "未启动", dt.date(2026, 12, 1))
        rows.project(place, "未启动", dt.date(2026, 12, 1))


def _to_pdf(soffice: str, docx: Path) -> Path:
    """LibreOffice headless, with a throwaway profile so parallel runs do not share one."""
    profile = (docx.parent / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx.parent),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return docx.with_suffix(".pdf")


class ThirtyBehindDocument:
    """The 通报 of ``_thirty_behind`` as of ``AS_OF`` and its LibreOffice PDF, made once for
    the module: both render tests read the very same document, and a LibreOffice start (with
    a new profile) takes seconds."""

    def __init__(self, folder: Path, migrated: Path) -> None:
        self.folder = folder
        self.migrated = migrated
        self._pdf: Path | None = None

    @functools.cached_property
    def docx(self) -> Path:
        engine = make_engine(fresh_sqlite_url(self.migrated, self.folder / "thirty.db"))
        try:
            _thirty_behind(engine)
            path = self.folder / "通报.docx"
            path.write_bytes(weekly_docx(engine, AS_OF, None))
        finally:
            engine.dispose()
        return path

    def pdf(self, soffice: str) -> Path:
        if self._pdf is None:
            self._pdf = _to_pdf(soffice, self.docx)
        return self._pdf


@pytest.fixture(scope="module")
def thirty_behind(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path
) -> ThirtyBehindDocument:
    return ThirtyBehindDocument(tmp_path_factory.mktemp("word"), migrated_sqlite_template)


def test_docx_renders_in_libreoffice_to_a4_pages(thirty_behind):
    """LibreOffice turns it into A4 PDF pages holding the text; PNGs are kept for looking at."""
    soffice = _soffice()
    if not soffice or not shutil.which("pdftoppm"):
        pytest.skip("LibreOffice (soffice) or pdftoppm not installed")
    pdf = thirty_behind.pdf(soffice)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 2
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())  # pdftotext spaces digits from Chinese and wraps lines
    assert "全部街道周例会通报" in flat and "共实施民生实事项目90项" in flat
    assert "—1—" in flat and "—2—" in flat
    assert "第00社区" in flat and "数据截至2026年6月30日" in flat
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    body_lines = [line for line in first_page.splitlines() if line.strip()]
    assert len(body_lines) <= 24  # 22 text lines + the page number (the title takes 2)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "word_page")],
        check=True,
        timeout=120,
    )
    assert (ARTIFACTS / "word_page-1.png").stat().st_size > 10_000


# A figure as printed: a count, a decimal, a percentage, an ISO date, a signed score.
FIGURE = re.compile(r"[-+]?\d+(?:[.:/-]\d+)*%?")
HYPHENS = str.maketrans({"\u2011": "-", "\u2010": "-", "\u2212": "-"})  # how PDFs may hold "-"


def test_docx_figures_stay_whole_on_one_printed_line(thirty_behind):
    """Every figure of the docx (2026-06-30, 33.3%, 16.3, 90, -58.1) is printed whole on one
    line: LibreOffice must not end a line inside a number, a date or a percentage; nor does a
    table header wrap inside its column."""
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice (soffice) not installed")
    path = thirty_behind.docx
    expected = Counter(FIGURE.findall(_text(Document(str(path)))))
    assert {"2026-06-30", "33.3%", "16.3", "90"} <= set(expected)
    layout = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(thirty_behind.pdf(soffice)), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    printed = Counter(
        figure for line in layout.splitlines() for figure in FIGURE.findall(line.translate(HYPHENS))
    )
    broken = {figure: (n, printed[figure]) for figure, n in expected.items() if printed[figure] < n}
    assert not broken, f"figures split across lines (in docx, printed whole): {broken}"
    lines = ["".join(line.split()) for line in layout.splitlines()]  # spaces pdftotext adds
    for header in TABLE_HEADERS:
        assert any(header in line for line in lines), f"table header {header} split"
