//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use stegodetect::{Detector, Options};

/// The product as shipped: default options, default model (ONNX Runtime from the project's .venv).
pub fn detector() -> Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(Options::default()).expect("default model: run `make setup`"))
        .clone()
}

/// The repository root (these helpers are also compiled into the CLI crate's tests, cli/tests).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if manifest.join("Cargo.lock").exists() {
        manifest
    } else {
        manifest.parent().unwrap().to_path_buf()
    }
}

/// Clean fixtures cut from real images (tests/fixtures/make_fixtures.py).
pub fn clean_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = root().join("tests/fixtures/clean");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/clean")
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 20, "fixtures missing");
    v
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/clean").join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// `../shared/data/starlight-sample` beside the repository (present on every developer machine and
/// in CI). A missing directory fails the test: it must never pass by finding nothing.
pub fn starlight_sample() -> PathBuf {
    let p = root().join("../shared/data/starlight-sample");
    assert!(
        p.is_dir(),
        "{} is missing: the Starlight sample data must sit beside the repository",
        p.display()
    );
    p
}

/// The small ONNX test models of tests/models/make_test_models.py (always_clean.onnx,
/// follow_rules.onnx, ...), written once per test process with the project's .venv python into
/// `target/tmp` (not the system's temporary directory, which they would litter): made in a
/// directory of their own, then renamed file by file into place, so test processes running at
/// the same time never read a half-written model.
pub fn test_models() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let py = root().join(".venv/bin/python");
        assert!(
            py.exists(),
            "{} missing: run `make setup` (make test does) to create the Python environment",
            py.display()
        );
        use stegodetect::model::features::{FEATURES_VERSION, N_FEATURES};
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = tmp.join(format!("test-models-{N_FEATURES}-v{FEATURES_VERSION}"));
        std::fs::create_dir_all(&dir).unwrap();
        let fresh = tempfile::tempdir_in(&tmp).unwrap();
        let st = std::process::Command::new(py)
            .arg(root().join("tests/models/make_test_models.py"))
            .arg(fresh.path())
            .arg(N_FEATURES.to_string())
            .arg(FEATURES_VERSION.to_string())
            .status()
            .unwrap();
        assert!(st.success(), "make_test_models.py failed");
        for e in std::fs::read_dir(fresh.path()).unwrap() {
            let e = e.unwrap();
            std::fs::rename(e.path(), dir.join(e.file_name())).unwrap();
        }
        dir
    })
}

/// Hostile files, built at run time (also by scripts/hostile_rss.py for the README's table).
pub mod hostile {
    use std::io::Write;

    use stegodetect::embed::png_chunk;

    fn zlib(data_len: usize, chunk: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let mut left = data_len;
        while left > 0 {
            let n = left.min(chunk.len());
            z.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
        z.finish().unwrap()
    }

    /// A PNG of `w` x `h` zero pixels (colour type 0 grey, 2 RGB, 6 RGBA, 8-bit), with `extra`
    /// chunks before IDAT.
    pub fn zero_png(w: u32, h: u32, colour: u8, extra: &[u8]) -> Vec<u8> {
        let ch = match colour {
            2 => 3,
            6 => 4,
            _ => 1,
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
        // rows of filter byte 0 + zero samples: all zero, so one zero block compresses it all
        let raw = (1 + w as usize * ch) * h as usize;
        let idat = zlib(raw, &vec![0u8; 1 << 20]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(png_chunk(b"IHDR", &ihdr));
        out.extend_from_slice(extra);
        out.extend(png_chunk(b"IDAT", &idat));
        out.extend(png_chunk(b"IEND", b""));
        out
    }

    /// An iCCP chunk whose profile inflates to `mib` MiB of zeros (a decompression bomb).
    pub fn iccp_bomb(mib: usize) -> Vec<u8> {
        let mut data = b"icc\0\0".to_vec();
        data.extend(zlib(mib << 20, &vec![0u8; 1 << 20]));
        png_chunk(b"iCCP", &data)
    }
}

/// Run a command to the end; its exit code, stdout, stderr and peak resident memory (KiB, from
/// `wait4`: this child alone).
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which std's Child does not know of
pub fn run_with_peak_rss(cmd: &mut std::process::Command) -> (i32, String, String, u64) {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        se.read_to_string(&mut s).unwrap();
        s
    });
    let mut out = String::new();
    so.read_to_string(&mut out).unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, out, err.join().unwrap(), usage.ru_maxrss as u64)
}

/// Deterministic bytes that look random (xorshift; `seed` must not be 0).
pub fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}
