#!/usr/bin/env bash
# The store's PostgreSQL tests start a throwaway server from the machine's own binaries
# (test-support/postgres.ts). `npm test` runs this first so one command sets a fresh machine up:
# install Debian's postgresql when no /usr/lib/postgresql/<version>/bin/initdb is there.
set -euo pipefail
if [ -n "${OKO_PG_BIN:-}" ] && [ -x "$OKO_PG_BIN/initdb" ]; then exit 0; fi
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then exit 0; fi
echo "[ensure-postgres] no PostgreSQL binaries found: installing Debian's postgresql" >&2
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "[ensure-postgres] not root and no sudo: install postgresql (apt-get install postgresql) or set OKO_PG_BIN" >&2
  exit 1
fi
# The tests make their own clusters: no system cluster is created or started.
$sudo mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/oko-tests.conf >/dev/null
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "[ensure-postgres] postgresql installed but no initdb found; set OKO_PG_BIN" >&2; exit 1; }
