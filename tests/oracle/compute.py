"""The weekly report of contract §3, computed literally over raw import rows in plain Python.

No SQL, no pandas: loops over the tables of :mod:`tests.oracle.dataset` (dicts keyed by the
Chinese headers, values as CSV strings). :func:`expected_report` gives the JSON the real
``manage.py report --format json`` must print; :func:`report_differences` compares a real
report against the unrounded oracle and names every differing path.

Readings of the contract where its words leave room (also listed in the test module):
- Fiscal items: a (subdistrict, 科目) "has a row in Y" only through rows of months up to the
  report's month, since later rows did not exist on the as-of date. An item with no amount, no
  target and no yoy may be listed or left out.
- by_community rows whose figures are all zero may be listed or left out: the contract does not
  say whether communities without data appear.
- census.registered_this_week is measured in households (the sum the rate is made of).
- volunteers.hours_this_week / hours_last_week count every record in the week, also when the
  week reaches back into Y−1 (the week is not cut at 1 January).
- Ties at a rounding half (0.03125 to 4 places) may round either way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

Row = dict[str, str]
Tables = dict[str, list[Row]]

RATE_FIELDS = frozenset({"completion_rate", "time_progress", "target_rate", "yoy", "rate"})
AMOUNT_FIELDS = frozenset(
    {"month_amount", "ytd", "target", "hours", "hours_this_week", "hours_last_week"}
)
DECIMALS = {**dict.fromkeys(RATE_FIELDS, 4), **dict.fromkeys(AMOUNT_FIELDS, 2)}
KEY_FIELDS = ("subdistrict", "community", "item")


def parse_day(text: str) -> dt.date | None:
    """A §1 date cell (``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYY年M月D日``); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    for sep in ("-", "/"):
        if sep in text:
            year, month, day = text.split(sep)
            return dt.date(int(year), int(month), int(day))
    year, rest = text.split("年")
    month, rest = rest.split("月")
    return dt.date(int(year), int(month), int(rest.rstrip("日")))


def parse_month(text: str) -> tuple[int, int]:
    """A §1 month cell (``YYYY-MM`` or ``YYYY年M月``) as (year, month)."""
    text = text.strip()
    if "-" in text:
        year, month = text.split("-")
    else:
        year, month = text.rstrip("月").split("年")
    return int(year), int(month)


def _in_scope(row: Row, subdistrict: str | None) -> bool:
    return subdistrict is None or row["街道"].strip() == subdistrict


def _place(row: Row) -> tuple[str, str]:
    return row["街道"].strip(), row["社区"].strip()


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# --- livelihood -------------------------------------------------------------------------


def _classify_project(row: Row, as_of: dt.date) -> str:
    """cancelled / completed / in_progress / not_started, as of the date."""
    status = row["状态"].strip()
    done = parse_day(row["完成日期"])
    if status == "已取消":
        return "cancelled"
    if status == "已完成":
        return "completed" if done is not None and done <= as_of else "in_progress"
    if status == "推进中":
        return "in_progress"
    if status == "未启动":
        return "not_started"
    raise ValueError(f"unknown 状态 {status!r}")


def livelihood(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any]:
    """§3 livelihood: the projects whose 年度 is Y."""
    week_start = as_of - dt.timedelta(days=6)
    counts = dict.fromkeys(["completed", "in_progress", "not_started", "cancelled"], 0)
    overdue = completed_this_week = 0
    per_place: dict[tuple[str, str], dict[str, int]] = {}
    for row in tables["projects"]:
        if int(row["年度"]) != as_of.year or not _in_scope(row, subdistrict):
            continue
        kind = _classify_project(row, as_of)
        counts[kind] += 1
        place = per_place.setdefault(_place(row), {"total": 0, "completed": 0, "overdue": 0})
        late = kind in ("in_progress", "not_started") and parse_day(row["计划完成日期"]) < as_of
        done = parse_day(row["完成日期"])
        if done is not None and week_start <= done <= as_of:
            completed_this_week += 1
        if kind != "cancelled":
            place["total"] += 1
        if kind == "completed":
            place["completed"] += 1
        if late:
            overdue += 1
            place["overdue"] += 1
    total = counts["completed"] + counts["in_progress"] + counts["not_started"]
    by_community = [
        {
            "subdistrict": sub,
            "community": name,
            "total": figures["total"],
            "completed": figures["completed"],
            "completion_rate": _ratio(figures["completed"], figures["total"]) or 0,
            "overdue": figures["overdue"],
        }
        for (sub, name), figures in sorted(per_place.items())
    ]
    return {
        "year": as_of.year,
        "total": total,
        **counts,
        "completion_rate": _ratio(counts["completed"], total) or 0,
        "overdue": overdue,
        "completed_this_week": completed_this_week,
        "by_community": by_community,
    }


# --- fiscal -----------------------------------------------------------------------------


def fiscal(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any] | None:
    """§3 fiscal: the latest month of Y with a row in scope, and one item per (街道, 科目)."""
    year = as_of.year
    amounts: dict[tuple[str, str], dict[tuple[int, int], float]] = defaultdict(dict)
    month = 0
    for row in tables["fiscal_monthly"]:
        if not _in_scope(row, subdistrict):
            continue
        row_year, row_month = parse_month(row["月份"])
        key = (row["街道"].strip(), row["科目"].strip())
        amounts[key][(row_year, row_month)] = float(row["当月金额(万元)"])
        if row_year == year and row_month <= as_of.month:
            month = max(month, row_month)
    if not month:
        return None
    targets = {
        (row["街道"].strip(), row["科目"].strip()): float(row["年度目标(万元)"])
        for row in tables["fiscal_targets"]
        if int(row["年度"]) == year and _in_scope(row, subdistrict)
    }
    keys = set(targets)
    keys |= {
        key
        for key, by_month in amounts.items()
        if any(y == year and m <= month for y, m in by_month)
    }
    items = []
    for sub, item in sorted(keys):
        by_month = amounts.get((sub, item), {})
        ytd = sum(v for (y, m), v in by_month.items() if y == year and m <= month)
        prior = [v for (y, m), v in by_month.items() if y == year - 1 and m <= month]
        target = targets.get((sub, item))
        items.append(
            {
                "subdistrict": sub,
                "item": item,
                "month_amount": by_month.get((year, month), 0.0),
                "ytd": ytd,
                "target": target,
                "target_rate": _ratio(ytd, target) if target is not None else None,
                "yoy": ytd / sum(prior) - 1 if prior and sum(prior) else None,
            }
        )
    return {"year": year, "month": month, "time_progress": month / 12, "items": items}


# --- census -----------------------------------------------------------------------------


def _census_snapshot(rows: list[Row], campaign: str, at: dt.date) -> dict[tuple, Row]:
    """Each community's latest row of the campaign dated on or before ``at``."""
    latest: dict[tuple[str, str], Row] = {}
    for row in rows:
        day = parse_day(row["日期"])
        if row["任务名称"].strip() != campaign or day > at:
            continue
        place = _place(row)
        if place not in latest or parse_day(latest[place]["日期"]) < day:
            latest[place] = row
    return latest


def _sum(rows: dict[tuple, Row], header: str) -> int:
    return sum(int(row[header]) for row in rows.values())


def census(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any] | None:
    """§3 census: the campaign with the latest row on or before as-of, summed over communities."""
    rows = [r for r in tables["census"] if _in_scope(r, subdistrict)]
    dated = [(parse_day(r["日期"]), r["任务名称"].strip()) for r in rows]
    dated = [(day, name) for day, name in dated if day <= as_of]
    if not dated:
        return None
    last_day = max(day for day, _ in dated)
    tied = sorted({name for day, name in dated if day == last_day})
    if len(tied) > 1:
        raise ValueError(f"campaigns tie on {last_day}: {tied}; the contract does not say which")
    campaign = tied[0]
    now = _census_snapshot(rows, campaign, as_of)
    before = _census_snapshot(rows, campaign, as_of - dt.timedelta(days=7))
    expected = _sum(now, "应登记户数")
    households = _sum(now, "已登记户数")
    return {
        "campaign": campaign,
        "expected": expected,
        "registered_households": households,
        "registered_persons": _sum(now, "已登记人数"),
        "rate": _ratio(households, expected),
        "registered_this_week": households - _sum(before, "已登记户数"),
        "by_community": [
            {
                "subdistrict": sub,
                "community": name,
                "expected": int(row["应登记户数"]),
                "registered_households": int(row["已登记户数"]),
                "rate": _ratio(int(row["已登记户数"]), int(row["应登记户数"])),
            }
            for (sub, name), row in sorted(now.items())
        ],
    }


# --- volunteers -------------------------------------------------------------------------


def volunteers(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any]:
    """§3 volunteers: registrations up to as-of, service of Y up to as-of, and the two weeks."""
    week_start = as_of - dt.timedelta(days=6)
    last_week_start, last_week_end = as_of - dt.timedelta(days=13), as_of - dt.timedelta(days=7)
    per_place: dict[tuple[str, str], dict[str, float]] = defaultdict(
        lambda: {"registered": 0, "person_times": 0, "hours": 0.0}
    )
    registered = 0
    for row in tables["volunteers"]:
        if _in_scope(row, subdistrict) and parse_day(row["注册日期"]) <= as_of:
            registered += 1
            per_place[_place(row)]["registered"] += 1
    person_times, hours, this_week, last_week = 0, 0.0, 0.0, 0.0
    active: set[str] = set()
    for row in tables["service_records"]:
        if not _in_scope(row, subdistrict):
            continue
        day = parse_day(row["服务日期"])
        spent = float(row["服务时长(小时)"])
        if week_start <= day <= as_of:
            this_week += spent
        if last_week_start <= day <= last_week_end:
            last_week += spent
        if day.year == as_of.year and day <= as_of:
            person_times += 1
            hours += spent
            active.add(row["志愿者编号"].strip())
            per_place[_place(row)]["person_times"] += 1
            per_place[_place(row)]["hours"] += spent
    return {
        "registered": registered,
        "active": len(active),
        "person_times": person_times,
        "hours": hours,
        "hours_this_week": this_week,
        "hours_last_week": last_week,
        "by_community": [
            {"subdistrict": sub, "community": name, **figures}
            for (sub, name), figures in sorted(per_place.items())
        ],
    }


# --- the whole report -------------------------------------------------------------------


def raw_report(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any]:
    """The report with unrounded numbers (what the comparison measures against)."""
    return {
        "as_of": as_of.isoformat(),
        "subdistrict": subdistrict,
        "week": {
            "start": (as_of - dt.timedelta(days=6)).isoformat(),
            "end": as_of.isoformat(),
        },
        "livelihood": livelihood(tables, as_of, subdistrict),
        "fiscal": fiscal(tables, as_of, subdistrict),
        "census": census(tables, as_of, subdistrict),
        "volunteers": volunteers(tables, as_of, subdistrict),
    }


def round_report(value: Any, field: str = "") -> Any:
    """Rates to 4 decimals, amounts to 2, everything else untouched."""
    if isinstance(value, dict):
        return {key: round_report(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [round_report(item, field) for item in value]
    if field in DECIMALS and isinstance(value, float | int) and not isinstance(value, bool):
        return round(float(value), DECIMALS[field])
    return value


def expected_report(tables: Tables, as_of: dt.date, subdistrict: str | None) -> dict[str, Any]:
    """The JSON that ``manage.py report --format json`` must print, per contract §3."""
    return round_report(raw_report(tables, as_of, subdistrict))


# --- comparison -------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rounded_ok(got: Any, raw: float, decimals: int) -> bool:
    """True when ``got`` is ``raw`` rounded to ``decimals`` places (either way at a half)."""
    if not _is_number(got) or not math.isfinite(got):
        return False
    scaled = got * 10**decimals
    on_grid = abs(scaled - round(scaled)) <= 1e-6
    return on_grid and abs(got - raw) <= 0.5 * 10**-decimals + 1e-6


def _all_zero(row: dict[str, Any]) -> bool:
    """A row that says nothing: every figure zero or null."""
    return all(v in (0, None) for k, v in row.items() if k not in KEY_FIELDS)


def _row_key(row: Any) -> tuple:
    if not isinstance(row, dict):
        return (repr(row),)
    return tuple(row.get(field) for field in KEY_FIELDS if field in row)


def _compare_keyed_rows(
    expected: list[dict], got: Any, path: str, ordered: bool, out: list[str]
) -> None:
    """Rows matched by their key; all-zero rows may be missing on either side."""
    if not isinstance(got, list):
        out.append(f"{path}: expected a list, got {got!r}")
        return
    got_keys = [_row_key(row) for row in got]
    if ordered and got_keys != sorted(got_keys, key=lambda key: [str(k) for k in key]):
        out.append(f"{path}: not sorted by (subdistrict, community): {got_keys}")
    if len(set(got_keys)) != len(got_keys):
        out.append(f"{path}: duplicate rows {got_keys}")
    got_by_key = dict(zip(got_keys, got, strict=True))
    expected_keys = set()
    for index, row in enumerate(expected):
        key = _row_key(row)
        expected_keys.add(key)
        where = f"{path}[{index}]"
        if key in got_by_key:
            _compare(row, got_by_key[key], f"{where}<{'/'.join(map(str, key))}>", out)
        elif not _all_zero(row):
            out.append(f"{where}: row {key} missing from the report; expected {row}")
    for key, row in got_by_key.items():
        if key not in expected_keys and not (isinstance(row, dict) and _all_zero(row)):
            out.append(f"{path}: unexpected row {key} in the report: {row}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _compare(expected: Any, got: Any, path: str, out: list[str], field: str = "") -> None:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            out.append(f"{path}: expected an object, got {got!r}")
            return
        for key in sorted(expected.keys() - got.keys()):
            out.append(f"{_join(path, key)}: missing from the report")
        for key in sorted(got.keys() - expected.keys()):
            out.append(f"{_join(path, key)}: not in the contract (value {got[key]!r})")
        for key in [k for k in expected if k in got]:
            sub_path = _join(path, key)
            if key == "by_community":
                _compare_keyed_rows(expected[key], got[key], sub_path, True, out)
            elif key == "items":
                _compare_keyed_rows(expected[key], got[key], sub_path, False, out)
            else:
                _compare(expected[key], got[key], sub_path, out, key)
        return
    if field in DECIMALS and _is_number(expected):
        if not _rounded_ok(got, expected, DECIMALS[field]):
            want = round(float(expected), DECIMALS[field])
            out.append(f"{path}: expected {want} (unrounded {expected!r}), got {got!r}")
        return
    same_kind = _is_number(expected) == _is_number(got)
    if not same_kind or expected != got:
        out.append(f"{path}: expected {expected!r}, got {got!r}")


def report_differences(expected_raw: dict[str, Any], got: Any) -> list[str]:
    """Every path where the real report disagrees with :func:`raw_report`, one line each."""
    out: list[str] = []
    _compare(expected_raw, got, "", out)
    return out
