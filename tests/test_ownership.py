"""Every write path checks who owns the row, on SQLite and PostgreSQL (issue 9, security).

An editor may write only their own communities: the community written on a new row *and* the
community that owns the existing key in the database must both be theirs, through an upload
(``plan_import`` / ``import_files``) and through 在线更正 (``apply_corrections``).
"""

from __future__ import annotations

import csv
import io
import threading

import openpyxl
import pytest
from sqlalchemy import Engine, select

from ingest import corrections
from ingest.corrections import ProjectEdit
from ingest.importer import import_files, plan_import
from storage.models import (
    CensusProgress,
    Community,
    ImportBatch,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

MINE = ("花园路街道", "纬五路社区")
THEIRS = ("花园路街道", "农科路社区")
EDITOR = {MINE}
TABLES = (Community, Volunteer, LivelihoodProject, CensusProgress, ServiceRecord, ImportBatch)

COMMUNITY_HEADERS = ["街道", "社区", "常住人口", "户数"]
PROJECT_HEADERS = [
    "项目编号",
    "街道",
    "社区",
    "项目名称",
    "类别",
    "年度",
    "计划完成日期",
    "状态",
    "完成日期",
    "投资金额(万元)",
    "受益户数",
]
VOLUNTEER_HEADERS = ["志愿者编号", "街道", "社区", "注册日期", "性别", "出生年份"]
SERVICE_HEADERS = [
    "记录编号",
    "志愿者编号",
    "活动名称",
    "活动类型",
    "服务日期",
    "服务时长(小时)",
    "街道",
    "社区",
]
CENSUS_HEADERS = ["任务名称", "街道", "社区", "日期", "应登记户数", "已登记户数", "已登记人数"]


def csv_file(name: str, headers: list[str], *rows: list[object]) -> tuple[str, bytes]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([headers, *rows])
    return name, buffer.getvalue().encode("utf-8")


def project(code: str, place: tuple[str, str], name: str = "加装电梯") -> list[object]:
    return [code, *place, name, "加装电梯", 2024, "2024-06-30", "推进中", "", 10, 5]


def volunteer(code: str, place: tuple[str, str]) -> list[object]:
    return [code, *place, "2023-05-01", "女", 1985]


def service(code: str, volunteer_code: str, place: tuple[str, str]) -> list[object]:
    return [code, volunteer_code, "垃圾分类宣传", "环境保护", "2024-03-05", 2, *place]


def census(place: tuple[str, str], registered: int) -> list[object]:
    return ["人口抽样调查", *place, "2024-11-01", 300, registered, 800]


SETUP = [
    csv_file(
        "社区名录.csv",
        COMMUNITY_HEADERS,
        [*MINE, 8000, 3000],
        [*THEIRS, 9000, 3500],
    ),
    csv_file(
        "志愿者.csv", VOLUNTEER_HEADERS, volunteer("V-MINE", MINE), volunteer("V-THEIRS", THEIRS)
    ),
    csv_file(
        "民生实事.csv",
        PROJECT_HEADERS,
        project("P-MINE", MINE),
        project("P-THEIRS", THEIRS, "农科路充电桩"),
    ),
    csv_file(
        "志愿服务.csv",
        SERVICE_HEADERS,
        service("S-MINE", "V-MINE", MINE),
        service("S-THEIRS", "V-THEIRS", THEIRS),
    ),
    csv_file("普查.csv", CENSUS_HEADERS, census(MINE, 100), census(THEIRS, 200)),
]


@pytest.fixture
def filled(engine: Engine) -> Engine:
    """Two communities of 花园路街道, each with a volunteer, a project, a record, a census row."""
    result = import_files(engine, SETUP, user="admin")
    assert result.ok, [str(e) for e in result.errors]
    return engine


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            model.__tablename__: sorted(map(tuple, conn.execute(select(model.__table__))), key=repr)
            for model in TABLES
        }


def owner(engine: Engine, model, code: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    query = (
        select(Community.subdistrict, Community.name)
        .join(model, model.community_id == Community.id)
        .where(model.code == code)
    )
    with engine.connect() as conn:
        return tuple(conn.execute(query).one())  # type: ignore[return-value]


# --------------------------------------------------------------------------- import


REUSED_KEYS = [
    pytest.param(
        csv_file("民生实事.csv", PROJECT_HEADERS, project("P-THEIRS", MINE, "改到我社区")),
        LivelihoodProject,
        "P-THEIRS",
        "项目编号",
        id="项目编号",
    ),
    pytest.param(
        csv_file("志愿者.csv", VOLUNTEER_HEADERS, volunteer("V-THEIRS", MINE)),
        Volunteer,
        "V-THEIRS",
        "志愿者编号",
        id="志愿者编号",
    ),
    pytest.param(
        csv_file("志愿服务.csv", SERVICE_HEADERS, service("S-THEIRS", "V-MINE", MINE)),
        ServiceRecord,
        "S-THEIRS",
        "记录编号",
        id="记录编号",
    ),
]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "import"])
@pytest.mark.parametrize(("upload", "model", "code", "column"), REUSED_KEYS)
def test_an_editor_cannot_take_over_another_communitys_key(
    filled: Engine, upload, model, code: str, column: str, preview: bool
) -> None:
    """Reusing 农科路社区's key with 纬五路社区 on the row: refused where it is, nothing written."""
    before = snapshot(filled)
    run = plan_import if preview else import_files
    result = run(filled, [upload], allowed_communities=EDITOR)
    assert not result.ok
    [error] = result.errors
    assert (error.file, error.sheet, error.row, error.column) == (upload[0], None, 2, column)
    assert error.message == f"{column} {code} 属于其他社区（花园路街道/农科路社区），无权修改"
    assert snapshot(filled) == before
    assert owner(filled, model, code) == THEIRS


def test_the_refusal_names_the_sheet_of_a_workbook(filled: Engine) -> None:
    """In an .xlsx the error names file, sheet, Excel row and column, in Chinese."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "纬五路项目"
    sheet.append(PROJECT_HEADERS)
    sheet.append(project("P-MINE", MINE))
    sheet.append(project("P-THEIRS", MINE))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_files(filled, [("项目.xlsx", buffer.getvalue())], allowed_communities=EDITOR)
    [error] = result.errors
    assert str(error) == (
        "文件 项目.xlsx，工作表 纬五路项目，第 3 行，列「项目编号」："
        "项目编号 P-THEIRS 属于其他社区（花园路街道/农科路社区），无权修改"
    )
    assert owner(filled, LivelihoodProject, "P-THEIRS") == THEIRS


def test_an_editor_cannot_move_their_row_out_of_scope(filled: Engine) -> None:
    """Their own project with 农科路社区 written on it: refused by the row's community."""
    before = snapshot(filled)
    upload = csv_file("民生实事.csv", PROJECT_HEADERS, project("P-MINE", THEIRS))
    result = import_files(filled, [upload], allowed_communities=EDITOR)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "社区", "无权写入该社区的数据")
    ]
    assert snapshot(filled) == before


def test_an_editor_cannot_write_another_communitys_census_row(filled: Engine) -> None:
    """Census rows carry their community in the key: 农科路社区's row stays as it was."""
    before = snapshot(filled)
    upload = csv_file("普查.csv", CENSUS_HEADERS, census(THEIRS, 1))
    result = import_files(filled, [upload], allowed_communities=EDITOR)
    assert [(e.row, e.column) for e in result.errors] == [(2, "社区")]
    assert snapshot(filled) == before


def test_an_editor_still_updates_their_own_rows(filled: Engine) -> None:
    """Their own keys on their own community are updated as before."""
    files = [
        csv_file("民生实事.csv", PROJECT_HEADERS, project("P-MINE", MINE, "新名称")),
        csv_file("志愿者.csv", VOLUNTEER_HEADERS, [*volunteer("V-MINE", MINE)[:4], "男", 1990]),
        csv_file(
            "志愿服务.csv", SERVICE_HEADERS, service("S-MINE", "V-MINE", MINE)[:5] + [3, *MINE]
        ),
        csv_file("新项目.csv", PROJECT_HEADERS, project("P-NEW", MINE)),
    ]
    result = import_files(filled, files, allowed_communities=EDITOR)
    assert result.ok, [str(e) for e in result.errors]
    assert {k: (s.new, s.updated) for k, s in result.summaries.items()} == {
        "livelihood": (1, 1),
        "volunteers": (0, 1),
        "service_records": (0, 1),
    }


def test_an_admin_may_move_a_row_between_communities(filled: Engine) -> None:
    """No limit for an admin (``allowed_communities=None``)."""
    upload = csv_file("民生实事.csv", PROJECT_HEADERS, project("P-THEIRS", MINE))
    assert import_files(filled, [upload]).ok
    assert owner(filled, LivelihoodProject, "P-THEIRS") == MINE


# --------------------------------------------------------------------------- corrections


@pytest.mark.parametrize(
    ("code", "values"),
    [
        ("P-THEIRS", {"投资金额(万元)": 1}),
        ("P-THEIRS", {"社区": "纬五路社区"}),
        ("P-MINE", {"社区": "农科路社区"}),
        ("P-MINE", {"街道": "文化路街道"}),
    ],
)
def test_a_correction_cannot_touch_or_move_a_row_across_scope(filled, code, values) -> None:
    """Another community's project, or moving a project in or out: refused, nothing saved."""
    before = snapshot(filled)
    result = corrections.apply_corrections(
        filled, [ProjectEdit(code, 1, values)], user="ed", allowed=EDITOR
    )
    assert not result.ok and result.errors
    assert snapshot(filled) == before


def test_a_correction_checks_the_owner_under_the_writers_lock(
    filled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import that moves the project away while the correction is checked must wait.

    The admin's import starts right after the correction has read the project. If the
    correction read it outside the writers' lock, the import would finish first and the
    editor's change would land on a project that is no longer theirs.
    """
    load = corrections._load
    move = csv_file("民生实事.csv", PROJECT_HEADERS, project("P-MINE", THEIRS))
    finished: list[bool] = []
    movers: list[threading.Thread] = []

    def load_then_move(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = load(*args, **kwargs)
        mover = threading.Thread(target=lambda: finished.append(import_files(filled, [move]).ok))
        movers.append(mover)
        mover.start()
        mover.join(timeout=2)  # returns at once if the import need not wait for the lock
        return found

    monkeypatch.setattr(corrections, "_load", load_then_move)
    edit = ProjectEdit("P-MINE", 1, {"投资金额(万元)": 77})
    result = corrections.apply_corrections(filled, [edit], user="ed", allowed=EDITOR)
    for mover in movers:
        mover.join(timeout=30)
    assert finished == [True]
    assert result.ok
    with filled.connect() as conn:
        batches = conn.execute(
            select(ImportBatch.source_file).order_by(ImportBatch.id.desc()).limit(2)
        ).all()
    # The correction was saved while the project was still 纬五路社区's; the move came after.
    assert [b.source_file for b in batches] == ["民生实事.csv", "在线更正"]
    assert owner(filled, LivelihoodProject, "P-MINE") == THEIRS
