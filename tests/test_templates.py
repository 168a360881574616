"""Templates and table exports: one layout, the importer's headers, round trips on both databases."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from ingest import templates
from ingest.importer import import_files, plan_import
from ingest.parsing import KIND_BY_KEY, TABLE_KINDS, normalize_header
from ingest.upload_safety import MAX_UPLOAD_BYTES, upload_problem

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_FILES = [
    (
        "名录.csv",
        "街道,社区,常住人口,户数\n东城街道,甲社区,100,40\n西城街道,乙社区,200,80\n",
    ),
    (
        "项目.csv",
        "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数\n"
        "P-1,东城街道,甲社区,一号楼加装电梯,加装电梯,2024,2024-06-30,推进中,,45.5,24\n"
        "P-2,西城街道,乙社区,道路修缮,道路及管网,2024,2024-05-31,已完成,2024-05-20,80,300\n",
    ),
    ("财政.csv", "街道,月份,科目,当月金额(万元)\n东城街道,2024-01,税收收入,123.45\n"),
    ("目标.csv", "街道,年度,科目,年度目标(万元)\n东城街道,2024,税收收入,1500\n"),
    (
        "普查.csv",
        "任务名称,街道,社区,日期,应登记户数,已登记户数,已登记人数\n"
        "第八次普查,东城街道,甲社区,2024-11-15,40,30,80\n",
    ),
    (
        "志愿者.csv",
        "志愿者编号,街道,社区,注册日期,性别,出生年份\nV001,东城街道,甲社区,2023-05-01,女,1985\n"
        "V002,西城街道,乙社区,2023-06-01,,\n",
    ),
    (
        "服务.csv",
        "记录编号,志愿者编号,活动名称,活动类型,服务日期,服务时长(小时),街道,社区\n"
        "S001,V001,垃圾分类宣传,环境保护,2024-03-15,2.5,东城街道,甲社区\n",
    ),
]


@pytest.fixture
def filled(engine: Engine) -> Engine:
    """One or two rows in every table."""
    files = [(name, text.encode("utf-8")) for name, text in ALL_FILES]
    assert import_files(engine, files, user="setup").ok
    return engine


def sheet_rows(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.worksheets) == 1  # the importer reads every sheet
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=[k.key for k in TABLE_KINDS])
def test_template_headers_are_the_importers(kind) -> None:
    """Row 1 holds exactly the headers the importer recognises for that table."""
    rows = sheet_rows(templates.template_xlsx(kind))
    assert tuple(normalize_header(h) for h in rows[0]) == kind.headers


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=[k.key for k in TABLE_KINDS])
def test_every_header_has_a_note_and_an_example(kind) -> None:
    """Each column carries a note (cell comment) and an example value in row 2."""
    book = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx(kind)))
    sheet = book.worksheets[0]
    assert all(sheet.cell(1, i + 1).comment for i in range(len(kind.headers)))
    example = [sheet.cell(2, i + 1).value for i in range(len(kind.headers))]
    assert all(str(v).startswith(templates.EXAMPLE_PREFIX) for v in example)


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=[k.key for k in TABLE_KINDS])
def test_an_example_row_left_in_is_refused_not_imported(engine: Engine, kind) -> None:
    """Uploading the template untouched: row 2 is refused, with 示例 quoted in the reason."""
    result = plan_import(engine, [("模板.xlsx", templates.template_xlsx(kind))])
    assert not result.ok
    assert {e.row for e in result.errors} == {2}
    assert any("示例" in e.message for e in result.errors)


def test_status_column_has_the_four_states_as_a_drop_down() -> None:
    """状态 gets a list validation of 未启动/推进中/已完成/已取消."""
    book = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx(KIND_BY_KEY["livelihood"])))
    validations = book.worksheets[0].data_validations.dataValidation
    status = [v for v in validations if "H2" in str(v.sqref)]
    assert [v.formula1 for v in status] == ['"未启动,推进中,已完成,已取消"']


def test_community_names_become_a_drop_down_when_given() -> None:
    """With the community list, 街道 and 社区 get drop-downs (warning only: new names allowed)."""
    communities = [("东城街道", "甲社区"), ("西城街道", "乙社区")]
    data = templates.template_xlsx(KIND_BY_KEY["census"], communities)
    validations = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].data_validations
    formulas = {v.formula1 for v in validations.dataValidation}
    assert {'"东城街道,西城街道"', '"乙社区,甲社区"'} <= formulas


def test_a_community_list_too_long_for_excel_is_left_out() -> None:
    """Excel allows 255 characters in a list: beyond that no drop-down (and a note says so)."""
    many = [("东城街道", f"很长很长的社区名称第{i}号社区") for i in range(40)]
    data = templates.template_xlsx(KIND_BY_KEY["census"], many)
    validations = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].data_validations
    assert all("很长" not in (v.formula1 or "") for v in validations.dataValidation)


@pytest.mark.parametrize("kind", TABLE_KINDS, ids=[k.key for k in TABLE_KINDS])
def test_templates_pass_the_upload_checks(kind) -> None:
    """Our own templates are real xlsx files the upload check accepts."""
    assert upload_problem(templates.file_name(kind), templates.template_xlsx(kind)) is None


def test_template_files_in_the_repository_are_current() -> None:
    """data/templates/ is what scripts/make_templates.py writes now (one code path)."""
    for kind in TABLE_KINDS:
        path = REPO_ROOT / "data" / "templates" / templates.file_name(kind)
        assert path.read_bytes() == templates.template_xlsx(kind), path.name


@pytest.mark.parametrize("key", list(KIND_BY_KEY))
def test_exported_data_uploads_again_unchanged(filled: Engine, key: str) -> None:
    """Round trip: the export of a table, imported again, changes nothing."""
    data = templates.table_xlsx(filled, key)
    result = plan_import(filled, [(templates.file_name(KIND_BY_KEY[key]), data)])
    assert result.ok, [str(e) for e in result.errors]
    [summary] = result.summaries.values()
    assert (summary.new, summary.updated) == (0, 0)
    assert summary.unchanged == len(sheet_rows(data)) - 1 > 0


def test_an_edited_export_updates_exactly_the_edited_row(filled: Engine) -> None:
    """Change one 状态 in the exported workbook: the upload updates that one project."""
    book = openpyxl.load_workbook(io.BytesIO(templates.table_xlsx(filled, "livelihood")))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    sheet.cell(2, headers.index("投资金额(万元)") + 1, 99)
    buffer = io.BytesIO()
    book.save(buffer)
    result = plan_import(filled, [("民生实事.xlsx", buffer.getvalue())])
    summary = result.summaries["livelihood"]
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 1)


def test_export_is_limited_to_an_editors_communities(filled: Engine) -> None:
    """An editor's export holds only their communities; fiscal tables are empty for them."""
    allowed = {("东城街道", "甲社区")}
    rows = list(templates.export_rows(filled, "livelihood", allowed))
    assert [r[0] for r in rows] == ["P-1"]
    assert list(templates.export_rows(filled, "fiscal_monthly", allowed)) == []


def test_fiscal_months_are_exported_as_text_months(filled: Engine) -> None:
    """月份 comes back as 2024-01 (the template's form), not as a year and a month."""
    assert list(templates.export_rows(filled, "fiscal_monthly")) == [
        ["东城街道", "2024-01", "税收收入", 123.45]
    ]


def test_a_template_is_small_and_a_real_zip() -> None:
    data = templates.template_xlsx(KIND_BY_KEY["livelihood"])
    assert len(data) < MAX_UPLOAD_BYTES
    assert "[Content_Types].xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
