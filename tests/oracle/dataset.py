"""A seeded generator of a valid data set in the import-file format of contract §1.

Every table is a list of dicts keyed by the Chinese headers, with every value a string exactly
as it would stand in a CSV cell (dates ``YYYY-MM-DD``, months ``YYYY-MM``, empty string for an
empty cell). Around an *anchor* date the data is rich in edges (completion on the anchor and the
day after, planned dates on and just before it, week boundaries, census rows that start late),
so that a report for the anchor exercises every sentence of §3.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

DEFAULT_ANCHOR = dt.date(2024, 6, 30)

HEADERS: dict[str, list[str]] = {
    "communities": ["街道", "社区", "常住人口", "户数"],
    "projects": [
        "项目编号",
        "街道",
        "社区",
        "项目名称",
        "类别",
        "年度",
        "计划完成日期",
        "状态",
        "完成日期",
        "投资金额(万元)",
        "受益户数",
    ],
    "fiscal_monthly": ["街道", "月份", "科目", "当月金额(万元)"],
    "fiscal_targets": ["街道", "年度", "科目", "年度目标(万元)"],
    "census": ["任务名称", "街道", "社区", "日期", "应登记户数", "已登记户数", "已登记人数"],
    "volunteers": ["志愿者编号", "街道", "社区", "注册日期", "性别", "出生年份"],
    "service_records": [
        "记录编号",
        "志愿者编号",
        "活动名称",
        "活动类型",
        "服务日期",
        "服务时长(小时)",
        "街道",
        "社区",
    ],
}

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "communities": ("街道", "社区"),
    "projects": ("项目编号",),
    "fiscal_monthly": ("街道", "月份", "科目"),
    "fiscal_targets": ("街道", "年度", "科目"),
    "census": ("任务名称", "街道", "社区", "日期"),
    "volunteers": ("志愿者编号",),
    "service_records": ("记录编号",),
}

FILE_NAMES: dict[str, str] = {
    "communities": "社区名录.csv",
    "projects": "民生实事.csv",
    "fiscal_monthly": "财政收入.csv",
    "fiscal_targets": "财政目标.csv",
    "census": "普查进度.csv",
    "volunteers": "志愿者.csv",
    "service_records": "志愿服务.csv",
}

SUBDISTRICT_NAMES = ["城关街道", "东湖街道", "西城街道", "南苑街道"]
COMMUNITY_NAMES = [
    "和平社区",
    "光明社区",
    "朝阳社区",
    "新华社区",
    "建设社区",
    "友谊社区",
    "长青社区",
    "春晖社区",
    "锦绣社区",
    "金桥社区",
    "翠湖社区",
    "枫林社区",
    "滨江社区",
    "育才社区",
    "振兴社区",
]
SHARED_COMMUNITY_NAME = "幸福社区"  # the same name in two subdistricts: (街道, 社区) is the key
CATEGORIES = ["老旧小区改造", "加装电梯", "道路及管网", "安防监控", "充电设施", "养老助餐"]
TAX_ITEMS = ["增值税", "企业所得税", "个人所得税"]
HOURS = ["0.5", "1", "1.5", "2", "2.5", "3", "4", "8", "24"]
ACTIVITIES = [
    ("垃圾分类宣传", "环境保护"),
    ("助老送餐", "助老服务"),
    ("路口文明劝导", "文明交通"),
    ("楼道清理", "环境保护"),
    ("议事协商会", "社区治理"),
]

Tables = dict[str, list[dict[str, str]]]


def _day(d: dt.date) -> str:
    return d.isoformat()


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _money(value: float) -> str:
    """An amount with at most two decimals, written without trailing zeros."""
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")


def _communities(rng: random.Random) -> list[dict[str, str]]:
    subdistricts = rng.sample(SUBDISTRICT_NAMES, rng.choice([2, 3]))
    pool = rng.sample(COMMUNITY_NAMES, len(COMMUNITY_NAMES))
    rows = []
    for index, sub in enumerate(subdistricts):
        names = [pool.pop() for _ in range(rng.randint(3, 5))]
        if index < 2:
            names[rng.randrange(len(names))] = SHARED_COMMUNITY_NAME
        for name in names:
            population = rng.randint(3000, 15000)
            rows.append(
                {
                    "街道": sub,
                    "社区": name,
                    "常住人口": str(population),
                    "户数": str(population * 10 // 26),
                }
            )
    return rows


def _project(
    code: str,
    place: dict[str, str],
    year: int,
    planned: dt.date,
    status: str,
    completed: dt.date | None,
    rng: random.Random,
) -> dict[str, str]:
    category = rng.choice(CATEGORIES)
    return {
        "项目编号": code,
        "街道": place["街道"],
        "社区": place["社区"],
        "项目名称": f"{place['社区']}{category}项目",
        "类别": category,
        "年度": str(year),
        "计划完成日期": _day(planned),
        "状态": status,
        "完成日期": _day(completed) if completed else "",
        "投资金额(万元)": _money(rng.uniform(5, 800)),
        "受益户数": str(rng.randint(0, 600)),
    }


def _projects(rng: random.Random, places: list[dict[str, str]], anchor: dt.date) -> list[dict]:
    year, prior = anchor.year, anchor.year - 1
    rows: list[dict[str, str]] = []

    def add(place, yr, planned, status, completed=None):
        rows.append(
            _project(f"MS{yr}-{len(rows) + 1:04d}", place, yr, planned, status, completed, rng)
        )

    for place in places:
        for yr in (prior, year):
            first, last = dt.date(yr, 1, 1), dt.date(yr, 12, 31)
            for _ in range(rng.randint(1, 5)):
                status = rng.choices(["未启动", "推进中", "已完成", "已取消"], [2, 4, 5, 1])[0]
                planned = _random_date(rng, first, last)
                done = _random_date(rng, first, last) if status == "已完成" else None
                add(place, yr, planned, status, done)
    day = dt.timedelta(days=1)
    edges = [
        (year, anchor, "已完成", anchor),
        (year, anchor - day, "已完成", anchor + day),
        (year, anchor - 6 * day, "已完成", anchor - 6 * day),
        (year, anchor + 30 * day, "已完成", anchor - 7 * day),
        (year, anchor - 13 * day, "已完成", anchor - 13 * day),
        (year, anchor - 20 * day, "已完成", anchor - 14 * day),
        (year, anchor, "推进中", None),
        (year, anchor - day, "推进中", None),
        (year, anchor - day, "未启动", None),
        (year, anchor + day, "未启动", None),
        (year, anchor - 10 * day, "已取消", None),
        (prior, dt.date(prior, 12, 31), "已完成", dt.date(year, 1, 2)),
        (year, dt.date(year, 3, 31), "已完成", dt.date(prior, 12, 30)),
        (year, dt.date(year, 12, 31), "已完成", dt.date(year, 1, 1)),
    ]
    for yr, planned, status, done in edges:
        add(rng.choice(places), yr, planned, status, done)
    return rows


def _fiscal(rng: random.Random, subs: list[str], anchor: dt.date) -> tuple[list, list]:
    """Monthly rows and targets with the awkward cases of §3 in known places.

    The first subdistrict has a full year Y (later months must be ignored for a past as-of),
    an item only in Y (no prior year), an item only in Y−1, a target without rows and an item
    without a target. The second lacks month 3 of Y entirely, has an item whose prior year is
    all zeros (yoy null) and an item that only starts in September of Y. A third subdistrict,
    if any, has fiscal rows in Y−1 only (its report for Y has ``fiscal`` null).
    """
    year, prior = anchor.year, anchor.year - 1
    monthly: list[dict[str, str]] = []
    targets: list[dict[str, str]] = []

    def row(sub, yr, month, item, amount):
        monthly.append(
            {
                "街道": sub,
                "月份": f"{yr}-{month:02d}",
                "科目": item,
                "当月金额(万元)": _money(amount),
            }
        )

    def target(sub, yr, item, amount):
        targets.append(
            {"街道": sub, "年度": str(yr), "科目": item, "年度目标(万元)": _money(amount)}
        )

    for index, sub in enumerate(subs):
        years = [prior] if index >= 2 else [prior, year]
        for yr in years:
            for month in range(1, 13):
                if index == 1 and yr == year and month == 3:
                    continue
                taxes = {item: round(rng.uniform(20, 900), 2) for item in TAX_ITEMS}
                if index == 0 and yr == year and month == 5:
                    del taxes["个人所得税"]
                tax_total = round(sum(taxes.values()), 2)
                row(sub, yr, month, "一般公共预算收入", tax_total * 1.25)
                row(sub, yr, month, "税收收入", tax_total)
                for item, amount in taxes.items():
                    row(sub, yr, month, item, amount)
                if index == 0 and yr == year:
                    row(sub, yr, month, "契税", rng.uniform(0, 60))
                if index == 0 and yr == prior:
                    row(sub, yr, month, "土地增值税", rng.uniform(0, 60))
                if index == 1:
                    row(sub, yr, month, "房产税", 0 if yr == prior else rng.uniform(1, 30))
                if index == 1 and yr == year and month >= 9:
                    row(sub, yr, month, "环境保护税", rng.uniform(1, 10))
            for item in ["一般公共预算收入", "税收收入", "增值税", "个人所得税"]:
                if item == "个人所得税" and (index + yr) % 2:
                    continue
                target(sub, yr, item, rng.uniform(3000, 20000))
            if index == 1:
                target(sub, yr, "企业所得税", rng.uniform(1000, 5000))
        if index == 0:
            target(sub, year, "印花税", rng.uniform(50, 100))
    return monthly, targets


def _census_series(rng, campaign, place, days, expected, overshoot=False):
    """Cumulative rows of one community: registered counts never go down."""
    rows = []
    households = 0
    for number, day in enumerate(sorted(set(days))):
        last = number == len(set(days)) - 1
        if number and rng.random() < 0.1:
            expected += rng.randint(0, 5)  # the expected count was revised upwards
        households = min(expected, households + rng.randint(0, max(1, expected // 5)))
        if overshoot and last:
            households = expected + 3
        rows.append(
            {
                "任务名称": campaign,
                "街道": place["街道"],
                "社区": place["社区"],
                "日期": _day(day),
                "应登记户数": str(expected),
                "已登记户数": str(households),
                "已登记人数": str(households * 2 + rng.randint(0, households)),
            }
        )
    return rows


def _census(rng: random.Random, places: list[dict[str, str]], anchor: dt.date) -> list[dict]:
    """Two campaigns: the old one in Oct–Dec of Y−1, the new one around the anchor.

    The new one starts at a different date per subdistrict (the third one only after the
    anchor), and in the first subdistrict one community only starts after anchor − 7 and
    another only after the anchor.
    """
    prior = anchor.year - 1
    old, new = f"{prior}年人口普查入户登记", f"{anchor.year}年流动人口专项调查"
    day = dt.timedelta(days=1)
    subs = list(dict.fromkeys(place["街道"] for place in places))
    starts = {sub: anchor - [27, 12, -5, -9][i] * day for i, sub in enumerate(subs)}
    rows: list[dict[str, str]] = []
    first_sub = [p for p in places if p["街道"] == subs[0]]
    late_start = {id(first_sub[0]): anchor - 3 * day, id(first_sub[1]): anchor + day}
    for index, place in enumerate(places):
        expected = int(place["户数"]) // 10 + rng.randint(-20, 20)
        days = [dt.date(prior, 10, 9) + rng.randint(0, 6) * day]
        while days[-1] < dt.date(prior, 12, 20):
            days.append(days[-1] + rng.randint(1, 9) * day)
        rows += _census_series(rng, old, place, days, expected, overshoot=index == 2)
        start = late_start.get(id(place), starts[place["街道"]] + rng.randint(0, 4) * day)
        days = [start]
        while days[-1] < anchor + 40 * day:
            days.append(days[-1] + rng.randint(1, 5) * day)
        days += [d for d in (anchor - 7 * day, anchor, anchor - 6 * day) if d >= start]
        rows += _census_series(rng, new, place, days, expected + rng.randint(-9, 9))
    return rows


def _volunteers(rng, places, anchor) -> tuple[list, list]:
    year, prior = anchor.year, anchor.year - 1
    day = dt.timedelta(days=1)
    volunteers: list[dict[str, str]] = []
    registered: dict[str, dt.date] = {}

    def add(place, on):
        code = f"ZYZ{len(volunteers) + 1:05d}"
        registered[code] = on
        volunteers.append(
            {
                "志愿者编号": code,
                "街道": place["街道"],
                "社区": place["社区"],
                "注册日期": _day(on),
                "性别": rng.choice(["男", "女"]),
                "出生年份": str(rng.randint(1945, 2006)),
            }
        )
        return code

    veteran = add(places[0], dt.date(prior - 1, 3, 5))
    for place in places:
        for _ in range(rng.randint(2, 6)):
            add(place, _random_date(rng, dt.date(prior - 1, 1, 1), dt.date(year, 12, 31)))
    for offset in (0, 1, -6, -7):
        add(rng.choice(places), anchor + offset * day)
    add(rng.choice(places), dt.date(year, 1, 1))

    records: list[dict[str, str]] = []

    def serve(code, on, hours, place):
        name, kind = rng.choice(ACTIVITIES)
        records.append(
            {
                "记录编号": f"FW{len(records) + 1:06d}",
                "志愿者编号": code,
                "活动名称": name,
                "活动类型": kind,
                "服务日期": _day(on),
                "服务时长(小时)": hours,
                "街道": place["街道"],
                "社区": place["社区"],
            }
        )

    home = {v["志愿者编号"]: v for v in volunteers}
    for code, on in registered.items():
        start = max(on, dt.date(prior, 1, 1))
        for _ in range(rng.randint(0, 6)):
            if start > dt.date(year, 12, 31):
                break
            place = home[code] if rng.random() < 0.85 else rng.choice(places)
            serve(code, _random_date(rng, start, dt.date(year, 12, 31)), rng.choice(HOURS), place)
    edge_days = [anchor + offset * day for offset in (0, 1, -6, -7, -13, -14)]
    edge_days += [dt.date(year, 1, 1), dt.date(prior, 12, 31), dt.date(year, 1, 3)]
    for on in edge_days:
        serve(veteran, on, rng.choice(["0.5", "2.5", "24"]), rng.choice(places))
    newcomer = next(code for code, on in registered.items() if on == anchor)
    serve(newcomer, anchor, "2.5", rng.choice(places))
    return volunteers, records


def make_dataset(seed: int, anchor: dt.date = DEFAULT_ANCHOR) -> Tables:
    """A valid data set for all seven tables, random but reproducible from ``seed``."""
    rng = random.Random(seed)
    communities = _communities(rng)
    subs = list(dict.fromkeys(row["街道"] for row in communities))
    monthly, targets = _fiscal(rng, subs, anchor)
    volunteers, records = _volunteers(rng, communities, anchor)
    return {
        "communities": communities,
        "projects": _projects(rng, communities, anchor),
        "fiscal_monthly": monthly,
        "fiscal_targets": targets,
        "census": _census(rng, communities, anchor),
        "volunteers": volunteers,
        "service_records": records,
    }


def subdistricts(tables: Tables) -> list[str]:
    """The subdistricts of the community list, in order of appearance."""
    return list(dict.fromkeys(row["街道"] for row in tables["communities"]))


def write_csv_files(tables: Tables, folder: Path, encoding: str = "utf-8-sig") -> list[Path]:
    """Write one CSV per table present in ``tables`` with the §1 headers, communities first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, headers in HEADERS.items():
        if kind not in tables:
            continue
        path = folder / FILE_NAMES[kind]
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=headers)
            writer.writeheader()
            writer.writerows(tables.get(kind, []))
        paths.append(path)
    return paths


def make_revision(tables: Tables, seed: int) -> Tables:
    """A later, valid re-submission: some rows restated under their natural key, some new.

    Projects move on (推进中 → 已完成 on a random day, 未启动 → 推进中, an 已完成 one reopened),
    some fiscal amounts and targets are corrected, a census count is restated, one service
    record's hours change and one new record is added.
    """
    rng = random.Random(seed * 7919)
    projects = []
    for row in rng.sample(tables["projects"], len(tables["projects"]) // 3):
        row = dict(row)
        year = int(row["年度"])
        if row["状态"] == "推进中":
            done = _random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
            row.update({"状态": "已完成", "完成日期": _day(done)})
        elif row["状态"] == "未启动":
            row["状态"] = "推进中"
        elif row["状态"] == "已完成":
            row.update({"状态": "推进中", "完成日期": ""})
        else:
            row["计划完成日期"] = _day(
                _random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
            )
        projects.append(row)
    monthly = [
        {**row, "当月金额(万元)": _money(rng.uniform(0, 1000))}
        for row in rng.sample(tables["fiscal_monthly"], 25)
    ]
    targets = [
        {**row, "年度目标(万元)": _money(rng.uniform(100, 9000))}
        for row in rng.sample(tables["fiscal_targets"], 3)
    ]
    census = [{**row, "已登记户数": "0", "已登记人数": "0"} for row in tables["census"][:1]]
    records = [{**row, "服务时长(小时)": "0.5"} for row in rng.sample(tables["service_records"], 3)]
    extra = dict(tables["service_records"][0])
    extra.update({"记录编号": "FW900001", "服务日期": "2024-06-27", "服务时长(小时)": "24"})
    return {
        "projects": projects,
        "fiscal_monthly": monthly,
        "fiscal_targets": targets,
        "census": census,
        "service_records": [*records, extra],
    }


def merge_tables(base: Tables, revision: Tables) -> Tables:
    """What the database holds after importing ``base`` then ``revision`` (upsert by key)."""
    merged = {}
    for kind, rows in base.items():
        key_of = NATURAL_KEYS[kind]
        by_key = {tuple(row[h] for h in key_of): row for row in rows}
        for row in revision.get(kind, []):
            by_key[tuple(row[h] for h in key_of)] = row
        merged[kind] = list(by_key.values())
    return merged
