"""数据管理 (/data) in a real Chromium: login, upload, refusals, roles, audit log, HTML as text.

The module runs its own server on a database prepared beforehand (the small demo plus an
admin, an editor of 新华路街道/货场路社区 and a viewer), so its imports never change what the
other browser tests see.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select

from administration import accounts, audit
from storage.db import make_engine
from storage.models import LivelihoodProject

from .conftest import EXCEPTION_BOX, save_screenshot, sqlite_url, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-1"
EDITOR_COMMUNITY = ("新华路街道", "货场路社区")
OTHER_COMMUNITY = ("文化路街道", "东风路社区")
XSS_NAME = "<img src=x onerror=alert(1)>"
HEADER = "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数"
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture(scope="module")
def data_workdir(tmp_path_factory: pytest.TempPathFactory, demo_db_template: Path) -> Path:
    """A database with the demo data and three accounts, ready before the server starts
    (the demo is a copy of the run's small demo database, ``demo_db_template``)."""
    workdir = tmp_path_factory.mktemp("data_admin")
    shutil.copyfile(demo_db_template, workdir / "dashboard.db")
    engine = make_engine(sqlite_url(workdir))
    accounts.create_user(engine, "admin1", PASSWORD, "admin")
    accounts.create_user(engine, "editor1", PASSWORD, "editor", [EDITOR_COMMUNITY])
    accounts.create_user(engine, "viewer1", PASSWORD, "viewer")
    engine.dispose()
    return workdir


@pytest.fixture(scope="module")
def data_url(data_workdir: Path) -> Iterator[str]:
    with streamlit_server(data_workdir) as url:
        yield url


def project_line(
    code: str, name: str, community=EDITOR_COMMUNITY, status: str = "已完成", amount: str = "8"
) -> str:
    """A 民生实事 CSV line of this year, planned and completed today."""
    today = dt.date.today()
    values = [code, *community, name, "便民服务", today.year, today, status, today, amount, "20"]
    return ",".join(str(v) for v in values)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def project_count(workdir: Path, code: str) -> int:
    engine = make_engine(sqlite_url(workdir))
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(LivelihoodProject)
            .where(LivelihoodProject.code == code)
        ).scalar_one()
    engine.dispose()
    return count


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/data", wait_until="domcontentloaded")
    wait_for_app(page, "数据管理需要登录")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, "当前登录")


def upload(page: Page, name: str, body: bytes, expected_text: str) -> None:
    page.locator(FILE_INPUT).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": body}]
    )
    wait_for_app(page, expected_text)


def assert_no_exception(page: Page) -> None:
    assert page.locator(EXCEPTION_BOX).count() == 0


def test_editor_uploads_a_file_and_sees_it_on_the_pages(
    page: Page, data_url: str, data_workdir: Path
) -> None:
    """Preview 新增 → 确认导入 → 导入成功, and /livelihood lists the new project."""
    log_in(page, data_url, "editor1")
    upload(page, "新项目.csv", csv_bytes(project_line("BR-0001", "浏览器测试便民站")), "导入预览")
    assert project_count(data_workdir, "BR-0001") == 0
    page.get_by_role("button", name="确认导入").click()
    wait_for_app(page, "导入成功")
    save_screenshot(page, "data_admin_import_done")
    assert project_count(data_workdir, "BR-0001") == 1
    page.goto(f"{data_url}/livelihood?q=BR-0001", wait_until="domcontentloaded")
    wait_for_app(page, "项目清单")
    page.get_by_text("浏览器测试便民站").first.wait_for(state="attached")
    assert_no_exception(page)


def test_bad_rows_are_all_listed_and_nothing_is_written(
    page: Page, data_url: str, data_workdir: Path
) -> None:
    """Two bad rows: the error table names both, no 确认导入 button, nothing written."""
    body = csv_bytes(
        project_line("BR-BAD-1", "错项一", status="完成了"),
        project_line("BR-OK-1", "对的一行"),
        project_line("BR-BAD-2", "错项二", amount="-5"),
    )
    log_in(page, data_url, "editor1")
    upload(page, "有错.csv", body, "发现 2 处错误")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("状态必须是 未启动、推进中、已完成、已取消 之一").first.wait_for(
        state="attached"
    )
    main.get_by_text("不能为负数").first.wait_for(state="attached")
    assert page.get_by_role("button", name="下载错误清单（Excel）").count() == 1
    assert page.get_by_role("button", name="确认导入").count() == 0
    save_screenshot(page, "data_admin_bad_rows")
    assert project_count(data_workdir, "BR-OK-1") == 0


def test_editor_cannot_write_another_community(
    page: Page, data_url: str, data_workdir: Path
) -> None:
    """A row of another community is refused with 无权写入该社区的数据."""
    body = csv_bytes(project_line("BR-THEIRS", "别人的项目", community=OTHER_COMMUNITY))
    log_in(page, data_url, "editor1")
    upload(page, "别的社区.csv", body, "发现 1 处错误")
    page.get_by_text("无权写入该社区的数据").first.wait_for(state="attached")
    assert project_count(data_workdir, "BR-THEIRS") == 0


def test_viewer_cannot_reach_the_data_page(page: Page, data_url: str) -> None:
    """A viewer logs in and sees 无权限, no uploader."""
    page.goto(f"{data_url}/data", wait_until="domcontentloaded")
    wait_for_app(page, "数据管理需要登录")
    page.get_by_label("用户名").fill("viewer1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, "无权限")
    assert page.locator(FILE_INPUT).count() == 0
    save_screenshot(page, "data_admin_viewer")


def test_audit_log_shows_the_changes_to_the_admin(
    page: Page, data_url: str, data_workdir: Path
) -> None:
    """After an upload the admin's 操作日志 lists the import with its file name."""
    engine = make_engine(sqlite_url(data_workdir))
    body = csv_bytes(project_line("BR-AUDIT", "审计测试"))
    from ingest.importer import import_files

    assert import_files(engine, [("审计.csv", body)], user="editor1").ok
    audit.record_import(engine, "editor1", [("审计.csv", body)])
    engine.dispose()
    log_in(page, data_url, "admin1")
    page.get_by_role("tab", name="操作日志").click()
    page.get_by_text(audit.sha256_hex(body)).first.wait_for(state="attached")
    save_screenshot(page, "data_admin_audit")


@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        ("/livelihood?q=BR-XSS", "项目清单"),
        ("/weekly", "本周完成与新增逾期的项目"),
        ("/data", "当前登录"),
    ],
)
def test_a_name_with_html_is_shown_as_text_and_never_runs(
    page: Page, data_url: str, data_workdir: Path, path: str, anchor: str
) -> None:
    """``<img src=x onerror=alert(1)>``: shown literally, no <img> element, no alert dialog."""
    if project_count(data_workdir, "BR-XSS") == 0:
        from ingest.importer import import_files

        engine = make_engine(sqlite_url(data_workdir))
        assert import_files(engine, [("xss.csv", csv_bytes(project_line("BR-XSS", XSS_NAME)))]).ok
        engine.dispose()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    if path == "/data":
        log_in(page, data_url, "editor1")
        page.get_by_role("tab", name="在线更正").click()
    else:
        page.goto(f"{data_url}{path}", wait_until="domcontentloaded")
        wait_for_app(page, anchor)
    page.get_by_text(XSS_NAME, exact=True).first.wait_for(state="attached")
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []
    assert_no_exception(page)
    save_screenshot(page, f"data_admin_xss_{path.strip('/').split('?')[0]}")
