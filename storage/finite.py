"""Finite numbers only: find inf/nan in any computed result and refuse to pass it on.

Amounts are floats. On SQLite a sum past the float range (two 当月金额 of 1e308) is ``inf``
and ``inf / inf`` is ``nan``, where PostgreSQL raises an overflow error. Neither may reach a
person: JSON has no such numbers, Markdown would print "inf", the xlsx writer refuses them.
``require_finite`` turns them into the same problem as PostgreSQL's overflow
(``FigureOutOfRange``, worded by ``storage.dberrors``), so both databases behave alike.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Callable
from itertools import chain, compress
from typing import Any

from storage.dberrors import FigureOutOfRange

MAX_DEPTH = 8


def _frame_paths(value: Any, path: str, nan: bool) -> list[str]:
    """Numeric columns of a pandas DataFrame (or a numeric Series) holding inf (or nan)."""
    import numpy as np
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if hasattr(value, "columns"):
        columns = [(f"{path}[{c}]", value[c]) for c in value.columns]
    else:
        columns = [(path or ".", value)]
    found = []
    for name, column in columns:
        if getattr(column, "ndim", 1) != 1:  # a duplicated column name: a frame, look inside
            found += _frame_paths(column, name, nan)
            continue
        if not is_numeric_dtype(column.dtype) or is_bool_dtype(column.dtype) or not column.size:
            continue
        array = column.to_numpy(dtype=float, na_value=np.nan)
        if (~np.isfinite(array) if nan else np.isinf(array)).any():
            found.append(name)
    return found


def non_finite_paths(value: Any, *, nan: bool = True, path: str = "", depth: int = 0) -> list[str]:
    """Where ``value`` holds inf (and nan when ``nan``): floats, dataclasses, dicts, lists,
    tuples and pandas objects are searched; anything else is left alone."""
    if depth > MAX_DEPTH or value is None or isinstance(value, bool | int | str):
        return []
    if isinstance(value, float):
        bad = math.isinf(value) or (nan and math.isnan(value))
        return [path or "."] if bad else []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    elif isinstance(value, dict):
        items = ((str(key), item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"[{i}]", item) for i, item in enumerate(value))
    elif hasattr(value, "dtypes") or type(value).__name__ == "Series":
        return _frame_paths(value, path, nan)
    else:
        return []
    found: list[str] = []
    for key, item in items:
        child = f"{path}{key}" if key.startswith("[") or not path else f"{path}.{key}"
        found += non_finite_paths(item, nan=nan, path=child, depth=depth + 1)
    return found


_PLAIN = (type(None), bool, int, str)


def _children(value: Any) -> Any:
    """The values inside a container ``non_finite_paths`` searches, or None for a leaf."""
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, list | tuple):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return field_reader(type(value))[1](value)
    return None


@functools.cache
def field_reader(kind: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """A dataclass's field names and a reader of their values in one C call (asked of
    thousands of rows: here, and by ``figures.report.plain``)."""
    names = tuple(f.name for f in dataclasses.fields(kind))
    if not names:
        return names, lambda _: ()
    getter = operator.attrgetter(*names)
    return names, getter if len(names) > 1 else lambda value: (getter(value),)


def _all_finite(value: Any, nan: bool, depth: int = 0) -> bool:
    """Whether ``non_finite_paths`` would find nothing, without naming paths: scalars are
    checked in the loop (no call per number), so a city's 2,000 rows cost milliseconds."""
    if isinstance(value, float):
        return not (math.isinf(value) or (nan and math.isnan(value)))
    children = _children(value)
    if children is None:
        return isinstance(value, _PLAIN) or not non_finite_paths(value, nan=nan, depth=depth)
    if depth >= MAX_DEPTH:
        return True
    if type(children) in (list, tuple) and len(children) >= ROWS_AT_ONCE:
        cells = _row_cells(children)
        if cells is not None:  # rows of one kind: their cells checked in one go
            return depth + 1 >= MAX_DEPTH or _cells_finite(cells, nan, depth + 2)
    return _cells_finite(children, nan, depth + 1)


# From this many items on, a list of rows of one kind (a city's 2,000 communities) is checked
# cell by cell in one pass, not row by row (a call per row cost 11 ms a league, issue 11).
ROWS_AT_ONCE = 16


def dataclass_rows(items: list | tuple) -> tuple[tuple[str, ...], list[tuple[Any, ...]]] | None:
    """The field names and every item's values when ``items`` are all instances of one
    dataclass (a city's 2,000 ``by_community`` rows, read in one C pass each); None otherwise.
    Here and in ``figures.report.plain``."""
    kinds = set(map(type, items))
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if not dataclasses.is_dataclass(kind):
        return None
    names, getter = field_reader(kind)
    return names, list(map(getter, items))


def _row_cells(rows: list | tuple) -> list[Any] | None:
    """Every cell of ``rows`` in one list when they are all dicts or all instances of one
    dataclass; None otherwise."""
    if set(map(type, rows)) == {dict}:
        return list(chain.from_iterable(map(dict.values, rows)))
    table = dataclass_rows(rows)
    return None if table is None else list(chain.from_iterable(table[1]))


def _cells_finite(cells: Any, nan: bool, depth: int) -> bool:
    """Whether the values of a container are finite: floats picked and tested at C speed
    (``map``, ``compress``), anything else but plain scalars looked into (``depth``: that of
    the values' own contents)."""
    cells = cells if type(cells) is list else list(cells)
    kinds = set(map(type, cells))
    if float in kinds:
        floats = list(compress(cells, map(_IS_FLOAT, map(type, cells))))
        if any(map(math.isinf, floats)) or (nan and any(map(math.isnan, floats))):
            return False
    inside = kinds.difference(_PLAIN, (float,))
    return not inside or all(
        _all_finite(cell, nan, depth) for cell in cells if type(cell) in inside
    )


_IS_FLOAT = functools.partial(operator.is_, float)


def require_finite(value: Any, *, nan: bool = True) -> Any:
    """``value`` itself when every number in it is finite; ``FigureOutOfRange`` otherwise.

    ``nan=False`` lets nan through (pandas uses it for "no value"), still refusing inf.
    """
    if _all_finite(value, nan):
        return value
    found = non_finite_paths(value, nan=nan)
    if found:
        raise FigureOutOfRange(", ".join(found[:20]))
    return value
