"""Warm a freshly started app process: ``python deploy/warm.py http://127.0.0.1:8501 [...]``.

Waits until each process answers ``/_stcore/health`` and runs every page once in one
browser-like session (``deploy/session.py``), so the imports, the engine with its schema check
and the first queries of the default views are paid before the first visitor arrives
(``ExecStartPost`` of ``deploy/systemd/dashboard@.service``). Exit code 1 when a process does
not answer or a page shows an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.cluster import WARM_PAGES, wait_until_healthy, warm  # noqa: E402


def main(urls: list[str]) -> int:
    for url in urls:
        try:
            wait_until_healthy(url, None, url)
            seconds, exceptions = warm([url])[0]
        except (OSError, RuntimeError, TimeoutError) as error:
            print(f"{url}：预热失败（{error}）", file=sys.stderr)
            return 1
        print(f"{url}：已预热，{len(WARM_PAGES)} 个页面共 {seconds:.2f} 秒")
        if exceptions:
            print(f"{url}：页面显示了 {exceptions} 处错误", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
