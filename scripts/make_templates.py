"""Write the empty import templates, one ``.xlsx`` per table, to ``data/templates/``.

Run from the repository root: ``python scripts/make_templates.py``. The workbooks come from
``ingest.templates.template_xlsx``, the same function behind the template downloads at
``/data``, so the files here and the downloads can never differ (one code path). Without a
database there is no community list, so these files have the 状态 drop-down only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from ingest.parsing import TABLE_KINDS, TableKind  # noqa: E402
from ingest.templates import file_name, template_xlsx  # noqa: E402

TEMPLATES_DIR = REPO_ROOT / "data" / "templates"


def template_path(kind: TableKind, directory: Path = TEMPLATES_DIR) -> Path:
    """Where the template of ``kind`` lives: the Chinese table name, e.g. ``民生实事.xlsx``."""
    return directory / file_name(kind)


def write_template(kind: TableKind, path: Path) -> None:
    """The template of ``kind`` (headers, notes, 状态 drop-down, example row) at ``path``."""
    path.write_bytes(template_xlsx(kind))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成导入模板（每种表一个 .xlsx）")
    parser.add_argument("--output-dir", type=Path, default=TEMPLATES_DIR, help="输出目录")
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for kind in TABLE_KINDS:
        path = template_path(kind, args.output_dir)
        write_template(kind, path)
        print(f"已生成 {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
