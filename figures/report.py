"""The weekly review report of contract §3, as a plain dict ready for JSON.

It only assembles the area queries (livelihood, fiscal, census, volunteers), so the report,
the pages and the big screen share one definition of every figure. Keys and nesting follow
§3 exactly; dates are ISO strings. Lists are sorted by subdistrict, then community; fiscal
items by subdistrict, then 一般公共预算收入, 税收收入, then the other 科目 by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine

from figures.area_helpers import connected, week_of
from figures.census import CensusSummary, census_summary
from figures.fiscal import FiscalReport, fiscal_report
from figures.livelihood import CommunityLivelihood, LivelihoodSummary, livelihood_figures
from figures.scope import Scope
from figures.volunteers import VolunteerSummary, volunteer_summary
from storage.finite import dataclass_rows, field_reader, require_finite


def report_scope(as_of: dt.date, subdistrict: str | None = None) -> Scope:
    """The scope of a report: one subdistrict (or all), every community, as of the date."""
    return Scope(subdistrict=subdistrict or None, date_to=as_of)


@dataclass(frozen=True)
class ReportFigures:
    """The §3 figures as the area functions return them, before they take the JSON shape:
    what the report is made of and what the league of the same scope reuses (this week's
    per-community rows), so a page showing both reads them once."""

    scope: Scope
    livelihood: LivelihoodSummary
    livelihood_rows: list[CommunityLivelihood]
    fiscal: FiscalReport | None
    census: CensusSummary | None
    volunteers: VolunteerSummary


def report_figures(connection: Connection, scope: Scope) -> ReportFigures:
    """Every area function the report needs, once, on one connection."""
    livelihood = livelihood_figures(connection, scope)
    return ReportFigures(
        scope=scope,
        livelihood=livelihood.summary,
        livelihood_rows=livelihood.by_community,
        fiscal=fiscal_report(connection, scope),
        census=census_summary(connection, scope),
        volunteers=volunteer_summary(connection, scope),
    )


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` for the figures' dataclasses (dicts, lists and scalars inside):
    the same dict, made without asdict's deep copies (54,000 values for a city's report)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names, getter = field_reader(kind)
        values = getter(value)
        if all(type(item) in _SCALARS for item in values):
            return dict(zip(names, values, strict=True))
        return {name: plain(item) for name, item in zip(names, values, strict=True)}
    if isinstance(value, list | tuple):
        rows = _flat_rows(value)
        if rows is not None:
            return rows if type(value) is list else type(value)(rows)
        return type(value)(plain(item) for item in value)
    if isinstance(value, dict):
        return type(value)((plain(key), plain(item)) for key, item in value.items())
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _flat_rows(items: list | tuple) -> list[dict[str, Any]] | None:
    """A city's ``by_community`` (2,000 rows of one dataclass holding scalars only) as dicts in
    one pass, its cells' kinds checked at once; None for anything else (``plain`` item by
    item)."""
    table = dataclass_rows(items)
    if table is None:
        return None
    names, cells = table
    if not set(map(type, chain.from_iterable(cells))) <= _SCALARS:
        return None
    return [dict(zip(names, values, strict=True)) for values in cells]


def report_dict(figures: ReportFigures) -> dict[str, Any]:
    """The §3 dict of ``figures`` (checked finite: see ``finite_numbers``)."""
    scope = figures.scope
    as_of = scope.as_of
    week_start, week_end = week_of(as_of)
    livelihood = plain(figures.livelihood)
    livelihood["by_community"] = plain(figures.livelihood_rows)
    report = {
        "as_of": as_of.isoformat(),
        "subdistrict": scope.subdistrict,
        "week": {"start": week_start.isoformat(), "end": week_end.isoformat()},
        "livelihood": livelihood,
        "fiscal": None if figures.fiscal is None else plain(figures.fiscal),
        "census": None if figures.census is None else plain(figures.census),
        "volunteers": plain(figures.volunteers),
    }
    return require_finite(report)


def build_report(
    engine: Engine | Connection, as_of: dt.date, subdistrict: str | None = None
) -> dict[str, Any]:
    """Every §3 figure as of ``as_of`` for one subdistrict (or all), in the §3 shape."""
    with connected(engine) as connection:
        return report_dict(report_figures(connection, report_scope(as_of, subdistrict)))


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
    ``NaN`` (not JSON): such numbers become null first.

    The text is ``json.dumps(finite_numbers(report)[0], ensure_ascii=False, indent=2)`` to the
    byte, written in one pass: the standard library's indenting encoder is pure Python and
    took a third of ``manage.py report``'s own time at city scale.
    """
    chunks: list[str] = []
    _write_json(report, chunks, "\n")
    return "".join(chunks)


_ENCODE_STRING = json.encoder.encode_basestring  # the C function when available
_INDENT = "  "


def _write_json(value: Any, chunks: list[str], newline: str) -> None:
    """Append ``value`` as indented JSON; ``newline`` is the line break plus the indent of the
    enclosing container (what the standard encoder's ``_iterencode`` does, in one walk)."""
    if isinstance(value, str):
        chunks.append(_ENCODE_STRING(value))
    elif value is None:
        chunks.append("null")
    elif value is True:
        chunks.append("true")
    elif value is False:
        chunks.append("false")
    elif isinstance(value, int):
        chunks.append(int.__repr__(value))
    elif isinstance(value, float):
        chunks.append(float.__repr__(value) if math.isfinite(value) else "null")
    elif isinstance(value, list | tuple):
        _write_list(value, chunks, newline)
    elif isinstance(value, dict):
        _write_dict(value, chunks, newline)
    else:  # nothing else is in a report: let the standard encoder say what it is
        chunks.append(json.dumps(value, ensure_ascii=False, allow_nan=False))


def _scalar_json(value: Any) -> str | None:
    """A str, int, float, bool or None as JSON text; None for anything else."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STRING(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value) if math.isfinite(value) else "null"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return None


def _flat_dict_json(row: Any, newline: str) -> str | None:
    """A dict of scalars (a ``by_community`` row) as one piece of text; None otherwise."""
    if type(row) is not dict or not row:
        return None
    inner = "," + newline + _INDENT
    parts = []
    for key, item in row.items():
        text = _scalar_json(item)
        if text is None or type(key) is not str:
            return None
        parts.append(_ENCODE_STRING(key) + ": " + text)
    return "{" + newline + _INDENT + inner.join(parts) + newline + "}"


def _write_list(value: list | tuple, chunks: list[str], newline: str) -> None:
    if not value:
        chunks.append("[]")
        return
    inner = newline + _INDENT
    rows = [_flat_dict_json(item, inner) for item in value]
    if all(row is not None for row in rows):  # a list of rows: each row written in one go
        chunks.append("[" + inner + ("," + inner).join(rows) + newline + "]")  # type: ignore[arg-type]
        return
    chunks.append("[" + inner)
    for index, item in enumerate(value):
        if index:
            chunks.append("," + inner)
        _write_json(item, chunks, inner)
    chunks.append(newline + "]")


def _write_dict(value: dict, chunks: list[str], newline: str) -> None:
    if not value:
        chunks.append("{}")
        return
    inner = newline + _INDENT
    chunks.append("{" + inner)
    for index, (key, item) in enumerate(value.items()):
        if index:
            chunks.append("," + inner)
        chunks.append(_json_key(key) + ": ")
        _write_json(item, chunks, inner)
    chunks.append(newline + "}")


def _json_key(key: Any) -> str:
    """A dict key as the standard encoder writes it (a report's keys are strings)."""
    if isinstance(key, str):
        return _ENCODE_STRING(key)
    if isinstance(key, float):
        if not math.isfinite(key):
            raise ValueError(f"Out of range float values are not JSON compliant: {key!r}")
        text = float.__repr__(key)
    elif key is True or key is False or key is None:
        text = {True: "true", False: "false", None: "null"}[key]
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return _ENCODE_STRING(text)
