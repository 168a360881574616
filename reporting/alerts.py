"""红色事项 one by one, each with a stable key, for ``manage.py alerts``.

The red figures are the 周例会 agenda's (both take ``figures.judged.red_items``), so an alert
never calls red what the page does not: a community whose 民生实事 completion rate or 普查
registration rate is red, a subdistrict whose headline 财政 item is red against 序时进度, and
every overdue project (one item per project, so a newly overdue project is news on its own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from administration.alert_log import RememberedItem
from figures import judged
from figures.league import LeagueRow, report_with_league
from figures.livelihood import ProjectRow, overdue_projects
from figures.report import report_scope
from figures.status import Rules, load_rules
from reporting.messages import Block, Bulletin, weekly_link
from ui import format as fmt

Report = dict[str, Any]
LIVELIHOOD, CENSUS, FISCAL, OVERDUE = "民生实事", "人口普查", "财政税收", "逾期项目"
AREA_ORDER = (LIVELIHOOD, FISCAL, CENSUS, OVERDUE)
AREA_HEADINGS = {
    LIVELIHOOD: "民生实事完成率滞后",
    FISCAL: "财政收入慢于序时进度",
    CENSUS: "普查登记率滞后",
    OVERDUE: "新增逾期项目",
}
MAX_OVERDUE_PROJECTS = 5000


@dataclass(frozen=True)
class RedItem:
    """One red thing: a stable key, its area, where it is and what it is, in words."""

    key: str
    area: str
    subdistrict: str
    place: str
    text: str

    def line(self) -> str:
        return f"{self.place}：{self.text}"

    def remembered(self) -> RememberedItem:
        return RememberedItem(self.key, self.subdistrict, self.area, self.line())


def red_items(
    report: Report, rows: Sequence[LeagueRow], overdue: Sequence[ProjectRow], rules: Rules
) -> list[RedItem]:
    """Every red item of the report's scope, by area then place."""
    fiscal_year = report["fiscal"]["year"] if report["fiscal"] else None
    items = [
        _red_item(red, verdict, fiscal_year)
        for red in judged.red_items(report, rows, rules)
        if red.area != judged.OVERDUE and (verdict := red.judged) is not None
    ]
    for project in overdue:
        items.append(
            RedItem(
                f"overdue:{project.code}",
                OVERDUE,
                project.subdistrict,
                f"{project.subdistrict} {project.community}",
                f"{project.code} {project.name}（计划 {project.planned_on.isoformat()} 完成，"
                f"已逾期 {project.overdue_days or 0} 天）",
            )
        )
    items.sort(key=lambda i: (AREA_ORDER.index(i.area), i.place, i.key))
    return items


def _red_item(red: judged.RedFigure, verdict: judged.Judged, fiscal_year: int | None) -> RedItem:
    """A judged red figure in the alert's words (overdue projects are listed one by one)."""
    rate = fmt.pct(verdict.value)
    if red.area == judged.FISCAL:
        return RedItem(
            f"fiscal:{red.subdistrict}/{red.name}/{fiscal_year}",
            FISCAL,
            red.subdistrict,
            red.subdistrict,
            f"{red.name}完成年度目标 {rate}，{fmt.pace_phrase(verdict.value, verdict.expected)}",
        )
    place = f"{red.subdistrict} {red.name}"
    if red.area == judged.CENSUS:
        key, text = "census", f"登记率 {rate}，计划进度 {fmt.pct(verdict.expected)}"
    else:
        key, text = (
            "livelihood",
            f"完成率 {rate}，{fmt.pace_phrase(verdict.value, verdict.expected)}",
        )
    return RedItem(f"{key}:{red.subdistrict}/{red.name}", red.area, red.subdistrict, place, text)


def current_red_items(engine: Engine, as_of: dt.date, subdistrict: str | None) -> list[RedItem]:
    """The red items as of the date in the scope, straight from the database."""
    scope = report_scope(as_of, subdistrict)
    weekly = report_with_league(engine, as_of, subdistrict)
    overdue = overdue_projects(engine, scope, limit=MAX_OVERDUE_PROJECTS).rows
    return red_items(weekly.report, weekly.league, overdue, load_rules(engine))


def alert_bulletin(
    items: Sequence[RedItem], as_of: dt.date, subdistrict: str | None, public_url: str | None
) -> Bulletin:
    """One message listing the new red items, grouped by area, with the 周例会 link."""
    blocks = []
    for area in AREA_ORDER:
        lines = tuple(item.line() for item in items if item.area == area)
        if lines:
            blocks.append(Block(f"{AREA_HEADINGS[area]}（{len(lines)} 项）", lines, is_list=True))
    who = subdistrict or "全部街道"
    return Bulletin(
        title=f"【预警】{who}新增红色事项 {len(items)} 项（截至 {as_of.isoformat()}）",
        blocks=tuple(blocks),
        link=weekly_link(public_url, as_of, subdistrict),
        footer=f"数据截至 {as_of.isoformat()}；同一事项只提醒一次，转为正常后再次变红会重新提醒。",
    )
