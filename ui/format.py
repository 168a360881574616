"""Number formatting as Chinese government documents write it (万元, 百分比, 个百分点)."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable

from figures.status import ON_PACE_POINTS, STATUS_COLORS, STATUS_LABELS, Rules

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
# What follows a number and belongs to it. Chinese text may break between any two characters,
# so a unit is glued to its number and its own characters to each other.
UNITS = ("个百分点", "万元", "亿元", "小时", "人次", "户", "人", "项", "个", "月", "日", "年", "%")
_NUMBER_UNIT = re.compile(r"(\d[\d,.]*)([ ]?)(" + "|".join(UNITS) + r")")
_NUMBER_SLASH = re.compile(r"(\d[\d,.]*) / (?=\d)")


def pct(rate: float | None) -> str:
    """A fraction as a percent with one decimal place, the one way a person reads a rate:
    0.6667 → ``66.7%`` (README: rates with one decimal everywhere they are shown)."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.1f}%"


# pct() for st.column_config.ProgressColumn, which ignores a Styler's text and has only
# "percent" (up to two decimals, 70.11%) built in: the column holds percent (0–100) values.
PCT_PRINTF = "%.1f%%"
# Signed percentage points in a st.column_config.NumberColumn: ``+3.2``.
POINTS_PRINTF = "%+.1f"
# signed_pct() in a NumberColumn (the column holds percent values, so it sorts by the change):
# ``+27.6%``. A printf format writes no word: a change that rounds to zero reads ``+0.0%`` in a
# table (as a level gap reads ``+0.0`` under POINTS_PRINTF), 持平 everywhere else.
CHANGE_PRINTF = "%+.1f%%"
# Days in a table column that sorts by the number: ``169 天``.
DAYS_PRINTF = "%,d 天"


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
LEVEL_POINTS = ON_PACE_POINTS / 100  # a gap that rounds to 0.0 points: 持平


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


def score_text(score: float | None) -> str:
    """The league's 综合得分 (mean gap to the expected share, in points): -0.052 → ``-5.2``."""
    return "—" if score is None else f"{score * 100:+.1f}"


def rank_change_text(change: int | None) -> str:
    """A move in the league: ``↑2`` (rose two places) / ``↓1`` / ``持平`` / ``—`` (no rank)."""
    if change is None:
        return "—"
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "持平"


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


# ---------------------------------------------------------------- amounts, counts, changes
#
# The one way a person reads an amount, a count or a change, on every page, the big screen,
# /weekly, the Markdown 周报, the xlsx/PDF/Word packs, messages and chart labels (README,
# "One vocabulary"). A table column names its unit in its header and keeps that one unit in
# every row (118,790.00 in 累计（万元）); a headline figure (a card, a sentence, the big screen)
# of at least YI_THRESHOLD_WAN 万元 — 1 亿元 — is written in 亿元 with two decimals, so a
# headline keeps to about eight characters: 25,850.60 万元 but 11.88 亿元.

WAN_DIGITS = 2  # 万元 always with two decimals (fen of a 万元 are 100 元)
HOURS_DIGITS = 1
YI_THRESHOLD_WAN = 10_000.0  # 1 亿元 = 10,000 万元
LEVEL_WORD = "持平"  # a change or a gap that rounds to zero: never "0.0%"
DASH = "—"
# Number formats for spreadsheets, by kind of figure: what the cells show matches pct(),
# wan_number(), hours_number() and count_number() digit for digit.
XLSX_FORMATS: dict[str, str | None] = {
    "text": None,
    "int": "#,##0",
    "amount": "#,##0.00",
    "hours": "#,##0.0",
    "rate": "0.0%",
    "points": "+0.0;-0.0;0.0",
}
# A table column's kind from the unit its header names (累计（万元）, 服务时长（小时）,
# 较序时进度（个百分点）) or, for a rate held as a fraction, from the word its header ends in.
_HEADER_UNITS = {
    "万元": "amount",
    "小时": "hours",
    "户": "int",
    "人": "int",
    "人次": "int",
    "项": "int",
    "个百分点": "points",
    "百分点": "points",
}
_HEADER_UNIT = re.compile(r"[（(]([^（）()]+)[）)]\s*$")
RATE_HEADER_ENDINGS = ("率", "完成目标", "序时进度", "同比", "占比")


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan_number(amount: float | None) -> str:
    """万元 without its unit, for a column headed （万元）: ``118,790.00``; a dash when unknown."""
    return DASH if _missing(amount) else f"{amount:,.{WAN_DIGITS}f}"


def wan(amount: float | None) -> str:
    """万元 with thousands separators: ``2,167.00 万元``; a dash when unknown."""
    return DASH if _missing(amount) else f"{wan_number(amount)} 万元"


def amount_parts(amount: float | None) -> tuple[str, str]:
    """A headline amount as (number, unit): ``("2.59", "亿元")`` from 1 亿元 up, else 万元."""
    if _missing(amount):
        return DASH, ""
    if abs(amount) >= YI_THRESHOLD_WAN:  # type: ignore[arg-type]
        return f"{amount / 10_000:,.2f}", "亿元"  # type: ignore[operator]
    return wan_number(amount), "万元"


def amount(value: float | None) -> str:
    """A headline amount (cards, sentences, the big screen): ``25,850.60 万元`` / ``2.59 亿元``."""
    number, unit = amount_parts(value)
    return f"{number} {unit}".strip()


def count_number(value: float | int | None) -> str:
    """An integer count with separators and no unit: ``12,317``."""
    return DASH if _missing(value) else f"{int(round(value)):,}"  # type: ignore[arg-type]


def count(value: float | int | None, unit: str = "") -> str:
    """An integer count with separators and its unit: ``6,965 人次``."""
    return DASH if _missing(value) else f"{count_number(value)} {unit}".strip()


def hours_number(value: float | None) -> str:
    """Service hours without the unit, one decimal: ``1,301.2``."""
    return DASH if _missing(value) else f"{value:,.{HOURS_DIGITS}f}"


def hours(value: float | None) -> str:
    """Service hours with one decimal: ``16,804.0 小时``."""
    return DASH if _missing(value) else f"{hours_number(value)} 小时"


def column_kind(header: str) -> str | None:
    """The kind of figure (a key of XLSX_FORMATS) a column holds, from its header: the unit
    in brackets, else a rate word at its end (完成率, 同比); None when the header says neither."""
    match = _HEADER_UNIT.search(header)
    if match:
        return _HEADER_UNITS.get(match.group(1))
    return "rate" if header.endswith(RATE_HEADER_ENDINGS) else None


# The same number formats for Vega-Lite (chart labels, axes and tooltips): a bar's label
# or a tooltip reads as the table beside it (1,301.2 小时, 118,790.00 万元, 66.7%).
D3_FORMATS: dict[str, str] = {
    "int": ",.0f",
    "amount": ",.2f",
    "hours": ",.1f",
    "rate": ".1%",
    "points": "+.1f",
}
D3_ONE_DECIMAL = ",.1f"  # a figure the vocabulary has no unit for: one decimal, like a rate
# Axis ticks: round steps, a rate as 50% or 12.5% (no trailing zeros), other numbers whole.
D3_AXIS_RATE = ".1~%"
D3_AXIS_NUMBER = ",.0f"


def d3_format(title: str, percent: bool = False, integral: bool = False) -> str:
    """The Vega-Lite number format of a chart value, from its axis title's unit like a table
    column (:func:`column_kind`); fractions drawn as percents are rates."""
    kind = "rate" if percent else column_kind(title) or ("int" if integral else None)
    return D3_FORMATS.get(kind or "", D3_ONE_DECIMAL)


def xlsx_format(header: str, integral: bool = False) -> str | None:
    """The spreadsheet number format of a column (``#,##0.00`` under 累计（万元）), by its
    header; a column of whole numbers the header says nothing of gets separators."""
    kind = column_kind(header) or ("int" if integral else None)
    return XLSX_FORMATS.get(kind) if kind else None


def signed_pct(rate: float | None) -> str:
    """A change as a signed percent: 0.2763 → ``+27.6%``; 持平 when it rounds to zero."""
    if _missing(rate):
        return DASH
    if abs(rate) < LEVEL_POINTS:  # type: ignore[arg-type]
        return LEVEL_WORD
    return f"{rate * 100:+.1f}%"  # type: ignore[operator]


def change_delta(change: float | None, basis: str = "同比") -> str | None:
    """同比/环比 as a KPI delta: ``环比 -56.4%`` / ``同比持平``; None when nothing compares.
    The arrow and its colour come from :func:`delta_look` (``mode="inverse"`` where down is good)."""
    if _missing(change):
        return None
    text = signed_pct(change)
    return f"{basis}{text}" if text == LEVEL_WORD else f"{basis} {text}"


def week_change_text(change: float | None) -> str | None:
    """环比 as a KPI delta: ``环比 -56.4%`` (None when last week had nothing to compare)."""
    return change_delta(change, "环比")


def change_phrase(change: float | None, basis: str = "同比", missing: str = "无上年同期数") -> str:
    """同比/环比 in a sentence: ``同比增长 27.6%`` / ``同比下降 5.0%`` / ``同比持平``."""
    if _missing(change):
        return missing
    if abs(change) < LEVEL_POINTS:  # type: ignore[arg-type]
        return f"{basis}{LEVEL_WORD}"
    return f"{basis}{'增长' if change > 0 else '下降'} {pct(abs(change))}"  # type: ignore[arg-type, operator]


def difference_phrase(now: float, before: float, unit: str, since: str = "上周") -> str:
    """An absolute change in a sentence: ``较上周减少 12.5 小时`` / ``与上周持平``."""
    delta = now - before
    if abs(delta) < 0.05:  # would read 0.0
        return f"与{since}{LEVEL_WORD}"
    return f"较{since}{'增加' if delta > 0 else '减少'} {hours_number(abs(delta))} {unit}"


# ---------------------------------------------------------------- status words, marks, colours


def status_word(status: str | None) -> str:
    """超前 / 正常 / 预警 / 滞后 / 严重滞后 for a status key of :mod:`figures.status`; a dash
    when unjudged."""
    return STATUS_LABELS.get(status or "", "—")


def status_mark(status: str | None) -> str:
    """``● 正常`` / ``● 预警`` / ``● 滞后`` (a mark every CJK font has), or a dash."""
    return f"● {STATUS_LABELS[status]}" if status in STATUS_LABELS else "—"


def status_color(status: str | None) -> str | None:
    """The one colour of a status level (None when unjudged)."""
    return STATUS_COLORS.get(status or "")


def legend_words(rules: Rules) -> list[str]:
    """The status words a legend or key lists under ``rules``: three, or five, best first."""
    return [STATUS_LABELS[key] for key in rules.statuses]


def legend_colors(rules: Rules) -> list[str]:
    """The colours of ``legend_words``, in the same order."""
    return [STATUS_COLORS[key] for key in rules.statuses]


# Twelve hues that stay apart on screen and in grey print.
PALETTE: tuple[str, ...] = (
    "#1f6fb2",
    "#f28e2b",
    "#2e9d5b",
    "#b5548c",
    "#8c6d31",
    "#17becf",
    "#9467bd",
    "#7f7f7f",
    "#bcbd22",
    "#0b3d66",
    "#ff9da7",
    "#4e2a84",
)
OTHER_COLOR = "#a0a6ae"
# One colour per 科目 / 税种 wherever it is drawn (/fiscal, /screen, the PDF): the order of
# the slices, or which ones a chart folds into 其他税种, never changes a tax type's colour.
ITEM_COLORS: dict[str, str] = {
    "一般公共预算收入": PALETTE[0],
    "税收收入": PALETTE[1],
    "增值税": PALETTE[0],
    "企业所得税": PALETTE[1],
    "个人所得税": PALETTE[2],
    "城市维护建设税": PALETTE[3],
    "房产税": PALETTE[4],
    "城镇土地使用税": PALETTE[5],
    "印花税": PALETTE[6],
    "土地增值税": PALETTE[8],
    "契税": PALETTE[9],
    "车船税": PALETTE[10],
    "环境保护税": PALETTE[11],
    "其他税种": OTHER_COLOR,
}


# The same status levels drawn light on the big screen's dark board (#0b1a2e), where the
# page colours are too dark to read from across a room; any other level keeps its colour.
STATUS_COLORS_ON_DARK: dict[str, str] = {
    "ahead": "#5fd4e0",
    "green": "#4fd18b",
    "yellow": "#ffc53d",
    "red": "#ff6b5e",
    "severe": "#ff2d78",
}
# A 民生实事 project's state (the 项目状态构成 ring and the 状态 cells of the project list).
PROJECT_STATE_COLORS: dict[str, str] = {
    "已完成": STATUS_COLORS["green"],
    "推进中": PALETTE[0],
    "未启动": "#8a8f98",
    "已取消": "#c9ccd1",
}


def status_color_on_dark(status: str | None) -> str | None:
    """The colour of a status level on the big screen (:data:`STATUS_COLORS_ON_DARK`)."""
    return STATUS_COLORS_ON_DARK.get(status or "") or status_color(status)


def rgb(color: str) -> tuple[int, int, int]:
    """``#2e9d5b`` → ``(46, 157, 91)``, for writers that take RGB (the PDF)."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def category_color(name: str) -> str:
    """The fixed colour of a 科目 (or any category): listed ones by name, others by a stable
    hash of the name, so an imported 科目 keeps its colour from page to page and run to run."""
    listed = ITEM_COLORS.get(name)
    if listed:
        return listed
    return PALETTE[zlib.crc32(name.encode("utf-8")) % len(PALETTE)]


def category_colors(names: Iterable[str]) -> dict[str, str]:
    """``{name: colour}`` for a chart's categories (科目, 类别, 活动类型, 社区), in the order given.

    Each name keeps its colour of :func:`category_color` (never its position in the chart);
    only when two unlisted names of one chart hash to the same hue does the later one in
    name order take the next free hue, so no two series of a chart look alike.
    """
    unique = [str(name) for name in dict.fromkeys(names)]
    chosen = {name: ITEM_COLORS[name] for name in unique if name in ITEM_COLORS}
    taken = set(chosen.values())
    for name in sorted(n for n in unique if n not in chosen):
        color = category_color(name)
        if color in taken and len(taken) < len(PALETTE):
            start = PALETTE.index(color)
            color = next(
                PALETTE[(start + step) % len(PALETTE)]
                for step in range(1, len(PALETTE))
                if PALETTE[(start + step) % len(PALETTE)] not in taken
            )
        chosen[name] = color
        taken.add(color)
    return {name: chosen[name] for name in unique}
