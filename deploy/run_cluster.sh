#!/usr/bin/env bash
# Local trial of the multi-process deployment (README, "多进程部署"): nginx on 127.0.0.1:8500 in
# front of 2 Streamlit processes (127.0.0.1:8501, 8502), all on one PostgreSQL.
#   DATABASE_URL=postgresql+psycopg://用户@127.0.0.1:5432/库名 bash deploy/run_cluster.sh
#   bash deploy/run_cluster.sh --processes 3 --port 8600 --first-app-port 8601
# Installs Debian's nginx when missing (its system service is not started or changed).
# Extra arguments go to deploy/cluster.py; Ctrl-C stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

ensure_debs nginx
pick_python "$ROOT"
exec "$PY" deploy/cluster.py "$@"
