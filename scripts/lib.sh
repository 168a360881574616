# Shared by scripts/run.sh and scripts/test.sh (sourced, not run).
# Picks the Python to use and installs Debian packages only when they are missing.

# Debian packages that are not installed yet, out of the ones named.
missing_debs() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || printf '%s ' "$pkg"
  done
}

# apt-get install the named packages that are missing; nothing (and no apt-get update) otherwise.
ensure_debs() {
  local missing sudo=""
  missing="$(missing_debs "$@")"
  [ -n "$missing" ] || return 0
  [ "$(id -u)" = "0" ] || sudo="sudo"
  echo "==> apt-get install $missing"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing >/dev/null
}

# True when pip may install into this interpreter (a virtualenv, or not marked by PEP 668).
_pip_allowed() {
  "$1" - <<'PY'
import os, sys, sysconfig
in_venv = sys.prefix != sys.base_prefix
marked = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if in_venv or not marked else 1)
PY
}

# Sets PY to the interpreter to use: $PYTHON, an active or existing .venv, a python3 pip may
# install into (pyenv, a container image), or else a new .venv beside the repository (Debian's
# own python3 refuses pip installs under PEP 668).
pick_python() {
  local root="$1"
  if [ -n "${PYTHON:-}" ]; then PY="$PYTHON"; return; fi
  if [ -n "${VIRTUAL_ENV:-}" ]; then PY="$VIRTUAL_ENV/bin/python"; return; fi
  if [ -x "$root/.venv/bin/python" ]; then PY="$root/.venv/bin/python"; return; fi
  if command -v python3 >/dev/null 2>&1 && _pip_allowed "$(command -v python3)"; then
    PY="$(command -v python3)"
    return
  fi
  ensure_debs python3 python3-venv
  echo "==> creating $root/.venv"
  python3 -m venv "$root/.venv"
  PY="$root/.venv/bin/python"
}

# pip install -r FILE, quietly; fast when everything is already satisfied.
pip_install() {
  "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$1"
}
