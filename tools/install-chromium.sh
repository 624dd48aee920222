#!/usr/bin/env bash
# The browser the end-to-end tests (tests/browser/) drive: Debian's chromium, installed with apt-get
# when it is missing. Playwright's own browser download is never used (its Python package only
# drives this binary). Run as root, or with sudo available; CI runs it as root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "chromium is not installed and this user cannot run apt-get: install Debian's 'chromium'" \
       "package, then run the tests again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium
