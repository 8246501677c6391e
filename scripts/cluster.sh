#!/usr/bin/env bash
# Serve one Plone site from two Zope instances behind a round-robin load
# balancer (make cluster): a database server (ZEO, or PostgreSQL for
# RelStorage with DB=postgres), instances A and B on PORT+1 and PORT+2, each
# with its own var and temporary directories, and HAProxy on PORT. The
# instances share nothing but the database; unfinished uploads live there
# (TUSUPLOAD_STORE=zodb). Ctrl-C or SIGTERM stops everything.
#
# Ports: PORT (the balancer, default 8080), PORT+1 and PORT+2 (the
# instances), PORT+3 (ZEO or PostgreSQL). Data: CLUSTER_DIR (default
# var/cluster-zeo or var/cluster-postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8080}" SITE_ID="${SITE_ID:-Plone}"
export ADMIN_USER="${ADMIN_USER:-admin}" ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin}"
export TUSUPLOAD_STORE=zodb
DB="${DB:-zeo}"
BIN=.venv/bin
HAPROXY="${HAPROXY:-/usr/sbin/haproxy}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)}"

case "$DB" in
    zeo | postgres) ;;
    *) echo "DB=$DB is not one of zeo, postgres" >&2; exit 2 ;;
esac
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65532 ]; then
    echo "PORT=$PORT is not a port number (1-65532; the cluster uses PORT to PORT+3)" >&2
    exit 2
fi
if [ ! -x "$HAPROXY" ]; then
    echo "HAProxy is missing: apt-get install haproxy (or set HAPROXY=/path/to/haproxy)" >&2
    exit 2
fi
CLUSTER_DIR="$(mkdir -p "${CLUSTER_DIR:-var/cluster-$DB}" && cd "${CLUSTER_DIR:-var/cluster-$DB}" && pwd)"
DB_PORT=$((PORT + 3))
PIDS=()

stop_all() {
    trap - INT TERM EXIT
    echo
    echo "Stopping the cluster ..."
    # The balancer and the instances first, then the database.
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2> /dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2> /dev/null || true
    done
    if [ -n "${DB_PID:-}" ]; then
        if [ "$DB" = postgres ]; then
            kill -INT "$DB_PID" 2> /dev/null || true  # fast shutdown
        else
            kill -TERM "$DB_PID" 2> /dev/null || true
        fi
        wait "$DB_PID" 2> /dev/null || true
    fi
    echo "Cluster stopped."
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

wait_for_port() {  # host port seconds what
    local deadline=$((SECONDS + $3))
    until "$BIN/python" -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()" "$1" "$2" 2> /dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$4 did not listen on $1:$2 within $3 s; see $CLUSTER_DIR" >&2
            exit 1
        fi
        sleep 0.3
    done
}

# -- the database --------------------------------------------------------------
if [ "$DB" = zeo ]; then
    mkdir -p "$CLUSTER_DIR/zeo/blobs" "$CLUSTER_DIR/zeo/log"
    cat > "$CLUSTER_DIR/zeo/zeo.conf" << EOF
<zeo>
  address 127.0.0.1:$DB_PORT
</zeo>
<filestorage 1>
  path $CLUSTER_DIR/zeo/Data.fs
  blob-dir $CLUSTER_DIR/zeo/blobs
</filestorage>
<eventlog>
  <logfile>
    path $CLUSTER_DIR/zeo/log/zeo.log
  </logfile>
</eventlog>
EOF
    "$BIN/runzeo" -C "$CLUSTER_DIR/zeo/zeo.conf" &
    DB_PID=$!
    wait_for_port 127.0.0.1 "$DB_PORT" 30 "ZEO"
    export ZODB_SERVER="127.0.0.1:$DB_PORT"
    unset ZODB_DSN
else
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
        echo "PostgreSQL is missing: apt-get install postgresql (or set PG_BIN)" >&2
        exit 2
    fi
    if ! "$BIN/python" -c "import relstorage, psycopg2" 2> /dev/null; then
        echo "RelStorage is missing: make install-postgres" >&2
        exit 2
    fi
    PG_DATA="$CLUSTER_DIR/postgres/data"
    mkdir -p "$CLUSTER_DIR/postgres"
    # PostgreSQL refuses to run as root: as root, it runs as the postgres user
    # (setpriv execs it, so that its pid is the one signalled on stop).
    as_db_user=()
    if [ "$(id -u)" = 0 ]; then
        if ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -x "$CLUSTER_DIR"; then
            echo "The postgres user can't enter $CLUSTER_DIR (run as root, PostgreSQL runs as postgres); choose another CLUSTER_DIR" >&2
            exit 2
        fi
        chown postgres: "$CLUSTER_DIR/postgres"
        as_db_user=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    fi
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        "${as_db_user[@]}" "$PG_BIN/initdb" --pgdata="$PG_DATA" --auth=trust \
            --username=zodb --encoding=UTF8 > "$CLUSTER_DIR/postgres/initdb.log"
    fi
    "${as_db_user[@]}" "$PG_BIN/postgres" -D "$PG_DATA" -h 127.0.0.1 -p "$DB_PORT" \
        -k "$CLUSTER_DIR/postgres" -c max_connections=100 \
        > "$CLUSTER_DIR/postgres/postgres.log" 2>&1 &
    DB_PID=$!
    wait_for_port 127.0.0.1 "$DB_PORT" 60 "PostgreSQL"
    if ! "${as_db_user[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$DB_PORT" -U zodb -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'zodb'" | grep -q 1; then
        "${as_db_user[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$DB_PORT" -U zodb zodb
    fi
    export ZODB_DSN="dbname='zodb' user='zodb' host='127.0.0.1' port='$DB_PORT'"
    unset ZODB_SERVER
fi

# -- the instances -------------------------------------------------------------
for name in a b; do
    offset=1
    [ "$name" = b ] && offset=2
    INSTANCE_DIR="$CLUSTER_DIR/instance-$name/instance" VAR_DIR="$CLUSTER_DIR/instance-$name/var" \
        PORT=$((PORT + offset)) "$BIN/python" scripts/make_instance.py
done
# The site, once, through instance A's configuration.
"$BIN/zconsole" run "$CLUSTER_DIR/instance-a/instance/etc/zope.conf" scripts/create_site.py
for name in a b; do
    "$BIN/python" scripts/serve.py "$CLUSTER_DIR/instance-$name/instance/etc/zope.ini" \
        > "$CLUSTER_DIR/instance-$name/var/log/console.log" 2>&1 &
    PIDS+=($!)
    echo $! > "$CLUSTER_DIR/instance-$name/serve.pid"
done
wait_for_port "$HOST" $((PORT + 1)) 180 "instance A"
wait_for_port "$HOST" $((PORT + 2)) 180 "instance B"

# -- the load balancer -----------------------------------------------------------
"$BIN/python" scripts/haproxy_config.py "$CLUSTER_DIR/haproxy.cfg"
"$HAPROXY" -W -db -f "$CLUSTER_DIR/haproxy.cfg" &
HAPROXY_PID=$!
PIDS=("$HAPROXY_PID" "${PIDS[@]}")
wait_for_port "$HOST" "$PORT" 30 "HAProxy"

case "$HOST" in
    127.0.0.1 | localhost | 0.0.0.0 | :: | ::1) URL_HOST=localhost ;;
    *) URL_HOST="$HOST" ;;
esac
echo
echo "  Plone site:   http://${URL_HOST}:${PORT}/${SITE_ID}  (HAProxy, round robin)"
echo "  Instance A:   http://${URL_HOST}:$((PORT + 1))/${SITE_ID}"
echo "  Instance B:   http://${URL_HOST}:$((PORT + 2))/${SITE_ID}"
echo "  Database:     $DB on 127.0.0.1:${DB_PORT}, data in $CLUSTER_DIR"
echo "  Admin login:  ${ADMIN_USER}:${ADMIN_PASSWORD}"
echo "  Stop with Ctrl-C."
echo
# An instance may die (HAProxy then sends everything to the other); the
# cluster ends when the balancer or the database does, or on Ctrl-C/TERM.
wait -n "$HAPROXY_PID" "$DB_PID"
echo "The load balancer or the database ended; see $CLUSTER_DIR" >&2
exit 1
