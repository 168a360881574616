"""Administration of the 红黄绿 rules: an admin changes the rule set, audited.

The rules themselves (what a level means, how a figure is judged) live in ``figures.status``;
this module only validates and saves a new rule set. The role check is here, not only on the
page, so no caller can change the rules for everyone without being an admin.
"""

from __future__ import annotations

import dataclasses
import math

from sqlalchemy import Engine, insert

from administration import audit
from administration.accounts import User
from figures.status import (
    FIVE_LEVELS,
    LEVEL_CHOICES,
    MAX_AHEAD_POINTS,
    MAX_SEVERE_POINTS,
    MAX_YELLOW_POINTS,
    MIN_AHEAD_POINTS,
    MIN_YELLOW_POINTS,
    Rules,
    load_rules,
)
from storage.models import RuleSetting


class RulesError(ValueError):
    """A refused change, with the Chinese message the page shows."""


def _points(value: float | str, name: str) -> float:
    """A finite number of percentage points (one decimal), or a RulesError naming the field."""
    try:
        points = float(str(value).strip())
    except ValueError:
        raise RulesError(f"{name}必须是数字（当前为「{value}」）") from None
    if not math.isfinite(points):
        raise RulesError(f"{name}必须是数字（当前为「{value}」）")
    return round(points, 1)


def _within(points: float, name: str, low: float, high: float) -> float:
    """``points`` when in (low, high], else a RulesError saying the range."""
    if not low < points <= high:
        raise RulesError(f"{name}必须大于 {low:g} 且不超过 {high:g} 个百分点（当前为 {points:g}）")
    return points


def _band(value: float | str) -> float:
    """The band as a finite number in (0, 50], or a RulesError saying what is wrong."""
    return _within(_points(value, "黄色区间"), "黄色区间", MIN_YELLOW_POINTS, MAX_YELLOW_POINTS)


def validated(
    levels: int | str,
    yellow_points: float | str,
    ahead_points: float | str,
    severe_points: float | str,
) -> Rules:
    """A complete rule set from a form's values, or a RulesError in Chinese.

    The five-level thresholds are saved in either mode and checked for range in either:
    超前 in (0, 50], 严重滞后 at most 100 个百分点; 严重滞后 must lie beyond the yellow band
    only when five levels are in force (three levels never use it, so widening the band there
    is not refused for a threshold that plays no part).
    """
    try:
        level_count = int(str(levels).strip())
    except ValueError:
        level_count = 0
    if level_count not in LEVEL_CHOICES:
        raise RulesError(f"规则级数只能是三级或五级（当前为「{levels}」）")
    band = _band(yellow_points)
    ahead = _within(
        _points(ahead_points, "超前阈值"), "超前阈值", MIN_AHEAD_POINTS, MAX_AHEAD_POINTS
    )
    severe = _points(severe_points, "严重滞后阈值")
    if level_count == FIVE_LEVELS and severe <= band:
        raise RulesError(
            f"严重滞后阈值必须大于黄色区间（当前黄色区间 {band:g}，严重滞后阈值 {severe:g}）"
        )
    _within(severe, "严重滞后阈值", MIN_YELLOW_POINTS, MAX_SEVERE_POINTS)
    return Rules(yellow_points=band, levels=level_count, ahead_points=ahead, severe_points=severe)


def change_rules(
    engine: Engine,
    user: User,
    *,
    levels: int | str,
    yellow_points: float | str,
    ahead_points: float | str,
    severe_points: float | str,
) -> Rules:
    """Save a new rule set (admins only) with an audit entry old → new; returns the rules.

    Saving appends a ``rule_setting`` row, which moves ``meta.data_version`` so every cached
    page result is judged again under the new rules.
    """
    if not user.is_admin:
        raise RulesError("只有管理员可以修改预警规则")
    new = validated(levels, yellow_points, ahead_points, severe_points)
    with engine.begin() as connection:
        old = load_rules(connection)
        if new == old:
            return old
        connection.execute(
            insert(RuleSetting.__table__),
            {
                "yellow_points": new.yellow_points,
                "levels": new.levels,
                "ahead_points": new.ahead_points,
                "severe_points": new.severe_points,
                "changed_by": user.username,
                "changed_at": audit.now(),
            },
        )
        audit.record(connection, "rules_changed", user.username, _change_detail(old, new))
    return new


def _change_detail(old: Rules, new: Rules) -> str:
    """What changed, old → new, in the words of the /data form."""
    parts = []
    if old.levels != new.levels:
        parts.append(f"规则级数：{old.summary()} → {new.summary()}")
    if old.yellow_points != new.yellow_points:
        parts.append(f"黄色区间：落后不超过 {old.band_text} → {new.band_text} 个百分点")
    if old.ahead_points != new.ahead_points:
        parts.append(f"超前阈值：快于 {old.ahead_text} → {new.ahead_text} 个百分点")
    if old.severe_points != new.severe_points:
        parts.append(f"严重滞后阈值：落后超过 {old.severe_text} → {new.severe_text} 个百分点")
    return "；".join(parts)


def change_yellow_band(engine: Engine, user: User, value: float | str) -> Rules:
    """Save a new yellow band (admins only), keeping the mode and the other thresholds.

    A band that would reach the 严重滞后 threshold is refused by ``validated``."""
    if not user.is_admin:
        raise RulesError("只有管理员可以修改预警规则")
    current = load_rules(engine)
    band = _band(value)
    fields = dataclasses.asdict(current) | {"yellow_points": band}
    return change_rules(engine, user, **fields)
