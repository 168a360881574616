"""红黄绿: the one rule set every page, the report and the big screen use.

The rule compares an achieved share with the share that should have been achieved by now
(序时进度 or the plan line). Three levels (the default): on or ahead → green; up to
``Rules.yellow_points`` percentage points behind → yellow; further behind → red. Five levels (an
admin's choice): at least ``Rules.ahead_points`` ahead → ahead (超前); on pace → green (正常); up
to the yellow band behind → yellow (预警); up to ``Rules.severe_points`` behind → red (滞后);
further → severe (严重滞后). The rule set is chosen by an admin on /data (stored in
``rule_setting``); ``load_rules`` reads it once per page run or report and every judgement takes
it, so no surface judges its own way. Consumers ask ``is_behind`` / ``needs_attention`` /
``severity`` rather than compare status strings, so 严重滞后 counts wherever 滞后 does. Each area states what "expected by now" means:

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
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine, select

from figures.area_helpers import connected
from storage.models import RuleSetting

if TYPE_CHECKING:  # numpy only where columns are judged (not on manage.py report's path)
    import numpy as np

Status = Literal["ahead", "green", "yellow", "red", "severe"]
AHEAD: Status = "ahead"  # five levels only: 超前
GREEN: Status = "green"
YELLOW: Status = "yellow"
RED: Status = "red"
SEVERE: Status = "severe"  # five levels only: 严重滞后
THREE_LEVELS = 3
FIVE_LEVELS = 5
LEVEL_CHOICES = (THREE_LEVELS, FIVE_LEVELS)
DEFAULT_YELLOW_POINTS = 10.0
MIN_YELLOW_POINTS = 0.0  # exclusive: a band of 0 would make every shortfall red
MAX_YELLOW_POINTS = 50.0
DEFAULT_AHEAD_POINTS = 5.0
MIN_AHEAD_POINTS = 0.0  # exclusive: 0 would call every on-pace figure 超前
MAX_AHEAD_POINTS = 50.0
DEFAULT_SEVERE_POINTS = 20.0
MAX_SEVERE_POINTS = 100.0  # more than 100 points behind cannot happen: the bound of a share
CENSUS_PLAN_DAYS = 40
VOLUNTEER_TARGET_RATE = 0.13

# Every status key with its word and its one colour, best to worst (the palette of ui.format).
STATUS_LABELS: dict[str, str] = {
    AHEAD: "超前",
    GREEN: "正常",
    YELLOW: "预警",
    RED: "滞后",
    SEVERE: "严重滞后",
}
STATUS_COLORS: dict[str, str] = {
    AHEAD: "#1a7f8e",
    GREEN: "#2e9d5b",
    YELLOW: "#e0a100",
    RED: "#d64541",
    SEVERE: "#8e1b1b",
}
SEVERITY: dict[str, int] = {key: rank for rank, key in enumerate(STATUS_LABELS)}
BEHIND_STATUSES = frozenset({RED, SEVERE})  # the red family: agendas, alerts, 需要关注
ATTENTION_STATUSES = frozenset({YELLOW, RED, SEVERE})


def severity(status: str | None) -> int:
    """0 (超前) … 4 (严重滞后) for sorting worst first; -1 when unjudged."""
    return SEVERITY.get(status or "", -1)


def is_behind(status: str | None) -> bool:
    """滞后 or 严重滞后: what agendas, alerts and red counts collect."""
    return status in BEHIND_STATUSES


def needs_attention(status: str | None) -> bool:
    """预警 or worse: what the 需要关注 lists collect."""
    return status in ATTENTION_STATUSES


@dataclass(frozen=True)
class Rules:
    """The rule set in force: three or five levels and their thresholds in percentage points.

    ``ahead_points`` and ``severe_points`` are kept (and saved) in three-level mode too, so an
    admin who switches back to five levels finds the thresholds as they were.
    """

    yellow_points: float = DEFAULT_YELLOW_POINTS
    levels: int = THREE_LEVELS
    ahead_points: float = DEFAULT_AHEAD_POINTS
    severe_points: float = DEFAULT_SEVERE_POINTS

    @property
    def five_levels(self) -> bool:
        return self.levels == FIVE_LEVELS

    @property
    def statuses(self) -> tuple[Status, ...]:
        """The levels in force, best first: what a legend or key lists."""
        if self.five_levels:
            return (AHEAD, GREEN, YELLOW, RED, SEVERE)
        return (GREEN, YELLOW, RED)

    @property
    def labels(self) -> dict[str, str]:
        """``{status: word}`` of the levels in force, best first."""
        return {key: STATUS_LABELS[key] for key in self.statuses}

    @property
    def behind_words(self) -> str:
        """The red family's words: ``滞后``, or ``滞后、严重滞后`` under five levels."""
        return "、".join(STATUS_LABELS[key] for key in self.statuses if key in BEHIND_STATUSES)

    @property
    def band_text(self) -> str:
        """The band as a person writes it: ``10``, ``12.5`` (no trailing zeros)."""
        return f"{self.yellow_points:g}"

    @property
    def ahead_text(self) -> str:
        return f"{self.ahead_points:g}"

    @property
    def severe_text(self) -> str:
        return f"{self.severe_points:g}"

    def sentence(self, reference: str = "序时进度") -> str:
        """The rule in words, for every caption and printed pack that explains the colours."""
        if not self.five_levels:
            return f"达到或快于{reference}为绿，落后不超过 {self.band_text} 个百分点为黄，更多为红"
        return (
            f"快于{reference} {self.ahead_text} 个百分点及以上为超前，达到或快于{reference}为正常，"
            f"落后不超过 {self.band_text} 个百分点为预警，落后不超过 {self.severe_text} 个百分点"
            "为滞后，更多为严重滞后"
        )

    def target_sentence(self) -> str:
        """The rule for a share of a target (志愿者注册率): the gap as a percentage of the target.

        The share is capped at the target, so there is no 超前 in this sentence."""
        if not self.five_levels:
            return f"达到目标为绿，差距不超过目标的 {self.band_text}% 为黄，更多为红"
        return (
            f"达到目标为正常，差距不超过目标的 {self.band_text}% 为预警，"
            f"不超过 {self.severe_text}% 为滞后，更多为严重滞后"
        )

    def summary(self) -> str:
        """A short statement for the audit log: ``三级（黄色区间 10）``."""
        if not self.five_levels:
            return f"三级（黄色区间 {self.band_text}）"
        return (
            f"五级（超前 {self.ahead_text}、黄色区间 {self.band_text}、"
            f"严重滞后 {self.severe_text}）"
        )


DEFAULT_RULES = Rules()


def load_rules(engine_or_connection: Engine | Connection) -> Rules:
    """The rules in force: the newest saved ``rule_setting`` row, or the defaults."""
    query = (
        select(
            RuleSetting.yellow_points,
            RuleSetting.levels,
            RuleSetting.ahead_points,
            RuleSetting.severe_points,
        )
        .order_by(RuleSetting.id.desc())
        .limit(1)
    )
    with connected(engine_or_connection) as connection:
        row = connection.execute(query).first()
    if row is None:
        return DEFAULT_RULES
    return Rules(
        yellow_points=float(row.yellow_points),
        levels=int(row.levels),
        ahead_points=float(row.ahead_points),
        severe_points=float(row.severe_points),
    )


# A gap smaller than this (in points) is written "0.0 个百分点 / 与序时进度持平" with one
# decimal place, so it is judged on pace (green) too: a card may not say 持平 beside 预警.
ON_PACE_POINTS = 0.05


_TOLERANCE = 1e-9  # a gap exactly on a threshold belongs to the milder level


def status_against(achieved: float | None, expected: float | None, rules: Rules) -> Status | None:
    """The level by percentage points behind ``expected`` under ``rules``; None when unknown."""
    if achieved is None or expected is None:
        return None
    behind_points = (expected - achieved) * 100
    if rules.five_levels and -behind_points >= rules.ahead_points - _TOLERANCE:
        return AHEAD
    if behind_points < ON_PACE_POINTS:  # reads "0.0 个百分点（持平）": judged as it reads
        return GREEN
    if behind_points <= rules.yellow_points + _TOLERANCE:
        return YELLOW
    if rules.five_levels and behind_points > rules.severe_points + _TOLERANCE:
        return SEVERE
    return RED


def statuses_against(
    achieved: np.ndarray, expected: np.ndarray | float, rules: Rules
) -> list[Status | None]:
    """``status_against`` of every element at once (nan = unknown → None): the league judges
    2,000 communities per area and week with it. The same comparisons in the same float
    arithmetic, so each element gets exactly the scalar rule's answer (tests compare them)."""
    import numpy as np

    behind = (expected - achieved) * 100
    conditions, choices = [], []
    if rules.five_levels:
        conditions.append(-behind >= rules.ahead_points - _TOLERANCE)
        choices.append(AHEAD)
    conditions += [behind < ON_PACE_POINTS, behind <= rules.yellow_points + _TOLERANCE]
    choices += [GREEN, YELLOW]
    if rules.five_levels:
        conditions.append(behind > rules.severe_points + _TOLERANCE)
        choices.append(SEVERE)
    chosen = np.select(conditions, choices, default=RED).tolist()
    known = (~np.isnan(behind)).tolist()
    return [status if is_known else None for status, is_known in zip(chosen, known, strict=True)]


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
