//! Finding and loading ONNX Runtime's shared library. `ort` is built with `load-dynamic`: nothing
//! is downloaded; the library is ONNX Runtime 1.17 or later from anywhere on the host (the
//! `onnxruntime` Python wheel, a system package, a copy of the release archive).
//!
//! Search order: an explicit path (option), `ORT_DYLIB_PATH`, the active virtual environment
//! (`$VIRTUAL_ENV`), the system loader's places (`LD_LIBRARY_PATH`, the `ldconfig` cache, the
//! usual library directories), a `.venv` next to the working directory or the executable (or a
//! parent), then the `onnxruntime` package of `python3` (located with `importlib.util.find_spec`,
//! without importing it). Hosts without any runtime use the rules-only detector.
//!
//! ONNX Runtime is process-global: the first successful load wins, and later requests for a
//! different library are refused with a clear error rather than silently ignored.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

static LOADED: OnceLock<(PathBuf, ort::environment::Environment)> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

const HOW_TO_FIX: &str = "install ONNX Runtime (>= 1.17) anywhere and say where: `pip install \
onnxruntime` into a virtual environment and activate it (or set VIRTUAL_ENV), a system package \
that puts libonnxruntime.so.1 on the loader's path (LD_LIBRARY_PATH, ldconfig), or ORT_DYLIB_PATH \
/ the runtime path option naming the library file (in this repository, `make setup`); without a \
runtime, use the rules-only detector";

/// Candidate library files inside an `onnxruntime` package directory.
fn in_package(pkg: &Path) -> Option<PathBuf> {
    let capi = pkg.join("capi");
    let mut libs: Vec<PathBuf> = std::fs::read_dir(&capi)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("libonnxruntime.so")
                    || n == "onnxruntime.dll"
                    || n.starts_with("libonnxruntime.") && n.ends_with(".dylib")
            })
        })
        .collect();
    libs.sort();
    libs.pop()
}

fn in_venv(venv: &Path) -> Option<PathBuf> {
    let lib = venv.join("lib");
    for e in std::fs::read_dir(&lib).ok()?.filter_map(|e| e.ok()) {
        if let Some(p) = in_package(&e.path().join("site-packages/onnxruntime")) {
            return Some(p);
        }
    }
    in_package(&venv.join("Lib/site-packages/onnxruntime"))
}

/// A library file that the system loader would find under one of these names.
fn is_runtime_name(n: &str) -> bool {
    n == "libonnxruntime.so" || n.starts_with("libonnxruntime.so.") || n == "libonnxruntime.dylib"
}

fn in_dir(dir: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_runtime_name)
        })
        .filter(|p| p.is_file())
        .collect();
    libs.sort();
    libs.pop()
}

/// Everything the search looks at, gathered from the process (or given, in tests).
#[derive(Debug, Default, Clone)]
pub(crate) struct Search {
    pub(crate) ort_dylib_path: Option<PathBuf>,
    pub(crate) virtual_env: Option<PathBuf>,
    /// `LD_LIBRARY_PATH` entries, then the `ldconfig` cache's and the usual library directories.
    pub(crate) loader_dirs: Vec<PathBuf>,
    /// Where to look for a `.venv` (and in the parents): the working directory, the executable's.
    pub(crate) starts: Vec<PathBuf>,
    pub(crate) python: bool,
}

impl Search {
    fn from_process() -> Search {
        let mut loader_dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        // the ldconfig cache: "libonnxruntime.so.1 (libc6,x86-64) => /usr/lib/.../libonnxruntime.so.1"
        if let Ok(out) = std::process::Command::new("ldconfig").arg("-p").output() {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Some((_, path)) = line.split_once("=> ") {
                    let p = Path::new(path.trim());
                    if p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_runtime_name)
                    {
                        loader_dirs.extend(p.parent().map(Path::to_path_buf));
                    }
                }
            }
        }
        loader_dirs.extend(
            [
                "/usr/local/lib",
                "/usr/lib",
                "/usr/lib64",
                "/usr/lib/x86_64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
            ]
            .map(PathBuf::from),
        );
        Search {
            ort_dylib_path: std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from),
            virtual_env: std::env::var_os("VIRTUAL_ENV").map(PathBuf::from),
            loader_dirs,
            starts: [
                std::env::current_dir().ok(),
                std::env::current_exe()
                    .ok()
                    .and_then(|e| e.parent().map(Path::to_path_buf)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            python: true,
        }
    }

    /// Locate the library in the search order of the module docs; the error lists what was
    /// tried.
    pub(crate) fn locate(&self, explicit: Option<&Path>) -> Result<PathBuf> {
        if let Some(p) = explicit {
            if p.is_file() {
                return Ok(p.to_path_buf());
            }
            return Err(Error::RuntimeNotFound(format!(
                "{} does not exist; {HOW_TO_FIX}",
                p.display()
            )));
        }
        let mut tried = Vec::new();
        if let Some(p) = &self.ort_dylib_path {
            if p.is_file() {
                return Ok(p.clone());
            }
            tried.push(format!("ORT_DYLIB_PATH={} (no such file)", p.display()));
        } else {
            tried.push("ORT_DYLIB_PATH (not set)".into());
        }
        match &self.virtual_env {
            Some(v) => match in_venv(v) {
                Some(p) => return Ok(p),
                None => tried.push(format!(
                    "VIRTUAL_ENV={} (no onnxruntime package)",
                    v.display()
                )),
            },
            None => tried.push("VIRTUAL_ENV (not set)".into()),
        }
        for dir in &self.loader_dirs {
            if let Some(p) = in_dir(dir) {
                return Ok(p);
            }
        }
        tried.push("the system loader's places (LD_LIBRARY_PATH, the ldconfig cache, /usr/local/lib, /usr/lib)".into());
        for start in &self.starts {
            for dir in start.ancestors() {
                if let Some(p) = in_venv(&dir.join(".venv")) {
                    return Ok(p);
                }
            }
        }
        tried.push(
            "a .venv in the working directory, beside the executable, or their parents".into(),
        );
        if self.python {
            let py = std::process::Command::new("python3")
                .args(["-c", "import importlib.util as u, os; s = u.find_spec('onnxruntime'); print(os.path.dirname(s.origin) if s else '')"])
                .output();
            if let Ok(out) = py {
                let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !dir.is_empty() {
                    if let Some(p) = in_package(Path::new(&dir)) {
                        return Ok(p);
                    }
                }
            }
            tried.push("the onnxruntime package of python3".into());
        }
        Err(Error::RuntimeNotFound(format!(
            "ONNX Runtime library not found; tried {}. To fix: {HOW_TO_FIX}",
            tried.join("; ")
        )))
    }
}

/// Locate the runtime library (search order in the module docs); the error lists what was tried.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf> {
    Search::from_process().locate(explicit)
}

/// Load the runtime once per process and return its environment.
pub fn environment(explicit: Option<&Path>) -> Result<&'static ort::environment::Environment> {
    if let Some((loaded, env)) = LOADED.get() {
        if let Some(p) = explicit {
            if p != loaded {
                return Err(Error::Model(format!(
                    "ONNX Runtime is already loaded from {} in this process; cannot switch to {}",
                    loaded.display(),
                    p.display()
                )));
            }
        }
        return Ok(env);
    }
    let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, env)) = LOADED.get() {
        return Ok(env);
    }
    let path = find(explicit)?;
    let builder = ort::init_from(&path).map_err(|e| {
        Error::RuntimeNotFound(format!("cannot load {}: {e}; {HOW_TO_FIX}", path.display()))
    })?;
    let env = builder.with_name("stegodetect").build().map_err(|e| {
        Error::Model(format!(
            "ONNX Runtime from {} failed to start: {e}",
            path.display()
        ))
    })?;
    Ok(&LOADED.get_or_init(|| (path, env)).1)
}

/// Path of the loaded runtime, if any.
pub fn loaded_path() -> Option<&'static Path> {
    LOADED.get().map(|(p, _)| p.as_path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_lib(dir: &Path, name: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, b"not really a library").unwrap();
        p
    }

    #[test]
    fn search_order_and_the_error_text() {
        let tmp = tempfile::tempdir().unwrap();
        let venv = tmp.path().join("venv");
        let in_venv = fake_lib(
            &venv.join("lib/python3.11/site-packages/onnxruntime/capi"),
            "libonnxruntime.so.1.20.1",
        );
        let sys = fake_lib(&tmp.path().join("sys"), "libonnxruntime.so.1");
        let explicit = fake_lib(tmp.path(), "mine.so");
        let none = Search::default();
        let e = none.locate(None).unwrap_err();
        let msg = e.to_string();
        for needle in [
            "ORT_DYLIB_PATH",
            "VIRTUAL_ENV",
            "LD_LIBRARY_PATH",
            "pip install onnxruntime",
            "rules-only",
        ] {
            assert!(msg.contains(needle), "{needle}: {msg}");
        }
        // the loader's places are searched; an active virtual environment comes first
        let s = Search {
            loader_dirs: vec![
                tmp.path().join("empty"),
                sys.parent().unwrap().to_path_buf(),
            ],
            ..Search::default()
        };
        assert_eq!(s.locate(None).unwrap(), sys);
        let s = Search {
            virtual_env: Some(venv.clone()),
            ..s
        };
        assert_eq!(s.locate(None).unwrap(), in_venv);
        let s = Search {
            ort_dylib_path: Some(explicit.clone()),
            ..s
        };
        assert_eq!(s.locate(None).unwrap(), explicit);
        assert_eq!(s.locate(Some(&sys)).unwrap(), sys);
        assert!(s.locate(Some(&tmp.path().join("missing.so"))).is_err());
        // a .venv beside the start directory (the project's)
        let proj = tmp.path().join("proj");
        let in_proj = fake_lib(
            &proj.join(".venv/lib/python3.12/site-packages/onnxruntime/capi"),
            "libonnxruntime.so.1.21.0",
        );
        let s = Search {
            starts: vec![proj.join("src/deep")],
            ..Search::default()
        };
        assert_eq!(s.locate(None).unwrap(), in_proj);
    }
}
