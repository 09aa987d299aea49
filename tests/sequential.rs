//! The payload-agnostic sequential-LSB analysis (`Options::sequential_lsb`, on by default):
//! random payloads, which no content search can read, written from the first pixel are found and
//! their length estimated; the same covers stay clean; turned off, it adds nothing.

mod common;

use stegodetect::analysis::sequential::{self, LAMBDA_MID};
use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::{
    container, planes, BitOrder, Detector, Format, Limits, Method, ModelChoice, Options,
};

const COVERS: [&str; 5] = [
    "clean-0004.png",
    "clean-0029.png",
    "clean-0038.png",
    "clean-0106.png",
    "clean-0127.png",
];

/// The statistic of the path `name` of the image's first frame; `None` when its first LSBs cannot
/// be a random payload's (not modelled).
fn path(file: &[u8], name: &str) -> Option<sequential::PathStat> {
    let limits = Limits::default();
    let format = Format::sniff(file).unwrap();
    let info = container::parse(format, file, &limits).unwrap();
    let d = planes::decode(format, file, &info, &limits).unwrap();
    sequential::paths(&d.frames[0])
        .into_iter()
        .find(|s| s.path == name)
}

fn rgb_path(file: &[u8]) -> Option<sequential::PathStat> {
    path(file, "RGB")
}

fn detector(sequential_lsb: bool) -> Detector {
    Detector::new(Options {
        model: ModelChoice::Rules,
        sequential_lsb,
        ..Options::default()
    })
    .unwrap()
}

#[test]
fn random_sequential_payloads_are_found_and_measured() {
    let det = detector(true);
    let dir = common::starlight_sample().join("clean");
    for (i, name) in COVERS.into_iter().enumerate() {
        let cover = std::fs::read(dir.join(name)).unwrap();
        let clean = rgb_path(&cover);
        assert!(
            clean.as_ref().is_none_or(|c| c.lambda < LAMBDA_MID - 60.0),
            "{name}: clean cover reaches {clean:?}"
        );
        let r = det.scan_bytes(&cover).unwrap();
        assert!(
            r.findings.iter().all(|e| e.analysis != "sequential"),
            "{name}: sequential finding on the clean cover: {:?}",
            r.findings
        );
        for order in BitOrder::BOTH {
            let payload = common::random_bytes(2048, 0x9e37_79b9 + i as u64);
            let mut o = EmbedOptions::new(Method::LsbRgb);
            o.bit_order = order;
            let stego = embed(&cover, &payload, &o).unwrap().bytes;
            let s = rgb_path(&stego).expect("a random prefix is modelled");
            // payload and its NUL terminator, one bit per sample
            let bits = (payload.len() + 1) * 8;
            assert!(
                s.lambda > LAMBDA_MID,
                "{name} {order:?}: lambda {}",
                s.lambda
            );
            assert!(
                s.samples.abs_diff(bits) * 50 <= bits,
                "{name} {order:?}: estimated {} samples for {bits} bits",
                s.samples
            );
            let r = det.scan_bytes(&stego).unwrap();
            let found = r
                .findings
                .iter()
                .find(|e| e.analysis == "sequential")
                .unwrap_or_else(|| {
                    panic!("{name} {order:?}: no sequential finding: {:?}", r.findings)
                });
            assert_eq!(found.method, Method::LsbRgb);
            assert!(found.score >= 0.5, "{name}: score {}", found.score);
            assert!(r.is_stego, "{name} {order:?}: p {}", r.probability);
        }
    }
}

#[test]
fn turned_off_the_analysis_adds_nothing() {
    let cover = std::fs::read(common::starlight_sample().join("clean").join(COVERS[0])).unwrap();
    let stego = embed(
        &cover,
        &common::random_bytes(2048, 1),
        &EmbedOptions::new(Method::LsbRgb),
    )
    .unwrap()
    .bytes;
    assert!(rgb_path(&stego).expect("modelled").lambda > LAMBDA_MID);
    let r = detector(false).scan_bytes(&stego).unwrap();
    assert!(r.findings.iter().all(|e| e.analysis != "sequential"));
}

/// Palette covers of the Starlight sample (256x256 GIFs).
const PALETTE_COVERS: [&str; 4] = [
    "clean-0001.gif",
    "clean-0002.gif",
    "clean-0005.gif",
    "clean-0006.gif",
];

fn palette_path(file: &[u8]) -> Option<sequential::PathStat> {
    path(file, "palette index")
}

#[test]
fn short_random_palette_payloads_are_found_by_the_default_scan() {
    let det = detector(true);
    let model = common::detector(); // the default model weighs the finding the same way
    let dir = common::starlight_sample().join("clean");
    for (i, name) in PALETTE_COVERS.into_iter().enumerate() {
        let cover = std::fs::read(dir.join(name)).unwrap();
        let clean = palette_path(&cover);
        assert!(
            clean.as_ref().is_none_or(|c| c.lambda < LAMBDA_MID - 60.0),
            "{name}: clean cover reaches {clean:?}"
        );
        let r = det.scan_bytes(&cover).unwrap();
        assert!(
            !r.is_stego,
            "{name}: clean cover flagged, p {}",
            r.probability
        );
        assert!(r.findings.iter().all(|e| e.analysis != "sequential"));
        for (len, order) in [(64, BitOrder::MsbFirst), (128, BitOrder::LsbFirst)] {
            let payload = common::random_bytes(len, 0x5eed + i as u64);
            let mut o = EmbedOptions::new(Method::Palette);
            o.bit_order = order;
            let stego = embed(&cover, &payload, &o).unwrap().bytes;
            let s = palette_path(&stego).expect("a random prefix is modelled");
            let bits = (len + 1) * 8;
            assert!(s.lambda > LAMBDA_MID, "{name} {len} B: lambda {}", s.lambda);
            assert!(
                s.samples.abs_diff(bits) * 10 <= bits,
                "{name} {len} B: estimated {} samples for {bits} bits",
                s.samples
            );
            let r = det.scan_bytes(&stego).unwrap();
            assert!(r.is_stego, "{name} {len} B: p {}", r.probability);
            assert_eq!(r.method, Some(Method::Palette), "{name} {len} B");
            let m = model.scan_bytes(&stego).unwrap();
            assert!(m.is_stego, "{name} {len} B: model p {}", m.probability);
            assert!(!model.scan_bytes(&cover).unwrap().is_stego, "{name}");
            assert!(
                r.findings
                    .iter()
                    .any(|e| e.analysis == "sequential" && e.method == Method::Palette),
                "{name} {len} B: {:?}",
                r.findings
            );
        }
    }
}

#[test]
fn short_random_rgb_payloads_are_found_by_the_default_scan() {
    let model = common::detector();
    let dir = common::starlight_sample().join("clean");
    for (i, name) in COVERS.into_iter().enumerate() {
        let cover = std::fs::read(dir.join(name)).unwrap();
        assert!(!model.scan_bytes(&cover).unwrap().is_stego, "{name}");
        let payload = common::random_bytes(128, 0xc0ffee + i as u64);
        let stego = embed(&cover, &payload, &EmbedOptions::new(Method::LsbRgb))
            .unwrap()
            .bytes;
        let s = rgb_path(&stego).expect("a random prefix is modelled");
        let bits = (payload.len() + 1) * 8;
        assert!(s.lambda > LAMBDA_MID, "{name}: lambda {}", s.lambda);
        assert!(
            s.samples.abs_diff(bits) * 10 <= bits,
            "{name}: estimated {} samples for {bits} bits",
            s.samples
        );
        let r = model.scan_bytes(&stego).unwrap();
        assert!(r.is_stego, "{name}: p {}", r.probability);
        assert_eq!(r.method, Some(Method::LsbRgb), "{name}");
    }
}
