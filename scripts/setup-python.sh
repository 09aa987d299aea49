#!/usr/bin/env bash
# Create the project's Python environment (.venv) with ONNX Runtime (its shared library is what the
# Rust core loads through `ort`), onnx (test models), the Python module's build and test tools
# and, with `--train`, the training stack.
# Idempotent: does nothing when the requirements are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
req="requirements/runtime.txt requirements/test.txt"
nodeps=""
[ "${1:-}" = "--train" ] && req="$req requirements/train.txt" && nodeps=requirements/eval-tools.txt
stamp=.venv/.installed-$(cat $req $nodeps | sha256sum | cut -c1-16)
[ -f "$stamp" ] && exit 0
python3 -m venv .venv 2>/dev/null || { python3 -m pip install -q virtualenv && python3 -m virtualenv -q .venv; }
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
for r in $req; do .venv/bin/python -m pip install -q --disable-pip-version-check -r "$r"; done
# the measurement stack also gets the third-party tools of scripts/eval_tools.py (pinned, no deps)
[ -z "$nodeps" ] || .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -r "$nodeps"
touch "$stamp"
