"""The one chart module: every chart of every page is built here, in one visual language.

Builders are plain typed functions returning ``alt.Chart`` (testable without a browser).
A page turns a chart into its Vega-Lite dict once, with its figures (``spec`` inside a
``ui.data.built`` function), and draws that with ``show`` (``theme=None``, so our theme is
kept): a rerun of the same view neither builds nor validates a chart again. Colours: the
status levels of the rules in force (three or five), one accent for actual figures, grey dashes for plan / 序时进度 lines.
``big=True`` gives the big-screen variant (dark, large type).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from altair.utils import schemapi
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from figures.status import DEFAULT_RULES, Rules
from ui import format as fmt

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
ACCENT = "#1f6fb2"
ACCENT_2 = "#f28e2b"
PLAN_GREY = "#8a8f98"
# Twelve hues that stay apart on screen and in grey print (a series chart never has more:
# callers cut to MAX_SERIES, e.g. the 12 lowest census curves).
PALETTE = list(fmt.PALETTE)
MAX_SERIES = len(PALETTE)
# Axis labels never rotate (month labels on end are unreadable) and never collide: overlapping
# labels are dropped and quantitative axes get a handful of ticks.
MAX_TICKS = 6
# The big screen's chart text follows the height of the chart's box (720p to 4K and LED
# walls): about 24 px on a 1080p board, twice that on 4K. Vega evaluates it in the browser;
# containerSize(), not the layout's own height signal, so the axis labels are measured at
# their final size (they were clipped at the left edge otherwise).
BIG_TEXT = "clamp(containerSize()[1] / 28, 14, 96)"
SCREEN_BG = "#0b1a2e"
SCREEN_TEXT = "#e8f1ff"


def big_text(scale: float = 1.0) -> dict:
    """A font size (Vega expression) that grows with the chart's height on the big screen."""
    return {"expr": f"{BIG_TEXT} * {scale}"}


def _size(big: bool, scale: float = 1.0) -> float | dict:
    return big_text(scale) if big else round(13 * scale)


def _theme(big: bool) -> dict:
    text = SCREEN_TEXT if big else "#1d2733"
    grid = "#23395a" if big else "#e6e9ee"
    return {
        "config": {
            "font": FONT,
            "background": SCREEN_BG if big else "white",
            "view": {"stroke": None},
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": _size(big),
                "titleFontSize": _size(big, 1.08),
                "labelColor": text,
                "titleColor": text,
                "gridColor": grid,
                "domainColor": grid,
                "tickColor": grid,
                # The big screen's labels grow to ~50 px at 4K: a fixed pixel limit cut
                # "丰庆路社区（花园）" to "丰庆路社区…" there, so the screen has none.
                "labelLimit": 0 if big else 400,
                "labelOverlap": "greedy",
                "labelSeparation": 6,
            },
            "axisX": {"labelAngle": 0},
            "axisQuantitative": {"tickCount": MAX_TICKS},
            "axisTemporal": {"tickCount": MAX_TICKS},
            # Every series gets an entry: no symbol limit, whole labels, in a grid of rows
            # under the chart (a single top row ran off the chart's edge).
            "legend": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": _size(big),
                "titleFontSize": _size(big),
                "labelColor": text,
                "titleColor": text,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": 3,
                "symbolLimit": 0,
                "labelLimit": 0,
                "columnPadding": 12,
                # The symbol is an area in px²: on the big screen it follows the text size,
                # or at 4K a 6 px dot stood beside 48 px words.
                "symbolSize": {"expr": f"pow({BIG_TEXT} * 0.7, 2)"} if big else 100,
            },
            "title": {
                "font": FONT,
                "fontSize": _size(big, 1.3),
                "color": text,
                "anchor": "start",
                "limit": 0,
            },
            "text": {"font": FONT, "fontSize": _size(big), "color": text},
            "range": {"category": PALETTE},
        }
    }


def _styled(chart: alt.Chart | alt.LayerChart, big: bool, height: int | None) -> alt.Chart:
    themed = chart.properties(height=height or (420 if big else 320))
    return themed.configure(**_theme(big)["config"])


# A chart title no longer than this fits a phone's chart (about 300 px at 13.3 × 1.3 px).
TITLE_LINE_CHARS = 16


def title_lines(title: str) -> str | list[str]:
    """A long title in two lines, cut after its first "：" or before its first "（" (Vega
    does not wrap titles: on a phone "一般公共预算收入：2026年与2025年同月对比（同比 +4.6%）"
    ran off the chart)."""
    if len(title) <= TITLE_LINE_CHARS:
        return title
    cuts = [i + 1 for i in [title.find("：")] if i > 0] + [i for i in [title.find("（")] if i > 0]
    cut = min(cuts, default=0)
    if not 0 < cut < len(title):
        return title
    return [title[:cut], title[cut:]]


def _label_room(big: bool) -> float | alt.ExprRef:
    """Pixels beyond the bars for a label such as −24.9: four characters of the chart text."""
    return alt.ExprRef(f"{BIG_TEXT} * 3.2") if big else 44


def _integral(frame: pd.DataFrame, column: str) -> bool:
    """Whether a chart's values are whole numbers (counts: 12, not 12.0)."""
    return column in frame.columns and frame[column].dtype.kind in "iu"


def _name_scale(names: pd.Series) -> alt.Scale:
    """A colour scale that gives each series its colour by name (ui.format.category_colors),
    so a 科目, 类别, 活动类型 or 社区 is drawn alike on every page, whatever its position."""
    colors = fmt.category_colors(names.astype(str))
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def _tooltip(tip: str | alt.Tooltip) -> alt.Tooltip:
    """A tooltip channel object. Every encoding here is given as one, never as a string or a
    dict (``alt.value``): Altair turns those into channels by hashing its whole schema, about
    4 ms a channel on every uncached run (issue 11); the spec is the same."""
    return alt.Tooltip(tip) if isinstance(tip, str) else tip


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in columns})


def ranking_bar(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    status: str | None = None,
    percent: bool = False,
    title: str = "",
    tooltip: Sequence[str | alt.Tooltip] = (),
    big: bool = False,
    height: int | None = None,
    rules: Rules = DEFAULT_RULES,
) -> alt.Chart:
    """Horizontal bars sorted high to low (排名), coloured by status level when given.

    The legend lists the levels of ``rules`` (three or five), whether or not a bar has each."""
    axis_format = fmt.D3_AXIS_RATE if percent else fmt.D3_AXIS_NUMBER
    # Every number a bar carries is written as the tables and cards beside the chart write
    # it (ui.format): rates 66.7%, hours 1,301.2, points −11.3.
    label_format = fmt.d3_format(value_title, percent, _integral(frame, value))
    color = (
        alt.Color(
            f"{status}:N",
            title="状态",
            scale=alt.Scale(domain=fmt.legend_words(rules), range=fmt.legend_colors(rules)),
        )
        if status
        else alt.ColorValue(ACCENT)
    )
    # An explicit order: Vega-Lite drops a channel sort ("-x") when layers share the y scale.
    order = frame.sort_values(value, ascending=False, kind="stable")[category].tolist()
    # A fall's label stands left of its bar's end (−24.9 was printed across the red bar in
    # dark ink); the scale leaves room for it beyond the longest negative bar.
    negative = bool(len(frame)) and float(pd.to_numeric(frame[value]).min()) < 0
    scale = alt.Scale(padding=_label_room(big)) if negative else alt.Undefined
    # The frame is given to the layer, not to each part: layering charts that carry data
    # makes Altair hash the frame's text and copy each part (4 ms a chart, issue 11); the
    # spec is the same (the data is hoisted to the layer either way).
    base = alt.Chart(title=title_lines(title)).encode(
        y=alt.Y(f"{category}:N", sort=order, title=None),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=axis_format), scale=scale),
        tooltip=[_tooltip(t) for t in tooltip]
        or [
            alt.Tooltip(category),
            alt.Tooltip(f"{value}:Q", title=value_title, format=label_format),
        ],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(color=color)
    is_fall = f"datum[{json.dumps(value, ensure_ascii=False)}] < 0"
    labels = base.mark_text(
        align=alt.ExprRef(f"{is_fall} ? 'right' : 'left'"),
        dx=alt.ExprRef(f"{is_fall} ? -4 : 4"),
        fontSize=_size(big, 0.92),
    ).encode(
        text=alt.Text(f"{value}:Q", format=label_format),
        color=alt.ColorValue(SCREEN_TEXT if big else "#1d2733"),
    )
    rows = max(len(frame), 1)
    # Title and legend take ~80 px: a floor keeps a one-community chart readable.
    auto_height = min(max(60 + rows * (44 if big else 28), 180), 900)
    return _styled(alt.layer(bars, labels, data=frame), big, height or auto_height)


def time_series(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    y_title: str,
    series: str | None = None,
    x_title: str = "",
    x_type: str = "T",
    percent: bool = False,
    plan: str | None = None,
    plan_title: str = "计划进度",
    kind: str = "line",
    title: str = "",
    big: bool = False,
    height: int | None = None,
) -> alt.Chart | alt.LayerChart:
    """Lines (or bars) over time, optionally with a dashed plan / 序时进度 line."""
    axis_fmt = fmt.D3_AXIS_RATE if percent else fmt.D3_AXIS_NUMBER
    tip_fmt = fmt.d3_format(y_title, percent, _integral(frame, y))
    tooltips: list = [alt.Tooltip(f"{x}:{x_type}", title=x_title or "时间")]
    if series:
        tooltips.append(alt.Tooltip(f"{series}:N"))
    tooltips.append(alt.Tooltip(f"{y}:Q", title=y_title, format=tip_fmt))
    encoding = {
        "x": alt.X(f"{x}:{x_type}", title=x_title or None),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=axis_fmt)),
        "tooltip": tooltips,
    }
    if series:
        encoding["color"] = alt.Color(f"{series}:N", title=None, scale=_name_scale(frame[series]))
    base = alt.Chart(title=title_lines(title))  # the frame goes to the layer (ranking_bar)
    if kind == "bar":
        layer = base.mark_bar().encode(**encoding)
    else:
        layer = base.mark_line(point=True, strokeWidth=4 if big else 2).encode(**encoding)
    layers = [layer]
    if plan:
        layers.append(
            base.mark_line(strokeDash=[6, 4], color=PLAN_GREY, strokeWidth=3 if big else 2).encode(
                x=alt.X(f"{x}:{x_type}"),
                y=alt.Y(f"{plan}:Q"),
                tooltip=[alt.Tooltip(f"{plan}:Q", title=plan_title, format=tip_fmt)],
            )
        )
    if not series:
        layer = layer.encode(color=alt.ColorValue(ACCENT))
        layers[0] = layer
    return _styled(alt.layer(*layers, data=frame), big, height)


def grouped_bar(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    y_title: str,
    series: str,
    x_title: str = "",
    x_type: str = "N",
    stacked: bool = True,
    title: str = "",
    big: bool = False,
    height: int | None = None,
) -> alt.Chart:
    """Bars by category, stacked (composition) or side by side (comparison); each series (a
    科目, a 类别, a year) in its one colour of ``ui.format``'s palette on every page."""
    scale = _name_scale(frame[series])
    encoding = {
        "x": alt.X(f"{x}:{x_type}", title=x_title or None, sort=None),
        "y": alt.Y(f"{y}:Q", title=y_title, stack="zero" if stacked else None),
        "color": alt.Color(f"{series}:N", title=None, scale=scale),
        "tooltip": [
            alt.Tooltip(f"{x}:{x_type}", title=x_title or x),
            alt.Tooltip(f"{series}:N"),
            alt.Tooltip(
                f"{y}:Q", title=y_title, format=fmt.d3_format(y_title, integral=_integral(frame, y))
            ),
        ],
    }
    if not stacked:
        encoding["xOffset"] = alt.XOffset(f"{series}:N")
    return _styled(
        alt.Chart(frame, title=title_lines(title)).mark_bar().encode(**encoding), big, height
    )


def share_donut(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    title: str = "",
    colors: dict[str, str] | None = None,
    big: bool = False,
    height: int | None = None,
    labels: bool | None = None,
) -> alt.Chart:
    """Composition as a ring (税收构成, 状态分布), with the share in the tooltip.

    ``labels`` (default: on the big screen, where nobody hovers) writes the share beside each
    slice of at least 3%. The ring's size follows the chart's, so it fills a 4K board too.
    """
    colors = colors or fmt.category_colors(frame[category])
    scale = alt.Scale(domain=list(colors.keys()), range=list(colors.values()))
    outer = {"expr": "min(width, height) * 0.36"} if big else 110
    inner = {"expr": "min(width, height) * 0.2"} if big else 60
    labelled = big if labels is None else labels
    # The ring of the tax doughnut is thick enough for its labels. Labelled, the frame goes to
    # the layer (as in ranking_bar).
    base = (
        alt.Chart(alt.Undefined if labelled else frame, title=title_lines(title))
        .transform_joinaggregate(_total=f"sum({value})")
        .transform_calculate(_share=f"datum[{value!r}] / datum._total")
        .encode(
            theta=alt.Theta(f"{value}:Q", stack=True),
            color=alt.Color(f"{category}:N", title=None, scale=scale, sort=None),
            order=alt.Order(f"{value}:Q", sort="descending"),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip(
                    f"{value}:Q",
                    title=value_title,
                    format=fmt.d3_format(value_title, integral=_integral(frame, value)),
                ),
                alt.Tooltip("_share:Q", title="占比", format=fmt.D3_FORMATS["rate"]),
            ],
        )
    )
    ring = base.mark_arc(innerRadius=inner, outerRadius=outer)
    if not labelled:
        return _styled(ring, big, height)
    # The share on the slice itself (names are in the legend): labels outside the ring
    # collided with each other and with the ring.
    radius = {"expr": "min(width, height) * 0.28"} if big else 85
    text = (
        base.transform_filter("datum._share >= 0.04")
        .transform_calculate(_label="format(datum._share, '.0%')")
        .mark_text(radius=radius, fontSize=_size(big, 0.9), fontWeight="bold")
        .encode(text=alt.Text("_label:N"), color=alt.ColorValue("#ffffff"))
    )
    return _styled(alt.layer(ring, text, data=frame), big, height)


# A ranking chart shows at most the EDGE_BARS highest and EDGE_BARS lowest (what a person
# reads in one look; 2,000 bars at city scale were a 900 px smear the browser drew slowly).
EDGE_BARS = 10


def ends(frame: pd.DataFrame, value: str, each: int = EDGE_BARS) -> tuple[pd.DataFrame, int]:
    """The ``each`` highest and ``each`` lowest rows, best first, and how many were left out."""
    if len(frame) <= 2 * each:
        return frame, 0
    ordered = frame.sort_values(value, ascending=False, kind="stable", ignore_index=True)
    kept = pd.concat([ordered.head(each), ordered.tail(each)], ignore_index=True)
    return kept, len(frame) - len(kept)


def left_out_note(hidden: int, where: str = "见下表") -> str:
    """``另有 1,980 个社区未显示，见下表`` under a capped chart."""
    return f"另有 {hidden:,} 个社区未显示，{where}"


def lowest(frame: pd.DataFrame, value: str, limit: int) -> tuple[pd.DataFrame, bool]:
    """At most ``limit`` rows: the lowest values (who needs attention first), still best
    first; and whether rows were left out, so the chart's title can say what it shows."""
    if len(frame) <= limit:
        return frame, False
    kept = frame.sort_values(value, kind="stable").head(limit)
    return kept.sort_values(value, ascending=False, kind="stable", ignore_index=True), True


def day_labels(chart: alt.Chart | alt.LayerChart) -> alt.Chart | alt.LayerChart:
    """A built chart with dates as Chinese offices read them: 月-日 on a time axis, 年-月-日 in
    tooltips (Vega's defaults are English: "Mon 12", "Nov 12, 2026")."""
    labelled = chart.configure_axisTemporal(format="%m-%d", labelAngle=0, labelOverlap="greedy")
    labelled.config.timeFormat = "%Y-%m-%d"
    return labelled


# A built chart as Streamlit sends it: the Vega-Lite dict (data frames under "datasets").
ChartSpec = dict[str, Any]
# Whether ``spec`` checks each chart against the Vega-Lite schema. Off in the app: the builders
# are fixed code, so a chart valid once is valid for every figure; the check cost ~10 ms a chart
# on every uncached run (issue 11). The tests turn it on (tests/conftest.py), so every chart a
# test builds, on every page, is still checked.
VALIDATE = os.environ.get("DASHBOARD_VALIDATE_CHARTS") == "1"
if not VALIDATE:
    # Altair also checks each schema object when it is made (its "debug mode": the theme's
    # Config, every layer), a third of a chart's cost (4 of 15 ms at city scale, issue 11);
    # it changes nothing in the spec. Off with the check above, on in the tests.
    schemapi.disable_debug_mode()


class _Unchecked:
    """A chart whose ``to_dict`` skips the schema check, for Streamlit's conversion (which
    calls ``to_dict()`` with its own data transformer, theme and lock)."""

    def __init__(self, chart: alt.Chart | alt.LayerChart) -> None:
        self.chart = chart

    def to_dict(self) -> dict[str, Any]:
        return self.chart.to_dict(validate=False)


def spec(chart: alt.Chart | alt.LayerChart, *, validate: bool | None = None) -> ChartSpec:
    """The chart as ``st.altair_chart`` would send it, made once.

    ``st.altair_chart`` validates the whole Altair object against the Vega-Lite schema on
    every rerun (20–100 ms a chart); a page caches this dict with its figures (``data.built``)
    and draws it with ``show``, so a rerun of the same view only sends it. The schema check
    itself runs only when ``validate`` (default ``VALIDATE``: in the tests).
    """
    checked = VALIDATE if validate is None else validate
    return _convert_altair_to_vega_lite_spec(chart if checked else _Unchecked(chart))  # type: ignore[arg-type]


def show(
    chart: ChartSpec | alt.Chart | alt.LayerChart,
    container: DeltaGenerator | None = None,
    **options: Any,
) -> Any:
    """Draw a chart (a ``spec`` or an Altair chart) with our theme (``theme=None``)."""
    made = chart if isinstance(chart, dict) else spec(chart)
    return (container or st).vega_lite_chart(spec=made, theme=None, **options)
