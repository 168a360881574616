"""Write the sample import files to ``data/samples/`` (and big 志愿服务 CSVs on demand).

Run from the repository root::

    python scripts/make_samples.py                       # the small samples, one per table
    python scripts/make_samples.py --service-rows 10000  # + a 10,000-row 志愿服务 CSV

The samples show what staff really hand in: CSVs in UTF-8 with BOM, UTF-8, GBK and GB18030,
a workbook with two sheets and real date cells, a full-width-parenthesis header. They import
cleanly in one command (communities and volunteers first in the same import, or in any
order: the importer sorts tables by dependency). ``livelihood_errors.csv`` has several bad
rows among good ones, to see the error report. Everything is deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import xlsxwriter

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"
SEED = 20240601

COMMUNITIES: tuple[tuple[str, str, int, int], ...] = (
    ("城关街道", "东门社区", 8650, 3120),
    ("城关街道", "西门社区", 7420, 2710),
    ("城关街道", "南苑社区", 10230, 3905),
    ("河西街道", "滨江社区", 6180, 2290),
    ("河西街道", "新华社区", 9340, 3468),
    ("河西街道", "桃园社区", 5870, 2105),
)
VOLUNTEER_COUNT = 30
ACTIVITIES = (
    ("垃圾分类宣传", "环境保护"),
    ("敬老院探访", "助老助残"),
    ("路口文明劝导", "文明交通"),
    ("社区义诊协助", "医疗卫生"),
    ("四点半课堂", "关爱青少年"),
    ("反诈宣传", "平安建设"),
)
PROJECTS = (
    ("老旧小区改造", "东门小区外墙及管网改造"),
    ("加装电梯", "西门新村3号楼加装电梯"),
    ("道路及管网", "南苑路雨污分流"),
    ("安防监控", "滨江小区智能门禁"),
    ("充电设施", "新华社区电动自行车充电棚"),
    ("养老助餐", "桃园长者食堂"),
    ("环境绿化", "东门口袋公园"),
    ("便民服务", "南苑便民服务点"),
)
FISCAL_ITEMS = (
    ("一般公共预算收入", 1800.0),
    ("税收收入", 1500.0),
    ("增值税", 650.0),
    ("企业所得税", 420.0),
    ("个人所得税", 180.0),
)


def volunteer_code(number: int) -> str:
    return f"V{number:05d}"


def csv_bytes(rows: Iterable[Sequence[object]], encoding: str) -> bytes:
    """CSV text in ``encoding`` with Excel's CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def communities_rows() -> list[list[object]]:
    return [["街道", "社区", "常住人口", "户数"], *[list(c) for c in COMMUNITIES]]


def volunteers_rows(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = [["志愿者编号", "街道", "社区", "注册日期", "性别", "出生年份"]]
    for number in range(1, VOLUNTEER_COUNT + 1):
        subdistrict, community, _, _ = COMMUNITIES[number % len(COMMUNITIES)]
        registered = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(600))
        gender = rng.choice(["男", "女", "女", ""])
        birth_year = rng.choice([rng.randrange(1950, 2005), ""])
        rows.append(
            [
                volunteer_code(number),
                subdistrict,
                community,
                registered.strftime("%Y/%m/%d"),
                gender,
                birth_year,
            ]
        )
    return rows


LIVELIHOOD_HEADERS = [
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
]


def livelihood_rows(year: int, rng: random.Random) -> list[list[object]]:
    """One year of projects, with real ``datetime.date`` values for the date cells."""
    rows: list[list[object]] = []
    for number, (category, name) in enumerate(PROJECTS, start=1):
        subdistrict, community, _, households = COMMUNITIES[number % len(COMMUNITIES)]
        planned = dt.date(year, rng.randrange(4, 13), 28)
        status = rng.choice(["未启动", "推进中", "已完成", "已完成", "已取消"])
        completed = (
            planned - dt.timedelta(days=rng.randrange(0, 40)) if status == "已完成" else None
        )
        rows.append(
            [
                f"MS{year}-{number:03d}",
                subdistrict,
                community,
                f"{year}年{name}",
                category,
                year,
                planned,
                status,
                completed,
                round(rng.uniform(20, 600), 1),
                rng.randrange(20, households // 4),
            ]
        )
    return rows


def livelihood_workbook(rng: random.Random) -> bytes:
    """Two sheets (2024, 2025); the second header uses full-width parentheses, as typed.

    Written with xlsxwriter and a fixed creation time, so that regenerating is byte-identical.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    workbook.set_properties({"created": dt.datetime(2024, 1, 1)})
    full_width = [h.replace("(", "（").replace(")", "）") for h in LIVELIHOOD_HEADERS]
    for title, year, headers in (
        ("2024年", 2024, LIVELIHOOD_HEADERS),
        ("2025年", 2025, full_width),
    ):
        sheet = workbook.add_worksheet(title)
        sheet.write_row(0, 0, headers)
        for number, row in enumerate(livelihood_rows(year, rng), start=1):
            sheet.write_row(number, 0, row)
    workbook.close()
    return buffer.getvalue()


def fiscal_monthly_rows(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = [["街道", "月份", "科目", "当月金额(万元)"]]
    for subdistrict in ("城关街道", "河西街道"):
        for month in range(1, 7):
            for item, monthly in FISCAL_ITEMS:
                amount = round(monthly / 12 * rng.uniform(0.8, 1.2), 2)
                rows.append([subdistrict, f"2024年{month}月", item, f"{amount:,.2f}"])
    return rows


def fiscal_targets_rows() -> list[list[object]]:
    rows: list[list[object]] = [["街道", "年度", "科目", "年度目标(万元)"]]
    for subdistrict in ("城关街道", "河西街道"):
        for item, target in FISCAL_ITEMS:
            rows.append([subdistrict, 2024, item, target])
    return rows


def census_rows(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = [
        ["任务名称", "街道", "社区", "日期", "应登记户数", "已登记户数", "已登记人数"]
    ]
    for subdistrict, community, _, households in COMMUNITIES:
        registered = 0
        for day in range(1, 16, 3):
            registered = min(
                households, registered + rng.randrange(households // 8, households // 4)
            )
            rows.append(
                [
                    "2024年人口抽样调查",
                    subdistrict,
                    community,
                    f"2024-11-{day:02d}",
                    households,
                    registered,
                    round(registered * rng.uniform(2.4, 2.8)),
                ]
            )
    return rows


def service_rows(count: int, rng: random.Random, start: int = 1) -> list[list[object]]:
    """``count`` 志愿服务 rows of the sample volunteers, spread over 2024."""
    rows: list[list[object]] = [
        [
            "记录编号",
            "志愿者编号",
            "活动名称",
            "活动类型",
            "服务日期",
            "服务时长(小时)",
            "街道",
            "社区",
        ]
    ]
    for number in range(start, start + count):
        volunteer = rng.randrange(1, VOLUNTEER_COUNT + 1)
        subdistrict, community, _, _ = COMMUNITIES[volunteer % len(COMMUNITIES)]
        activity, kind = rng.choice(ACTIVITIES)
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366))
        hours = rng.choice([1, 1.5, 2, 2.5, 3, 4, 6, 8])
        rows.append(
            [
                f"S{number:07d}",
                volunteer_code(volunteer),
                activity,
                kind,
                day.isoformat(),
                hours,
                subdistrict,
                community,
            ]
        )
    return rows


def livelihood_error_rows() -> list[list[object]]:
    """Good rows with four bad ones (Excel rows 3, 5, 6 and 8), each a different mistake."""
    good = ["城关街道", "东门社区", "楼道照明改造", "便民服务", 2024, "2024-09-30"]
    return [
        LIVELIHOOD_HEADERS,
        ["ERR-001", *good, "推进中", "", 35, 120],
        ["ERR-002", *good, "已完成", "", 35, 120],  # row 3: 已完成 without 完成日期
        ["ERR-003", *good, "已完成", "2024-09-15", 35, 120],
        ["ERR-004", *good, "进行中", "", 35, 120],  # row 5: unknown 状态
        ["ERR-005", "城关街道", "北关社区", *good[2:], "未启动", "", 35, 120],  # row 6: community
        ["ERR-006", *good, "未启动", "", 35, 120],
        ["ERR-007", *good, "推进中", "", -5, 120],  # row 8: negative amount
    ]


def write_samples(directory: Path = SAMPLES_DIR) -> list[Path]:
    """Every small sample file; returns their paths."""
    rng = random.Random(SEED)
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "communities.csv": csv_bytes(communities_rows(), "utf-8-sig"),
        "volunteers.csv": csv_bytes(volunteers_rows(rng), "gbk"),
        "livelihood.xlsx": livelihood_workbook(rng),
        "fiscal_monthly.csv": csv_bytes(fiscal_monthly_rows(rng), "gb18030"),
        "fiscal_targets.csv": csv_bytes(fiscal_targets_rows(), "utf-8"),
        "census.csv": csv_bytes(census_rows(rng), "utf-8-sig"),
        "service_records.csv": csv_bytes(service_rows(60, rng), "utf-8-sig"),
        "livelihood_errors.csv": csv_bytes(livelihood_error_rows(), "utf-8-sig"),
    }
    paths = []
    for name, data in files.items():
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def write_service_csv(path: Path, count: int) -> Path:
    """A big 志愿服务 CSV (codes from S1000001 on, so it never collides with the sample)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        csv_bytes(service_rows(count, random.Random(SEED + count), 1_000_001), "utf-8")
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成导入示例文件")
    parser.add_argument("--output-dir", type=Path, default=SAMPLES_DIR, help="示例文件目录")
    parser.add_argument(
        "--service-rows", type=int, metavar="N", help="另外生成 N 行的志愿服务 CSV（如 10000）"
    )
    parser.add_argument(
        "--output", type=Path, help="大 CSV 的路径，默认 示例目录/service_records_N.csv"
    )
    args = parser.parse_args(argv)
    for path in write_samples(args.output_dir):
        print(f"已生成 {path}")
    if args.service_rows:
        output = args.output or args.output_dir / f"service_records_{args.service_rows}.csv"
        print(f"已生成 {write_service_csv(output, args.service_rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
