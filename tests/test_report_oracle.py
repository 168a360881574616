"""The real weekly report (``manage.py report --format json``) against an independent oracle.

For each seed a generated data set is written to CSV, imported with ``manage.py import`` into a
fresh database (SQLite and PostgreSQL), and reported for many as-of dates, city-wide and per
subdistrict; every figure is compared with :func:`tests.oracle.compute.raw_report`, computed
from the contract's words over the raw rows. Readings of ambiguous sentences are listed in
:mod:`tests.oracle.compute`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import run_manage
from sqlalchemy import Engine

from figures.report import build_report, report_to_json
from storage.db import make_engine
from tests.oracle.compute import expected_report, raw_report, report_differences
from tests.oracle.dataset import (
    DEFAULT_ANCHOR,
    make_dataset,
    make_revision,
    merge_tables,
    subdistricts,
    write_csv_files,
)

DAY = dt.timedelta(days=1)
AS_OF_DATES = [
    DEFAULT_ANCHOR,  # boundary-rich: completions, planned dates and census rows around it
    DEFAULT_ANCHOR + DAY,
    dt.date(2022, 3, 15),  # before any data
    dt.date(2024, 1, 3),  # the week reaches back into the previous year
    dt.date(2024, 3, 20),  # the second subdistrict has no March row
    dt.date(2023, 12, 10),  # the old census campaign is running; no fiscal Y−1
    dt.date(2024, 12, 31),
]
CLI_CASE = (DEFAULT_ANCHOR, None)

# (seed, file encoding, how the data goes in: once / the same files twice / then a revision)
SEED_CASES = [(1, "utf-8-sig", "once"), (2, "utf-8", "revised"), (3, "gb18030", "twice")]


def report_json(db_url: str, as_of: dt.date, subdistrict: str | None) -> dict:
    """The real report for one as-of date and scope, parsed from stdout."""
    args = ["report", "--format", "json", "--as-of", as_of.isoformat()]
    if subdistrict is not None:
        args += ["--subdistrict", subdistrict]
    done = run_manage(db_url, *args)
    assert done.returncode == 0, f"report {args} failed: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


def report_in_process(engine: Engine, as_of: dt.date, subdistrict: str | None) -> dict:
    """The same JSON as ``manage.py report --format json``, without a process per report.

    The command line is the contract; one case per data set goes through it
    (``CLI_CASE``), the many others run the same code in-process to keep the suite quick.
    """
    return json.loads(report_to_json(build_report(engine, as_of, subdistrict)))


def case_differences(
    tables, db_url: str, engine: Engine, as_of: dt.date, subdistrict: str | None
) -> list[str]:
    """Every difference of one report, each prefixed with its as-of date and scope."""
    via_cli = (as_of, subdistrict) == CLI_CASE
    label = f"[as_of={as_of} subdistrict={subdistrict}{' via manage.py' if via_cli else ''}]"
    try:
        if via_cli:
            got = report_json(db_url, as_of, subdistrict)
        else:
            got = report_in_process(engine, as_of, subdistrict)
    except (AssertionError, json.JSONDecodeError) as error:
        return [f"{label} {error}"]
    expected = raw_report(tables, as_of, subdistrict)
    return [f"{label} {line}" for line in report_differences(expected, got)]


def import_files(db_url: str, files: list[Path]) -> None:
    """``manage.py import FILES`` must succeed (the generated data is valid)."""
    done = run_manage(db_url, "import", *map(str, files))
    assert done.returncode == 0, f"import failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize(("seed", "encoding", "mode"), SEED_CASES)
def test_report_json_matches_oracle(
    seed: int, encoding: str, mode: str, db_url: str, tmp_path: Path
) -> None:
    """Every figure of the JSON report equals the oracle's, for many dates and scopes."""
    tables = make_dataset(seed)
    import_files(db_url, write_csv_files(tables, tmp_path / "import", encoding=encoding))
    if mode == "twice":
        import_files(db_url, write_csv_files(tables, tmp_path / "again", encoding=encoding))
    if mode == "revised":
        revision = make_revision(tables, seed)
        import_files(db_url, write_csv_files(revision, tmp_path / "revision", encoding=encoding))
        tables = merge_tables(tables, revision)
    cases = [(d, s) for d in AS_OF_DATES for s in [None, *subdistricts(tables)]]
    engine = make_engine(db_url)
    try:
        found = [case_differences(tables, db_url, engine, *case) for case in cases]
    finally:
        engine.dispose()
    differences = [line for lines in found for line in lines]
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences[:300])


# --- the oracle itself, on hand-computed cases ------------------------------------------

AS_OF = dt.date(2024, 6, 30)


def _project(code, status, planned, done="", year="2024", sub="甲街道", community="一社区"):
    return {
        "项目编号": code,
        "街道": sub,
        "社区": community,
        "项目名称": code,
        "类别": "其他",
        "年度": year,
        "计划完成日期": planned,
        "状态": status,
        "完成日期": done,
        "投资金额(万元)": "1",
        "受益户数": "1",
    }


def _tables(**overrides) -> dict[str, list[dict[str, str]]]:
    base = {
        kind: []
        for kind in (
            "communities",
            "projects",
            "fiscal_monthly",
            "fiscal_targets",
            "census",
            "volunteers",
            "service_records",
        )
    }
    return {**base, **overrides}


def test_oracle_counts_completion_after_as_of_as_in_progress_and_overdue() -> None:
    """A project finished the day after as-of is in progress, and overdue if planned before."""
    tables = _tables(
        projects=[
            _project("A", "已完成", "2024-06-29", "2024-07-01"),
            _project("B", "已完成", "2024-06-30", "2024-06-30"),
            _project("C", "推进中", "2024-06-30"),
            _project("D", "未启动", "2024-06-29"),
            _project("E", "已取消", "2024-01-01"),
            _project("F", "已完成", "2023-12-01", "2024-06-28", year="2023"),
        ]
    )
    got = expected_report(tables, AS_OF, None)["livelihood"]
    assert (got["total"], got["completed"], got["in_progress"], got["not_started"]) == (4, 1, 2, 1)
    assert (got["cancelled"], got["overdue"], got["completed_this_week"]) == (1, 2, 1)
    assert got["completion_rate"] == 0.25


def test_oracle_fiscal_uses_latest_month_with_a_row_and_prior_year_for_yoy() -> None:
    """Month is the latest with a row; ytd and yoy sum months 1…month of Y and Y−1."""
    monthly = [
        {"街道": "甲街道", "月份": month, "科目": "增值税", "当月金额(万元)": amount}
        for month, amount in [
            ("2023-01", "10"),
            ("2023-02", "10"),
            ("2023-05", "99"),
            ("2024-01", "15"),
            ("2024-02", "15"),
            ("2024-09", "50"),
        ]
    ]
    targets = [{"街道": "甲街道", "年度": "2024", "科目": "增值税", "年度目标(万元)": "90"}]
    got = expected_report(_tables(fiscal_monthly=monthly, fiscal_targets=targets), AS_OF, None)
    fiscal = got["fiscal"]
    assert (fiscal["month"], fiscal["time_progress"]) == (2, 0.1667)
    assert fiscal["items"] == [
        {
            "subdistrict": "甲街道",
            "item": "增值税",
            "month_amount": 15.0,
            "ytd": 30.0,
            "target": 90.0,
            "target_rate": 0.3333,
            "yoy": 0.5,
        }
    ]


def test_oracle_census_counts_a_community_without_a_row_a_week_ago_as_zero() -> None:
    """registered_this_week subtracts the sum at as-of − 7, where a late starter counts 0."""

    def row(community, day, registered):
        return {
            "任务名称": "普查",
            "街道": "甲街道",
            "社区": community,
            "日期": day,
            "应登记户数": "100",
            "已登记户数": registered,
            "已登记人数": "0",
        }

    rows = [
        row("一社区", "2024-06-23", "40"),
        row("一社区", "2024-06-30", "50"),
        row("二社区", "2024-06-24", "30"),
        row("二社区", "2024-07-01", "99"),
    ]
    census = expected_report(_tables(census=rows), AS_OF, None)["census"]
    assert (census["registered_households"], census["registered_this_week"]) == (80, 40)
    assert census["rate"] == 0.4


def test_oracle_difference_names_the_path() -> None:
    """A wrong figure deep in a by_community row is reported with its path."""
    tables = make_dataset(1)
    expected = raw_report(tables, AS_OF, None)
    got = json.loads(json.dumps(expected_report(tables, AS_OF, None)))
    assert report_differences(expected, got) == []
    got["census"]["by_community"][2]["rate"] += 0.01
    (line,) = report_differences(expected, got)
    assert line.startswith("census.by_community[2]")
    assert ".rate: expected" in line
