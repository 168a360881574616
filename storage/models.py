"""The schema: one table per kind of import file, plus where each row came from.

Every imported table carries ``batch_id`` so that a row can be traced back to the file
(and its hash) that last wrote it. Communities are referenced by id; the subdistrict name is
kept on the community (and on the fiscal tables, which are per subdistrict) so that a
subdistrict filter is one indexed lookup.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PROJECT_STATUSES: tuple[str, ...] = ("未启动", "推进中", "已完成", "已取消")
HEADLINE_FISCAL_ITEMS: tuple[str, ...] = ("一般公共预算收入", "税收收入")


class Base(DeclarativeBase):
    """Declarative base shared by every table (and by the Alembic migrations)."""


class ImportBatch(Base):
    """One import command or upload: which file, its hash, who and when."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_file: Mapped[str] = mapped_column(String(500))
    file_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(100), default="cli")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)


class Community(Base):
    """社区名录: a community of a subdistrict with its resident population."""

    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("subdistrict", "name", name="uq_community_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class LivelihoodProject(Base):
    """民生实事: one pledged project, keyed by 项目编号."""

    __tablename__ = "livelihood_project"
    __table_args__ = (
        # Every figure of a year reads only this index (migration 0012): the columns its
        # counts test, after the year and community a scope picks.
        Index(
            "ix_project_year_figures",
            "year",
            "community_id",
            "category",
            "status",
            "planned_on",
            "completed_on",
        ),
        Index("ix_project_category", "category"),  # the 类别 filter's options
        Index("ix_project_completed_on", "completed_on"),
        # The project list's per-community lookup of the year's rows, in 编号 order (0014);
        # it also serves every lookup by community (the foreign key's).
        Index("ix_project_community_year", "community_id", "year", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    investment: Mapped[float] = mapped_column(Float, default=0.0)  # 万元
    beneficiary_households: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class FiscalMonthly(Base):
    """财政收入: the month's own amount (当月数, 万元) of one 科目 in one subdistrict."""

    __tablename__ = "fiscal_monthly"
    __table_args__ = (
        UniqueConstraint("subdistrict", "year", "month", "item", name="uq_fiscal_key"),
        Index("ix_fiscal_year_month", "year", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    amount: Mapped[float] = mapped_column(Float)  # 万元
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class FiscalTarget(Base):
    """财政目标: the annual target (万元) of one 科目 in one subdistrict."""

    __tablename__ = "fiscal_target"
    __table_args__ = (UniqueConstraint("subdistrict", "year", "item", name="uq_fiscal_target_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    target: Mapped[float] = mapped_column(Float)  # 万元
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class CensusProgress(Base):
    """普查进度: cumulative registration of one community on one day of a campaign."""

    __tablename__ = "census_progress"
    __table_args__ = (
        UniqueConstraint("campaign", "community_id", "day", name="uq_census_key"),
        Index("ix_census_day", "day"),
        Index("ix_census_campaign_day", "campaign", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    expected_households: Mapped[int] = mapped_column(Integer)
    registered_households: Mapped[int] = mapped_column(Integer)
    registered_persons: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class Volunteer(Base):
    """志愿者: a registered volunteer. Only the code is shown on screen, never a name."""

    __tablename__ = "volunteer"
    __table_args__ = (Index("ix_volunteer_community_registered", "community_id", "registered_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    registered_on: Mapped[dt.date] = mapped_column(Date, index=True)
    gender: Mapped[str | None] = mapped_column(String(10), nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class ServiceRecord(Base):
    """志愿服务: one volunteer's service on one day (counted as one 人次)."""

    __tablename__ = "service_record"
    __table_args__ = (
        # Also serves lookups by volunteer alone (the foreign key): 0011 dropped the index of
        # volunteer_id by itself, as it dropped that of service_date (served by the next one).
        # No index by community (0013): a scope's figures and its data date read the rollups.
        Index("ix_service_volunteer_date", "volunteer_id", "service_date"),
        # Date-range figures read only this index (migration 0003, issue 6).
        Index("ix_service_date_covering", "service_date", "community_id", "volunteer_id", "hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    activity_name: Mapped[str] = mapped_column(String(300))
    activity_type: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class AlertSent(Base):
    """A red item already announced on one channel (``manage.py alerts`` sends each once).

    The row goes when the item is no longer red, so an item that turns red again is announced
    again. ``subdistrict`` limits that clean-up to the scope of the run.
    """

    __tablename__ = "alert_sent"
    __table_args__ = (UniqueConstraint("channel", "item_key", name="uq_alert_sent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(300))
    subdistrict: Mapped[str] = mapped_column(String(100), index=True)
    area: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RuleSetting(Base):
    """One saved version of the 红黄绿 rule set (``figures.status.Rules``); the newest row rules.

    Every change appends a row (who, when), so the id only grows: ``meta.data_version`` adds it
    to the import generation and every cached page result is recomputed under the new rules.
    """

    __tablename__ = "rule_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    yellow_points: Mapped[float] = mapped_column(Float)
    # 3 (红黄绿) or 5 (超前/正常/预警/滞后/严重滞后); the five-level thresholds are kept in
    # either mode (migration 0006 gave older rows the defaults).
    levels: Mapped[int] = mapped_column(Integer, server_default="3")
    ahead_points: Mapped[float] = mapped_column(Float, server_default="5")
    severe_points: Mapped[float] = mapped_column(Float, server_default="20")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
