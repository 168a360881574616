"""The weekly review report of contract §3, as a plain dict ready for JSON.

It only assembles the area queries (livelihood, fiscal, census, volunteers), so the report,
the pages and the big screen share one definition of every figure. Keys and nesting follow
§3 exactly; dates are ISO strings. Lists are sorted by subdistrict, then community; fiscal
items by subdistrict, then 一般公共预算收入, 税收收入, then the other 科目 by name.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Engine

from figures.area_helpers import connected, week_of
from figures.census import census_summary
from figures.fiscal import fiscal_report
from figures.livelihood import livelihood_by_community, livelihood_summary
from figures.scope import Scope
from figures.volunteers import volunteer_summary
from storage.finite import require_finite


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
        report = {
            "as_of": as_of.isoformat(),
            "subdistrict": scope.subdistrict,
            "week": {"start": week_start.isoformat(), "end": week_end.isoformat()},
            "livelihood": _livelihood_block(connection, scope),
            "fiscal": _optional_block(fiscal_report(connection, scope)),
            "census": _optional_block(census_summary(connection, scope)),
            "volunteers": asdict(volunteer_summary(connection, scope)),
        }
    return require_finite(report)


def finite_numbers(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """``value`` with every non-finite float (inf, nan) replaced by None, and their paths.

    Amounts are floats: on SQLite a sum past the float range (two 当月金额 of 1e308) is inf and
    inf/inf is nan, where PostgreSQL raises. ``build_report`` refuses such a report on both
    databases alike (``storage.finite``); the JSON writer still writes null rather than
    ``Infinity`` for a report built elsewhere (``allow_nan=False`` as the last guard).
    """
    if isinstance(value, float):
        return (value, []) if math.isfinite(value) else (None, [path or "."])
    if isinstance(value, dict):
        out, replaced = {}, []
        for key, item in value.items():
            out[key], found = finite_numbers(item, f"{path}.{key}" if path else str(key))
            replaced += found
        return out, replaced
    if isinstance(value, list | tuple):
        items = [finite_numbers(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return type(value)(item for item, _ in items), [p for _, found in items for p in found]
    return value, []


def report_to_json(report: dict[str, Any]) -> str:
    """The report as readable UTF-8 JSON (Chinese kept as is, indented); never ``Infinity`` or
    ``NaN`` (not JSON): such numbers become null first."""
    return json.dumps(finite_numbers(report)[0], ensure_ascii=False, indent=2, allow_nan=False)
