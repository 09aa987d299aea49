//! `stegodetect inspect` in a real browser: the page of a stego image of each method, of a random
//! payload written sequentially at a known size, and of clean images, loaded in headless
//! Chromium; the DOM must hold the planes (evidence marked), the heat maps with the payload's
//! extent, the tables and the payloads. Screenshots are kept in `target/tmp/` (the README's come
//! from there).

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use browser::{artifacts, chromium, file_url};

/// Run `stegodetect inspect FILE -o DIR`; returns DIR and the exit code.
fn inspect(file: &Path, name: &str) -> (PathBuf, i32) {
    // one directory per case, replaced on every run (`.` would make names that look like files)
    let out = artifacts().join(format!("inspect-page-{}", name.replace('.', "_")));
    let _ = std::fs::remove_dir_all(&out);
    let st = Command::new(env!("CARGO_BIN_EXE_stegodetect"))
        .arg("inspect")
        .arg("-o")
        .arg(&out)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.join("index.html").exists(),
        "{name}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    (out, st.status.code().unwrap_or(-1))
}

/// Values of attribute `attr` in the dumped DOM, in document order.
fn attr_values(dom: &str, attr: &str) -> Vec<String> {
    dom.split(&format!("{attr}=\""))
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect()
}

/// Planes marked as evidence (`data-plane` of figures whose `data-evidence` is true).
fn marked(dom: &str) -> Vec<String> {
    dom.split("<figure class=\"plane")
        .skip(1)
        .filter(|f| f.starts_with(" evidence"))
        .filter_map(|f| attr_values(f, "data-plane").into_iter().next())
        .collect()
}

#[test]
fn the_inspect_page_shows_planes_heat_tables_and_payloads() {
    let images = common::root().join("examples/images");
    for (file, method, planes, heat) in [
        ("stego-lsb.png", "lsb.rgb", vec!["R0", "G0", "B0"], true),
        ("stego-alpha.png", "alpha", vec!["A0"], true),
        ("stego-palette.gif", "palette", vec!["index0"], true),
        ("stego-exif.jpg", "exif", vec![], false),
        ("stego-raw.webp", "raw", vec![], true),
    ] {
        let (dir, code) = inspect(&images.join(file), file);
        assert_eq!(code, 1, "{file}: stego exits 1");
        let dom = chromium(&[], &file_url(&dir.join("index.html")));
        assert!(dom.contains("data-rendered=\"true\""), "{file}");
        assert_eq!(attr_values(&dom, "data-verdict"), ["stego"], "{file}");
        assert_eq!(attr_values(&dom, "data-method")[0], method, "{file}");
        let all = attr_values(&dom, "data-plane");
        assert!(
            all.len() >= 8 && all.len().is_multiple_of(8),
            "{file}: {all:?}"
        );
        assert_eq!(marked(&dom), planes, "{file}");
        assert_eq!(dom.contains("data-heat=\"pairs\""), heat, "{file}");
        // JPEGs: the coefficient histogram against its calibrated estimate, 16 values a series
        let jpeg = file.ends_with(".jpg");
        assert_eq!(
            attr_values(&dom, "data-coef-values") == ["16"],
            jpeg,
            "{file}"
        );
        if jpeg {
            assert_eq!(
                dom.matches("data-series=\"calibrated\"").count(),
                16,
                "{file}"
            );
        }
        // every image is inlined: the page is self-contained
        assert!(
            !dom.contains("src=\"http") && !dom.contains("src=\"plane-"),
            "{file}"
        );
        // the payload, previewed and downloadable
        assert!(dom.contains("Meet at the old lighthouse"), "{file}");
        assert!(
            dom.contains("download=\"payload-0.bin\" href=\"data:application/octet-stream;base64,"),
            "{file}"
        );
        // the PNG files beside the page
        for p in &all {
            assert!(dir.join(format!("plane-{p}.png")).exists(), "{file}: {p}");
        }
        match method {
            "exif" => assert!(
                dom.contains("<tr class=\"field evidence\" data-evidence=\"true\"><td>exif:"),
                "{dom}"
            ),
            "raw" => assert!(attr_values(&dom, "data-trailer-bytes").len() == 1, "{dom}"),
            _ => {}
        }
    }
}

#[test]
fn the_heat_map_and_extent_of_a_sequential_payload_match_its_size() {
    let dir = artifacts().join("inspect-sequential-input");
    std::fs::create_dir_all(&dir).unwrap();
    let cover = common::starlight_sample().join("clean/clean-0029.png"); // 256x256
    let payload = dir.join("payload.bin");
    std::fs::write(&payload, common::random_bytes(6_000, 42)).unwrap();
    let stego = dir.join("seq.png");
    let st = Command::new(env!("CARGO_BIN_EXE_stegodetect"))
        .args([
            "embed",
            "--method",
            "lsb.rgb",
            "--no-sidecar",
            "--payload-file",
        ])
        .arg(&payload)
        .arg("-o")
        .arg(&stego)
        .arg(&cover)
        .status()
        .unwrap();
    assert!(st.success());
    let (out, code) = inspect(&stego, "seq");
    assert_eq!(code, 1);
    let page = file_url(&out.join("index.html"));
    let dom = chromium(&[], &page);
    // 6,001 bytes at one bit per R, G and B sample of 256-pixel rows: 62.5 rows
    let rows: Vec<f64> = attr_values(&dom, "data-extent-rows")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(
        rows.len(),
        3,
        "the box over the image and both heat maps: {rows:?}"
    );
    assert!(rows.iter().all(|r| (r - 62.5).abs() <= 8.0), "{rows:?}");
    assert_eq!(marked(&dom), ["R0", "G0", "B0"]);
    assert!(dom.contains("data-heat=\"rate\""));
    chromium(
        &[
            "--window-size=1300,1500",
            &format!(
                "--screenshot={}",
                artifacts().join("inspect-sequential.png").display()
            ),
        ],
        &page,
    );
}

#[test]
fn a_clean_image_has_no_evidence_and_no_extent() {
    let images = common::root().join("examples/images");
    for file in ["clean-photo.png", "clean-camera.jpg", "clean-palette.gif"] {
        let (dir, code) = inspect(&images.join(file), file);
        assert_eq!(code, 0, "{file}: clean exits 0");
        let page = file_url(&dir.join("index.html"));
        let dom = chromium(&[], &page);
        assert_eq!(attr_values(&dom, "data-verdict"), ["clean"], "{file}");
        assert!(marked(&dom).is_empty(), "{file}");
        assert!(attr_values(&dom, "data-extent-rows").is_empty(), "{file}");
        assert!(!attr_values(&dom, "data-plane").is_empty(), "{file}");
        if file == "clean-photo.png" {
            chromium(
                &[
                    "--window-size=1300,1500",
                    &format!(
                        "--screenshot={}",
                        artifacts().join("inspect-clean.png").display()
                    ),
                ],
                &page,
            );
        }
    }
}
