#!/usr/bin/env bash
# Makes sure Postgres and Redis answer on loopback (the benchmark needs both), starting them if down.
set -euo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting Postgres"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 1 30); do
  if pg_isready -h 127.0.0.1 -p 5432 -q && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then exit 0; fi
  sleep 1
done
echo "FATAL: Postgres or Redis does not answer on 127.0.0.1" >&2
exit 1
