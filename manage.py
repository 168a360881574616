"""The command line (contract §2): ``python manage.py COMMAND`` from the repository root.

Each subcommand is one ``Command`` in ``COMMANDS``: a name, a one-line Chinese help, a function
that declares its options and a function that runs it and returns the exit code. Adding a
command is adding one entry. The database is ``DATABASE_URL`` (default
``sqlite:///data/dashboard.db``), created and migrated on first use.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from reporting.argparse_zh import ChineseArgumentParser
from reporting.cli import (
    ALERTS_HELP,
    PUSH_HELP,
    REPORT_HELP,
    add_delivery_arguments,
    add_report_arguments,
)

LARGE_IMPORT_ROWS = 2000  # from this many rows the progress line is shown even without a TTY


@dataclass(frozen=True)
class Command:
    """One subcommand: ``add_arguments(parser)`` declares options, ``run(args)`` → exit code."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def ready_engine(*, explicit: bool = False) -> Engine:
    """The engine of ``DATABASE_URL`` with the schema created or upgraded (``explicit``:
    ``init-db`` itself, which migrates even with ``DASHBOARD_NO_MIGRATE`` set)."""
    from storage.db import get_engine, migrate

    engine = get_engine()
    migrate(engine, explicit=explicit)
    return engine


# --------------------------------------------------------------------------- init-db


def add_init_db_arguments(parser: argparse.ArgumentParser) -> None:
    """``init-db`` takes no options."""


def run_init_db(args: argparse.Namespace) -> int:
    """Create or migrate the schema; running it again is harmless."""
    engine = ready_engine(explicit=True)
    print(f"数据库已就绪：{engine.url.render_as_string(hide_password=True)}")
    return 0


# --------------------------------------------------------------------------- import


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """``import FILE...``: one or more .xlsx / .csv files, imported all-or-nothing."""
    parser.add_argument("files", nargs="+", metavar="FILE", help="要导入的 .xlsx 或 .csv 文件")


class TerminalProgress:
    """A one-line ``\\r`` progress display on stderr, for a TTY or a large import."""

    def __init__(self, stream=None) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream or sys.stderr
        self.shown = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if not (self.stream.isatty() or total >= LARGE_IMPORT_ROWS):
            return
        from ingest.parsing import visible

        percent = 100 * done // total if total else 100
        line = visible(f"{message}：{done}/{total} 行（{percent}%）")  # message names a file
        self.stream.write(f"\r{line:<60}")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        """End the progress line so that what follows starts on a line of its own."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def read_import_files(paths: list[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """``(name, bytes)`` of each path, and a Chinese error for each path that cannot be read."""
    from ingest.reader import MAX_FILE_BYTES

    files, problems = [], []
    for path in map(Path, paths):
        try:
            if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
                limit = MAX_FILE_BYTES // 1024 // 1024
                problems.append(f"文件过大（上限 {limit} MB，请拆分后分批导入）：{path}")
                continue
            files.append((path.name, path.read_bytes()))
        except FileNotFoundError:
            problems.append(f"找不到文件：{path}")
        except IsADirectoryError:
            problems.append(f"这是一个文件夹，不是文件：{path}")
        except OSError as exc:
            problems.append(f"无法读取文件 {path}：{exc.strerror}")
    return files, problems


def format_summary(summaries) -> str:  # type: ignore[no-untyped-def]
    """One line per table: its 新增 / 更新 / 未变 counts."""
    return "\n".join(
        f"  {s.table_label}：新增 {s.new} 行，更新 {s.updated} 行，未变 {s.unchanged} 行"
        for s in summaries.values()
    )


def cli_actor() -> str:
    """Who runs an import from the command line, as the audit log names them: ``命令行:root``."""
    import getpass
    import os

    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the password file
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "未知"
    return f"命令行:{name}"


def say(text: object, stream=None) -> None:  # type: ignore[no-untyped-def]
    """Print a line whose content may come from a file: control characters shown as ``\\x1b``.

    A cell holding ``ESC[2J`` (or a bidi override) must not clear or rewrite the terminal of
    the person who runs the import.
    """
    from ingest.parsing import visible

    print(visible(str(text)), file=stream or sys.stdout)


def _audit_refused(engine: Engine, actor: str, files: list[tuple[str, bytes]], reason: str) -> None:
    """Record a refused import; a log that cannot be written must not hide the refusal itself."""
    from sqlalchemy.exc import SQLAlchemyError

    from administration import audit

    try:
        audit.record_refused_import(engine, actor, files, reason)
    except SQLAlchemyError:
        print("（操作日志暂时无法写入）", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    """Validate and import; exit 1 with every error (nothing written) or 0 with a summary.

    Every outcome is in the audit log as for an upload (actor ``命令行:<OS user>``, file name
    and SHA-256). A database failure is one Chinese line and exit 1, never SQL or row values:
    the import runs in one transaction, so nothing was written.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from administration import audit
    from ingest.importer import import_files
    from storage import dberrors

    actor = cli_actor()
    files, problems = read_import_files(args.files)
    if problems:
        for problem in problems:
            say(problem, sys.stderr)
        print("导入失败：未写入任何数据。", file=sys.stderr)
        if files:  # the files that could be read are logged as refused with the reason
            with contextlib.suppress(SQLAlchemyError):
                _audit_refused(ready_engine(), actor, files, "文件无法读取：" + "；".join(problems))
        return 1
    progress = TerminalProgress()
    try:
        engine = ready_engine()
        result = import_files(engine, files, user=actor, progress=progress)
    except dberrors.DATABASE_ERRORS as exc:
        progress.finish()
        problem = dberrors.describe(exc, "manage.py import")
        print(f"导入失败：数据库出错，未写入任何数据。{problem.message}", file=sys.stderr)
        print(f"（详细信息已写入日志：{dberrors.log_file()}）", file=sys.stderr)
        return 1
    progress.finish()
    for warning in result.warnings:
        say(f"警告：{warning}", sys.stderr)
    if not result.ok:
        print(f"导入失败：发现 {result.error_total} 处错误，未写入任何数据。", file=sys.stderr)
        for error in result.errors:
            say(error, sys.stderr)
        if result.errors_not_listed:
            print(f"另有 {result.errors_not_listed} 处错误未列出", file=sys.stderr)
        _audit_refused(
            engine, actor, files, f"校验未通过：{result.error_total} 处错误，未写入任何数据"
        )
        return 1
    try:
        audit.record_import(engine, actor, files)
    except SQLAlchemyError:
        print("（导入已完成，但操作日志暂时无法写入）", file=sys.stderr)
    print(f"导入成功：{len(files)} 个文件。")
    if result.summaries:
        say(format_summary(result.summaries))
    else:
        print("文件中没有数据行。")
    return 0


# --------------------------------------------------------------------------- demo


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """``demo [--scale small|city]``."""
    parser.add_argument(
        "--scale",
        choices=("small", "city"),
        default="small",
        help="数据规模：small（默认，应用首次启动时载入）或 city（性能测试规模）",
    )


def run_demo(args: argparse.Namespace) -> int:
    """Replace the database content with the demo data set (as it stands today)."""
    from demo.subdistricts import TABLE_LABELS, load_demo

    progress = TerminalProgress()
    try:
        counts = load_demo(ready_engine(), scale=args.scale, progress=progress)
    except NotImplementedError:
        progress.finish()
        message = f"暂不支持 {args.scale} 规模的示例数据（见 issue 6），数据库未改动。"
        print(message, file=sys.stderr)
        return 1
    progress.finish()
    print(f"示例数据已载入（{args.scale}），原有数据已替换：")
    for table, rows in counts.items():
        print(f"  {TABLE_LABELS[table]}：{rows} 行")
    return 0


# --------------------------------------------------------------------------- report


def run_report(args: argparse.Namespace) -> int:
    """The weekly report of contract §3; options, checks and output live in ``reporting.cli``."""
    from reporting.cli import run_report as build_and_write

    return build_and_write(args, ready_engine)


# --------------------------------------------------------------------------- push / alerts


def run_push(args: argparse.Namespace) -> int:
    """The weekly 通报 to the chat groups and email (contract §5), in ``reporting.delivery_cli``."""
    from reporting.delivery_cli import run_push as push

    return push(args, ready_engine)


def run_alerts(args: argparse.Namespace) -> int:
    """What turned red since the last run, once per channel (contract §5)."""
    from reporting.delivery_cli import run_alerts as alerts

    return alerts(args, ready_engine)


# --------------------------------------------------------------------------- create-user


def add_create_user_arguments(parser: argparse.ArgumentParser) -> None:
    """``create-user NAME --role viewer|editor|admin [--community 街道/社区 ...] [--password-stdin]``."""
    parser.add_argument("name", metavar="NAME", help="用户名（登录名）")
    parser.add_argument(
        "--role",
        required=True,
        choices=("viewer", "editor", "admin"),
        help="viewer 只读；editor 社区编辑（只能写所列社区）；admin 街道管理员（全部数据、账号、日志）",
    )
    parser.add_argument(
        "--community",
        action="append",
        default=[],
        metavar="街道/社区",
        help="editor 可写的社区，可重复填写多个",
    )
    parser.add_argument(
        "--password-stdin", action="store_true", help="从标准输入读取密码（第一行），不提示"
    )


def run_create_user(args: argparse.Namespace) -> int:
    """Create a local account; the password is prompted (twice) or read from stdin."""
    import getpass

    from administration.accounts import AccountError, create_user, parse_community

    try:
        communities = [parse_community(text) for text in args.community]
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass("密码：")
            if getpass.getpass("再次输入密码：") != password:
                raise AccountError("两次输入的密码不一致")
        user = create_user(
            ready_engine(), args.name, password, args.role, communities, created_by="cli"
        )
    except AccountError as error:
        print(f"创建账号失败：{error}", file=sys.stderr)
        return 1
    print(f"已创建账号：{user.describe()}")
    return 0


# --------------------------------------------------------------------------- wiring

COMMANDS: list[Command] = [
    Command("init-db", "创建或升级数据库结构（可重复执行）", add_init_db_arguments, run_init_db),
    Command(
        "import",
        "校验并导入 .xlsx/.csv 文件：全部正确才写入，否则列出所有错误",
        add_import_arguments,
        run_import,
    ),
    Command("demo", "载入示例数据（替换数据库中的现有数据）", add_demo_arguments, run_demo),
    Command("report", REPORT_HELP, add_report_arguments, run_report),
    Command("push", PUSH_HELP, add_delivery_arguments, run_push),
    Command("alerts", ALERTS_HELP, add_delivery_arguments, run_alerts),
    Command(
        "create-user",
        "创建登录账号（角色 viewer/editor/admin；editor 需指定社区）",
        add_create_user_arguments,
        run_create_user,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    """One subparser per entry of ``COMMANDS``."""
    parser = ChineseArgumentParser(prog="manage.py", description="街道治理数据看板 命令行工具")
    subparsers = parser.add_subparsers(dest="command", metavar="命令", required=True, title="命令")
    for command in COMMANDS:
        subparser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(subparser)
        subparser.set_defaults(run=command.run)
    return parser


EXIT_DATABASE = 1  # the database failed (down, busy, timed out, absurd values): README


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns its exit code.

    A database failure in any command is one Chinese line on stderr and exit 1; what the
    driver said (host, SQL, row values) goes to the log file only (``storage.dberrors``).
    """
    from storage import dberrors
    from storage.db import SchemaNotAtHead

    args = build_parser().parse_args(argv)
    dberrors.log_to_file()
    try:
        return args.run(args)
    except SchemaNotAtHead as refusal:  # DASHBOARD_NO_MIGRATE and a schema behind this program
        print(f"错误：{refusal}", file=sys.stderr)
        return EXIT_DATABASE
    except dberrors.DATABASE_ERRORS as error:
        problem = dberrors.describe(error, f"manage.py {args.command}")
        print(f"错误：{problem.message}", file=sys.stderr)
        print(f"（详细信息已写入日志：{dberrors.log_file()}）", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
