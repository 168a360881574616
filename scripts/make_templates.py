"""Write the empty import templates, one ``.xlsx`` per table, to ``data/templates/``.

Run from the repository root: ``python scripts/make_templates.py``. The headers come from
``queries.parsing.TABLE_KINDS``, the same list the importer recognises, so a template can never
drift from what the importer accepts. Each header carries a note on how to fill the column;
date columns show dates as YYYY-MM-DD and code columns are text (keeping leading zeros).
The workbook has one sheet only: the importer reads every sheet, so no instruction sheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import xlsxwriter  # noqa: E402

from queries.parsing import TABLE_KINDS, TableKind  # noqa: E402

TEMPLATES_DIR = REPO_ROOT / "data" / "templates"
FIXED_TIME = dt.datetime(2024, 1, 1)  # fixed file metadata: the same templates byte for byte

DATE_HEADERS = {"计划完成日期", "完成日期", "日期", "注册日期", "服务日期"}
TEXT_HEADERS = {"项目编号", "志愿者编号", "记录编号", "月份"}
NOTES = {
    "街道": "街道名称，如 城关街道",
    "社区": "社区名称；须已在社区名录中（数据库或本次导入）",
    "常住人口": "人数，非负整数",
    "户数": "户数，非负整数",
    "项目编号": "唯一编号，如 MS2024-001；再次导入同一编号会更新该项目",
    "项目名称": "必填",
    "类别": "如 老旧小区改造、加装电梯、道路及管网、安防监控、充电设施、养老助餐、环境绿化、便民服务",
    "年度": "四位年份，如 2024",
    "计划完成日期": "日期，如 2024-06-30",
    "状态": "未启动、推进中、已完成、已取消 之一",
    "完成日期": "状态为已完成时必填；其他状态留空",
    "投资金额(万元)": "单位万元，非负数；可留空（按 0 计）",
    "受益户数": "非负整数；可留空（按 0 计）",
    "月份": "如 2024-03 或 2024年3月",
    "科目": "如 一般公共预算收入、税收收入、增值税、企业所得税、个人所得税",
    "当月金额(万元)": "单位万元；当月数，不是累计数",
    "年度目标(万元)": "单位万元，非负数",
    "任务名称": "普查任务名称，如 第八次全国人口普查",
    "日期": "统计日期，如 2024-11-15",
    "应登记户数": "非负整数",
    "已登记户数": "截至该日期的累计数；大于应登记户数时会提示核实",
    "已登记人数": "截至该日期的累计数",
    "志愿者编号": "唯一编号，如 V00001（只显示编号，不填姓名）",
    "注册日期": "日期，如 2023-05-01",
    "性别": "男 或 女；可留空",
    "出生年份": "四位年份，如 1985；可留空",
    "记录编号": "唯一编号，如 S0000001",
    "活动名称": "必填",
    "活动类型": "如 环境保护、助老助残、文明交通",
    "服务日期": "日期，如 2024-03-15",
    "服务时长(小时)": "大于 0 且不超过 24",
}
STATUS_CHOICES = ["未启动", "推进中", "已完成", "已取消"]


def template_path(kind: TableKind, directory: Path = TEMPLATES_DIR) -> Path:
    """Where the template of ``kind`` lives: the Chinese table name, e.g. ``民生实事.xlsx``."""
    return directory / f"{kind.label}.xlsx"


def write_template(kind: TableKind, path: Path) -> None:
    """One sheet named after the table: bold header row with notes, then empty rows."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": f"{kind.label} 导入模板", "created": FIXED_TIME})
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(kind.label)
    for index, header in enumerate(kind.headers):
        width = max(12, 2 * len(header) + 4)
        if header in DATE_HEADERS:
            sheet.set_column(index, index, width, date_format)
        elif header in TEXT_HEADERS:
            sheet.set_column(index, index, width, text_format)
        else:
            sheet.set_column(index, index, width)
        sheet.write_string(0, index, header, header_format)
        if header in NOTES:
            sheet.write_comment(0, index, NOTES[header], {"x_scale": 2})
        if header == "状态":
            sheet.data_validation(
                1, index, 5000, index, {"validate": "list", "source": STATUS_CHOICES}
            )
    sheet.freeze_panes(1, 0)
    workbook.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成导入模板（每种表一个 .xlsx）")
    parser.add_argument("--output-dir", type=Path, default=TEMPLATES_DIR, help="输出目录")
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for kind in TABLE_KINDS:
        path = template_path(kind, args.output_dir)
        write_template(kind, path)
        print(f"已生成 {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
