"""Judged figures: each figure with what was expected by now, the gap and its 红黄绿.

The pages' presenters, the league, the big screen, /weekly (and so its PDF and Word 通报), the
xlsx gap column, the messages and the alerts take their judgements from here, so "expected by
now", the gap and the status are computed in one place per area (the rule itself is
:func:`figures.status.status_against`; ``tests/test_layering.py`` keeps ui/, views/ and
reporting/ from using its parts directly):

- 民生实事: 完成率 against 序时进度 (share of the year elapsed at the end of the as-of day);
- 财政税收: 完成年度目标 against 序时进度 = reporting month / 12;
- 人口普查: 登记率 against the campaign's plan line (``计划进度``);
- 志愿服务: share of the 13% registration target achieved (capped at 100%) against the target.

``judge_report`` judges a §3 report dict once (headline figures, per-community and per-科目
rows) and ``red_items`` picks its red items, the one selection the 周例会 agenda and the
alerts share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine

from figures import census
from figures.area_helpers import connected, month_end
from figures.fiscal import FiscalItem, FiscalReport, ItemTotal, item_total
from figures.status import (
    CENSUS_PLAN_DAYS,
    RED,
    VOLUNTEER_TARGET_RATE,
    Rules,
    Status,
    census_plan_rate,
    is_behind,
    overdue_status,
    status_against,
    statuses_against,
    volunteer_target_share,
    year_elapsed,
)
from storage.models import HEADLINE_FISCAL_ITEMS

if TYPE_CHECKING:  # the league judges with this module: only its row type is needed here
    from figures.league import LeagueRow

PACE_LABEL, PLAN_LABEL, TARGET_LABEL = "序时进度", "计划进度", "目标"
LIVELIHOOD, FISCAL, CENSUS, OVERDUE = "民生实事", "财政税收", "人口普查", "逾期项目"


@dataclass(frozen=True)
class Basis:
    """What a judged figure is compared with, its unit and its 口径 (definition)."""

    expected_label: str
    unit: str
    definition: str


LIVELIHOOD_BASIS = Basis(
    PACE_LABEL, "%", "已完成项目数 ÷ 本年度项目总数（不含已取消），对照序时进度（全年已过天数占比）"
)
FISCAL_BASIS = Basis(PACE_LABEL, "%", "1 月至报告月累计 ÷ 年度目标，对照序时进度（报告月 ÷ 12）")
CENSUS_BASIS = Basis(
    PLAN_LABEL,
    "%",
    f"已登记户数 ÷ 应登记户数，对照计划进度（自任务首日起 {CENSUS_PLAN_DAYS} 天线性达到 100%）",
)
VOLUNTEER_BASIS = Basis(
    TARGET_LABEL,
    "%",
    f"注册志愿者 ÷ 常住人口，达到 {VOLUNTEER_TARGET_RATE:.0%} 目标的比例（封顶 100%）",
)
SCORE_BASIS = Basis(TARGET_LABEL, "个百分点", "各领域与应达进度之差的平均")


@dataclass(frozen=True)
class Judged:
    """A figure as judged: achieved, expected by now, the gap in points and the status."""

    value: float | None
    expected: float | None
    expected_label: str
    gap_points: float | None
    status: Status | None
    unit: str
    definition: str
    as_of: dt.date | None  # 数据截至; None for a bare figure judged without its date


def gap_points(value: float | None, expected: float | None) -> float | None:
    """Achieved minus expected, in percentage points (positive = ahead); None when unknown."""
    return None if value is None or expected is None else (value - expected) * 100


def judged(
    value: float | None,
    expected: float | None,
    basis: Basis,
    rules: Rules,
    as_of: dt.date | None,
) -> Judged:
    """``value`` against ``expected`` under ``rules`` (the one judgement of every area)."""
    return _with_status(value, expected, basis, status_against(value, expected, rules), as_of)


def _with_status(
    value: float | None,
    expected: float | None,
    basis: Basis,
    status: Status | None,
    as_of: dt.date | None,
) -> Judged:
    """The judgement of ``value`` whose status is already known (``judged`` one at a time,
    ``statuses_against`` for a column)."""
    return Judged(
        value=value,
        expected=expected,
        expected_label=basis.expected_label,
        gap_points=gap_points(value, expected),
        status=status,
        unit=basis.unit,
        definition=basis.definition,
        as_of=as_of,
    )


# ---------------------------------------------------------------- expected by now, per area


def livelihood_expected(as_of: dt.date) -> float:
    """序时进度 of 民生实事: the share of the year elapsed at the end of ``as_of``."""
    return year_elapsed(as_of)


def census_expected(start: dt.date | None, day: dt.date) -> float | None:
    """The plan line on ``day`` of a campaign that began on ``start`` (None without a start)."""
    return census_plan_rate(start, day) if start else None


def campaign_expected(
    engine_or_connection: Engine | Connection, campaign: str, as_of: dt.date
) -> float | None:
    """The plan line of ``campaign`` on ``as_of`` (from its first day in the data)."""
    with connected(engine_or_connection) as connection:
        return census_expected(census.campaign_start(connection, campaign), as_of)


def volunteer_share(registered: int, population: int) -> float | None:
    """Share of the registration target achieved (1.0 = 13% of residents), uncapped."""
    return volunteer_target_share(registered, population)


# ---------------------------------------------------------------- judgements, per area


def judge_livelihood(rate: float | None, as_of: dt.date, rules: Rules) -> Judged:
    """完成率 against the share of the year elapsed at the end of ``as_of``."""
    return judged(rate, livelihood_expected(as_of), LIVELIHOOD_BASIS, rules, as_of)


def judge_fiscal(
    target_rate: float | None, block: FiscalReport, rules: Rules, as_of: dt.date | None = None
) -> Judged:
    """完成年度目标 against the block's 序时进度 (reporting month / 12).

    数据截至 is the reporting month's last day (rows are monthly), never after ``as_of``.
    """
    data_date = month_end(block.year, block.month)
    if as_of is not None:
        data_date = min(data_date, as_of)
    return judged(target_rate, block.time_progress, FISCAL_BASIS, rules, data_date)


def judge_census(
    rate: float | None, expected: float | None, rules: Rules, as_of: dt.date | None = None
) -> Judged:
    """登记率 against the plan line (``campaign_expected``/``census_expected``)."""
    return judged(rate, expected, CENSUS_BASIS, rules, as_of)


def judge_volunteers(
    registered: int, population: int, rules: Rules, as_of: dt.date | None = None
) -> Judged:
    """The target share, capped at 100% (a community past the target is simply on target)."""
    share = volunteer_share(registered, population)
    capped = None if share is None else min(share, 1.0)
    return judged(capped, 1.0, VOLUNTEER_BASIS, rules, as_of)


def volunteer_share_columns(
    registered: Sequence[int], population: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``volunteer_share`` of every community at once, and the same capped at 100% as
    ``judge_volunteers`` caps it (NaN without residents): the ranking's and the league's
    column-by-column arithmetic, one float operation for one float operation."""
    people = np.array(registered, dtype=float)
    residents = np.array(population, dtype=float)
    share = np.full(len(residents), np.nan)
    with_people = residents > 0
    share[with_people] = (people[with_people] / residents[with_people]) / VOLUNTEER_TARGET_RATE
    return share, np.minimum(share, 1.0)  # past the target is simply on target


def volunteer_statuses(
    registered: Sequence[int], population: Sequence[int], rules: Rules
) -> list[Status | None]:
    """``judge_volunteers(r, p, rules).status`` of every community at once (a city's 2,000
    in the 志愿服务 ranking)."""
    _, capped = volunteer_share_columns(registered, population)
    return statuses_against(capped, 1.0, rules)


def judge_score(score: float | None, rules: Rules, as_of: dt.date | None = None) -> Judged:
    """A league score (mean gap, a fraction) judged as a gap against being on pace."""
    return judged(None if score is None else 1 + score, 1.0, SCORE_BASIS, rules, as_of)


def score_statuses(scores: Sequence[float], rules: Rules) -> list[Status | None]:
    """``judge_score(score, rules).status`` of every score at once (a city's league chart)."""
    return statuses_against(1 + np.array(scores, dtype=float), 1.0, rules)


def _judged_livelihood_places(
    rows: Sequence[dict[str, Any]], as_of: dt.date, rules: Rules
) -> tuple[JudgedPlace, ...]:
    """``judge_livelihood`` of each community row of a report, the statuses column-wise."""
    expected = livelihood_expected(as_of)
    rates = [row["completion_rate"] for row in rows]
    column = np.array([np.nan if rate is None else rate for rate in rates], dtype=float)
    statuses = statuses_against(column, expected, rules)
    return tuple(
        JudgedPlace(
            row["subdistrict"],
            row["community"],
            _with_status(rate, expected, LIVELIHOOD_BASIS, status, as_of),
        )
        for row, rate, status in zip(rows, rates, statuses, strict=True)
    )


# ---------------------------------------------------------------- a report, judged once


@dataclass(frozen=True)
class JudgedPlace:
    """A community (or a subdistrict's 科目) with its judged figure."""

    subdistrict: str
    name: str
    judged: Judged


@dataclass(frozen=True)
class JudgedTotal:
    """A headline 科目 summed over the report's subdistricts, judged against 序时进度."""

    total: ItemTotal
    month: int
    year: int
    judged: Judged


@dataclass(frozen=True)
class JudgedReport:
    """The judged figures of one §3 report: headline, per community and per 科目."""

    as_of: dt.date
    livelihood: Judged | None  # None when the year has no project
    livelihood_by_community: tuple[JudgedPlace, ...]
    fiscal_items: tuple[JudgedPlace, ...]  # every item with a target, per subdistrict
    fiscal_totals: dict[str, JudgedTotal]  # the headline 科目 summed over subdistricts
    census: Judged | None
    census_expected: float | None


def fiscal_block(report: dict[str, Any]) -> FiscalReport | None:
    """The report's ``fiscal`` dict back as the figures' own dataclass."""
    fiscal = report.get("fiscal")
    if fiscal is None:
        return None
    items = [FiscalItem(**item) for item in fiscal["items"]]
    return FiscalReport(fiscal["year"], fiscal["month"], fiscal["time_progress"], items)


def judge_fiscal_total(
    block: FiscalReport | None, item: str, rules: Rules, as_of: dt.date | None = None
) -> JudgedTotal | None:
    """``item`` summed over the subdistricts of ``block`` and judged; None when absent."""
    total = item_total(block, item)
    if block is None or total is None:
        return None
    verdict = judge_fiscal(total.target_rate, block, rules, as_of)
    return JudgedTotal(total, block.month, block.year, verdict)


def league_census_expected(rows: Sequence[LeagueRow]) -> float | None:
    """The plan line the league judged the census with (one line for every community)."""
    return next((r.census_expected for r in rows if r.census_expected is not None), None)


def judge_report(
    report: dict[str, Any], rules: Rules, census_plan: float | None = None
) -> JudgedReport:
    """Every judged figure of a §3 report dict, once (``census_plan``: the plan line)."""
    as_of = dt.date.fromisoformat(report["as_of"])
    lv = report["livelihood"]
    by_community = _judged_livelihood_places(
        [row for row in lv["by_community"] if row["total"]], as_of, rules
    )
    block = fiscal_block(report)
    items = ()
    totals: dict[str, JudgedTotal] = {}
    if block is not None:
        items = tuple(
            JudgedPlace(
                item.subdistrict,
                item.item,
                judge_fiscal(item.target_rate, block, rules, as_of),
            )
            for item in block.items
            if item.target_rate is not None
        )
        for name in HEADLINE_FISCAL_ITEMS:
            total = judge_fiscal_total(block, name, rules, as_of)
            if total is not None:
                totals[name] = total
    census_block = report["census"]
    return JudgedReport(
        as_of=as_of,
        livelihood=judge_livelihood(lv["completion_rate"], as_of, rules) if lv["total"] else None,
        livelihood_by_community=by_community,
        fiscal_items=items,
        fiscal_totals=totals,
        census=None
        if census_block is None
        else judge_census(census_block["rate"], census_plan, rules, as_of),
        census_expected=census_plan,
    )


# ---------------------------------------------------------------- the red items


@dataclass(frozen=True)
class RedFigure:
    """One red thing of a report: its area, where it is and what is red about it.

    ``name`` is the community (民生实事, 人口普查, 逾期项目) or the 科目 (财政税收);
    ``judged`` is None for overdue projects (red by count: ``figures.status.overdue_status``).
    """

    area: str
    subdistrict: str
    name: str
    judged: Judged | None
    overdue: int = 0


def red_items(report: dict[str, Any], rows: Sequence[LeagueRow], rules: Rules) -> list[RedFigure]:
    """Every red figure of the report and the league, by area then place.

    Communities with overdue projects; communities whose 完成率 or 登记率 is red (滞后, or
    严重滞后 under five levels: ``is_behind``); each subdistrict's headline 科目 that is red
    against 序时进度.
    """
    as_of = dt.date.fromisoformat(report["as_of"])
    judged_report = judge_report(report, rules, league_census_expected(rows))
    livelihood = {(p.subdistrict, p.name): p.judged for p in judged_report.livelihood_by_community}
    items: list[RedFigure] = []
    for row in report["livelihood"]["by_community"]:
        key = (row["subdistrict"], row["community"])
        if overdue_status(row["overdue"]) == RED:
            items.append(RedFigure(OVERDUE, key[0], key[1], None, row["overdue"]))
        verdict = livelihood.get(key)
        if verdict is not None and is_behind(verdict.status):
            items.append(RedFigure(LIVELIHOOD, key[0], key[1], verdict))
    for row in rows:
        if is_behind(row.census_status):
            verdict = judge_census(row.census_rate, row.census_expected, rules, as_of)
            items.append(RedFigure(CENSUS, row.subdistrict, row.community, verdict))
    for place in judged_report.fiscal_items:
        if place.name in HEADLINE_FISCAL_ITEMS and is_behind(place.judged.status):
            items.append(RedFigure(FISCAL, place.subdistrict, place.name, place.judged))
    return items
