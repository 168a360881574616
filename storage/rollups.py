"""Rollup tables: pre-aggregated 志愿服务 figures, kept current by every writer.

Why: at city scale a year has about two million service records; summing them on every page
view takes seconds. Two small tables answer the same questions exactly:

- ``rollup_service_daily``: per (day, community, 活动类型) the number of records (人次) and
  their hours. Additive, so any date range and any set of communities is a SUM over it
  (about ten times fewer rows than the records, and far fewer for a whole-city total).
- ``rollup_volunteer_year``: per (year, volunteer) the first day they served that year.
  "Active volunteers of year Y as of D" (distinct volunteers with a record in Y dated ≤ D)
  is then ``COUNT(*) WHERE year = Y AND first_date <= D``: a distinct count becomes a range
  count. It covers the whole city only (a volunteer serving in two communities is one
  person).
- ``rollup_volunteer_month``: per (month, community, volunteer, 活动类型) the first and the
  last day the volunteer served there that month. Every distinct count a page shows
  (参与志愿者 per month and per 活动类型, 活跃志愿者 of a scope or of some types) is a
  ``COUNT(DISTINCT volunteer_id)`` over these rows, exact for any window ``a … b``: a row
  counts when its first or last day lies in the window; only when both lie outside
  (first < a, last > b: possible only for a window inside one month) is the volunteer's
  own record range looked up (``figures.volunteers``).
- whole city (0008), read when no community is chosen: ``rollup_service_city_daily`` (per
  day and 活动类型, 人次 and hours: the daily rollup summed over communities),
  ``rollup_volunteer_day_set`` (per day and 活动类型, the sorted distinct ids of the volunteers
  who served: any whole-city distinct count of any window and types is a union of these small
  sets in numpy; ``rollup_volunteer_month_set`` holds each month's union, so a whole month
  is one row) and ``rollup_volunteer_first_day`` (per year and day, how many volunteers
  served for the first time that year: the year's active volunteers are a sum).
- ``rollup_activity_daily``: per (day, community, 活动类型, 活动名称) 人次 and hours: the
  activity ranking (前 10) is a sum over it; the ten activities' distinct volunteers are
  then counted from their own records, found through its (day, community) keys.
- ``rollup_activity_total`` (0009): per (活动名称, 活动类型) the whole city's all-time sums and
  first / last day: a long window's ranking reads the activities wholly inside it in index
  order and sums only those crossing its ends from the daily rows.
- month rollups (0010): ``rollup_service_month`` (per month and community, 人次 and hours: a
  community's year to D is its months before D's month plus the daily rows of D's month) and
  ``rollup_registered_year`` / ``rollup_registered_month`` (volunteers per year / month of
  注册日期 and community: registered as of D without reading every volunteer). The importer
  re-derives the registration rows of the communities it writes volunteers to or moves them
  from (``refresh_registrations``); ``refresh_service`` the month rows of the touched months.

Who keeps them current: ``ingest.importer`` calls ``refresh_service`` with the keys of the
records it updates (old and new values: re-derived from the records) and the records it
inserts (merged from their own values, without reading the records: sums, first and last
days, and the whole-city volunteer sets), ``demo.subdistricts`` and ``demo.city`` call ``rebuild`` after
replacing everything, and migrations 0003, 0007, 0008 and 0009 fill
them for a database that already has data. ``rollups_match`` re-derives all three from the
records, for tests and for the benchmark's sanity check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    case,
    cast,
    column,
    delete,
    extract,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    tuple_,
    union_all,
)

from storage import bulk
from storage.models import ServiceRecord, Volunteer

R = ServiceRecord.__table__
VOL = Volunteer.__table__
metadata = MetaData()

service_daily = Table(
    "rollup_service_daily",
    metadata,
    Column("service_date", Date, nullable=False),
    Column("community_id", Integer, nullable=False),
    Column("activity_type", String(100), nullable=False),
    Column("person_times", Integer, nullable=False),
    Column("hours", Float, nullable=False),
    # On PostgreSQL the key carries the sums (0013), so a date range is read from it alone
    # (SQLite's WITHOUT ROWID table is that index already).
    PrimaryKeyConstraint(
        "service_date",
        "community_id",
        "activity_type",
        postgresql_include=["person_times", "hours"],
    ),
    Index(
        "ix_rollup_daily_community_date", "community_id", "service_date", "person_times", "hours"
    ),
    sqlite_with_rowid=False,
)

volunteer_year = Table(
    "rollup_volunteer_year",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("volunteer_id", Integer, primary_key=True),
    Column("first_date", Date, nullable=False),
    Index("ix_rollup_volunteer_year_first", "year", "first_date"),
    sqlite_with_rowid=False,
)

volunteer_month = Table(
    "rollup_volunteer_month",
    metadata,
    Column("month", Date, nullable=False),  # the first day of the month
    Column("community_id", Integer, nullable=False),
    Column("volunteer_id", Integer, nullable=False),
    Column("activity_type", String(100), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    # Read only for a community scope (the whole city counts from the day sets), so the key
    # starts with the community (0013): a scope's window is one range of the table itself
    # (on PostgreSQL of the key, which carries the days), and an import writes one B-tree.
    PrimaryKeyConstraint(
        "community_id",
        "month",
        "volunteer_id",
        "activity_type",
        postgresql_include=["first_day", "last_day"],
    ),
    sqlite_with_rowid=False,
)

activity_daily = Table(
    "rollup_activity_daily",
    metadata,
    Column("service_date", Date, primary_key=True),
    Column("community_id", Integer, primary_key=True),
    Column("activity_type", String(100), primary_key=True),
    Column("activity_name", String(300), primary_key=True),
    Column("person_times", Integer, nullable=False),
    Column("hours", Float, nullable=False),
    Index(
        "ix_rollup_activity_community_date",
        "community_id",
        "service_date",
        "activity_type",
        "activity_name",
        "person_times",
        "hours",
    ),
    # The ten ranked activities' (day, community) keys, to count their volunteers.
    Index("ix_rollup_activity_name", "activity_name", "activity_type", "service_date"),
    sqlite_with_rowid=False,
)

# Whole-city tables (migration 0008): a page without a community filter reads these, not the
# per-community ones above.
service_city_daily = Table(
    "rollup_service_city_daily",
    metadata,
    Column("service_date", Date, primary_key=True),
    Column("activity_type", String(100), primary_key=True),
    Column("person_times", Integer, nullable=False),
    Column("hours", Float, nullable=False),
    sqlite_with_rowid=False,
)

volunteer_day_set = Table(
    "rollup_volunteer_day_set",
    metadata,
    Column("service_date", Date, primary_key=True),
    Column("activity_type", String(100), primary_key=True),
    # The distinct volunteer ids with a record that day of that type, anywhere in the city:
    # sorted little-endian uint32 (``encode_ids`` / ``decode_ids``).
    Column("volunteer_ids", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

volunteer_month_set = Table(
    "rollup_volunteer_month_set",
    metadata,
    Column("month", Date, primary_key=True),  # the first day of the month
    Column("activity_type", String(100), primary_key=True),
    # The union of the month's day sets of that type: a whole month is one row to read
    # (in city data about as many ids as its day sets, but 30 times fewer rows).
    Column("volunteer_ids", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

volunteer_first_day = Table(
    "rollup_volunteer_first_day",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("first_date", Date, primary_key=True),
    # How many volunteers served for the first time that year on that day (any 活动类型):
    # the year's active volunteers as of D are the sum up to D (a few hundred rows).
    Column("volunteers", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Per activity (名称, 类型) over the whole city and all time (migration 0009): the 前 10 ranking of
# a window reads the activities wholly inside it from here, walking an index in descending
# order, and sums only those crossing the window's ends from ``rollup_activity_daily``.
activity_total = Table(
    "rollup_activity_total",
    metadata,
    Column("activity_name", String(300), primary_key=True),
    Column("activity_type", String(100), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    # last_day − first_day in days (a name can recur for years), and its bit length: an
    # activity of class k spans less than 2**k days, so those reaching a day start at most
    # 2**k − 1 days before it: one short index range per class (``activities_reaching``).
    Column("span_days", Integer, nullable=False),
    Column("span_class", Integer, nullable=False),
    Column("person_times", Integer, nullable=False),
    Column("hours", Float, nullable=False),
    Column("hours_shown", Float, nullable=False),  # hours rounded as shown (to 0.01): the rank
    Index(
        "ix_rollup_activity_total_people",
        "person_times",
        "hours_shown",
        "first_day",
        "last_day",
        "activity_type",
    ),
    Index(
        "ix_rollup_activity_total_hours",
        "hours_shown",
        "person_times",
        "first_day",
        "last_day",
        "activity_type",
    ),
    Index(
        "ix_rollup_activity_total_span",
        "span_class",
        "first_day",
        "last_day",
        "person_times",
        "hours_shown",
        "activity_type",
    ),
    sqlite_with_rowid=False,
)

# Registrations (0010): per (year, community) and per (month, community) how many volunteers
# registered (注册日期) then. "Registered as of D" per community is the sum of the year rows
# before D's year, the month rows of D's year before D's month and the volunteers registered
# from the first of D's month to D (a range of ``ix_volunteer_registered_on``): tens of
# thousands of small rows instead of every volunteer.
registered_year = Table(
    "rollup_registered_year",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("community_id", Integer, primary_key=True),
    Column("volunteers", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Per (month, community) 人次 and hours of every 活动类型 (0010): the daily rollup summed over
# each month. A community's figures of 1 January … D are its month rows before D's month plus
# the daily rows of D's month (at city scale about 40,000 rows instead of 200,000 daily rows).
service_month = Table(
    "rollup_service_month",
    metadata,
    Column("month", Date, primary_key=True),  # the first day of the month
    Column("community_id", Integer, primary_key=True),
    Column("person_times", Integer, nullable=False),
    Column("hours", Float, nullable=False),
    sqlite_with_rowid=False,
)

registered_month = Table(
    "rollup_registered_month",
    metadata,
    Column("month", Date, primary_key=True),  # the first day of the month
    Column("community_id", Integer, primary_key=True),
    Column("volunteers", Integer, nullable=False),
    sqlite_with_rowid=False,
)

CHUNK = bulk.PARAMETER_CHUNK  # keys per DELETE / INSERT … SELECT

ServiceKey = tuple[dt.date, int, int]  # (service_date, community_id, volunteer_id)


def _year_of(column):  # type: ignore[no-untyped-def]
    return func.cast(extract("year", column), Integer)


def _daily_select():  # type: ignore[no-untyped-def]
    return select(
        R.c.service_date,
        R.c.community_id,
        R.c.activity_type,
        func.count().label("person_times"),
        func.sum(R.c.hours).label("hours"),
    ).group_by(R.c.service_date, R.c.community_id, R.c.activity_type)


def _activity_select():  # type: ignore[no-untyped-def]
    keys = (R.c.service_date, R.c.community_id, R.c.activity_type, R.c.activity_name)
    return select(
        *keys, func.count().label("person_times"), func.sum(R.c.hours).label("hours")
    ).group_by(*keys)


ACTIVITY_COLUMNS = [
    "service_date",
    "community_id",
    "activity_type",
    "activity_name",
    "person_times",
    "hours",
]


def _first_dates_select():  # type: ignore[no-untyped-def]
    year = _year_of(R.c.service_date)
    return select(
        year.label("year"), R.c.volunteer_id, func.min(R.c.service_date).label("first_date")
    ).group_by(year, R.c.volunteer_id)


def month_start(column, connection: Connection):  # type: ignore[no-untyped-def]
    """The first day of the column's month, as each database writes a date."""
    if connection.dialect.name == "postgresql":
        return func.cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


PRESENCE_COLUMNS = [
    "month",
    "community_id",
    "volunteer_id",
    "activity_type",
    "first_day",
    "last_day",
]


def _presence_select(connection: Connection, in_key_order: bool = False):  # type: ignore[no-untyped-def]
    """Presence rows of every record; ``in_key_order``: sorted as the table's key (community
    first), so that a rebuild writes each page of it once."""
    month = month_start(R.c.service_date, connection).label("month")
    keys = (month, R.c.community_id, R.c.volunteer_id, R.c.activity_type)
    query = select(*keys, func.min(R.c.service_date), func.max(R.c.service_date)).group_by(*keys)
    if in_key_order:
        query = query.order_by(R.c.community_id, month, R.c.volunteer_id, R.c.activity_type)
    return query


def rebuild(connection: Connection) -> None:
    """Recompute every rollup from every service record (after a bulk load)."""
    rebuild_service(connection)
    rebuild_presence(connection)
    rebuild_city(connection)
    rebuild_activity_totals(connection)
    rebuild_service_months(connection)
    rebuild_registrations(connection)
    rebuild_figures(connection)


def rebuild_service(connection: Connection) -> None:
    """Recompute the daily and the year rollup (the two of migration 0003)."""
    connection.execute(delete(service_daily))
    connection.execute(delete(volunteer_year))
    daily = _daily_select()
    connection.execute(
        insert(service_daily).from_select(
            ["service_date", "community_id", "activity_type", "person_times", "hours"], daily
        )
    )
    connection.execute(
        insert(volunteer_year).from_select(
            ["year", "volunteer_id", "first_date"], _first_dates_select()
        )
    )


def rebuild_presence(connection: Connection) -> None:
    """Recompute ``rollup_volunteer_month`` and ``rollup_activity_daily`` from every service
    record (the two of migration 0007)."""
    connection.execute(delete(volunteer_month))
    in_key_order = _presence_select(connection, in_key_order=True)
    connection.execute(insert(volunteer_month).from_select(PRESENCE_COLUMNS, in_key_order))
    connection.execute(delete(activity_daily))
    connection.execute(insert(activity_daily).from_select(ACTIVITY_COLUMNS, _activity_select()))


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def refresh_service(
    connection: Connection,
    keys: Iterable[ServiceKey],
    added: Iterable[AddedRecord] = (),
) -> None:
    """Bring the rollup rows touched by a write of service records up to date.

    ``keys``: every (service_date, community_id, volunteer_id) whose rollup rows are re-derived
    from the records: for an updated record its values before and after the update (a record
    that moved to another day changes the old day's totals too), for a deleted one its values.

    ``added``: records just inserted. Their share is merged into the rollup rows from these
    values alone (人次 and hours added, first and last days by MIN/MAX), without reading
    ``service_record`` again; only where a key is re-derived anyway are they left to that.
    A rollup that cannot merge re-derives the keys of ``added`` too (``_Touched.add``).
    """
    keys = list(keys)
    activities_before = activity_names_at(connection, keys)
    rederive = _Touched()
    for day, community_id, volunteer_id in keys:
        rederive.add(day, community_id, volunteer_id)
    added = list(added)
    _refresh_days(connection, sorted(rederive.days))
    _refresh_volunteer_years(connection, sorted(rederive.volunteer_years))
    _refresh_presence(connection, sorted(rederive.presences))
    # The activities whose totals are re-derived below (those on a re-derived day before or
    # after); the added records of any other activity are merged into its totals.
    rederived_names = activities_before | activity_names_at(connection, keys)
    _merge_added(connection, added, rederive, rederived_names)
    _refresh_city_rollups(connection, keys, added)
    refresh_activity_totals(connection, rederived_names)
    refresh_service_months(connection, keys, added)


# (service_date, community_id, volunteer_id, activity_type, activity_name, hours)
AddedRecord = tuple[dt.date, int, int, str, str, float]


class _Touched:
    """The rollup keys of some service records: (day, community), (year, volunteer) and
    (month, community, volunteer)."""

    def __init__(self) -> None:
        self.days: set[tuple[dt.date, int]] = set()
        self.volunteer_years: set[tuple[int, int]] = set()
        self.presences: set[tuple[dt.date, int, int]] = set()

    def add(
        self, day: dt.date | str | None, community_id: int | None, volunteer_id: int | None
    ) -> None:
        if day is None:
            return
        day = _as_date(day)
        if community_id is not None:
            self.days.add((day, int(community_id)))
        if volunteer_id is not None:
            self.volunteer_years.add((day.year, int(volunteer_id)))
        if community_id is not None and volunteer_id is not None:
            self.presences.add((day.replace(day=1), int(community_id), int(volunteer_id)))


PAIRS_TABLE = "tmp_rollup_pairs"
JOINED_FROM = 200  # from this many (day, community) pairs one joined statement beats per-day ones
_pairs = table(PAIRS_TABLE, column("service_date", Date), column("community_id", Integer))
# ``CROSS JOIN`` makes SQLite read the few pairs first and seek into the records' index (a plain
# JOIN lets it scan all records); PostgreSQL treats it as an ordinary join and plans freely.
_REFRESH_FROM_PAIRS = (
    "DELETE FROM rollup_service_daily WHERE (service_date, community_id) IN "
    f"(SELECT service_date, community_id FROM {PAIRS_TABLE})",
    "INSERT INTO rollup_service_daily "
    "(service_date, community_id, activity_type, person_times, hours) "
    "SELECT r.service_date, r.community_id, r.activity_type, count(*), sum(r.hours) "
    f"FROM {PAIRS_TABLE} AS t CROSS JOIN service_record AS r "
    "WHERE r.service_date = t.service_date AND r.community_id = t.community_id "
    "GROUP BY r.service_date, r.community_id, r.activity_type",
    "DELETE FROM rollup_activity_daily WHERE (service_date, community_id) IN "
    f"(SELECT service_date, community_id FROM {PAIRS_TABLE})",
    "INSERT INTO rollup_activity_daily "
    f"({', '.join(ACTIVITY_COLUMNS)}) "
    "SELECT r.service_date, r.community_id, r.activity_type, r.activity_name, count(*), "
    f"sum(r.hours) FROM {PAIRS_TABLE} AS t CROSS JOIN service_record AS r "
    "WHERE r.service_date = t.service_date AND r.community_id = t.community_id "
    "GROUP BY r.service_date, r.community_id, r.activity_type, r.activity_name",
)


def _refresh_days_joined(connection: Connection, pairs: list[tuple[dt.date, int]]) -> None:
    """Many pairs (a big import): write them to a temporary table, then one DELETE and one
    INSERT … SELECT joined to it, instead of two statements per day."""
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {PAIRS_TABLE} "
        "(service_date DATE NOT NULL, community_id INTEGER NOT NULL)"
    )
    connection.exec_driver_sql(f"DELETE FROM {PAIRS_TABLE}")
    connection.execute(insert(_pairs), [{"service_date": d, "community_id": c} for d, c in pairs])
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ANALYZE {PAIRS_TABLE}")
    for statement in _REFRESH_FROM_PAIRS:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"DELETE FROM {PAIRS_TABLE}")


def _refresh_days(connection: Connection, pairs: list[tuple[dt.date, int]]) -> None:
    if len(pairs) >= JOINED_FROM:
        _refresh_days_joined(connection, pairs)
        return
    _refresh_days_per_day(connection, pairs)


def _refresh_days_per_day(connection: Connection, pairs: list[tuple[dt.date, int]]) -> None:
    """Per day: ``service_date = :day AND community_id IN (…)``, which both databases serve
    from an index (a row-value ``IN`` of (day, community) pairs makes SQLite scan the table)."""
    columns = ["service_date", "community_id", "activity_type", "person_times", "hours"]
    by_day: dict[dt.date, list[int]] = {}
    for day, community_id in pairs:
        by_day.setdefault(day, []).append(community_id)
    for day, community_ids in sorted(by_day.items()):
        for chunk in bulk.chunks(community_ids):
            connection.execute(
                delete(service_daily).where(
                    service_daily.c.service_date == day, service_daily.c.community_id.in_(chunk)
                )
            )
            source = _daily_select().where(R.c.service_date == day, R.c.community_id.in_(chunk))
            connection.execute(insert(service_daily).from_select(columns, source))
            connection.execute(
                delete(activity_daily).where(
                    activity_daily.c.service_date == day, activity_daily.c.community_id.in_(chunk)
                )
            )
            source = _activity_select().where(R.c.service_date == day, R.c.community_id.in_(chunk))
            connection.execute(insert(activity_daily).from_select(ACTIVITY_COLUMNS, source))


def _refresh_volunteer_years(connection: Connection, pairs: list[tuple[int, int]]) -> None:
    by_year: dict[int, list[int]] = {}
    for year, volunteer_id in pairs:
        by_year.setdefault(year, []).append(volunteer_id)
    for year, volunteer_ids in sorted(by_year.items()):
        for chunk in bulk.chunks(volunteer_ids):
            connection.execute(
                delete(volunteer_year).where(
                    volunteer_year.c.year == year, volunteer_year.c.volunteer_id.in_(chunk)
                )
            )
            source = (
                select(
                    literal(year, Integer),
                    R.c.volunteer_id,
                    func.min(R.c.service_date),
                )
                .where(
                    R.c.volunteer_id.in_(chunk),
                    R.c.service_date >= dt.date(year, 1, 1),
                    R.c.service_date <= dt.date(year, 12, 31),
                )
                .group_by(R.c.volunteer_id)
            )
            connection.execute(
                insert(volunteer_year).from_select(["year", "volunteer_id", "first_date"], source)
            )


PRESENCE_TABLE = "tmp_rollup_presence"
_presence_keys = table(
    PRESENCE_TABLE,
    column("month", Date),
    column("month_end", Date),
    column("community_id", Integer),
    column("volunteer_id", Integer),
)
# One (month, community, volunteer) is recomputed whole, over all its 活动类型: a record that
# changed only its type has the same key before and after. ``CROSS JOIN``: see above.
_REFRESH_PRESENCE = (
    "DELETE FROM rollup_volunteer_month WHERE (month, community_id, volunteer_id) IN "
    f"(SELECT month, community_id, volunteer_id FROM {PRESENCE_TABLE})",
    "INSERT INTO rollup_volunteer_month "
    f"({', '.join(PRESENCE_COLUMNS)}) "
    "SELECT t.month, r.community_id, r.volunteer_id, r.activity_type, "
    "min(r.service_date), max(r.service_date) "
    f"FROM {PRESENCE_TABLE} AS t CROSS JOIN service_record AS r "
    "WHERE r.volunteer_id = t.volunteer_id AND r.service_date >= t.month "
    "AND r.service_date <= t.month_end AND r.community_id = t.community_id "
    "GROUP BY t.month, r.community_id, r.volunteer_id, r.activity_type",
)


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _refresh_presence(connection: Connection, keys: list[tuple[dt.date, int, int]]) -> None:
    """Recompute the presence rows of these (month, community, volunteer): the keys go to a
    temporary table, then one DELETE and one INSERT … SELECT joined to it."""
    if not keys:
        return
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {PRESENCE_TABLE} (month DATE NOT NULL, "
        "month_end DATE NOT NULL, community_id INTEGER NOT NULL, volunteer_id INTEGER NOT NULL)"
    )
    connection.exec_driver_sql(f"DELETE FROM {PRESENCE_TABLE}")
    connection.execute(
        insert(_presence_keys),
        [
            {"month": m, "month_end": _month_end(m), "community_id": c, "volunteer_id": v}
            for m, c, v in keys
        ],
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ANALYZE {PRESENCE_TABLE}")
    for statement in _REFRESH_PRESENCE:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"DELETE FROM {PRESENCE_TABLE}")


ADDED_TABLE = "tmp_rollup_added"
_added = table(
    ADDED_TABLE,
    *(
        column(name)  # values go as they are: dates as ISO text, which both databases take
        for name in (
            "service_date",
            "month",
            "year",
            "community_id",
            "volunteer_id",
            "activity_type",
            "activity_name",
            "hours",
            "to_daily",
            "to_year",
            "to_presence",
            "to_total",
        )
    ),
)
# Each rollup's share of the added records (those flagged for it), grouped by its key and
# folded in by ``INSERT … SELECT … ON CONFLICT``: sums added, first/last days by MIN/MAX. In
# key order, so that the rollup's pages are visited in order, each once.
_MERGE_ADDED = (
    "INSERT INTO rollup_service_daily AS t "
    "(service_date, community_id, activity_type, person_times, hours) "
    "SELECT service_date, community_id, activity_type, count(*), sum(hours) "
    f"FROM {ADDED_TABLE} WHERE to_daily = 1 "
    "GROUP BY service_date, community_id, activity_type "
    "ORDER BY service_date, community_id, activity_type "
    "ON CONFLICT (service_date, community_id, activity_type) DO UPDATE SET "
    "person_times = t.person_times + excluded.person_times, hours = t.hours + excluded.hours",
    f"INSERT INTO rollup_activity_daily AS t ({', '.join(ACTIVITY_COLUMNS)}) "
    "SELECT service_date, community_id, activity_type, activity_name, count(*), sum(hours) "
    f"FROM {ADDED_TABLE} WHERE to_daily = 1 "
    "GROUP BY service_date, community_id, activity_type, activity_name "
    "ORDER BY service_date, community_id, activity_type, activity_name "
    "ON CONFLICT (service_date, community_id, activity_type, activity_name) DO UPDATE SET "
    "person_times = t.person_times + excluded.person_times, hours = t.hours + excluded.hours",
    "INSERT INTO rollup_volunteer_year AS t (year, volunteer_id, first_date) "
    f"SELECT year, volunteer_id, min(service_date) FROM {ADDED_TABLE} WHERE to_year = 1 "
    "GROUP BY year, volunteer_id ORDER BY year, volunteer_id "
    "ON CONFLICT (year, volunteer_id) DO UPDATE SET first_date = excluded.first_date "
    "WHERE excluded.first_date < t.first_date",
    f"INSERT INTO rollup_volunteer_month AS t ({', '.join(PRESENCE_COLUMNS)}) "
    "SELECT month, community_id, volunteer_id, activity_type, min(service_date), "
    f"max(service_date) FROM {ADDED_TABLE} WHERE to_presence = 1 "
    "GROUP BY community_id, month, volunteer_id, activity_type "
    "ORDER BY community_id, month, volunteer_id, activity_type "
    "ON CONFLICT (month, community_id, volunteer_id, activity_type) DO UPDATE SET "
    "first_day = CASE WHEN excluded.first_day < t.first_day "
    "THEN excluded.first_day ELSE t.first_day END, "
    "last_day = CASE WHEN excluded.last_day > t.last_day "
    "THEN excluded.last_day ELSE t.last_day END "
    "WHERE excluded.first_day < t.first_day OR excluded.last_day > t.last_day",
)


def _merge_added(
    connection: Connection,
    added: list[AddedRecord],
    rederived: _Touched,
    rederived_names: set[str],
) -> None:
    """Fold the share of just-inserted records into the rollups: the records go to a temporary
    table (flagged per rollup: not where that rollup re-derives the key anyway, nor the totals
    of ``rederived_names``), then one grouped upsert per rollup, so the database does the sums
    and the MIN/MAX."""
    if not added:
        return
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {ADDED_TABLE} (service_date DATE NOT NULL, "
        "month DATE NOT NULL, year INTEGER NOT NULL, community_id INTEGER NOT NULL, "
        "volunteer_id INTEGER NOT NULL, activity_type VARCHAR(100) NOT NULL, "
        "activity_name VARCHAR(300) NOT NULL, hours FLOAT NOT NULL, to_daily SMALLINT NOT NULL, "
        "to_year SMALLINT NOT NULL, to_presence SMALLINT NOT NULL, to_total SMALLINT NOT NULL)"
    )
    connection.exec_driver_sql(f"DELETE FROM {ADDED_TABLE}")
    bulk.insert_rows(
        connection,
        _added,
        [c.name for c in _added.columns],
        _added_rows(added, rederived, rederived_names),
    )
    for statement in (*_MERGE_ADDED, _merge_totals_statement(connection)):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"DELETE FROM {ADDED_TABLE}")


def _added_rows(
    added: list[AddedRecord], rederived: _Touched, rederived_names: set[str]
) -> list[tuple]:  # type: ignore[type-arg]
    """The rows of the temporary table: each day's text, month and year worked out once."""
    calendar: dict[dt.date, tuple[str, str, int]] = {}
    rows = []
    everywhere = (1, 1, 1)
    any_rederived = rederived.days or rederived.volunteer_years or rederived.presences
    for day, community_id, volunteer_id, activity_type, activity_name, hours in added:
        known = calendar.get(day)
        if known is None:
            known = calendar[day] = (day.isoformat(), day.replace(day=1).isoformat(), day.year)
        flags = everywhere
        if any_rederived:
            flags = (
                int((day, community_id) not in rederived.days),
                int((day.year, volunteer_id) not in rederived.volunteer_years),
                int((day.replace(day=1), community_id, volunteer_id) not in rederived.presences),
            )
        to_total = int(activity_name not in rederived_names)
        rows.append(
            (
                *known,
                community_id,
                volunteer_id,
                activity_type,
                activity_name,
                hours,
                *flags,
                to_total,
            )
        )
    return rows


def _merge_totals_statement(connection: Connection) -> str:
    """The added records' share of ``rollup_activity_total`` (activities not re-derived): 人次
    and hours added, first / last day by MIN / MAX, the span, its class and the shown hours
    recomputed by the same expressions as ``_activity_total_select``."""

    def sql(expression) -> str:  # type: ignore[no-untyped-def]
        compiled = expression.compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        return str(compiled)

    def shown(hours):  # type: ignore[no-untyped-def]
        return cast(hours_as_shown(hours, connection), Float)

    first, last = (
        literal_column("min(service_date)", Date),
        literal_column("max(service_date)", Date),
    )
    span = _days_between(first, last, connection)
    new, old = "excluded.{}", "t.{}"
    first_new, first_old = (literal_column(f.format("first_day"), Date) for f in (new, old))
    last_new, last_old = (literal_column(f.format("last_day"), Date) for f in (new, old))
    new_first = case((first_new < first_old, first_new), else_=first_old)
    new_last = case((last_new > last_old, last_new), else_=last_old)
    new_span = _days_between(new_first, new_last, connection)
    new_hours = literal_column("t.hours", Float) + literal_column("excluded.hours", Float)
    return (
        f"INSERT INTO rollup_activity_total AS t ({', '.join(TOTAL_COLUMNS)}) "
        "SELECT activity_name, activity_type, min(service_date), max(service_date), "
        f"{sql(span)}, {sql(_span_class(span))}, count(*), sum(hours), "
        f"{sql(shown(literal_column('sum(hours)', Float)))} "
        f"FROM {ADDED_TABLE} WHERE to_total = 1 GROUP BY activity_name, activity_type "
        "ORDER BY activity_name, activity_type "
        "ON CONFLICT (activity_name, activity_type) DO UPDATE SET "
        f"first_day = {sql(new_first)}, last_day = {sql(new_last)}, "
        f"span_days = {sql(new_span)}, span_class = {sql(_span_class(new_span))}, "
        "person_times = t.person_times + excluded.person_times, "
        f"hours = t.hours + excluded.hours, hours_shown = {sql(shown(new_hours))}"
    )


def service_keys_of_ids(connection: Connection, ids: Iterable[int]) -> list[ServiceKey]:
    """The stored (date, community, volunteer) of these service record ids (before an update)."""
    keys: list[ServiceKey] = []
    for chunk in bulk.chunks(sorted(set(ids))):
        query = select(R.c.service_date, R.c.community_id, R.c.volunteer_id).where(
            R.c.id.in_(chunk)
        )
        keys.extend((row[0], row[1], row[2]) for row in connection.execute(query))
    return keys


def presence_matches(connection: Connection) -> bool:
    """Whether ``rollup_volunteer_month`` equals what the service records give now."""

    def rows(query) -> set[tuple]:  # type: ignore[no-untyped-def, type-arg]
        return {
            (_as_date(r[0]), int(r[1]), int(r[2]), r[3], _as_date(r[4]), _as_date(r[5]))
            for r in connection.execute(query)
        }

    return rows(_presence_select(connection)) == rows(select(volunteer_month))


def _sums_match(connection: Connection, computed, stored, keys: int) -> bool:  # type: ignore[no-untyped-def]
    """Rows of (key columns…, count, hours) equal: exact keys and counts, hours to 1e-6."""

    def rows(query) -> dict:  # type: ignore[no-untyped-def, type-arg]
        return {
            tuple(_as_date(v) if i == 0 else v for i, v in enumerate(r[:keys])): (
                int(r[keys]),
                float(r[keys + 1]),
            )
            for r in connection.execute(query)
        }

    left, right = rows(computed), rows(stored)
    if left.keys() != right.keys():
        return False
    return all(left[k][0] == right[k][0] and abs(left[k][1] - right[k][1]) <= 1e-6 for k in left)


def rollups_match(connection: Connection) -> bool:
    """Whether every rollup equals what the service records give now (exact counts, hours
    to 1e-6)."""
    if not presence_matches(connection) or not city_rollups_match(connection):
        return False
    if not activity_totals_match(connection) or not registrations_match(connection):
        return False
    if not service_months_match(connection) or not figure_rollups_match(connection):
        return False
    if not _sums_match(connection, _activity_select(), select(activity_daily), 4):
        return False
    daily = {
        (_as_date(r[0]), r[1], r[2]): (int(r[3]), float(r[4]))
        for r in connection.execute(_daily_select())
    }
    stored = {
        (_as_date(r.service_date), r.community_id, r.activity_type): (
            int(r.person_times),
            float(r.hours),
        )
        for r in connection.execute(select(service_daily))
    }
    if daily.keys() != stored.keys():
        return False
    if any(daily[k][0] != stored[k][0] or abs(daily[k][1] - stored[k][1]) > 1e-6 for k in daily):
        return False
    firsts = {(int(r[0]), r[1]): _as_date(r[2]) for r in connection.execute(_first_dates_select())}
    stored_firsts = {
        (int(r.year), r.volunteer_id): _as_date(r.first_date)
        for r in connection.execute(select(volunteer_year))
    }
    return firsts == stored_firsts


# --- Whole-city rollups (0008): ``rollup_service_city_daily`` sums ``rollup_service_daily``
# over the communities; ``rollup_volunteer_day_set`` holds, per (day, 活动类型), the set of
# volunteers who served, so any whole-city distinct count of a window and of any types is a
# union of at most 366 × types small sets (exact, in numpy) instead of a scan of millions of
# presence rows.

ID_DTYPE = np.dtype("<u4")
SET_KEYS_TABLE = "tmp_rollup_day_volunteers"
# The touched (day, volunteer) pairs' current records, by ``ix_service_volunteer_date``.
_CURRENT_OF_SET_KEYS = (
    "SELECT t.service_date, r.activity_type, r.volunteer_id "
    f"FROM {SET_KEYS_TABLE} AS t CROSS JOIN service_record AS r "
    "WHERE r.volunteer_id = t.volunteer_id AND r.service_date = t.service_date"
)
STREAM_ROWS = 200_000  # records per batch when the sets are built from every record
# A record packed in one int64 for the rebuild: day ordinal (20 bits, to year 2870), 活动类型
# code (11 bits) and volunteer id (32 bits).
TYPE_BITS = 11


def encode_ids(ids: np.ndarray) -> bytes:
    """Distinct ids as stored: sorted little-endian uint32."""
    return np.unique(np.asarray(ids, dtype=np.int64)).astype(ID_DTYPE).tobytes()


def decode_ids(blob: bytes) -> np.ndarray:
    """The stored ids back (read-only view)."""
    return np.frombuffer(bytes(blob), dtype=ID_DTYPE)


def _city_daily_select():  # type: ignore[no-untyped-def]
    return select(
        service_daily.c.service_date,
        service_daily.c.activity_type,
        func.sum(service_daily.c.person_times).label("person_times"),
        func.sum(service_daily.c.hours).label("hours"),
    ).group_by(service_daily.c.service_date, service_daily.c.activity_type)


CITY_DAILY_COLUMNS = ["service_date", "activity_type", "person_times", "hours"]


def rebuild_city(connection: Connection) -> None:
    """Recompute both whole-city rollups (the two of migration 0008); the daily one from
    ``rollup_service_daily``, which must be current."""
    connection.execute(delete(service_city_daily))
    connection.execute(
        insert(service_city_daily).from_select(CITY_DAILY_COLUMNS, _city_daily_select())
    )
    connection.execute(delete(volunteer_day_set))
    years: set[int] = set()
    for rows in _day_sets_of_every_record(connection):
        connection.execute(insert(volunteer_day_set), rows)
        years.update(row["service_date"].year for row in rows)
    connection.execute(delete(volunteer_month_set))
    months = {
        day.replace(day=1)
        for (day,) in connection.execute(select(service_city_daily.c.service_date))
    }
    _refresh_month_sets(connection, sorted(months))
    connection.execute(delete(volunteer_first_day))
    _refresh_first_days(connection, sorted(years))


def _day_sets_of_every_record(connection: Connection) -> Iterable[list[dict]]:  # type: ignore[type-arg]
    """The day sets of all records, as rows to insert (``CHUNK`` at a time): one pass over the
    records in storage order (no sort in SQL), grouped in numpy as packed (day, type,
    volunteer) integer keys."""
    days: dict[object, int] = {}  # a stored date (text on SQLite) → its ordinal
    types: dict[str, int] = {}
    parts: list[np.ndarray] = []
    result = connection.exec_driver_sql(
        "SELECT service_date, activity_type, volunteer_id FROM service_record",
        execution_options={"stream_results": True},  # this statement only (a server cursor)
    )
    for batch in result.partitions(STREAM_ROWS):
        day = np.fromiter(
            (days.get(r[0]) or days.setdefault(r[0], _as_date(r[0]).toordinal()) for r in batch),
            dtype=np.int64,
            count=len(batch),
        )
        kind = np.fromiter(
            (types.setdefault(r[1], len(types)) for r in batch), dtype=np.int64, count=len(batch)
        )
        volunteer = np.fromiter((r[2] for r in batch), dtype=np.int64, count=len(batch))
        if len(types) > 1 << TYPE_BITS or (batch and int(volunteer.max()) >> 32):
            raise ValueError("活动类型超过 2048 种或志愿者编号超出 32 位，无法建立全市志愿者集合")
        parts.append(np.unique(((day << TYPE_BITS) | kind) << 32 | volunteer))
    if not parts:
        return
    keys = np.unique(np.concatenate(parts))
    names = {code: name for name, code in types.items()}
    groups = keys >> 32
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    rows: list[dict] = []  # type: ignore[type-arg]
    for start, end in zip(starts, ends, strict=True):
        group = int(groups[start])
        rows.append(
            {
                "service_date": dt.date.fromordinal(group >> TYPE_BITS),
                "activity_type": names[group & ((1 << TYPE_BITS) - 1)],
                "volunteer_ids": (keys[start:end] & 0xFFFFFFFF).astype(ID_DTYPE).tobytes(),
            }
        )
        if len(rows) >= CHUNK:
            yield rows
            rows = []
    if rows:
        yield rows


def _refresh_city_rollups(
    connection: Connection, keys: list[ServiceKey], added: list[AddedRecord]
) -> None:
    """Bring the whole-city rows of the days these records touch up to date (after the
    per-community rollups are current): the sets of the re-derived keys' (day, volunteer) from
    the records, the added records' volunteers merged in from their own values."""
    dates = _DateCache()
    touched = {
        (dates.of(day), int(volunteer_id))
        for day, _community, volunteer_id in keys
        if day is not None and volunteer_id is not None
    }
    joining = _joining_sets(added)
    days = {dates.of(k[0]) for k in keys if k[0] is not None} | {day for day, _ in joining}
    _refresh_city_daily(connection, sorted(days))
    _refresh_day_sets(connection, sorted(touched), joining)
    rederived_months = {day.replace(day=1) for day, _ in touched}
    _refresh_month_sets(connection, sorted(rederived_months))
    _merge_month_sets(connection, joining, rederived_months)
    years = {day.year for day, _ in touched} | {day.year for day, _ in joining}
    _refresh_first_days(connection, sorted(years))


def _joining_sets(added: list[AddedRecord]) -> dict[tuple[dt.date, str], np.ndarray]:
    """Per (day, 活动类型) the distinct volunteers of the added records (sorted ``ID_DTYPE``)."""
    dates = _DateCache()
    ids: dict[tuple[dt.date, str], list[int]] = {}
    for day, _community, volunteer_id, activity_type, _name, _hours in added:
        ids.setdefault((dates.of(day), activity_type), []).append(volunteer_id)
    return {key: np.unique(np.asarray(group, dtype=ID_DTYPE)) for key, group in ids.items()}


class _DateCache:
    """A stored or given date as a ``date``, each distinct value parsed once (an import
    brings many rows of few days)."""

    def __init__(self) -> None:
        self._seen: dict[object, dt.date] = {}

    def of(self, value: object) -> dt.date:
        day = self._seen.get(value)
        if day is None:
            day = self._seen[value] = _as_date(value)  # type: ignore[arg-type]
        return day


def _refresh_city_daily(connection: Connection, days: list[dt.date]) -> None:
    for chunk in bulk.chunks(days):
        connection.execute(
            delete(service_city_daily).where(service_city_daily.c.service_date.in_(chunk))
        )
        source = _city_daily_select().where(service_daily.c.service_date.in_(chunk))
        connection.execute(insert(service_city_daily).from_select(CITY_DAILY_COLUMNS, source))


def _refresh_day_sets(
    connection: Connection,
    touched: list[tuple[dt.date, int]],
    joining: dict[tuple[dt.date, str], np.ndarray],
) -> None:
    """Make the sets of the touched days exact again: each touched (day, volunteer) leaves
    every set of that day, then joins the sets of the types they still have a record of
    (so updates that move a record and deletes are covered); the volunteers of ``joining``
    (added records, whose type is known) join their sets without reading the records."""
    if not touched and not joining:
        return
    current = _current_types(connection, touched) if touched else {}
    leaving: dict[dt.date, list[int]] = {}
    for day, volunteer_id in touched:
        leaving.setdefault(day, []).append(volunteer_id)
    joining_by_day: dict[dt.date, dict[str, np.ndarray]] = {}
    for (day, kind), ids in joining.items():
        joining_by_day.setdefault(day, {})[kind] = ids
    empty = np.empty(0, dtype=ID_DTYPE)
    for days in bulk.chunks(sorted(leaving.keys() | joining_by_day.keys())):
        stored: dict[dt.date, dict[str, np.ndarray]] = {}
        for r in connection.execute(
            select(volunteer_day_set).where(volunteer_day_set.c.service_date.in_(days))
        ):
            stored.setdefault(_as_date(r.service_date), {})[r.activity_type] = decode_ids(
                r.volunteer_ids
            )
        changed: dict[tuple[dt.date, str], np.ndarray] = {}
        for day in days:
            gone = np.unique(np.asarray(leaving.get(day, []), dtype=ID_DTYPE))
            sets, now = stored.get(day, {}), current.get(day, {})
            joins = joining_by_day.get(day, {})
            for kind in sets.keys() | now.keys() | joins.keys():
                before = sets.get(kind, empty)
                kept = before[~_members(before, gone)] if gone.size else before
                added = np.asarray(now.get(kind, []), dtype=ID_DTYPE)
                after = np.unique(np.concatenate([kept, added, joins.get(kind, empty)]))
                if not np.array_equal(before, after):
                    changed[(day, kind)] = after.astype(ID_DTYPE)
        _write_day_sets(connection, changed)


def _members(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (a binary search each)."""
    if not sorted_ids.size:
        return np.zeros(ids.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1)
    return sorted_ids[at] == ids


def _refresh_month_sets(connection: Connection, months: list[dt.date]) -> None:
    """Recompute these months' sets as the union of their day sets."""
    for month in months:
        connection.execute(delete(volunteer_month_set).where(volunteer_month_set.c.month == month))
        query = select(volunteer_day_set.c.activity_type, volunteer_day_set.c.volunteer_ids).where(
            volunteer_day_set.c.service_date >= month,
            volunteer_day_set.c.service_date <= _month_end(month),
        )
        by_type: dict[str, list[np.ndarray]] = {}
        for kind, blob in connection.execute(query):
            by_type.setdefault(kind, []).append(decode_ids(blob))
        rows = [
            {
                "month": month,
                "activity_type": kind,
                "volunteer_ids": encode_ids(np.concatenate(sets)),
            }
            for kind, sets in sorted(by_type.items())
        ]
        if rows:
            connection.execute(insert(volunteer_month_set), rows)


def _merge_month_sets(
    connection: Connection,
    joining: dict[tuple[dt.date, str], np.ndarray],
    rederived: set[dt.date],
) -> None:
    """Add the joining volunteers to their months' sets (a month's set is the union of its
    day sets, and these only grew); months in ``rederived`` were recomputed whole already."""
    growing: dict[tuple[dt.date, str], list[np.ndarray]] = {}
    for (day, kind), ids in joining.items():
        month = day.replace(day=1)
        if month not in rederived:
            growing.setdefault((month, kind), []).append(ids)
    months = sorted({month for month, _ in growing})
    m = volunteer_month_set.c
    for chunk in bulk.chunks(months):
        stored = {
            (_as_date(r.month), r.activity_type): decode_ids(r.volunteer_ids)
            for r in connection.execute(select(volunteer_month_set).where(m.month.in_(chunk)))
        }
        changed: dict[tuple[dt.date, str], bytes] = {}
        for key in sorted(k for k in growing if k[0] in chunk):
            before = stored.get(key, np.empty(0, dtype=ID_DTYPE))
            after = np.unique(np.concatenate([before, *growing[key]])).astype(ID_DTYPE)
            if not np.array_equal(before, after):
                changed[key] = after.tobytes()
        if changed:
            connection.execute(
                delete(volunteer_month_set).where(
                    tuple_(m.month, m.activity_type).in_(sorted(changed))
                )
            )
            connection.execute(
                insert(volunteer_month_set),
                [
                    {"month": month, "activity_type": kind, "volunteer_ids": blob}
                    for (month, kind), blob in changed.items()
                ],
            )


def _refresh_first_days(connection: Connection, years: list[int]) -> None:
    """Recount these years' first days from their day sets (in day order, each volunteer
    counts on the first day a set holds them)."""
    for year in years:
        connection.execute(delete(volunteer_first_day).where(volunteer_first_day.c.year == year))
        rows = _first_days_of(connection, year)
        if rows:
            connection.execute(insert(volunteer_first_day), rows)


def _first_days_of(connection: Connection, year: int) -> list[dict]:  # type: ignore[type-arg]
    query = select(volunteer_day_set.c.service_date, volunteer_day_set.c.volunteer_ids).where(
        volunteer_day_set.c.service_date >= dt.date(year, 1, 1),
        volunteer_day_set.c.service_date <= dt.date(year, 12, 31),
    )
    by_day: dict[dt.date, list[np.ndarray]] = {}
    for day, blob in connection.execute(query):
        by_day.setdefault(_as_date(day), []).append(decode_ids(blob))
    if not by_day:
        return []
    top = max(int(ids.max()) for sets in by_day.values() for ids in sets if ids.size)
    seen = np.zeros(top + 1, dtype=bool)
    rows = []
    for day in sorted(by_day):
        ids = np.concatenate(by_day[day])
        fresh = np.unique(ids[~seen[ids]])
        seen[ids] = True
        if fresh.size:
            rows.append({"year": year, "first_date": day, "volunteers": int(fresh.size)})
    return rows


def _current_types(
    connection: Connection, touched: list[tuple[dt.date, int]]
) -> dict[dt.date, dict[str, list[int]]]:
    """Per touched day and 活动类型, the touched volunteers who have a record of it now."""
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {SET_KEYS_TABLE} "
        "(service_date DATE NOT NULL, volunteer_id INTEGER NOT NULL)"
    )
    connection.exec_driver_sql(f"DELETE FROM {SET_KEYS_TABLE}")
    postgresql = connection.dialect.name == "postgresql"
    # Straight to the driver (one executemany of plain tuples): SQLite stores a date as its
    # ISO text, as SQLAlchemy's Date does; psycopg takes the date itself.
    marker = "%s" if postgresql else "?"
    connection.exec_driver_sql(
        f"INSERT INTO {SET_KEYS_TABLE} (service_date, volunteer_id) VALUES ({marker}, {marker})",
        [(d if postgresql else d.isoformat(), v) for d, v in touched],
    )
    if postgresql:
        connection.exec_driver_sql(f"ANALYZE {SET_KEYS_TABLE}")
    current: dict[dt.date, dict[str, list[int]]] = {}
    dates = _DateCache()
    for day, kind, volunteer_id in connection.exec_driver_sql(_CURRENT_OF_SET_KEYS).fetchall():
        current.setdefault(dates.of(day), {}).setdefault(kind, []).append(volunteer_id)
    connection.exec_driver_sql(f"DELETE FROM {SET_KEYS_TABLE}")
    return current


def _write_day_sets(connection: Connection, changed: dict[tuple[dt.date, str], np.ndarray]) -> None:
    for chunk in bulk.chunks(sorted(changed)):
        keys = tuple_(volunteer_day_set.c.service_date, volunteer_day_set.c.activity_type)
        connection.execute(delete(volunteer_day_set).where(keys.in_(chunk)))
        rows = [
            {"service_date": d, "activity_type": k, "volunteer_ids": changed[(d, k)].tobytes()}
            for d, k in chunk
            if len(changed[(d, k)])
        ]
        if rows:
            connection.execute(insert(volunteer_day_set), rows)


def city_rollups_match(connection: Connection) -> bool:
    """Whether both whole-city rollups equal what the service records give now."""
    computed = select(
        R.c.service_date, R.c.activity_type, func.count(), func.sum(R.c.hours)
    ).group_by(R.c.service_date, R.c.activity_type)
    if not _sums_match(connection, computed, select(service_city_daily), 2):
        return False
    expected = {
        (row["service_date"], row["activity_type"]): row["volunteer_ids"]
        for rows in _day_sets_of_every_record(connection)
        for row in rows
    }
    stored = {
        (_as_date(r.service_date), r.activity_type): bytes(r.volunteer_ids)
        for r in connection.execute(select(volunteer_day_set))
    }
    if expected != stored:
        return False
    united: dict[tuple[dt.date, str], list[np.ndarray]] = {}
    for (day, kind), blob in expected.items():
        united.setdefault((day.replace(day=1), kind), []).append(decode_ids(blob))
    stored_months = {
        (_as_date(r.month), r.activity_type): bytes(r.volunteer_ids)
        for r in connection.execute(select(volunteer_month_set))
    }
    if stored_months != {k: encode_ids(np.concatenate(v)) for k, v in united.items()}:
        return False
    firsts = _first_dates_select().subquery()
    counted = select(firsts.c.year, firsts.c.first_date, func.count()).group_by(
        firsts.c.year, firsts.c.first_date
    )
    return {(int(r[0]), _as_date(r[1]), int(r[2])) for r in connection.execute(counted)} == {
        (int(r[0]), _as_date(r[1]), int(r[2]))
        for r in connection.execute(select(volunteer_first_day))
    }


# --- Per-activity totals (0009): ``rollup_activity_total`` holds, per (活动名称, 活动类型), the
# sums of its ``rollup_activity_daily`` rows and its first and last day. Writers re-derive the
# rows of the activities they may have changed: those with a daily row on a touched (day,
# community) before or after the daily rollup's refresh.

SHOWN_DECIMALS = 2  # hours as shown (``figures.area_helpers.AMOUNT_DECIMALS``): the rank
TOTAL_COLUMNS = [
    "activity_name",
    "activity_type",
    "first_day",
    "last_day",
    "span_days",
    "span_class",
    "person_times",
    "hours",
    "hours_shown",
]
SPAN_CLASSES = 21  # spans below 2**20 days have a class of their own (0 … 20)


def hours_as_shown(hours, connection: Connection):  # type: ignore[no-untyped-def]
    """Hours rounded to 0.01 as the ranking compares them, the same on both databases."""
    if connection.dialect.name == "postgresql":
        return func.round(cast(hours, Numeric), SHOWN_DECIMALS)
    return func.round(hours, SHOWN_DECIMALS)


def _days_between(first, last, connection: Connection):  # type: ignore[no-untyped-def]
    if connection.dialect.name == "postgresql":
        return cast(last - first, Integer)  # date − date is a number of days
    return cast(func.julianday(last) - func.julianday(first), Integer)


def _span_class(span):  # type: ignore[no-untyped-def]
    """The bit length of a span in days, in SQL (``int.bit_length``)."""
    limits = [(span < 2**k, k) for k in range(SPAN_CLASSES - 1)]
    return case(*limits, else_=SPAN_CLASSES - 1)


def activities_reaching(
    connection: Connection,
    first_at_most: dt.date,
    last_at_least: dt.date,
    columns: list,  # type: ignore[type-arg]
    where=None,  # type: ignore[no-untyped-def]
):  # type: ignore[no-untyped-def]
    """A query of ``columns`` of the activities with first_day ≤ ``first_at_most`` and
    last_day ≥ ``last_at_least`` (``where`` too), or None when there are none: per span class
    one range of ``ix_rollup_activity_total_span``, so only activities whose first day lies
    near the one sought are read, however long other names recur."""
    t = activity_total.c
    longest = connection.execute(select(func.max(t.span_class))).scalar()  # by the index
    if longest is None:
        return None
    arms = []
    for k in range(int(longest) + 1):
        earliest = last_at_least - dt.timedelta(days=2**k - 1)
        arm = select(*columns).where(
            t.span_class == k,
            t.first_day >= earliest,
            t.first_day <= first_at_most,
            t.last_day >= last_at_least,
        )
        arms.append(arm if where is None else arm.where(where))
    return union_all(*arms)


def _activity_total_select(connection: Connection):  # type: ignore[no-untyped-def]
    a = activity_daily.c
    first, last, hours = func.min(a.service_date), func.max(a.service_date), func.sum(a.hours)
    span = _days_between(first, last, connection)
    return select(
        a.activity_name,
        a.activity_type,
        first,
        last,
        span,
        _span_class(span),
        func.sum(a.person_times),
        hours,
        cast(hours_as_shown(hours, connection), Float),
    ).group_by(a.activity_name, a.activity_type)


def rebuild_activity_totals(connection: Connection) -> None:
    """Recompute ``rollup_activity_total`` from ``rollup_activity_daily`` (must be current)."""
    connection.execute(delete(activity_total))
    connection.execute(
        insert(activity_total).from_select(TOTAL_COLUMNS, _activity_total_select(connection))
    )


def activity_names_at(connection: Connection, keys: list[ServiceKey]) -> set[str]:
    """The activity names with a daily row on the (day, community) of these record keys.

    ``refresh_service`` asks before it refreshes the daily rollup: the names records may be
    leaving (a record moved to another day or activity leaves no row to find its old name by).
    """
    dates = _DateCache()
    by_day: dict[dt.date, set[int]] = {}
    for day, community_id, _volunteer in keys:
        if day is not None and community_id is not None:
            by_day.setdefault(dates.of(day), set()).add(int(community_id))
    names: set[str] = set()
    a = activity_daily.c
    for day, communities in sorted(by_day.items()):
        for chunk in bulk.chunks(sorted(communities)):
            query = select(a.activity_name).where(a.service_date == day, a.community_id.in_(chunk))
            names.update(connection.execute(query.distinct()).scalars())
    return names


def refresh_activity_totals(connection: Connection, names: set[str]) -> None:
    """Re-derive the totals of these activities from ``rollup_activity_daily`` (refreshed by
    now): ``refresh_service`` passes the names on its keys' (day, community) before and after
    the daily refresh (``activity_names_at``)."""
    t = activity_total.c
    stored_columns = [t[name] for name in TOTAL_COLUMNS]
    for chunk in bulk.chunks(sorted(names)):
        source = _activity_total_select(connection).where(activity_daily.c.activity_name.in_(chunk))
        fresh = _totals_by_key(connection, source)
        stored = _totals_by_key(
            connection, select(*stored_columns).where(t.activity_name.in_(chunk))
        )
        # Only rows that differ are written: a big refresh of unchanged records (a re-import)
        # would otherwise rewrite a year's activities and their three indexes.
        gone = [key for key, row in stored.items() if fresh.get(key) != row]
        if gone:
            pairs = tuple_(t.activity_name, t.activity_type)
            connection.execute(delete(activity_total).where(pairs.in_(gone)))
        changed = [
            dict(zip(TOTAL_COLUMNS, row, strict=True))
            for key, row in fresh.items()
            if stored.get(key) != row
        ]
        if changed:
            connection.execute(insert(activity_total), changed)


def _totals_by_key(connection: Connection, query) -> dict[tuple[str, str], tuple]:  # type: ignore[no-untyped-def, type-arg]
    """Rows of ``TOTAL_COLUMNS`` by (name, type), dates and numbers as Python values."""
    return {
        (row[0], row[1]): (
            row[0],
            row[1],
            _as_date(row[2]),
            _as_date(row[3]),
            int(row[4]),
            int(row[5]),
            int(row[6]),
            float(row[7]),
            float(row[8]),
        )
        for row in connection.execute(query)
    }


def activity_totals_match(connection: Connection) -> bool:
    """Whether ``rollup_activity_total`` equals what the service records give now."""
    keys = (R.c.activity_name, R.c.activity_type)
    computed = select(
        *keys,
        func.min(R.c.service_date),
        func.max(R.c.service_date),
        func.count(),
        func.sum(R.c.hours),
    ).group_by(*keys)
    expected = {
        (r[0], r[1]): (_as_date(r[2]), _as_date(r[3]), int(r[4]), float(r[5]))
        for r in connection.execute(computed)
    }
    t = activity_total.c
    shown = cast(hours_as_shown(t.hours, connection), Float).label("rounded")
    stored = {
        (r.activity_name, r.activity_type): r
        for r in connection.execute(select(activity_total, shown))
    }
    if expected.keys() != stored.keys():
        return False
    for key, (first, last, person_times, hours) in expected.items():
        row = stored[key]
        same = (
            (_as_date(row.first_day), _as_date(row.last_day)) == (first, last)
            and row.span_days == (last - first).days
            and row.span_class == row.span_days.bit_length()
            and row.person_times == person_times
            and abs(row.hours - hours) <= 1e-6
            and row.hours_shown == row.rounded
        )
        if not same:
            return False
    return True


# --- Registrations (0010): ``rollup_registered_year`` and ``rollup_registered_month``, kept by
# every writer of ``volunteer``: the importer re-derives the communities it writes volunteers to
# or moves them from (``refresh_registrations``), the demos and migration 0010 everything.

REGISTRATION_TABLES = ((registered_year, "year"), (registered_month, "month"))


def _registrations_select(period: str, connection: Connection, communities=None):  # type: ignore[no-untyped-def]
    """Volunteers per (year or month of 注册日期, community), of some communities or all."""
    if period == "year":
        when = _year_of(VOL.c.registered_on)
    else:
        when = month_start(VOL.c.registered_on, connection)
    query = select(
        when.label(period), VOL.c.community_id, func.count().label("volunteers")
    ).group_by(when, VOL.c.community_id)
    if communities is not None:
        query = query.where(VOL.c.community_id.in_(communities))
    return query


def rebuild_registrations(connection: Connection) -> None:
    """Recompute both registration rollups from every volunteer."""
    for rollup, period in REGISTRATION_TABLES:
        connection.execute(delete(rollup))
        connection.execute(
            insert(rollup).from_select(
                [period, "community_id", "volunteers"], _registrations_select(period, connection)
            )
        )


def refresh_registrations(connection: Connection, community_ids: Iterable[int]) -> None:
    """Re-derive the registration rows of these communities from their volunteers (after
    volunteers were inserted there, updated there or moved away from there)."""
    for chunk in bulk.chunks(sorted(set(community_ids))):
        for rollup, period in REGISTRATION_TABLES:
            connection.execute(delete(rollup).where(rollup.c.community_id.in_(chunk)))
            connection.execute(
                insert(rollup).from_select(
                    [period, "community_id", "volunteers"],
                    _registrations_select(period, connection, chunk),
                )
            )


def volunteer_communities_of_ids(connection: Connection, ids: Iterable[int]) -> set[int]:
    """The stored communities of these volunteer ids (before an update moves them)."""
    found: set[int] = set()
    for chunk in bulk.chunks(sorted(set(ids))):
        query = select(VOL.c.community_id).where(VOL.c.id.in_(chunk)).distinct()
        found.update(connection.execute(query).scalars())
    return found


def registrations_match(connection: Connection) -> bool:
    """Whether both registration rollups equal what the volunteers give now."""
    for rollup, period in REGISTRATION_TABLES:
        key = int if period == "year" else _as_date
        computed = {
            (key(r[0]), int(r[1])): int(r[2])
            for r in connection.execute(_registrations_select(period, connection))
        }
        stored = {(key(r[0]), int(r[1])): int(r[2]) for r in connection.execute(select(rollup))}
        if computed != stored:
            return False
    return True


# --- Months (0010): ``rollup_service_month`` re-derived from ``rollup_service_daily`` for the
# (month, community) of every record key a write touches (after the daily rows are current).

SERVICE_MONTH_COLUMNS = ["month", "community_id", "person_times", "hours"]


def _service_month_select(connection: Connection):  # type: ignore[no-untyped-def]
    """The month rows of every daily row."""
    month = month_start(service_daily.c.service_date, connection)
    keys = (month, service_daily.c.community_id)
    return select(
        *keys, func.sum(service_daily.c.person_times), func.sum(service_daily.c.hours)
    ).group_by(*keys)


def rebuild_service_months(connection: Connection) -> None:
    """Recompute ``rollup_service_month`` from ``rollup_service_daily`` (must be current)."""
    connection.execute(delete(service_month))
    connection.execute(
        insert(service_month).from_select(SERVICE_MONTH_COLUMNS, _service_month_select(connection))
    )


def refresh_service_months(
    connection: Connection, keys: Iterable[ServiceKey], added: Iterable[AddedRecord] = ()
) -> None:
    """Re-derive the month rows of the (month, community) of these record keys and added
    records from the daily rows (current by now): per month, the communities in chunks."""
    communities_of: dict[dt.date, set[int]] = {}
    for day, community_id, *_rest in [*keys, *added]:
        if day is not None and community_id is not None:
            month = _as_date(day).replace(day=1)
            communities_of.setdefault(month, set()).add(int(community_id))
    daily = service_daily
    for month, communities in sorted(communities_of.items()):
        for chunk in bulk.chunks(sorted(communities)):
            connection.execute(
                delete(service_month).where(
                    service_month.c.month == month, service_month.c.community_id.in_(chunk)
                )
            )
            sums = select(
                literal(month, Date),
                daily.c.community_id,
                func.sum(daily.c.person_times),
                func.sum(daily.c.hours),
            ).where(
                daily.c.community_id.in_(chunk),
                daily.c.service_date >= month,
                daily.c.service_date <= _month_end(month),
            )
            sums = sums.group_by(daily.c.community_id)
            connection.execute(insert(service_month).from_select(SERVICE_MONTH_COLUMNS, sums))


def service_months_match(connection: Connection) -> bool:
    """Whether ``rollup_service_month`` equals what the service records give now."""
    month = month_start(R.c.service_date, connection)
    keys = (month, R.c.community_id)
    computed = select(*keys, func.count(), func.sum(R.c.hours)).group_by(*keys)
    return _sums_match(connection, computed, select(service_month), 2)


# --- Figure rollups (0012): 人口普查 and 财政税收 figures that are sums read small tables.
# ``rollup_census_daily``: per (任务, 日期, 街道) the change that day of the sums over its
# communities' latest rows: 普查进度 rows are cumulative, so a community's figure as of D is
# the sum of its row-to-row steps up to D, and the sum over communities as of D is a SUM of
# these rows (also the per-day increments themselves, and how many communities have a row).
# ``rollup_fiscal_ytd``: per (年, 月, 街道, 科目) the month's amount and the sum of months 1…月
# (a row for every month from the item's first month of the year on), so a report month's
# 累计 and the year before's same months are one row each.
# ``rollup_fiscal_city_month``: per (年, 月, 科目) the whole city's amount (the monthly series).
# Writers: the importer calls ``refresh_figures`` with the rows it wrote; ``rebuild`` and the
# migration fill them from scratch; ``figure_rollups_match`` re-derives them for tests.

census_daily = Table(
    "rollup_census_daily",
    metadata,
    Column("campaign", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("subdistrict", String(100), primary_key=True),
    Column("communities", Integer, nullable=False),  # communities whose first row is that day
    Column("expected_households", Integer, nullable=False),  # each a change since the day before
    Column("registered_households", Integer, nullable=False),
    Column("registered_persons", Integer, nullable=False),
    Index("ix_rollup_census_day", "day", "campaign"),
    sqlite_with_rowid=False,
)

fiscal_ytd = Table(
    "rollup_fiscal_ytd",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("subdistrict", String(100), primary_key=True),
    Column("item", String(100), primary_key=True),
    Column("month_amount", Float, nullable=False),  # 0 when the item has no row that month
    Column("ytd", Float, nullable=False),
    sqlite_with_rowid=False,
)

fiscal_city_month = Table(
    "rollup_fiscal_city_month",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("item", String(100), primary_key=True),
    Column("amount", Float, nullable=False),
    sqlite_with_rowid=False,
)

CENSUS_COLUMNS = [
    "campaign",
    "day",
    "subdistrict",
    "communities",
    "expected_households",
    "registered_households",
    "registered_persons",
]
FISCAL_YTD_COLUMNS = ["year", "month", "subdistrict", "item", "month_amount", "ytd"]
FISCAL_CITY_COLUMNS = ["year", "month", "item", "amount"]


def _census_daily_select(campaigns: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Per (任务, 日期, 街道): each community's row minus its previous row, summed."""
    from storage.models import CensusProgress, Community

    c = CensusProgress.__table__
    order = {"partition_by": (c.c.campaign, c.c.community_id), "order_by": c.c.day}

    def step(value):  # type: ignore[no-untyped-def]
        return value - func.coalesce(func.lag(value).over(**order), 0)

    steps = select(
        c.c.campaign,
        c.c.day,
        Community.subdistrict,
        case((func.lag(c.c.day).over(**order).is_(None), 1), else_=0).label("first"),
        step(c.c.expected_households).label("expected"),
        step(c.c.registered_households).label("households"),
        step(c.c.registered_persons).label("persons"),
    ).join(Community, Community.id == c.c.community_id)
    if campaigns is not None:
        steps = steps.where(c.c.campaign.in_(campaigns))
    steps = steps.subquery("steps")
    keys = (steps.c.campaign, steps.c.day, steps.c.subdistrict)
    return (
        select(
            *keys,
            func.sum(steps.c.first),
            func.sum(steps.c.expected),
            func.sum(steps.c.households),
            func.sum(steps.c.persons),
        )
        .group_by(*keys)
        .order_by(*keys)
    )


def _months_of_year():  # type: ignore[no-untyped-def]
    numbers = (select(literal_column(str(m), Integer).label("month")) for m in range(1, 13))
    return union_all(*numbers).subquery("m")


def _amount_sum(amount, connection: Connection):  # type: ignore[no-untyped-def]
    """SUM of amounts that gives ±Infinity where it overflows, as SQLite's does: the pages then
    say the figure is out of range. PostgreSQL's float sum raises instead, which would make
    the writer fail, so there the sum is taken in numeric and turned back into a float."""
    if connection.dialect.name != "postgresql":
        return func.sum(amount)
    total = func.sum(cast(amount, Numeric))
    infinite = case(
        (total > 0, literal_column("'Infinity'::float8")),
        else_=literal_column("'-Infinity'::float8"),
    )
    return case(
        (func.abs(total) > literal_column(repr(FLOAT_MAX)), infinite), else_=cast(total, Float)
    )


FLOAT_MAX = 1.7976931348623157e308


def _fiscal_ytd_select(connection: Connection, keys: list[tuple[str, int]] | None = None):  # type: ignore[no-untyped-def]
    """Per (年, 月, 街道, 科目): the month's amount and the sum of months 1…月 of that year."""
    from storage.models import FiscalMonthly

    f = FiscalMonthly.__table__
    months = _months_of_year()
    group = (f.c.year, months.c.month, f.c.subdistrict, f.c.item)
    query = select(
        *group,
        _amount_sum(case((f.c.month == months.c.month, f.c.amount), else_=0.0), connection),
        _amount_sum(f.c.amount, connection),
    ).join(months, f.c.month <= months.c.month)
    if keys is not None:
        query = query.where(tuple_(f.c.subdistrict, f.c.year).in_(keys))
    # Written in key order: PostgreSQL then finds a month's rows on few pages (no clustering).
    return query.group_by(*group).order_by(*group)


def _fiscal_city_select(connection: Connection, years: list[int] | None = None):  # type: ignore[no-untyped-def]
    from storage.models import FiscalMonthly

    f = FiscalMonthly.__table__
    group = (f.c.year, f.c.month, f.c.item)
    query = select(*group, _amount_sum(f.c.amount, connection))
    if years is not None:
        query = query.where(f.c.year.in_(years))
    return query.group_by(*group)


def rebuild_figures(connection: Connection) -> None:
    """Recompute the census and fiscal rollups from every row (the tables of 0012)."""
    for rollup in (census_daily, fiscal_ytd, fiscal_city_month):
        connection.execute(delete(rollup))
    connection.execute(insert(census_daily).from_select(CENSUS_COLUMNS, _census_daily_select()))
    connection.execute(
        insert(fiscal_ytd).from_select(FISCAL_YTD_COLUMNS, _fiscal_ytd_select(connection))
    )
    connection.execute(
        insert(fiscal_city_month).from_select(FISCAL_CITY_COLUMNS, _fiscal_city_select(connection))
    )


def refresh_figures(connection: Connection, table_name: str, rows: Iterable[dict]) -> None:  # type: ignore[type-arg]
    """Re-derive the rollup rows a write of ``rows`` into ``table_name`` touched.

    Census: every 任务 written (a step depends on the community's previous row, so the
    campaign is re-derived whole: tens of thousands of rows, a fraction of a second).
    Fiscal: every (街道, 年) written, and the whole city's months of those years.
    Rows keep their key on update (the key is what the importer matches on), so the written
    rows' keys are also the keys they had before.
    """
    rows = list(rows)
    if not rows:
        return
    if table_name == "census_progress":
        campaigns = sorted({row["campaign"] for row in rows})
        for chunk in bulk.chunks(campaigns):
            connection.execute(delete(census_daily).where(census_daily.c.campaign.in_(chunk)))
            connection.execute(
                insert(census_daily).from_select(CENSUS_COLUMNS, _census_daily_select(chunk))
            )
    elif table_name == "fiscal_monthly":
        keys = sorted({(row["subdistrict"], int(row["year"])) for row in rows})
        for chunk in bulk.chunks(keys):
            stored = tuple_(fiscal_ytd.c.subdistrict, fiscal_ytd.c.year)
            connection.execute(delete(fiscal_ytd).where(stored.in_(chunk)))
            connection.execute(
                insert(fiscal_ytd).from_select(
                    FISCAL_YTD_COLUMNS, _fiscal_ytd_select(connection, chunk)
                )
            )
        years = sorted({year for _, year in keys})
        connection.execute(delete(fiscal_city_month).where(fiscal_city_month.c.year.in_(years)))
        connection.execute(
            insert(fiscal_city_month).from_select(
                FISCAL_CITY_COLUMNS, _fiscal_city_select(connection, years)
            )
        )


def figure_rollups_match(connection: Connection) -> bool:
    """Whether the census and fiscal rollups equal what their tables give now (counts
    exactly, amounts to 1e-6)."""

    def rows(query, keys: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
        return {tuple(r[:keys]): tuple(r[keys:]) for r in connection.execute(query)}

    def census(query) -> dict:  # type: ignore[no-untyped-def, type-arg]
        return {
            (r[0], _as_date(r[1]), r[2]): tuple(map(int, r[3:])) for r in connection.execute(query)
        }

    if census(_census_daily_select()) != census(select(census_daily)):
        return False
    for computed, stored, keys in (
        (_fiscal_ytd_select(connection), select(fiscal_ytd), 4),
        (_fiscal_city_select(connection), select(fiscal_city_month), 3),
    ):
        left, right = rows(computed, keys), rows(stored, keys)
        if left.keys() != right.keys():
            return False
        for key, values in left.items():
            if any(
                abs(float(a) - float(b)) > 1e-6 for a, b in zip(values, right[key], strict=True)
            ):
                return False
    return True


__all__ = [
    "census_daily",
    "figure_rollups_match",
    "fiscal_city_month",
    "fiscal_ytd",
    "rebuild_figures",
    "refresh_figures",
    "rebuild_service_months",
    "refresh_service_months",
    "service_month",
    "service_months_match",
    "REGISTRATION_TABLES",
    "rebuild_registrations",
    "refresh_registrations",
    "registered_month",
    "registered_year",
    "registrations_match",
    "volunteer_communities_of_ids",
    "activity_total",
    "activities_reaching",
    "activity_names_at",
    "activity_totals_match",
    "hours_as_shown",
    "rebuild_activity_totals",
    "refresh_activity_totals",
    "ServiceKey",
    "city_rollups_match",
    "decode_ids",
    "encode_ids",
    "rebuild_city",
    "service_city_daily",
    "volunteer_day_set",
    "volunteer_first_day",
    "volunteer_month_set",
    "activity_daily",
    "month_start",
    "presence_matches",
    "rebuild",
    "rebuild_presence",
    "rebuild_service",
    "refresh_service",
    "rollups_match",
    "service_daily",
    "service_keys_of_ids",
    "volunteer_month",
    "volunteer_year",
]
