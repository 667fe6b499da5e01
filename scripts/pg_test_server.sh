#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throw-away PostgreSQL server for the tests (tests/store/test_pg*.sh):
# initdb in a temporary directory, listening on 127.0.0.1 only, on a free
# port, run by an unprivileged user (initdb refuses root: as root the server
# runs as the `postgres` system user, via runuser).
#
#   scripts/pg_test_server.sh start DIR    # prints: PGPORT=... DSN=...
#   scripts/pg_test_server.sh stop DIR
#   scripts/pg_test_server.sh restart DIR  # stop (fast) and start again, same port
#   scripts/pg_test_server.sh crash DIR    # stop -m immediate (a crash: WAL not yet
#                                          # written is lost), start again
#   scripts/pg_test_server.sh check        # exit 0 when a server can be started
#
# The superuser is `ordo` with password `ordo-test` (scram-sha-256 over
# TCP); DSN names database `ordo`, created by start. fsync is off (a test
# server) unless PG_TEST_FSYNC=on. Exit 77 when the
# server binaries are missing (the tests then skip, saying so).
set -euo pipefail

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

BIN=$(find_bin) || { echo "pg_test_server: PostgreSQL server binaries not installed" \
  "(apt-get install postgresql, or scripts/deps.sh)" >&2; exit 77; }

RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg_test_server: running as root and no 'postgres' user to run the server" >&2
    exit 77
  fi
  RUNAS=(runuser -u postgres --)
fi

as_pg() { "${RUNAS[@]}" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd=${1:-}
dir=${2:-}
case "$cmd" in
  check) exit 0 ;;
  start)
    [ -n "$dir" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
    mkdir -p "$dir"
    [ ${#RUNAS[@]} -gt 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      printf 'ordo-test\n' >"$dir/pw"
      [ ${#RUNAS[@]} -gt 0 ] && chown postgres "$dir/pw"
      as_pg "$BIN/initdb" -D "$dir/data" -U ordo --pwfile="$dir/pw" --auth-local=trust \
        --auth-host=scram-sha-256 --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
      free_port >"$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${PG_TEST_FSYNC:-off} -c max_connections=100" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    # the database ordo (trust over the socket in DIR)
    as_pg "$BIN/psql" -h "$dir" -p "$port" -U ordo -d postgres -qAtc \
      "SELECT 1 FROM pg_database WHERE datname = 'ordo'" | grep -q 1 ||
      as_pg "$BIN/psql" -h "$dir" -p "$port" -U ordo -d postgres -qc "CREATE DATABASE ordo"
    echo "PGPORT=$port"
    echo "DSN=host=127.0.0.1 port=$port dbname=ordo user=ordo password=ordo-test"
    ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop \
      >/dev/null 2>&1 || true
    ;;
  restart)
    "$0" stop "$dir"
    "$0" start "$dir"
    ;;
  crash)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop \
      >/dev/null 2>&1
    "$0" start "$dir"
    ;;
  psql) # psql DIR SQL: runs SQL in database ordo
    as_pg "$BIN/psql" -h "$dir" -p "$(cat "$dir/port")" -U ordo -d ordo -qAtc "$3"
    ;;
  *) echo "usage: $0 start|stop|restart|crash DIR | check | psql DIR SQL" >&2; exit 2 ;;
esac
