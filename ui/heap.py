"""What Python's cyclic garbage collector walks in a long-running server process.

A full collection (generation 2) walks every container object the process holds: after the
imports (Streamlit, pandas, NumPy, SQLAlchemy, Altair) some 200,000 of them, 75–450 ms a time
on the two-core server. A city-scale page run makes enough lasting objects (2,000 rows per
area) to set one off in most uncached runs (issue 11). What the imports made stays for the
life of the process, so it is moved out of the collector's sight (``gc.freeze``): a full
collection then walks only what page runs make. Objects are still freed as soon as nothing
refers to them; only a reference cycle among frozen objects would stay, and the freeze holds
only what was alive when modules had just been imported (modules, the engine, caches).
"""

from __future__ import annotations

import gc
import sys

_modules_frozen = 0  # how many modules were loaded at the last freeze


def freeze_what_imports_made() -> bool:
    """After a page run: when modules were imported since the last time (the first runs of a
    process, or of a page), collect once and freeze every object alive; else nothing (one
    ``len``). Returns whether it froze."""
    global _modules_frozen
    loaded = len(sys.modules)
    if loaded == _modules_frozen:
        return False
    _modules_frozen = loaded
    gc.collect()
    gc.freeze()
    return True
