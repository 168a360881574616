"""Database failures in words a staff member can act on, with the details kept for the log.

Every surface (each page through ``ui.data.database_guard``, the big screen's board, and every
``manage.py`` command) turns a failing database into one of these Chinese messages. The message
never carries the host, port, SQL, parameters or row values that SQLAlchemy puts in its own
text; those go to the server log (logger ``dashboard.database``) only.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Every logger of the project is under "dashboard". Without a handler Python would print
# warnings (with the SQL) on stderr, i.e. to the person at the terminal; the app (ui.data) and
# the command line (log_to_file) each choose where the details go.
ROOT_LOG = logging.getLogger("dashboard")
ROOT_LOG.addHandler(logging.NullHandler())
ROOT_LOG.propagate = False
LOG = logging.getLogger("dashboard.database")
LOG_FILE_ENV = "DASHBOARD_LOG_FILE"
DEFAULT_LOG_FILE = Path(__file__).resolve().parent.parent / "data" / "manage.log"


class FigureOutOfRange(ArithmeticError):
    """A computed figure that is not a finite number (SQLite sums past the float range to inf
    where PostgreSQL raises): refused like PostgreSQL's overflow, never emitted."""


# What a "database problem" is: anything the driver raised (wrapped by SQLAlchemy or, from raw
# driver calls, not), a pool that hands out no connection in time, and a figure out of range.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DBAPIError,
    PoolTimeoutError,
    sqlite3.Error,
    FigureOutOfRange,
)

DOWN = "down"
BUSY = "busy"
TIMEOUT = "timeout"
OUT_OF_RANGE = "out_of_range"
FAILED = "failed"

MESSAGES = {
    DOWN: "数据库暂时无法连接，请稍后重试；如果持续出现，请联系系统管理员。",
    BUSY: "另一项导入或更正正在进行，请稍后再试。",
    TIMEOUT: "查询超时：本次查询超过了时间上限，已停止。请缩小筛选范围后重试；"
    "如果持续出现，请联系系统管理员。",
    OUT_OF_RANGE: "数据中有超出可计算范围的数值（例如金额过大），无法汇总。"
    "请联系管理员检查并更正数据。",
    FAILED: "数据库操作失败，请稍后重试；如果持续出现，请联系系统管理员。",
}

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
PG_QUERY_CANCELED = "57014"  # statement_timeout (or a cancel request)
PG_LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout while waiting for another writer
PG_DATA_EXCEPTION_CLASS = "22"  # numeric value out of range, overflow, …
PG_CONNECTION_CLASSES = ("08", "57P")  # connection failure; admin shutdown / terminated


@dataclass(frozen=True)
class DatabaseProblem:
    """What went wrong, in a kind (for code) and a message (for people)."""

    kind: str
    message: str


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own exception inside SQLAlchemy's wrapper (or the error itself)."""
    return getattr(error, "orig", None) or error


def _sqlstate(error: BaseException) -> str:
    driver = _driver_error(error)
    return str(getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None) or "")


def classify(error: BaseException) -> str:
    """The kind of problem: busy, timeout, out_of_range, down or failed."""
    if isinstance(error, FigureOutOfRange):
        return OUT_OF_RANGE
    state = _sqlstate(error)
    text = str(_driver_error(error)).lower()
    if state == PG_LOCK_NOT_AVAILABLE or "database is locked" in text or "table is locked" in text:
        return BUSY
    if state == PG_QUERY_CANCELED or text.strip() == "interrupted":
        return TIMEOUT
    if isinstance(error, DataError) or state.startswith(PG_DATA_EXCEPTION_CLASS):
        return OUT_OF_RANGE
    if "overflow" in text or "out of range" in text:
        return OUT_OF_RANGE
    if state.startswith(PG_CONNECTION_CLASSES):
        return DOWN
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | sqlite3.Error):
        return DOWN
    return FAILED


def describe(error: BaseException, where: str = "") -> DatabaseProblem:
    """The problem for people; the full error goes to the server log only."""
    kind = classify(error)
    LOG.warning("database problem (%s) in %s: %r", kind, where or "?", error, exc_info=error)
    return DatabaseProblem(kind, MESSAGES[kind])


def is_database_error(error: BaseException) -> bool:
    """Whether ``error`` is one ``describe`` is meant for."""
    return isinstance(error, DATABASE_ERRORS)


def log_file() -> Path:
    """Where the command line writes the details of database failures."""
    return Path(os.environ.get(LOG_FILE_ENV, "").strip() or DEFAULT_LOG_FILE)


def log_to_file() -> None:
    """Send the details to ``log_file()`` (one file handler; silently nowhere if unwritable)."""
    wanted = str(log_file().resolve())
    for handler in [h for h in ROOT_LOG.handlers if isinstance(h, logging.FileHandler)]:
        if handler.baseFilename == wanted:
            return
        ROOT_LOG.removeHandler(handler)
        handler.close()
    try:
        log_file().parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file(), encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    ROOT_LOG.addHandler(handler)


def log_to_stream() -> None:
    """Send the details to stderr: the server log of ``streamlit run`` (once per process)."""
    if any(type(h) is logging.StreamHandler for h in ROOT_LOG.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    ROOT_LOG.addHandler(handler)
