"""The audit log on SQLite and PostgreSQL: recording, filtering, imports with hashes, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, insert

from administration import audit
from ingest.importer import import_files
from storage.models import Community

T0 = dt.datetime(2024, 3, 1, 9, 0, 0)
COMMUNITIES = "街道,社区,常住人口,户数\n东城街道,甲社区,100,40\n东城街道,乙社区,200,80\n"


def test_entries_come_back_newest_first(engine: Engine) -> None:
    """Three entries at three times are listed newest first with every field."""
    for minute, action in enumerate(["login", "import", "correction"]):
        audit.record(engine, action, "ed", f"第{minute}条", at=T0 + dt.timedelta(minutes=minute))
    entries = audit.list_entries(engine)
    assert [(e.action, e.detail) for e in entries] == [
        ("correction", "第2条"),
        ("import", "第1条"),
        ("login", "第0条"),
    ]
    assert entries[0].action_label == "在线更正"


@pytest.mark.parametrize(
    ("actions", "username", "expected"),
    [
        ((), None, 3),
        (("login",), None, 2),
        (("login", "import"), "ed", 2),
        ((), "other", 1),
    ],
)
def test_entries_filter_by_action_and_user(engine: Engine, actions, username, expected) -> None:
    """Filters by action list and user name combine."""
    audit.record(engine, "login", "ed", at=T0)
    audit.record(engine, "import", "ed", at=T0)
    audit.record(engine, "login", "other", at=T0)
    assert len(audit.list_entries(engine, actions=actions, username=username)) == expected


def test_an_unknown_action_is_a_programming_error(engine: Engine) -> None:
    """Only the listed actions may be recorded (so the log's labels stay complete)."""
    with pytest.raises(ValueError):
        audit.record(engine, "deleted_everything", "ed")


def test_an_entry_commits_with_the_change_it_records(engine: Engine) -> None:
    """Recorded on the caller's connection, a rolled-back change leaves no entry."""
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, "correction", "ed", "never happened")
        raise RuntimeError("rollback")
    assert audit.list_entries(engine) == []


def test_an_import_is_recorded_per_file_with_name_hash_and_rows(engine: Engine) -> None:
    """Two files imported: one entry each, with its own sha256 and row count."""
    with engine.begin() as conn:
        conn.execute(
            insert(Community),
            [{"subdistrict": "东城街道", "name": "丙社区", "population": 1, "households": 1}],
        )
    second = "街道,社区,常住人口,户数\n东城街道,丙社区,300,90\n".encode()
    files = [("名录.csv", COMMUNITIES.encode()), ("更正.csv", second)]
    assert import_files(engine, files, user="ed").ok
    audit.record_import(engine, "ed", files)
    entries = sorted(audit.list_entries(engine, actions=["import"]), key=lambda e: e.id)
    assert [(e.source_file, e.file_hash, e.rows) for e in entries] == [
        ("名录.csv", audit.sha256_hex(files[0][1]), 2),
        ("更正.csv", audit.sha256_hex(second), 1),
    ]
    assert entries[0].detail == "社区名录：新增 2、更新 0、未变 0"
    assert entries[1].detail == "社区名录：新增 0、更新 1、未变 0"


def test_a_refused_import_is_recorded_with_its_hash(engine: Engine) -> None:
    """Refused uploads are in the log too: file name, hash, reason."""
    body = b"not,a,template\n"
    audit.record_refused_import(engine, "ed", [("x.csv", body)], "校验未通过：1 处错误")
    [entry] = audit.list_entries(engine)
    assert (entry.action, entry.source_file, entry.file_hash) == (
        "import_refused",
        "x.csv",
        audit.sha256_hex(body),
    )


def _entries() -> list[audit.AuditEntry]:
    return [
        audit.AuditEntry(1, T0, "ed", "import", "民生实事：新增 1", 1, "=HYPERLINK(1).csv", "ab"),
        audit.AuditEntry(2, T0, "ed", "login", "本地账号登录", 0, None, None),
    ]


def test_csv_export_opens_in_excel_and_never_holds_a_formula() -> None:
    """UTF-8 with BOM, Chinese headers, and a file name starting with = is quoted as text."""
    data = audit.to_csv(_entries())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(audit.EXPORT_HEADERS)
    assert rows[1][:3] == ["2024-03-01 09:00:00", "ed", "导入"]
    assert rows[1][5] == "'=HYPERLINK(1).csv"


def test_xlsx_export_holds_every_entry_as_text_cells() -> None:
    """One sheet, a header row, the entries; the = file name is a string, not a formula."""
    book = openpyxl.load_workbook(io.BytesIO(audit.to_xlsx(_entries())))
    rows = list(book["操作日志"].iter_rows(values_only=True))
    assert rows[0] == audit.EXPORT_HEADERS
    assert rows[1] == (
        "2024-03-01 09:00:00",
        "ed",
        "导入",
        "民生实事：新增 1",
        1,
        "=HYPERLINK(1).csv",
        "ab",
    )
    assert book["操作日志"]["F2"].data_type == "s"
    assert rows[2][2] == "登录成功"
