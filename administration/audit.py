"""The audit log: who imported, corrected or logged in, when, what, how many rows, which file.

Every write to the data (an import, an online correction), every login (success and failure)
and every account change is one row here. The log is only ever appended to; the admin page
reads it back newest first and exports it as xlsx or csv.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import Connection, DateTime, Engine, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, ImportBatch

ACTION_LABELS: dict[str, str] = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "import": "导入",
    "import_refused": "导入被拒绝",
    "correction": "在线更正",
    "user_created": "创建账号",
    "user_changed": "修改账号",
    "delivery": "消息推送",
    "delivery_failed": "推送失败",
    "rules_changed": "修改预警规则",
}
EXPORT_HEADERS: tuple[str, ...] = (
    "时间",
    "用户",
    "操作",
    "说明",
    "行数",
    "源文件",
    "文件SHA-256",
)
MAX_EXPORT_ROWS = 100_000
USERNAME_LENGTH = 100


class AuditLog(Base):
    """One recorded action (table created by migration 0002)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), index=True)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    source_file: Mapped[str | None] = mapped_column(String(500), nullable=True)
    file_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


@dataclass(frozen=True)
class AuditEntry:
    """One row of the log as the admin page shows it."""

    id: int
    at: dt.datetime
    username: str
    action: str
    detail: str
    rows: int
    source_file: str | None
    file_hash: str | None

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def sha256_hex(data: bytes) -> str:
    """The file hash recorded with an import (the same as ``import_batch.file_hash``)."""
    return hashlib.sha256(data).hexdigest()


def now() -> dt.datetime:
    """The log's clock: local time to the second (as ``import_batch.imported_at``)."""
    return dt.datetime.now().replace(microsecond=0)


@contextmanager
def _writing(target: Engine | Connection) -> Iterator[Connection]:
    """The caller's connection (so an entry commits with the change it records) or a new one."""
    if isinstance(target, Connection):
        yield target
        return
    with target.begin() as connection:
        yield connection


def record(
    target: Engine | Connection,
    action: str,
    username: str,
    detail: str = "",
    *,
    rows: int = 0,
    source_file: str | None = None,
    file_hash: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one entry; given a connection, it is part of that connection's transaction."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    values = {
        "at": at or now(),
        "username": (username or "（空）")[:USERNAME_LENGTH],
        "action": action,
        "detail": detail,
        "rows": rows,
        "source_file": source_file[:500] if source_file else None,
        "file_hash": file_hash,
    }
    with _writing(target) as connection:
        connection.execute(insert(AuditLog.__table__), values)


def _summary_text(summary: str | None) -> str:
    """``民生实事：新增 1、更新 2、未变 3`` from an ``ImportBatch.summary`` JSON."""
    try:
        tables = json.loads(summary or "{}").get("tables", {})
    except ValueError:
        return ""
    return "；".join(
        f"{t['label']}：新增 {t['new']}、更新 {t['updated']}、未变 {t['unchanged']}"
        for t in tables.values()
    )


def record_import(engine: Engine, username: str, files: Sequence[tuple[str, bytes]]) -> None:
    """One entry per imported file, with the counts its ``ImportBatch`` holds.

    The batches are the newest ones of this user with these files' hashes: the importer has
    just written them, one per file.
    """
    hashes = [sha256_hex(data) for _, data in files]
    table = ImportBatch.__table__
    query = (
        select(table.c.source_file, table.c.file_hash, table.c.rows_total, table.c.summary)
        .where(table.c.imported_by == username, table.c.file_hash.in_(hashes))
        .order_by(table.c.id.desc())
        .limit(len(files))
    )
    with engine.begin() as connection:
        batches = list(connection.execute(query))
        for batch in reversed(batches):
            detail = _summary_text(batch.summary) or "文件中没有数据行"
            record(
                connection,
                "import",
                username,
                detail,
                rows=int(batch.rows_total or 0),
                source_file=batch.source_file,
                file_hash=batch.file_hash,
            )


def record_refused_import(
    engine: Engine, username: str, files: Sequence[tuple[str, bytes]], reason: str
) -> None:
    """One entry per file of an upload that was refused (nothing written)."""
    with engine.begin() as connection:
        for name, data in files:
            record(
                connection,
                "import_refused",
                username,
                reason,
                source_file=PurePath(name).name,
                file_hash=sha256_hex(data),
            )


def list_entries(
    engine: Engine,
    *,
    actions: Sequence[str] = (),
    username: str | None = None,
    limit: int | None = 1000,
) -> list[AuditEntry]:
    """Entries newest first, optionally of some actions and one user."""
    table = AuditLog.__table__
    query = select(table).order_by(table.c.at.desc(), table.c.id.desc())
    if actions:
        query = query.where(table.c.action.in_(list(actions)))
    if username:
        query = query.where(table.c.username == username)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [AuditEntry(**row._mapping) for row in connection.execute(query)]


def export_rows(entries: Sequence[AuditEntry]) -> list[tuple[str, str, str, str, int, str, str]]:
    """The entries as the export's rows, in ``EXPORT_HEADERS`` order."""
    return [
        (
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.username,
            entry.action_label,
            entry.detail,
            entry.rows,
            entry.source_file or "",
            entry.file_hash or "",
        )
        for entry in entries
    ]


def to_csv(entries: Sequence[AuditEntry]) -> bytes:
    """CSV in UTF-8 with BOM; a cell that a spreadsheet would run as a formula starts with '."""
    from reporting.spreadsheet import csv_bytes

    return csv_bytes(EXPORT_HEADERS, export_rows(entries))


def to_xlsx(entries: Sequence[AuditEntry]) -> bytes:
    """One sheet 操作日志; every text cell is written as a string (never a formula)."""
    from reporting.spreadsheet import rows_xlsx

    widths = (20, 14, 12, 60, 8, 30, 66)
    return rows_xlsx("操作日志", EXPORT_HEADERS, export_rows(entries), widths)


__all__ = [
    "ACTION_LABELS",
    "AuditEntry",
    "AuditLog",
    "EXPORT_HEADERS",
    "export_rows",
    "list_entries",
    "record",
    "record_import",
    "record_refused_import",
    "sha256_hex",
    "to_csv",
    "to_xlsx",
]
