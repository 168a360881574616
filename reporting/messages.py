"""The weekly 通报 and the red alert as chat and email messages, each within its service's limit.

A message is built once as plain blocks (a heading and lines), then written in each service's
markup: 企业微信 and 钉钉 markdown, 飞书 rich-text lines, email text and HTML. A block that is a
list (the red items) may be shortened: its last lines give way to ``……等 N 项`` until the
message fits, so no line is ever cut in the middle. Every figure and phrase comes from the
dashboard's own helpers (``ui.format``, ``ui.weekly_model``, ``reporting.markdown``).
"""

from __future__ import annotations

import datetime as dt
import html
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from figures.league import LeagueRow
from figures.livelihood import WeekProject
from figures.status import Rules, year_elapsed
from reporting.channels import Attachment, OutgoingMessage
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import format as fmt
from ui import weekly_model as wm

Report = dict[str, Any]
WECOM_LIMIT_BYTES = 4096  # 企业微信 markdown.content: at most 4,096 bytes (UTF-8)
DINGTALK_LIMIT_BYTES = 18_000  # 钉钉 custom robot: a message body of at most 20,000 bytes
FEISHU_LIMIT_BYTES = 18_000  # 飞书 custom robot: a request body of at most 20 KB
WEEKLY_PATH = "/weekly"


@dataclass(frozen=True)
class Block:
    """A heading and its lines; ``is_list`` blocks may be shortened with ``……等 N 项``."""

    heading: str
    lines: tuple[str, ...]
    is_list: bool = False
    shown: int | None = None  # how many lines of a list are shown (None: all)

    def visible_lines(self) -> tuple[str, ...]:
        if self.shown is None or self.shown >= len(self.lines):
            return self.lines
        hidden = len(self.lines) - self.shown
        more = f"……等 {len(self.lines)} 项（其余 {hidden} 项请在看板查看）"
        return (*self.lines[: self.shown], more)


@dataclass(frozen=True)
class Bulletin:
    """A whole message before markup: title, blocks, the dashboard link and a closing line."""

    title: str
    blocks: tuple[Block, ...]
    link: str | None
    footer: str


# --------------------------------------------------------------------------- markup


def wecom_markdown(bulletin: Bulletin) -> str:
    """企业微信 markdown: a heading, bold block headings, the list lines, the link."""
    parts = [f"## {bulletin.title}"]
    for block in bulletin.blocks:
        heading = block.heading
        if block.is_list:
            heading = f'<font color="warning">{heading}</font>'
        parts.append(f"**{heading}**\n" + "\n".join(f"> {line}" for line in block.visible_lines()))
    if bulletin.link:
        parts.append(f"[打开周例会查看详情]({bulletin.link})")
    parts.append(f'<font color="comment">{bulletin.footer}</font>')
    return "\n\n".join(parts)


def dingtalk_markdown(bulletin: Bulletin) -> str:
    """钉钉 markdown: paragraphs separated by blank lines (钉钉 joins single line breaks)."""
    parts = [f"### {bulletin.title}"]
    for block in bulletin.blocks:
        parts.append(f"**{block.heading}**")
        parts.append("\n".join(f"- {line}" for line in block.visible_lines()))
    if bulletin.link:
        parts.append(f"[打开周例会查看详情]({bulletin.link})")
    parts.append(bulletin.footer)
    return "\n\n".join(parts)


def feishu_lines(bulletin: Bulletin) -> tuple[str, ...]:
    """飞书 post paragraphs, one per line (the title and link go in their own fields)."""
    lines: list[str] = []
    for block in bulletin.blocks:
        lines.append(f"【{block.heading}】")
        lines += [f"· {line}" for line in block.visible_lines()]
    lines.append(bulletin.footer)
    return tuple(lines)


def plain_text(bulletin: Bulletin) -> str:
    """The email's text part."""
    parts = [bulletin.title, ""]
    for block in bulletin.blocks:
        parts.append(f"【{block.heading}】")
        parts += [f"  · {line}" for line in block.visible_lines()]
        parts.append("")
    if bulletin.link:
        parts.append(f"详见看板：{bulletin.link}")
    parts.append(bulletin.footer)
    return "\n".join(parts) + "\n"


def html_text(bulletin: Bulletin) -> str:
    """The email's HTML part (every text escaped)."""
    e = html.escape
    parts = [
        '<html><head><meta charset="utf-8"></head>',
        '<body style="font-family: sans-serif; font-size: 14px; color: #222">',
        f"<h2>{e(bulletin.title)}</h2>",
    ]
    for block in bulletin.blocks:
        colour = "#d64541" if block.is_list else "#222"
        parts.append(f'<h3 style="color: {colour}">{e(block.heading)}</h3>')
        parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in block.visible_lines()) + "</ul>")
    if bulletin.link:
        link = e(bulletin.link, quote=True)
        parts.append(f'<p><a href="{link}">打开周例会查看详情</a></p>')
    parts.append(f'<p style="color: #777">{e(bulletin.footer)}</p></body></html>')
    return "\n".join(parts)


def _capped(bulletin: Bulletin, cap: int) -> Bulletin:
    """Every list shows at most ``cap`` lines (the rest summed up as ``……等 N 项``)."""
    blocks = tuple(
        replace(b, shown=cap if len(b.lines) > cap else None) if b.is_list else b
        for b in bulletin.blocks
    )
    return replace(bulletin, blocks=blocks)


def fit(bulletin: Bulletin, render: Callable[[Bulletin], str], limit: int) -> Bulletin:
    """The bulletin with its longest lists shortened (``……等 N 项``) until ``render`` fits.

    Finds the largest number of lines every list may keep (a binary search, so a city's
    thousands of items cost a dozen renders): long lists give way first, short ones stay whole.
    """

    def fits(candidate: Bulletin) -> bool:
        return len(render(candidate).encode("utf-8")) <= limit

    if fits(bulletin):
        return bulletin
    longest = max((len(b.lines) for b in bulletin.blocks if b.is_list), default=0)
    if not longest or not fits(_capped(bulletin, 0)):
        return _drop_last_line(_capped(bulletin, 0), render, limit)
    low, high = 0, longest  # fits(low) holds; fits(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(_capped(bulletin, middle)):
            low = middle
        else:
            high = middle
    return _capped(bulletin, low)


def _drop_last_line(bulletin: Bulletin, render: Callable[[Bulletin], str], limit: int) -> Bulletin:
    """Last resort: whole lines go from the end of the longest other block (never half a line)."""
    current = bulletin
    while len(render(current).encode("utf-8")) > limit:
        sizes = [(len(b.lines), i) for i, b in enumerate(current.blocks) if not b.is_list]
        size, index = max(sizes, default=(0, -1))
        if size <= 1:
            return current
        blocks = list(current.blocks)
        blocks[index] = replace(blocks[index], lines=blocks[index].lines[:-1])
        current = replace(current, blocks=tuple(blocks))
    return current


def outgoing(bulletin: Bulletin, attachments: Sequence[Attachment] = ()) -> OutgoingMessage:
    """The bulletin in every service's markup, each shortened to its own limit."""
    dingtalk = fit(bulletin, dingtalk_markdown, DINGTALK_LIMIT_BYTES)

    def feishu_size(b: Bulletin) -> str:
        return "\n".join((b.title, *feishu_lines(b), b.link or ""))

    return OutgoingMessage(
        title=bulletin.title,
        wecom_markdown=wecom_markdown(fit(bulletin, wecom_markdown, WECOM_LIMIT_BYTES)),
        dingtalk_markdown=dingtalk_markdown(dingtalk),
        feishu_lines=feishu_lines(fit(bulletin, feishu_size, FEISHU_LIMIT_BYTES)),
        link=bulletin.link,
        plain_text=plain_text(bulletin),
        html=html_text(bulletin),
        attachments=tuple(attachments),
    )


# --------------------------------------------------------------------------- the weekly 通报


def weekly_link(public_url: str | None, as_of: dt.date, subdistrict: str | None) -> str | None:
    """``{DASHBOARD_PUBLIC_URL}/weekly?as_of=…`` (and the subdistrict), None when not set."""
    if not public_url:
        return None
    query = {"as_of": as_of.isoformat()}
    if subdistrict:
        query["subdistrict"] = subdistrict
    return f"{public_url.rstrip('/')}{WEEKLY_PATH}?{urllib.parse.urlencode(query)}"


def _headline_lines(report: Report, rows: Sequence[LeagueRow]) -> list[str]:
    """The figures a leader checks first, each against 序时进度 (or the census plan line)."""
    lines = []
    lv = report["livelihood"]
    if lv["total"]:
        expected = year_elapsed(dt.date.fromisoformat(report["as_of"]))
        lines.append(
            f"民生实事：{lv['year']}年完成 {fmt.count_number(lv['completed'])}/"
            f"{fmt.count(lv['total'], '项')}，"
            f"完成率 {fmt.pct(lv['completion_rate'])}，"
            f"{fmt.pace_phrase(lv['completion_rate'], expected)}；逾期 {fmt.count(lv['overdue'], '项')}"
        )
    for item in HEADLINE_FISCAL_ITEMS:
        revenue = wm.headline_revenue(report, item)
        if not revenue:
            continue
        months = fmt.months_covered(revenue["month"])
        line = f"{item}：{months}累计 {fmt.amount(revenue['ytd'])}"
        if revenue["target_rate"] is not None:
            line += (
                f"，完成年度目标 {fmt.pct(revenue['target_rate'])}，"
                f"{fmt.pace_phrase(revenue['target_rate'], revenue['time_progress'])}"
            )
        lines.append(line)
    census = report["census"]
    if census is not None:
        plan = next((r.census_expected for r in rows if r.census_expected is not None), None)
        line = f"人口普查：登记率 {fmt.pct(census['rate'])}（{census['campaign']}）"
        if plan is not None:
            line += f"，计划进度 {fmt.pct(plan)}"
        lines.append(line)
    vol = report["volunteers"]
    lines.append(
        f"志愿服务：本周服务 {fmt.hours(vol['hours_this_week'])}，"
        f"{fmt.difference_phrase(vol['hours_this_week'], vol['hours_last_week'], '小时')}"
    )
    return lines


def _red_lines(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> list[str]:
    """The 周例会 agenda's red items (the same list the page shows), each with its place."""
    agenda = wm.agenda_frame(report, rows, projects, rules)
    return [f"{row['对象']}：{row['领域']}，{row['情况']}" for _, row in agenda.iterrows()]


def _change_lines(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject]
) -> list[str]:
    """What moved since last week: completions, new overdue projects, registrations, ranks."""
    lv = report["livelihood"]
    lines = [
        f"本周完成民生实事 {fmt.count(lv['completed_this_week'], '项')}，"
        f"新增逾期 {fmt.count(wm.newly_overdue_count(projects), '项')}"
    ]
    census = report["census"]
    if census is not None:
        lines.append(f"本周普查新增登记 {fmt.count(census['registered_this_week'], '户')}")
    risers, fallers = wm.movers(rows)
    if risers:
        names = "、".join(f"{r.community}（{fmt.rank_change_text(r.rank_change)}）" for r in risers)
        lines.append(f"排名上升：{names}")
    if fallers:
        names = "、".join(
            f"{r.community}（{fmt.rank_change_text(r.rank_change)}）" for r in fallers
        )
        lines.append(f"排名下降：{names}")
    return lines


def weekly_bulletin(
    report: Report,
    rows: Sequence[LeagueRow],
    projects: Sequence[WeekProject],
    public_url: str | None,
    rules: Rules,
) -> Bulletin:
    """The Monday message: headline figures, red items with their community, changes, link."""
    as_of = dt.date.fromisoformat(report["as_of"])
    red = _red_lines(report, rows, projects, rules)
    red_block = (
        Block(f"红色事项（{fmt.count(len(red), '项')}）", tuple(red), is_list=True)
        if red
        else Block("红色事项", ("本周没有红色事项。",))
    )
    return Bulletin(
        title=wm.document_title(report),
        blocks=(
            Block("核心指标（对照序时进度）", tuple(_headline_lines(report, rows))),
            red_block,
            Block("与上周相比", tuple(_change_lines(report, rows, projects))),
        ),
        link=weekly_link(public_url, as_of, report["subdistrict"]),
        footer=f"数据截至 {report['as_of']}，由街道治理数据看板自动发送。",
    )
