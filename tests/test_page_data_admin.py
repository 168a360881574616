"""The 数据管理 page (/data) in AppTest: login, roles, upload, corrections, accounts, audit, safety.

Every test logs in by filling the form widgets (``login_username``, ``login_password``,
``login_submit``) on a private copy of the demo database with three accounts: an admin, an
editor of 新华路街道/货场路社区 and a viewer.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from conftest import open_page
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from administration import accounts, audit
from storage.db import make_engine
from storage.models import LivelihoodProject
from ui import data_admin_model as model

PASSWORD = "correct-horse-1"
EDITOR_COMMUNITY = ("新华路街道", "货场路社区")
OTHER_COMMUNITY = ("文化路街道", "东风路社区")
XSS_NAME = "<img src=x onerror=alert(1)>"
LIVELIHOOD_HEADER = (
    "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数"
)


@pytest.fixture
def admin_db(app_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database with an admin, an editor of one community and a viewer."""
    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)
    engine = make_engine(app_db)
    accounts.create_user(engine, "admin1", PASSWORD, "admin")
    accounts.create_user(engine, "editor1", PASSWORD, "editor", [EDITOR_COMMUNITY])
    accounts.create_user(engine, "viewer1", PASSWORD, "viewer")
    engine.dispose()
    return app_db


def login(at, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Fill the login form and submit it, as a person does."""
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click()
    return at.run()


def open_data_as(username: str):  # type: ignore[no-untyped-def]
    at = open_page("data_admin")
    return login(at, username)


def project_row(code: str, community=EDITOR_COMMUNITY, name: str = "测试项目", **changes) -> str:
    """One CSV line of a 民生实事 project of this year, completed today."""
    today = dt.date.today()
    values = {
        "code": code,
        "sub": community[0],
        "com": community[1],
        "name": name,
        "category": "便民服务",
        "year": today.year,
        "planned": today.isoformat(),
        "status": "已完成",
        "done": today.isoformat(),
        "amount": "12.5",
        "households": "30",
    }
    values.update(changes)
    return ",".join(str(v) for v in values.values())


def csv_file(*rows: str) -> bytes:
    return ("\n".join([LIVELIHOOD_HEADER, *rows]) + "\n").encode("utf-8")


def upload(at, name: str, body: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader[0].set_value((name, body, "text/csv"))
    return at.run()


def project_count(url: str, code: str | None = None) -> int:
    engine = make_engine(url)
    query = select(func.count()).select_from(LivelihoodProject)
    if code:
        query = query.where(LivelihoodProject.code == code)
    with engine.connect() as conn:
        count = conn.execute(query).scalar_one()
    engine.dispose()
    return count


def texts(at) -> str:  # type: ignore[no-untyped-def]
    """Everything a person reads in alerts, markdown and captions, joined."""
    parts = [e.value for e in [*at.error, *at.warning, *at.info, *at.success]]
    parts += [e.value for e in [*at.markdown, *at.caption]]
    return "\n".join(str(p) for p in parts)


def frames_text(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(frame.value.to_string() for frame in at.dataframe)


# ---------------------------------------------------------------- login and roles


def test_data_page_asks_for_a_login(admin_db: str) -> None:
    """Without a login /data shows the form and nothing of the data tools."""
    at = open_page("data_admin")
    assert not at.exception
    assert at.text_input(key="login_username") is not None
    assert not at.file_uploader
    assert "数据管理需要登录" in [h.value for h in at.subheader]
    assert not _has_key(at, "login_sso")  # no [auth] in the secrets: no single sign-on button


def test_viewer_cannot_reach_the_data_tools(admin_db: str) -> None:
    """A viewer logs in and gets a clear 无权限 message, no uploader, no tabs."""
    at = open_data_as("viewer1")
    assert not at.exception
    assert any("无权限" in e.value for e in at.error)
    assert not at.file_uploader
    assert not at.tabs


def test_wrong_password_is_refused_and_audited(admin_db: str) -> None:
    """A wrong password shows 用户名或密码错误 and the failure is in the audit log."""
    at = login(open_page("data_admin"), "editor1", "wrong-password")
    assert [e.value for e in at.error] == [accounts.WRONG_CREDENTIALS]
    assert not at.file_uploader
    entries = audit.list_entries(make_engine(admin_db), actions=["login_failed"])
    assert [e.username for e in entries] == ["editor1"]


def test_successful_login_is_audited(admin_db: str) -> None:
    """Logging in writes a 登录成功 entry for that user."""
    at = open_data_as("editor1")
    assert not at.exception
    assert at.file_uploader
    entries = audit.list_entries(make_engine(admin_db), actions=["login"])
    assert [e.username for e in entries] == ["editor1"]


def test_editor_sees_no_admin_tabs(admin_db: str) -> None:
    """An editor gets upload, templates and corrections; accounts and the log are admin-only."""
    at = open_data_as("editor1")
    assert [tab.label for tab in at.tabs] == ["上传导入", "模板下载", "在线更正"]


def test_admin_sees_accounts_and_audit_log(admin_db: str) -> None:
    """The admin also gets 账号管理, 操作日志 and 预警规则, listing the three accounts."""
    at = open_data_as("admin1")
    assert [tab.label for tab in at.tabs] == [
        "上传导入",
        "模板下载",
        "在线更正",
        "账号管理",
        "操作日志",
        "消息推送",
        "预警规则",
    ]
    assert {"admin1", "editor1", "viewer1"} <= set(frames_text(at).split())


def test_logout_returns_to_the_login_form(admin_db: str) -> None:
    """退出登录 ends the session: the next run shows the form again."""
    at = open_data_as("editor1")
    at.button(key="logout").click()
    at.run()
    assert not at.file_uploader
    assert at.text_input(key="login_username") is not None


def test_idle_session_expires(admin_db: str) -> None:
    """A session unused for longer than the idle timeout is logged out with a notice."""
    at = open_data_as("editor1")
    at.session_state["auth_seen"] = dt.datetime.now() - dt.timedelta(hours=9)
    at.run()
    assert not at.file_uploader
    assert any("登录已超时" in w.value for w in at.warning)


# ---------------------------------------------------------------- upload


def test_editor_uploads_a_valid_file_and_the_pages_show_it(admin_db: str) -> None:
    """Preview 新增 1 → 确认导入 → written, audited with the file hash, shown on /livelihood."""
    body = csv_file(project_row("TEST-0001", name="便民服务站新建"))
    at = upload(open_data_as("editor1"), "新项目.csv", body)
    assert not at.exception
    preview = at.dataframe[0].value
    assert preview.to_dict("records") == [{"表": "民生实事", "新增": 1, "更新": 0, "未变": 0}]
    assert project_count(admin_db, "TEST-0001") == 0  # nothing before the confirmation
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    assert any("导入成功" in s.value for s in at.success)
    assert project_count(admin_db, "TEST-0001") == 1
    [entry] = audit.list_entries(make_engine(admin_db), actions=["import"])
    assert (entry.username, entry.source_file, entry.rows) == ("editor1", "新项目.csv", 1)
    assert entry.file_hash == audit.sha256_hex(body)
    page = open_page("livelihood", {"q": "TEST-0001"})
    assert "便民服务站新建" in frames_text(page)


def test_bad_rows_are_refused_with_every_row_listed_and_nothing_written(admin_db: str) -> None:
    """Three bad rows: three lines naming file, row and column; nothing written; audited."""
    body = csv_file(
        project_row("BAD-1", status="完成了"),
        project_row("BAD-2"),
        project_row("BAD-3", planned="2024-02-30"),
        project_row("BAD-4", amount="-3"),
    )
    before = project_count(admin_db)
    at = upload(open_data_as("editor1"), "有错.csv", body)
    assert not at.exception
    assert any("发现 3 处错误" in e.value for e in at.error)
    errors = at.dataframe[0].value
    assert errors[["文件", "行", "列"]].values.tolist() == [
        ["有错.csv", 2, "状态"],
        ["有错.csv", 4, "计划完成日期"],
        ["有错.csv", 5, "投资金额(万元)"],
    ]
    assert at.get("download_button")  # the error list as xlsx
    assert project_count(admin_db) == before
    assert not _has_key(at, "upload_confirm")
    [entry] = audit.list_entries(make_engine(admin_db), actions=["import_refused"])
    assert (entry.source_file, entry.file_hash) == ("有错.csv", audit.sha256_hex(body))


def _has_key(at, key: str) -> bool:  # type: ignore[no-untyped-def]
    return any(getattr(b, "key", None) == key for b in at.button)


def test_error_list_downloads_as_xlsx(admin_db: str) -> None:
    """The download holds the same rows as the table on screen."""
    from ingest.importer import plan_import

    body = csv_file(project_row("BAD-1", status="完成了"), project_row("BAD-2", amount="x"))
    result = plan_import(make_engine(admin_db), [("有错.csv", body)])
    workbook = openpyxl.load_workbook(io.BytesIO(model.issues_xlsx(result.errors)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("文件", "工作表", "行", "列", "原因")
    assert [r[2] for r in rows[1:]] == [2, 3]


def test_editor_cannot_write_another_communitys_rows(admin_db: str) -> None:
    """A row of another community is refused with a clear message; nothing is written."""
    body = csv_file(project_row("MINE-1"), project_row("THEIRS-1", community=OTHER_COMMUNITY))
    at = upload(open_data_as("editor1"), "两个社区.csv", body)
    errors = at.dataframe[0].value
    assert errors[["行", "列", "原因"]].values.tolist() == [[3, "社区", "无权写入该社区的数据"]]
    assert project_count(admin_db, "MINE-1") == 0


def test_a_renamed_program_is_refused_before_reading(admin_db: str) -> None:
    """An .exe renamed to .xlsx never reaches the importer: refused with the reason."""
    at = upload(open_data_as("editor1"), "报表.xlsx", b"MZ\x90\x00" + b"\x00" * 200)
    assert any("未通过安全检查" in e.value for e in at.error)
    assert "Windows 程序" in frames_text(at)
    assert not _has_key(at, "upload_confirm")


# ---------------------------------------------------------------- corrections


def _open_corrections_2020(username: str):  # type: ignore[no-untyped-def]
    at = open_data_as(username)
    at.number_input(key="fix_year").set_value(2020)
    return at.run()


def _editor_key(at) -> str:  # type: ignore[no-untyped-def]
    """The key of the correction editor on screen (it names the projects it lists)."""
    [key] = [key for key in at.session_state.to_dict() if key.startswith("fix_editor_")]
    return key


def _edit(at, edits: dict):  # type: ignore[no-untyped-def]
    state = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    at.session_state[_editor_key(at)] = state
    return at.run()


def _edit_and_save(at, edits: dict):  # type: ignore[no-untyped-def]
    at = _edit(at, edits)
    at.button(key="fix_save").click()
    return at.run()


def _editor_frame(at):  # type: ignore[no-untyped-def]
    return next(frame for frame in at.dataframe if frame.editing_mode == "fixed").value


def test_correction_is_saved_and_audited(admin_db: str) -> None:
    """Changing 投资金额 of one project saves it, moves the data version and is audited."""
    at = _open_corrections_2020("editor1")
    frame = _editor_frame(at)
    assert set(frame["社区"]) == {EDITOR_COMMUNITY[1]}
    code = frame.iloc[0]["项目编号"]
    at = _edit_and_save(at, {0: {"投资金额(万元)": 99.5}})
    assert not at.exception
    assert any("已保存 1 个项目" in s.value for s in at.success)
    engine = make_engine(admin_db)
    with engine.connect() as conn:
        amount = conn.execute(
            select(LivelihoodProject.investment).where(LivelihoodProject.code == code)
        ).scalar_one()
    assert amount == 99.5
    [entry] = audit.list_entries(engine, actions=["correction"])
    assert entry.username == "editor1" and code in entry.detail and "→99.5" in entry.detail


def test_correction_breaking_the_import_rule_is_refused(admin_db: str) -> None:
    """推进中 with a 完成日期 left in is refused like on import; nothing saved."""
    at = _open_corrections_2020("editor1")
    frame = _editor_frame(at)
    row = int(frame.index[frame["状态"] == "已完成"][0])
    at = _edit_and_save(at, {row: {"状态": "推进中"}})
    assert any("未保存任何更正" in e.value for e in at.error)
    assert "状态为推进中时完成日期必须为空" in frames_text(at)
    assert not audit.list_entries(make_engine(admin_db), actions=["correction"])


def test_an_edit_never_moves_to_another_project_when_the_list_changes(admin_db: str) -> None:
    """An edit of the only project listed is dropped when a new search lists another one.

    The editor keeps edits by row position; without the list in its key, the edit of row 1
    would be saved onto whichever project the new search puts in row 1.
    """
    at = _open_corrections_2020("editor1")
    first, second = (str(code) for code in _editor_frame(at)["项目编号"][:2])
    at.text_input(key="fix_search").input(first)
    at = _edit(at.run(), {0: {"受益户数": 4321}})
    assert at.button(key="fix_save").label.startswith("保存更正（1 个项目）")
    at.text_input(key="fix_search").input(second)
    at = at.run()
    assert list(_editor_frame(at)["项目编号"]) == [second]
    assert at.button(key="fix_save").label.startswith("保存更正（0 个项目）")
    engine = make_engine(admin_db)
    with engine.connect() as conn:
        households = conn.execute(
            select(LivelihoodProject.beneficiary_households).where(
                LivelihoodProject.code.in_([first, second])
            )
        ).scalars()
        assert 4321 not in list(households)
    assert not audit.list_entries(engine, actions=["correction"])


# ---------------------------------------------------------------- accounts, audit, settings


def test_admin_creates_an_account_through_the_form(admin_db: str) -> None:
    """The 新建账号 form creates an editor that can then log in."""
    at = open_data_as("admin1")
    at.text_input(key="new_user_name").input("editor2")
    at.selectbox(key="new_user_role").set_value("editor")
    at.multiselect(key="new_user_communities").set_value(["文化路街道/东风路社区"])
    at.text_input(key="new_user_password").input(PASSWORD)
    at.button(key="new_user_submit").click()
    at.run()
    assert any("已创建账号" in s.value for s in at.success)
    user = accounts.get_user(make_engine(admin_db), "editor2")
    assert user is not None and user.communities == (OTHER_COMMUNITY,)


def test_audit_log_lists_every_change(admin_db: str) -> None:
    """After an upload and a correction the admin's log shows both, with the file hash."""
    body = csv_file(project_row("TEST-0002"))
    at = upload(open_data_as("editor1"), "a.csv", body)
    at.button(key="upload_confirm").click()
    at.run()
    at = _open_corrections_2020("editor1")
    _edit_and_save(at, {0: {"受益户数": 7}})
    admin = open_data_as("admin1")
    log = next(f.value for f in admin.dataframe if "文件SHA-256" in f.value.columns)
    assert {"导入", "在线更正", "登录成功"} <= set(log["操作"])
    assert audit.sha256_hex(body) in set(log["文件SHA-256"])


def test_login_required_setting_guards_every_page(
    admin_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DASHBOARD_REQUIRE_LOGIN=1: the overview shows only the login form until one logs in."""
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    at = open_page()
    assert not at.metric
    assert at.text_input(key="login_username") is not None
    at = login(at, "viewer1")
    assert not at.exception
    assert at.metric


def test_pages_are_open_by_default(admin_db: str) -> None:
    """Without the setting the read-only pages need no login."""
    at = open_page()
    assert at.metric
    assert not [t for t in at.text_input if t.key == "login_username"]


def test_database_down_shows_a_message_and_recovers(
    admin_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing database: 数据库暂时无法连接, no traceback; once back, the page works."""
    import ui.data

    def down(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    real = ui.data.ensure_ready
    monkeypatch.setattr(ui.data, "ensure_ready", down)
    at = open_page()
    assert not at.exception
    assert any("数据库暂时无法连接" in e.value for e in at.error)
    monkeypatch.setattr(ui.data, "ensure_ready", real)
    at.button(key="db_retry").click()
    at.run()
    assert not at.exception
    assert at.metric


# ---------------------------------------------------------------- text from data is text


def _import_xss_project(url: str) -> str:
    from ingest.importer import import_files

    code = "XSS-0001"
    body = csv_file(project_row(code, name=XSS_NAME))
    result = import_files(make_engine(url), [("xss.csv", body)], user="test")
    assert result.ok, result.errors
    return code


@pytest.mark.parametrize(
    ("page", "params"),
    [("livelihood", {"q": "XSS-0001"}), ("weekly", {})],
)
def test_a_project_name_with_html_is_shown_as_text(admin_db: str, page: str, params) -> None:
    """``<img src=x onerror=alert(1)>`` appears literally in the page's tables, never as HTML."""
    _import_xss_project(admin_db)
    at = open_page(page, params)
    assert not at.exception
    assert XSS_NAME in frames_text(at)
    assert not at.get("html")
    assert "<img" not in texts(at)


def test_a_project_name_with_html_is_text_on_the_data_page(admin_db: str) -> None:
    """The correction table of /data holds the name as plain text."""
    _import_xss_project(admin_db)
    at = open_data_as("editor1")
    assert XSS_NAME in set(_editor_frame(at)["项目名称"])
    assert not at.get("html")
    assert "<img" not in texts(at)


def test_a_postgresql_database_that_comes_back_is_used_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL database that does not answer yet: the message; once there, the page."""
    import os
    import uuid

    import streamlit as st
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("TEST_PG_URL")
    if not admin_url:
        pytest.skip("PostgreSQL not configured (TEST_PG_URL unset)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("DATABASE_URL", f"{admin_url.rpartition('/')[0]}/{name}")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page()
    assert not at.exception
    assert any("数据库暂时无法连接" in e.value for e in at.error)
    server = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        at.button(key="db_retry").click()
        at.run(timeout=180)
        assert not at.exception
        assert at.metric
    finally:
        st.cache_resource.clear()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
