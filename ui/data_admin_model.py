"""Pure shaping for the 数据管理 page: error lists, previews, the correction table, logs.

No Streamlit here, so every frame and file the page shows is unit-tested on plain values.
Text from data always travels in frames and xlsx string cells, never in markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from administration.accounts import ROLE_LABELS, AccountRow, format_community
from administration.audit import EXPORT_HEADERS as AUDIT_HEADERS
from administration.audit import AuditEntry, export_rows
from ingest.corrections import EDITABLE, EditableProject, ProjectEdit
from ingest.importer import ImportIssue, TableSummary
from ingest.parsing import KIND_BY_KEY
from reporting.spreadsheet import rows_xlsx

ISSUE_HEADERS = ("文件", "工作表", "行", "列", "原因")
SUMMARY_HEADERS = ("表", "新增", "更新", "未变")
# The correction table uses exactly the import template's columns (one definition: parsing).
PROJECT_HEADERS = KIND_BY_KEY["livelihood"].headers
READ_ONLY_PROJECT_HEADERS = tuple(h for h in PROJECT_HEADERS if h not in EDITABLE)


def issues_frame(issues: Sequence[ImportIssue]) -> pd.DataFrame:
    """Every bad row: file, sheet, row (as Excel shows it), column and reason."""
    rows = [
        (i.file, i.sheet or "", i.row if i.row is not None else pd.NA, i.column or "", i.message)
        for i in issues
    ]
    frame = pd.DataFrame(rows, columns=list(ISSUE_HEADERS))
    frame["行"] = frame["行"].astype("Int64")
    return frame


def issues_xlsx(issues: Sequence[ImportIssue]) -> bytes:
    """The error list as a workbook staff can sort and tick off while fixing the file."""
    rows = [(i.file, i.sheet, i.row, i.column, i.message) for i in issues]
    widths = [14] * (len(ISSUE_HEADERS) - 1) + [80]
    return rows_xlsx("错误清单", ISSUE_HEADERS, rows, widths)


def refused_frame(refused: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Files refused before reading (size, type): file and reason."""
    return pd.DataFrame(list(refused), columns=["文件", "原因"])


def summary_frame(summaries: Mapping[str, TableSummary]) -> pd.DataFrame:
    """The preview: new / updated / unchanged rows per table."""
    rows = [(s.table_label, s.new, s.updated, s.unchanged) for s in summaries.values()]
    return pd.DataFrame(rows, columns=list(SUMMARY_HEADERS))


def preview_frames(summaries: Mapping[str, TableSummary]) -> list[tuple[str, pd.DataFrame]]:
    """The first rows each table would receive: 变化 (新增/更新) and every template column.

    A changed cell reads ``旧值 → 新值``; every value is text, exactly as the importer read it.
    Tables without new or changed rows are left out.
    """
    frames = []
    for summary in summaries.values():
        if not summary.preview:
            continue
        frame = pd.DataFrame(summary.preview).astype("string")
        shown = len(summary.preview)
        total = summary.new + summary.updated
        caption = f"{summary.table_label}（待写入 {total:,} 行"
        caption += f"，显示前 {shown} 行）" if shown < total else "）"
        frames.append((caption, frame))
    return frames


def errors_heading(total: int, listed: int) -> str:
    """``发现 1,234 处错误…``, saying how many are not listed one by one."""
    text = f"发现 {total:,} 处错误，未写入任何数据。请按下表修改后重新上传。"
    if total > listed:
        text += f"下表列出前 {listed:,} 处，另有 {total - listed:,} 处错误未列出。"
    return text


def summary_sentence(summaries: Mapping[str, TableSummary]) -> str:
    """``民生实事：新增 1 行、更新 0 行、未变 3 行；…`` for the success message."""
    if not summaries:
        return "文件中没有数据行。"
    return "；".join(
        f"{s.table_label}：新增 {s.new} 行、更新 {s.updated} 行、未变 {s.unchanged} 行"
        for s in summaries.values()
    )


def has_changes(summaries: Mapping[str, TableSummary]) -> bool:
    return any(s.new or s.updated for s in summaries.values())


# --------------------------------------------------------------------------- corrections


def projects_frame(projects: Sequence[EditableProject]) -> pd.DataFrame:
    """The correction table: every column of the template, dates as dates."""
    rows = [
        (
            p.code,
            p.subdistrict,
            p.community,
            p.name,
            p.category,
            p.year,
            p.planned_on,
            p.status,
            p.completed_on,
            p.investment,
            p.beneficiary_households,
        )
        for p in projects
    ]
    frame = pd.DataFrame(rows, columns=list(PROJECT_HEADERS))
    frame["计划完成日期"] = pd.to_datetime(frame["计划完成日期"]).dt.date
    # Text, empty when not finished: the editor prints a missing date as the word "None".
    frame["完成日期"] = [day.isoformat() if day else "" for day in frame["完成日期"]]
    frame["投资金额(万元)"] = frame["投资金额(万元)"].astype(float)
    return frame


def projects_token(codes: Sequence[str]) -> str:
    """A short digest of which projects are listed, in order (part of the editor's key)."""
    return hashlib.sha256("\n".join(codes).encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """An edited cell as a plain Python value (the editor sends ISO text, numbers or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an emptied 完成日期 cell
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def edits_from_state(
    frame: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]
) -> list[ProjectEdit]:
    """``st.data_editor``'s ``edited_rows`` ({row position: {column: value}}) as edits."""
    edits = []
    for position, changes in sorted(edited_rows.items(), key=lambda item: int(item[0])):
        index = int(position)
        if not 0 <= index < len(frame):
            continue
        values = {column: _plain(value) for column, value in changes.items()}
        if values:
            edits.append(ProjectEdit(str(frame.iloc[index]["项目编号"]), index + 1, values))
    return edits


# --------------------------------------------------------------------------- accounts and log


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def accounts_frame(rows: Sequence[AccountRow], now: dt.datetime) -> pd.DataFrame:
    """Accounts for the admin: role in Chinese, communities, state (启用/停用/锁定)."""
    data = []
    for row in rows:
        if not row.active:
            state = "停用"
        elif row.locked_until and row.locked_until > now:
            state = f"锁定至 {row.locked_until:%H:%M}"
        else:
            state = "启用"
        data.append(
            (
                row.username,
                ROLE_LABELS.get(row.role, row.role),
                "、".join(format_community(c) for c in row.communities),
                state,
                _when(row.last_login_at),
                _when(row.created_at),
            )
        )
    return pd.DataFrame(
        data, columns=["用户名", "角色", "可写社区", "状态", "最近登录", "创建时间"]
    )


def audit_frame(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    """The log as the page shows it (the same columns as the export)."""
    return pd.DataFrame(export_rows(entries), columns=list(AUDIT_HEADERS))
