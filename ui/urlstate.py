"""Parsing and writing filter values in the URL, without Streamlit (so it is testable alone).

The URL is the contract (§4): ``?subdistrict=NAME&community=A,B&from=YYYY-MM-DD&to=YYYY-MM-DD``.
A value that does not parse or names something unknown is dropped and reported as a notice,
never raised: a colleague's stale link must still open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from queries.scope import clamp_date, date_range_text

MAX_URL_VALUE_LENGTH = 300


def parse_iso_date(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` date; raises ValueError otherwise."""
    text = text.strip()
    if len(text) != 10:
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def split_list(text: str) -> list[str]:
    """``A,B`` (also full-width ``，``) into clean, de-duplicated items, order kept."""
    items: list[str] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items


def join_list(values: Sequence[str]) -> str:
    return ",".join(values)


@dataclass(frozen=True)
class UrlParam:
    """One filter as it lives in the URL: its key, how it parses, and what is allowed.

    ``choices`` (when given) limits accepted values; a list parameter keeps the allowed items
    and reports the others.
    """

    key: str
    label: str
    kind: str = "text"  # text | list | date | int
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """Value and notice. The value is None when nothing usable was given."""
        raw = raw.strip()
        if not raw:
            return None, None
        if len(raw) > MAX_URL_VALUE_LENGTH:
            return None, f"已忽略过长的筛选参数「{self.label}」"
        if self.kind == "date":
            return self._parse_date(raw)
        if self.kind == "int":
            return self._parse_int(raw)
        if self.kind == "list":
            return self._parse_list(raw)
        if self.choices is not None and raw not in self.choices:
            return None, f"已忽略无效的{self.label}：{raw}"
        return raw, None

    def _parse_date(self, raw: str) -> tuple[dt.date | None, str | None]:
        """A real date, moved into the accepted range (with a notice saying so)."""
        try:
            day = parse_iso_date(raw)
        except ValueError:
            return None, f"已忽略格式错误的{self.label}：{raw}（应为 YYYY-MM-DD）"
        clamped = clamp_date(day)
        if clamped != day:
            return clamped, (
                f"{self.label} {day.isoformat()} 超出可用范围（{date_range_text()}），"
                f"已改为 {clamped.isoformat()}"
            )
        return day, None

    def _parse_int(self, raw: str) -> tuple[int | None, str | None]:
        try:
            value = int(raw)
        except ValueError:
            return None, f"已忽略无效的{self.label}：{raw}"
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            return None, f"已忽略超出范围的{self.label}：{raw}"
        return value, None

    def _parse_list(self, raw: str) -> tuple[list[str] | None, str | None]:
        items = split_list(raw)
        if self.choices is None:
            return items or None, None
        kept = [item for item in items if item in self.choices]
        dropped = [item for item in items if item not in self.choices]
        notice = f"已忽略无效的{self.label}：{'、'.join(dropped)}" if dropped else None
        return kept or None, notice

    def format(self, value: Any) -> str | None:
        """The URL text for a value; None removes the parameter."""
        if value is None or value == "" or value == [] or value == ():
            return None
        if self.kind == "date":
            return value.isoformat()
        if self.kind == "list":
            return join_list(list(value))
        return str(value)


def parse_params(
    params: Mapping[str, str], specs: Sequence[UrlParam]
) -> tuple[dict[str, Any], list[str]]:
    """Parse every spec's key present in ``params``: values by key, and the notices."""
    values: dict[str, Any] = {}
    notices: list[str] = []
    for spec in specs:
        if spec.key not in params:
            continue
        value, notice = spec.parse(str(params[spec.key]))
        if notice:
            notices.append(notice)
        if value is not None:
            values[spec.key] = value
    return values, notices


def order_dates(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date | None, dt.date | None, str | None]:
    """Swap a reversed range rather than failing (and say so)."""
    if date_from and date_to and date_from > date_to:
        return date_to, date_from, "起止日期顺序颠倒，已自动调换"
    return date_from, date_to, None


def changed_params(
    current: Mapping[str, str], wanted: Mapping[str, str | None]
) -> tuple[dict[str, str], list[str]]:
    """What to set and what to delete so the URL shows ``wanted`` (None = absent)."""
    to_set = {k: v for k, v in wanted.items() if v is not None and current.get(k) != v}
    to_delete = [k for k, v in wanted.items() if v is None and k in current]
    return to_set, to_delete


Formatter = Callable[[Any], str | None]
