#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback, starting them with the
# commands this machine's environment notes give when they are installed but down.
# On a laptop without them this prints how to enable them and exits 0: the tests
# that need them skip (and fail under CI=true).
set -u

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

wait_for() { for _ in $(seq 1 50); do "$1" && return 0; sleep 0.2; done; return 1; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    wait_for pg_up || echo "PostgreSQL did not come up"
  else
    echo "PostgreSQL is not installed: its tests will skip (install postgresql, trust auth on 127.0.0.1:5432)"
  fi
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_for redis_up || echo "Redis did not come up"
  else
    echo "Redis is not installed: its tests will skip (install redis-server on 127.0.0.1:6379)"
  fi
fi
exit 0
