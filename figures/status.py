"""红黄绿: the one rule set every page, the report and the big screen use.

The rule compares an achieved share with the share that should have been achieved by now
(序时进度 or the plan line): on or ahead → green; up to ``Rules.yellow_points`` percentage
points behind → yellow; further behind → red. The band is set by an admin on /data (stored in
``rule_setting``, default ``DEFAULT_YELLOW_POINTS``); ``load_rules`` reads it once per page run or
report and every judgement takes that value, so no surface judges its own way. Each area states what "expected by now" means:

- 民生实事: completion rate of the year's projects against the share of the year elapsed.
- 财政税收: year-to-date against the annual target, versus 序时进度 = month / 12.
- 人口普查: registration rate against the campaign's plan line, rising linearly from 0 on the
  campaign's first day to 100% after ``CENSUS_PLAN_DAYS`` days (the 7th census registration ran
  40 days, 1 November – 10 December 2020).
- 志愿服务: registration rate (registered / residents) against ``VOLUNTEER_TARGET_RATE``
  (13%, the 全国文明城市 benchmark), as the share of that target achieved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, Engine, select

from figures.area_helpers import connected
from storage.models import RuleSetting

Status = Literal["green", "yellow", "red"]
GREEN: Status = "green"
YELLOW: Status = "yellow"
RED: Status = "red"
DEFAULT_YELLOW_POINTS = 10.0
MIN_YELLOW_POINTS = 0.0  # exclusive: a band of 0 would make every shortfall red
MAX_YELLOW_POINTS = 50.0
CENSUS_PLAN_DAYS = 40
VOLUNTEER_TARGET_RATE = 0.13

STATUS_LABELS: dict[str, str] = {GREEN: "正常", YELLOW: "预警", RED: "滞后"}
STATUS_COLORS: dict[str, str] = {GREEN: "#2e9d5b", YELLOW: "#e0a100", RED: "#d64541"}


@dataclass(frozen=True)
class Rules:
    """The rule set in force: how many percentage points behind is still yellow."""

    yellow_points: float = DEFAULT_YELLOW_POINTS

    @property
    def band_text(self) -> str:
        """The band as a person writes it: ``10``, ``12.5`` (no trailing zeros)."""
        return f"{self.yellow_points:g}"

    def sentence(self, reference: str = "序时进度") -> str:
        """The rule in words, for every caption and printed pack that explains the colours."""
        return f"达到或快于{reference}为绿，落后不超过 {self.band_text} 个百分点为黄，更多为红"


DEFAULT_RULES = Rules()


def load_rules(engine_or_connection: Engine | Connection) -> Rules:
    """The rules in force: the newest saved ``rule_setting`` row, or the defaults."""
    query = select(RuleSetting.yellow_points).order_by(RuleSetting.id.desc()).limit(1)
    with connected(engine_or_connection) as connection:
        value = connection.execute(query).scalar()
    return DEFAULT_RULES if value is None else Rules(yellow_points=float(value))


# A gap smaller than this (in points) is written "0.0 个百分点 / 与序时进度持平" with one
# decimal place, so it is judged on pace (green) too: a card may not say 持平 beside 预警.
ON_PACE_POINTS = 0.05


def status_against(achieved: float | None, expected: float | None, rules: Rules) -> Status | None:
    """Green / yellow / red by percentage points behind ``expected``; None when unknown."""
    if achieved is None or expected is None:
        return None
    behind_points = (expected - achieved) * 100
    if behind_points < ON_PACE_POINTS:  # reads "0.0 个百分点（持平）": judged as it reads
        return GREEN
    if behind_points <= rules.yellow_points + 1e-9:
        return YELLOW
    return RED


def year_elapsed(as_of: dt.date) -> float:
    """Share of the calendar year elapsed at the end of ``as_of`` (序时进度 by day)."""
    start = dt.date(as_of.year, 1, 1)
    days_in_year = (dt.date(as_of.year + 1, 1, 1) - start).days
    return ((as_of - start).days + 1) / days_in_year


def fiscal_time_progress(month: int) -> float:
    """序时进度 of a fiscal month: month / 12 (contract §3)."""
    return month / 12


def census_plan_rate(campaign_start: dt.date, as_of: dt.date) -> float:
    """The plan line: the share that should be registered by ``as_of``."""
    elapsed = (as_of - campaign_start).days + 1
    return max(0.0, min(1.0, elapsed / CENSUS_PLAN_DAYS))


def volunteer_target_share(registered: int, population: int) -> float | None:
    """Share of the registration target achieved (1.0 = 13% of residents registered)."""
    if population <= 0:
        return None
    return (registered / population) / VOLUNTEER_TARGET_RATE


def overdue_status(overdue: int) -> Status:
    """Overdue projects are red whatever the pace: one is already a plan missed."""
    return RED if overdue > 0 else GREEN


def week_change_status(this_week: float, last_week: float) -> Status | None:
    """环比 of the week's service: green when not down, yellow when down; None without last week."""
    if not last_week:
        return None
    return GREEN if this_week >= last_week else YELLOW
