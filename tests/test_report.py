"""The weekly report: §3 JSON shape, scoping, the Markdown and Excel renderings, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from report_rows import Rows

from figures.report import build_report, report_to_json
from reporting.cli import UsageError, parse_as_of
from reporting.markdown import render_markdown
from reporting.xlsx import render_xlsx
from ui.format import XLSX_FORMATS, change_phrase, pace_phrase, pct, wan

REPO_ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2020, 6, 30)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WEST_A = ("西城街道", "丙社区")

TOP_KEYS = {"as_of", "subdistrict", "week", "livelihood", "fiscal", "census", "volunteers"}
BLOCK_KEYS = {
    "livelihood": {
        "year",
        "total",
        "completed",
        "in_progress",
        "not_started",
        "cancelled",
        "completion_rate",
        "overdue",
        "completed_this_week",
        "by_community",
    },
    "fiscal": {"year", "month", "time_progress", "items"},
    "census": {
        "campaign",
        "expected",
        "registered_households",
        "registered_persons",
        "rate",
        "registered_this_week",
        "by_community",
    },
    "volunteers": {
        "registered",
        "active",
        "person_times",
        "hours",
        "hours_this_week",
        "hours_last_week",
        "by_community",
    },
}
ROW_KEYS = {
    "livelihood": {"subdistrict", "community", "total", "completed", "completion_rate", "overdue"},
    "census": {"subdistrict", "community", "expected", "registered_households", "rate"},
    "volunteers": {"subdistrict", "community", "registered", "person_times", "hours"},
}
ITEM_KEYS = {"subdistrict", "item", "month_amount", "ytd", "target", "target_rate", "yoy"}


def populate(rows: Rows) -> None:
    """Two subdistricts with a little of everything, as of 2020-06-30."""
    rows.project(EAST_A, "已完成", dt.date(2020, 5, 1), dt.date(2020, 6, 28))
    rows.project(EAST_A, "推进中", dt.date(2020, 6, 1))
    rows.project(EAST_B, "未启动", dt.date(2020, 9, 1))
    rows.project(WEST_A, "已完成", dt.date(2020, 3, 1), dt.date(2020, 3, 5))
    rows.project(WEST_A, "已取消", dt.date(2020, 3, 1))
    for subdistrict, amount in (("东城街道", 1250.0), ("西城街道", 1000.0)):
        for month in range(1, 7):
            rows.fiscal(subdistrict, 2020, month, "一般公共预算收入", amount)
            rows.fiscal(subdistrict, 2020, month, "税收收入", amount * 0.8)
            rows.fiscal(subdistrict, 2019, month, "一般公共预算收入", 1000.0)
        rows.target(subdistrict, 2020, "一般公共预算收入", 15000.0)
    rows.census("第七次全国人口普查", EAST_A, dt.date(2020, 6, 20), 1000, 600)
    rows.census("第七次全国人口普查", EAST_A, dt.date(2020, 6, 29), 1000, 800)
    rows.census("第七次全国人口普查", EAST_B, dt.date(2020, 6, 29), 500, 200)
    rows.census("第七次全国人口普查", WEST_A, dt.date(2020, 6, 29), 800, 700)
    rows.volunteer("V1", EAST_A, dt.date(2019, 1, 1))
    rows.volunteer("V2", WEST_A, dt.date(2020, 6, 30))
    rows.service("V1", EAST_A, dt.date(2020, 6, 29), 3.0)
    rows.service("V1", WEST_A, dt.date(2020, 6, 20), 2.5)
    rows.service("V2", WEST_A, dt.date(2020, 6, 30), 1.0)


def _populated(engine) -> None:  # type: ignore[no-untyped-def]
    populate(Rows(engine))


# ``populate``'s rows, written once per test process and database kind (``db_templates``);
# every test gets a database of its own that is a copy of them.
POPULATED = (__name__, "populate")


@pytest.fixture
def filled(db_kind, db_copy):  # type: ignore[no-untyped-def]
    """A fresh database (SQLite and PostgreSQL) holding ``populate``'s rows."""
    from storage.db import make_engine

    engine = make_engine(db_copy(db_kind, POPULATED, _populated))
    yield engine
    engine.dispose()


@pytest.fixture
def report(filled) -> dict:  # type: ignore[no-untyped-def]
    return build_report(filled, AS_OF)


# ---------------------------------------------------------------- JSON shape


def test_report_has_exactly_the_contract_keys(report):
    """Top level, every block, every by_community row and fiscal item use §3's key names."""
    assert set(report) == TOP_KEYS
    for block, keys in BLOCK_KEYS.items():
        assert set(report[block]) == keys, block
    for block, keys in ROW_KEYS.items():
        assert all(set(row) == keys for row in report[block]["by_community"]), block
    assert all(set(item) == ITEM_KEYS for item in report["fiscal"]["items"])


def test_report_dates_and_week_are_iso_strings(report):
    """as_of and the week are ISO dates; the week is as-of − 6 … as-of."""
    assert (report["as_of"], report["week"]) == (
        "2020-06-30",
        {"start": "2020-06-24", "end": "2020-06-30"},
    )


def test_report_json_keeps_chinese_and_round_trips(report):
    """report_to_json writes Chinese as is and parses back to the same dict."""
    text = report_to_json(report)
    assert "东城街道" in text and json.loads(text) == report


def test_report_headline_figures(report):
    """A spot check of one figure per area on the shared fixture."""
    figures = (
        report["livelihood"]["completion_rate"],
        report["fiscal"]["items"][0]["yoy"],
        report["census"]["registered_this_week"],
        report["volunteers"]["hours_this_week"],
    )
    assert figures == (0.5, 0.25, 1100, 4.0)


def test_fiscal_items_put_headline_items_first_per_subdistrict(report):
    """一般公共预算收入 then 税收收入, subdistrict by subdistrict."""
    items = [(i["subdistrict"], i["item"]) for i in report["fiscal"]["items"]]
    assert items == [
        ("东城街道", "一般公共预算收入"),
        ("东城街道", "税收收入"),
        ("西城街道", "一般公共预算收入"),
        ("西城街道", "税收收入"),
    ]


@pytest.mark.parametrize("block", ["livelihood", "census", "volunteers"])
def test_by_community_is_sorted_by_subdistrict_then_community(report, block):
    """Every by_community list is in (subdistrict, community) order."""
    keys = [(r["subdistrict"], r["community"]) for r in report[block]["by_community"]]
    assert keys == sorted(keys) and len(keys) >= 2


def test_empty_database_gives_null_fiscal_and_census(engine):
    """Without fiscal or census rows those blocks are null, the others zero."""
    report = build_report(engine, AS_OF)
    blocks = (report["fiscal"], report["census"], report["livelihood"]["total"])
    assert blocks == (None, None, 0)


@pytest.mark.parametrize(
    ("subdistrict", "projects", "households", "registered", "fiscal_subdistricts"),
    [
        ("东城街道", 3, 1000, 1, {"东城街道"}),
        ("西城街道", 1, 700, 1, {"西城街道"}),
        (None, 4, 1700, 2, {"东城街道", "西城街道"}),
    ],
)
def test_subdistrict_scopes_every_figure(
    filled, subdistrict, projects, households, registered, fiscal_subdistricts
):
    """--subdistrict narrows livelihood, fiscal, census and volunteers alike."""
    report = build_report(filled, AS_OF, subdistrict)
    names = {
        r["subdistrict"]
        for block in ("livelihood", "census", "volunteers")
        for r in report[block]["by_community"]
    }
    assert report["subdistrict"] == subdistrict
    assert (
        report["livelihood"]["total"],
        report["census"]["registered_households"],
        report["volunteers"]["registered"],
        {i["subdistrict"] for i in report["fiscal"]["items"]},
    ) == (projects, households, registered, fiscal_subdistricts)
    assert names <= fiscal_subdistricts


# ---------------------------------------------------------------- Markdown


@pytest.mark.parametrize(
    ("rate", "progress", "phrase"),
    [
        (0.55, 0.5, "快于序时进度 5.0 个百分点"),
        (0.4952, 0.5, "慢于序时进度 0.5 个百分点"),
        (0.5, 0.5, "与序时进度持平"),
        (None, 0.5, "无序时进度可比"),
    ],
)
def test_pace_phrase_compares_with_time_progress(rate, progress, phrase):
    """The 序时进度 comparison in percentage points."""
    assert pace_phrase(rate, progress) == phrase


@pytest.mark.parametrize(
    ("func", "value", "text"),
    [
        (wan, 12345.678, "12,345.68 万元"),
        (wan, None, "—"),
        (pct, 0.6667, "66.7%"),
        (change_phrase, 0.25, "同比增长 25.0%"),
        (change_phrase, -0.1, "同比下降 10.0%"),
        (change_phrase, 0.0, "同比持平"),
        (change_phrase, None, "无上年同期数"),
    ],
)
def test_markdown_number_formats(func, value, text):
    """万元 with separators, percents, yoy in words (ui.format, which the 周报 uses)."""
    assert func(value) == text


@pytest.mark.parametrize(
    ("subdistrict", "title"),
    [
        (None, "# 全部街道工作周报（2020-06-24 至 2020-06-30）"),
        ("东城街道", "# 东城街道工作周报（2020-06-24 至 2020-06-30）"),
    ],
)
def test_markdown_title_names_scope_and_week(filled, subdistrict, title):
    """The first line names the subdistrict (or 全部街道) and the week."""
    text = render_markdown(build_report(filled, AS_OF, subdistrict))
    assert text.splitlines()[0] == title


@pytest.mark.parametrize(
    "phrase",
    [
        "东城街道一般公共预算收入 1—6 月累计 7,500.00 万元",
        "完成年度目标 50.0%，与序时进度持平",
        "西城街道一般公共预算收入 1—6 月累计 6,000.00 万元，当月 1,000.00 万元，同比持平",
        "慢于序时进度 10.0 个百分点",
        "民生实事完成率最低（整体 50.0%）：东城街道·乙社区（0.0%）",
        "有逾期项目的社区：东城街道·甲社区（1 项）",
        "普查登记率低于所在街道平均：东城街道·乙社区（40.0%，街道平均 66.7%）",
        "本周新增登记 1,100 户",
    ],
)
def test_markdown_states_headlines_and_laggards(report, phrase):
    """The 周报 reads out the fiscal pace and the communities that are behind."""
    assert phrase in render_markdown(report)


def test_markdown_escapes_table_separators_in_names(engine):
    """A community name with | cannot break the Markdown table."""
    Rows(engine).project(("东城街道", "甲|乙社区"), "推进中", dt.date(2020, 12, 1))
    assert "| 东城街道 | 甲\\|乙社区 |" in render_markdown(build_report(engine, AS_OF))


def test_markdown_renders_without_fiscal_or_census(engine):
    """An empty database still gives a readable report."""
    text = render_markdown(build_report(engine, AS_OF))
    assert "本年度暂无财政数据" in text and "暂无普查进度" in text


# ---------------------------------------------------------------- Excel


def workbook(report: dict) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


def test_xlsx_has_one_sheet_per_area(report):
    """总览, 民生实事, 财政税收, 人口普查, 志愿服务, in that order."""
    assert workbook(report).sheetnames == ["总览", "民生实事", "财政税收", "人口普查", "志愿服务"]


@pytest.mark.parametrize("sheet", ["总览", "民生实事", "财政税收", "人口普查", "志愿服务"])
def test_xlsx_sheets_have_week_title_and_frozen_header(report, sheet):
    """Row 1 names the week; the header (row 3) stays frozen above the data."""
    ws = workbook(report)[sheet]
    assert "2020-06-24 至 2020-06-30" in ws["A1"].value and ws.freeze_panes == "A4"


def test_xlsx_headers_carry_units_and_amounts_stay_numbers(report):
    """财政税收 headers say 万元; amounts are numbers with a thousands format."""
    ws = workbook(report)["财政税收"]
    assert [c.value for c in ws[3]][2:5] == ["当月（万元）", "累计（万元）", "年度目标（万元）"]
    assert (ws["D4"].value, ws["D4"].number_format) == (7500.0, "#,##0.00")


def test_xlsx_rates_use_percent_format(report):
    """Completion rates are fractions shown as percents."""
    ws = workbook(report)["民生实事"]
    assert (ws["E5"].value, ws["E5"].number_format) == (0.5, XLSX_FORMATS["rate"])


def test_xlsx_totals_row_repeats_report_totals(report):
    """The last row of 人口普查 is 合计 with the report's own sums."""
    ws = workbook(report)["人口普查"]
    last = [c.value for c in ws[ws.max_row]]
    assert last == ["合计", None, 2300, 1700, 0.7391]


def test_xlsx_renders_without_fiscal_or_census(engine):
    """An empty database still gives all five sheets."""
    assert len(workbook(build_report(engine, AS_OF)).sheetnames) == 5


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2020-06-30", dt.date(2020, 6, 30)), (" 2020-02-29 ", dt.date(2020, 2, 29))],
)
def test_parse_as_of_accepts_iso_dates(text, expected):
    """YYYY-MM-DD, surrounding spaces tolerated."""
    assert parse_as_of(text) == expected


@pytest.mark.parametrize("text", ["2020/06/30", "20200630", "2021-02-29", "明天", ""])
def test_parse_as_of_rejects_other_text(text):
    """Anything but a real YYYY-MM-DD date is a usage error."""
    with pytest.raises(UsageError):
        parse_as_of(text)


def test_building_and_rendering_the_report_never_imports_pandas(tmp_path):
    """The report aggregates in SQL: building and rendering it never loads pandas."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    code = (
        "import sys, datetime as dt\n"
        "from storage.db import make_engine, migrate\n"
        "from figures.report import build_report, report_to_json\n"
        "from reporting import render_markdown, render_xlsx\n"
        f"engine = make_engine({url!r})\n"
        "migrate(engine)\n"
        "report = build_report(engine, dt.date(2020, 6, 30))\n"
        "report_to_json(report), render_markdown(report), render_xlsx(report)\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def run_manage(db_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "manage.py", "report", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def filled_url(db_kind, db_copy):  # type: ignore[no-untyped-def]
    """The URL of a fresh database holding ``populate``'s rows."""
    return db_copy(db_kind, POPULATED, _populated)


def test_cli_json_is_the_built_report(filled_url):
    """report --format json prints build_report's dict."""
    done = run_manage(filled_url, "--as-of", "2020-06-30", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout.decode("utf-8"))
    assert (report["as_of"], report["livelihood"]["total"]) == ("2020-06-30", 4)


def test_cli_md_is_the_default_format(filled_url):
    """Without --format the Markdown 周报 goes to stdout."""
    done = run_manage(filled_url, "--as-of", "2020-06-30", "--subdistrict", "西城街道")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8").startswith("# 西城街道工作周报（2020-06-24 至 2020-06-30）")


def test_cli_xlsx_writes_the_output_file(filled_url, tmp_path):
    """--format xlsx --output PATH writes a workbook."""
    path = tmp_path / "周报.xlsx"
    done = run_manage(
        filled_url, "--as-of", "2020-06-30", "--format", "xlsx", "--output", str(path)
    )
    assert done.returncode == 0, done.stderr.decode()
    assert openpyxl.load_workbook(path).sheetnames[0] == "总览"


def test_cli_xlsx_goes_to_a_pipe_without_output(filled_url):
    """Without --output, xlsx bytes are written to stdout when it is not a terminal."""
    done = run_manage(filled_url, "--as-of", "2020-06-30", "--format", "xlsx")
    assert done.returncode == 0 and done.stdout[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2020/06/30"], "日期格式错误"),
        (["--as-of", "2020-02-30"], "日期不存在"),
        (["--format", "pdf"], "不支持的格式"),
        (["--subdistrict", "不存在街道"], "未找到街道"),
    ],
)
def test_cli_bad_options_exit_2_with_chinese_error(filled_url, args, message):
    """Bad dates, formats and subdistricts exit 2 with a Chinese message."""
    done = run_manage(filled_url, *args)
    assert done.returncode == 2 and message in done.stderr.decode("utf-8")


def test_the_json_writer_is_the_standard_encoder_byte_for_byte():
    """``report_to_json`` writes in one pass what ``json.dumps(indent=2)`` would: nesting,
    empty lists and dicts, rows of scalars, escapes, big and small floats, non-finite → null."""
    import math

    from figures.report import finite_numbers

    value = {
        "as_of": "2026-12-02",
        "subdistrict": None,
        "empty": [[], {}, [{}], [[]]],
        "rows": [
            {"社区": '甲"乙\\社区\n', "n": 0, "rate": 0.6667, "ok": True, "no": False},
            {"社区": "丙", "n": 12345678901234567890, "rate": math.inf, "ok": None},
        ],
        "mixed": [1, 2.5, -0.0, 1e-7, 1e308, "x", None, [{"a": [1, {"b": {}}]}], (3, 4)],
        "non_finite": {"nan": math.nan, "neg": -math.inf},
    }
    standard = json.dumps(finite_numbers(value)[0], ensure_ascii=False, indent=2, allow_nan=False)
    assert report_to_json(value) == standard


def test_plain_is_asdict_for_a_citys_rows():
    """``figures.report.plain`` (a city's 2,000-row lists made into dicts in one pass) gives
    exactly ``dataclasses.asdict``: every row, its kinds (list or tuple), nested blocks, and
    a list whose rows are not all alike or hold more than scalars."""
    import dataclasses

    from figures.census import CensusSummary, CommunityCensus
    from figures.fiscal import FiscalItem, FiscalReport
    from figures.report import plain

    rows = [CommunityCensus("甲街道", f"{i}社区", 100 + i, i, i / 100) for i in range(2000)]
    census = CensusSummary("普查", 1, 2, 3, 0.5, 4, rows)
    items = [FiscalItem("甲街道", f"科目{i}", 1.5, 2.5, None if i % 3 else 9.0, None, -0.1)
             for i in range(40)]  # fmt: skip
    fiscal = FiscalReport(2026, 11, 0.9167, items)
    mixed = [rows[0], items[0], census]  # not alike: item by item
    for value in (census, fiscal, rows, tuple(rows), mixed, [], [census, census]):
        made = plain(value)
        want = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else None
        if want is None:
            want = type(value)(dataclasses.asdict(item) for item in value)
        assert made == want and type(made) is type(want)
        if isinstance(value, list | tuple) and value:
            assert [type(item) for item in made] == [dict] * len(value)
