"""What a figure covers: the subdistrict, communities and dates chosen by the user.

A ``Scope`` is a plain frozen value (hashable, so it can key ``st.cache_data``). It never
formats values into SQL: it returns SQLAlchemy clauses with bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, select, true, tuple_

from storage.models import Community

CommunityKey = tuple[str, str]
"""A community's identity: ``(街道, 社区)``. Two 街道 may each have a 新华社区."""

# The one range of dates anything accepts from a URL or the command line (README, "日期范围").
# Data starts in 2000 (the 2000 and 2010 census, the oldest fiscal series); plans may run into
# next year. A date outside is moved to the nearest end with a notice, never passed to a query
# or a date widget (which fail on year 1 or 9999).
EARLIEST_DATE = dt.date(2000, 1, 1)


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last accepted date: 31 December of next year (plans reach into next year)."""
    today = today or dt.date.today()
    return dt.date(today.year + 1, 12, 31)


def date_range_text(today: dt.date | None = None) -> str:
    """The accepted range in words, for notices and error messages."""
    return f"{EARLIEST_DATE.isoformat()} 至 {latest_date(today).isoformat()}"


def clamp_date(day: dt.date, today: dt.date | None = None) -> dt.date:
    """``day`` moved into [EARLIEST_DATE, latest_date()] (unchanged when already inside)."""
    return min(max(day, EARLIEST_DATE), latest_date(today))


def shared_names(directory: Iterable[CommunityKey]) -> frozenset[str]:
    """社区 names that more than one 街道 has: the ones a bare name cannot identify."""
    seen: dict[str, str] = {}
    shared: set[str] = set()
    for subdistrict, name in directory:
        if seen.setdefault(name, subdistrict) != subdistrict:
            shared.add(name)
    return frozenset(shared)


def community_label(key: CommunityKey, shared: Iterable[str], subdistrict: str | None) -> str:
    """What a person reads for a community: its name, with ``（街道）`` only where needed.

    Needed when another 街道 has a community of the same name and no 街道 is chosen (with
    one chosen, every listed community is in it and the name alone is clear).
    """
    if subdistrict is None and key[1] in shared:
        return f"{key[1]}（{key[0]}）"
    return key[1]


@dataclass(frozen=True)
class Scope:
    """The global filter set shared by every page, the report and the big screen.

    ``date_to`` is the as-of date (what was true then); ``date_from`` only bounds time series.
    ``communities`` are ``(街道, 社区)`` pairs, never bare names (names repeat across 街道).
    ``shared_names`` (names more than one 街道 has) only shapes the caption's words.
    """

    subdistrict: str | None = None
    communities: tuple[CommunityKey, ...] = field(default_factory=tuple)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    shared_names: frozenset[str] = field(default_factory=frozenset, compare=False)

    def __post_init__(self) -> None:
        if any(isinstance(key, str) or len(key) != 2 for key in self.communities):
            raise TypeError("Scope.communities holds (街道, 社区) pairs, not bare names")
        keys = tuple((str(key[0]), str(key[1])) for key in self.communities)
        object.__setattr__(self, "communities", keys)
        object.__setattr__(self, "shared_names", frozenset(self.shared_names))

    @property
    def as_of(self) -> dt.date:
        """The date the figures are taken at: ``date_to``, or today."""
        return self.date_to or dt.date.today()

    def community_ids(self) -> ColumnElement[bool] | None:
        """A sub-select of the community ids in scope, or None when every community is."""
        conditions = []
        if self.subdistrict:
            conditions.append(Community.subdistrict == self.subdistrict)
        if self.communities:
            # A (街道, 社区) row-value IN with bound parameters: SQLite and PostgreSQL both have it.
            pairs = tuple_(Community.subdistrict, Community.name)
            conditions.append(pairs.in_(list(self.communities)))
        if not conditions:
            return None
        return select(Community.id).where(and_(*conditions)).scalar_subquery()

    def community_clause(self, community_id_column) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
        """``community_id IN (communities in scope)``, or TRUE when unfiltered."""
        ids = self.community_ids()
        if ids is None:
            return true()
        return community_id_column.in_(ids)

    def subdistrict_clause(self, subdistrict_column) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
        """For per-subdistrict tables (fiscal): ``subdistrict = :name`` or TRUE."""
        if not self.subdistrict:
            return true()
        return subdistrict_column == self.subdistrict

    def community_words(self) -> list[str]:
        """The chosen communities as a person reads them (names; the 街道 where needed)."""
        names = [name for _, name in self.communities]
        shared = self.shared_names | {n for n in names if names.count(n) > 1}
        return [community_label(key, shared, self.subdistrict) for key in self.communities]

    def describe(self) -> str:
        """The filter in words, for the caption every page shows (当前筛选：…)."""
        parts = [self.subdistrict or "全部街道"]
        words = self.community_words()
        parts.append("、".join(words) if words else "全部社区")
        if self.date_from:
            parts.append(f"{self.date_from.isoformat()} 至 {self.as_of.isoformat()}")
        else:
            parts.append(f"截至 {self.as_of.isoformat()}")
        return "当前筛选：" + " · ".join(parts)
