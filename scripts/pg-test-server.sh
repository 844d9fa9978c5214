#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster for the store tests.
#
#   scripts/pg-test-server.sh start   # prints: export BACKCARE_TEST_POSTGRES_URL=...
#   scripts/pg-test-server.sh stop
#   scripts/pg-test-server.sh url     # prints the URL only
#
# The cluster lives under /tmp, listens on 127.0.0.1 only, trusts local connections and
# runs as the `postgres` user (PostgreSQL refuses to run as root, and CI runs as root).
# Debian's `postgresql` package is installed with apt when the binaries are missing.
#
# Environment: PG_TEST_PORT (default 54329), PG_TEST_DIR (default /tmp/backcare-pg-test),
# PG_VERSION (default: the newest under /usr/lib/postgresql).
set -euo pipefail

PORT="${PG_TEST_PORT:-54329}"
DIR="${PG_TEST_DIR:-/tmp/backcare-pg-test}"
DATA="$DIR/data"
SOCKET_DIR="/tmp"
DB_NAME="backcare_test"
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/${DB_NAME}"

find_bin() {
    local version="${PG_VERSION:-}"
    if [[ -z "$version" ]]; then
        version="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)"
    fi
    if [[ -n "$version" && -x "/usr/lib/postgresql/$version/bin/initdb" ]]; then
        echo "/usr/lib/postgresql/$version/bin"
    fi
}

ensure_installed() {
    BIN="$(find_bin)"
    if [[ -z "$BIN" ]]; then
        echo "PostgreSQL not found; installing Debian's postgresql package" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
        BIN="$(find_bin)"
    fi
    if [[ -z "$BIN" ]]; then
        echo "error: PostgreSQL binaries not found under /usr/lib/postgresql" >&2
        exit 1
    fi
}

# Run a command as the postgres user when we are root; as ourselves otherwise.
as_pg() {
    if [[ "$(id -u)" == "0" ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    ensure_installed
    if [[ -f "$DATA/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        echo "already running on port $PORT" >&2
    else
        rm -rf "$DIR"
        mkdir -p "$DIR"
        if [[ "$(id -u)" == "0" ]]; then
            chown postgres: "$DIR"
        fi
        as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync >/dev/null
        as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" \
            -o "-p $PORT -k $SOCKET_DIR -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
        as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB_NAME"
    fi
    echo "export BACKCARE_TEST_POSTGRES_URL=$URL"
}

stop() {
    BIN="$(find_bin)"
    if [[ -n "$BIN" && -d "$DATA" ]]; then
        as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$URL" ;;
    *)
        echo "usage: $0 start|stop|url" >&2
        exit 2
        ;;
esac
