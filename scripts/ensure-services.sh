#!/usr/bin/env bash
# Makes sure the real Postgres and Redis the tests need are installed and running on 127.0.0.1.
# On a fresh Debian machine (as root) it installs them with apt-get; where they exist it only starts them.
set -euo pipefail

PG_PORT=5432
REDIS_PORT=6379
log() { printf 'ensure-services: %s\n' "$*"; }

have() { command -v "$1" >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then log "need root to apt-get install $*"; exit 1; fi
  if [ "$apt_updated" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { have pg_isready && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
pg_trusts_local() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; }

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  pg_up || { log "PostgreSQL did not start"; exit 1; }
fi
if ! pg_trusts_local; then
  # A fresh Debian cluster asks for passwords on TCP; the tests use trust auth on loopback only.
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  log "allowing trust auth on loopback in $hba"
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 0.5
  pg_trusts_local || { log "cannot connect to PostgreSQL as postgres on 127.0.0.1"; exit 1; }
fi

redis_up() { have redis-cli && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  if ! have redis-server; then
    log "installing Redis"
    apt_install redis-server redis-tools
  fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || { log "Redis did not start"; exit 1; }
fi
# The pooler and failover tests start their own pgbouncer (transaction mode) and redis-sentinel
# processes on spare loopback ports; they only need the Debian packages.
if [ ! -x /usr/sbin/pgbouncer ] && ! have pgbouncer; then
  log "installing pgbouncer (for the PgBouncer tests)"
  apt_install pgbouncer
fi
if ! have redis-sentinel; then
  log "installing redis-sentinel (for the Sentinel failover tests)"
  apt_install redis-sentinel
fi
# Tools the deploy tests use (there is no Docker engine; compose files are checked statically).
if ! have docker-compose; then
  log "installing docker-compose (for docker-compose config -q)"
  apt_install docker-compose
fi
# Debian's Chromium for the browser test of /docs (playwright-core never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium (for the /docs browser test)"
  apt_install chromium
fi
log "PostgreSQL and Redis are up"
