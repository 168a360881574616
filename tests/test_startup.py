"""Start-up costs only what it needs (issue 11): ``manage.py report`` on a database that is already
migrated imports neither Alembic nor the sending stack (the channels, pandas, the PDF writer) nor
the page libraries, and the schema check finds the newest migration without Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from conftest import REPO_ROOT

from storage.db import MIGRATIONS_DIR, head_revision, make_engine, migrate

NOT_NEEDED_FOR_A_JSON_REPORT = (
    "alembic",
    "pandas",
    "fpdf",
    "openpyxl",
    "xlsxwriter",
    "docx",
    "streamlit",
    "altair",
    # The sending stack (push, alerts: ssl contexts, smtplib, email): options declared without it.
    "reporting.channels",
    "smtplib",
    # The league and its judgements: the report does not rank communities.
    "figures.league",
    "figures.judged",
)


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_report_on_a_migrated_database_imports_only_what_it_needs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    code = (
        "import sys, manage\n"
        "manage.main(['report', '--as-of', '2026-06-30', '--format', 'json',"
        f" '--output', {str(tmp_path / 'r.json')!r}])\n"
        f"print(sorted(m for m in {NOT_NEEDED_FOR_A_JSON_REPORT!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "r.json").read_text("utf-8").startswith("{")


def test_the_weekly_page_modules_leave_the_pdf_library_until_a_pdf_is_built() -> None:
    """/weekly imports ``reporting.pdf`` on every visit; fpdf (0.5–1.8 s) waits for 下载 PDF."""
    code = (
        "import sys\nimport ui.weekly_model, reporting.pdf\n"
        "print('fpdf' in sys.modules)\n"
        "reporting.pdf._weekly_pdf_class()\nprint('fpdf' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]
