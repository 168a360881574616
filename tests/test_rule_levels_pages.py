"""The five-level rule on /data and on every page, in AppTest (issue 10, item 3).

An admin switches /data's 预警规则 to five levels with tight thresholds (预警 up to 3 points
behind, 严重滞后 beyond 4, 超前 from 0.1 ahead); the change is validated in Chinese, refused
to non-admins and audited. Then every page and each section of the big screen say 严重滞后
where they said 滞后, and every status legend lists the five words instead of three.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pyarrow as pa
import pytest
from conftest import open_page
from direct import PAGES, open_direct

from administration import accounts, audit
from figures.status import DEFAULT_RULES, Rules, load_rules
from storage.db import get_engine
from ui import screen_model as sm

PASSWORD = "correct-horse-1"
TIGHT = Rules(yellow_points=3.0, levels=5, ahead_points=0.1, severe_points=4.0)
THREE_WORDS = ["正常", "预警", "滞后"]
FIVE_WORDS = ["超前", "正常", "预警", "滞后", "严重滞后"]
ROTATION_KEY = "screen_rotation"  # views/screen.py
# The pages that draw a status-coloured chart (and so a legend of the status words).
CHART_PAGES = {"overview", "livelihood", "census", "volunteers"}


@pytest.fixture
def admin_db(app_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database with an admin, an editor and a viewer."""
    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)
    engine = get_engine(app_db)
    accounts.create_user(engine, "admin1", PASSWORD, "admin")
    accounts.create_user(engine, "editor1", PASSWORD, "editor", [("新华路街道", "货场路社区")])
    accounts.create_user(engine, "viewer1", PASSWORD, "viewer")
    return app_db


def _data_page_as(username: str):  # type: ignore[no-untyped-def]
    at = open_page("data_admin")
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click()
    return at.run()


def _submit(at, levels: int, band: float, ahead: float, severe: float):  # type: ignore[no-untyped-def]
    """Fill the 预警规则 form as an admin does and save it."""
    at.radio(key="rules_levels").set_value(levels)
    at.number_input(key="rules_yellow_points").set_value(band)
    at.number_input(key="rules_ahead_points").set_value(ahead)
    at.number_input(key="rules_severe_points").set_value(severe)
    at.button(key="rules_submit").click()
    return at.run()


def _switch_to_tight(url: str) -> None:
    at = _data_page_as("admin1")
    at = _submit(at, 5, TIGHT.yellow_points, TIGHT.ahead_points, TIGHT.severe_points)
    assert not at.exception and not at.error
    assert load_rules(get_engine(url)) == TIGHT


# ------------------------------------------------------------------ what a page says


def _legends(node: Any) -> list[list[str]]:
    """Every colour scale domain made of status words, anywhere in a Vega-Lite spec."""
    found = []
    if isinstance(node, dict):
        domain = node.get("domain")
        if isinstance(domain, list) and "正常" in domain:
            found.append(domain)
        for value in node.values():
            found += _legends(value)
    elif isinstance(node, list):
        for value in node:
            found += _legends(value)
    return found


def _arrow_text(payload: bytes) -> str:
    """A chart's data as CSV (the bars' status words travel with the chart, not its spec)."""
    return pa.ipc.open_stream(payload).read_all().to_pandas().to_csv()


def _block_ids(node: Any) -> list[str]:
    """The keyed containers' ids (the big screen colours a figure by its container's key)."""
    ids = []
    proto = getattr(node, "proto", None)
    block_id = getattr(proto, "id", "") if proto is not None else ""
    if isinstance(block_id, str) and block_id:
        ids.append(block_id)
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            ids += _block_ids(child)
    return ids


def _reading(at) -> tuple[str, list[list[str]]]:  # type: ignore[no-untyped-def]
    """All text a person reads on the page (tables included) and the status legends."""
    assert not at.exception
    parts = [e.value for kind in ("markdown", "caption", "success") for e in getattr(at, kind)]
    parts += [table.value.to_csv() for table in at.dataframe]
    parts += _block_ids(at._tree)  # noqa: SLF001 (the screen's status classes)
    legends = []
    for chart in at.get("vega_lite_chart"):
        legends += _legends(json.loads(chart.proto.spec))
        parts += [_arrow_text(named.data.data) for named in chart.proto.datasets]
        if chart.proto.data.data:
            parts.append(_arrow_text(chart.proto.data.data))
    return "\n".join(parts), legends


def _screen_sections() -> list[tuple[str, list[list[str]]]]:
    """The big screen's five sections, each held on screen by its rotation state."""
    at = open_direct("screen")
    readings = [_reading(at)]
    for index in range(1, len(sm.SECTIONS)):
        at.session_state[ROTATION_KEY] = sm.Rotation(index, time.time())
        at.run()
        readings.append(_reading(at))
    return readings


def _every_surface() -> dict[str, list[tuple[str, list[list[str]]]]]:
    surfaces = {page: [_reading(open_direct(page))] for page in PAGES if page != "data_admin"}
    surfaces["screen"] = _screen_sections()
    return surfaces


def test_changing_the_rule_on_data_changes_every_page_and_the_screen(admin_db):
    """Before: 红黄绿 words and three-word legends everywhere. After the admin's switch on
    /data: 严重滞后 on every page and the screen, five-word legends on every status chart."""
    before = _every_surface()
    assert set(before) == set(PAGES) - {"data_admin"}
    for page, readings in before.items():
        text = "\n".join(t for t, _ in readings)
        legends = [legend for _, ls in readings for legend in ls]
        assert "严重滞后" not in text and "超前" not in text and "-severe-" not in text, page
        assert all(legend == THREE_WORDS for legend in legends), page
        if page in CHART_PAGES | {"screen"}:
            assert legends, page

    _switch_to_tight(admin_db)

    after = _every_surface()
    for page, readings in after.items():
        text = "\n".join(t for t, _ in readings)
        legends = [legend for _, ls in readings for legend in ls]
        assert "严重滞后" in text or "screen-value-severe" in text, page
        assert all(legend == FIVE_WORDS for legend in legends), page
        if page in CHART_PAGES | {"screen"}:
            assert legends, page
    overview_text = after["overview"][0][0]
    assert TIGHT.sentence() in overview_text
    assert "● 严重滞后" in overview_text
    screen_text = "\n".join(t for t, _ in after["screen"])
    assert "screen-value-severe" in screen_text
    weekly_text = after["weekly"][0][0]
    assert "红色（滞后、严重滞后）：落后应完成比例超过 3 个百分点" in weekly_text
    assert TIGHT.target_sentence() in after["volunteers"][0][0]


# ------------------------------------------------------------------ the /data panel


def test_admin_switches_to_five_levels_on_data_and_it_is_audited(admin_db):
    """The form saves the mode and the thresholds; the panel states the five levels; the
    audit log names the admin and the change; switching back restores 红黄绿."""
    at = _data_page_as("admin1")
    assert "正常 / 预警 / 滞后" in " ".join(m.value for m in at.markdown)
    at = _submit(at, 5, 8.0, 2.0, 15.0)
    assert not at.exception and not at.error
    saved = Rules(8.0, levels=5, ahead_points=2.0, severe_points=15.0)
    assert load_rules(get_engine(admin_db)) == saved
    assert saved.sentence() in " ".join(s.value for s in at.success)
    assert "超前 / 正常 / 预警 / 滞后 / 严重滞后" in " ".join(m.value for m in at.markdown)
    entries = audit.list_entries(get_engine(admin_db), actions=["rules_changed"])
    assert [(e.username, e.action_label) for e in entries] == [("admin1", "修改预警规则")]
    assert "三级（黄色区间 10） → 五级（超前 2、黄色区间 8、严重滞后 15）" in entries[0].detail

    at = _submit(at, 3, 8.0, 2.0, 15.0)
    assert not at.error
    assert load_rules(get_engine(admin_db)) == Rules(
        8.0, levels=3, ahead_points=2.0, severe_points=15.0
    )
    assert len(audit.list_entries(get_engine(admin_db), actions=["rules_changed"])) == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((5, 10.0, 5.0, 8.0), "严重滞后阈值必须大于黄色区间（当前黄色区间 10，严重滞后阈值 8）"),
        ((5, 10.0, 0.0, 20.0), "超前阈值必须大于 0 且不超过 50 个百分点（当前为 0）"),
        ((5, 10.0, 5.0, 120.0), "严重滞后阈值必须大于 0 且不超过 100 个百分点（当前为 120）"),
    ],
)
def test_bad_thresholds_on_data_are_refused_in_chinese(admin_db, values, message):
    """An error in Chinese; the rules unchanged; nothing logged."""
    at = _submit(_data_page_as("admin1"), *values)
    assert message in " ".join(e.value for e in at.error)
    assert load_rules(get_engine(admin_db)) == DEFAULT_RULES
    assert not audit.list_entries(get_engine(admin_db), actions=["rules_changed"])


@pytest.mark.parametrize("username", ["editor1", "viewer1"])
def test_a_non_admin_has_no_rules_form(admin_db, username):
    """No 预警规则 tab and no mode switch for an editor or a viewer."""
    at = _data_page_as(username)
    assert not at.exception
    assert "预警规则" not in [tab.label for tab in at.tabs]
    with pytest.raises(KeyError):
        at.radio(key="rules_levels")
