#!/usr/bin/env bash
# A PostgreSQL server for the tests marked `postgres` (pytest.ini): the run store over
# PostgreSQL, and two Streamlit servers sharing one store (docs/scaling.md). Prints the
# server's URL on stdout and nothing else, for
#     FITLAB_TEST_DATABASE_URL=$(bash scripts/postgres.sh); export FITLAB_TEST_DATABASE_URL
# Installs Debian's `postgresql` package where no server is found (CI runs as root on a fresh
# Debian), whichever version the release has. The server runs as a user that is not root
# (PostgreSQL refuses root), from a folder of its own, on 127.0.0.1 only, with a password;
# run again, it reuses the server already running there. Stop it with
#     pg_ctl -D "${TMPDIR:-/tmp}/fitlab-test-postgres-$USER/data" stop   (as root: runuser -u postgres -- …)
set -euo pipefail

# one per user: a folder that root made is not the next user's to use
HOME_DIR=${FITLAB_TEST_POSTGRES_DIR:-${TMPDIR:-/tmp}/fitlab-test-postgres-$(id -un)}
say() { echo "postgres.sh: $*" >&2; }

server_bin() {
  # Debian keeps each version's programs in /usr/lib/postgresql/N/bin, off the PATH: the
  # newest one there, else an initdb on the PATH.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null && command -v postgres >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

BIN=$(server_bin)
if [ -z "$BIN" ]; then
  say "no PostgreSQL server found: installing Debian's postgresql package"
  sudo_if_needed=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo_if_needed apt-get update -qq >&2
  # The package's own cluster may not start in a container without an init system; this
  # script starts its own.
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN=$(server_bin)
  [ -n "$BIN" ] || { say "the postgresql package brought no server programs"; exit 1; }
fi

# PostgreSQL will not run as root: as root, the server runs as the package's `postgres` user.
as_server() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$HOME_DIR" postgres
  as_server() { runuser -u postgres -- "$@"; }
fi

mkdir -p "$HOME_DIR"
chmod 700 "$HOME_DIR"
[ "$(id -u)" -ne 0 ] || chown postgres "$HOME_DIR"
DATA=$HOME_DIR/data

if [ ! -f "$DATA/PG_VERSION" ]; then
  python3 -c "import secrets; print(secrets.token_hex(16))" >"$HOME_DIR/password"
  python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); \
print(s.getsockname()[1])" >"$HOME_DIR/port"
  [ "$(id -u)" -ne 0 ] || chown postgres "$HOME_DIR/password" "$HOME_DIR/port"
  say "a new server in $DATA ($("$BIN/postgres" --version))"
  as_server "$BIN/initdb" -D "$DATA" -U fitlab --pwfile="$HOME_DIR/password" \
    --auth=scram-sha-256 -E UTF8 --no-locale >"$HOME_DIR/initdb.log"
fi
PORT=$(cat "$HOME_DIR/port")
PASSWORD=$(cat "$HOME_DIR/password")

if ! as_server "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  # Its socket in its own folder: /var/run/postgresql may be missing or not ours.
  as_server "$BIN/pg_ctl" -D "$DATA" -l "$HOME_DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $HOME_DIR -c listen_addresses=127.0.0.1" start >&2 || {
    say "the server did not start; its log:"; tail -n 20 "$HOME_DIR/server.log" >&2; exit 1; }
fi

if ! PGPASSWORD=$PASSWORD "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U fitlab -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'fitlab'" | grep -q 1; then
  PGPASSWORD=$PASSWORD "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U fitlab fitlab
fi
echo "postgresql://fitlab:$PASSWORD@127.0.0.1:$PORT/fitlab"
