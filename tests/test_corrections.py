"""Online corrections on SQLite and PostgreSQL: the importer's rules, permissions, all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from administration import audit
from figures import meta
from ingest import corrections
from ingest.corrections import ProjectEdit
from ingest.importer import import_files
from storage.models import ImportBatch, LivelihoodProject

MINE = ("东城街道", "甲社区")
THEIRS = ("西城街道", "乙社区")
FILES = [
    (
        "名录.csv",
        "街道,社区,常住人口,户数\n东城街道,甲社区,100,40\n西城街道,乙社区,200,80\n".encode(),
    ),
    (
        "项目.csv",
        (
            "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数\n"
            "P-1,东城街道,甲社区,一号楼加装电梯,加装电梯,2024,2024-06-30,推进中,,45.5,24\n"
            "P-2,东城街道,甲社区,道路修缮,道路及管网,2024,2024-05-31,已完成,2024-05-20,80,300\n"
            "P-3,西城街道,乙社区,充电桩,充电设施,2024,2024-04-30,未启动,,9,100\n"
        ).encode(),
    ),
]


@pytest.fixture
def projects(engine: Engine) -> Engine:
    """Two communities, three projects of 2024 (two in 甲社区, one in 乙社区)."""
    assert import_files(engine, FILES, user="setup").ok
    return engine


def stored(engine: Engine, code: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(LivelihoodProject).where(LivelihoodProject.code == code)).one()
    return dict(row._mapping)


@pytest.mark.parametrize(
    ("allowed", "search", "codes"),
    [
        (None, "", ["P-1", "P-2", "P-3"]),
        ({MINE}, "", ["P-1", "P-2"]),
        (set(), "", []),
        (None, "电梯", ["P-1"]),
        (None, "p-3", ["P-3"]),
    ],
)
def test_the_list_offers_only_what_the_user_may_correct(projects, allowed, search, codes) -> None:
    """Editors see their communities' projects; the search matches code or name."""
    found = corrections.editable_projects(projects, allowed=allowed, year=2024, search=search)
    assert [p.code for p in found] == codes


def test_a_valid_correction_is_saved_with_a_batch_and_an_audit_entry(projects: Engine) -> None:
    """推进中 → 已完成 with a 完成日期: saved, data version moves, the log says from → to."""
    version = meta.data_version(projects)
    edit = ProjectEdit("P-1", 1, {"状态": "已完成", "完成日期": dt.date(2024, 6, 1)})
    result = corrections.apply_corrections(projects, [edit], user="ed", allowed={MINE})
    assert (result.ok, result.changed) == (True, 1)
    row = stored(projects, "P-1")
    assert (row["status"], row["completed_on"]) == ("已完成", dt.date(2024, 6, 1))
    assert meta.data_version(projects) > version
    with projects.connect() as conn:
        batch = conn.execute(select(ImportBatch).where(ImportBatch.id == row["batch_id"])).one()
    assert (batch.source_file, batch.imported_by) == ("在线更正", "ed")
    [entry] = audit.list_entries(projects, actions=["correction"])
    assert entry.detail == "项目 P-1「一号楼加装电梯」：状态 推进中→已完成；完成日期 空→2024-06-01"
    assert entry.file_hash == batch.file_hash


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"状态": "已完成"}, "完成日期", "状态为已完成时必须填写完成日期"),
        ({"完成日期": "2024-06-01"}, "完成日期", "状态为推进中时完成日期必须为空"),
        ({"状态": "完成了"}, "状态", "状态必须是"),
        ({"投资金额(万元)": -1}, "投资金额(万元)", "不能为负数"),
        ({"受益户数": 2.5}, "受益户数", "必须为整数"),
        ({"计划完成日期": "2024-02-30"}, "计划完成日期", "不存在"),
        ({"计划完成日期": None}, "计划完成日期", "必须填写"),
        ({"项目名称": "新名字"}, "项目名称", "不能在线更正"),
    ],
)
def test_the_importers_rules_refuse_a_bad_edit(projects, values, column, message) -> None:
    """Each breach is reported on its column, as the importer would, and nothing is saved."""
    before = stored(projects, "P-1")
    result = corrections.apply_corrections(projects, [ProjectEdit("P-1", 3, values)], user="ed")
    assert not result.ok
    [issue] = result.errors
    assert (issue.row, issue.column) == (3, column)
    assert message in issue.message and "P-1" in issue.message
    assert stored(projects, "P-1") == before


def test_an_editor_cannot_correct_another_communitys_project(projects: Engine) -> None:
    """P-3 is in 乙社区: refused with 无权更正, nothing saved."""
    edit = ProjectEdit("P-3", 1, {"投资金额(万元)": 10})
    result = corrections.apply_corrections(projects, [edit], user="ed", allowed={MINE})
    assert [i.message for i in result.errors] == [
        "项目 P-3：无权更正该社区的项目（西城街道/乙社区）"
    ]
    assert stored(projects, "P-3")["investment"] == 9


def test_one_bad_edit_stops_the_whole_batch(projects: Engine) -> None:
    """A valid and an invalid edit together: neither is saved (all-or-nothing)."""
    edits = [
        ProjectEdit("P-1", 1, {"投资金额(万元)": 50}),
        ProjectEdit("P-2", 2, {"状态": "推进中"}),
    ]
    result = corrections.apply_corrections(projects, edits, user="admin")
    assert not result.ok and len(result.errors) == 1
    assert stored(projects, "P-1")["investment"] == 45.5
    assert audit.list_entries(projects, actions=["correction"]) == []


def test_an_unknown_project_is_reported(projects: Engine) -> None:
    result = corrections.apply_corrections(
        projects, [ProjectEdit("NOPE", 1, {"受益户数": 1})], user="a"
    )
    assert "项目不存在" in result.errors[0].message


def test_an_edit_that_changes_nothing_writes_nothing(projects: Engine) -> None:
    """Setting the stored value again: ok, no batch, no log entry."""
    version = meta.data_version(projects)
    result = corrections.apply_corrections(
        projects, [ProjectEdit("P-1", 1, {"投资金额(万元)": 45.5})], user="admin"
    )
    assert (result.ok, result.changed) == (True, 0)
    assert meta.data_version(projects) == version
    assert audit.list_entries(projects) == []


@pytest.mark.parametrize("blank", [None, "", float("nan")])
def test_a_cleared_amount_counts_as_zero_like_an_empty_cell_on_import(projects, blank) -> None:
    """An emptied 投资金额 becomes 0, as an empty cell does on import."""
    result = corrections.apply_corrections(
        projects, [ProjectEdit("P-1", 1, {"投资金额(万元)": blank})], user="admin"
    )
    assert result.ok
    assert stored(projects, "P-1")["investment"] == 0.0
