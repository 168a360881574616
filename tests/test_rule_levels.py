"""Five-level rules (超前/正常/预警/滞后/严重滞后) beside the three-level default (issue 10, item 3).

The engine at every boundary in both modes; the helpers consumers use instead of comparing
status strings; migration 0006 from a database at 0005 (SQLite and PostgreSQL); the admin-only,
validated, audited change in the data layer; the red family (滞后 + 严重滞后) on agendas and
alerts; the status words of the printed pack.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from alembic import command
from sqlalchemy import inspect, text

from administration import audit, settings
from administration.accounts import User
from figures import meta
from figures.league import community_league
from figures.report import build_report, report_scope
from figures.scope import Scope
from figures.status import (
    DEFAULT_RULES,
    STATUS_COLORS,
    STATUS_LABELS,
    Rules,
    is_behind,
    load_rules,
    needs_attention,
    severity,
    status_against,
)
from reporting.alerts import red_items
from storage.db import _alembic_config, migrate
from tests.report_rows import Rows
from ui import format as fmt
from ui import tables
from ui import weekly_model as wm

FIVE = Rules(yellow_points=10.0, levels=5, ahead_points=5.0, severe_points=20.0)
ADMIN = User("admin1", "admin")
AS_OF = dt.date(2026, 6, 30)  # 序时进度 by day: 181/365 = 49.6%
BEHIND = ("甲街道", "一社区")  # 3 of 8 projects done: 37.5%, 12.1 points behind
AHEAD = ("甲街道", "二社区")  # 1 of 1 done: 100%, far ahead


# ------------------------------------------------------------------ the engine at its boundaries


@pytest.mark.parametrize(
    ("gap_points", "status"),
    [
        (30.0, "ahead"),
        (5.0, "ahead"),  # exactly A ahead: 超前
        (4.9, "green"),
        (0.0, "green"),
        (-0.04, "green"),  # reads 0.0 个百分点（持平）
        (-0.06, "yellow"),
        (-10.0, "yellow"),  # exactly the yellow band: still 预警
        (-10.1, "red"),
        (-20.0, "red"),  # exactly B behind: still 滞后
        (-20.1, "severe"),
        (-60.0, "severe"),
    ],
)
def test_five_levels_at_every_boundary(gap_points, status):
    """A points ahead or more 超前; on pace 正常; up to the band 预警; up to B 滞后; beyond 严重滞后."""
    expected = 0.7
    assert status_against(expected + gap_points / 100, expected, FIVE) == status


@pytest.mark.parametrize(
    ("gap_points", "status"),
    [(30.0, "green"), (5.0, "green"), (0.0, "green"), (-10.0, "yellow"), (-10.1, "red")],
)
def test_three_levels_ignore_the_five_level_thresholds(gap_points, status):
    """Three levels never say 超前 or 严重滞后, whatever thresholds are stored with them."""
    rules = Rules(10.0, levels=3, ahead_points=1.0, severe_points=11.0)
    assert status_against(0.7 + gap_points / 100, 0.7, rules) == status
    assert status_against(0.0, 1.0, rules) == "red"


def test_unknown_figures_stay_unjudged_in_both_modes():
    assert status_against(None, 0.5, FIVE) is None
    assert status_against(0.5, None, DEFAULT_RULES) is None


def test_the_red_family_and_the_severity_order():
    """滞后 and 严重滞后 are behind; 预警 needs attention too; the order runs best to worst."""
    assert [key for key in STATUS_LABELS if is_behind(key)] == ["red", "severe"]
    assert [key for key in STATUS_LABELS if needs_attention(key)] == ["yellow", "red", "severe"]
    assert sorted(STATUS_LABELS, key=severity) == ["ahead", "green", "yellow", "red", "severe"]
    assert not is_behind(None) and not needs_attention(None) and severity(None) < 0


def test_each_mode_lists_its_own_levels_words_and_colours():
    """A legend lists three words under three levels and five under five, from one palette."""
    assert fmt.legend_words(DEFAULT_RULES) == ["正常", "预警", "滞后"]
    assert fmt.legend_words(FIVE) == ["超前", "正常", "预警", "滞后", "严重滞后"]
    assert fmt.legend_colors(FIVE) == [STATUS_COLORS[key] for key in FIVE.statuses]
    assert len(set(STATUS_COLORS.values())) == 5
    assert fmt.status_mark("severe") == "● 严重滞后" and fmt.status_word("ahead") == "超前"
    assert DEFAULT_RULES.behind_words == "滞后" and FIVE.behind_words == "滞后、严重滞后"


def test_the_sentence_explains_whichever_mode_is_on():
    """The caption's sentence: 红黄绿 with the band, or the five levels with all thresholds."""
    assert (
        DEFAULT_RULES.sentence() == "达到或快于序时进度为绿，落后不超过 10 个百分点为黄，更多为红"
    )
    five = FIVE.sentence("计划进度")
    assert "快于计划进度 5 个百分点及以上为超前" in five
    assert "达到或快于计划进度为正常" in five
    assert "落后不超过 10 个百分点为预警" in five
    assert "落后不超过 20 个百分点为滞后，更多为严重滞后" in five
    assert "差距不超过目标的 10% 为预警，不超过 20% 为滞后" in FIVE.target_sentence()


# ------------------------------------------------------------------ migration 0006


def test_a_database_at_0005_upgrades_and_keeps_its_band(engine):
    """Down to 0005, a saved 15-point band; up to head: three levels, band 15, default
    thresholds; the colours of an existing database do not change on upgrade."""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    columns = {c["name"] for c in inspect(engine).get_columns("rule_setting")}
    assert "levels" not in columns
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO rule_setting (yellow_points, changed_by, changed_at) "
                "VALUES (:band, 'admin1', :at)"
            ),
            {"band": 15.0, "at": dt.datetime(2026, 12, 1, 9, 0)},
        )
    migrate(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("rule_setting")}
    assert {"levels", "ahead_points", "severe_points"} <= columns
    assert load_rules(engine) == Rules(15.0, levels=3, ahead_points=5.0, severe_points=20.0)


# ------------------------------------------------------------------ the change, in the data layer


def test_an_admin_switches_to_five_levels_audited(engine):
    """The newest row rules; the audit log says old → new; cached results are keyed anew."""
    version = meta.data_version(engine)
    saved = settings.change_rules(
        engine, ADMIN, levels=5, yellow_points=10, ahead_points="5", severe_points=20
    )
    assert saved == FIVE == load_rules(engine)
    assert meta.data_version(engine) > version
    entries = audit.list_entries(engine, actions=["rules_changed"])
    assert [(e.username, e.action_label) for e in entries] == [("admin1", "修改预警规则")]
    assert "三级（黄色区间 10） → 五级（超前 5、黄色区间 10、严重滞后 20）" in entries[0].detail

    settings.change_rules(
        engine, ADMIN, levels=5, yellow_points=8, ahead_points=3, severe_points=25
    )
    detail = audit.list_entries(engine, actions=["rules_changed"])[0].detail
    assert "黄色区间：落后不超过 10 → 8 个百分点" in detail
    assert "超前阈值：快于 5 → 3 个百分点" in detail
    assert "严重滞后阈值：落后超过 20 → 25 个百分点" in detail

    settings.change_yellow_band(engine, ADMIN, 9)  # the band alone keeps the mode
    assert load_rules(engine) == Rules(9.0, levels=5, ahead_points=3.0, severe_points=25.0)
    settings.change_rules(
        engine, ADMIN, levels=3, yellow_points=9, ahead_points=3, severe_points=25
    )
    assert load_rules(engine).levels == 3


@pytest.mark.parametrize("user", [User("editor1", "editor"), User("viewer1", "viewer")])
def test_only_an_admin_may_switch_the_mode(engine, user):
    with pytest.raises(settings.RulesError, match="只有管理员可以修改预警规则"):
        settings.change_rules(
            engine, user, levels=5, yellow_points=10, ahead_points=5, severe_points=20
        )
    assert load_rules(engine) == DEFAULT_RULES
    assert not audit.list_entries(engine, actions=["rules_changed"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((4, 10, 5, 20), "规则级数只能是三级或五级（当前为「4」）"),
        (("五", 10, 5, 20), "规则级数只能是三级或五级"),
        ((5, 0, 5, 20), "黄色区间必须大于 0 且不超过 50 个百分点"),
        ((5, 10, 0, 20), "超前阈值必须大于 0 且不超过 50 个百分点（当前为 0）"),
        ((5, 10, 50.5, 20), "超前阈值必须大于 0 且不超过 50 个百分点"),
        ((5, 10, "快", 20), "超前阈值必须是数字（当前为「快」）"),
        ((5, 10, 5, 10), "严重滞后阈值必须大于黄色区间（当前黄色区间 10，严重滞后阈值 10）"),
        ((5, 10, 5, 100.5), "严重滞后阈值必须大于 0 且不超过 100 个百分点"),
        ((5, 10, 5, math.nan), "严重滞后阈值必须是数字"),
        ((3, 10, 5, -1), "严重滞后阈值必须大于 0 且不超过 100 个百分点"),
    ],
)
def test_bad_values_are_refused_in_chinese(engine, values, message):
    levels, band, ahead, severe = values
    with pytest.raises(settings.RulesError, match=message):
        settings.change_rules(
            engine, ADMIN, levels=levels, yellow_points=band, ahead_points=ahead,
            severe_points=severe,
        )  # fmt: skip
    assert load_rules(engine) == DEFAULT_RULES
    assert not audit.list_entries(engine, actions=["rules_changed"])


def test_three_levels_may_widen_the_band_past_the_unused_severe_threshold(engine):
    """A 30-point band under three levels is not refused for the 20-point 严重滞后 threshold,
    which three levels never use; switching to five then asks for a consistent one."""
    assert settings.change_yellow_band(engine, ADMIN, 30) == Rules(30.0)
    with pytest.raises(settings.RulesError, match="严重滞后阈值必须大于黄色区间"):
        settings.change_rules(
            engine, ADMIN, levels=5, yellow_points=30, ahead_points=5, severe_points=20
        )


# ------------------------------------------------------------------ the red family downstream


@pytest.fixture
def rows(engine):
    """BEHIND at 37.5% (12.1 points behind), AHEAD at 100%."""
    r = Rows(engine)
    for _ in range(3):
        r.project(BEHIND, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    for _ in range(5):
        r.project(BEHIND, "推进中", dt.date(2026, 12, 1))
    r.project(AHEAD, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    return r


def _statuses(engine) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    league = community_league(engine, Scope(date_to=AS_OF))
    return {row.community: row.livelihood_status for row in league}


def test_severe_counts_as_red_on_the_agenda_and_in_alerts(engine, rows):
    """Five levels with 严重滞后 beyond 11 points: BEHIND is 严重滞后, AHEAD 超前; the agenda
    and the alerts still carry BEHIND, marked 严重滞后 on the agenda."""
    place = f"{BEHIND[0]} {BEHIND[1]}"
    assert _statuses(engine) == {BEHIND[1]: "red", AHEAD[1]: "green"}
    settings.change_rules(
        engine, ADMIN, levels=5, yellow_points=5, ahead_points=5, severe_points=11
    )
    assert _statuses(engine) == {BEHIND[1]: "severe", AHEAD[1]: "ahead"}

    report = build_report(engine, AS_OF)
    league = community_league(engine, report_scope(AS_OF))
    rules = load_rules(engine)
    agenda = wm.agenda_frame(report, league, [], rules)
    marks = dict(zip(agenda["对象"], agenda["状态"], strict=True))
    assert marks[place] == "● 严重滞后"
    assert place in {item.place for item in red_items(report, league, [], rules)}
    # the agenda table draws its 状态 column through tables.status_columns (views/weekly.py)
    options = tables.status_columns(["状态"])["状态"]["type_config"]["options"]
    drawn = {option["value"]: option["color"] for option in options}
    assert drawn["● 严重滞后"] == STATUS_COLORS["severe"]


def _pack_text(engine) -> str:  # type: ignore[no-untyped-def]
    """The weekly PDF's paragraphs and table cells, as judged under the rules in force."""
    report = build_report(engine, AS_OF)
    league = community_league(engine, report_scope(AS_OF))
    document = wm.pdf_document(report, league, [], load_rules(engine))
    parts = [p for s in document.sections for p in s.paragraphs]
    parts += [cell for s in document.sections for t in s.tables for r in t.rows for cell in r]
    return "\n".join(parts)


def test_the_printed_pack_writes_the_five_words_and_the_rule(engine, rows):
    """The weekly PDF's tables and its note on the rule follow the mode."""
    three = _pack_text(engine)
    assert "● 滞后" in three and "严重滞后" not in three and "超前" not in three
    assert DEFAULT_RULES.sentence() in three
    five_rules = settings.change_rules(
        engine, ADMIN, levels=5, yellow_points=5, ahead_points=5, severe_points=11
    )
    five = _pack_text(engine)
    assert "● 严重滞后" in five and "● 超前" in five
    assert five_rules.sentence() in five


def test_every_level_has_its_tint_on_pages_and_its_ink_in_print():
    """The five marks are tinted on the pages' tables and inked in the PDF, each its own."""
    from reporting import pdf

    marks = [fmt.status_mark(key) for key in STATUS_LABELS]
    column = tables.status_columns(["状态"])["状态"]
    options = column["type_config"]["options"]
    colours = {option["value"]: option["color"] for option in options}
    assert [colours[mark] for mark in marks] == [STATUS_COLORS[key] for key in STATUS_LABELS]
    inks = [pdf._status_ink(mark) for mark in marks]  # noqa: SLF001
    assert None not in inks and len(set(inks)) == 5
