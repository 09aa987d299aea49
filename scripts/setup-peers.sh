#!/usr/bin/env bash
# Create .venv-peers for the peer benchmark (scripts/bench_peers.py): conseal, sealwatch (no deps:
# torch is stubbed by the script), and this repository's Python wheel, built by
# scripts/test-python.sh --install-only. Idempotent for the third-party part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
stamp=.venv-peers/.installed-$(cat requirements/peers.txt requirements/peers-nodeps.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    python3 -m venv .venv-peers 2>/dev/null || .venv/bin/python -m virtualenv -q .venv-peers
    .venv-peers/bin/python -m pip install -q --disable-pip-version-check -r requirements/peers.txt
    .venv-peers/bin/python -m pip install -q --disable-pip-version-check --no-deps -r requirements/peers-nodeps.txt
    touch "$stamp"
fi
bash scripts/test-python.sh --install-only
.venv-peers/bin/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/stegodetect-*.whl
