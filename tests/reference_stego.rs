//! Every file the Starlight generator itself wrote (shared/data/starlight-sample/reference-stego)
//! is detected with the sidecar's method, and its payload is recovered byte-exact.

mod common;

use stegodetect::Method;

#[test]
fn reference_generator_output_is_detected_and_extracted_exactly() {
    let dir = common::starlight_sample().join("reference-stego");
    let seeds = common::starlight_sample().join("seeds");
    let det = common::detector();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let method: Method = side["embedding"]["technique"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let image = dir.join(name.trim_end_matches(".json"));
        // file names are <seed file stem>_<algorithm>_<index>.<ext>
        let stem = name.rsplitn(3, '_').nth(2).unwrap();
        let seed = std::fs::read(seeds.join(format!("{stem}.md"))).unwrap();
        let r = det
            .scan_path(&image)
            .unwrap_or_else(|e| panic!("{}: {e}", image.display()));
        assert!(r.is_stego, "{name}: not detected (p={})", r.probability);
        assert_eq!(r.method, Some(method), "{name}: wrong method");
        assert_eq!(r.method_id, Some(method.id()));
        let p = r
            .payload
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no payload"));
        assert_eq!(p.method, method);
        assert!(
            p.bytes == seed,
            "{name}: payload differs ({} vs {} bytes)",
            p.bytes.len(),
            seed.len()
        );
        assert!(p.complete);
        if let Some(order) = side["embedding"]["bit_order"].as_str() {
            if method != Method::Alpha {
                assert_eq!(p.bit_order.unwrap().as_str(), order, "{name}: bit order");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 48, "expected the 48 reference stego files");
}

#[test]
fn starlight_clean_covers_are_clean() {
    let det = common::detector();
    let dir = common::starlight_sample().join("clean");
    let mut n = 0;
    let mut flagged = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let r = det
            .scan_path(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if r.is_stego {
            flagged.push(p.display().to_string());
        }
        n += 1;
    }
    assert_eq!(n, 311);
    assert!(flagged.is_empty(), "false positives: {flagged:?}");
}
