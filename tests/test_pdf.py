"""The printable PDF: Chinese text in an embedded font, the page's figures, a clear font error."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from queries.db import make_engine
from queries.report import build_report
from reporting import pdf
from ui import weekly_model as wm

DOC = pdf.PdfDocument(
    title="东城街道周例会通报（2026-11-16 至 2026-11-22）",
    subtitle="报告日期 2026-11-22",
    sections=(
        pdf.PdfSection("通报", ["一、民生实事。共实施民生实事项目12项，已完成8项。"]),
        pdf.PdfSection(
            "社区排名",
            tables=(pdf.PdfTable("", ["排名", "社区"], [["1", "柳林社区"], ["2", "农科路社区"]]),),
        ),
        pdf.PdfSection("空表", tables=(pdf.PdfTable("", ["社区"], [], empty_text="无数据"),)),
    ),
)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    """The text a reader would see, extracted with poppler's pdftotext."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_pdf_is_a_pdf_with_the_cjk_font_embedded():
    """The bytes are a PDF and carry a Noto Sans CJK SC subset (shows Chinese anywhere)."""
    data = pdf.render_pdf(DOC)
    assert data.startswith(b"%PDF-")
    assert b"NotoSansCJKSC" in data
    assert b"/FontFile3" in data or b"/FontFile2" in data  # the font program itself


def test_pdf_text_reads_back_in_chinese(tmp_path):
    """Titles, paragraphs and table cells come back out as the same Chinese text."""
    text = _pdf_text(pdf.render_pdf(DOC), tmp_path)
    for expected in ("东城街道周例会通报", "共实施民生实事项目12项", "柳林社区", "无数据"):
        assert expected in text


def test_pdf_renders_to_an_image(tmp_path):
    """poppler can draw the first page (the file opens in an ordinary viewer)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf.render_pdf(DOC))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p*.png"))


def test_missing_font_is_a_chinese_error(monkeypatch, tmp_path):
    """Without the font file no PDF is made, and the error says which package to install."""
    monkeypatch.setattr(pdf, "FONT_DIRS", (tmp_path,))
    monkeypatch.delenv(pdf.FONT_ENV, raising=False)
    with pytest.raises(pdf.PdfFontMissing, match="fonts-noto-cjk"):
        pdf.render_pdf(DOC)


def test_weekly_pdf_shows_the_page_figures(app_db, tmp_path):
    """The weekly PDF carries the report's figures in the page's wording."""
    as_of = dt.date.today()
    engine = make_engine(app_db)
    report = build_report(engine, as_of)
    data = wm.weekly_pdf(engine, as_of, None)
    engine.dispose()
    text = _pdf_text(data, tmp_path)
    lv = report["livelihood"]
    assert wm.document_title(report)[:8] in text
    assert f"已完成{lv['completed']:,}项" in text.replace("\n", "")
    assert "会议议程" in text and "社区排名变化" in text
