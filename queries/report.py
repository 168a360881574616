"""The weekly review report of contract §3, as a plain dict ready for JSON.

It only assembles the area queries (livelihood, fiscal, census, volunteers), so the report,
the pages and the big screen share one definition of every figure. Keys and nesting follow
§3 exactly; dates are ISO strings. Lists are sorted by subdistrict, then community; fiscal
items by subdistrict, then 一般公共预算收入, 税收收入, then the other 科目 by name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Engine

from queries.area_helpers import connected, week_of
from queries.census import census_summary
from queries.fiscal import fiscal_report
from queries.livelihood import livelihood_by_community, livelihood_summary
from queries.scope import Scope
from queries.volunteers import volunteer_summary


def report_scope(as_of: dt.date, subdistrict: str | None = None) -> Scope:
    """The scope of a report: one subdistrict (or all), every community, as of the date."""
    return Scope(subdistrict=subdistrict or None, date_to=as_of)


def _livelihood_block(connection: Connection, scope: Scope) -> dict[str, Any]:
    block = asdict(livelihood_summary(connection, scope))
    block["by_community"] = [asdict(row) for row in livelihood_by_community(connection, scope)]
    return block


def _optional_block(value: Any) -> dict[str, Any] | None:
    return None if value is None else asdict(value)


def build_report(
    engine: Engine | Connection, as_of: dt.date, subdistrict: str | None = None
) -> dict[str, Any]:
    """Every §3 figure as of ``as_of`` for one subdistrict (or all), in the §3 shape."""
    scope = report_scope(as_of, subdistrict)
    week_start, week_end = week_of(as_of)
    with connected(engine) as connection:
        return {
            "as_of": as_of.isoformat(),
            "subdistrict": scope.subdistrict,
            "week": {"start": week_start.isoformat(), "end": week_end.isoformat()},
            "livelihood": _livelihood_block(connection, scope),
            "fiscal": _optional_block(fiscal_report(connection, scope)),
            "census": _optional_block(census_summary(connection, scope)),
            "volunteers": asdict(volunteer_summary(connection, scope)),
        }


def report_to_json(report: dict[str, Any]) -> str:
    """The report as readable UTF-8 JSON (Chinese kept as is, indented)."""
    return json.dumps(report, ensure_ascii=False, indent=2)
