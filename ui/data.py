"""The one door from pages to the data layer (``figures``): a cached engine and cached query results.

``fetch(fn, scope, *args)`` runs a ``figures`` function with the app's engine and caches the
result keyed on the function, the database URL, the data version (bumped by every import) and
the plain filter values, so the same view never queries twice and an import is seen at once.

One connection per page run: ``dashboard.py`` runs every page inside ``one_connection_per_run``,
and every query of that run that misses the cache goes through one connection, opened on the
first miss and closed when the run ends. Each query's transaction ends as soon as it returns,
so a figure read after an import in the same run sees the import, and no read transaction is
held while the page draws.

What a page run reads besides its own figures: the data version, once, as the run's first
statement (it is also the health check: a database gone away is said, not hidden), and, once
per data version and process, the ``Directory`` (the filters' 街道/社区 lists and the rules in
force). A warm run with a known version sends the version check and its own statements only.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Connection, Engine
from streamlit.delta_generator import DeltaGenerator

from figures import meta
from figures.scope import Scope
from figures.status import Rules, load_rules
from ingest import templates
from storage import dberrors, health
from storage.db import SchemaNotAtHead, database_url, ensure_ready, make_engine, print_progress
from storage.finite import require_finite
from ui.urlstate import CommunityParam

T = TypeVar("T")
dberrors.log_to_stream()  # database failure details: the server log, never the page
CACHE_TTL_SECONDS = 600
RETRY_KEY = "db_retry"
SCREEN_WAITING_KEY = "screen_waiting_for_database"
SCREEN_RETRY_SECONDS = 10
SCREEN_MESSAGES = {
    dberrors.DOWN: "数据库暂时无法连接，正在重试",
    dberrors.TIMEOUT: "查询超时，正在重试",
    dberrors.BUSY: "数据正在更新，正在重试",
}
DATABASE_ERRORS = dberrors.DATABASE_ERRORS


def demo_progress_on_page(
    placeholder: DeltaGenerator, terminal: Callable[[int, int, str], None]
) -> Callable[[int, int, str], None]:
    """A demo-load ``progress`` callback that tells the terminal and draws a bar on the page.

    The first visit after a fresh install waits ~15 s on the demo build: the page says what is
    being done and how far along it is (issue 13), redrawn only when the percentage moves.
    """
    shown = {"percent": -1}

    def report(done: int, total: int, message: str) -> None:
        terminal(done, total, message)
        percent = min(100, done * 100 // total) if total else 100
        if percent != shown["percent"]:
            shown["percent"] = percent
            text = f"首次启动：正在载入演示数据（{message}），已完成 {percent}%"
            placeholder.progress(percent, text=text)

    return report


@st.cache_resource(show_spinner=False)  # its own words and bar below (a spinner hid the bar)
def _engine_for(url: str) -> Engine:
    """Engine for ``url``, migrated, filled with demo data when brand new."""
    engine = make_engine(url)
    placeholder = st.empty()
    placeholder.progress(0, text="正在准备数据库（首次启动时建库并载入演示数据，约需 15 秒）…")
    try:
        ensure_ready(engine, progress=demo_progress_on_page(placeholder, print_progress()))
    except SchemaNotAtHead as refusal:
        # DASHBOARD_NO_MIGRATE (a read-only measurement) and a schema behind this program: the
        # page says why in Chinese, and the run fails, so no tool measures an empty page.
        placeholder.error(str(refusal), icon=":material/block:")
        engine.dispose()
        raise
    placeholder.empty()
    return engine


def engine() -> Engine:
    """The app's engine for the configured ``DATABASE_URL``."""
    return _engine_for(database_url())


class _PageRun:
    """The page run's one connection, opened on the first query that misses the cache, and the
    data version it read (once per run)."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self.versions: dict[str, int] = {}
        # Query results this run already had, by cache key (see ``_call``).
        self.results: dict[str, Any] = {}

    def get(self, url: str) -> Connection:
        if url not in self._connections:
            self._connections[url] = _engine_for(url).connect()
        return self._connections[url]

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


_RUN: ContextVar[_PageRun | None] = ContextVar("dashboard_run_connection", default=None)


@contextmanager
def one_connection_per_run() -> Iterator[None]:
    """Around a page run: its queries share one connection (closed at the end of the run).

    Outside it (a fragment rerun, a button callback, a script) each query takes its own
    connection from the engine, as before.
    """
    run = _PageRun()
    token = _RUN.set(run)
    try:
        yield
    finally:
        _RUN.reset(token)
        run.close()


def connection() -> AbstractContextManager[Connection]:
    """The connection for a few queries (``with data.connection() as c``): see ``_source``."""
    return _source(database_url())


@contextmanager
def _source(url: str) -> Iterator[Connection]:
    """The run's connection (its transaction ended afterwards, even on failure, so PostgreSQL
    never keeps an aborted one) or, outside a run, a fresh one closed afterwards."""
    run = _RUN.get()
    if run is None:
        with _engine_for(url).connect() as fresh:
            yield fresh
        return
    shared = run.get(url)
    try:
        yield shared
    finally:
        shared.rollback()


def _read_data_version(url: str) -> int:
    with _source(url) as source:
        return meta.data_version(source)


@st.cache_data(ttl=5, show_spinner=False)
def _data_version(url: str, _tick: int) -> int:
    return _read_data_version(url)


def data_version() -> int:
    """The current import generation (bumped by every import, correction and rule change).

    In a page run it is read once, by the run's first query (``ping``), so a write made by any
    process is seen by the next run; outside a run (a fragment's rerun, a callback) at most
    every few seconds.
    """
    url = database_url()
    run = _RUN.get()
    if run is None:
        return _data_version(url, int(time.time() // 5))
    if url not in run.versions:
        run.versions[url] = _read_data_version(url)
    return run.versions[url]


def _key(*parts: Any) -> str:
    """A cache key for plain values (text, numbers, dates, tuples, frozen dataclasses such as
    ``Scope``, ``Query`` and ``Rules``): their ``repr``, complete for such values by design.

    Streamlit's own hashing copies every dataclass (``dataclasses.asdict``) and pickles every
    date of it: about 0.5 ms a cached read at city scale, 17–25 reads a page (issue 11).
    The values themselves are passed to the cached function unhashed (``_``-named), every
    argument by keyword (Streamlit inspects the signature for each positional one)."""
    return repr(parts)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _cached_call(
    key: str, module: str, name: str, url: str, _scope: Scope | None, _args: tuple
) -> Any:
    fn = getattr(importlib.import_module(module), name)
    arguments = _args if _scope is None else (_scope, *_args)
    with _source(url) as source:
        result = fn(source, *arguments)
    # A figure past the float range (SQLite's inf) is refused as on PostgreSQL, never shown.
    return require_finite(result, nan=False)


def _call(module: str, name: str, url: str, version: int, scope: Scope | None, args: tuple) -> Any:
    """A query result, read from the cache once per page run.

    On an uncached run several builds (and the page) take the same query: /overview's league
    feeds four builds, /weekly's report the page and its view. The first computes it, and each
    later one would unpickle Streamlit's stored copy (17 ms for the city's league, issue 11).
    Within a run they share the object instead: figures are frozen dataclasses, and neither
    builds nor pages change what they are given."""
    key = _key(module, name, url, version, scope, args)
    run = _RUN.get()
    if run is not None and key in run.results:
        return run.results[key]
    # By keyword: Streamlit looks up the signature for every positional argument of a call.
    result = _cached_call(key=key, module=module, name=name, url=url, _scope=scope, _args=args)
    if run is not None:
        run.results[key] = result
    return result


def fetch(fn: Callable[..., T], scope: Scope | None, *args: Any) -> T:
    """``fn(engine, scope, *args)`` through the cache; ``args`` must be hashable values."""
    return _call(fn.__module__, fn.__name__, database_url(), data_version(), scope, args)


@dataclass(frozen=True)
class Query:
    """One ``fetch`` written down (function and filter values), to be run later or cached on."""

    module: str
    name: str
    scope: Scope | None
    args: tuple


def query(fn: Callable[..., Any], scope: Scope | None, *args: Any) -> Query:
    """``fetch(fn, scope, *args)`` as a value, for ``built``."""
    return Query(fn.__module__, fn.__name__, scope, args)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=500)
def _cached_build(
    key: str, module: str, name: str, url: str, version: int, _queries: tuple, _options: tuple
) -> Any:
    build = getattr(importlib.import_module(module), name)
    results = [
        _call(q.module, q.name, url, version, q.scope, q.args) if isinstance(q, Query) else q
        for q in _queries
    ]
    return build(*results, **dict(_options))


def built(build: Callable[..., T], *queries: Query | Rules, **options: Any) -> T:
    """``build(fetch(q1), fetch(q2), …, **options)`` cached with the query results: the frames
    and charts a page draws from figures are made once per view and data version, not on every
    rerun (a widget click, a row selection). ``build`` must be a module-level function; an input
    that is a value already (the rules, ``rules_query``) is passed on as it is; ``options`` are
    plain hashable values (a date, a rate, a title) that are part of the key."""
    module, name, url, version = build.__module__, build.__name__, database_url(), data_version()
    settings = tuple(sorted(options.items()))
    key = _key(module, name, url, version, queries, settings)
    return _cached_build(
        key=key,
        module=module,
        name=name,
        url=url,
        version=version,
        _queries=queries,
        _options=settings,
    )


def rules_query() -> Rules:
    """The rules in force as an input of ``built`` (the value itself: see ``rules``)."""
    return rules()


@dataclass(frozen=True)
class Directory:
    """What every page run needs besides its own figures: the (街道, 社区) register the filters
    offer and the 红黄绿 rules in force. Read in one go, once per data version (an import, a
    correction or a rule change moves it), so no page run asks for them again."""

    communities: tuple[tuple[str, str], ...]
    rules: Rules

    @cached_property  # the Directory is shared (a cached resource): worked out once
    def subdistricts(self) -> tuple[str, ...]:
        """Every 街道 that has a community, in the register's (the database's) order."""
        return tuple(dict.fromkeys(subdistrict for subdistrict, _ in self.communities))

    @cached_property
    def _community_params(self) -> dict[str | None, CommunityParam]:
        return {}

    def community_param(self, subdistrict: str | None) -> CommunityParam:
        """The 社区 filter's options and labels within ``subdistrict`` (None: the whole city),
        worked out once per data version, not on every run (2,000 communities at city scale)."""
        params = self._community_params
        if subdistrict not in params:
            params[subdistrict] = CommunityParam(self.communities, subdistrict)
        return params[subdistrict]


# A resource, not data: the one frozen Directory is handed to every run as it is. As cached
# data it was unpickled on every read (2,000 communities, 3–4 reads a run).
@st.cache_resource(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=20)
def _directory(url: str, version: int) -> Directory:
    with _source(url) as source:
        communities = tuple(templates.list_community_keys(source))
        rules_in_force = load_rules(source)
    return Directory(communities, rules_in_force)


def directory() -> Directory:
    """The filters' lists and the rules in force for the current data version."""
    return _directory(database_url(), data_version())


def rules() -> Rules:
    """The 红黄绿 rules in force, read once per data version (a rule change moves it)."""
    return directory().rules


def clear_caches() -> None:
    """After a write (import, correction, rule change): drop cached results and the version
    this run read, so the rest of the run and every later one show the new data."""
    _cached_call.clear()
    _cached_build.clear()
    _directory.clear()
    _data_version.clear()
    run = _RUN.get()
    if run is not None:
        run.versions.clear()


def show_database_problem(error: BaseException, where: str = "page") -> dberrors.DatabaseProblem:
    """The Chinese message for a database failure and a 重试 button; details go to the log.

    Nothing is cached on failure (Streamlit caches only returned values), so the retry, or any
    later run, asks the database again and the page recovers once it answers.
    """
    problem = dberrors.describe(error, where)
    st.error(problem.message, icon=":material/cloud_off:")
    st.button("重试", key=RETRY_KEY, icon=":material/refresh:")
    return problem


@contextmanager
def database_guard(where: str = "page") -> Iterator[None]:
    """Around a page run: any database failure becomes ``show_database_problem``, never a
    traceback with the host, SQL or row values in it (issue 9)."""
    try:
        yield
    except DATABASE_ERRORS as error:
        show_database_problem(error, where)


def database_answers(where: str = "screen") -> bool:
    """Whether the database answers one ``SELECT 1`` now (a failure is logged, not shown)."""
    try:
        ping()
    except DATABASE_ERRORS as error:
        dberrors.describe(error, where)
        return False
    return True


def ping() -> None:
    """Ask the database whether it answers (raises when it is away): in a page run, the run's
    one data-version read is the question (one statement for both, asked once per run);
    outside a run one ``SELECT 1``."""
    if _RUN.get() is not None:
        data_version()
        return
    with connection() as source:
        health.ping(source)


def screen_problem_text(error: BaseException) -> str:
    """The big screen's one line for a failing database: it retries by itself, no button."""
    problem = dberrors.describe(error, "screen")
    return SCREEN_MESSAGES.get(problem.kind, problem.message)
