#!/usr/bin/env bash
# Serve the production build of the Volto frontend (make volto) in the
# foreground, against the backend that `make run` serves. Ctrl-C stops it.
set -euo pipefail
cd "${VOLTO_PROJECT:-$(dirname "$0")/../frontend/volto}"

VOLTO_HOST="${VOLTO_HOST:-127.0.0.1}" VOLTO_PORT="${VOLTO_PORT:-3000}"
BACKEND_URL="${BACKEND_URL:-http://localhost:${PORT:-8080}/${VOLTO_SITE_ID:-Volto}}"

# Volto's server answers the pages and hands every request under /++api++
# to the backend site, rewritten for Zope's virtual hosting, so that the
# browser talks to one origin (Volto's "seamless mode").
export HOST="$VOLTO_HOST" PORT="$VOLTO_PORT" NODE_ENV=production
export RAZZLE_DEV_PROXY_API_PATH="$BACKEND_URL"
case "$VOLTO_HOST" in
    127.0.0.1 | 0.0.0.0 | ::1) URL_HOST=localhost ;;
    *) URL_HOST="$VOLTO_HOST" ;;
esac
export RAZZLE_PUBLIC_URL="${RAZZLE_PUBLIC_URL:-http://${URL_HOST}:${VOLTO_PORT}}"

if ! curl -fsS -o /dev/null -m 5 -H "Accept: application/json" "$BACKEND_URL/@site" 2> /dev/null; then
    echo "No backend answers at $BACKEND_URL: start it with 'make run' first" >&2
    echo "(same PORT), or set BACKEND_URL." >&2
    exit 1
fi
echo
echo "  Volto:    ${RAZZLE_PUBLIC_URL}"
echo "  Backend:  ${BACKEND_URL}"
echo "  Stop with Ctrl-C."
echo
exec "${NODE:-node}" build/server.js
