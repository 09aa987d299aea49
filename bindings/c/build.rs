//! Generates the C header with the pinned cbindgen (into OUT_DIR; `tests/c_api.rs` checks that
//! the committed `include/stegodetect.h` is identical) and gives the shared library its SONAME.

fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    let mut config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).unwrap();
    config.after_includes = Some(format!(
        "\n#define STEGODETECT_VERSION \"{version}\"\n#define STEGODETECT_VERSION_MAJOR {major}\n\
         #define STEGODETECT_VERSION_MINOR {minor}\n#define STEGODETECT_VERSION_PATCH {patch}\n\
         #define STEGODETECT_ABI_VERSION {ABI}\n"
    ));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("stegodetect.h");
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen")
        .write_to_file(&out);
    // ABI version: bumped when the C ABI breaks, independently of the crate's version
    const ABI: u32 = 1;
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libstegodetect.so.{ABI}");
    }
}
