"""The three demo subdistricts and the published figures the demo must reproduce.

The demo is synthetic except for a handful of figures that these subdistrict offices have
published; they are pinned here so that a report for the publication date shows them:

- 花园路街道 (郑州市金水区): 10 communities, 常住人口 75,700 in total; the 第七次全国人口普查
  household registration ran from 2020-11-01 to 2020-12-10 and ended at about 100 %.
  The office also published "星级楼院 279 个 (66 %)"; star-rated building groups are NOT
  modelled (no table of the contract holds them), so that figure is not in the demo.
- 新华路街道 (巩义市): 2020 民生实事 育英街社区 11 items (9 done by 2020-06-30) and 货场路社区
  10 items (8 done by 2020-06-30); the project 水苑小区综合整治 (老旧小区改造, 120 万元);
  2020 months 1–6: 一般公共预算收入 2,167 万元 and 税收收入 2,162 万元.
- 文化路街道 (郑州市金水区): 2013 地方公共财政预算收入 70,119 万元 (stored as 一般公共预算收入),
  +27.63 % on 2012; 2013 volunteer service: 510+ activities, 6,965 person-times, 16,804 hours.

Everything else (other years, other communities, project lists, volunteers) is invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommunitySpec:
    """One community of the 社区名录."""

    name: str
    population: int
    households: int


@dataclass(frozen=True)
class FiscalPin:
    """A published fiscal total: months 1…``last_month`` of ``year`` sum exactly to it (万元)."""

    year: int
    last_month: int
    general: float
    tax: float | None = None


@dataclass(frozen=True)
class ServiceYearPin:
    """A published volunteer-service year: exact records, hours and (at least) activities."""

    year: int
    activities: int
    records: int
    hours: float


@dataclass(frozen=True)
class PinnedProject:
    """A 民生实事 item written as published (dates chosen to match the published counts)."""

    community: str
    name: str
    category: str
    planned_on: dt.date
    completed_on: dt.date | None
    investment: float
    beneficiary_households: int


@dataclass(frozen=True)
class SubdistrictSpec:
    """Everything the generators need to invent one subdistrict's data.

    ``abbr`` is the ASCII prefix of generated codes (项目编号, 志愿者编号, 记录编号).
    Pins are published figures the generated data must reproduce exactly.
    """

    name: str
    district: str
    abbr: str
    communities: tuple[CommunitySpec, ...]
    first_year: int  # first year of synthetic projects, fiscal rows and service records
    fiscal_first_year: int  # may reach back further than first_year for a pinned figure
    fiscal_base_general: float  # 一般公共预算收入 of fiscal_first_year (万元), before pins
    fiscal_growth: float
    volunteer_waves: tuple[tuple[int, int, int], ...]  # (first year, last year, per year)
    activities_per_year: int
    non_tax_share: tuple[float, float] = (0.06, 0.13)  # 非税收入 / 一般公共预算收入, drawn per year
    fiscal_pins: tuple[FiscalPin, ...] = ()
    service_pins: tuple[ServiceYearPin, ...] = ()
    pinned_projects: tuple[PinnedProject, ...] = ()
    # (community, year) whose project list is entirely pinned: no synthetic projects there
    pinned_project_years: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    estates: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _pinned(*rows: tuple[str, str, str, str, str, float, int]) -> tuple[PinnedProject, ...]:
    """Pinned projects from a compact table (dates as ISO strings)."""
    return tuple(
        PinnedProject(c, n, cat, dt.date.fromisoformat(p), dt.date.fromisoformat(d), inv, hh)
        for c, n, cat, p, d, inv, hh in rows
    )


CENSUS_2020_CAMPAIGN = "第七次全国人口普查户口登记"
CENSUS_2020_START = dt.date(2020, 11, 1)
CENSUS_2020_END = dt.date(2020, 12, 10)

HUAYUANLU_POPULATION = 75_700
XINHUALU_H1_2020_GENERAL = 2_167.0
XINHUALU_H1_2020_TAX = 2_162.0
WENHUALU_2013_GENERAL = 70_119.0
WENHUALU_2013_YOY = 0.2763
# 70,119 / 1.2763 rounded to 2 decimals; round(70119 / this - 1, 4) == 0.2763 (tested).
WENHUALU_2012_GENERAL = round(WENHUALU_2013_GENERAL / (1 + WENHUALU_2013_YOY), 2)
WENHUALU_2013_ACTIVITIES = 512  # published as "510 余次"
WENHUALU_2013_PERSON_TIMES = 6_965
WENHUALU_2013_HOURS = 16_804.0
SHUIYUAN_PROJECT = "水苑小区综合整治"
SHUIYUAN_INVESTMENT = 120.0

HUAYUANLU = SubdistrictSpec(
    name="花园路街道",
    district="郑州市金水区",
    abbr="HYL",
    communities=(
        CommunitySpec("通信花园社区", 8_936, 3_297),
        CommunitySpec("花园新村社区", 9_614, 3_561),
        CommunitySpec("纬五路社区", 7_783, 2_934),
        CommunitySpec("农科路社区", 8_215, 3_042),
        CommunitySpec("省委社区", 6_318, 2_296),
        CommunitySpec("黄河路社区", 7_402, 2_741),
        CommunitySpec("政七街社区", 6_887, 2_589),
        CommunitySpec("经三路社区", 7_129, 2_677),
        CommunitySpec("丰庆路社区", 6_705, 2_463),
        CommunitySpec("柳林社区", 6_711, 2_508),
    ),
    first_year=2019,
    fiscal_first_year=2019,
    fiscal_base_general=28_400.0,
    fiscal_growth=0.05,
    volunteer_waves=((2017, 2100, 880),),
    activities_per_year=260,
)

# fmt: off
XINHUALU_PINNED_PROJECTS = _pinned(
    # 育英街社区: 11 items, 9 completed by 2020-06-30.
    ("育英街社区", "育英街3号院老旧小区改造", "老旧小区改造", "2020-06-30", "2020-06-22", 86.5, 96),
    ("育英街社区", "育英街社区老年助餐点", "养老助餐", "2020-04-30", "2020-04-26", 18.0, 420),
    ("育英街社区", "育英街东段雨污分流改造", "道路及管网", "2020-05-31", "2020-05-28", 64.0, 310),
    ("育英街社区", "育英街5号院加装电梯", "加装电梯", "2020-06-30", "2020-06-19", 52.0, 24),
    ("育英街社区", "教育局家属院智能安防监控", "安防监控", "2020-04-30", "2020-04-17", 21.5, 186),
    ("育英街社区", "育英街社区电动自行车充电桩", "充电设施", "2020-03-31", "2020-03-27", 9.6, 540),
    ("育英街社区", "育英街游园绿化提升", "环境绿化", "2020-05-31", "2020-05-20", 27.0, 860),
    ("育英街社区", "育英街社区便民服务站升级", "便民服务", "2020-04-30", "2020-04-29", 12.0, 980),
    ("育英街社区", "育英街8号院屋面防水维修", "老旧小区改造", "2020-06-30", "2020-06-29", 31.0, 72),
    ("育英街社区", "育英街路灯更换", "道路及管网", "2020-09-30", "2020-09-18", 15.5, 640),
    ("育英街社区", "育英街12号院加装电梯", "加装电梯", "2020-11-30", "2020-11-20", 54.0, 30),
    # 货场路社区: 10 items, 8 completed by 2020-06-30.
    ("货场路社区", "货场路南段道路修缮", "道路及管网", "2020-05-31", "2020-05-25", 78.0, 450),
    ("货场路社区", "铁路家属院老旧小区改造", "老旧小区改造", "2020-06-30", "2020-06-28", 142.0, 168),
    ("货场路社区", "货场路社区日间照料中心助餐", "养老助餐", "2020-04-30", "2020-04-21", 22.0, 360),
    ("货场路社区", "货场路社区电动自行车充电桩", "充电设施", "2020-03-31", "2020-03-30", 8.4, 480),
    ("货场路社区", "粮食局家属院智能门禁监控", "安防监控", "2020-05-31", "2020-05-14", 16.5, 132),
    ("货场路社区", "货场路口袋公园建设", "环境绿化", "2020-06-30", "2020-06-26", 35.0, 720),
    ("货场路社区", "货场路社区便民服务站升级", "便民服务", "2020-04-30", "2020-04-28", 10.5, 900),
    ("货场路社区", "物资局家属院雨污分流改造", "道路及管网", "2020-06-30", "2020-06-16", 46.0, 154),
    ("货场路社区", "货场路7号院加装电梯", "加装电梯", "2020-10-31", "2020-10-23", 51.0, 28),
    ("货场路社区", "货场路背街小巷绿化提升", "环境绿化", "2020-12-15", "2020-12-09", 19.0, 380),
    # Published on its own (新华北路社区 is where 水苑小区 sits in the demo).
    ("新华北路社区", SHUIYUAN_PROJECT, "老旧小区改造", "2020-10-31", "2020-10-27", SHUIYUAN_INVESTMENT, 236),
)
# fmt: on

XINHUALU = SubdistrictSpec(
    name="新华路街道",
    district="巩义市",
    abbr="XHL",
    communities=(
        CommunitySpec("新华北路社区", 9_412, 3_386),
        CommunitySpec("新兴路社区", 8_127, 2_903),
        CommunitySpec("桐本北路社区", 7_356, 2_689),
        CommunitySpec("文化街社区", 6_894, 2_512),
        CommunitySpec("育英街社区", 7_981, 2_874),
        CommunitySpec("货场路社区", 6_433, 2_341),
    ),
    first_year=2019,
    fiscal_first_year=2019,
    fiscal_base_general=4_720.0,
    fiscal_growth=0.045,
    volunteer_waves=((2016, 2100, 470),),
    activities_per_year=180,
    non_tax_share=(0.001, 0.006),  # published: 2,162 of 2,167 万元 were taxes
    fiscal_pins=(FiscalPin(2020, 6, XINHUALU_H1_2020_GENERAL, XINHUALU_H1_2020_TAX),),
    pinned_projects=XINHUALU_PINNED_PROJECTS,
    pinned_project_years=frozenset({("育英街社区", 2020), ("货场路社区", 2020)}),
    estates={"新华北路社区": ("水苑小区", "新华北路2号院", "电业局家属院", "新华小区")},
)

WENHUALU = SubdistrictSpec(
    name="文化路街道",
    district="郑州市金水区",
    abbr="WHL",
    communities=(
        CommunitySpec("文化北路社区", 11_208, 4_106),
        CommunitySpec("东风路社区", 9_874, 3_655),
        CommunitySpec("红专路社区", 10_536, 3_902),
        CommunitySpec("南阳新村社区", 12_317, 4_488),
        CommunitySpec("关虎屯社区", 8_962, 3_214),
        CommunitySpec("文博社区", 7_645, 2_831),
        CommunitySpec("政四街社区", 8_103, 2_997),
        CommunitySpec("北环路社区", 9_381, 3_468),
    ),
    first_year=2019,
    fiscal_first_year=2012,
    fiscal_base_general=WENHUALU_2012_GENERAL,
    fiscal_growth=0.04,
    volunteer_waves=((2010, 2013, 265), (2014, 2100, 640)),
    activities_per_year=300,
    fiscal_pins=(
        FiscalPin(2012, 12, WENHUALU_2012_GENERAL),
        FiscalPin(2013, 12, WENHUALU_2013_GENERAL),
    ),
    service_pins=(
        ServiceYearPin(
            2013, WENHUALU_2013_ACTIVITIES, WENHUALU_2013_PERSON_TIMES, WENHUALU_2013_HOURS
        ),
    ),
)

SMALL_SUBDISTRICTS: tuple[SubdistrictSpec, ...] = (HUAYUANLU, XINHUALU, WENHUALU)
