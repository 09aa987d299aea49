#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo fuzz (libFuzzer + AddressSanitizer/LeakSanitizer, nightly).
#   scripts/fuzz.sh SECONDS [TARGET...]     each target for SECONDS (default: every target)
# Targets: container_{png,jpeg,gif,webp,bmp}, exif, dct_jpeg, jpeg_baseline, scan (see fuzz/fuzz_targets). The corpus
# (fuzz/corpus/TARGET, git-ignored) is seeded from the test fixtures and example images and grows
# across runs. A crash, leak, timeout (> 10 s per input) or out-of-memory (> 2 GiB) fails the run;
# the input is left in fuzz/artifacts/TARGET: add it to tests/fuzz-regressions/ with the fix.
# Output: one line per target with executions and the outcome (logs in fuzz/logs/).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(container_png container_jpeg container_gif container_webp container_bmp exif dct_jpeg jpeg_baseline scan)

# cargo fuzz needs -Z flags (sanitizers): nightly where the machine has it, else the stable
# toolchain with RUSTC_BOOTSTRAP (its rust-std ships the ASan runtime)
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    tc=+nightly
else
    tc=
    export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

# seeds: the fixtures of each format, EXIF blocks cut from the JPEG fixtures, everything for scan
seed() {
    local t=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    local files=()
    case $t in
        container_png) files=(tests/fixtures/clean/*.png examples/images/*.png fuzz/seeds/*.png) ;;
        container_jpeg|dct_jpeg|jpeg_baseline) files=(tests/fixtures/clean/*.jpg examples/images/*.jpg tests/fixtures/jpeg/*.jpg tests/fixtures/jpeg-layouts/*.jpg) ;;
        container_gif) files=(tests/fixtures/clean/*.gif examples/images/*.gif) ;;
        container_webp) files=(tests/fixtures/clean/*.webp examples/images/*.webp) ;;
        container_bmp) files=(tests/fixtures/clean/*.bmp) ;;
        scan) files=(tests/fixtures/clean/* examples/images/*.{png,jpg,gif,webp} fuzz/seeds/*.png tests/fuzz-regressions/*) ;;
        exif)
            .venv/bin/python - "$dir" tests/fixtures/clean/*.jpg examples/images/*.jpg <<'PY'
import sys, pathlib
out = pathlib.Path(sys.argv[1])
for p in sys.argv[2:]:
    b = pathlib.Path(p).read_bytes()
    i = b.find(b"Exif\0\0")
    if i >= 4:
        n = int.from_bytes(b[i - 2:i], "big")
        (out / (pathlib.Path(p).stem + ".tiff")).write_bytes(b[i + 6:i - 2 + n])
PY
            return ;;
    esac
    for f in "${files[@]}"; do
        [ -f "$f" ] && cp -n "$f" "$dir/" || true
    done
}

cd fuzz
cargo $tc fuzz build -O >/dev/null 2>build.log || { cat build.log; exit 1; }
cd ..
mkdir -p fuzz/logs
status=0
for t in "${targets[@]}"; do
    seed "$t"
    mkdir -p "fuzz/artifacts/$t"
    log=fuzz/logs/$t.log
    if (cd fuzz && cargo $tc fuzz run -O "$t" "corpus/$t" -- \
            -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="artifacts/$t/") >"$log" 2>&1; then
        outcome=ok
    else
        outcome=FAILED
        status=1
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
    echo "fuzz $t: ${secs}s, $execs executions, coverage $cov, corpus $(ls "fuzz/corpus/$t" | wc -l) files: $outcome"
    [ "$outcome" = ok ] || tail -40 "$log"
done
exit $status
