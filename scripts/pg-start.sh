#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on loopback for tests (about a second); prints its PID.
# URL: postgres://ptest@127.0.0.1:${PGPORT:-55432}/ptest
set -euo pipefail
DIR=${PGDIR:-/tmp/pg-test}; PORT=${PGPORT:-55432}
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
rm -rf "$DIR"; mkdir -p "$DIR"; chown postgres:postgres "$DIR"
runuser -u postgres -- "$PGBIN/initdb" -D "$DIR/data" -U ptest -A trust -E UTF8 --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U ptest ptest
head -1 "$DIR/data/postmaster.pid"
