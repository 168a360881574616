"""A tiny row writer for the report tests: hand-built rows, no importer, no demo data.

Each method inserts one row with SQLAlchemy Core and fills the columns a test does not care
about with harmless defaults, so a test states only what its behaviour depends on.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Engine, insert

from storage import rollups
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)


class Rows:
    """Insert communities, projects, fiscal, census and volunteer rows into one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._community_ids: dict[tuple[str, str], int] = {}
        self._volunteer_ids: dict[str, int] = {}
        self._serial = itertools.count(1)

    def _insert(self, table, **values) -> int:  # type: ignore[no-untyped-def]
        with self.engine.begin() as connection:
            result = connection.execute(insert(table).returning(table.id), values)
            return int(result.scalar_one())

    def community(self, subdistrict: str, name: str) -> int:
        """The id of the community, created on first use."""
        key = (subdistrict, name)
        if key not in self._community_ids:
            self._community_ids[key] = self._insert(
                Community, subdistrict=subdistrict, name=name, population=1000, households=400
            )
        return self._community_ids[key]

    def project(
        self,
        place: tuple[str, str],
        status: str,
        planned_on: dt.date,
        completed_on: dt.date | None = None,
        year: int | None = None,
    ) -> None:
        """A 民生实事 project of ``year`` (default: the plan date's year)."""
        self._insert(
            LivelihoodProject,
            code=f"P{next(self._serial):05d}",
            community_id=self.community(*place),
            name="项目",
            category="便民服务",
            year=year or planned_on.year,
            planned_on=planned_on,
            status=status,
            completed_on=completed_on,
            investment=10.0,
            beneficiary_households=5,
        )

    def fiscal(self, subdistrict: str, year: int, month: int, item: str, amount: float) -> None:
        """A month's own amount (万元) of one 科目 (with the rollups refreshed, as every writer
        does)."""
        self._insert(
            FiscalMonthly, subdistrict=subdistrict, year=year, month=month, item=item, amount=amount
        )
        self._refresh(FiscalMonthly, {"subdistrict": subdistrict, "year": year})

    def _refresh(self, model, row: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
        with self.engine.begin() as connection:
            rollups.refresh_figures(connection, model.__tablename__, [row])

    def target(self, subdistrict: str, year: int, item: str, target: float) -> None:
        """The annual target (万元) of one 科目."""
        self._insert(FiscalTarget, subdistrict=subdistrict, year=year, item=item, target=target)

    def census(
        self,
        campaign: str,
        place: tuple[str, str],
        day: dt.date,
        expected: int,
        households: int,
        persons: int | None = None,
    ) -> None:
        """A cumulative census progress row of one community on one day."""
        self._insert(
            CensusProgress,
            campaign=campaign,
            community_id=self.community(*place),
            day=day,
            expected_households=expected,
            registered_households=households,
            registered_persons=persons if persons is not None else households * 2,
        )
        self._refresh(CensusProgress, {"campaign": campaign})

    def volunteer(self, code: str, place: tuple[str, str], registered_on: dt.date) -> None:
        """A volunteer of the community, registered on the date, with the registration
        rollups refreshed as every writer does."""
        community_id = self.community(*place)
        self._volunteer_ids[code] = self._insert(
            Volunteer,
            code=code,
            community_id=community_id,
            registered_on=registered_on,
            gender="女",
            birth_year=1980,
        )
        with self.engine.begin() as connection:
            rollups.refresh_registrations(connection, [community_id])

    def service(self, code: str, place: tuple[str, str], day: dt.date, hours: float) -> None:
        """One service record of volunteer ``code`` in the community (record's community),
        with the rollups refreshed as every writer does."""
        community_id = self.community(*place)
        self._insert(
            ServiceRecord,
            code=f"R{next(self._serial):05d}",
            volunteer_id=self._volunteer_ids[code],
            activity_name="活动",
            activity_type="环境整治",
            service_date=day,
            hours=hours,
            community_id=community_id,
        )
        with self.engine.begin() as connection:
            rollups.refresh_service(connection, [(day, community_id, self._volunteer_ids[code])])
