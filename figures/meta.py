"""Lists the filters offer (subdistricts, communities, categories) and the data's own dates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, func, select

from figures.area_helpers import as_date, connected, month_end
from figures.scope import Scope
from storage import rollups
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    ImportBatch,
    LivelihoodProject,
    RuleSetting,
    ServiceRecord,
)


def list_subdistricts(engine: Engine | Connection) -> list[str]:
    """Every subdistrict that has a community, sorted."""
    query = select(Community.subdistrict).distinct().order_by(Community.subdistrict)
    with connected(engine) as conn:
        return list(conn.execute(query).scalars())


def list_communities(engine: Engine | Connection, subdistrict: str | None = None) -> list[str]:
    """Community names, limited to one subdistrict when given, sorted."""
    query = select(Community.name).distinct().order_by(Community.name)
    if subdistrict:
        query = query.where(Community.subdistrict == subdistrict)
    with connected(engine) as conn:
        return list(conn.execute(query).scalars())


def data_version(engine: Engine | Connection) -> int:
    """Changes whenever an import is committed or the rules change: part of every cache key.

    Both ids only grow (a rule change appends a ``rule_setting`` row), so their sum moves on
    either and a cached result judged under the old rules is never shown again.
    """
    imports = select(func.coalesce(func.max(ImportBatch.id), 0)).scalar_subquery()
    rules = select(func.coalesce(func.max(RuleSetting.id), 0)).scalar_subquery()
    with connected(engine) as conn:
        return int(conn.execute(select(imports + rules)).scalar_one())


def _newest_service_day(scope: Scope):  # type: ignore[no-untyped-def]
    """The newest 志愿服务 day of the scope up to the as-of date. The whole city: one step back
    through the records' date index. A community scope: the daily rollup (a row for every day
    and community with a record), one seek per community through its (community, day) index,
    so ``service_record`` needs no index of its own by community (0013)."""
    as_of = scope.as_of
    if scope.community_ids() is None:
        return select(func.max(ServiceRecord.service_date)).where(
            ServiceRecord.service_date <= as_of
        )
    daily = rollups.service_daily
    return select(func.max(daily.c.service_date)).where(
        scope.community_clause(daily.c.community_id), daily.c.service_date <= as_of
    )


def latest_data_date(engine: Engine | Connection, scope: Scope) -> dt.date | None:
    """数据截至: the newest date of any fact in scope, not after the as-of date.

    One statement (each part an index lookup): every page's caption asks it for its scope, so
    it is one round trip per view, not four.
    """
    as_of = scope.as_of
    newest = select(
        _newest_service_day(scope).scalar_subquery(),
        select(func.max(CensusProgress.day))
        .where(scope.community_clause(CensusProgress.community_id), CensusProgress.day <= as_of)
        .scalar_subquery(),
        select(func.max(LivelihoodProject.completed_on))
        .where(
            scope.community_clause(LivelihoodProject.community_id),
            LivelihoodProject.completed_on <= as_of,
        )
        .scalar_subquery(),
        select(FiscalMonthly.year * 100 + FiscalMonthly.month)
        .where(
            scope.subdistrict_clause(FiscalMonthly.subdistrict),
            FiscalMonthly.year * 100 + FiscalMonthly.month <= as_of.year * 100 + as_of.month,
        )
        .order_by(FiscalMonthly.year.desc(), FiscalMonthly.month.desc())
        .limit(1)
        .scalar_subquery(),
    )
    with connected(engine) as conn:
        *facts, month = conn.execute(newest).one()
    dates = [as_date(d) for d in facts if d is not None]
    if month is not None:
        year, month_of_year = divmod(int(month), 100)
        dates.append(min(month_end(year, month_of_year), as_of))
    return max(dates) if dates else None


__all__ = [
    "data_version",
    "latest_data_date",
    "list_communities",
    "list_subdistricts",
]
