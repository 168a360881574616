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


def pct(rate: float | None) -> str:
    """A fraction as a percent with one decimal place, the one way a person reads a rate:
    0.6667 → ``66.7%`` (README: rates with one decimal everywhere they are shown)."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.1f}%"


def pct_number(rate: float | None) -> str:
    """:func:`pct` without its sign, for a display that sets ``%`` apart (the big screen)."""
    text = pct(rate)
    return text.removesuffix("%")


def target_pct(rate: float) -> str:
    """A stated round target as the rule writes it: 0.13 → ``13%`` (not a measured rate)."""
    return f"{rate * 100:g}%"


def points(delta: float | None) -> str:
    """A difference of two fractions in percentage points: 0.052 → ``5.2 个百分点``."""
    if delta is None:
        return "—"
    return f"{abs(delta) * 100:.1f} 个百分点"


# Below half of the last shown digit a gap reads 0.0: the sentence then says 持平.
LEVEL_POINTS = 0.0005


def pace_phrase(rate: float | None, expected: float | None, plan_word: str = "序时进度") -> str:
    """The one pace sentence: 快/慢于序时进度 X 个百分点 (or 与序时进度持平), one decimal."""
    if rate is None or expected is None:
        return f"无{plan_word}可比"
    delta = rate - expected
    if abs(delta) < LEVEL_POINTS:
        return f"与{plan_word}持平"
    word = "快于" if delta > 0 else "慢于"
    return f"{word}{plan_word} {points(delta)}"


def pace_sentence(rate: float, expected: float, plan_word: str = "序时进度") -> str:
    """The pace sentence with the line it is measured against: ``…（序时进度 88.9%）``."""
    return f"{pace_phrase(rate, expected, plan_word)}（{plan_word} {pct(expected)}）"


def signed_points(delta: float | None) -> str | None:
    """A gap as signed points for a KPI card: 0.032 → ``+3.2 个百分点`` (``0.0`` when level)."""
    if delta is None:
        return None
    if abs(delta) < LEVEL_POINTS:
        return "0.0 个百分点"
    return f"{delta * 100:+.1f} 个百分点"


def pace_delta(
    rate: float | None, expected: float | None, plan_word: str = "序时进度"
) -> str | None:
    """The KPI delta against the pace line: ``+3.5 个百分点（快于序时进度）``."""
    if rate is None or expected is None:
        return None
    gap = rate - expected
    if abs(gap) < LEVEL_POINTS:
        return f"0.0 个百分点（与{plan_word}持平）"
    word = "快于" if gap > 0 else "慢于"
    return f"{signed_points(gap)}（{word}{plan_word}）"


def signed_pct(rate: float | None) -> str:
    """A change as a signed percent: 0.2763 → ``+27.6%``."""
    if rate is None:
        return "—"
    return f"{rate * 100:+.1f}%"


def week_change_text(change: float | None) -> str | None:
    """环比 as a KPI delta: ``环比 -56.4%`` (None when last week had nothing to compare)."""
    return None if change is None else f"环比 {signed_pct(change)}"


# The first number of a delta text and its sign: st.metric reads only a leading "-", so
# "环比 -56.4%" would be drawn as a rise in green.
_FIRST_NUMBER = re.compile(r"([+\-−]?)(\d[\d,]*(?:\.\d+)?)")
MetricLook = tuple[str, str]


def delta_look(delta: str | None, mode: str = "normal") -> MetricLook:
    """(delta_color, delta_arrow) for st.metric: the arrow follows the sign of the delta's
    number; ``mode`` is "normal" (up is good), "inverse" (down is good, e.g. overdue) or
    "off" (no judgement: grey). A zero or absent number has no arrow."""
    match = _FIRST_NUMBER.search(delta or "")
    if match is None or float(match.group(2).replace(",", "")) == 0:
        return "gray", "off"
    down = match.group(1) in ("-", "−")
    arrow = "down" if down else "up"
    if mode == "off":
        return "gray", arrow
    good = down if mode == "inverse" else not down
    return ("green" if good else "red"), arrow


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
