"""The city-scale demo data set (``demo --scale city``): the benchmark size of issue 6.

What: 200 subdistricts × 10 communities, 5 years (1 January four years back … today),
about 50,000 民生实事, monthly fiscal rows with tax types and targets, two census campaigns
with daily progress, 500,000 volunteers and 10,000,000 service records. ``CityScale`` sets the
size; ``TINY`` is the shape the tests build.

Why it is built this way:
- The small tables (communities, projects, fiscal, targets, census) come from the same pure
  generators as the small demo (``demo.subdistricts``), fed with invented ``SubdistrictSpec`` s, so
  they follow the import rules by construction.
- Volunteers and service records are drawn with numpy, month by month, and written in chunks:
  10 million rows are never held in memory. Every chunk has its own seed (from the month),
  so the same scale and ``today`` always give the same rows.
- Rows are written in date order (as they would arrive), with explicit ids, by PostgreSQL
  ``COPY`` or SQLite ``executemany`` in one transaction; secondary indexes are dropped during
  the load and rebuilt after it, then the rollups are rebuilt and statistics refreshed.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, inspect, text

from demo.anchors import CommunitySpec, SubdistrictSpec
from demo.subdistricts import (
    ACTIVITY_TOPICS,
    DELETE_ORDER,
    HOURS_TENTHS_BASE,
    MAX_TENTHS,
    MIN_TENTHS,
    TABLE_LABELS,
    census_2020_campaign,
    census_rows,
    community_rows,
    current_campaign,
    fiscal_rows,
    fiscal_target_rows,
    project_rows,
)
from storage import rollups
from storage.db import without_statement_timeout
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    ImportBatch,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

SEED = 20_261_122
Progress = Callable[[int, int, str], None]
LOCAL_SHARE = 0.85  # share of a record's volunteers who live in the activity's community
PARTICIPANTS = (4, 14)  # people per activity, inclusive

STEMS: tuple[str, ...] = (
    "东风", "建设", "人民", "解放", "和平", "胜利", "光明", "幸福", "友谊", "团结",
    "长江", "黄河", "嵩山", "中原", "金水", "二七", "管城", "惠济", "伏牛", "桐柏",
)  # fmt: skip
STREETS: tuple[str, ...] = ("路", "东路", "西路", "南路", "北路", "大街", "新村", "里", "桥", "园")
PLACES: tuple[str, ...] = ("东", "西", "南", "北", "中", "新村", "花园", "家园", "苑", "里")


@dataclass(frozen=True)
class CityScale:
    """How big the city is. ``CITY`` is the benchmark size; tests use ``TINY``."""

    subdistricts: int = 200
    communities_per_subdistrict: int = 10
    years: int = 5
    volunteers: int = 500_000
    service_records: int = 10_000_000

    @property
    def communities(self) -> int:
        return self.subdistricts * self.communities_per_subdistrict


CITY = CityScale()
TINY = CityScale(3, 3, 2, 400, 5_000)


# --------------------------------------------------------------------------- specs


def subdistrict_name(index: int) -> str:
    """A unique invented name (``东风路街道`` …) for the ``index``-th subdistrict."""
    stem, street = divmod(index, len(STREETS))
    prefix = STEMS[stem % len(STEMS)] + ("" if stem < len(STEMS) else str(stem // len(STEMS)))
    return f"{prefix}{STREETS[street]}街道"


def community_name(subdistrict: str, index: int) -> str:
    """A community name unique within its subdistrict (and across the city)."""
    stem = subdistrict.removesuffix("街道")
    place = PLACES[index % len(PLACES)] + ("" if index < len(PLACES) else str(index // 10))
    return f"{stem}{place}社区"


def city_specs(scale: CityScale, today: dt.date) -> list[SubdistrictSpec]:
    """One invented ``SubdistrictSpec`` per subdistrict (population, fiscal base, years)."""
    rng = np.random.default_rng([SEED, 1])
    first_year = today.year - scale.years + 1
    specs = []
    for index in range(scale.subdistricts):
        name = subdistrict_name(index)
        populations = rng.integers(5_000, 15_000, scale.communities_per_subdistrict)
        communities = tuple(
            CommunitySpec(community_name(name, i), int(p), int(p / rng.uniform(2.5, 3.0)))
            for i, p in enumerate(populations)
        )
        specs.append(
            SubdistrictSpec(
                name=name,
                district="示例市",
                abbr=f"C{index:03d}",
                communities=communities,
                first_year=first_year,
                fiscal_first_year=first_year,
                fiscal_base_general=round(float(rng.uniform(3_000, 60_000)), 2),
                fiscal_growth=round(float(rng.uniform(0.02, 0.07)), 3),
                volunteer_waves=(),
                activities_per_year=0,
            )
        )
    return specs


def service_window(scale: CityScale, today: dt.date) -> tuple[dt.date, dt.date]:
    """Service records run from 1 January of the first year to today."""
    return dt.date(today.year - scale.years + 1, 1, 1), today


def registration_start(scale: CityScale, today: dt.date) -> dt.date:
    """Volunteers register from two years before the first service (so nobody is missing)."""
    return dt.date(today.year - scale.years - 1, 1, 1)


# --------------------------------------------------------------------------- small tables


def small_tables(specs: Sequence[SubdistrictSpec], today: dt.date) -> dict[str, list[dict]]:
    """Communities, projects, fiscal rows, targets and census rows (natural references)."""
    tables: dict[str, list[dict]] = {
        "communities": [],
        "projects": [],
        "fiscal": [],
        "targets": [],
        "census": [],
    }
    for spec in specs:
        tables["communities"] += community_rows(spec)
        tables["projects"] += project_rows(spec, today)
        tables["fiscal"] += fiscal_rows(spec, today)
        tables["targets"] += fiscal_target_rows(spec, today)
        tables["census"] += census_rows(spec, census_2020_campaign(spec))
        tables["census"] += census_rows(spec, current_campaign(spec, today))
    return tables


# --------------------------------------------------------------------------- volunteers


@dataclass(frozen=True)
class VolunteerIndex:
    """Volunteers sorted by (community, registration day), to pick who served when.

    ``ids[i]`` registered on day ``days[i]`` (days since the registration start) in
    community index ``communities[i]``; ``first[c]`` is where community ``c`` starts.
    """

    ids: np.ndarray
    keys: np.ndarray  # community * span + day, sorted
    span: int
    first: np.ndarray

    def pick(self, rng: np.random.Generator, community: np.ndarray, day: np.ndarray) -> np.ndarray:
        """For each (community, day): a volunteer of that community registered by that day."""
        wanted = community.astype(np.int64) * self.span + np.minimum(day, self.span - 1)
        eligible = np.searchsorted(self.keys, wanted, side="right") - self.first[community]
        chosen = self.first[community] + (rng.random(len(day)) * eligible).astype(np.int64)
        return self.ids[chosen]


@dataclass(frozen=True)
class Volunteers:
    """All volunteers as columns, in id order (id = position + 1, codes by registration)."""

    days: np.ndarray
    communities: np.ndarray
    female: np.ndarray
    birth_years: np.ndarray
    start: dt.date

    def index(self) -> VolunteerIndex:
        order = np.lexsort((self.days, self.communities))
        communities = self.communities[order]
        first = np.searchsorted(communities, np.arange(int(communities.max()) + 1))
        span = int(self.days.max()) + 2
        keys = communities.astype(np.int64) * span + self.days[order]
        return VolunteerIndex(order + 1, keys, span, first)

    def rows(self, batch_id: int, chunk: int = 100_000) -> Iterator[list[tuple]]:
        """``(id, code, community_id, registered_on, gender, birth_year, batch_id)`` chunks."""
        for begin in range(0, len(self.days), chunk):
            end = min(begin + chunk, len(self.days))
            yield [
                (i + 1, f"ZY{i + 1:07d}", int(c) + 1, _day(self.start, int(d)), g, int(b), batch_id)
                for i, c, d, g, b in zip(
                    range(begin, end),
                    self.communities[begin:end],
                    self.days[begin:end],
                    np.where(self.female[begin:end], "女", "男"),
                    self.birth_years[begin:end],
                    strict=True,
                )
            ]


def _day(start: dt.date, offset: int) -> str:
    return (start + dt.timedelta(days=offset)).isoformat()


def draw_volunteers(
    scale: CityScale, specs: Sequence[SubdistrictSpec], today: dt.date
) -> Volunteers:
    """500,000 volunteers: community by population, registration day uniform, sorted by day.

    Every community's first volunteer registers on the first day, so any activity finds a
    local volunteer already registered.
    """
    rng = np.random.default_rng([SEED, 2])
    start = registration_start(scale, today)
    last = (today - start).days
    populations = np.array([c.population for s in specs for c in s.communities], dtype=float)
    count = max(scale.volunteers, len(populations))
    communities = np.concatenate(
        [
            np.arange(len(populations)),
            rng.choice(
                len(populations), count - len(populations), p=populations / populations.sum()
            ),
        ]
    )
    days = np.concatenate(
        [
            np.zeros(len(populations), dtype=np.int64),
            rng.integers(0, last + 1, count - len(populations)),
        ]
    )
    order = np.lexsort((communities, days))
    days, communities = days[order], communities[order]
    ages = rng.choice([20, 40, 60, 74], count, p=[0.3, 0.25, 0.38, 0.07]) + rng.integers(
        -4, 5, count
    )
    registered_years = np.array([start.year], dtype=np.int64) + days // 366
    return Volunteers(
        days=days,
        communities=communities,
        female=rng.random(count) < 0.6,
        birth_years=registered_years - ages,
        start=start,
    )


# --------------------------------------------------------------------------- service records


@dataclass(frozen=True)
class ServiceChunk:
    """One month of service records as columns (text columns ready to write)."""

    ids: list[int]
    codes: list[str]
    volunteer_ids: list[int]
    names: list[str]
    types: list[str]
    dates: list[str]
    hours: list[float]
    community_ids: list[int]

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, batch_id: int) -> Iterator[tuple]:
        """Rows in the column order of ``SERVICE_COLUMNS``."""
        return zip(
            self.ids,
            self.codes,
            self.volunteer_ids,
            self.names,
            self.types,
            self.dates,
            self.hours,
            self.community_ids,
            [batch_id] * len(self.ids),
            strict=True,
        )


SERVICE_COLUMNS = (
    "id",
    "code",
    "volunteer_id",
    "activity_name",
    "activity_type",
    "service_date",
    "hours",
    "community_id",
    "batch_id",
)
TOPICS: tuple[tuple[str, str], ...] = tuple(
    (kind, topic) for kind, topics in ACTIVITY_TOPICS.items() for topic in topics
)


def _months(first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """(first day, last day) of each calendar month between the dates, clipped to them."""
    day = first
    while day <= last:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        yield day, min(following - dt.timedelta(days=1), last)
        day = following


def month_quotas(scale: CityScale, today: dt.date) -> list[tuple[dt.date, dt.date, int]]:
    """Records per month, proportional to its days, summing exactly to the scale."""
    start, end = service_window(scale, today)
    total_days = (end - start).days + 1
    quotas, done, elapsed = [], 0, 0
    for first, last in _months(start, end):
        elapsed += (last - first).days + 1
        target = round(scale.service_records * elapsed / total_days)
        quotas.append((first, last, target - done))
        done = target
    return quotas


def service_chunks(
    scale: CityScale,
    specs: Sequence[SubdistrictSpec],
    volunteers: VolunteerIndex,
    registration_day0: dt.date,
    today: dt.date,
) -> Iterator[ServiceChunk]:
    """Service records month by month: activities of 4–14 people in one community and day."""
    names = [(s.name, c.name) for s in specs for c in s.communities]
    populations = np.array([c.population for s in specs for c in s.communities], dtype=float)
    weights = populations / populations.sum()
    per_sub = scale.communities_per_subdistrict
    next_id = 1
    for first, last, quota in month_quotas(scale, today):
        rng = np.random.default_rng([SEED, 3, first.year, first.month])
        chunk = _month_chunk(rng, first, last, quota, weights, per_sub, volunteers)
        community, day, kind, tenths, activity, act_days, act_comms, act_topics = chunk
        days = [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]
        act_names = [
            f"{names[c][1]}{TOPICS[t][1]}（{days[d].month}月{days[d].day}日）"
            for c, d, t in zip(
                act_comms.tolist(), act_days.tolist(), act_topics.tolist(), strict=True
            )
        ]
        dates = [d.isoformat() for d in days]
        ids = list(range(next_id, next_id + quota))
        next_id += quota
        picked = volunteers.pick(
            rng,
            _volunteer_community(rng, community, per_sub),
            day + (first - registration_day0).days,
        )
        yield ServiceChunk(
            ids=ids,
            codes=[f"FW{i:08d}" for i in ids],
            volunteer_ids=picked.tolist(),
            names=[act_names[a] for a in activity.tolist()],
            types=[TOPICS[t][0] for t in kind.tolist()],
            dates=[dates[d] for d in day.tolist()],
            hours=(tenths / 10).tolist(),
            community_ids=(community + 1).tolist(),
        )


def _volunteer_community(
    rng: np.random.Generator, community: np.ndarray, per_sub: int
) -> np.ndarray:
    """Where each record's volunteer lives: mostly the activity's community, else a neighbour
    in the same subdistrict."""
    neighbour = (community // per_sub) * per_sub + rng.integers(0, per_sub, len(community))
    return np.where(rng.random(len(community)) < LOCAL_SHARE, community, neighbour)


def _month_chunk(
    rng: np.random.Generator,
    first: dt.date,
    last: dt.date,
    quota: int,
    weights: np.ndarray,
    per_sub: int,
    volunteers: VolunteerIndex,
):  # type: ignore[no-untyped-def]
    """Activities until ``quota`` records, then one record per participant (all numpy)."""
    low, high = PARTICIPANTS
    count = math.ceil(quota / low) + 1
    sizes = rng.integers(low, high + 1, count)
    ends = np.cumsum(sizes)
    used = int(np.searchsorted(ends, quota)) + 1
    sizes = sizes[:used]
    sizes[-1] -= int(ends[used - 1]) - quota
    act_comms = rng.choice(len(weights), used, p=weights)
    act_days = rng.integers(0, (last - first).days + 1, used)
    act_topics = rng.integers(0, len(TOPICS), used)
    base = np.array(HOURS_TENTHS_BASE)[rng.integers(0, len(HOURS_TENTHS_BASE), used)]
    activity = np.repeat(np.arange(used), sizes)
    tenths = np.clip(base[activity] + rng.integers(-5, 6, quota), MIN_TENTHS, MAX_TENTHS)
    return (
        act_comms[activity],
        act_days[activity],
        act_topics[activity],
        tenths,
        activity,
        act_days,
        act_comms,
        act_topics,
    )


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class CityData:
    """Everything but the records themselves, which ``service_chunks`` streams."""

    specs: list[SubdistrictSpec]
    tables: dict[str, list[dict]]
    volunteers: Volunteers

    def counts(self, scale: CityScale) -> dict[str, int]:
        """Rows per table, keyed by table name (what ``load_city`` returns)."""
        return {
            Community.__tablename__: len(self.tables["communities"]),
            LivelihoodProject.__tablename__: len(self.tables["projects"]),
            FiscalMonthly.__tablename__: len(self.tables["fiscal"]),
            FiscalTarget.__tablename__: len(self.tables["targets"]),
            CensusProgress.__tablename__: len(self.tables["census"]),
            Volunteer.__tablename__: len(self.volunteers.days),
            ServiceRecord.__tablename__: scale.service_records,
        }


def build_city(scale: CityScale, today: dt.date) -> CityData:
    """The specs, the small tables and the volunteers (records come later, in chunks)."""
    specs = city_specs(scale, today)
    return CityData(specs, small_tables(specs, today), draw_volunteers(scale, specs, today))


class _Bulk:
    """Bulk writes on one connection: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self, connection, total: int, progress: Progress | None) -> None:  # type: ignore[no-untyped-def]
        self.connection = connection
        self.raw = connection.connection.driver_connection
        self.postgres = connection.dialect.name == "postgresql"
        self.total, self.done, self.progress = total, 0, progress

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, message)

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Append ``rows`` (values in ``columns`` order; dates as ISO text) to ``table``."""
        if not rows:
            return
        if self.postgres:
            self._copy(table, columns, rows)
        else:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        self.done += len(rows)
        self.report(f"写入{TABLE_LABELS[table]}")

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_text(value) for value in row))
            buffer.write("\n")
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())


def _copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _table_rows(rows: list[dict], columns: Sequence[str], ids: dict, batch_id: int) -> list[tuple]:
    """Dict rows with natural references → tuples with ids, dates as text, the batch stamped."""
    out = []
    for row in rows:
        values = dict(row, batch_id=batch_id)
        if "community" in values:
            values["community_id"] = ids[(values["subdistrict"], values["community"])]
        out.append(tuple(_iso(values[c]) for c in columns))
    return out


SMALL_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "projects",
        LivelihoodProject.__tablename__,
        ("code", "community_id", "name", "category", "year", "planned_on", "status",
         "completed_on", "investment", "beneficiary_households", "batch_id"),
    ),
    (
        "fiscal",
        FiscalMonthly.__tablename__,
        ("subdistrict", "year", "month", "item", "amount", "batch_id"),
    ),
    ("targets", FiscalTarget.__tablename__, ("subdistrict", "year", "item", "target", "batch_id")),
    (
        "census",
        CensusProgress.__tablename__,
        ("campaign", "community_id", "day", "expected_households", "registered_households",
         "registered_persons", "batch_id"),
    ),
)  # fmt: skip
BULK_TABLES = (ServiceRecord.__tablename__, Volunteer.__tablename__)
ROLLUP_TABLES = (
    "rollup_service_daily",
    "rollup_volunteer_year",
    "rollup_volunteer_month",
    "rollup_activity_daily",
)


def _secondary_indexes(connection, tables: Sequence[str]) -> list[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    """(name, table, columns) of the non-unique indexes: dropped for the load, rebuilt after."""
    inspector = inspect(connection)
    return [
        (index["name"], table, list(index["column_names"]))
        for table in tables
        for index in inspector.get_indexes(table)
        if not index.get("unique")
    ]


def _prepare(connection) -> None:  # type: ignore[no-untyped-def]
    """Load settings: no journal / sync / FK checks on SQLite; FK triggers off on PostgreSQL
    (superuser only; otherwise they stay on and the load is slower)."""
    if connection.dialect.name == "sqlite":
        for pragma in ("foreign_keys=OFF", "synchronous=OFF", "journal_mode=OFF"):
            connection.exec_driver_sql(f"PRAGMA {pragma}")
        return
    superuser = connection.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if superuser:
        connection.exec_driver_sql("SET session_replication_role = replica")


def _restore(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite":
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            connection.exec_driver_sql(f"PRAGMA {pragma}")
    else:
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")


def _clear(connection) -> None:  # type: ignore[no-untyped-def]
    """Remove the previous content (import history in ``import_batch`` is kept)."""
    tables = [*ROLLUP_TABLES, *(model.__tablename__ for model in DELETE_ORDER)]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
    else:
        for table in tables:
            connection.exec_driver_sql(f"DELETE FROM {table}")


def _new_batch(connection, today: dt.date, counts: dict[str, int]) -> int:  # type: ignore[no-untyped-def]
    import hashlib
    import json

    from sqlalchemy import insert

    digest = hashlib.sha256(f"demo:city:{today.isoformat()}:{SEED}".encode()).hexdigest()
    result = connection.execute(
        insert(ImportBatch).values(
            source_file="demo:city",
            file_hash=digest,
            imported_at=dt.datetime.now().replace(microsecond=0),
            imported_by="demo",
            rows_total=sum(counts.values()),
            summary=json.dumps(counts, ensure_ascii=False),
        )
    )
    return int(result.inserted_primary_key[0])


def _finish(connection, indexes: list[tuple[str, str, list[str]]], bulk: _Bulk) -> None:  # type: ignore[no-untyped-def]
    """Rebuild indexes and rollups, move sequences past explicit ids, refresh statistics."""
    for name, table, columns in indexes:
        bulk.report(f"重建索引 {name}")
        connection.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")
    bulk.report("计算汇总表")
    rollups.rebuild(connection)
    if connection.dialect.name == "postgresql":
        for table in (Community.__tablename__, *BULK_TABLES):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


def _analyze(connection) -> None:  # type: ignore[no-untyped-def]
    """Planner statistics for the new sizes (SQLite: sampled, so it takes seconds)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit=2000")
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql("PRAGMA optimize")
        connection.commit()
    else:  # VACUUM also sets the visibility map, so index-only scans need no heap visits
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE")


def write_city(
    engine: Engine,
    data: CityData,
    scale: CityScale,
    today: dt.date,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace all data with the city in one transaction (PostgreSQL) or one bulk session."""
    counts = data.counts(scale)
    # A load of millions of rows is all-or-nothing: the readers' statement limit would only
    # stop it half-way (the SQLite build stopped at 7 of 10 million records).
    with engine.connect() as connection, without_statement_timeout(connection):
        _prepare(connection)
        try:
            bulk = _Bulk(connection, sum(counts.values()), progress)
            bulk.report("清空原有数据")
            _clear(connection)
            indexes = _secondary_indexes(connection, BULK_TABLES)
            for name, _table, _columns in indexes:
                connection.exec_driver_sql(f"DROP INDEX {name}")
            batch_id = _new_batch(connection, today, counts)
            ids = _write_communities(bulk, data, batch_id)
            for key, table, columns in SMALL_TABLES:
                rows = _table_rows(data.tables[key], columns, ids, batch_id)
                for start in range(0, len(rows), 50_000):
                    bulk.write(table, columns, rows[start : start + 50_000])
            volunteer_columns = (
                "id", "code", "community_id", "registered_on", "gender", "birth_year", "batch_id",
            )  # fmt: skip
            for rows in data.volunteers.rows(batch_id):
                bulk.write(Volunteer.__tablename__, volunteer_columns, rows)
            chunks = service_chunks(
                scale, data.specs, data.volunteers.index(), data.volunteers.start, today
            )
            for chunk in chunks:
                bulk.write(ServiceRecord.__tablename__, SERVICE_COLUMNS, list(chunk.rows(batch_id)))
            _finish(connection, indexes, bulk)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            _restore(connection)
            connection.commit()
        _analyze(connection)
    bulk.report("示例数据已写入")
    return counts


def _write_communities(bulk: _Bulk, data: CityData, batch_id: int) -> dict[tuple[str, str], int]:
    """Communities with ids 1…N in spec order; returns (subdistrict, name) → id."""
    rows = data.tables["communities"]
    ids = {(row["subdistrict"], row["name"]): i for i, row in enumerate(rows, start=1)}
    columns = ("id", "subdistrict", "name", "population", "households", "batch_id")
    bulk.write(
        Community.__tablename__,
        columns,
        [
            (i, r["subdistrict"], r["name"], r["population"], r["households"], batch_id)
            for i, r in enumerate(rows, start=1)
        ],
    )
    return ids


def load_city(
    engine: Engine,
    *,
    scale: CityScale = CITY,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace the database content with the city data set as it stands on ``today``."""
    today = today or dt.date.today()
    if progress is not None:
        progress(0, 1, "生成城市规模示例数据")
    return write_city(engine, build_city(scale, today), scale, today, progress)


__all__ = [
    "CITY",
    "TINY",
    "CityData",
    "CityScale",
    "ServiceChunk",
    "build_city",
    "city_specs",
    "draw_volunteers",
    "load_city",
    "month_quotas",
    "service_chunks",
    "small_tables",
    "write_city",
]
