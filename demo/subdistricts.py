"""Deterministic demo data: three real subdistricts, published figures pinned, the rest invented.

Why: the dashboard must look alive on the day it is opened (projects completed last week, this
last closed month's fiscal rows, a census campaign running today, volunteers serving this week) and a
report for a publication date must show the published figure (see ``demo.anchors``).

How: every generator is a plain function of a ``SubdistrictSpec`` and ``today`` that returns row
dicts for one table, with natural references (subdistrict + community name, volunteer code)
instead of database ids. Randomness comes from ``random.Random`` seeded with a fixed string per
(generator, subdistrict, year), so the same ``today`` always gives the same rows; the published
years and most of the history stay put when ``today`` moves (only recent rows are redrawn). ``write_demo`` resolves references to ids and inserts
everything with Core executemany in ONE transaction, after deleting the previous content.
Earlier ``import_batch`` rows are kept: they are the import history, and a new batch id is what
tells caches that the data changed.

Not modelled: 星级楼院 (花园路街道 published 279 star-rated building groups, 66 %); no contract
table holds building groups.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.engine import Connection

from demo.anchors import (
    CENSUS_2020_CAMPAIGN,
    CENSUS_2020_END,
    CENSUS_2020_START,
    SMALL_SUBDISTRICTS,
    CommunitySpec,
    FiscalPin,
    PinnedProject,
    ServiceYearPin,
    SubdistrictSpec,
)
from figures.status import CENSUS_PLAN_DAYS
from storage import rollups
from storage.db import without_statement_timeout
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    ImportBatch,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

SEED = "jiedao-demo-v1"
# The published figures date from 2020; a demo "today" before 2021 would put them in the future.
EARLIEST_TODAY = dt.date(2021, 1, 1)
Row = dict[str, object]
Progress = Callable[[int, int, str], None]

CATEGORIES: tuple[str, ...] = (
    "老旧小区改造",
    "加装电梯",
    "道路及管网",
    "安防监控",
    "充电设施",
    "养老助餐",
    "环境绿化",
    "便民服务",
)
# Investment range (万元) per category: plausible orders of magnitude for a community project.
INVESTMENT_RANGE: dict[str, tuple[float, float]] = {
    "老旧小区改造": (80.0, 420.0),
    "加装电梯": (38.0, 75.0),
    "道路及管网": (30.0, 220.0),
    "安防监控": (8.0, 48.0),
    "充电设施": (4.0, 28.0),
    "养老助餐": (10.0, 45.0),
    "环境绿化": (5.0, 60.0),
    "便民服务": (3.0, 30.0),
}
NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
    "老旧小区改造": ("{estate}老旧小区综合改造", "{estate}屋面防水及外墙维修"),
    "加装电梯": ("{estate}{n}号楼加装电梯",),
    "道路及管网": ("{stem}片区雨污管网改造", "{stem}片区背街小巷修缮", "{estate}供暖管网更新"),
    "安防监控": ("{estate}智能安防监控", "{estate}智能门禁改造"),
    "充电设施": ("{estate}电动自行车充电桩", "{estate}集中充电车棚"),
    "养老助餐": ("{community}老年助餐点", "{community}日间照料中心提升"),
    "环境绿化": ("{estate}绿化提升", "{stem}口袋公园建设"),
    "便民服务": ("{community}便民服务站升级", "{community}党群服务中心适老化改造"),
}
ESTATE_SUFFIXES: tuple[str, ...] = ("1号院", "3号院", "5号院", "家属院", "小区", "北院", "南院")

# Tax types and their usual share of 税收收入 in a Chinese subdistrict.
TAX_TYPES: tuple[tuple[str, float], ...] = (
    ("增值税", 0.41),
    ("企业所得税", 0.19),
    ("个人所得税", 0.09),
    ("城市维护建设税", 0.08),
    ("房产税", 0.08),
    ("城镇土地使用税", 0.06),
    ("印花税", 0.04),
    ("土地增值税", 0.05),
)
GENERAL_ITEM = "一般公共预算收入"
TAX_ITEM = "税收收入"
# Monthly share of the annual revenue (the December surge, the quiet February).
SEASON: tuple[float, ...] = (
    0.085,
    0.062,
    0.081,
    0.088,
    0.079,
    0.092,
    0.080,
    0.074,
    0.083,
    0.082,
    0.078,
    0.116,
)
# Growth shocks every subdistrict felt (2020 epidemic, 2021 rebound).
GROWTH_SHOCK: dict[int, float] = {2020: -0.07, 2021: 0.06}

ACTIVITY_TOPICS: dict[str, tuple[str, ...]] = {
    "环境整治": ("清洁家园", "背街小巷清扫", "楼院环境整治", "垃圾分类宣传"),
    "助老扶幼": ("敬老院慰问", "独居老人探访", "四点半课堂", "助老理发"),
    "文明劝导": ("文明交通劝导", "文明养犬宣传", "路口文明引导"),
    "平安巡逻": ("平安巡逻", "消防安全检查", "反诈宣传"),
    "文化宣传": ("政策宣讲", "读书分享会", "文艺汇演服务"),
    "便民服务": ("学雷锋便民服务", "义诊", "家电维修", "法律咨询"),
}
EPIDEMIC_TOPICS: tuple[str, ...] = ("疫情防控值守", "核酸检测秩序维护", "疫苗接种引导")
EPIDEMIC_YEARS = range(2020, 2023)
HOURS_TENTHS_BASE: tuple[int, ...] = (15, 20, 20, 25, 25, 30, 30, 35, 40)
MIN_TENTHS, MAX_TENTHS = 5, 240  # 0.5 h … 24 h: the contract's (0, 24]


def _rng(*parts: object) -> random.Random:
    """A generator seeded by a fixed string: independent streams per table, subdistrict, year."""
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def split_total(total: int, weights: Sequence[float]) -> list[int]:
    """Split a non-negative integer into parts proportional to ``weights`` summing exactly."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [math.floor(r) for r in raw]
    rest = total - sum(parts)
    by_fraction = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_fraction[: max(rest, 0)]:
        parts[i] += 1
    return parts


def _random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _cents(amount: float) -> int:
    return round(amount * 100)


def _stem(community: str) -> str:
    return community.removesuffix("社区")


# --- 社区名录 -----------------------------------------------------------------------------


def community_rows(spec: SubdistrictSpec) -> list[Row]:
    """社区名录 rows of one subdistrict."""
    return [
        {
            "subdistrict": spec.name,
            "name": c.name,
            "population": c.population,
            "households": c.households,
        }
        for c in spec.communities
    ]


# --- 民生实事 -----------------------------------------------------------------------------


def _estates(spec: SubdistrictSpec, community: str) -> tuple[str, ...]:
    named = spec.estates.get(community, ())
    return named + tuple(f"{_stem(community)}{s}" for s in ESTATE_SUFFIXES)


def _project_name(rng: random.Random, spec: SubdistrictSpec, community: str, category: str) -> str:
    template = rng.choice(NAME_TEMPLATES[category])
    return template.format(
        estate=rng.choice(_estates(spec, community)),
        stem=_stem(community),
        community=community,
        n=rng.randint(1, 12),
    )


def _status_on(
    today: dt.date, start_on: dt.date, finish_on: dt.date | None, cancelled: bool
) -> tuple[str, dt.date | None]:
    """状态 and 完成日期 as they stand on ``today`` (a completion is only recorded once past)."""
    if cancelled:
        return "已取消", None
    if finish_on is not None and finish_on <= today:
        return "已完成", finish_on
    if start_on > today:
        return "未启动", None
    return "推进中", None


def _synthetic_project(
    rng: random.Random, spec: SubdistrictSpec, community: str, year: int, today: dt.date
) -> Row:
    """One invented project: planned in the year, usually on time, sometimes late or cancelled."""
    category = rng.choice(CATEGORIES)
    planned_on = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(105, 355))
    start_on = planned_on - dt.timedelta(days=rng.randint(60, 200))
    fate = rng.random()
    cancelled = fate < 0.05
    if fate < 0.82:
        finish_on: dt.date | None = planned_on + dt.timedelta(days=rng.randint(-60, 10))
    elif fate < 0.97:
        finish_on = planned_on + dt.timedelta(days=rng.randint(11, 150))  # late: overdue a while
    else:
        finish_on = None if year >= today.year - 1 else planned_on + dt.timedelta(days=240)
    low, high = INVESTMENT_RANGE[category]
    status, completed_on = _status_on(today, start_on, finish_on, cancelled)
    return {
        "subdistrict": spec.name,
        "community": community,
        "name": _project_name(rng, spec, community, category),
        "category": category,
        "year": year,
        "planned_on": planned_on,
        "status": status,
        "completed_on": completed_on,
        "investment": round(rng.uniform(low, high), 1),
        "beneficiary_households": rng.randint(20, 900),
    }


def _pinned_project(spec: SubdistrictSpec, project: PinnedProject, today: dt.date) -> Row:
    started = project.planned_on - dt.timedelta(days=120)
    status, completed_on = _status_on(today, started, project.completed_on, cancelled=False)
    return {
        "subdistrict": spec.name,
        "community": project.community,
        "name": project.name,
        "category": project.category,
        "year": project.planned_on.year,
        "planned_on": project.planned_on,
        "status": status,
        "completed_on": completed_on,
        "investment": project.investment,
        "beneficiary_households": project.beneficiary_households,
    }


def _complete_some_recently(rows: list[Row], today: dt.date, rng: random.Random) -> None:
    """Make two current-year projects complete within the last 7 days (the demo looks alive)."""
    current = [r for r in rows if r["year"] == today.year and r["status"] != "已取消"]
    open_first = sorted(
        current,
        key=lambda r: (r["status"] == "已完成", abs((r["planned_on"] - today).days), r["name"]),
    )
    year_start = dt.date(today.year, 1, 1)
    for row in open_first[:2]:
        row["status"] = "已完成"
        row["completed_on"] = max(today - dt.timedelta(days=rng.randint(0, 6)), year_start)


def project_rows(spec: SubdistrictSpec, today: dt.date) -> list[Row]:
    """民生实事 of one subdistrict, ``first_year`` … today's year, 项目编号 per subdistrict-year."""
    rows = [_pinned_project(spec, p, today) for p in spec.pinned_projects]
    for year in range(spec.first_year, today.year + 1):
        for community in spec.communities:
            if (community.name, year) in spec.pinned_project_years:
                continue
            rng = _rng("project", spec.name, community.name, year)
            rows.extend(
                _synthetic_project(rng, spec, community.name, year, today)
                for _ in range(rng.randint(3, 7))
            )
    _complete_some_recently(rows, today, _rng("project-recent", spec.name, today))
    order = {c.name: i for i, c in enumerate(spec.communities)}
    rows.sort(key=lambda r: (r["year"], order[r["community"]], r["planned_on"], r["name"]))
    sequence: dict[int, int] = {}
    for row in rows:
        sequence[row["year"]] = sequence.get(row["year"], 0) + 1
        row["code"] = f"{spec.abbr}-{row['year']}-{sequence[row['year']]:03d}"
    return rows


# --- 财政收入 / 财政目标 ---------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalYear:
    """One year of a subdistrict's budget revenue in cents: per month (general, non-tax)."""

    year: int
    general: tuple[int, ...]
    non_tax: tuple[int, ...]
    non_tax_share: float


def _annual_generals(spec: SubdistrictSpec, last_year: int) -> dict[int, float]:
    """一般公共预算收入 per year (万元): a growth chain, full-year pins override it."""
    full_year = {p.year: p.general for p in spec.fiscal_pins if p.last_month == 12}
    annual: dict[int, float] = {}
    previous = spec.fiscal_base_general / (1 + spec.fiscal_growth)
    for year in range(spec.fiscal_first_year, last_year + 1):
        rng = _rng("fiscal-growth", spec.name, year)
        growth = spec.fiscal_growth + GROWTH_SHOCK.get(year, 0.0) + rng.uniform(-0.025, 0.025)
        annual[year] = full_year.get(year, round(previous * (1 + growth), 2))
        previous = annual[year]
    return annual


def _jittered(rng: random.Random, weights: Sequence[float], spread: float) -> list[float]:
    return [w * rng.uniform(1 - spread, 1 + spread) for w in weights]


def _fiscal_year(spec: SubdistrictSpec, year: int, annual: float) -> FiscalYear:
    """Monthly general and non-tax revenue (cents); a partial-year pin fixes its months exactly."""
    rng = _rng("fiscal-months", spec.name, year)
    weights = _jittered(rng, SEASON, 0.12)
    share = rng.uniform(*spec.non_tax_share)
    general = split_total(_cents(annual), weights)
    non_tax = split_total(_cents(annual * share), _jittered(rng, weights, 0.3))
    pin: FiscalPin | None = next((p for p in spec.fiscal_pins if p.year == year), None)
    if pin is not None:
        months = pin.last_month
        general[:months] = split_total(_cents(pin.general), weights[:months])
        if pin.tax is not None:
            non_tax[:months] = split_total(_cents(pin.general - pin.tax), weights[:months])
    non_tax = [min(n, g) for n, g in zip(non_tax, general, strict=True)]
    return FiscalYear(year, tuple(general), tuple(non_tax), share)


def month_closed(year: int, month: int, today: dt.date) -> bool:
    """A month's fiscal figure exists only once the month is over (当月数 are closed months).

    A running month would count as a whole one: on the 1st the report's 序时进度 would jump
    to month/12 and 同比 would compare a few days with a full month of last year.
    """
    return (year, month) < (today.year, today.month)


def _month_rows(
    spec: SubdistrictSpec, year: int, month: int, general: int, non_tax: int
) -> list[Row]:
    """A month's headline items plus tax types that add up to 税收收入 to the cent."""
    tax = general - non_tax
    rng = _rng("fiscal-types", spec.name, year, month)
    types = split_total(tax, _jittered(rng, [w for _, w in TAX_TYPES], 0.25))
    amounts = [(GENERAL_ITEM, general), (TAX_ITEM, tax)]
    amounts += [(name, cents) for (name, _), cents in zip(TAX_TYPES, types, strict=True)]
    return [
        {"subdistrict": spec.name, "year": year, "month": month, "item": item, "amount": c / 100}
        for item, c in amounts
    ]


def fiscal_rows(spec: SubdistrictSpec, today: dt.date) -> list[Row]:
    """财政收入 (当月数) from ``fiscal_first_year`` to the last closed month before today's."""
    rows: list[Row] = []
    for year, annual in _annual_generals(spec, today.year).items():
        fiscal = _fiscal_year(spec, year, annual)
        for month in range(1, 13):
            if not month_closed(year, month, today):
                break
            general = fiscal.general[month - 1]
            non_tax = min(fiscal.non_tax[month - 1], general)
            rows.extend(_month_rows(spec, year, month, general, non_tax))
    return rows


def fiscal_target_rows(spec: SubdistrictSpec, today: dt.date) -> list[Row]:
    """年度目标 for the two headline items: last year's revenue plus a planned growth."""
    annual = _annual_generals(spec, today.year)
    rows: list[Row] = []
    for year in annual:
        rng = _rng("fiscal-target", spec.name, year)
        base = annual.get(year - 1, annual[year] / (1 + spec.fiscal_growth))
        general = round(base * (1 + rng.uniform(0.04, 0.09)), -1)
        share = _fiscal_year(spec, year, annual[year]).non_tax_share
        tax = round(general * (1 - share), -1)
        for item, target in ((GENERAL_ITEM, general), (TAX_ITEM, tax)):
            rows.append({"subdistrict": spec.name, "year": year, "item": item, "target": target})
    return rows


# --- 普查进度 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """A registration drive: planned days, rows up to ``last_day``, final rate per community."""

    name: str
    start: dt.date
    planned_days: int
    last_day: dt.date
    final_rates: dict[str, float]
    front_loaded: bool = False


def _daily_weights(rng: random.Random, campaign: Campaign) -> list[float]:
    """How much of the work falls on each planned day (bell or front-loaded, weekends slower)."""
    weights = []
    for d in range(campaign.planned_days):
        x = (d + 0.5) / campaign.planned_days
        shape = 1.8 - 1.5 * x if campaign.front_loaded else 0.3 + math.sin(math.pi * x)
        weekday = (campaign.start + dt.timedelta(days=d)).weekday()
        weights.append(shape * rng.uniform(0.6, 1.4) * (0.6 if weekday >= 5 else 1.0))
    return weights


def census_rows(spec: SubdistrictSpec, campaign: Campaign) -> list[Row]:
    """Daily cumulative rows per community: floor of a non-decreasing curve never goes down."""
    rows: list[Row] = []
    last = min((campaign.last_day - campaign.start).days, campaign.planned_days - 1)
    for community in spec.communities:
        rng = _rng("census", campaign.name, spec.name, community.name)
        weights = _daily_weights(rng, campaign)
        total = sum(weights)
        rate = campaign.final_rates[community.name]
        done = 0.0
        for d in range(last + 1):
            done += weights[d]
            share = 1.0 if d == campaign.planned_days - 1 else min(done / total, 1.0)
            households = math.floor(community.households * rate * share)
            persons = round(community.population * households / community.households)
            rows.append(
                {
                    "campaign": campaign.name,
                    "subdistrict": spec.name,
                    "community": community.name,
                    "day": campaign.start + dt.timedelta(days=d),
                    "expected_households": community.households,
                    "registered_households": households,
                    "registered_persons": persons,
                }
            )
    return rows


def census_2020_campaign(spec: SubdistrictSpec) -> Campaign:
    """第七次全国人口普查 household registration: ends at 100 % (a few at 99.x %)."""
    rng = _rng("census-2020-rates", spec.name)
    rates = {
        c.name: 1.0 if rng.random() < 0.7 else round(rng.uniform(0.994, 0.999), 4)
        for c in spec.communities
    }
    days = (CENSUS_2020_END - CENSUS_2020_START).days + 1
    return Campaign(CENSUS_2020_CAMPAIGN, CENSUS_2020_START, days, CENSUS_2020_END, rates, True)


def current_campaign(spec: SubdistrictSpec, today: dt.date) -> Campaign:
    """This year's 人口信息核查: a 40-day drive (the plan line of ``figures.status``) started
    24 days ago, so on the demo's today some communities are ahead of the plan and some behind."""
    rng = _rng("census-current-rates", spec.name, today.year)
    rates = {c.name: min(rng.uniform(0.62, 1.1), 1.0) for c in spec.communities}
    for slow in rng.sample(sorted(rates), 2):
        rates[slow] = rng.uniform(0.4, 0.55)
    start = max(today - dt.timedelta(days=24), dt.date(today.year, 1, 1))
    return Campaign(f"{today.year}年人口信息核查", start, CENSUS_PLAN_DAYS, today, rates)


# --- 志愿者 / 志愿服务 ----------------------------------------------------------------------


def _birth_year(rng: random.Random, registered_year: int) -> int:
    """Volunteers are mostly retirees and young people; nobody under 16."""
    low, high = rng.choices(((16, 30), (31, 50), (51, 70), (71, 78)), (30, 25, 38, 7))[0]
    return registered_year - rng.randint(low, high)


def volunteer_rows(spec: SubdistrictSpec, today: dt.date) -> list[Row]:
    """志愿者 registered year by year (codes by registration order), up to today."""
    communities = [c.name for c in spec.communities]
    keen = _rng("volunteer-keenness", spec.name)
    weights = [c.population * keen.uniform(0.55, 1.35) for c in spec.communities]
    drawn: list[tuple[dt.date, float, Row]] = []
    for first, last, per_year in spec.volunteer_waves:
        for year in range(first, min(last, today.year) + 1):
            rng = _rng("volunteer", spec.name, year)
            for _ in range(round(per_year * rng.uniform(0.85, 1.15))):
                registered_on = _random_day(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
                row: Row = {
                    "subdistrict": spec.name,
                    "community": rng.choices(communities, weights)[0],
                    "registered_on": registered_on,
                    "gender": "女" if rng.random() < 0.6 else "男",
                    "birth_year": _birth_year(rng, year),
                }
                drawn.append((registered_on, rng.random(), row))
    drawn.sort(key=lambda item: item[:2])
    rows = [row for _, _, row in drawn]
    for number, row in enumerate(rows, start=1):
        row["code"] = f"ZY-{spec.abbr}-{number:05d}"
    return [r for r in rows if r["registered_on"] <= today]


@dataclass
class Activity:
    """One service activity: its participants each give one 志愿服务 record."""

    name: str
    kind: str
    day: dt.date
    community: str
    participants: int
    tenths: list[int] = field(default_factory=list)


def _topics(year: int) -> list[tuple[str, str]]:
    pairs = [(kind, topic) for kind, topics in ACTIVITY_TOPICS.items() for topic in topics]
    if year in EPIDEMIC_YEARS:
        pairs += [("疫情防控", topic) for topic in EPIDEMIC_TOPICS]
    return pairs


def _random_activities(
    rng: random.Random, spec: SubdistrictSpec, year: int, count: int
) -> list[Activity]:
    """``count`` activities with distinct names (community + topic + date) across the year."""
    communities = [c.name for c in spec.communities]
    populations = [c.population for c in spec.communities]
    topics = _topics(year)
    names: set[str] = set()
    activities = []
    while len(activities) < count:
        kind, topic = rng.choice(topics)
        community = rng.choices(communities, populations)[0]
        day = _random_day(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        name = f"{community}{topic}（{day.month}月{day.day}日）"
        if name in names:
            continue
        names.add(name)
        activities.append(Activity(name, kind, day, community, rng.randint(4, 14)))
    return activities


def _weekly_patrols(rng: random.Random, spec: SubdistrictSpec, year: int) -> list[Activity]:
    """Every Saturday one community patrols: there is always service in any 7-day window."""
    day = dt.date(year, 1, 1)
    day += dt.timedelta(days=(5 - day.weekday()) % 7)
    patrols = []
    while day.year == year:
        community = spec.communities[day.isocalendar().week % len(spec.communities)].name
        name = f"{community}周末平安巡逻（{day.month}月{day.day}日）"
        patrols.append(Activity(name, "平安巡逻", day, community, rng.randint(4, 6)))
        day += dt.timedelta(days=7)
    return patrols


def _record_tenths(rng: random.Random, activity: Activity) -> list[int]:
    base = rng.choice(HOURS_TENTHS_BASE)
    return [
        min(MAX_TENTHS, max(MIN_TENTHS, base + rng.randint(-5, 5)))
        for _ in range(activity.participants)
    ]


def fit_total(rng: random.Random, values: list[int], target: int, low: int, high: int) -> list[int]:
    """Rescale integers to sum exactly to ``target`` while each stays within [low, high]."""
    total = sum(values)
    fitted = [min(high, max(low, round(v * target / total))) for v in values]
    diff = target - sum(fitted)
    step = 1 if diff > 0 else -1
    while diff:
        i = rng.randrange(len(fitted))
        if low <= fitted[i] + step <= high:
            fitted[i] += step
            diff -= step
    return fitted


def _pinned_activities(
    rng: random.Random, spec: SubdistrictSpec, pin: ServiceYearPin
) -> list[Activity]:
    """A published year: exactly ``pin.records`` records and ``pin.hours`` hours."""
    activities = _random_activities(rng, spec, pin.year, pin.activities)
    sizes = split_total(pin.records, [rng.uniform(0.5, 1.5) for _ in activities])
    for activity, size in zip(activities, sizes, strict=True):
        activity.participants = size
    tenths = [t for a in activities for t in _record_tenths(rng, a)]
    tenths = fit_total(rng, tenths, round(pin.hours * 10), MIN_TENTHS, MAX_TENTHS)
    start = 0
    for activity in activities:
        activity.tenths = tenths[start : start + activity.participants]
        start += activity.participants
    return activities


def _year_activities(spec: SubdistrictSpec, year: int) -> list[Activity]:
    """All activities of one year (pinned or invented), in date order, before cutting at today."""
    rng = _rng("activities", spec.name, year)
    pin = next((p for p in spec.service_pins if p.year == year), None)
    if pin is not None:
        activities = _pinned_activities(rng, spec, pin)
    else:
        count = round(spec.activities_per_year * rng.uniform(0.9, 1.1))
        activities = _random_activities(rng, spec, year, count) + _weekly_patrols(rng, spec, year)
        for activity in activities:
            activity.tenths = _record_tenths(rng, activity)
    activities.sort(key=lambda a: (a.day, a.name))
    return activities


class VolunteerPool:
    """Volunteers by registration date, overall and per community, for picking participants."""

    def __init__(self, volunteers: Iterable[Row]) -> None:
        ordered = sorted(volunteers, key=lambda r: (r["registered_on"], r["code"]))
        self.codes = [r["code"] for r in ordered]
        self.dates = [r["registered_on"] for r in ordered]
        self.local_codes: dict[str, list[str]] = {}
        self.local_dates: dict[str, list[dt.date]] = {}
        for row in ordered:
            self.local_codes.setdefault(row["community"], []).append(row["code"])
            self.local_dates.setdefault(row["community"], []).append(row["registered_on"])

    def pick(self, rng: random.Random, day: dt.date, community: str, count: int) -> list[str]:
        """Up to ``count`` distinct volunteers registered by ``day``, ~70 % from the community."""
        eligible = bisect.bisect_right(self.dates, day)
        local = bisect.bisect_right(self.local_dates.get(community, []), day)
        count = min(count, eligible)
        chosen = [
            self.local_codes[community][i]
            for i in rng.sample(range(local), min(local, round(count * 0.7)))
        ]
        taken = set(chosen)
        while len(chosen) < count:
            code = self.codes[rng.randrange(eligible)]
            if code not in taken:
                taken.add(code)
                chosen.append(code)
        return chosen


def service_rows(spec: SubdistrictSpec, volunteers: Sequence[Row], today: dt.date) -> list[Row]:
    """志愿服务 records: pinned years exactly as published, ``first_year`` … today invented."""
    pool = VolunteerPool(volunteers)
    years = sorted(
        {p.year for p in spec.service_pins} | set(range(spec.first_year, today.year + 1))
    )
    rows: list[Row] = []
    for year in years:
        rng = _rng("service", spec.name, year)
        number = 0
        for activity in _year_activities(spec, year):
            if activity.day > today:
                break
            codes = pool.pick(rng, activity.day, activity.community, activity.participants)
            if len(codes) < activity.participants and year in {p.year for p in spec.service_pins}:
                raise ValueError(f"{spec.name} {year} 年志愿者人数不足，无法生成公开数据")
            for code, tenths in zip(codes, activity.tenths, strict=False):
                number += 1
                rows.append(
                    {
                        "code": f"FW-{spec.abbr}-{year}-{number:06d}",
                        "volunteer_code": code,
                        "activity_name": activity.name,
                        "activity_type": activity.kind,
                        "service_date": activity.day,
                        "hours": tenths / 10,
                        "subdistrict": spec.name,
                        "community": activity.community,
                    }
                )
    return rows


# --- Assembly and writing -------------------------------------------------------------------


@dataclass
class DemoData:
    """Rows per table with natural references, ready for ``write_demo``."""

    communities: list[Row] = field(default_factory=list)
    projects: list[Row] = field(default_factory=list)
    fiscal: list[Row] = field(default_factory=list)
    targets: list[Row] = field(default_factory=list)
    census: list[Row] = field(default_factory=list)
    volunteers: list[Row] = field(default_factory=list)
    services: list[Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per table, keyed by table name (what ``load_demo`` returns)."""
        return {
            Community.__tablename__: len(self.communities),
            LivelihoodProject.__tablename__: len(self.projects),
            FiscalMonthly.__tablename__: len(self.fiscal),
            FiscalTarget.__tablename__: len(self.targets),
            CensusProgress.__tablename__: len(self.census),
            Volunteer.__tablename__: len(self.volunteers),
            ServiceRecord.__tablename__: len(self.services),
        }


def build_demo(
    specs: Iterable[SubdistrictSpec], today: dt.date, *, census_2020: bool = True
) -> DemoData:
    """Every table's rows for ``specs`` as they stand on ``today``."""
    data = DemoData()
    for spec in specs:
        data.communities += community_rows(spec)
        data.projects += project_rows(spec, today)
        data.fiscal += fiscal_rows(spec, today)
        data.targets += fiscal_target_rows(spec, today)
        if census_2020:  # the 7th national census was nationwide: every subdistrict ran it
            data.census += census_rows(spec, census_2020_campaign(spec))
        data.census += census_rows(spec, current_campaign(spec, today))
        volunteers = volunteer_rows(spec, today)
        data.volunteers += volunteers
        data.services += service_rows(spec, volunteers, today)
    return data


# Chinese names of the tables, for messages and the command line summary.
TABLE_LABELS: dict[str, str] = {
    Community.__tablename__: "社区名录",
    LivelihoodProject.__tablename__: "民生实事",
    FiscalMonthly.__tablename__: "财政收入",
    FiscalTarget.__tablename__: "财政目标",
    CensusProgress.__tablename__: "普查进度",
    Volunteer.__tablename__: "志愿者",
    ServiceRecord.__tablename__: "志愿服务",
}
# Children before parents: the order in which the previous demo content is deleted.
DELETE_ORDER = (
    ServiceRecord,
    Volunteer,
    CensusProgress,
    LivelihoodProject,
    FiscalMonthly,
    FiscalTarget,
    Community,
)
CHUNK = 5_000


def _new_batch(conn: Connection, source_file: str, today: dt.date, counts: dict[str, int]) -> int:
    digest = hashlib.sha256(f"{source_file}:{today.isoformat()}:{SEED}".encode()).hexdigest()
    result = conn.execute(
        insert(ImportBatch).values(
            source_file=source_file,
            file_hash=digest,
            imported_at=dt.datetime.now().replace(microsecond=0),
            imported_by="demo",
            rows_total=sum(counts.values()),
            summary=json.dumps(counts, ensure_ascii=False),
        )
    )
    return int(result.inserted_primary_key[0])


def _community_ids(conn: Connection) -> dict[tuple[str, str], int]:
    query = select(Community.subdistrict, Community.name, Community.id)
    return {(s, n): i for s, n, i in conn.execute(query)}


def _volunteer_ids(conn: Connection) -> dict[str, int]:
    return {code: id_ for code, id_ in conn.execute(select(Volunteer.code, Volunteer.id))}


def _with_ids(
    rows: Iterable[Row],
    batch_id: int,
    communities: dict[tuple[str, str], int] | None = None,
    volunteers: dict[str, int] | None = None,
) -> list[Row]:
    """Replace natural references by database ids and stamp the batch."""
    out = []
    for row in rows:
        row = dict(row, batch_id=batch_id)
        if communities is not None and "community" in row:
            row["community_id"] = communities[(row.pop("subdistrict"), row.pop("community"))]
        if volunteers is not None:
            row["volunteer_id"] = volunteers[row.pop("volunteer_code")]
        out.append(row)
    return out


class _Writer:
    """Bulk inserts in chunks, reporting rows written to the optional progress callback."""

    def __init__(self, conn: Connection, total: int, progress: Progress | None) -> None:
        self.conn, self.total, self.progress, self.done = conn, total, progress, 0

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, message)

    def write(self, model: type, rows: list[Row]) -> None:
        message = f"写入{TABLE_LABELS[model.__tablename__]}"
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            self.conn.execute(insert(model), chunk)
            self.done += len(chunk)
            self.report(message)


def write_demo(
    engine: Engine,
    data: DemoData,
    *,
    source_file: str,
    today: dt.date,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace all data with ``data`` in one transaction; returns rows per table."""
    counts = data.counts()
    with engine.begin() as conn, without_statement_timeout(conn):
        writer = _Writer(conn, sum(counts.values()), progress)
        writer.report("清空原有数据")
        for model in DELETE_ORDER:
            conn.execute(delete(model))
        batch_id = _new_batch(conn, source_file, today, counts)
        writer.write(Community, _with_ids(data.communities, batch_id))
        ids = _community_ids(conn)
        writer.write(LivelihoodProject, _with_ids(data.projects, batch_id, ids))
        writer.write(FiscalMonthly, _with_ids(data.fiscal, batch_id))
        writer.write(FiscalTarget, _with_ids(data.targets, batch_id))
        writer.write(CensusProgress, _with_ids(data.census, batch_id, ids))
        writer.write(Volunteer, _with_ids(data.volunteers, batch_id, ids))
        vols = _volunteer_ids(conn)
        writer.write(ServiceRecord, _with_ids(data.services, batch_id, ids, vols))
        rollups.rebuild(conn)
    writer.report("示例数据已写入")
    return counts


def load_demo(
    engine: Engine,
    scale: str = "small",
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace the database content with the demo data set as it stands on ``today``.

    Running it twice with the same ``today`` gives the same rows. ``progress(done, total,
    message)`` is called as rows are written.
    """
    if scale == "city":
        from demo.city import load_city

        return load_city(engine, today=today, progress=progress)
    if scale != "small":
        raise ValueError(f"未知的示例数据规模：{scale}（可选 small 或 city）")
    today = today or dt.date.today()
    if today < EARLIEST_TODAY:
        raise ValueError(
            f"示例数据的日期不能早于 {EARLIEST_TODAY.isoformat()}（含 2020 年公开数据）"
        )
    data = build_demo(SMALL_SUBDISTRICTS, today)
    return write_demo(engine, data, source_file="demo:small", today=today, progress=progress)


__all__ = [
    "CATEGORIES",
    "Campaign",
    "CommunitySpec",
    "DemoData",
    "SubdistrictSpec",
    "TABLE_LABELS",
    "build_demo",
    "census_2020_campaign",
    "census_rows",
    "community_rows",
    "current_campaign",
    "fiscal_rows",
    "fiscal_target_rows",
    "load_demo",
    "project_rows",
    "service_rows",
    "split_total",
    "volunteer_rows",
    "write_demo",
]
