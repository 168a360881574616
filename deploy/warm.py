"""Warm a freshly started app process: ``python deploy/warm.py http://127.0.0.1:8501 [...]``.

Waits until each process answers ``/_stcore/health`` and runs the front page once in a
browser-like session (``deploy/session.py``), so the imports, the engine with its schema check
and the first queries are paid before the first visitor arrives (``ExecStartPost`` of
``deploy/systemd/dashboard@.service``). Exit code 1 when a process does not answer or the page
shows an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.cluster import wait_until_healthy  # noqa: E402


def main(urls: list[str]) -> int:
    import asyncio

    from deploy.session import one_page

    for url in urls:
        try:
            wait_until_healthy(url, None, url)
            run = asyncio.run(one_page(url))
        except (OSError, RuntimeError, TimeoutError) as error:
            print(f"{url}：预热失败（{error}）", file=sys.stderr)
            return 1
        print(f"{url}：已预热，首页 {run.seconds:.2f} 秒")
        if run.exceptions:
            print(f"{url}：首页显示了 {run.exceptions} 处错误", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
