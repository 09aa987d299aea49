//! The C API from C: the committed header is what cbindgen generates now and carries the crate's
//! version; a C program (tests/c/test_capi.c) built against the shared library exercises every
//! function, status, NULL argument, corrupt buffer and 8 threads, natively and under valgrind;
//! the C and C++ examples build (plain Makefile) and scan a directory.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A directory holding libstegodetect.so{,.1} (links to the cdylib cargo built for this test),
/// made once per test process (the tests run in parallel).
fn lib_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let deps = exe.parent().unwrap();
        // `cargo test` builds the cdylib into deps/; target/release/ holds the one of the last
        // `cargo build`, which may be older: the newest is the one built for this test
        let so = [deps.parent().unwrap(), deps]
            .iter()
            .map(|d| d.join("libstegodetect_c.so"))
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .max()
            .map(|(_, p)| p)
            .expect("libstegodetect_c.so built by cargo");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("capi-lib");
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["libstegodetect.so.1", "libstegodetect.so"] {
            let link = dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&so, &link).unwrap();
        }
        dir
    })
    .clone()
}

fn compile(compiler: &str, src: &Path, out: &Path, extra: &[&str]) {
    let lib = lib_dir();
    let st = Command::new(compiler)
        .args(extra)
        .args(["-Wall", "-Wextra", "-Werror", "-g", "-I"])
        .arg(root().join("include"))
        .arg(src)
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lstegodetect", "-lpthread", "-o"])
        .arg(out)
        .status()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    assert!(st.success(), "{compiler} failed on {}", src.display());
}

#[test]
fn committed_header_is_current_and_versioned() {
    let generated =
        std::fs::read_to_string(Path::new(env!("OUT_DIR")).join("stegodetect.h")).unwrap();
    let committed = std::fs::read_to_string(root().join("include/stegodetect.h")).unwrap();
    assert!(
        generated == committed,
        "include/stegodetect.h is stale: run `make capi` (copies the generated header)"
    );
    let v = env!("CARGO_PKG_VERSION");
    assert!(committed.contains(&format!("#define STEGODETECT_VERSION \"{v}\"")));
    let mut parts = v.split('.');
    for name in ["MAJOR", "MINOR", "PATCH"] {
        let n = parts.next().unwrap();
        assert!(committed.contains(&format!("#define STEGODETECT_VERSION_{name} {n}\n")));
    }
    // the core crate and this crate share the version
    let core_toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(core_toml.contains(&format!("version = \"{v}\"")));
}

fn run_c_test(valgrind: bool) {
    // one directory per mode: the two tests run at once and each counts its log's lines
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(if valgrind {
        "capi-vg"
    } else {
        "capi-run"
    });
    std::fs::create_dir_all(&tmp).unwrap();
    let _ = std::fs::remove_file(tmp.join("capi-metrics.jsonl"));
    // a random (encrypted-like) 2 KB payload written sequentially, for the sequential-LSB option
    let cover =
        std::fs::read(root().join("../shared/data/starlight-sample/clean/clean-0004.png")).unwrap();
    let mut s = 0x9e37_79b9u64;
    let payload: Vec<u8> = (0..2048)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect();
    let stego = sdcore::embed::embed(
        &cover,
        &payload,
        &sdcore::embed::EmbedOptions::new(sdcore::Method::LsbRgb),
    )
    .unwrap();
    std::fs::write(tmp.join("seq-random.png"), stego.bytes).unwrap();
    let exe = tmp.join(if valgrind {
        "test_capi_vg"
    } else {
        "test_capi"
    });
    compile(
        "cc",
        &root().join("bindings/c/tests/c/test_capi.c"),
        &exe,
        &["-std=c11", "-D_POSIX_C_SOURCE=200809L"],
    );
    let mut cmd = if valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect",
            "--quiet",
        ])
        .arg(format!(
            "--suppressions={}",
            root().join("bindings/c/tests/valgrind.supp").display()
        ))
        .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd
        .arg(root().join("examples/images"))
        .arg(root().join("tests/fixtures/clean"))
        .arg(&tmp)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!("running the C test: {e} (valgrind is installed by `make setup`)")
        });
    assert!(
        out.status.success(),
        "C test failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all C API checks passed"));
}

#[test]
fn c_program_exercises_the_whole_api() {
    run_c_test(false);
}

#[test]
fn c_program_is_clean_under_valgrind() {
    run_c_test(true);
}

/// The release directory holding this test's cdylib and staticlib.
fn release_dir() -> PathBuf {
    let so = lib_dir().join("libstegodetect.so.1");
    std::fs::canonicalize(so)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Run an example as a host outside the repository would: working directory outside it, no
/// VIRTUAL_ENV or ORT_DYLIB_PATH, ONNX Runtime found only through LD_LIBRARY_PATH (a copy of the
/// library in `ortlib`). The verdicts and the metrics line must be right.
fn run_example(exe: &Path, ortlib: &Path) {
    let out = Command::new(exe)
        .arg(root().join("examples/images"))
        .current_dir(ortlib.parent().unwrap())
        .env_remove("VIRTUAL_ENV")
        .env_remove("ORT_DYLIB_PATH")
        .env("PATH", "/usr/bin:/bin")
        .env("LD_LIBRARY_PATH", ortlib)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}: {text}{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "stego-lsb.png: stego (lsb.rgb)",
        "stego-alpha.png: stego (alpha)",
        "clean-photo.png: clean",
        "metrics: 9 scans, 5 stego, 0 errors",
    ] {
        assert!(text.contains(line), "{}: {text}", exe.display());
    }
}

/// A copy of the project's ONNX Runtime library in `dir/ortlib` (for [`run_example`]).
fn ort_copy(dir: &Path) -> PathBuf {
    let capi = std::fs::read_dir(root().join(".venv/lib"))
        .expect(".venv: run `make setup`")
        .map(|e| e.unwrap().path().join("site-packages/onnxruntime/capi"))
        .find(|p| p.is_dir())
        .expect("onnxruntime in .venv");
    let lib = std::fs::read_dir(&capi)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("libonnxruntime.so.1")
        })
        .expect("libonnxruntime.so.1* in .venv");
    let ortlib = dir.join("ortlib");
    std::fs::create_dir_all(&ortlib).unwrap();
    std::fs::copy(&lib, ortlib.join(lib.file_name().unwrap())).unwrap();
    ortlib
}

/// `scripts/install-capi.sh` lays out headers, libstegodetect.so.1, libstegodetect.a and a
/// pkg-config file; the C and C++ examples build against it with their plain Makefiles and with
/// CMake, and the C example also links the static library; all of them scan a directory.
#[test]
fn examples_build_with_make_cmake_and_the_static_library() {
    // outside the repository (a .venv in an executable's parent directories would be found)
    let tmp =
        std::env::temp_dir().join(format!("stegodetect-capi-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let ortlib = ort_copy(&tmp);
    let prefix = tmp.join("prefix");
    let st = Command::new("bash")
        .arg(root().join("scripts/install-capi.sh"))
        .arg(&prefix)
        .arg(release_dir())
        .status()
        .unwrap();
    assert!(st.success());
    let lib = prefix.join("lib");
    assert!(lib.join("libstegodetect.so.1").exists() && lib.join("libstegodetect.a").exists());
    let soname = Command::new("readelf")
        .args(["-d"])
        .arg(lib.join("libstegodetect.so.1"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&soname.stdout).contains("[libstegodetect.so.1]"));
    // installed stripped, the debug information beside it
    for (f, debug) in [
        ("libstegodetect.so.1", false),
        ("libstegodetect.a", false),
        ("libstegodetect.so.1.debug", true),
    ] {
        let sections = Command::new("readelf")
            .arg("-S")
            .arg(lib.join(f))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&sections.stdout);
        assert_eq!(text.contains(".debug_info"), debug, "{f}: debug sections");
    }
    let pc = lib.join("pkgconfig");
    for lang in ["c", "cpp"] {
        // plain Makefile, in a copy of the example (as a user would)
        let src = root().join("examples").join(lang);
        let build = tmp.join(format!("{lang}-make"));
        std::fs::create_dir_all(&build).unwrap();
        for f in ["Makefile", "scan_dir.c", "scan_dir.cpp"] {
            if src.join(f).exists() {
                std::fs::copy(src.join(f), build.join(f)).unwrap();
            }
        }
        let st = Command::new("make")
            .args(["-s", "scan_dir"])
            .current_dir(&build)
            .env("PKG_CONFIG_PATH", &pc)
            .status()
            .unwrap();
        assert!(st.success(), "make {lang}");
        run_example(&build.join("scan_dir"), &ortlib);
        // the same host without the runtime on the loader's path: a clear error, exit 2
        let out = Command::new(build.join("scan_dir"))
            .arg(root().join("examples/images"))
            .current_dir(&tmp)
            .env_remove("VIRTUAL_ENV")
            .env_remove("ORT_DYLIB_PATH")
            .env_remove("LD_LIBRARY_PATH")
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("LD_LIBRARY_PATH") && err.contains("pip install onnxruntime"),
            "{err}"
        );
        // CMake
        let cbuild = tmp.join(format!("{lang}-cmake"));
        for args in [
            vec![
                "-S".to_string(),
                src.display().to_string(),
                "-B".into(),
                cbuild.display().to_string(),
            ],
            vec!["--build".to_string(), cbuild.display().to_string()],
        ] {
            let st = Command::new("cmake")
                .args(&args)
                .env("PKG_CONFIG_PATH", &pc)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("cmake: {e} (installed by `make setup`)"));
            assert!(st.success(), "cmake {args:?}");
        }
        run_example(&cbuild.join("scan_dir"), &ortlib);
    }
    // the static library: no libstegodetect.so needed at run time
    let exe = tmp.join("scan_dir_static");
    let st = Command::new("cc")
        .arg(root().join("examples/c/scan_dir.c"))
        .arg("-I")
        .arg(prefix.join("include"))
        .arg(lib.join("libstegodetect.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .status()
        .unwrap();
    assert!(st.success());
    let ldd = Command::new("ldd").arg(&exe).output().unwrap();
    assert!(!String::from_utf8_lossy(&ldd.stdout).contains("libstegodetect"));
    run_example(&exe, &ortlib);
    // the CMake package: find_package(stegodetect CONFIG), shared and static imported targets,
    // and a version it cannot satisfy refused
    for (target, version, ok) in [
        ("stegodetect::stegodetect", "0.1", true),
        ("stegodetect::stegodetect_static", "0.1", true),
        ("stegodetect::stegodetect", "0.2", false),
    ] {
        let proj = tmp.join(format!("cmake-config-{}-{version}", target.len()));
        let _ = std::fs::remove_dir_all(&proj);
        std::fs::create_dir_all(&proj).unwrap();
        std::fs::copy(
            root().join("examples/c/scan_dir.c"),
            proj.join("scan_dir.c"),
        )
        .unwrap();
        std::fs::write(
            proj.join("CMakeLists.txt"),
            format!(
                "cmake_minimum_required(VERSION 3.16)\nproject(t C)\n\
                 find_package(stegodetect {version} CONFIG REQUIRED)\n\
                 add_executable(scan_dir scan_dir.c)\n\
                 target_link_libraries(scan_dir PRIVATE {target})\n\
                 set_target_properties(scan_dir PROPERTIES BUILD_RPATH \"${{stegodetect_LIBDIR}}\")\n"
            ),
        )
        .unwrap();
        let configured = Command::new("cmake")
            .arg("-S")
            .arg(&proj)
            .arg("-B")
            .arg(proj.join("b"))
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .output()
            .unwrap();
        assert_eq!(configured.status.success(), ok, "{target} {version}");
        if ok {
            let st = Command::new("cmake")
                .arg("--build")
                .arg(proj.join("b"))
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(st.success(), "{target}");
            run_example(&proj.join("b/scan_dir"), &ortlib);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The C++ wrapper at run time, built as C++20 with -Wall -Wextra -Werror -pedantic: every
/// byte-input overload (std::string, string_view, vector, span of uint8_t and of std::byte), the
/// non-throwing calls (Detector::create, try_scan, try_scan_file, try_extract_json) and their
/// Outcome (status, name, message, std::error_code; value() of a failure throws it).
#[test]
fn cpp_wrapper_overloads_and_non_throwing_calls() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cpp-run");
    std::fs::create_dir_all(&tmp).unwrap();
    let exe = tmp.join("test_cpp");
    compile(
        "c++",
        &root().join("bindings/c/tests/c/test_cpp.cpp"),
        &exe,
        &["-std=c++20", "-pedantic"],
    );
    let out = Command::new(&exe)
        .arg(root().join("examples/images"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "C++ test failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all C++ checks passed"));
}

/// The C++ header: strings scan as bytes, views cannot be taken from a temporary Result (they
/// would dangle), statuses have names. Compiled with -Wall -Wextra -Werror -pedantic.
#[test]
fn cpp_header_takes_strings_and_refuses_dangling_views() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cpp-header");
    std::fs::create_dir_all(&tmp).unwrap();
    let compile = |name: &str, body: &str| {
        let src = tmp.join(name);
        std::fs::write(
            &src,
            format!("#include <stegodetect.hpp>\n#include <string>\nint main() {{\n{body}\nreturn 0;\n}}\n"),
        )
        .unwrap();
        Command::new("c++")
            .args([
                "-std=c++17",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-I",
            ])
            .arg(root().join("include"))
            .arg(&src)
            .output()
            .unwrap()
    };
    let ok = compile(
        "ok.cpp",
        r#"stegodetect::Detector det;
           std::string bytes = "not an image";
           try { auto r = det.scan(bytes); auto p = r.payload(); auto m = r.method_name();
                 (void)p; (void)m; (void)r.score(5); }
           catch (const stegodetect::Error &e) { const char *n = e.status_name(); (void)n; }"#,
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    for (name, body) in [
        (
            "payload.cpp",
            "stegodetect::Detector det; auto p = det.scan_file(\"x.png\").payload(); (void)p;",
        ),
        (
            "method.cpp",
            "stegodetect::Detector det; auto m = det.scan_file(\"x.png\").method_name(); (void)m;",
        ),
        (
            // a C string is a path given to the wrong call, or bytes in need of a string_view
            "cstring.cpp",
            "stegodetect::Detector det; auto r = det.scan(\"image.png\"); (void)r;",
        ),
    ] {
        let bad = compile(name, body);
        assert!(
            !bad.status.success(),
            "{name} compiled: a view of a temporary would dangle"
        );
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("delete"),
            "{name}"
        );
    }
}

/// The C header compiles as C89 (block comments only), for hosts on old toolchains.
#[test]
fn c_header_compiles_as_c89() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c89");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("c89.c");
    std::fs::write(
        &src,
        "#include <stegodetect.h>\nint main(void) { return 0; }\n",
    )
    .unwrap();
    let out = Command::new("cc")
        .args(["-std=c89", "-fsyntax-only", "-I"])
        .arg(root().join("include"))
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
