"""The printable PDF: Chinese text in an embedded font, the page's figures, a clear font error."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from figures.league import community_league
from figures.livelihood import week_projects
from figures.report import build_report, report_scope
from figures.status import DEFAULT_RULES
from reporting import pdf
from storage.db import make_engine
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
    assert f"已完成{lv['completed']:,} 项" in text.replace("\n", "")
    assert "会议议程" in text and "社区排名变化" in text


# A figure as the report prints it: a number with what belongs to it (万元, 小时, 个百分点, %).
FIGURE = re.compile(r"[+\-−]?\d[\d,.]*(?:\s?(?:个百分点|万元|亿元|小时|人次|户|人|项|%))")
CODE = re.compile(r"[A-Z]{2,}-\d{4}-\d{3}")


def _figures_and_names(document: pdf.PdfDocument) -> set[str]:
    """Every figure, project code and name (short table cell) in the document."""
    wanted: set[str] = set()
    texts = [p for section in document.sections for p in section.paragraphs]
    for section in document.sections:
        for table in section.tables:
            for row in table.rows:
                texts.extend(str(cell) for cell in row)
                # Names (社区, 街道, 类别) are kept whole; longer titles may wrap in their cell.
                wanted.update(
                    str(c)
                    for c in row
                    if 0 < len(str(c)) <= pdf.LONG_TEXT_CHARS and "\n" not in str(c)
                )
    for text in texts:
        wanted.update(FIGURE.findall(text))
        wanted.update(CODE.findall(text))
    return wanted


def test_weekly_pdf_never_splits_a_figure_code_or_name(app_db, tmp_path):
    """pdftotext finds every figure, project code and name of the weekly pack on one line."""
    as_of = dt.date.today()
    engine = make_engine(app_db)
    weekly = build_report(engine, as_of)
    document = wm.pdf_document(
        weekly,
        community_league(engine, report_scope(as_of, None)),
        week_projects(engine, report_scope(as_of, None)),
        DEFAULT_RULES,
    )
    data = wm.weekly_pdf(engine, as_of, None)
    engine.dispose()
    lines = _pdf_text(data, tmp_path).splitlines()
    wanted = _figures_and_names(document)
    assert len(wanted) > 50
    joined = ["".join(line.split()) for line in lines]  # pdftotext drops narrow spaces
    broken = sorted(
        item for item in wanted if not any("".join(item.split()) in line for line in joined)
    )
    near = [line for line in lines if any(b[:3] in line for b in broken)][:10]
    assert not broken, f"split across lines: {broken[:20]}; lines: {near}"


def test_every_pdf_page_names_date_scope_and_number(app_db, tmp_path):
    """A page separated from the pack still says its date, scope and page number."""
    as_of = dt.date.today()
    engine = make_engine(app_db)
    data = wm.weekly_pdf(engine, as_of, None)
    engine.dispose()
    pages = _pdf_text(data, tmp_path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"报告日期 {as_of.isoformat()}" in page
        assert "范围 全部街道" in page
        assert f"第{number}/{len(pages)}页" in "".join(page.split())
        assert "manage.py" not in page


def test_status_cells_print_in_colour_with_their_word(tmp_path):
    """滞后 prints red beside its word (readable in grey print too), not as a black dot."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    from PIL import Image

    document = pdf.PdfDocument(
        "t",
        "s",
        (
            pdf.PdfSection(
                "x", tables=(pdf.PdfTable("", ["状态", "社区"], [["● 滞后", "柳林社区"]]),)
            ),
        ),
    )
    path = tmp_path / "status.pdf"
    path.write_bytes(pdf.render_pdf(document))
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(path), str(tmp_path / "s")], check=True)
    image = Image.open(next(tmp_path.glob("s*.png"))).convert("RGB")
    red = sum(1 for r, g, b in image.getdata() if r > 150 and g < 90 and b < 90)
    assert red > 30
    assert "滞后" in _pdf_text(path.read_bytes(), tmp_path)


def test_pdf_renders_every_page_to_png(app_db, tmp_path):
    """Each page of the weekly pack draws (looked at: tests/artifacts/screenshots/pdf-*.png)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    engine = make_engine(app_db)
    data = wm.weekly_pdf(engine, dt.date.today(), None)
    engine.dispose()
    path = tmp_path / "weekly.pdf"
    path.write_bytes(data)
    out = Path(__file__).resolve().parent / "artifacts" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(out / "pdf-weekly")], check=True)
    assert len(list(out.glob("pdf-weekly*.png"))) >= 2
