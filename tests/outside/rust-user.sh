#!/usr/bin/env bash
# A Rust program outside the repository, as a crate user writes it from the README: a path
# dependency with default features, Detector + Metrics, ONNX Runtime found only through
# LD_LIBRARY_PATH (no VIRTUAL_ENV, no ORT_DYLIB_PATH, a working directory and executable outside
# the repository). Checks the verdicts, the metrics and which runtime was loaded, that the
# dependency tree holds no CLI or server crate, and that without LD_LIBRARY_PATH the error says
# what was tried. Run by `make test` (after `make setup`).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ort=$(ls "$root"/.venv/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1* | head -1)
work=$(mktemp -d /tmp/stegodetect-rust-user.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ortlib" "$work/app/src"
cp "$ort" "$work/ortlib/"
cat > "$work/app/Cargo.toml" <<TOML
[package]
name = "rust-user"
version = "0.1.0"
edition = "2021"

[dependencies]
stegodetect = { path = "$root" }

[profile.release]
debug = "line-tables-only"
TOML
# the workspace's lock file: the same dependency versions, nothing to resolve anew
cp "$root/Cargo.lock" "$work/app/"
cat > "$work/app/src/main.rs" <<'RS'
use stegodetect::metrics::Metrics;
use stegodetect::{ColorMode, Detector, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).expect("usage: rust-user DIR");
    let metrics = Metrics::new();
    let det = Detector::new(Options::default())?;
    let mut names: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for p in names.iter().filter(|p| p.extension().is_some_and(|e| e != "json")) {
        let outcome = det.scan_path(p);
        metrics.record(&outcome);
        let r = outcome?;
        let name = p.file_name().unwrap().to_string_lossy();
        match r.method {
            Some(m) if r.is_stego => println!("{name}: stego ({m})"),
            _ => println!("{name}: clean"),
        }
    }
    // raw pixels (a frame from a camera, a decoded buffer): every type the call needs is exported
    let grey = det.scan_pixels(64, 64, ColorMode::Rgb, vec![128u8; 64 * 64 * 3])?;
    println!("pixels: {}", if grey.is_stego { "stego" } else { "clean" });
    let s = metrics.snapshot();
    println!("metrics: {} scans, {} stego, {} errors", s.scans, s.stego, s.errors_by_kind.values().sum::<u64>());
    let rt = stegodetect::model::runtime::loaded_path().expect("the model loaded a runtime");
    println!("runtime: {}", rt.display());
    Ok(())
}
RS
# no clap, axum, tokio, hyper, lettre or ureq behind a plain dependency
if (cd "$work/app" && cargo tree -e normal --prefix none) | grep -E '^(clap|axum|tokio|hyper|lettre|ureq) '; then
    echo "FAIL: the library pulls in CLI or server crates" >&2; exit 1
fi
# the workspace's target directory: its compiled dependencies are reused
(cd "$work/app" && CARGO_TARGET_DIR="$root/target/rust-user" cargo build --release -q)
exe="$work/rust-user"
cp "$root/target/rust-user/release/rust-user" "$exe"
run() { (cd "$work" && env -u VIRTUAL_ENV -u ORT_DYLIB_PATH PATH=/usr/bin:/bin "$@"); }
out=$(run LD_LIBRARY_PATH="$work/ortlib" "$exe" "$root/examples/images")
echo "$out"
for want in "stego-lsb.png: stego (lsb.rgb)" "stego-alpha.png: stego (alpha)" "clean-photo.png: clean" "pixels: clean" \
            "runtime: $work/ortlib/" "errors"; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: missing '$want'" >&2; exit 1; }
done
grep -qE "^metrics: [1-9][0-9]* scans, [1-9][0-9]* stego, 0 errors$" <<<"$out" || { echo "FAIL: metrics line" >&2; exit 1; }
# without the runtime on the loader's path: an error naming what was tried, not a crash
if err=$(run "$exe" "$root/examples/images" 2>&1); then
    echo "FAIL: ran without ONNX Runtime: $err" >&2; exit 1
fi
grep -qF "LD_LIBRARY_PATH" <<<"$err" && grep -qF "pip install onnxruntime" <<<"$err" \
    || { echo "FAIL: unhelpful error: $err" >&2; exit 1; }
echo "rust-user: ok"
