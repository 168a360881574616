"""The ``report`` command of ``manage.py`` (contract §2): options, checks and output.

``manage.py`` only registers it: ``add_report_arguments(parser)`` declares the options and
``run_report(args)`` does the work and returns the exit code (0 done, 2 bad usage, 1 when the
output file cannot be written). Errors are printed in Chinese on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, select, union

from figures.scope import clamp_date, date_range_text
from storage.models import Community, FiscalMonthly, FiscalTarget

FORMATS = ("json", "md", "xlsx", "docx")
BINARY_FORMATS = ("xlsx", "docx")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REPORT_HELP = (
    "生成每周调度会周报：民生实事、财政税收、人口普查、志愿服务（md / json / xlsx / docx）"
)
REPORT_DESCRIPTION = (
    "按截至日期生成周报。周为截至日期前 6 天至截至日期共 7 天。"
    "默认格式 md 输出到标准输出；json 为机器可读格式；"
    "docx 为公文格式（GB/T 9704）的 Word 通报；"
    "xlsx 和 docx 为二进制文件：请用 --output 指定文件，"
    "未指定时仅在标准输出被重定向（不是终端）时写出字节，否则报错退出。"
)


PUSH_HELP = "推送周例会通报到企业微信、钉钉、飞书和邮件（--dry-run 只打印不发送）"
ALERTS_HELP = "推送新变红的事项（每项只提醒一次；没有新增时输出 无新增预警）"


class UsageError(Exception):
    """A bad option value; the message is shown to the user as is."""


def add_scope_arguments(parser: argparse.ArgumentParser) -> None:
    """``--as-of`` and ``--subdistrict``: the scope of ``report``, ``push`` and ``alerts``."""
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="截至日期，默认今天")
    parser.add_argument("--subdistrict", metavar="街道名称", help="只统计该街道，默认全部街道")


def add_delivery_arguments(parser: argparse.ArgumentParser) -> None:
    """``--as-of``, ``--subdistrict``, ``--channel ...`` and ``--dry-run`` (push and alerts)."""
    add_scope_arguments(parser)
    parser.add_argument(
        "--channel",
        dest="channels",
        action="extend",
        nargs="+",
        default=[],
        metavar="{wecom,dingtalk,feishu,email}",
        help="只发到这些渠道（可写多个）；默认发到所有已配置的渠道",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="只打印将要发送的消息，不发送、不记录"
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--as-of``, ``--subdistrict``, ``--format`` and ``--output``."""
    parser.description = REPORT_DESCRIPTION
    add_scope_arguments(parser)
    parser.add_argument(
        "--format",
        dest="format",
        default="md",
        metavar="{json,md,xlsx,docx}",
        help="输出格式：json、md（默认）、xlsx 或 docx（Word 通报）",
    )
    parser.add_argument(
        "--output", metavar="PATH", help="写入该文件；默认写到标准输出（xlsx 见上方说明）"
    )


def parse_as_of(text: str | None, today: dt.date | None = None) -> dt.date:
    """``YYYY-MM-DD`` (a real calendar date inside the accepted range), or today when not given.

    Used by every command that takes ``--as-of``. A date outside the range of
    ``figures.scope`` is a usage error (a report for year 1 is a typo, not a wish).
    """
    if text is None:
        return today or dt.date.today()
    if not DATE_PATTERN.match(text.strip()):
        raise UsageError(f"日期格式错误：--as-of {text!r}，应为 YYYY-MM-DD，例如 2020-06-30")
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"日期不存在：--as-of {text!r}，请检查年月日") from None
    if clamp_date(day, today) != day:
        raise UsageError(
            f"日期超出可用范围：--as-of {day.isoformat()}，应在 {date_range_text(today)} 之间"
        )
    return day


def check_format(name: str) -> str:
    """One of json, md, xlsx, docx."""
    if name not in FORMATS:
        raise UsageError(f"不支持的格式：--format {name!r}，可选 json、md、xlsx、docx")
    return name


def known_subdistricts(engine: Engine) -> list[str]:
    """Subdistricts that have communities or fiscal rows (the names a report can cover)."""
    names = union(
        select(Community.subdistrict),
        select(FiscalMonthly.subdistrict),
        select(FiscalTarget.subdistrict),
    ).subquery()
    with engine.connect() as connection:
        return sorted(connection.execute(select(names.c[0])).scalars())


def check_subdistrict(engine: Engine, name: str | None) -> str | None:
    """The name when the database knows it; a usage error listing the known names otherwise."""
    if name is None:
        return None
    name = name.strip()
    known = known_subdistricts(engine)
    if name not in known:
        listed = "、".join(known) if known else "（数据库中还没有街道）"
        raise UsageError(f"未找到街道：{name}。已有街道：{listed}")
    return name


def render(report: dict, fmt: str) -> bytes:
    """The report in the format, as bytes (text formats in UTF-8)."""
    if fmt == "json":
        from figures.report import report_to_json

        return (report_to_json(report) + "\n").encode("utf-8")
    if fmt == "md":
        from reporting.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    from reporting.xlsx import render_xlsx

    return render_xlsx(report)


def check_destination(fmt: str, output: str | None, stdout: BinaryIO) -> None:
    """xlsx and docx bytes never go to a terminal: ask for --output instead."""
    if fmt in BINARY_FORMATS and output is None and stdout.isatty():
        raise UsageError(f"{fmt} 为二进制文件，请用 --output 指定文件，例如 --output 周报.{fmt}")


def write_output(data: bytes, output: str | None, stdout: BinaryIO) -> None:
    if output is None:
        stdout.write(data)
        stdout.flush()
        return
    Path(output).write_bytes(data)


def _engine() -> Engine:
    from storage.db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    return engine


def run_report(args: argparse.Namespace, engine_factory: Callable[[], Engine] | None = None) -> int:
    """Build and write the report; the exit code (0 ok, 2 bad option, 1 cannot write).

    ``engine_factory`` (default: ``DATABASE_URL``, migrated) is called only once the options
    are valid, so a typo in ``--as-of`` never touches the database.
    """
    from figures.report import build_report

    stdout = sys.stdout.buffer
    try:
        as_of = parse_as_of(args.as_of)
        fmt = check_format(args.format)
        check_destination(fmt, args.output, stdout)
        engine = (engine_factory or _engine)()
        subdistrict = check_subdistrict(engine, args.subdistrict)
    except UsageError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if fmt == "docx":
        from reporting.word import weekly_docx

        data = weekly_docx(engine, as_of, subdistrict)
    else:
        data = render(build_report(engine, as_of, subdistrict), fmt)
    try:
        write_output(data, args.output, stdout)
    except OSError as error:
        print(f"错误：无法写入文件 {args.output}：{error.strerror or error}", file=sys.stderr)
        return 1
    if args.output:
        print(f"已生成周报：{args.output}", file=sys.stderr)
    return 0
