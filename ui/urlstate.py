"""Parsing and writing filter values in the URL, without Streamlit (so it is testable alone).

The URL is the contract (§4): ``?subdistrict=NAME&community=A,B&from=YYYY-MM-DD&to=YYYY-MM-DD``.
A ``community`` item is a bare 社区 name where that name is unique, or ``街道/社区`` where two
街道 have a community of that name (``CommunityParam``).
A value that does not parse or names something unknown is dropped and reported as a notice,
never raised: a colleague's stale link must still open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from figures.scope import (
    CommunityKey,
    clamp_date,
    community_label,
    date_range_text,
    shared_names,
)

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


COMMUNITY_SEPARATORS = ("/", "／")


def community_token(key: CommunityKey, shared: frozenset[str]) -> str:
    """How one community is written in the URL and held by the 社区 widget.

    The bare name when no other 街道 has that name (the contract's ``community=A,B``),
    ``街道/社区`` otherwise, so a link the app writes always reads back as the same community.
    """
    return f"{key[0]}/{key[1]}" if key[1] in shared else key[1]


@dataclass(frozen=True)
class CommunityParam:
    """``community=A,B`` read against the directory of ``(街道, 社区)`` pairs.

    An item is ``街道/社区`` or a bare name; a bare name is accepted where it is unique (in the
    chosen ``subdistrict`` when there is one, else in the whole directory). An ambiguous bare
    name is dropped with a notice asking for the 街道, never merged with its namesakes.
    """

    directory: tuple[CommunityKey, ...]
    subdistrict: str | None = None
    key: str = "community"
    label: str = "社区"

    @cached_property
    def shared(self) -> frozenset[str]:
        """Names more than one 街道 has (in the whole directory)."""
        return shared_names(self.directory)

    @cached_property
    def _options(self) -> dict[str, CommunityKey]:
        # Computed once: the widget labels every option (a city has a thousand communities).
        shared = self.shared
        keys = sorted(
            (k for k in self.directory if self.subdistrict in (None, k[0])),
            key=lambda k: (k[1], k[0]),
        )
        return {community_token(k, shared): k for k in keys}

    def options(self) -> dict[str, CommunityKey]:
        """Token → community for every community the widget offers, sorted by name."""
        return dict(self._options)

    @cached_property
    def _labels(self) -> dict[str, str]:
        # Written once: the widget asks for the label of every option on every run.
        shared, subdistrict = self.shared, self.subdistrict
        return {
            token: community_label(k, shared, subdistrict) for token, k in self._options.items()
        }

    def display(self, token: str) -> str:
        """The widget's label of a token: ``社区（街道）`` only where the name alone is unclear."""
        return self._labels.get(token, token)

    def resolve(self, item: str) -> tuple[CommunityKey | None, str | None]:
        """One URL item → its community, or None and why (unknown or ambiguous)."""
        text = item
        for separator in COMMUNITY_SEPARATORS[1:]:
            text = text.replace(separator, COMMUNITY_SEPARATORS[0])
        candidates = [k for k in self.directory if self.subdistrict in (None, k[0])]
        matches = [k for k in candidates if k[1] == text]  # a bare name (it may hold a "/")
        if not matches and "/" in text:
            subdistrict, _, name = (part.strip() for part in text.partition("/"))
            matches = [k for k in candidates if k == (subdistrict, name)]
        if len(matches) > 1:
            return None, f"「{item}」在多个街道都有，请选择街道"
        return (matches[0], None) if matches else (None, "")

    def parse(self, raw: str) -> tuple[list[str] | None, str | None]:
        """Tokens of the communities named (in URL order) and one notice for the rest."""
        raw = raw.strip()
        if not raw:
            return None, None
        if len(raw) > MAX_URL_VALUE_LENGTH:
            return None, f"已忽略过长的筛选参数「{self.label}」"
        shared = self.shared
        tokens: list[str] = []
        unknown: list[str] = []
        notices: list[str] = []
        for item in split_list(raw):
            key, why = self.resolve(item)
            if key is not None:
                token = community_token(key, shared)
                if token not in tokens:
                    tokens.append(token)
            elif why:
                notices.append(why)
            else:
                unknown.append(item)
        if unknown:
            notices.append(f"已忽略无效的{self.label}：{'、'.join(unknown)}")
        return tokens or None, "；".join(notices) or None

    def format(self, value: Any) -> str | None:
        """The URL text for the widget's tokens; None removes the parameter."""
        return join_list(list(value)) if value else None

    def keys(self, tokens: Sequence[str]) -> tuple[CommunityKey, ...]:
        """The communities behind the widget's tokens (unknown tokens left out)."""
        return tuple(self._options[t] for t in tokens if t in self._options)


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
