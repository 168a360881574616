"""One vocabulary: a figure is written the same way on every surface (issue 10, first slice).

The pace sentence and the headline rates of one scope and date are looked up on the page
models, the 周例会 page, the Markdown 周报 and the big screen, against a one-decimal rendering
written here independently of ``ui.format``; a surface that formats on its own (two decimals,
its own wording) fails. Also: a fall is drawn as a fall on the /weekly card, and a tax type
has one colour on /fiscal and /screen.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import open_page

from figures.fiscal import fiscal_report
from figures.league import community_league
from figures.livelihood import week_projects
from figures.report import build_report, report_scope
from figures.status import DEFAULT_RULES
from reporting.markdown import render_markdown
from storage.db import make_engine
from ui import charts, fiscal_model, overview_model, screen_model, weekly_model
from ui import format as fmt

TODAY = dt.date.today()
# A rate or a gap written with two decimals: what no surface may print any more.
TWO_DECIMALS = re.compile(r"\d\.\d\d(?:%| ?个百分点)")


def _one_decimal_pace(rate: float, expected: float) -> str:
    """The README's rule, written out here so the test does not trust ``ui.format``."""
    gap = (rate - expected) * 100
    if round(abs(gap), 1) == 0:
        return "与序时进度持平"
    return f"{'快于' if gap > 0 else '慢于'}序时进度 {abs(gap):.1f} 个百分点"


@pytest.fixture
def demo_engine(demo_db_template):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{demo_db_template}")
    yield engine
    engine.dispose()


def test_pace_sentence_and_rates_are_written_alike_on_every_surface(demo_engine):
    """One subdistrict, one date: the headline revenue's 完成年度目标 and 快/慢于序时进度, and
    the 民生实事 完成率, read the same on /fiscal, /, /weekly (cards, table, 通报), the
    Markdown 周报 and the big screen, with one decimal place."""
    engine = demo_engine
    full = build_report(engine, TODAY)
    assert full["fiscal"], "the demo data has fiscal figures this year"
    item = next(
        i
        for i in full["fiscal"]["items"]
        if i["item"] == "一般公共预算收入" and i["target_rate"] is not None
    )
    subdistrict = item["subdistrict"]
    scope = report_scope(TODAY, subdistrict)
    report = build_report(engine, TODAY, subdistrict)
    fiscal = report["fiscal"]
    rate, progress = item["target_rate"], fiscal["time_progress"]
    pace = _one_decimal_pace(rate, progress)
    rate_text = f"{rate * 100:.1f}%"
    gap_delta = f"{(rate - progress) * 100:+.1f} 个百分点"
    lv_rate = f"{report['livelihood']['completion_rate'] * 100:.1f}%"

    # Markdown 周报
    markdown = render_markdown(report)
    assert f"完成年度目标 {rate_text}，{pace}" in markdown
    assert f"完成率 {lv_rate}" in markdown

    # /weekly: cards, fiscal table, 通报
    projects = week_projects(engine, scope)
    rows = community_league(engine, scope)
    metrics = {m.label: m for m in weekly_model.week_metrics(report, projects)}
    revenue_card = metrics[f"一般公共预算收入 1—{fiscal['month']} 月"]
    assert revenue_card.delta is not None and revenue_card.delta.startswith(gap_delta)
    assert f"完成年度目标 {rate_text}" in (revenue_card.help_text or "")
    assert f"完成率 {lv_rate}" in (metrics["本周完成民生实事"].help_text or "")
    table = weekly_model.fiscal_frame(report)
    row = table[table["科目"] == "一般公共预算收入"].iloc[0]
    assert (row["完成目标"], row["与序时进度"]) == (rate_text, pace)
    bulletin = weekly_model.bulletin_text(report, rows, projects, DEFAULT_RULES)
    assert f"完成年度目标{rate_text}，{pace}" in bulletin
    assert f"完成率{lv_rate}" in bulletin

    # / (overview) and /fiscal
    block = fiscal_report(engine, scope)
    overview = screen_model.load_screen_data(engine, scope, dt.datetime.now())
    cards = overview_model.kpi_cards(
        scope, overview.livelihood, block, overview.census, overview.volunteers
    )
    fiscal_card = next(card for card in cards if card.page == "views/fiscal.py")
    assert fiscal_card.delta is not None and fiscal_card.delta.startswith(gap_delta)
    assert cards[0].value == lv_rate
    general = fiscal_model.item_total(block, "一般公共预算收入")
    fiscal_text = fiscal_model.bulletin_text(
        fiscal["month"], progress, general, None, None, subdistrict
    )
    assert f"占年度目标的{rate_text}，{pace}" in fiscal_text

    # the big screen
    figures = {f.label: f for f in screen_model.fiscal_figures(overview)}
    target = figures["完成年度目标"]
    assert (target.value + target.unit, target.note) == (rate_text, pace)
    shown = screen_model.overview_figures(overview)[0]
    assert shown.value + shown.unit == lv_rate

    for surface in (markdown, bulletin, fiscal_text, revenue_card.delta, fiscal_card.delta):
        assert not TWO_DECIMALS.search(surface), TWO_DECIMALS.search(surface)


def _falling_week(url: str) -> tuple[dt.date, float]:
    """A report date of the demo data whose volunteer hours fell against the week before."""
    engine = make_engine(url)
    try:
        for back in range(0, 120, 7):
            as_of = TODAY - dt.timedelta(days=back)
            vol = build_report(engine, as_of)["volunteers"]
            change = weekly_model.week_change(vol["hours_this_week"], vol["hours_last_week"])
            if change is not None and change < -0.0005:
                return as_of, change
    finally:
        engine.dispose()
    pytest.fail("the demo data has no week with fewer volunteer hours than the week before")


def test_weekly_volunteer_card_draws_a_fall_as_a_fall(app_db):
    """/weekly's 本周志愿服务时长 card: a negative 环比 is a down arrow in red (it was ↑ green)."""
    as_of, change = _falling_week(app_db)
    at = open_page("weekly", {"as_of": as_of.isoformat()})
    assert not at.exception
    card = next(metric for metric in at.metric if metric.label == "本周志愿服务时长")
    assert card.delta.startswith("环比 -") and f"{change * 100:+.1f}%" in card.delta
    proto = card.proto
    assert proto.direction == proto.MetricDirection.DOWN
    assert proto.color == proto.MetricColor.RED


@pytest.mark.parametrize(
    ("delta", "mode", "look"),
    [
        ("环比 -56.4%", "normal", ("red", "down")),
        ("环比 +10.0%", "normal", ("green", "up")),
        ("本周新增 3 项", "inverse", ("red", "up")),
        ("-2 项", "inverse", ("green", "down")),
        ("0.0 个百分点", "normal", ("gray", "off")),
        ("-1.5 个百分点（慢于序时进度）", "off", ("gray", "down")),
        (None, "normal", ("gray", "off")),
    ],
)
def test_delta_arrow_follows_the_sign_and_down_is_good_only_where_asked(delta, mode, look):
    """The arrow is the sign of the delta's number; "inverse" (e.g. overdue) makes down green."""
    assert fmt.delta_look(delta, mode) == look


def _color_scales(spec: dict) -> dict[str, str]:
    """``{category: colour}`` of every colour scale with a domain in a Vega-Lite spec."""
    found: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            scale = node.get("scale") if "field" in node else None
            if isinstance(scale, dict) and "domain" in scale and "range" in scale:
                found.update(zip(scale["domain"], scale["range"], strict=True))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_tax_type_has_one_colour_on_fiscal_and_screen(app_db):
    """The 税收构成 ring on /fiscal (as the page draws it) and on the big screen give each tax
    type the same colour, whatever the order of the slices or which are folded away."""
    at = open_page("fiscal")
    assert not at.exception
    page_specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    rings = [
        spec for spec in page_specs if '"field": "税种"' in json.dumps(spec, ensure_ascii=False)
    ]
    assert rings, "the /fiscal page draws the 税收构成 ring"
    page = _color_scales(rings[0])
    assert page, "the ring has no fixed colour per 税种 (Vega picks them by slice order)"

    engine = make_engine(app_db)
    try:
        data = screen_model.load_screen_data(engine, report_scope(TODAY), dt.datetime.now())
    finally:
        engine.dispose()
    spec = screen_model.fiscal_chart(data)
    assert spec is not None
    chart = charts.share_donut(
        spec.frame, category=spec.category, value=spec.value, value_title=spec.value_title, big=True
    )
    screen = _color_scales(chart.to_dict())
    shared = set(page) & set(screen)
    assert {"增值税", "企业所得税"} <= shared
    assert {name: screen[name] for name in shared} == {name: page[name] for name in shared}
    assert len(set(screen.values())) == len(screen), "two tax types share a colour"
