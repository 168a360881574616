"""Online corrections of 民生实事 projects: status, dates and amounts, validated as on import.

A correction is a small import typed into the page instead of a file: each cell is parsed by
the importer's own column parsers (``ingest.importer.SPEC_BY_KEY``), the row by its cross-cell
rules (``ingest.importer.row_rules``: 完成日期 iff 已完成), an editor may only touch projects of
their communities, and the batch is all-or-nothing. A saved correction is one ``ImportBatch``
(source ``在线更正``, so ``data_version`` moves and every page shows it at once; the rows point to
it by ``batch_id``) plus one audit entry per project saying what changed from what to what.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, tuple_, update

from administration import audit
from figures.scope import CommunityKey
from ingest.importer import SPEC_BY_KEY, ImportIssue, row_rules
from ingest.parsing import ParseError, is_blank
from storage.db import write_transaction
from storage.models import Community, ImportBatch, LivelihoodProject

P = LivelihoodProject
SOURCE = "在线更正"
SPEC = SPEC_BY_KEY["livelihood"]
COLUMNS = {column.header: column for column in SPEC.columns}
# The cells a correction may change, as the template names them, and their record fields.
EDITABLE: dict[str, str] = {
    "状态": "status",
    "计划完成日期": "planned_on",
    "完成日期": "completed_on",
    "投资金额(万元)": "investment",
    "受益户数": "beneficiary_households",
}
MAX_LIST = 500  # projects offered for editing at once (narrow with the filters)


@dataclass(frozen=True)
class EditableProject:
    """One project as the correction table shows it."""

    code: str
    subdistrict: str
    community: str
    name: str
    category: str
    year: int
    planned_on: dt.date
    status: str
    completed_on: dt.date | None
    investment: float
    beneficiary_households: int


@dataclass(frozen=True)
class ProjectEdit:
    """New cell values for one project; ``row`` is its row number in the table on screen."""

    code: str
    row: int
    values: dict[str, Any]  # template header → raw value, e.g. {"状态": "已完成"}


@dataclass
class CorrectionResult:
    """``ok`` False: nothing written, ``errors`` says why (one per bad cell or row)."""

    ok: bool
    errors: list[ImportIssue] = field(default_factory=list)
    changed: int = 0
    details: list[str] = field(default_factory=list)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _project_columns():  # type: ignore[no-untyped-def]
    return (
        P.id,
        P.code,
        Community.subdistrict,
        Community.name.label("community"),
        P.name,
        P.category,
        P.year,
        P.planned_on,
        P.status,
        P.completed_on,
        P.investment,
        P.beneficiary_households,
    )


def _editable(row) -> EditableProject:  # type: ignore[no-untyped-def]
    return EditableProject(
        row.code,
        row.subdistrict,
        row.community,
        row.name,
        row.category,
        int(row.year),
        _as_date(row.planned_on),  # type: ignore[arg-type]
        row.status,
        _as_date(row.completed_on),
        float(row.investment or 0.0),
        int(row.beneficiary_households or 0),
    )


def _community_filter(allowed: set[CommunityKey] | None):  # type: ignore[no-untyped-def]
    if allowed is None:
        return None
    if not allowed:
        return Community.id.is_(None)  # no community at all
    return tuple_(Community.subdistrict, Community.name).in_(sorted(allowed))


def editable_projects(
    engine: Engine,
    *,
    allowed: set[CommunityKey] | None = None,
    year: int | None = None,
    subdistrict: str | None = None,
    communities: Sequence[CommunityKey] = (),
    search: str = "",
    limit: int = MAX_LIST,
) -> list[EditableProject]:
    """Projects the user may correct, narrowed by year, place and a code/name search."""
    query = select(*_project_columns()).join(Community, Community.id == P.community_id)
    conditions = []
    permitted = _community_filter(allowed)
    if permitted is not None:
        conditions.append(permitted)
    if year is not None:
        conditions.append(P.year == year)
    if subdistrict:
        conditions.append(Community.subdistrict == subdistrict)
    if communities:
        # (街道, 社区) pairs: a name alone would also pick another 街道's namesake.
        conditions.append(tuple_(Community.subdistrict, Community.name).in_(list(communities)))
    text = search.strip().lower()
    if text:
        pattern = f"%{text}%"
        conditions.append(or_(func.lower(P.code).like(pattern), func.lower(P.name).like(pattern)))
    query = query.where(and_(*conditions)) if conditions else query
    query = query.order_by(Community.subdistrict, Community.name, P.code).limit(limit)
    with engine.connect() as connection:
        return [_editable(row) for row in connection.execute(query)]


def _missing(value: Any) -> bool:
    """An empty cell as the editor returns it: None, blank text, NaN or NaT."""
    if value is None or is_blank(value):
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _parse_cell(header: str, raw: Any) -> Any:
    """One edited cell through the importer's parser for that column."""
    column = COLUMNS[header]
    if _missing(raw):
        if column.required:
            raise ParseError("必须填写")
        return column.default
    if isinstance(raw, dt.datetime):  # pandas Timestamps from the editor: the day only
        raw = raw.date()
    return column.parse(raw)


def _shown(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class _Stored:
    id: int
    community: CommunityKey
    name: str
    values: dict[str, Any]


def _load(connection: Connection, codes: Sequence[str]) -> dict[str, _Stored]:
    """The stored projects and their communities, read inside the writer's transaction."""
    found: dict[str, _Stored] = {}
    wanted = sorted(set(codes))
    query = (
        select(*_project_columns())
        .join(Community, Community.id == P.community_id)
        .where(P.code.in_(wanted))
    )
    for row in connection.execute(query):
        project = _editable(row)
        values = {name: getattr(project, name) for name in EDITABLE.values()}
        found[row.code] = _Stored(row.id, (row.subdistrict, row.community), row.name, values)
    return found


def _issue(edit: ProjectEdit, column: str | None, message: str) -> ImportIssue:
    return ImportIssue(SOURCE, None, edit.row, column, f"项目 {edit.code}：{message}")


def _check_edit(
    edit: ProjectEdit, stored: _Stored | None, allowed: set[CommunityKey] | None
) -> tuple[dict[str, Any], list[ImportIssue]]:
    """The project's new values, or the reasons they cannot be saved."""
    if stored is None:
        return {}, [_issue(edit, "项目编号", "项目不存在（可能已被删除或编号有误）")]
    if allowed is not None and stored.community not in allowed:
        place = "/".join(stored.community)
        return {}, [_issue(edit, "社区", f"无权更正该社区的项目（{place}）")]
    values = dict(stored.values)
    issues = []
    for header, raw in edit.values.items():
        if header not in EDITABLE:
            issues.append(_issue(edit, header, "此列不能在线更正（请用导入修改）"))
            continue
        try:
            values[EDITABLE[header]] = _parse_cell(header, raw)
        except ParseError as error:
            issues.append(_issue(edit, header, str(error)))
    if not issues:
        for column, message, level in row_rules("livelihood", values):
            if level == "error":
                issues.append(_issue(edit, column, message))
    return values, issues


def _change_text(code: str, name: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = [
        f"{header} {_shown(before[field_name])}→{_shown(after[field_name])}"
        for header, field_name in EDITABLE.items()
        if before[field_name] != after[field_name]
    ]
    return f"项目 {code}「{name}」：" + "；".join(parts)


def apply_corrections(
    engine: Engine,
    edits: Sequence[ProjectEdit],
    *,
    user: str,
    allowed: set[CommunityKey] | None = None,
) -> CorrectionResult:
    """Validate every edit and, only if all are valid, save them in one transaction.

    The projects (and the communities that own them) are read under the writers' lock, in
    the transaction that saves: an import that moves a project to another community between
    the check and the save cannot slip an editor's correction into a community not theirs.
    """
    with write_transaction(engine) as connection:
        stored = _load(connection, [edit.code for edit in edits])
        errors: list[ImportIssue] = []
        changes: list[tuple[_Stored, dict[str, Any], str]] = []
        for edit in edits:
            current = stored.get(edit.code)
            values, issues = _check_edit(edit, current, allowed)
            errors.extend(issues)
            if not issues and current is not None and values != current.values:
                changes.append(
                    (current, values, _change_text(edit.code, current.name, current.values, values))
                )
        if errors:
            return CorrectionResult(False, errors)
        if not changes:
            return CorrectionResult(True)
        _save(connection, changes, user)
    return CorrectionResult(True, [], len(changes), [text for _, _, text in changes])


def _save(
    connection: Connection, changes: list[tuple[_Stored, dict[str, Any], str]], user: str
) -> None:
    """One batch for the whole correction, the rows, and an audit entry per project."""
    payload = json.dumps(
        [[text, {k: _shown(v) for k, v in values.items()}] for _, values, text in changes],
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()
    summary = {
        "tables": {
            "livelihood": {
                "label": SPEC.kind.label,
                "new": 0,
                "updated": len(changes),
                "unchanged": 0,
            }
        },
        "warnings": 0,
    }
    at = audit.now()
    batch_id = connection.execute(
        insert(ImportBatch.__table__).values(
            source_file=SOURCE,
            file_hash=digest,
            imported_at=at,
            imported_by=user,
            rows_total=len(changes),
            summary=json.dumps(summary, ensure_ascii=False),
        )
    ).inserted_primary_key[0]
    for stored, values, text in changes:
        connection.execute(
            update(P.__table__)
            .where(P.__table__.c.id == stored.id)
            .values(**values, batch_id=batch_id)
        )
        audit.record(
            connection,
            "correction",
            user,
            text,
            rows=1,
            source_file=SOURCE,
            file_hash=digest,
            at=at,
        )


__all__ = [
    "EDITABLE",
    "CorrectionResult",
    "EditableProject",
    "ProjectEdit",
    "SOURCE",
    "apply_corrections",
    "editable_projects",
]
