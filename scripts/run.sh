#!/usr/bin/env bash
# Serve a Plone site with collective.tusupload in the foreground (make run).
# Ctrl-C or SIGTERM stops it cleanly (scripts/serve.py). SERVER=waitress
# serves with waitress instead of gunicorn (scripts/make_instance.py).
set -euo pipefail
cd "$(dirname "$0")/.."

export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8080}" SITE_ID="${SITE_ID:-Plone}"
export ADMIN_USER="${ADMIN_USER:-admin}" ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin}"
export INSTANCE_DIR="${INSTANCE_DIR:-instance}" VAR_DIR="${VAR_DIR:-var}"
BIN=.venv/bin

# Plone switches its theme off for requests to 127.0.0.1 (Site Setup >
# Theming > Advanced: "Unthemed host names"), so advertise localhost.
case "$HOST" in
    127.0.0.1 | localhost | 0.0.0.0 | :: | ::1) URL_HOST=localhost ;;
    *) URL_HOST="$HOST" ;;
esac

# Fails at once, in one line, if HOST:PORT is taken.
"$BIN/python" scripts/make_instance.py
"$BIN/zconsole" run "$INSTANCE_DIR/etc/zope.conf" scripts/create_site.py
echo
echo "  Plone site:  http://${URL_HOST}:${PORT}/${SITE_ID}"
echo "  Admin login: ${ADMIN_USER}:${ADMIN_PASSWORD}"
echo "  Stop with Ctrl-C."
echo
exec "$BIN/python" scripts/serve.py "$INSTANCE_DIR/etc/zope.ini"
