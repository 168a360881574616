#!/usr/bin/env bash
# Start the dashboard: installs requirements.txt, then serves http://localhost:8501.
# Extra arguments go to `streamlit run` (e.g. --server.port 8600).
# The database is DATABASE_URL (default: the embedded SQLite demo in data/dashboard.db).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

pick_python "$ROOT"
pip_install requirements.txt
exec "$PY" -m streamlit run dashboard.py \
  --server.headless true --browser.gatherUsageStats false "$@"
