"""The weekly report as a readable Chinese 周报 in Markdown.

Every number is written by the one vocabulary (``ui.format``): a headline amount in 万元, or
亿元 from 1 亿元 up, a table column in 万元; rates are percents, and the fiscal figures are
compared with 序时进度 (the share of the year gone: month / 12) in 个百分点. Communities that
need attention are named: lowest completion rate, overdue projects, census rate below the
subdistrict's average.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from storage.models import HEADLINE_FISCAL_ITEMS
from ui.format import (
    amount,
    change_phrase,
    count,
    count_number,
    difference_phrase,
    hours,
    hours_number,
    pace_phrase,
    pct,
    signed_pct,
    wan_number,
)

Report = dict[str, Any]
LAGGARDS_SHOWN = 3


# ---------------------------------------------------------------- markdown pieces


def cell(value: Any) -> str:
    """Text that cannot break a Markdown table (data may contain | or line breaks)."""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """A Markdown table of already formatted cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def place(row: dict[str, Any]) -> str:
    """街道·社区 as one name."""
    return f"{row['subdistrict']}·{row['community']}"


def title(report: Report) -> str:
    """The title line with the subdistrict (or 全部街道) and the week."""
    week = report["week"]
    who = report["subdistrict"] or "全部街道"
    return f"# {who}工作周报（{week['start']} 至 {week['end']}）"


# ---------------------------------------------------------------- headline


def livelihood_headline(block: dict[str, Any]) -> str:
    return (
        f"**民生实事**：{block['year']} 年共 {count(block['total'], '项')}，"
        f"已完成 {count(block['completed'], '项')}，完成率 {pct(block['completion_rate'])}；"
        f"推进中 {count(block['in_progress'], '项')}，未启动 {count(block['not_started'], '项')}，"
        f"逾期 {count(block['overdue'], '项')}；本周完成 {count(block['completed_this_week'], '项')}。"
    )


def headline_items(fiscal: dict[str, Any]) -> list[dict[str, Any]]:
    """Each subdistrict's lead item: 一般公共预算收入, else 税收收入, else its first item."""
    first: dict[str, dict[str, Any]] = {}
    for item in fiscal["items"]:
        current = first.get(item["subdistrict"])
        if current is None or (
            item["item"] in HEADLINE_FISCAL_ITEMS
            and (
                current["item"] not in HEADLINE_FISCAL_ITEMS
                or HEADLINE_FISCAL_ITEMS.index(item["item"])
                < HEADLINE_FISCAL_ITEMS.index(current["item"])
            )
        ):
            first[item["subdistrict"]] = item
    return [first[name] for name in sorted(first)]


def fiscal_item_sentence(item: dict[str, Any], fiscal: dict[str, Any]) -> str:
    months = f"1—{fiscal['month']} 月" if fiscal["month"] > 1 else "1 月"
    parts = [
        f"{item['subdistrict']}{item['item']} {months}累计 {amount(item['ytd'])}",
        f"当月 {amount(item['month_amount'])}",
        change_phrase(item["yoy"]),
    ]
    if item["target_rate"] is not None:
        parts.append(
            f"完成年度目标 {pct(item['target_rate'])}，"
            f"{pace_phrase(item['target_rate'], fiscal['time_progress'])}"
        )
    return "，".join(parts) + "。"


def fiscal_headline(fiscal: dict[str, Any] | None) -> list[str]:
    if fiscal is None:
        return ["**财政税收**：本年度暂无财政数据。"]
    intro = (
        f"**财政税收**：数据截至 {fiscal['year']} 年 {fiscal['month']} 月，"
        f"序时进度 {pct(fiscal['time_progress'])}。"
    )
    return [intro] + [
        f"  - {fiscal_item_sentence(item, fiscal)}" for item in headline_items(fiscal)
    ]


def census_headline(census: dict[str, Any] | None) -> str:
    if census is None:
        return "**人口普查**：截至报告日暂无普查进度。"
    return (
        f"**人口普查**（{census['campaign']}）：应登记 {count(census['expected'], '户')}，"
        f"已登记 {count(census['registered_households'], '户')}、"
        f"{count(census['registered_persons'], '人')}，登记率 {pct(census['rate'])}；"
        f"本周新增登记 {count(census['registered_this_week'], '户')}。"
    )


def volunteers_headline(block: dict[str, Any]) -> str:
    return (
        f"**志愿服务**：注册志愿者 {count(block['registered'], '人')}，"
        f"本年活跃 {count(block['active'], '人')}，服务 {count(block['person_times'], '人次')}、"
        f"{hours(block['hours'])}；本周服务 {hours(block['hours_this_week'])}，"
        f"{difference_phrase(block['hours_this_week'], block['hours_last_week'], '小时')}。"
    )


# ---------------------------------------------------------------- attention


def lowest_completion(rows: list[dict[str, Any]], overall: float) -> list[dict[str, Any]]:
    """Up to 3 communities with the lowest completion rate, among those below the overall rate."""
    behind = [r for r in rows if r["total"] > 0 and r["completion_rate"] < overall]
    behind.sort(key=lambda r: (r["completion_rate"], r["subdistrict"], r["community"]))
    return behind[:LAGGARDS_SHOWN]


def below_subdistrict_average(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], float]]:
    """Census communities whose rate is below their subdistrict's overall rate."""
    expected: dict[str, int] = defaultdict(int)
    registered: dict[str, int] = defaultdict(int)
    for row in rows:
        expected[row["subdistrict"]] += row["expected"]
        registered[row["subdistrict"]] += row["registered_households"]
    average = {name: registered[name] / expected[name] for name in expected if expected[name]}
    return [
        (row, average[row["subdistrict"]])
        for row in rows
        if row["subdistrict"] in average and row["rate"] < average[row["subdistrict"]]
    ]


def attention_lines(report: Report) -> list[str]:
    lines: list[str] = []
    communities = report["livelihood"]["by_community"]
    overall = report["livelihood"]["completion_rate"]
    lowest = lowest_completion(communities, overall)
    if lowest:
        names = "、".join(f"{place(r)}（{pct(r['completion_rate'])}）" for r in lowest)
        lines.append(f"- 民生实事完成率最低（整体 {pct(overall)}）：{names}。")
    overdue = [r for r in communities if r["overdue"] > 0]
    if overdue:
        names = "、".join(f"{place(r)}（{count(r['overdue'], '项')}）" for r in overdue)
        lines.append(f"- 有逾期项目的社区：{names}。")
    census = report["census"]
    if census is not None:
        behind = below_subdistrict_average(census["by_community"])
        if behind:
            names = "、".join(
                f"{place(r)}（{pct(r['rate'])}，街道平均 {pct(avg)}）" for r, avg in behind
            )
            lines.append(f"- 普查登记率低于所在街道平均：{names}。")
    return lines or ["- 本周无需特别关注的社区。"]


# ---------------------------------------------------------------- sections


def livelihood_section(block: dict[str, Any]) -> list[str]:
    lines = ["## 民生实事", ""]
    if not block["by_community"]:
        return lines + [f"{block['year']} 年暂无民生实事项目。"]
    rows = [
        [
            r["subdistrict"],
            r["community"],
            count_number(r["total"]),
            count_number(r["completed"]),
            pct(r["completion_rate"]),
            count_number(r["overdue"]),
        ]
        for r in block["by_community"]
    ]
    return lines + table(
        ["街道", "社区", "项目数（项）", "已完成（项）", "完成率", "逾期（项）"], rows
    )


def fiscal_section(fiscal: dict[str, Any] | None) -> list[str]:
    lines = ["## 财政税收", ""]
    if fiscal is None:
        return lines + ["本年度暂无财政数据。"]
    lines += [
        f"数据月份：{fiscal['year']} 年 {fiscal['month']} 月；序时进度 {pct(fiscal['time_progress'])}。",
        "",
    ]
    rows = [
        [
            i["subdistrict"],
            i["item"],
            wan_number(i["month_amount"]),
            wan_number(i["ytd"]),
            wan_number(i["target"]),
            pct(i["target_rate"]),
            "—"
            if i["target_rate"] is None
            else pace_phrase(i["target_rate"], fiscal["time_progress"]),
            signed_pct(i["yoy"]),
        ]
        for i in fiscal["items"]
    ]
    headers = [
        "街道",
        "科目",
        "当月（万元）",
        "累计（万元）",
        "年度目标（万元）",
        "完成目标",
        "与序时进度",
        "同比",
    ]
    return lines + table(headers, rows)


def census_section(census: dict[str, Any] | None) -> list[str]:
    lines = ["## 人口普查", ""]
    if census is None:
        return lines + ["截至报告日暂无普查进度。"]
    rows = [
        [
            r["subdistrict"],
            r["community"],
            count_number(r["expected"]),
            count_number(r["registered_households"]),
            pct(r["rate"]),
        ]
        for r in census["by_community"]
    ]
    lines += [f"任务：{census['campaign']}", ""]
    return lines + table(["街道", "社区", "应登记（户）", "已登记（户）", "登记率"], rows)


def volunteers_section(block: dict[str, Any]) -> list[str]:
    lines = ["## 志愿服务", ""]
    if not block["by_community"]:
        return lines + ["暂无志愿者及服务记录。"]
    rows = [
        [
            r["subdistrict"],
            r["community"],
            count_number(r["registered"]),
            count_number(r["person_times"]),
            hours_number(r["hours"]),
        ]
        for r in block["by_community"]
    ]
    return lines + table(["街道", "社区", "注册志愿者（人）", "服务人次", "服务时长（小时）"], rows)


def render_markdown(report: Report) -> str:
    """The whole 周报: title, headline figures, attention list, then one section per area."""
    lines = [
        title(report),
        "",
        f"截至 {report['as_of']}，范围：{report['subdistrict'] or '全部街道'}。",
        "",
        "## 本周要点",
        "",
        f"- {livelihood_headline(report['livelihood'])}",
        *[
            f"- {line}" if not line.startswith("  ") else line
            for line in fiscal_headline(report["fiscal"])
        ],
        f"- {census_headline(report['census'])}",
        f"- {volunteers_headline(report['volunteers'])}",
        "",
        "## 需关注的社区",
        "",
        *attention_lines(report),
        "",
    ]
    for section in (
        livelihood_section(report["livelihood"]),
        fiscal_section(report["fiscal"]),
        census_section(report["census"]),
        volunteers_section(report["volunteers"]),
    ):
        lines += [*section, ""]
    return "\n".join(lines)
