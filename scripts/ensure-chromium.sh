#!/usr/bin/env bash
# The browser tests drive Debian's chromium (playwright's own browser download is not reachable).
# `npm test` runs this first so one command sets a fresh machine up: install it when it is missing.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
echo "[ensure-chromium] $browser not found: installing Debian's chromium" >&2
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "[ensure-chromium] not root and no sudo: install chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
[ -x "$browser" ] || { echo "[ensure-chromium] chromium installed but $browser is missing; set CHROMIUM_PATH" >&2; exit 1; }
