#!/usr/bin/env bash
# The whole check, from a fresh Debian 12 machine to a verdict:
#   Debian packages (Chromium, CJK fonts, PostgreSQL) -> Python requirements -> PostgreSQL on
#   127.0.0.1 -> ruff -> pytest over everything, real-browser tests included.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k census -x`).
# Never downloads a browser: Playwright drives Debian's /usr/bin/chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

START=$SECONDS
step_start=""
# Announce a step, after printing how long the previous one took.
step() {
  [ -z "$step_start" ] || echo "    ($((SECONDS - step_start)) 秒)"
  step_start=$SECONDS
  echo "==> $*"
}

step "Debian 软件包 (chromium fonts-noto-cjk postgresql poppler-utils libreoffice-writer-nogui git nginx)"
ensure_debs chromium fonts-noto-cjk postgresql poppler-utils libreoffice-writer-nogui git nginx

step "Python 依赖 (requirements-dev.txt)"
pick_python "$ROOT"
pip_install requirements-dev.txt
echo "    $("$PY" --version) at $PY"

step "PostgreSQL"
if [ -z "${TEST_PG_URL:-}" ]; then
  TEST_PG_URL="$(bash scripts/pg.sh)"
fi
export TEST_PG_URL
echo "    TEST_PG_URL=$TEST_PG_URL"

failed=()

step "ruff check / ruff format --check"
"$PY" -m ruff check --output-format concise . || failed+=("ruff check")
"$PY" -m ruff format --check --output-format concise . || failed+=("ruff format --check (运行 ruff format 修正)")

step "pytest"
mkdir -p tests/artifacts
# One worker per core (pytest-xdist); PYTEST_WORKERS=0 runs in one process.
WORKERS="${PYTEST_WORKERS:-$(nproc)}"
set +e
"$PY" -m pytest -q -rfEs -n "$WORKERS" --dist loadfile --junitxml=tests/artifacts/junit.xml "$@"
rc=$?
set -e
case $rc in
  0) ;;
  5) failed+=("pytest: 没有收集到任何测试") ;;
  *) failed+=("pytest (退出码 $rc; 详情见上方, 报告 tests/artifacts/junit.xml)") ;;
esac

step "完成"
echo "    总耗时 $((SECONDS - START)) 秒"
if [ ${#failed[@]} -gt 0 ]; then
  printf '失败: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "全部通过"
