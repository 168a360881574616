"""Checks a reviewer makes first: lint, layering (pages vs. data layer), HTML safety, git hygiene."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".ruff_cache", ".pytest_cache"}
# SQL in a page file: the keywords as SQL is written, and the ways to reach a database directly.
SQL_IN_PAGE = re.compile(
    r"\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|GROUP\s+BY|ORDER\s+BY|"
    r"JOIN\s|WHERE\s)|(?<![.\w])text\(|\bselect\(|read_sql|sqlite3|psycopg"
)


def _python_files(*parts: str) -> list[Path]:
    """The repository's own .py files under ``parts`` (whole repository when empty)."""
    base = REPO_ROOT.joinpath(*parts)
    return sorted(
        path
        for path in base.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(REPO_ROOT).parts)
        and "benchmarks/data" not in path.relative_to(REPO_ROOT).as_posix()
    )


def _imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (``import a.b`` and ``from a import``)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _non_literal_unsafe_html_calls(path: Path) -> list[int]:
    """Line numbers of calls with ``unsafe_allow_html=True`` whose markup is not a plain literal.

    A string literal (or a concatenation of literals) is written by us; anything else (a name,
    an f-string, a call) may carry text from data or a user into the page's HTML.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        unsafe = any(
            kw.arg == "unsafe_allow_html"
            and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
            for kw in node.keywords
        )
        markup = [*node.args, *(kw.value for kw in node.keywords if kw.arg == "body")]
        if unsafe and not all(_is_literal_text(arg) for arg in markup):
            lines.append(node.lineno)
    return lines


def _is_literal_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal_text(node.left) and _is_literal_text(node.right)
    return False


def test_ruff_check_passes() -> None:
    """`ruff check` reports nothing on the repository."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_views_folder_holds_the_pages() -> None:
    """Pages live in views/ (a pages/ folder triggers Streamlit's old multipage mode)."""
    assert _python_files("views"), "views/ 下没有页面文件"
    assert not (REPO_ROOT / "pages").exists(), "pages/ 会让 Streamlit 首次访问子页面时进入旧模式"


def test_views_never_touch_the_database() -> None:
    """No page file imports SQLAlchemy or a driver, or contains SQL: pages read through the data layer."""
    offenders = []
    for path in _python_files("views"):
        source = path.read_text(encoding="utf-8")
        if {"sqlalchemy", "sqlite3", "psycopg"} & _imported_modules(path):
            offenders.append(f"{path.name}: imports a database module")
        offenders += [f"{path.name}: {m.group(0)!r}" for m in SQL_IN_PAGE.finditer(source)]
    assert not offenders


def test_views_do_not_patch_sys_path() -> None:
    """Pages import project modules normally; no sys.path manipulation."""
    offenders = [
        path.name for path in _python_files("views") if "sys.path" in path.read_text("utf-8")
    ]
    assert not offenders


DATA_LAYER = ("figures", "storage", "ingest", "administration", "demo")


def test_data_layer_never_imports_streamlit() -> None:
    """The data layer works without Streamlit (CLI, tests, reports)."""
    for package in DATA_LAYER:
        assert _python_files(package), f"{package}/ 下没有模块"
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for package in DATA_LAYER
        for path in _python_files(package)
        if "streamlit" in _imported_modules(path)
    ]
    assert not offenders


def test_unsafe_html_only_with_literal_markup() -> None:
    """Outside tests, `unsafe_allow_html=True` is only ever given string literals."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path in _python_files()
        if "tests" not in path.relative_to(REPO_ROOT).parts
        for line in _non_literal_unsafe_html_calls(path)
    ]
    assert not offenders


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('st.markdown("<b>固定</b>", unsafe_allow_html=True)', False),
        ('st.markdown("<b>" + "固定</b>", unsafe_allow_html=True)', False),
        ("st.markdown(name, unsafe_allow_html=True)", True),
        ('st.markdown(f"<b>{name}</b>", unsafe_allow_html=True)', True),
        ('st.markdown("<b>" + name, unsafe_allow_html=True)', True),
        ("st.markdown(name, unsafe_allow_html=False)", False),
        ("st.markdown(name, unsafe_allow_html=flag)", True),
        ("st.markdown(body=name, unsafe_allow_html=True)", True),
    ],
)
def test_unsafe_html_check_tells_literal_from_data(
    tmp_path: Path, source: str, flagged: bool
) -> None:
    """The HTML check flags markup built from variables and lets plain literals through."""
    path = tmp_path / "page.py"
    path.write_text(source, encoding="utf-8")
    assert bool(_non_literal_unsafe_html_calls(path)) is flagged


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_database_file_is_ignored_by_git() -> None:
    """data/dashboard.db (created on first start) can never be committed."""
    result = subprocess.run(
        ["git", "check-ignore", "-q", "data/dashboard.db"], cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0


def test_scripts_never_download_a_browser() -> None:
    """Tests use Debian's Chromium; `playwright install` would download one from the internet."""
    scripts = [*REPO_ROOT.joinpath("scripts").glob("*.sh"), REPO_ROOT / ".ci" / "run"]
    offenders = [p.name for p in scripts if "playwright install" in p.read_text("utf-8")]
    assert not offenders


@pytest.mark.parametrize(
    "script",
    ["scripts/test.sh", "scripts/run.sh", "scripts/pg.sh", ".ci/run", "deploy/run_cluster.sh"],
)
def test_shell_script_parses(script: str) -> None:
    """Each shell script the README or CI runs is valid bash."""
    result = subprocess.run(["bash", "-n", script], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
