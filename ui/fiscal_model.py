"""What the 财政税收 page shows, computed from query results without drawing anything.

The figures are the report's (``figures.fiscal.fiscal_report``): for one subdistrict they are
its items unchanged; for 全部街道 the items of every subdistrict in scope are summed (a target
only when every subdistrict has one, so a rate never mixes covered and uncovered money) and
the 同比 is the summed ytd over the summed ytd of the same months last year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from figures.fiscal import FiscalItem, FiscalReport, ItemTotal, MonthAmount, item_total
from figures.judged import judge_fiscal
from figures.status import Rules
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import charts, tables
from ui import format as fmt
from ui.tables import status_mark

GENERAL_ITEM, TAX_ITEM = HEADLINE_FISCAL_ITEMS
TOTAL_LABEL = "合计"


def item_options(report: FiscalReport | None) -> list[str]:
    """The 科目 of the report, headline items first (the 科目 filter's options)."""
    if report is None:
        return []
    return list(dict.fromkeys(row.item for row in report.items))


def default_item(options: Sequence[str]) -> str | None:
    """一般公共预算收入 when present, else the first 科目."""
    if GENERAL_ITEM in options:
        return GENERAL_ITEM
    return options[0] if options else None


def prior_ytd(months: Sequence[MonthAmount], year: int) -> dict[str, float]:
    """Per 科目, the sum of the months of ``year - 1`` (the 同比 base)."""
    sums: dict[str, float] = {}
    for row in months:
        if row.year == year - 1:
            sums[row.item] = sums.get(row.item, 0.0) + row.amount
    return sums


def _rate(numerator: float, denominator: float | None) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, 4)


def tax_share(report: FiscalReport | None) -> float | None:
    """税收占比: 税收收入 ytd / 一般公共预算收入 ytd over the subdistricts in scope."""
    general = item_total(report, GENERAL_ITEM)
    tax = item_total(report, TAX_ITEM)
    if general is None or tax is None:
        return None
    return _rate(tax.ytd, general.ytd)


def _item_clauses(total: ItemTotal, time_progress: float) -> list[str]:
    clauses = [f"{total.item}完成{fmt.amount(total.ytd)}"]
    if total.target_rate is not None:
        clauses.append(f"占年度目标的{fmt.pct(total.target_rate)}")
        clauses.append(fmt.pace_phrase(total.target_rate, time_progress))
    if total.yoy is not None:
        clauses.append(fmt.change_phrase(total.yoy))
    return clauses


def bulletin_text(
    month: int,
    time_progress: float,
    general: ItemTotal | None,
    tax: ItemTotal | None,
    share: float | None,
    place: str = "",
) -> str:
    """The 通报 paragraph: 截至M月，一般公共预算收入完成…；其中税收收入…，税收占比…。"""
    if general is None and tax is None:
        return f"截至{month}月，{place}暂无一般公共预算收入和税收收入数据。"
    parts: list[str] = []
    if general is not None:
        parts.append("，".join(_item_clauses(general, time_progress)))
    if tax is not None:
        tax_text = "，".join(_item_clauses(tax, time_progress))
        if share is not None:
            tax_text += f"，税收占比{fmt.pct(share)}"
        parts.append(("其中" if general is not None else "") + tax_text)
    return f"截至{month}月，{place}" + "；".join(parts) + "。"


def subdistrict_frame(
    report: FiscalReport | None,
    item: str,
    rules: Rules,
    prior: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The item per subdistrict (plus a 合计 row when there are several), as leaders read it."""
    columns = [
        "街道",
        "当月（万元）",
        "累计（万元）",
        "年度目标（万元）",
        "完成目标",
        "序时进度",
        "较序时进度（个百分点）",
        "状态",
        "同比",
    ]
    if report is None:
        return pd.DataFrame(columns=columns)
    rows = [row for row in report.items if row.item == item]
    records = [_subdistrict_record(row.subdistrict, row, report, rules) for row in rows]
    if len(rows) > 1:
        total = item_total(report, item, prior)
        if total is not None:
            records.append(_subdistrict_record(TOTAL_LABEL, total, report, rules))
    return pd.DataFrame.from_records(records, columns=columns)


def _subdistrict_record(
    name: str, row: FiscalItem | ItemTotal, report: FiscalReport, rules: Rules
) -> dict[str, Any]:
    verdict = judge_fiscal(row.target_rate, report, rules)
    gap = None if verdict.gap_points is None else round(verdict.gap_points, 1)
    return {
        "街道": name,
        "当月（万元）": row.month_amount,
        "累计（万元）": row.ytd,
        "年度目标（万元）": row.target,
        "完成目标": row.target_rate,
        "序时进度": verdict.expected,
        "较序时进度（个百分点）": gap,
        "状态": status_mark(verdict.status),
        "同比": row.yoy,
    }


AMOUNT_COLUMNS = ("当月（万元）", "累计（万元）", "年度目标（万元）")


def subdistrict_table(frame: pd.DataFrame) -> tables.Written:
    """The per-街道 table as shown: 86.5% (not 86.47%), 118,790.00 beside 102,715.01, 同比
    +27.6% held as a number (a click on its header sorts by the change, not the text)."""
    return tables.written(
        frame,
        rates=("完成目标", "序时进度"),
        amounts=AMOUNT_COLUMNS,
        changes=("同比",),
    )


def subdistrict_column_config() -> dict[str, Any]:
    """The gap with its sign; 状态 in its colour, drawn by the table (not a Styler)."""
    return {
        "较序时进度（个百分点）": st.column_config.NumberColumn(format=fmt.POINTS_PRINTF),
        **tables.status_columns(["状态"]),
    }


def headline_months_frame(months: Sequence[MonthAmount]) -> pd.DataFrame:
    """Monthly amounts of the two headline items, for side-by-side bars (月份 as YYYY-MM)."""
    records = [
        {"月份": f"{row.year}-{row.month:02d}", "科目": row.item, "金额": row.amount}
        for row in months
        if row.item in HEADLINE_FISCAL_ITEMS
    ]
    return pd.DataFrame.from_records(records, columns=["月份", "科目", "金额"])


def cumulative_frame(
    months: Sequence[MonthAmount], item: str, year: int, last_month: int, target: float | None
) -> pd.DataFrame:
    """Year-to-date of ``item`` month by month, with target × 序时进度 (month / 12)."""
    amounts = {row.month: row.amount for row in months if row.year == year and row.item == item}
    records = []
    running = 0.0
    for month in range(1, last_month + 1):
        running += amounts.get(month, 0.0)
        records.append(
            {
                "月份": f"{year}-{month:02d}",
                "累计": round(running, 2),
                "序时目标": None if target is None else round(target * month / 12, 2),
            }
        )
    return pd.DataFrame.from_records(records, columns=["月份", "累计", "序时目标"])


def year_on_year_frame(
    months: Sequence[MonthAmount], item: str, year: int, last_month: int
) -> pd.DataFrame:
    """Each month of ``item`` this year and last year, side by side (同比 by month)."""
    amounts = {(row.year, row.month): row.amount for row in months if row.item == item}
    records = [
        {"月份": f"{month}月", "年度": f"{y}年", "金额": amounts.get((y, month), 0.0)}
        for month in range(1, last_month + 1)
        for y in (year - 1, year)
    ]
    return pd.DataFrame.from_records(records, columns=["月份", "年度", "金额"])


def tax_composition_frame(report: FiscalReport | None) -> pd.DataFrame:
    """Year-to-date of every 科目 other than the headline items, largest first, with shares."""
    columns = ["税种", "累计（万元）", "占比"]
    if report is None:
        return pd.DataFrame(columns=columns)
    sums: dict[str, float] = {}
    for row in report.items:
        if row.item not in HEADLINE_FISCAL_ITEMS:
            sums[row.item] = sums.get(row.item, 0.0) + row.ytd
    total = sum(sums.values())
    records = [
        {"税种": item, "累计（万元）": round(amount, 2), "占比": _rate(amount, total)}
        for item, amount in sorted(sums.items(), key=lambda pair: (-pair[1], pair[0]))
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def composition_table(frame: pd.DataFrame) -> tables.Written:
    """The tax composition as shown: shares 40.2% (not 40.17%), amounts in 万元."""
    return tables.written(frame, rates=("占比",), amounts=("累计（万元）",))


def donut_frame(composition: pd.DataFrame) -> pd.DataFrame:
    """The composition with plain column names (the chart's expressions name its fields)."""
    return composition.rename(columns={"累计（万元）": "累计"})[["税种", "累计"]]


# ---------------------------------------------------------------- built once per view
# (``data.built``: made with the query results, so a rerun of the same view only draws)


def headline_chart(monthly: Sequence[MonthAmount]) -> dict[str, Any] | None:
    """月度收入 of the headline items side by side, or None without months."""
    frame = headline_months_frame(monthly)
    if frame.empty:
        return None
    chart = charts.grouped_bar(
        frame,
        x="月份",
        y="金额",
        y_title="当月金额（万元）",
        series="科目",
        stacked=False,
        title="月度收入（当月数）",
    )
    return charts.spec(chart)


def item_charts(
    report: FiscalReport, two_years: Sequence[MonthAmount], *, item: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``item``'s cumulative curve against the paced target, and its months against last
    year's."""
    year, month = report.year, report.month
    total = item_total(report, item, prior_ytd(two_years, year))
    target = total.target if total is not None else None
    yoy = total.yoy if total is not None else None
    cumulative = charts.time_series(
        cumulative_frame(two_years, item, year, month, target),
        x="月份",
        y="累计",
        y_title="累计（万元）",
        x_type="O",
        plan="序时目标" if target is not None else None,
        plan_title="年度目标×序时进度",
        title=f"{item}：{year}年累计与序时目标（虚线）",
    )
    same_months = charts.grouped_bar(
        year_on_year_frame(two_years, item, year, month),
        x="月份",
        y="金额",
        y_title="当月金额（万元）",
        series="年度",
        stacked=False,
        title=f"{item}：{year}年与{year - 1}年同月对比（{fmt.change_phrase(yoy)}）",
    )
    return charts.spec(cumulative), charts.spec(same_months)


def composition_views(
    report: FiscalReport,
) -> tuple[pd.DataFrame, tables.Written, dict[str, Any] | None]:
    """The tax mix (rows for the download), its cells as shown, and its donut (None when
    there is no tax item)."""
    composition = tax_composition_frame(report)
    if composition.empty:
        return composition, composition_table(composition), None
    donut = charts.share_donut(
        donut_frame(composition),
        category="税种",
        value="累计",
        value_title="累计（万元）",
    )
    return composition, composition_table(composition), charts.spec(donut)


def subdistrict_view(
    report: FiscalReport, two_years: Sequence[MonthAmount], rules: Rules, *, item: str
) -> tuple[pd.DataFrame, tables.Written]:
    """``subdistrict_frame`` of the query results (a row per subdistrict: 200 in a city) and
    its cells as shown."""
    frame = subdistrict_frame(report, item, rules, prior_ytd(two_years, report.year))
    return frame, subdistrict_table(frame)
