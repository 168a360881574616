"""``manage.py import`` under attack (issue 9): audited, no escape sequences, no SQL in errors."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from test_import import (
    COMMUNITIES,
    COMMUNITY,
    PROJECT,
    run_cli,
    snapshot,
    table_file,
    write,
)

from administration import audit
from ingest import importer
from storage.db import make_engine


def actor() -> str:
    return f"命令行:{getpass.getuser()}"


def entries(db_url: str, action: str) -> list[audit.AuditEntry]:
    engine = make_engine(db_url)
    try:
        return audit.list_entries(engine, actions=[action])
    finally:
        engine.dispose()


def test_a_successful_command_line_import_is_audited(db_url, tmp_path):
    """Actor 命令行:<OS user>, file name, SHA-256 and the counts, as for an upload."""
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES))
    assert done.returncode == 0, done.stderr
    [entry] = entries(db_url, "import")
    assert (entry.username, entry.source_file, entry.rows) == (actor(), "社区名录.csv", 2)
    assert entry.file_hash == audit.sha256_hex(COMMUNITIES[1])
    assert "社区名录：新增 2" in entry.detail


def test_a_refused_command_line_import_is_audited(db_url, tmp_path):
    """A file with errors: exit 1, and one 导入被拒绝 entry per file with the reason."""
    bad = table_file("项目.csv", {**PROJECT, "状态": "?"})
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES), write(tmp_path, bad))
    assert done.returncode == 1
    refused = entries(db_url, "import_refused")
    assert sorted(e.source_file for e in refused) == ["社区名录.csv", "项目.csv"]
    assert all(e.username == actor() and "1 处错误" in e.detail for e in refused)
    assert {e.file_hash for e in refused} == {
        audit.sha256_hex(COMMUNITIES[1]),
        audit.sha256_hex(bad[1]),
    }
    assert entries(db_url, "import") == []


def test_escape_sequences_from_cells_and_names_are_shown_not_run(db_url, tmp_path):
    """ESC from a bad cell or a file name reaches the terminal as the text ``\\x1b``."""
    bad = table_file("坏\x1b[2J.csv", {**COMMUNITY, "常住人口": "\x1b]0;owned\x07\x1b[31m"})
    done = run_cli(db_url, "import", write(tmp_path, bad))
    assert done.returncode == 1
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert "\\x1b" in done.stderr and "坏\\x1b[2J.csv" in done.stderr


def test_errors_past_a_thousand_are_summarised_in_one_line(sqlite_engine, tmp_path):
    """1,200 bad rows: 1,000 error lines and 另有 200 处错误未列出."""
    rows = [{**COMMUNITY, "社区": f"社区{i}", "户数": "x"} for i in range(1200)]
    url = sqlite_engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "import", write(tmp_path, table_file("社区.csv", *rows)))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "导入失败：发现 1200 处错误，未写入任何数据。" in lines
    assert sum(line.startswith("文件 社区.csv，第") for line in lines) == 1000
    assert lines[-1] == "另有 200 处错误未列出"


def test_a_database_failure_mid_import_is_one_chinese_line_and_writes_nothing(
    db_url, tmp_path, monkeypatch, capsys
):
    """The database fails after rows were inserted: exit 1, no SQL or values, nothing kept."""
    import manage
    from storage.db import get_engine

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_engine.cache_clear()
    engine = make_engine(db_url)
    before = snapshot(engine)

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError(
            "UPDATE import_batch SET summary=%(summary)s", {"summary": "东门社区 8650"}, Exception()
        )

    monkeypatch.setattr(importer, "_finish_batches", fail)
    code = manage.main(["import", write(tmp_path, COMMUNITIES)])
    err = capsys.readouterr().err
    get_engine.cache_clear()
    assert code == 1
    assert "数据库出错" in err and "未写入任何数据" in err
    for leak in ("UPDATE", "import_batch", "8650", "Traceback", "东门社区"):
        assert leak not in err
    assert snapshot(engine) == before
    engine.dispose()


def test_a_missing_file_beside_a_readable_one_is_audited_as_refused(db_url, tmp_path):
    """``import 有.csv 没有.csv``: nothing imported, the readable file logged as refused."""
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES), str(Path(tmp_path) / "没有.csv"))
    assert done.returncode == 1
    [entry] = entries(db_url, "import_refused")
    assert entry.source_file == "社区名录.csv" and "找不到文件" in entry.detail


@pytest.mark.parametrize("text", ["plain", "a\x1bb", "\u202eevil", "\x00"])
def test_say_escapes_every_control_character(capsys, text):
    """``manage.say`` is the one way file content reaches the terminal."""
    import manage

    manage.say(text)
    out = capsys.readouterr().out
    assert out.rstrip("\n").isprintable()


def test_the_progress_line_escapes_a_file_name():
    """The progress line names the file: an ESC in the name is shown, not run."""
    import io

    import manage

    stream = io.StringIO()
    progress = manage.TerminalProgress(stream)
    progress(2500, 5000, "校验 坏\x1b[2J.csv")
    assert "\x1b" not in stream.getvalue() and "坏\\x1b[2J.csv" in stream.getvalue()
