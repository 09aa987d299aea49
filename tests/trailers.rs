//! Data after the end of the image that is explained by how files are written: the stale tail of
//! an earlier, longer write of the same file (it ends with the format's own end) is reported as
//! a finding with a graded score, not as a stego verdict; appended payloads still are.

mod common;

fn example(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join("examples/images").join(name)).unwrap()
}

#[test]
fn a_remnant_of_an_earlier_write_is_a_finding_not_a_verdict() {
    let det = common::detector();
    for name in ["clean-photo.png", "clean-camera.jpg"] {
        let img = example(name);
        // rewritten in place with shorter content: the old file's last bytes remain
        let mut f = img.clone();
        f.extend_from_slice(&img[img.len() - 3000..]);
        let r = det.scan_bytes(&f).unwrap();
        assert!(!r.is_stego, "{name}: p = {}", r.probability);
        let t = r.container.trailer.as_ref().expect("trailer reported");
        assert_eq!(t.length, 3000);
        let finding = r
            .findings
            .iter()
            .find(|e| e.analysis == "appended")
            .expect("a finding for the trailer");
        assert!(
            finding.detail.contains("earlier write"),
            "{}",
            finding.detail
        );
        assert!(finding.score > 0.0 && finding.score < 0.5);

        // the same bytes without the format's end, or a payload, are still data after the image
        let mut g = img.clone();
        g.extend_from_slice(&img[img.len() - 3000..img.len() - 20]);
        let r = det.scan_bytes(&g).unwrap();
        assert!(r.is_stego, "{name}: appended binary not flagged");
        let mut h = img.clone();
        h.extend_from_slice(b"the meeting moved to the old mill, bring the second key");
        assert!(
            det.scan_bytes(&h).unwrap().is_stego,
            "{name}: appended text"
        );
    }
}

/// A few bytes and a second end-of-image marker after a JPEG (the last entropy-coded bytes of
/// an earlier write: a held-out Blender manual figure ends `FF D9 14 51 40 1F FF D9`) are a
/// remnant, not a payload; the same bytes without the marker, or a 16-byte tail without the
/// stream's structure, are still data after the image.
#[test]
fn a_short_tail_ending_with_a_second_eoi_is_a_remnant() {
    use stegodetect::container::TrailerKind;
    let det = common::detector();
    let img = example("clean-camera.jpg");
    let scan = |tail: &[u8]| {
        let mut f = img.clone();
        f.extend_from_slice(tail);
        det.scan_bytes(&f).unwrap()
    };
    let r = scan(&[0x14, 0x51, 0x40, 0x1F, 0xFF, 0xD9]);
    assert!(!r.is_stego, "p = {}", r.probability);
    assert_eq!(
        r.container.trailer.as_ref().unwrap().kind,
        TrailerKind::Remnant
    );
    let r = scan(&[0x14, 0x51, 0x40, 0x1F, 0x9A, 0x07]);
    assert!(r.is_stego, "p = {}", r.probability);
    let mut sixteen: Vec<u8> = (0..14).map(|i| 0x31 + 7 * i as u8).collect();
    sixteen.extend_from_slice(&[0xFF, 0xD9]);
    let r = scan(&sixteen);
    assert_ne!(
        r.container.trailer.as_ref().unwrap().kind,
        TrailerKind::Remnant
    );
}

#[test]
fn a_final_newline_after_the_image_is_padding_but_text_is_a_payload() {
    let det = common::detector();
    let img = example("clean-photo.png");
    // a script's or an editor's final line break (seen on a held-out theme's PNG at p = 0.51
    // before this rule)
    for tail in [&b"\n\n"[..], b"\r\n", b"  \n"] {
        let mut f = img.clone();
        f.extend_from_slice(tail);
        let r = det.scan_bytes(&f).unwrap();
        assert!(!r.is_stego, "{tail:?}: p = {}", r.probability);
        let t = r.container.trailer.as_ref().expect("trailer reported");
        assert_eq!(t.kind, stegodetect::container::TrailerKind::Padding);
    }
    let mut f = img.clone();
    f.extend_from_slice(b"meet me at the old mill at dawn, bring the key");
    assert!(det.scan_bytes(&f).unwrap().is_stego);
}

#[test]
fn a_short_number_after_the_image_is_a_finding_not_a_verdict() {
    let det = common::detector();
    let img = example("clean-photo.png");
    // cacti's screenshots end with their own offset in ASCII
    let mut f = img.clone();
    f.extend_from_slice(img.len().to_string().as_bytes());
    let r = det.scan_bytes(&f).unwrap();
    assert!(!r.is_stego, "p = {}", r.probability);
    let found = r.findings.iter().find(|e| e.analysis == "appended");
    assert!(
        found.is_some_and(|e| e.score > 0.0 && e.score < 0.5),
        "{:?}",
        r.findings
    );
    // sixteen digits, or digits among words, are a payload as before
    for tail in [&b"4111111111111111"[..], b"pin 4711 at noon"] {
        let mut f = img.clone();
        f.extend_from_slice(tail);
        assert!(det.scan_bytes(&f).unwrap().is_stego, "{tail:?}");
    }
}
