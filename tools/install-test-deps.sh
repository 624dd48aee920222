#!/usr/bin/env bash
# The system programs the tests drive, from Debian, installed with apt-get when missing (one
# `apt-get update` for all of them, none when every one is present):
#   chromium             tests/browser (Playwright's Python package only drives this binary)
#   nginx                tests/test_deployment.py: replicas behind the caching proxy of deploy/
#   virtuoso-opensource  tests/test_remote_store.py: a real remote store (7.2.5, DBpedia's engine)
#   prometheus           promtool, which checks /metrics (tests/test_metrics.py)
# Oxigraph's server, the other remote store, comes from PyPI (the `oxigraph` package, test extra).
# Run as root, or with sudo available; CI runs it as root.
set -euo pipefail
declare -A NEEDED=(
  [chromium]=chromium
  [nginx]=nginx
  [virtuoso-t]=virtuoso-opensource
  [promtool]=prometheus
)
missing=()
for program in "${!NEEDED[@]}"; do
  if [ "$program" = chromium ] && command -v chromium-browser >/dev/null 2>&1; then
    continue
  fi
  # nginx and virtuoso-t live in /usr/sbin and /usr/bin; a non-root PATH may lack /usr/sbin.
  if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
    missing+=("${NEEDED[$program]}")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "missing Debian packages: ${missing[*]}; this user cannot run apt-get: install them," \
       "then run the tests again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends: virtuoso-opensource recommends its web admin (vad packages), the
# tests need only the server; nginx and prometheus need nothing recommended either.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx, prometheus and virtuoso as services on install; the tests start their own
# on loopback ports, so stop the packaged ones where systemd or sysvinit started them.
for service in nginx prometheus virtuoso-opensource-7; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    $SUDO systemctl stop "$service" || true
  elif [ -x "/etc/init.d/$service" ]; then
    $SUDO "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
done
