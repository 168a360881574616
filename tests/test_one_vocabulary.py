"""One vocabulary, checked on every surface (issue 10, "Done when").

One scope (a 街道 with every kind of data) and one date are rendered on every page (AppTest),
the big screen, /weekly, the Markdown 周报, the xlsx report (read back with openpyxl, each
number shown through its cell's number format), the weekly PDF (pdftotext), the Word 通报 and
the Monday message. Each headline figure must be written there exactly as the README's rule
writes it — spelled out here, not taken from ``ui.format`` — so a surface that formats on its
own (two decimals, no separators, its own 万元 rule or wording) fails. A second test finds every
status word and status colour shown on any surface in the one palette of ``ui.format``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from browser_printf import browser_printf, is_printf
from conftest import open_page
from docx import Document

from figures.league import community_league
from figures.livelihood import week_projects
from figures.report import build_report, report_scope
from figures.scope import Scope
from figures.status import DEFAULT_RULES, STATUS_LABELS
from reporting import pdf as pdf_writer
from reporting.markdown import render_markdown
from reporting.messages import plain_text, weekly_bulletin
from reporting.word import weekly_docx
from reporting.xlsx import render_xlsx
from storage.db import make_engine
from ui import charts, screen_model, tables
from ui import format as fmt
from ui import weekly_model as wm

SUBDISTRICT = "花园路街道"  # demo data: projects, fiscal (over 1 亿元), a census, volunteers
PAGES = ["overview", "livelihood", "fiscal", "census", "volunteers", "weekly"]


# ---------------------------------------------------------------- the README's rule, written out


def rate_text(rate: float) -> str:
    """Rates with one decimal place: 0.8846 → 88.5%."""
    return f"{rate * 100:.1f}%"


def headline_amount(wan: float) -> str:
    """A headline amount: 万元 with separators and two decimals, from 1 亿元 on in 亿元."""
    return f"{wan / 10_000:,.2f} 亿元" if abs(wan) >= 10_000 else f"{wan:,.2f} 万元"


def column_amount(wan: float) -> str:
    """An amount in a column headed （万元）: separators, two decimals, no unit."""
    return f"{wan:,.2f}"


def pace_text(rate: float, expected: float) -> str:
    """快/慢于序时进度 X 个百分点 with one decimal; 持平 when that rounds to 0.0."""
    gap = (rate - expected) * 100
    if round(abs(gap), 1) == 0:
        return "与序时进度持平"
    return f"{'快于' if gap > 0 else '慢于'}序时进度 {abs(gap):.1f} 个百分点"


def count_text(value: int, unit: str) -> str:
    """A count with separators and its unit: 9,040 人."""
    return f"{value:,} {unit}"


# A spreadsheet number format and how it shows a number: the only formats a cell may carry.
SHOWN_BY_FORMAT = {
    "0.0%": lambda v: f"{v * 100:.1f}%",
    "#,##0.00": lambda v: f"{v:,.2f}",
    "#,##0.0": lambda v: f"{v:,.1f}",
    "#,##0": lambda v: f"{v:,.0f}",
    "+0.0;-0.0;0.0": lambda v: f"{v:+.1f}" if round(v, 1) else "0.0",
}


# ---------------------------------------------------------------- every surface as text


def _plain(text: str) -> str:
    """Text as read: the no-break space and word joiner that glue a unit are spaces/nothing."""
    return text.replace("\u2060", "").replace("\u00a0", " ")


def _page_text(page: str, params: dict[str, str]) -> str:
    at = open_page(page, params)
    assert not at.exception, (page, at.exception)
    parts: list[str] = []
    for metric in at.metric:
        proto = metric.proto
        parts += [proto.label, proto.body, proto.delta, proto.help]
    for kind in ("markdown", "caption", "code", "info", "warning", "text", "subheader"):
        parts += [str(element.value) for element in at.get(kind)]
    for frame in at.dataframe:
        parts += _table_cells(frame)
    return _plain("\n".join(parts))


def _table_cells(frame) -> list[str]:  # type: ignore[no-untyped-def]
    """A table's cells as the browser prints them: a number through its column's printf
    format (118,790.00, +27.6%, 12 天), a dash where a number is missing, the rest as text."""
    config = json.loads(frame.proto.columns or "{}")
    cells: list[str] = []
    for name, column in frame.value.items():
        form = (config.get(str(name)) or {}).get("type_config", {}).get("format")
        numeric = is_printf(form) and pd.api.types.is_numeric_dtype(column)
        for cell in column.tolist():
            if numeric:
                cells.append(tables.MISSING if pd.isna(cell) else browser_printf(form, cell))
            else:
                cells.append(str(cell))
    return cells


def _xlsx_text(data: bytes) -> str:
    """Every cell as Excel shows it: a number through its number format (which must be one
    of the vocabulary's), text as text."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    shown: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, int | float) and not isinstance(value, bool):
                    form = cell.number_format
                    if form == "General":
                        shown.append(str(value))
                        continue
                    assert form in SHOWN_BY_FORMAT, f"{sheet.title}!{cell.coordinate}: {form}"
                    shown.append(SHOWN_BY_FORMAT[form](value))
                elif value is not None:
                    shown.append(str(value))
    return "\n".join(shown)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "weekly.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return _plain(text.replace("\n", ""))  # lines wrap inside a sentence


def _screen_text(engine, as_of: dt.date) -> str:  # type: ignore[no-untyped-def]
    """What the big screen prints, section by section: label, value, unit and note."""
    data = screen_model.load_screen_data(
        engine, Scope(subdistrict=SUBDISTRICT, date_to=as_of), dt.datetime.now()
    )
    parts: list[str] = []
    for section in screen_model.SECTIONS:
        for figure in screen_model.section_figures(section, data):
            # The board sets the unit beside the number; a percent sign reads as part of it.
            joint = "" if figure.unit == "%" else " "
            parts += [
                figure.label,
                f"{figure.value}{joint}{figure.unit}".strip(),
                figure.note or "",
            ]
    return _plain("\n".join(parts))


@pytest.fixture
def surfaces(app_db, tmp_path) -> tuple[dict, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The report of the scope and date, and every surface's text for them."""
    as_of = dt.date.today()
    engine = make_engine(app_db)
    try:
        report = build_report(engine, as_of, SUBDISTRICT)
        scope = report_scope(as_of, SUBDISTRICT)
        rows = community_league(engine, scope)
        projects = week_projects(engine, scope)
        texts = {
            "screen": _screen_text(engine, as_of),
            "markdown": _plain(render_markdown(report)),
            "xlsx": _xlsx_text(render_xlsx(report)),
            "pdf": _pdf_text(wm.weekly_pdf(engine, as_of, SUBDISTRICT), tmp_path),
            "docx": "\n".join(
                p.text
                for p in Document(io.BytesIO(weekly_docx(engine, as_of, SUBDISTRICT))).paragraphs
            ),
            "message": _plain(
                plain_text(weekly_bulletin(report, rows, projects, None, DEFAULT_RULES))
            ),
        }
    finally:
        engine.dispose()
    params = {"subdistrict": SUBDISTRICT, "to": as_of.isoformat()}
    for page in PAGES:
        page_params = {"subdistrict": SUBDISTRICT, "as_of": as_of.isoformat()}
        texts[page] = _page_text(page, page_params if page == "weekly" else params)
    return report, texts


def test_headline_figures_are_written_alike_on_every_surface(surfaces):
    """民生实事完成率, 一般公共预算收入累计 (万元/亿元), its 序时进度 gap, 普查登记率 and the
    registered volunteers read the same on every page, the big screen, /weekly, the Markdown
    周报, the xlsx report, the PDF, the Word 通报 and the message."""
    report, texts = surfaces
    lv, census, vol = report["livelihood"], report["census"], report["volunteers"]
    assert report["fiscal"] and census, "the demo 街道 has fiscal and census figures"
    revenue = next(i for i in report["fiscal"]["items"] if i["item"] == "一般公共预算收入")
    assert revenue["ytd"] >= 10_000, "the demo revenue is over 1 亿元: the 亿元 rule is exercised"
    pace = pace_text(revenue["target_rate"], report["fiscal"]["time_progress"])
    gap_points = (revenue["target_rate"] - report["fiscal"]["time_progress"]) * 100
    expected = {
        "民生实事完成率": (
            rate_text(lv["completion_rate"]),
            [
                "overview",
                "livelihood",
                "weekly",
                "screen",
                "markdown",
                "xlsx",
                "pdf",
                "docx",
                "message",
            ],
        ),
        "一般公共预算收入累计": (
            headline_amount(revenue["ytd"]),
            ["overview", "fiscal", "weekly", "screen", "markdown", "pdf", "docx", "message"],
        ),
        "一般公共预算收入累计（万元）列": (
            column_amount(revenue["ytd"]),
            ["weekly", "xlsx", "pdf"],
        ),
        "序时进度差距": (
            pace,
            ["fiscal", "weekly", "screen", "markdown", "pdf", "docx", "message"],
        ),
        "序时进度差距（个百分点）": (
            f"{gap_points:+.1f} 个百分点",
            ["overview", "fiscal", "weekly", "pdf"],
        ),
        "序时进度差距（个百分点）列": (f"{gap_points:+.1f}", ["xlsx"]),
        "普查登记率": (
            rate_text(census["rate"]),
            [
                "overview",
                "census",
                "weekly",
                "screen",
                "markdown",
                "xlsx",
                "pdf",
                "docx",
                "message",
            ],
        ),
        "志愿者注册人数": (
            count_text(vol["registered"], "人"),
            ["overview", "volunteers", "screen", "markdown", "pdf", "docx"],
        ),
        "志愿者注册人数（人）列": (f"{vol['registered']:,}", ["xlsx"]),
    }
    missing = [
        f"{figure} {text!r} not on {surface}"
        for figure, (text, where) in expected.items()
        for surface in where
        if text not in texts[surface]
    ]
    assert not missing, "\n".join(missing)


# ---------------------------------------------------------------- status words and colours

MARK = re.compile(r"●\s*(\S{2})")
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def _status_scales(spec: object) -> list[dict[str, str]]:
    """Every colour scale of a Vega-Lite spec whose domain holds a status word."""
    words = set(STATUS_LABELS.values())
    found: list[dict[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            scale = node.get("scale")
            if (
                isinstance(scale, dict)
                and "domain" in scale
                and "range" in scale
                and words & set(map(str, scale["domain"]))
            ):
                found.append(dict(zip(scale["domain"], scale["range"], strict=True)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_every_status_word_and_colour_comes_from_the_one_palette(app_db, surfaces):
    """Status words on every surface are the vocabulary's; status colours in page charts, the
    big screen's board and charts, table tints and the PDF's inks are the palette's."""
    _report, texts = surfaces
    words = {fmt.status_word(key) for key in STATUS_LABELS}
    palette = {key: fmt.status_color(key) for key in STATUS_LABELS}
    shown_words = {
        (surface, word) for surface, text in texts.items() for word in MARK.findall(text)
    }
    assert shown_words, "no status mark on any surface"
    assert {word for _, word in shown_words} <= words, shown_words

    # page charts coloured by status (the league, the census ranking, ...)
    scales = []
    for page in PAGES:
        at = open_page(page, {"subdistrict": SUBDISTRICT})
        scales += [
            s
            for chart in at.get("vega_lite_chart")
            for s in _status_scales(json.loads(chart.proto.spec))
        ]
    assert scales, "no page draws a status-coloured chart"
    for scale in scales:
        for word, color in scale.items():
            key = next(k for k in STATUS_LABELS if fmt.status_word(k) == word)
            assert color == palette[key], (word, color)

    # the big screen: the coloured figures of the board and its status-coloured bars
    engine = make_engine(app_db)
    try:
        data = screen_model.load_screen_data(
            engine, Scope(subdistrict=SUBDISTRICT), dt.datetime.now()
        )
    finally:
        engine.dispose()
    board = open_page("screen", {"subdistrict": SUBDISTRICT})
    assert not board.exception
    css = "\n".join(element.proto.body for element in board.get("html"))
    for key in STATUS_LABELS:
        rule = re.search(rf"screen-value-{key}\"\] p \{{ color: (#[0-9a-fA-F]{{6}})", css)
        assert rule and rule.group(1) == fmt.status_color_on_dark(key), key
    statuses = {
        f.status for s in screen_model.SECTIONS for f in screen_model.section_figures(s, data)
    }
    assert statuses - {None} <= set(STATUS_LABELS), statuses
    spec = screen_model.census_chart(data)
    if spec is not None and spec.status:
        chart = charts.ranking_bar(
            spec.frame,
            category=spec.category,
            value=spec.value,
            value_title=spec.value_title,
            status=spec.status,
            percent=spec.percent,
            big=True,
        )
        for scale in _status_scales(chart.to_dict()):
            assert set(scale.values()) <= set(palette.values()), scale

    # table tints (drawn through column_config) and the PDF's inks
    options = tables.status_columns(["状态"])["状态"]["type_config"]["options"]
    tints = {option["color"] for option in options}
    assert tints and {t.lower() for t in tints} <= {c.lower() for c in palette.values()}, tints
    for key in STATUS_LABELS:
        assert pdf_writer.STATUS_INKS[fmt.status_word(key)] == fmt.rgb(palette[key]), key


# ---------------------------------------------------------------- the pieces


@pytest.mark.parametrize(
    ("change", "basis", "delta", "phrase"),
    [
        (0.0794, "同比", "同比 +7.9%", "同比增长 7.9%"),
        (-0.564, "环比", "环比 -56.4%", "环比下降 56.4%"),
        (0.0004, "同比", "同比持平", "同比持平"),
        (-0.0004, "环比", "环比持平", "环比持平"),
    ],
)
def test_a_change_is_written_one_way_and_zero_is_level(change, basis, delta, phrase):
    """同比/环比 as a card delta and in a sentence; a change that rounds to zero is 持平,
    never 0.0% (the /fiscal 通报 and the Markdown 周报 once said it two ways)."""
    assert fmt.change_delta(change, basis) == delta
    assert fmt.change_phrase(change, basis) == phrase
    assert "0.0%" not in fmt.signed_pct(change)


def test_page_downloads_carry_the_vocabularys_number_formats():
    """A page's table downloaded as xlsx: amounts, rates, points and counts keep their numbers
    and show them as the page does (formats from ui.format, not the writer's own)."""
    import pandas as pd

    from ui.table_export import excel_bytes

    frame = pd.DataFrame(
        {
            "街道": ["花园路街道"],
            "累计（万元）": [33313.5],
            "完成目标": [0.8666],
            "较序时进度（个百分点）": [-5.0],
            "注册志愿者": [9040],
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"分街道": frame})))["分街道"]
    shown = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, 6)}
    assert shown["累计（万元）"].number_format == fmt.XLSX_FORMATS["amount"] == "#,##0.00"
    assert shown["完成目标"].number_format == fmt.XLSX_FORMATS["rate"] == "0.0%"
    assert shown["较序时进度（个百分点）"].number_format == fmt.XLSX_FORMATS["points"]
    assert shown["注册志愿者"].number_format == fmt.XLSX_FORMATS["int"] == "#,##0"
    assert shown["累计（万元）"].value == 33313.5
