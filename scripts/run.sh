#!/usr/bin/env bash
# Serve a Plone site with collective.tusupload in the foreground (make run).
set -euo pipefail
cd "$(dirname "$0")/.."

export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8080}" SITE_ID="${SITE_ID:-Plone}"
export ADMIN_USER="${ADMIN_USER:-admin}" ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin}"
export INSTANCE_DIR="${INSTANCE_DIR:-instance}" VAR_DIR="${VAR_DIR:-var}"
BIN=.venv/bin

"$BIN/python" scripts/make_instance.py
"$BIN/zconsole" run "$INSTANCE_DIR/etc/zope.conf" scripts/create_site.py
echo
echo "  Plone site:  http://${HOST}:${PORT}/${SITE_ID}"
echo "  Admin login: ${ADMIN_USER}:${ADMIN_PASSWORD}"
echo "  Stop with Ctrl-C."
echo
exec "$BIN/runwsgi" "$INSTANCE_DIR/etc/zope.ini"
