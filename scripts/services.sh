#!/usr/bin/env bash
# Start the local PostgreSQL, Redis and Mosquitto if they are installed but down.
# Used by `make test` and .ci/run; a service that is not installed is reported, not fatal.
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 50); do port_open "$1" && return 0; sleep 0.2; done
  return 1
}

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    wait_port 5432 || echo "PostgreSQL did not come up"
  else
    echo "PostgreSQL is not installed: PostgreSQL tests will be skipped"
  fi
fi

if ! port_open 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_port 6379 || echo "Redis did not come up"
  else
    echo "Redis is not installed: Redis tests will be skipped"
  fi
fi

if ! port_open 1883; then
  if command -v mosquitto >/dev/null 2>&1; then
    echo "starting Mosquitto"
    mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
    wait_port 1883 || echo "Mosquitto did not come up"
  else
    echo "Mosquitto is not installed: MQTT tests will be skipped"
  fi
fi
exit 0
