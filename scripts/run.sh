#!/usr/bin/env bash
# Start the dashboard: installs requirements.txt, then serves http://localhost:8501.
# Extra arguments go to `streamlit run` (e.g. --server.port 8600).
# The database is DATABASE_URL (default: the embedded SQLite demo in data/dashboard.db).
# Every step says what it does: a first install takes a minute or two and must not look hung.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

echo "==> [1/3] 检查 Python 环境……"
pick_python "$ROOT"
echo "    使用 $("$PY" --version 2>&1)（$PY）"
echo "==> [2/3] 检查并安装依赖（requirements.txt；首次安装约需 1—2 分钟，下面逐个显示）……"
# Not -q: each "Collecting …" / "Installing collected packages" line shows how far it got;
# the "already satisfied" lines of a later start are left out.
# pipefail: a failing pip stops the script; grep finding nothing to print does not.
"$PY" -m pip install --disable-pip-version-check --root-user-action=ignore \
  --progress-bar on -r requirements.txt | { grep -v "^Requirement already satisfied" || true; }
echo "==> [3/3] 启动看板：http://localhost:8501"
echo "    首次启动会建库并载入演示数据（约 15 秒，进度显示在下方，页面上也有提示）。按 Ctrl+C 停止。"
exec "$PY" -m streamlit run dashboard.py \
  --server.headless true --browser.gatherUsageStats false "$@"
