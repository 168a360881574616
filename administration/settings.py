"""Administration of the 红黄绿 rules: an admin changes the yellow band, audited.

The rules themselves (what a band means, how a figure is judged) live in ``figures.status``;
this module only validates and saves a new rule set. The role check is here, not only on the
page, so no caller can change the rules for everyone without being an admin.
"""

from __future__ import annotations

import math

from sqlalchemy import Engine, insert

from administration import audit
from administration.accounts import User
from figures.status import MAX_YELLOW_POINTS, MIN_YELLOW_POINTS, Rules, load_rules
from storage.models import RuleSetting


class RulesError(ValueError):
    """A refused change, with the Chinese message the page shows."""


def _band(value: float | str) -> float:
    """The band as a finite number in (0, 50], or a RulesError saying what is wrong."""
    try:
        band = float(str(value).strip())
    except ValueError:
        raise RulesError(f"黄色区间必须是数字（当前为「{value}」）") from None
    if not math.isfinite(band):
        raise RulesError(f"黄色区间必须是数字（当前为「{value}」）")
    if not MIN_YELLOW_POINTS < band <= MAX_YELLOW_POINTS:
        raise RulesError(
            f"黄色区间必须大于 {MIN_YELLOW_POINTS:g} 且不超过 {MAX_YELLOW_POINTS:g} 个百分点"
            f"（当前为 {band:g}）"
        )
    return round(band, 1)


def change_yellow_band(engine: Engine, user: User, value: float | str) -> Rules:
    """Save a new yellow band (admins only) with an audit entry old → new; returns the rules.

    Saving appends a ``rule_setting`` row, which moves ``meta.data_version`` so every cached
    page result is judged again under the new band.
    """
    if not user.is_admin:
        raise RulesError("只有管理员可以修改预警规则")
    band = _band(value)
    with engine.begin() as connection:
        old = load_rules(connection)
        new = Rules(yellow_points=band)
        if new == old:
            return old
        connection.execute(
            insert(RuleSetting.__table__),
            {"yellow_points": band, "changed_by": user.username, "changed_at": audit.now()},
        )
        audit.record(
            connection,
            "rules_changed",
            user.username,
            f"黄色区间：落后不超过 {old.band_text} → {new.band_text} 个百分点",
        )
    return new
