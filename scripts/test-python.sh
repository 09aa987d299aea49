#!/usr/bin/env bash
# Build the Python module's abi3 wheel with maturin, install it into the project's .venv (so
# `import stegodetect` works there after make test / make demo) and into a fresh venv, and run the
# pytest suite against the fresh one. With --install-only: build and install into .venv only.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f target/wheels/stegodetect-*.whl
# manylinux2014 (glibc 2.17+) through zig's linker, stripped: a wheel of about 2 MB that installs
# on Ubuntu 20.04, Debian 11, RHEL 8 and later; maturin finds zig through the venv's python
PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin build --release -q -m bindings/python/Cargo.toml \
    -o target/wheels --zig --compatibility manylinux2014 --strip
wheel=$(ls target/wheels/stegodetect-*.whl)
# (the report is read whole: `grep -q` on a pipe would close it early and fail under pipefail)
report=$(.venv/bin/auditwheel show "$wheel")
grep -q 'consistent with the following platform tag:' <<<"$report" || { echo "$report"; exit 1; }
.venv/bin/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"
[ "${1:-}" = "--install-only" ] && exit 0
venv=target/py-test-venv
rm -rf "$venv"
python3 -m venv "$venv" 2>/dev/null || .venv/bin/python -m virtualenv -q "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel" -r requirements/test.txt
"$venv/bin/python" -m pytest -q bindings/python/tests
