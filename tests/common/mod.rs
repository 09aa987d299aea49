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

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
/// follow_rules.onnx, ...), written once per test process with the project's .venv python.
pub fn test_models() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let py = root().join(".venv/bin/python");
        assert!(
            py.exists(),
            "{} missing: run `make setup` (make test does) to create the Python environment",
            py.display()
        );
        let dir =
            std::env::temp_dir().join(format!("stegodetect-test-models-{}", std::process::id()));
        let st = std::process::Command::new(py)
            .arg(root().join("tests/models/make_test_models.py"))
            .arg(&dir)
            .arg(stegodetect::model::features::N_FEATURES.to_string())
            .arg(stegodetect::model::features::FEATURES_VERSION.to_string())
            .status()
            .unwrap();
        assert!(st.success(), "make_test_models.py failed");
        dir
    })
}

/// A `stegodetect serve` child process on a free loopback port (the address it printed).
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

/// A server left running by a failing test is killed.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Start `stegodetect serve` on a free loopback port with `token`, plus `extra` options.
    pub fn start_with(token: &str, extra: &[&str]) -> Server {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stegodetect"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("STEGODETECT_API_TOKEN", token)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, base }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `host:port`.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status and stderr if the process ended within `guard` (`None`:
    /// it did not, and it was killed).
    pub fn stop_within(
        mut self,
        guard: std::time::Duration,
    ) -> Option<(std::process::ExitStatus, String)> {
        let pid = self.child.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > guard {
                return None; // Drop kills it
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err).unwrap();
        Some((status, err))
    }

    /// SIGKILL (no shutdown of any kind), then the exit status.
    pub fn kill(mut self) -> std::process::ExitStatus {
        self.child.kill().unwrap();
        self.child.wait().unwrap()
    }

    /// SIGTERM, then the exit status and everything written to stderr.
    pub fn stop(self) -> (std::process::ExitStatus, String) {
        self.stop_within(std::time::Duration::from_secs(600))
            .expect("the server did not stop within 10 minutes of SIGTERM")
    }
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
