#!/usr/bin/env bash
# Starts a throwaway MariaDB on loopback for tests (about a second); prints its PID.
# URL: mysql://ptest:ptest@127.0.0.1:${MYPORT:-53306}/ptest
set -euo pipefail
DIR=${MYDIR:-/tmp/my-test}; PORT=${MYPORT:-53306}
[ -x /usr/sbin/mariadbd ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
rm -rf "$DIR"; mkdir -p "$DIR/data"; chown -R mysql:mysql "$DIR"
mariadb-install-db --user=mysql --datadir="$DIR/data" --auth-root-authentication-method=socket \
  --skip-test-db --skip-name-resolve >"$DIR/install.log" 2>&1
cat >"$DIR/init.sql" <<SQL
CREATE DATABASE IF NOT EXISTS ptest;
CREATE USER IF NOT EXISTS 'ptest'@'127.0.0.1' IDENTIFIED BY 'ptest';
GRANT ALL PRIVILEGES ON *.* TO 'ptest'@'127.0.0.1';
SQL
chown mysql:mysql "$DIR/init.sql"
/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DIR/data" --socket="$DIR/sock" --pid-file="$DIR/pid" \
  --bind-address=127.0.0.1 --port="$PORT" --skip-name-resolve --skip-log-bin --init-file="$DIR/init.sql" \
  --innodb-buffer-pool-size=128M --innodb-log-file-size=48M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
  --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci >"$DIR/log" 2>&1 &
for _ in $(seq 1 300); do mariadb-admin --protocol=tcp -h127.0.0.1 -P"$PORT" -uptest -pptest ping >/dev/null 2>&1 && break; sleep 0.1; done
mariadb-admin --protocol=tcp -h127.0.0.1 -P"$PORT" -uptest -pptest ping >/dev/null
cat "$DIR/pid"
