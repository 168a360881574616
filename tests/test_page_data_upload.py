"""The /data upload panel for issues 9 and 13: blocked uploads audited, every error in one pass,
the rows to be written previewed, and a bad file never a traceback (AppTest)."""

from __future__ import annotations

import io
import zipfile

import pytest
from test_page_data_admin import (
    EDITOR_COMMUNITY,
    OTHER_COMMUNITY,
    PASSWORD,
    csv_file,
    frames_text,
    open_data_as,
    project_count,
    project_row,
    texts,
    upload,
)

from administration import accounts, audit
from storage.db import make_engine
from ui import data_admin_model as model


@pytest.fixture
def admin_db(app_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database with the accounts of ``test_page_data_admin`` (same fixture)."""
    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)
    engine = make_engine(app_db)
    accounts.create_user(engine, "admin1", PASSWORD, "admin")
    accounts.create_user(engine, "editor1", PASSWORD, "editor", [EDITOR_COMMUNITY])
    engine.dispose()
    return app_db


def refused_entries(url: str) -> list[audit.AuditEntry]:
    engine = make_engine(url)
    try:
        return audit.list_entries(engine, actions=["import_refused"])
    finally:
        engine.dispose()


def test_a_blocked_upload_is_audited_once(admin_db: str) -> None:
    """A renamed .exe is refused before reading and logged once, with its hash, not per rerun."""
    body = b"MZ\x90\x00" + b"\x00" * 200
    at = upload(open_data_as("editor1"), "报表.xlsx", body)
    at.run()  # a rerun of the same page must not log it again
    [entry] = refused_entries(admin_db)
    assert (entry.username, entry.source_file) == ("editor1", "报表.xlsx")
    assert entry.file_hash == audit.sha256_hex(body)
    assert "安全检查未通过" in entry.detail and "Windows 程序" in entry.detail


def test_a_zip_bomb_upload_is_audited(admin_db: str) -> None:
    """An archive that declares a huge unpacked size is blocked and logged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (320 * 1024 * 1024))
    at = upload(open_data_as("admin1"), "炸弹.xlsx", buffer.getvalue())
    assert not at.exception
    [entry] = refused_entries(admin_db)
    assert entry.source_file == "炸弹.xlsx" and "压缩炸弹" in entry.detail


def test_every_error_of_a_row_is_listed_in_the_first_upload(admin_db: str) -> None:
    """Format error, unknown community, missing 完成日期 and no right: all in one pass."""
    row = project_row(
        "BAD-1", community=(OTHER_COMMUNITY[0], "没有这个社区"), year="二〇二四", done=""
    )
    at = upload(open_data_as("editor1"), "有错.csv", csv_file(row))
    assert not at.exception
    errors = at.dataframe[0].value
    assert errors["行"].tolist() == [2, 2, 2, 2]
    reasons = " | ".join(errors["原因"])
    for fragment in ("不是有效的年份", "必须填写完成日期", "无权写入该社区", "不在社区名录中"):
        assert fragment in reasons, reasons


def test_the_preview_shows_the_rows_to_be_written(admin_db: str) -> None:
    """Below the counts: a table of the new rows with 变化 and every template column."""
    body = csv_file(project_row("NEW-1", name="便民服务站"), project_row("NEW-2"))
    at = upload(open_data_as("editor1"), "新项目.csv", body)
    assert not at.exception
    preview = at.dataframe[1].value
    assert preview["变化"].tolist() == ["新增", "新增"]
    assert preview["项目编号"].tolist() == ["NEW-1", "NEW-2"]
    assert preview["社区"].tolist() == [EDITOR_COMMUNITY[1]] * 2
    assert "民生实事（待写入 2 行）" in texts(at)
    assert project_count(admin_db, "NEW-1") == 0


def test_a_corrupt_workbook_upload_is_an_error_not_a_traceback(admin_db: str) -> None:
    """Damaged sheet XML inside a valid zip: a Chinese error row, no exception on the page."""
    from test_import_hardening import community_book, rezipped

    data = rezipped(community_book(), "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2])
    at = upload(open_data_as("admin1"), "坏.xlsx", data)
    assert not at.exception
    assert "工作表已损坏" in frames_text(at)


def test_the_error_heading_counts_errors_not_listed() -> None:
    """More errors than listed: the heading says how many are left out."""
    assert model.errors_heading(3, 3) == "发现 3 处错误，未写入任何数据。请按下表修改后重新上传。"
    assert "另有 1,500 处错误未列出" in model.errors_heading(2500, 1000)


def test_an_integer_too_big_for_postgresql_is_refused_at_the_preview(admin_db: str) -> None:
    """受益户数 3,000,000,000: the preview lists the error; no 确认导入 that would crash later."""
    at = upload(
        open_data_as("editor1"), "大数.csv", csv_file(project_row("BIG-1", households="3000000000"))
    )
    assert not at.exception
    errors = at.dataframe[0].value
    assert errors[["行", "列"]].values.tolist() == [[2, "受益户数"]]
    assert "2,147,483,647" in errors["原因"][0]
    assert not any(getattr(b, "key", None) == "upload_confirm" for b in at.button)
