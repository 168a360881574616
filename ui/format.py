"""Number formatting as Chinese government documents write it (万元, 百分比, 个百分点)."""

from __future__ import annotations

import math
import re

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
# What follows a number and belongs to it. Chinese text may break between any two characters,
# so a unit is glued to its number and its own characters to each other.
UNITS = ("个百分点", "万元", "亿元", "小时", "人次", "户", "人", "项", "个", "月", "日", "年", "%")
_NUMBER_UNIT = re.compile(r"(\d[\d,.]*)([ ]?)(" + "|".join(UNITS) + r")")
_NUMBER_SLASH = re.compile(r"(\d[\d,.]*) / (?=\d)")


def wan(amount: float | None, digits: int = 2) -> str:
    """万元 with thousands separators: ``2,167.00 万元``; a dash when unknown."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "—"
    return f"{amount:,.{digits}f} 万元"


def pct(rate: float | None, digits: int = 1) -> str:
    """A fraction as a percent: 0.6667 → ``66.7%``."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.{digits}f}%"


def points(delta: float | None, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: 0.052 → ``5.2 个百分点``."""
    if delta is None:
        return "—"
    return f"{abs(delta) * 100:.{digits}f} 个百分点"


def pace_phrase(rate: float | None, time_progress: float | None) -> str:
    """快/慢于序时进度 X 个百分点 (or 与序时进度持平)."""
    if rate is None or time_progress is None:
        return "无序时进度可比"
    delta = rate - time_progress
    if abs(delta) < 0.0005:
        return "与序时进度持平"
    word = "快于" if delta > 0 else "慢于"
    return f"{word}序时进度 {points(delta)}"


def signed_pct(rate: float | None, digits: int = 1) -> str:
    """A change as a signed percent: 0.2763 → ``+27.6%``."""
    if rate is None:
        return "—"
    return f"{rate * 100:+.{digits}f}%"


def count(value: float | int | None, unit: str = "") -> str:
    """An integer count with separators and an optional unit: ``6,965 人次``."""
    if value is None:
        return "—"
    text = f"{int(round(value)):,}"
    return f"{text} {unit}".strip()


def hours(value: float | None) -> str:
    """Service hours with one decimal: ``16,804.0 小时``."""
    if value is None:
        return "—"
    return f"{value:,.1f} 小时"


def months_covered(month: int | None) -> str:
    """The closed months a year-to-date fiscal figure covers: ``1—11月`` (``1月`` alone)."""
    if not month:
        return "—"
    return "1月" if month == 1 else f"1—{month}月"


def keep_units(text: str) -> str:
    """``142,458.94 万元`` that no line break can split: no-break space, joined unit.

    Browsers break Chinese text anywhere, and most eagerly at the space Western formats put
    between a number and its unit ("598 万/元", "小/时" on the big screen). Used where text
    wraps (big-screen notes and labels); the PDF has its own line breaker.
    """

    def glue(match: re.Match[str]) -> str:
        number, space, unit = match.groups()
        return number + (NBSP if space else WORD_JOINER) + WORD_JOINER.join(unit)

    return _NUMBER_SLASH.sub(lambda m: m.group(1) + NBSP + "/" + NBSP, _NUMBER_UNIT.sub(glue, text))
