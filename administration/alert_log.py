"""What ``manage.py alerts`` has already told each channel (table ``alert_sent``).

An item is remembered per channel once that channel received it; the memory of an item that
is no longer red is dropped (only within the run's subdistrict), so it is announced again if it
turns red again. Only bound parameters, one short transaction per call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, insert, select

from storage.models import AlertSent

T = AlertSent.__table__


@dataclass(frozen=True)
class RememberedItem:
    """One red item as the memory keeps it."""

    key: str
    subdistrict: str
    area: str
    summary: str


def sent_keys(engine: Engine, channel: str) -> set[str]:
    """The item keys this channel has already received (and that are still red)."""
    with engine.connect() as connection:
        return set(connection.execute(select(T.c.item_key).where(T.c.channel == channel)).scalars())


def remember(
    engine: Engine, channel: str, items: Sequence[RememberedItem], at: dt.datetime | None = None
) -> None:
    """Record that ``channel`` received these items (already-known keys are left alone)."""
    when = at or dt.datetime.now().replace(microsecond=0)
    with engine.begin() as connection:
        known = set(
            connection.execute(
                select(T.c.item_key).where(
                    T.c.channel == channel, T.c.item_key.in_([i.key for i in items])
                )
            ).scalars()
        )
        rows = [
            {
                "channel": channel,
                "item_key": item.key,
                "subdistrict": item.subdistrict,
                "area": item.area,
                "summary": item.summary[:2000],
                "sent_at": when,
            }
            for item in items
            if item.key not in known
        ]
        if rows:
            connection.execute(insert(T), rows)


def forget_cleared(
    engine: Engine, channel: str, still_red: Iterable[str], subdistrict: str | None
) -> int:
    """Drop this channel's memory of items (in the subdistrict, or all) that are red no more."""
    keep = list(set(still_red))
    condition = T.c.channel == channel
    if subdistrict:
        condition = and_(condition, T.c.subdistrict == subdistrict)
    with engine.begin() as connection:
        candidates = set(connection.execute(select(T.c.item_key).where(condition)).scalars())
        gone = sorted(candidates - set(keep))
        if gone:
            connection.execute(delete(T).where(condition, T.c.item_key.in_(gone)))
    return len(gone)
