#!/usr/bin/env bash
# Start a throw-away PostgreSQL server from Debian's packages on 127.0.0.1 for the tests.
# Prints the admin URL on stdout. Idempotent: reuses a running server on the same port.
set -euo pipefail
PORT="${PGPORT_TEST:-54329}"
PGDATA_DIR="${PGDATA_TEST:-/tmp/dashboard-pgdata}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if ! as_postgres "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; then
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$PGDATA_DIR"
    as_postgres "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  start_server() {
    as_postgres "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
      -o "-h 127.0.0.1 -p $PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1
  }
  # A server killed hard leaves postmaster.pid behind while its children exit: retry once.
  if ! start_server && ! { sleep 2; start_server; }; then
    echo "PostgreSQL did not start on port $PORT; end of $PGDATA_DIR/server.log:" >&2
    tail -n 20 "$PGDATA_DIR/server.log" >&2
    exit 1
  fi
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
