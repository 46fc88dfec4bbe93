#!/usr/bin/env bash
# Stops the throwaway PostgreSQL started by pg-start.sh, by its PID.
DIR=${PGDIR:-/tmp/pg-test}
[ -f "$DIR/data/postmaster.pid" ] || exit 0
PID=$(head -1 "$DIR/data/postmaster.pid"); kill -INT "$PID" 2>/dev/null || true
while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done
rm -rf "$DIR"
