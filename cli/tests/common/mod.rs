//! Helpers of the CLI's tests: the library tests' helpers (tests/common) and the `stegodetect`
//! executable.
#![allow(dead_code, unused_imports)]

#[path = "../../../tests/common/mod.rs"]
mod shared;

pub use shared::*;

/// The `stegodetect` executable built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stegodetect")
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
        let mut child = std::process::Command::new(bin())
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
