"""The one door from pages to ``queries``: a cached engine and cached query results.

``fetch(fn, scope, *args)`` runs a ``queries`` function with the app's engine and caches the
result keyed on the function, the database URL, the data version (bumped by every import) and
the plain filter values, so the same view never queries twice and an import is seen at once.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from queries import meta
from queries.db import database_url, ensure_ready, make_engine
from queries.scope import Scope

T = TypeVar("T")
CACHE_TTL_SECONDS = 600


@st.cache_resource(show_spinner="正在准备数据库（首次启动时建库并载入演示数据，约需 15 秒）…")
def _engine_for(url: str) -> Engine:
    """Engine for ``url``, migrated, filled with demo data when brand new."""
    engine = make_engine(url)
    ensure_ready(engine)
    return engine


def engine() -> Engine:
    """The app's engine for the configured ``DATABASE_URL``."""
    return _engine_for(database_url())


@st.cache_data(ttl=5, show_spinner=False)
def _data_version(url: str, _tick: int) -> int:
    return meta.data_version(_engine_for(url))


def data_version() -> int:
    """The current import generation (checked at most every few seconds)."""
    return _data_version(database_url(), int(time.time() // 5))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _cached_call(
    module: str, name: str, url: str, version: int, scope: Scope | None, args: tuple
) -> Any:
    fn = getattr(importlib.import_module(module), name)
    if scope is None:
        return fn(_engine_for(url), *args)
    return fn(_engine_for(url), scope, *args)


def fetch(fn: Callable[..., T], scope: Scope | None, *args: Any) -> T:
    """``fn(engine, scope, *args)`` through the cache; ``args`` must be hashable values."""
    return _cached_call(fn.__module__, fn.__name__, database_url(), data_version(), scope, args)


def clear_caches() -> None:
    """After a write (import, correction): drop cached results so pages show the new data."""
    _cached_call.clear()
    _data_version.clear()
