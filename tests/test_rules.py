"""Configurable 红黄绿 rules: an admin changes the yellow band, every surface judges with it.

One community is 12.1 points behind 序时进度 on 民生实事: red under the default 10-point band,
yellow under 15. The change goes through ``administration.settings`` (admins only, validated,
audited) or the /data 预警规则 tab, and the league, the big screen, the /weekly agenda and
the captions that explain the rule all follow it.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from conftest import open_page

from administration import audit, settings
from administration.accounts import User
from figures import meta
from figures.league import community_league
from figures.report import build_report, report_scope
from figures.scope import Scope
from figures.status import DEFAULT_RULES, Rules, load_rules, status_against, year_elapsed
from reporting.alerts import red_items
from storage.db import get_engine
from tests.report_rows import Rows
from ui import screen_model as sm
from ui import weekly_model as wm

AS_OF = dt.date(2026, 6, 30)  # 序时进度 by day: 181/365 = 49.6%
BEHIND = ("甲街道", "一社区")  # 3 of 8 projects done: 37.5%, 12.1 points behind
AHEAD = ("甲街道", "二社区")
ADMIN = User("admin1", "admin")
EDITOR = User("editor1", "editor", (BEHIND,))
VIEWER = User("viewer1", "viewer")


@pytest.fixture
def rows(engine):
    """BEHIND at 37.5% (no project overdue), AHEAD at 100%."""
    r = Rows(engine)
    for _ in range(3):
        r.project(BEHIND, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    for _ in range(5):
        r.project(BEHIND, "推进中", dt.date(2026, 12, 1))
    r.project(AHEAD, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    return r


def _league_status(engine) -> str | None:  # type: ignore[no-untyped-def]
    league = community_league(engine, Scope(date_to=AS_OF))
    return next(row.livelihood_status for row in league if row.community == BEHIND[1])


def _screen_status(engine) -> str:  # type: ignore[no-untyped-def]
    scope = Scope(subdistrict=BEHIND[0], date_to=AS_OF)  # one subdistrict: bare 社区 labels
    data = sm.load_screen_data(engine, scope, dt.datetime.now())
    spec = sm.livelihood_chart(data)
    assert spec is not None
    frame = spec.frame.set_index("社区")
    return str(frame.loc[BEHIND[1], "状态"])


def _agenda_places(engine) -> set[str]:  # type: ignore[no-untyped-def]
    report = build_report(engine, AS_OF)
    league = community_league(engine, report_scope(AS_OF))
    agenda = wm.agenda_frame(report, league, [], load_rules(engine))
    return set(agenda.loc[agenda["领域"] == "民生实事", "对象"])


def test_the_gap_is_twelve_points():
    """The fixture's premise: 37.5% against 49.6% is 12.1 points behind."""
    assert (year_elapsed(AS_OF) - 3 / 8) * 100 == pytest.approx(12.09, abs=0.01)


def test_defaults_without_a_saved_rule(engine, rows):
    """A fresh database judges with the 10-point band."""
    assert load_rules(engine) == DEFAULT_RULES == Rules(10.0)
    assert _league_status(engine) == "red"


def test_widening_the_band_turns_red_to_yellow_on_every_surface(engine, rows):
    """Band 15: the league, the big screen and the /weekly agenda all see yellow, not red."""
    place = f"{BEHIND[0]} {BEHIND[1]}"
    assert _league_status(engine) == "red"
    assert _screen_status(engine) == "滞后"
    assert place in _agenda_places(engine)

    settings.change_yellow_band(engine, ADMIN, 15)

    assert load_rules(engine) == Rules(15.0)
    assert _league_status(engine) == "yellow"
    assert _screen_status(engine) == "预警"
    assert place not in _agenda_places(engine)
    report = build_report(engine, AS_OF)
    league = community_league(engine, report_scope(AS_OF))
    alerts = red_items(report, league, [], load_rules(engine))
    assert all(item.place != place for item in alerts)


def test_narrowing_the_band_back_turns_it_red_again(engine, rows):
    """The newest saved rule is in force: 15 then 10 is red again."""
    settings.change_yellow_band(engine, ADMIN, 15)
    settings.change_yellow_band(engine, ADMIN, "10")
    assert _league_status(engine) == "red"


def test_a_change_is_audited_with_old_and_new_and_moves_the_data_version(engine, rows):
    """The audit log names the admin and 10 → 15; cached page results are keyed anew."""
    version = meta.data_version(engine)
    settings.change_yellow_band(engine, ADMIN, 15)
    assert meta.data_version(engine) > version
    entries = audit.list_entries(engine, actions=["rules_changed"])
    assert [(e.username, e.action_label) for e in entries] == [("admin1", "修改预警规则")]
    assert "10 → 15 个百分点" in entries[0].detail


def test_saving_the_same_band_changes_nothing(engine, rows):
    """No new version and no audit entry when the band is what it was."""
    version = meta.data_version(engine)
    settings.change_yellow_band(engine, ADMIN, 10)
    assert meta.data_version(engine) == version
    assert not audit.list_entries(engine, actions=["rules_changed"])


@pytest.mark.parametrize("user", [EDITOR, VIEWER])
def test_only_an_admin_may_change_the_rules(engine, rows, user):
    """An editor or a viewer is refused in the data layer; nothing saved, nothing logged."""
    with pytest.raises(settings.RulesError, match="只有管理员可以修改预警规则"):
        settings.change_yellow_band(engine, user, 15)
    assert load_rules(engine) == DEFAULT_RULES
    assert not audit.list_entries(engine, actions=["rules_changed"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "必须大于 0 且不超过 50 个百分点"),
        (-5, "必须大于 0 且不超过 50 个百分点"),
        (50.5, "必须大于 0 且不超过 50 个百分点"),
        ("十", "必须是数字"),
        (math.nan, "必须是数字"),
        (math.inf, "必须是数字"),
    ],
)
def test_invalid_bands_are_refused_in_chinese(engine, rows, value, message):
    """Out of (0, 50] or not a number: refused with the reason; the rules stay as they were."""
    with pytest.raises(settings.RulesError, match=message):
        settings.change_yellow_band(engine, ADMIN, value)
    assert load_rules(engine) == DEFAULT_RULES


@pytest.mark.parametrize(("band", "status"), [(10.0, "red"), (12.0, "red"), (15.0, "yellow")])
def test_status_against_takes_the_band_it_is_given(band, status):
    """12.1 points behind: red under 10 and 12, yellow under 15; on plan is green under any."""
    assert status_against(3 / 8, year_elapsed(AS_OF), Rules(band)) == status
    assert status_against(0.5, 0.5, Rules(band)) == "green"


def test_the_rule_sentence_states_the_configured_band():
    """Every caption that explains the colours says the band in force."""
    assert "落后不超过 10 个百分点为黄" in DEFAULT_RULES.sentence()
    assert "落后不超过 12.5 个百分点为黄" in Rules(12.5).sentence()


# ------------------------------------------------------------------ the /data tab, in AppTest

PASSWORD = "correct-horse-1"


@pytest.fixture
def admin_db(app_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo database with an admin and an editor."""
    from administration import accounts

    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)
    engine = get_engine(app_db)
    accounts.create_user(engine, "admin1", PASSWORD, "admin")
    accounts.create_user(engine, "editor1", PASSWORD, "editor", [("新华路街道", "货场路社区")])
    return app_db


def _data_page_as(username: str):  # type: ignore[no-untyped-def]
    at = open_page("data_admin")
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click()
    return at.run()


def _red_on_livelihood(url: str) -> tuple[tuple[str, str], float]:
    """A demo community red on 民生实事 today, and a band that would make it yellow."""
    today = dt.date.today()
    expected = year_elapsed(today)
    league = community_league(get_engine(url), Scope(date_to=today))
    gaps = sorted(
        ((expected - row.livelihood_rate) * 100, (row.subdistrict, row.community))
        for row in league
        if row.livelihood_status == "red" and row.livelihood_rate is not None
    )
    gap, community = next((g, c) for g, c in gaps if g < 45)
    return community, float(math.floor(gap) + 2)


def _overview_mark(place: tuple[str, str]) -> str:
    """The league table's 民生实事 mark of one community on the overview page."""
    at = open_page()
    assert not at.exception
    table = at.dataframe[0].value
    row = table[(table["街道"] == place[0]) & (table["社区"] == place[1])]
    return str(row["民生实事"].iloc[0])


def test_admin_changes_the_band_on_data_and_the_overview_follows(admin_db):
    """预警规则 tab: the new band is saved and audited; the overview's caption and colours follow."""
    community, band = _red_on_livelihood(admin_db)
    before = open_page()
    assert "落后不超过 10 个百分点为黄" in " ".join(c.value for c in before.caption)
    assert _overview_mark(community) == "● 滞后"

    at = _data_page_as("admin1")
    assert "落后不超过 10 个百分点为黄" in " ".join(m.value for m in at.markdown)
    at.number_input(key="rules_yellow_points").set_value(band)
    at.button(key="rules_submit").click()
    at.run()
    assert not at.exception and not at.error
    assert f"落后不超过 {band:g} 个百分点为黄" in " ".join(s.value for s in at.success)

    assert load_rules(get_engine(admin_db)) == Rules(band)
    entries = audit.list_entries(get_engine(admin_db), actions=["rules_changed"])
    assert [e.username for e in entries] == ["admin1"]
    assert f"10 → {band:g} 个百分点" in entries[0].detail

    after = open_page()
    assert f"落后不超过 {band:g} 个百分点为黄" in " ".join(c.value for c in after.caption)
    assert _overview_mark(community) == "● 预警"


def test_an_invalid_band_on_data_is_refused_with_a_chinese_message(admin_db):
    """60 points is outside (0, 50]: an error in Chinese, the rules unchanged, nothing logged."""
    at = _data_page_as("admin1")
    at.number_input(key="rules_yellow_points").set_value(60.0)
    at.button(key="rules_submit").click()
    at.run()
    assert "黄色区间必须大于 0 且不超过 50 个百分点（当前为 60）" in " ".join(
        e.value for e in at.error
    )
    assert load_rules(get_engine(admin_db)) == DEFAULT_RULES
    assert not audit.list_entries(get_engine(admin_db), actions=["rules_changed"])


def test_an_editor_has_no_rules_tab(admin_db):
    """The tab is an admin's: an editor's /data has no 预警规则 and no form to change them."""
    at = _data_page_as("editor1")
    assert "预警规则" not in [tab.label for tab in at.tabs]
    with pytest.raises(KeyError):
        at.number_input(key="rules_yellow_points")


def test_captions_on_weekly_and_volunteers_state_the_configured_band(admin_db):
    """The captions that explain the colours say the band in force, not a fixed 10."""
    import streamlit as st

    settings.change_yellow_band(get_engine(admin_db), User("admin1", "admin"), 12.5)
    st.cache_data.clear()
    weekly = open_page("weekly")
    assert not weekly.exception
    assert "落后应完成比例超过 12.5 个百分点" in " ".join(c.value for c in weekly.caption)
    volunteers = open_page("volunteers")
    assert not volunteers.exception
    assert "差距不超过目标的 12.5% 为黄" in " ".join(c.value for c in volunteers.caption)
