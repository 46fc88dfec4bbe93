#!/usr/bin/env bash
# Stops the throwaway MariaDB started by mariadb-start.sh, by its PID.
DIR=${MYDIR:-/tmp/my-test}
[ -f "$DIR/pid" ] || exit 0
PID=$(cat "$DIR/pid"); kill -TERM "$PID" 2>/dev/null || true
while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done
rm -rf "$DIR"
