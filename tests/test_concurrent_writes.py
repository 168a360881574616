"""Two imports at once take turns: both succeed, nothing is half-written or lost."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from ingest.importer import import_files
from storage.db import make_engine
from storage.models import ServiceRecord, Volunteer

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
VALID = ["communities.csv", "volunteers.csv", "service_records.csv", "census.csv"]


def _files() -> list[tuple[str, bytes]]:
    return [(name, (SAMPLES / name).read_bytes()) for name in VALID]


def test_concurrent_imports_of_the_same_files_all_succeed(db_url):
    """Three simultaneous uploads of the same new rows: all succeed, rows are not doubled."""
    outcomes: list[object] = []

    def upload() -> None:
        engine = make_engine(db_url)
        try:
            outcomes.append(import_files(engine, _files()).ok)
        except Exception as error:  # the failure mode this test guards against
            outcomes.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=upload) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == [True, True, True]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        volunteers = conn.execute(select(func.count()).select_from(Volunteer)).scalar_one()
        records = conn.execute(select(func.count()).select_from(ServiceRecord)).scalar_one()
    engine.dispose()
    expected_volunteers = (SAMPLES / "volunteers.csv").read_bytes().count(b"\n") - 1
    assert volunteers == expected_volunteers
    assert records > 0
