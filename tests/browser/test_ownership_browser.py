"""An editor cannot reach past their communities in a real Chromium, and logins lock at 5.

Issue 9 (security): an editor of 花园路街道/纬五路社区 uploading a 民生实事 row that reuses
another community's 项目编号 with 纬五路社区 on it was told "导入成功" and took the project
over. Now the upload is refused with the reason on the page, and so is an online correction of
a project that is no longer theirs; the database stays as it was. Ten browser sessions
submitting wrong passwords at once lock the account after exactly 5 counted failures.

The module runs its own server on a database prepared beforehand (the small demo plus the
accounts), so what it does never changes what the other browser tests see.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from administration import accounts, audit
from ingest.importer import import_files
from storage.db import make_engine
from storage.models import Community, LivelihoodProject

from .conftest import (
    EXCEPTION_BOX,
    VIEWPORT,
    save_screenshot,
    sqlite_url,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-1"
MINE = ("花园路街道", "纬五路社区")
HEADER = "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数"
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
GRID = '[data-testid="stDataFrame"]'
LAST_COLUMN = 10  # 受益户数, the correction table's last column (项目编号 is column 0)
SESSIONS = 10


def projects(workdir: Path) -> list[tuple[str, tuple[str, str], float]]:
    """``(code, (街道, 社区), 受益户数)`` of this year's projects, by code."""
    engine = make_engine(sqlite_url(workdir))
    query = (
        select(
            LivelihoodProject.code,
            Community.subdistrict,
            Community.name,
            LivelihoodProject.beneficiary_households,
        )
        .join(Community, Community.id == LivelihoodProject.community_id)
        .where(LivelihoodProject.year == dt.date.today().year)
        .order_by(LivelihoodProject.code)
    )
    with engine.connect() as conn:
        rows = [(code, (s, n), float(i)) for code, s, n, i in conn.execute(query)]
    engine.dispose()
    return rows


def project(workdir: Path, code: str) -> tuple[tuple[str, str], float]:
    [(place, investment)] = [(p, i) for c, p, i in projects(workdir) if c == code]
    return place, investment


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, demo_db_template: Path) -> Path:
    """The small demo (a copy of the run's ``demo_db_template``), an editor of 纬五路社区, an
    admin, and a lock-test account."""
    workdir = tmp_path_factory.mktemp("ownership")
    shutil.copyfile(demo_db_template, workdir / "dashboard.db")
    engine = make_engine(sqlite_url(workdir))
    accounts.create_user(engine, "ward_editor", PASSWORD, "editor", [MINE])
    accounts.create_user(engine, "lock_target", PASSWORD, "editor", [MINE])
    engine.dispose()
    return workdir


@pytest.fixture(scope="module")
def url(workdir: Path) -> Iterator[str]:
    with streamlit_server(workdir) as base_url:
        yield base_url


def mine_and_theirs(workdir: Path) -> tuple[str, str, tuple[str, str]]:
    """A project of 纬五路社区 and one of another community of the same 街道."""
    rows = projects(workdir)
    mine = next(code for code, place, _ in rows if place == MINE)
    theirs, owner = next((c, p) for c, p, _ in rows if p != MINE and p[0] == MINE[0])
    return mine, theirs, owner


def project_line(code: str, place: tuple[str, str], name: str) -> str:
    today = dt.date.today()
    values = [code, *place, name, "便民服务", today.year, today, "推进中", "", "5", "20"]
    return ",".join(str(v) for v in values)


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/data", wait_until="domcontentloaded")
    wait_for_app(page, "数据管理需要登录")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_an_upload_cannot_take_over_another_communitys_project(
    page: Page, url: str, workdir: Path
) -> None:
    """Reusing their 项目编号 with 纬五路社区 on the row: the Chinese refusal, nothing moves."""
    _, theirs, owner = mine_and_theirs(workdir)
    before = project(workdir, theirs)
    log_in(page, url, "ward_editor")
    wait_for_app(page, "当前登录")
    body = (HEADER + "\n" + project_line(theirs, MINE, "改成我社区的项目") + "\n").encode()
    page.locator(FILE_INPUT).set_input_files(
        files=[{"name": "抢项目.csv", "mimeType": "text/csv", "buffer": body}]
    )
    wait_for_app(page, "发现 1 处错误")
    refusal = f"项目编号 {theirs} 属于其他社区（{owner[0]}/{owner[1]}），无权修改"
    page.get_by_text(refusal).first.wait_for(state="attached")
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert page.get_by_text("导入成功").count() == 0
    save_screenshot(page, "ownership_upload_refused")
    assert project(workdir, theirs) == before
    assert page.locator(EXCEPTION_BOX).count() == 0


def test_a_correction_cannot_reach_another_community(page: Page, url: str, workdir: Path) -> None:
    """Their project is never offered, not even one moved away while the table was open.

    (Were it saved anyway, ``apply_corrections`` refuses it under the writers' lock:
    ``tests/test_ownership.py``.)
    """
    mine, theirs, owner = mine_and_theirs(workdir)
    log_in(page, url, "ward_editor")
    wait_for_app(page, "当前登录")
    page.get_by_role("tab", name="在线更正").click()
    search = page.get_by_label("搜索项目")
    search.fill(theirs)
    search.press("Enter")
    wait_for_app(page, "没有可更正的项目")

    search.fill(mine)
    search.press("Enter")
    wait_for_app(page, "共 1 个项目")
    # While the table is open, an admin moves the project to another community.
    engine = make_engine(sqlite_url(workdir))
    move = (HEADER + "\n" + project_line(mine, owner, "已划归其他社区") + "\n").encode()
    assert import_files(engine, [("划转.csv", move)], user="admin").ok
    engine.dispose()
    before = project(workdir, mine)
    assert before[0] == owner

    grid = page.locator(GRID).last
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # first row, 项目编号
    for _ in range(LAST_COLUMN + 2):  # extra presses stay on the last column
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    page.keyboard.type("99")  # typing on a selected cell opens its editor with the text
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    # The edit reruns the page, which reads the projects again: the moved one is gone.
    wait_for_app(page, "没有可更正的项目")
    assert page.get_by_role("button", name=re.compile("保存更正")).count() == 0
    save_screenshot(page, "ownership_correction_refused")
    assert project(workdir, mine) == before
    engine = make_engine(sqlite_url(workdir))
    assert audit.list_entries(engine, actions=["correction"], username="ward_editor") == []
    engine.dispose()
    assert page.locator(EXCEPTION_BOX).count() == 0


def test_ten_parallel_wrong_passwords_lock_at_exactly_five(
    browser: Browser, url: str, workdir: Path
) -> None:
    """Ten sessions submit a wrong password at once: 5 counted, the rest meet the lock."""
    contexts = [
        browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        for _ in range(SESSIONS)
    ]
    try:
        pages = [context.new_page() for context in contexts]
        for session in pages:
            session.set_default_timeout(60_000)
            session.goto(f"{url}/data", wait_until="domcontentloaded")
            wait_for_app(session, "数据管理需要登录")
            session.get_by_label("用户名").fill("lock_target")
            session.get_by_label("密码").fill("wrong-password")
        buttons = [session.get_by_role("button", name="登录") for session in pages]
        for button in buttons:  # submitted back to back: the server checks them in parallel
            button.click(no_wait_after=True)
        for session in pages:
            session.get_by_text(re.compile("用户名或密码错误|已锁定")).first.wait_for(
                state="attached", timeout=120_000
            )
        engine = make_engine(sqlite_url(workdir))
        reasons = [
            e.detail
            for e in audit.list_entries(engine, actions=["login_failed"], username="lock_target")
        ]
        with engine.connect() as conn:
            locked_until = conn.execute(
                select(accounts.UserAccount.locked_until).where(
                    accounts.UserAccount.username == "lock_target"
                )
            ).scalar_one()
        engine.dispose()
        assert len(reasons) == SESSIONS
        assert sum(r.startswith("密码错误") for r in reasons) == accounts.MAX_FAILURES
        assert reasons.count("账号锁定中") == SESSIONS - accounts.MAX_FAILURES
        assert locked_until is not None and locked_until > dt.datetime.now()

        session = pages[0]
        log_in(session, url, "lock_target")
        session.get_by_text(re.compile("账号已锁定")).first.wait_for(state="attached")
        assert session.get_by_text("当前登录").count() == 0
        save_screenshot(session, "ownership_locked")
    finally:
        for context in contexts:
            context.close()
