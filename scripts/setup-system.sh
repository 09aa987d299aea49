#!/usr/bin/env bash
# System packages the tests need beyond Rust and Python: Chromium (headless) for the dashboard
# and report tests. Installs from Debian when missing; does nothing when present.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found: install it (the dashboard tests run it headless)" >&2; exit 1
fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] || $sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
