"""The column-at-a-time reading of a sheet (``_parse_columns``) against the row-by-row one.

``_parse_sheet`` reads a sheet a column at a time and falls back to ``_parse_rows`` (the only
path that words problems) as soon as any cell is not plainly fine. Whatever the sheet, both
must end with the same records (values, row numbers, completeness), the same errors and
warnings in the same order and the same progress reports: a fast path that accepted a cell
the row-by-row path refuses, or read one differently, fails here. No database is needed.
"""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from test_import_fuzz import JUNK, VALID

from ingest import importer
from ingest.importer import _parse_sheet, _Validation, import_files
from ingest.parsing import KIND_BY_KEY, TABLE_KINDS
from ingest.reader import EPOCH_1900, Sheet, UnreadableCell

EPOCH_1904 = dt.datetime(1904, 1, 1)
# Cells an .xlsx gives besides text, and text each fast check must refuse or keep.
ODD = st.one_of(
    JUNK,
    st.none(),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.just(UnreadableCell("单元格是 Excel 错误值「#REF!」，请改正公式或填写数值")),
    st.sampled_from(
        [
            "\u3000",
            " S001 ",
            "\tV001",
            "V001\x00",
            "V\u200e001",
            "ｖ００１",
            "a" * 101,
            "a" * 301,
            "示例：东门社区",
            "2024年",
            "1,234.5",
            "2024/6/30",
            2.0,
            45473.0,
            0,
            -0.0,
        ]
    ),
)


@st.composite
def sheets(draw: st.DrawFn) -> Sheet:
    """A template's sheet of valid rows (shuffled columns), with a few cells replaced by
    anything, sometimes short rows (an .xlsx leaves trailing empty cells out), an extra
    column or a column without a header."""
    kind = draw(st.sampled_from(TABLE_KINDS))
    headers: list[object] = list(draw(st.permutations(kind.headers)))
    if draw(st.integers(0, 5)) == 0:
        headers.insert(draw(st.integers(0, len(headers))), draw(st.sampled_from(["", None, " "])))
    good_row = st.tuples(*[st.sampled_from(VALID.get(str(h), [""])) for h in headers])
    rows = [list(row) for row in draw(st.lists(good_row, min_size=1, max_size=8))]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(rows) - 1))
        rows[row][draw(st.integers(0, len(headers) - 1))] = draw(ODD)
    if draw(st.integers(0, 3)) == 0:  # one column of values equal across types (True == 1)
        column = draw(st.integers(0, len(headers) - 1))
        for row in rows:
            row[column] = draw(st.sampled_from([0, 1, 1.0, -0.0, True, False, "1", None]))
    if draw(st.integers(0, 5)) == 0:
        row = draw(st.integers(0, len(rows) - 1))
        rows[row] = rows[row][: draw(st.integers(1, len(headers)))]
    if draw(st.integers(0, 5)) == 0:
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(st.sampled_from(["", None, "x"])))
    epoch = draw(st.sampled_from([EPOCH_1900, EPOCH_1904]))
    numbered = [(number, row) for number, row in enumerate(rows, start=2)]
    return Sheet(0, draw(st.sampled_from([None, "Sheet1"])), 1, headers, numbered, epoch)


def outcome(sheet: Sheet) -> dict[str, Any]:
    """Everything ``_parse_sheet`` leaves behind for the rest of the import."""
    check = _Validation(names=["表.xlsx"])
    reports: list[int] = []
    _parse_sheet(sheet, check, reports.append)
    return {
        "records": [
            (key, r.file_index, r.sheet, r.row, r.values, r.complete)
            for key, records in check.records.items()
            for r in records
        ],
        "errors": [str(issue) for issue in check.errors],
        "warnings": [str(issue) for issue in check.warnings],
        "error_total": check.error_total,
        "reports": reports,
    }


def row_by_row(sheet: Sheet, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(importer, "_parse_columns", lambda *args: None)
        return outcome(sheet)


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sheet=sheets())
def test_columns_and_rows_read_every_sheet_alike(
    sheet: Sheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_by_columns = importer._parse_columns
    taken: list[bool] = []

    def spy(*args: Any) -> Any:
        parsed = read_by_columns(*args)
        taken.append(parsed is not None)
        return parsed

    with monkeypatch.context() as patch:
        patch.setattr(importer, "_parse_columns", spy)
        fast = outcome(sheet)
    event("read by columns" if any(taken) else "read row by row")
    assert fast == row_by_row(sheet, monkeypatch)


def _sheet(key: str, rows: list[list[object]], epoch: dt.datetime = EPOCH_1900) -> Sheet:
    kind = KIND_BY_KEY[key]
    numbered = [(number, row) for number, row in enumerate(rows, start=2)]
    return Sheet(0, None, 1, list(kind.headers), numbered, epoch)


SERVICE = ["S001", "V001", "垃圾分类宣传", "环境保护", "2024-03-05", "2.5", "城关街道", "东门社区"]


def _with(position: int, value: object) -> list[object]:
    row = list(SERVICE)
    row[position] = value
    return row


# Sheets whose every cell is fine: the column path must take them (else the property test
# above would compare the row path with itself).
FINE = {
    "csv": [SERVICE, ["S002", *SERVICE[1:]]],
    "xlsx cells": [_with(4, dt.datetime(2024, 3, 5)), ["S002", *_with(5, 8)[1:]]],
    "numbers mixed": [_with(5, 2), ["S002", *_with(5, 2.0)[1:]], ["S003", *_with(5, "2")[1:]]],
    "full-width key": [_with(0, "ＴＯ-００１")],
    "True among numbers as keys": [_with(0, 1), _with(0, True)],
}


@pytest.mark.parametrize("rows", FINE.values(), ids=FINE.keys())
def test_a_fine_sheet_is_read_by_columns(
    rows: list[list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = _sheet("service_records", rows)
    headers = list(KIND_BY_KEY["service_records"].headers)
    spec = importer.SPEC_BY_KEY["service_records"]
    positions = [
        (column, headers.index(column.header), importer._column_check(spec, column), {})
        for column in spec.columns
    ]
    assert importer._parse_columns(sheet, headers, positions) is not None
    assert outcome(sheet)["records"] == row_by_row(sheet, monkeypatch)["records"]


# One bad cell each: the column path must hand the sheet to the row path, whose words stay.
REFUSED = {
    "control character in a key": (_with(0, "S\x00001"), "记录编号"),
    "invisible mark in a key": (_with(0, "S\u200e001"), "记录编号"),
    "blank key": (_with(0, " "), "记录编号"),
    "key too long": (_with(0, "S" * 101), "记录编号"),
    "name too long": (_with(2, "活" * 301), "活动名称"),
    "True as hours": (_with(5, True), "服务时长(小时)"),
    "error cell": (_with(4, UnreadableCell("单元格是 Excel 错误值「#REF!」")), "服务日期"),
    "example row": (_with(2, "示例：垃圾分类宣传"), None),
}


@pytest.mark.parametrize(("row", "column"), REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_cell_is_worded_by_the_row_path(
    row: list[object], column: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = _sheet("service_records", [_with(5, 1), row])  # True == 1: one key in a dict
    fast = outcome(sheet)
    assert fast == row_by_row(sheet, monkeypatch)
    assert fast["error_total"] == 1
    assert "第 3 行" in fast["errors"][0]
    assert column is None or f"列「{column}」" in fast["errors"][0]


def test_the_cycle_collector_is_paused_only_while_importing(sqlite_engine: Engine) -> None:
    """Off during the import (its progress reports see it off), on again afterwards."""
    seen: list[bool] = []
    data = "街道,社区,常住人口,户数\n城关街道,东门社区,8650,3120\n".encode()
    result = import_files(
        sqlite_engine, [("社区.csv", data)], progress=lambda *_: seen.append(gc.isenabled())
    )
    assert result.ok
    assert seen and not any(seen)
    assert gc.isenabled()
