# shellcheck shell=bash
# Helpers for the buyer web app (frontend/) shared by scripts/up, scripts/test and
# scripts/e2e. Source it after scripts/lib.sh; don't run it.
#
#   ensure_node      Node.js >= 20.19 with npm (apt-get as root when missing)
#   frontend_deps    npm ci, only when node_modules is missing or older than the lock file
#   build_frontend   deps + `npm run build` into frontend/dist (served by core-api)
#   ensure_chromium  Debian's Chromium for the end-to-end suite (apt-get as root)

FRONTEND_DIR="$ROOT/frontend"
export FRONTEND_DIR

_node_recent() {
  have node && have npm &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

ensure_node() {
  _node_recent && return 0
  if ! have node && can_apt; then
    apt_install nodejs npm || true
    hash -r
  fi
  if ! _node_recent; then
    warn "the web app needs Node.js >= 20.19 with npm (found: $(node --version 2>/dev/null || echo none))"
    return 1
  fi
}

frontend_deps() {
  local marker=$FRONTEND_DIR/node_modules/.package-lock.json
  if [[ ! -f "$marker" || "$FRONTEND_DIR/package-lock.json" -nt "$marker" ]]; then
    log "installing the web app's packages (npm ci)"
    (cd "$FRONTEND_DIR" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
}

build_frontend() {
  ensure_node || return 1
  frontend_deps || return 1
  log "building the web app (frontend/dist)"
  (cd "$FRONTEND_DIR" && npm run --silent build) >&2
}

ensure_chromium() {
  CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
  export CHROMIUM_PATH
  [[ -x "$CHROMIUM_PATH" ]] && return 0
  log "Chromium not found at $CHROMIUM_PATH; installing Debian's chromium"
  apt_install chromium || die "could not install chromium (run as root, or: sudo apt-get install chromium)"
  [[ -x "$CHROMIUM_PATH" ]] || die "chromium installed but $CHROMIUM_PATH is missing; set CHROMIUM_PATH"
}
