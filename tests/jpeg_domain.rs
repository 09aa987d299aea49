//! JPEG-domain analyses: coefficient access, the jsteg embedder and detector (payload
//! byte-exact, with and without the default model), clean JPEGs left alone, method ids and
//! names, Starlight's five-class mapping, hostile coefficient streams, and the learned JPEG
//! model on real steghide and OutGuess output.

mod common;

use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::planes::dct::{DctPlanes, MAX_SCANS};
use stegodetect::{Detector, ErrorKind, Method, PayloadEncoding, Tool};

/// The clean JPEG fixtures (the steghide, OutGuess and f5stegojs ones left out).
fn jpeg_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for dir in [
        "tests/fixtures/jpeg",
        "tests/fixtures/clean",
        "examples/images",
    ] {
        for e in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.extension().is_some_and(|x| x == "jpg")
                && !name.starts_with("steghide-")
                && !name.starts_with("outguess-")
                && !name.starts_with("f5stegojs-")
            {
                v.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    assert!(v.len() >= 6, "JPEG fixtures present");
    v
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join("tests/fixtures/jpeg").join(name)).unwrap()
}

fn nonzero_ac(jpeg: &[u8]) -> usize {
    let d = DctPlanes::read(jpeg, 1).unwrap();
    d.components
        .iter()
        .flat_map(|c| &c.blocks)
        .map(|b| b[1..].iter().filter(|&&v| v != 0).count())
        .sum()
}

#[test]
fn coefficients_are_read_with_layout_and_tables() {
    let grey = std::fs::read(common::root().join("tests/fixtures/clean/grey.jpg")).unwrap();
    let d = DctPlanes::read(&grey, 1).unwrap();
    assert_eq!((d.width, d.height, d.components.len()), (128, 128, 1));
    let c = &d.components[0];
    assert_eq!((c.blocks_x, c.blocks_y, c.blocks.len()), (16, 16, 256));
    assert!(c.quant.iter().all(|&q| q >= 1), "a quantisation table");
    assert!(c.blocks.iter().any(|b| b[0] != 0), "DC coefficients");
    assert_eq!(d.scan_order().count(), 256);

    let colour = fixture("photo-kphotoalbum.jpg");
    let d = DctPlanes::read(&colour, 1).unwrap();
    assert_eq!(d.components.len(), 3);
    let blocks: usize = d.components.iter().map(|c| c.blocks.len()).sum();
    assert_eq!(
        d.scan_order().count(),
        blocks,
        "every block once, MCU-interleaved"
    );
    // progressive files give the same kind of coefficients
    let prog = DctPlanes::read(&fixture("progressive-supertux.jpg"), 10).unwrap();
    assert!(prog.coefficient_count() > 0);
}

/// Blocks of the MCU padding (past the right or bottom edge) holding a usable AC coefficient.
fn padding_with_ac(d: &DctPlanes) -> usize {
    (0..d.components.len())
        .map(|ci| {
            let (c, (wb, hb)) = (&d.components[ci], d.blocks_inside(ci));
            (0..c.blocks.len())
                .filter(|b| b % c.blocks_x >= wb || b / c.blocks_x >= hb)
                .filter(|&b| c.blocks[b][1..].iter().any(|&v| v != 0 && v != 1))
                .count()
        })
        .sum()
}

/// Covers whose MCU padding holds AC coefficients (encoders that replicate the edge into it):
/// the coefficients are written back with libjpeg's DC-only dummy blocks there, so the embedder
/// must leave those blocks out, or the payload bits after the first one that lands in them are
/// read shifted. Payloads long enough to pass through the padding.
#[test]
fn jsteg_leaves_the_mcu_padding_alone() {
    let rules = Detector::rules_only();
    let mut covers = 0;
    for (name, cover) in jpeg_fixtures() {
        let d = DctPlanes::read(&cover, 1).unwrap();
        if padding_with_ac(&d) == 0 {
            continue;
        }
        covers += 1;
        let payload = common::random_bytes(nonzero_ac(&cover) * 3 / 4 / 8, 7);
        let st = embed(&cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).unwrap();
        assert_eq!(padding_with_ac(&DctPlanes::read(&st.bytes, 1).unwrap()), 0);
        let r = rules.scan_bytes(&st.bytes).unwrap();
        assert_eq!(r.method, Some(Method::JpegJsteg), "{name}");
        let p = r.payload.expect("payload recovered");
        assert_eq!(p.bytes, payload, "{name}: payload byte-exact");
    }
    assert!(
        covers >= 1,
        "a fixture whose MCU padding holds AC coefficients"
    );
}

#[test]
fn jsteg_payloads_are_found_and_recovered_byte_exact() {
    let rules = Detector::rules_only();
    let model = common::detector();
    let (mut covers, mut big) = (0, 0);
    for (name, cover) in jpeg_fixtures() {
        let nz = nonzero_ac(&cover);
        if nz < 2_000 {
            continue;
        }
        covers += 1;
        // random payloads at 0.2 bits per non-zero AC coefficient on every cover, at 0.05 from
        // 5,000 non-zero coefficients, and text at 0.05 on covers of 20,000 (about a 0.25 MP
        // photo: docs/jpeg-domain.md has the curves by size)
        let mut payloads = vec![common::random_bytes(nz / 5 / 8, nz as u64)];
        if nz >= 5_000 {
            // short random payloads: found through the prefix jsteg's header declares
            payloads.push(common::random_bytes(nz / 20 / 8, nz as u64 + 1));
        }
        if nz >= 20_000 {
            big += 1;
            payloads.push(
                b"meet at the old mill at dawn; bring the second key. "
                    .iter()
                    .cycle()
                    .take(nz / 20 / 8)
                    .copied()
                    .collect(),
            );
        }
        for payload in payloads {
            let st = embed(&cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).unwrap();
            for det in [&rules, &model] {
                let r = det.scan_bytes(&st.bytes).unwrap();
                assert!(
                    r.is_stego,
                    "{name}: {} bytes of jsteg not found",
                    payload.len()
                );
                assert_eq!(r.method, Some(Method::JpegJsteg), "{name}");
                assert_eq!(
                    (r.method_id, r.tool),
                    (Some(5), Some(Tool::Jsteg)),
                    "{name}"
                );
                let p = r.payload.as_ref().expect("payload recovered");
                assert_eq!(p.bytes, payload, "{name}: payload byte-exact");
                assert_eq!(p.encoding, PayloadEncoding::Jsteg);
                assert!(r.scores.get(Method::JpegJsteg) >= 0.9);
            }
            // the model, which knows nothing of coefficients, gives way to the rules
            let r = model.scan_bytes(&st.bytes).unwrap();
            assert_eq!(r.decided_by, "rules", "{name}");
        }
    }
    assert!(
        covers >= 4 && big >= 2,
        "only {covers} covers large enough ({big} large)"
    );
}

#[test]
fn clean_jpegs_get_no_jpeg_domain_verdict() {
    let det = Detector::rules_only();
    for (name, bytes) in jpeg_fixtures() {
        let r = det.scan_bytes(&bytes).unwrap();
        for e in r.findings.iter().filter(|e| e.method.is_jpeg_domain()) {
            assert!(e.score < 0.5, "{name}: {} {}", e.score, e.detail);
            assert_ne!(
                e.analysis, "dct",
                "{name}: coefficients not read: {}",
                e.detail
            );
        }
        assert!(!r.method.is_some_and(Method::is_jpeg_domain), "{name}");
    }
}

#[test]
fn method_ids_names_and_starlight_mapping() {
    for (i, m) in Method::ALL.iter().enumerate() {
        assert_eq!(m.id() as usize, i);
        assert_eq!(Method::from_id(i as u8), Some(*m));
        assert_eq!(m.name().parse::<Method>().unwrap(), *m);
        assert_eq!(m.is_jpeg_domain(), i >= 5);
        assert!(m.starlight_class().id() < 5);
    }
    assert_eq!(Method::from_id(10), None);
    assert!("jpeg.nope".parse::<Method>().is_err());

    let cover = fixture("photo-kphotoalbum.jpg");
    let st = embed(
        &cover,
        &common::random_bytes(400, 7),
        &EmbedOptions::new(Method::JpegJsteg),
    )
    .unwrap();
    let r = Detector::rules_only().scan_bytes(&st.bytes);
    let v = stegodetect::compat::starlight_record("x.jpg", &r);
    assert_eq!(v["is_stego"], true);
    assert_eq!(
        v["method_id"], 2,
        "Starlight knows five classes: jpeg.* is lsb.rgb"
    );
    assert_eq!(v["stego_type"], "lsb.rgb");
    assert_eq!(v["stegodetect_method"], "jpeg.jsteg");
    // the model has no class for it: the confidence is the verdict's probability
    let r = r.unwrap();
    assert_eq!(v["confidence"].as_f64().unwrap(), r.probability as f64);
}

#[test]
fn embed_refuses_what_it_cannot_write() {
    let cover = fixture("photo-kphotoalbum.jpg");
    for m in [
        Method::JpegF5,
        Method::JpegOutguess,
        Method::JpegSteghide,
        Method::JpegGeneric,
    ] {
        let e = embed(&cover, b"x", &EmbedOptions::new(m)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Embed, "{m}");
    }
    let e = embed(
        &cover,
        &vec![7u8; 1 << 20],
        &EmbedOptions::new(Method::JpegJsteg),
    )
    .unwrap_err();
    assert!(e.to_string().contains("usable AC coefficients hold"), "{e}");
    assert!(embed(&cover, b"", &EmbedOptions::new(Method::JpegJsteg)).is_err());
    // a PNG cover is encoded as a JPEG first
    let png = std::fs::read(common::root().join("tests/fixtures/clean/rgb.png")).unwrap();
    let st = embed(&png, b"hello jpeg", &EmbedOptions::new(Method::JpegJsteg)).unwrap();
    assert_eq!(st.format, stegodetect::Format::Jpeg);
}

#[test]
fn hostile_coefficient_streams_give_typed_errors() {
    let cover = fixture("progressive-supertux.jpg");
    let e = DctPlanes::read(&cover, MAX_SCANS + 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit, "scan bombs are refused: {e}");
    // damaged entropy-coded data: a typed error or a result, never a panic, and a scan that
    // cannot read coefficients says so instead of calling the JPEG-domain methods clean
    let det = Detector::rules_only();
    for (name, bytes) in jpeg_fixtures() {
        for k in 0..20 {
            let mut b = bytes.clone();
            let at = b.len() / 3 + k * 37 % (b.len() / 2);
            b[at] ^= 0x5A;
            let _ = DctPlanes::read(&b, 1).map_err(|e| e.kind());
            if let Ok(r) = det.scan_bytes(&b) {
                if let Some(e) = r.findings.iter().find(|e| e.analysis == "dct") {
                    assert!(e.detail.contains("not run"), "{name}: {}", e.detail);
                }
            }
        }
    }
}

/// The learned JPEG model runs beside the default model: real steghide and OutGuess output is
/// called stego with the right method and tool, every clean JPEG fixture carries the model's
/// finding below the operating point, and a rules-only detector has no such finding.
#[test]
fn the_jpeg_model_names_steghide_and_outguess() {
    let det = common::detector();
    for (file, method, tool) in [
        (
            "steghide-kphotoalbum.jpg",
            Method::JpegSteghide,
            Tool::Steghide,
        ),
        (
            "outguess-kphotoalbum.jpg",
            Method::JpegOutguess,
            Tool::Outguess,
        ),
    ] {
        let r = det.scan_bytes(&fixture(file)).unwrap();
        assert!(r.is_stego, "{file}: {:?}", r.findings);
        assert_eq!(r.method, Some(method), "{file}");
        assert_eq!(r.tool, Some(tool), "{file}");
        assert_eq!(r.decided_by, "model");
        assert!(r.probability > 0.5);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["tool"], tool.name());
        assert_eq!(json["method"], method.name());
    }
    for (name, bytes) in jpeg_fixtures() {
        let r = det.scan_bytes(&bytes).unwrap();
        let model: Vec<_> = r
            .findings
            .iter()
            .filter(|e| e.analysis == "jpeg-model")
            .collect();
        assert_eq!(model.len(), 1, "{name}: the JPEG model must have run");
        assert!(model[0].score < 0.5, "{name}: {}", model[0].detail);
        assert!(!r.method.is_some_and(Method::is_jpeg_domain), "{name}");
        let rules = Detector::rules_only().scan_bytes(&bytes).unwrap();
        assert!(rules.findings.iter().all(|e| e.analysis != "jpeg-model"));
    }
}

/// steghide's generator seeds of the fixtures' passphrases (`PASS`, and the unencrypted
/// fixture's; how they are computed: tests/fixtures/jpeg/README.md).
const SEED_PASS: u32 = 1_765_814_368;
const SEED_NONE: u32 = 2_246_807_166;

/// A million seeds on each side of `seed`: the same test of each seed as the whole search, in
/// milliseconds (the CLI test runs the whole search once).
fn around(seed: u32) -> std::ops::RangeInclusive<u32> {
    seed - (1 << 20)..=seed + (1 << 20)
}

fn steghide_samples(name: &str) -> stegodetect::analysis::jpeg::steghide::Samples {
    let dct = DctPlanes::read(&fixture(name), 1).unwrap();
    stegodetect::analysis::jpeg::steghide::Samples::new(&dct).unwrap()
}

/// Real steghide 0.5.1 output is found without its passphrase: the default encryption's header
/// (algorithm, mode, a size that fits), and an unencrypted payload read whole with its name and
/// a matching CRC; the cover shows nothing under either seed.
#[test]
fn steghide_is_found_without_its_passphrase() {
    use stegodetect::analysis::jpeg::steghide::search;
    let f = search(
        &steghide_samples("steghide-kphotoalbum.jpg"),
        around(SEED_PASS),
        1 << 20,
    );
    assert_eq!(f.len(), 1, "{f:?}");
    let h = &f[0].header;
    assert_eq!(h.seed, SEED_PASS);
    assert!(h.default_encryption());
    assert_eq!((h.algorithm_name(), h.mode_name()), ("rijndael-128", "cbc"));
    // 3,000 bytes of licence text, zlib-compressed, then encrypted with a 128-bit IV and blocks
    assert!((500 * 8..3_000 * 8).contains(&h.plain_bits), "{h:?}");
    assert_eq!(
        h.embedded_bits,
        128 + (h.plain_bits as u64).div_ceil(128) * 128
    );
    assert!(f[0].payload.is_none(), "encrypted: not readable");

    let f = search(
        &steghide_samples("steghide-none-kphotoalbum.jpg"),
        around(SEED_NONE),
        1 << 20,
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].header.algorithm_name(), "none");
    let p = f[0].payload.as_ref().expect("unencrypted payload read");
    assert_eq!(p.file_name, "msg.txt");
    assert_eq!(p.data.len(), 600);
    assert!(p
        .data
        .starts_with(b"                    GNU GENERAL PUBLIC LICENSE"));
    assert!(p.checksum_ok && p.complete);

    let cover = steghide_samples("photo-kphotoalbum.jpg");
    for seed in [SEED_PASS, SEED_NONE] {
        assert!(search(&cover, around(seed), 1 << 20).is_empty());
    }
}

/// Real steghide output (default encryption) under a passphrase every scan tries: called
/// `jpeg.steghide` by tool `steghide`, with and without the default model, its payload
/// decrypted byte-exact, the evidence naming what `needles` say.
fn assert_opened_in_every_scan(name: &str, payload: &[u8], needles: &[&str]) {
    let bytes = fixture(name);
    for det in [common::detector(), Detector::rules_only()] {
        let r = det.scan_bytes(&bytes).unwrap();
        assert!(r.is_stego, "{name}: {:?}", r.findings);
        assert_eq!(r.method, Some(Method::JpegSteghide));
        assert_eq!(r.tool, Some(Tool::Steghide));
        let p = r.payload.as_ref().expect("payload decrypted");
        assert_eq!(p.bytes, payload);
        assert_eq!(p.encoding, PayloadEncoding::Steghide);
        assert!(p.complete && !p.encrypted);
        let e = r
            .findings
            .iter()
            .find(|e| e.analysis == "steghide-passphrase")
            .unwrap();
        for n in needles {
            assert!(e.detail.contains(n), "{name}: {n} not in {}", e.detail);
        }
    }
}

/// The empty passphrase (steghide's prompt answered with Enter) is tried in every scan.
#[test]
fn steghide_under_the_empty_passphrase_is_decrypted_in_every_scan() {
    use stegodetect::analysis::jpeg::steghide::seed_of;
    assert_eq!(seed_of(b"PASS"), SEED_PASS);
    assert_eq!(seed_of(b"a passphrase nobody guesses"), SEED_NONE);
    assert_opened_in_every_scan(
        "steghide-empty-kphotoalbum.jpg",
        b"the password is swordfish\n",
        &["under the empty passphrase", "secret.txt", "CRC-32 matches"],
    );
}

/// The built-in list of common passphrases (the empty one first, then words of the trade and
/// the most common passwords) is tried in every scan: real steghide output under `dragon` is
/// found and decrypted; no clean JPEG fixture opens under any passphrase of the list.
#[test]
fn steghide_under_a_common_passphrase_is_decrypted_in_every_scan() {
    use stegodetect::analysis::jpeg::steghide::{
        known_passphrases, seed_of, try_passphrases, SampleIndex,
    };
    let known = known_passphrases();
    assert_eq!(known[0].passphrase, "");
    assert!(known.len() > 200, "{}", known.len());
    let distinct: std::collections::HashSet<&str> = known.iter().map(|k| k.passphrase).collect();
    assert_eq!(distinct.len(), known.len(), "a passphrase listed twice");
    assert!(known
        .iter()
        .all(|k| k.seed == seed_of(k.passphrase.as_bytes())));
    assert_opened_in_every_scan(
        "steghide-common-kphotoalbum.jpg",
        b"meeting moved to thursday, same place\n",
        &["\"dragon\"", "note.txt", "CRC-32 matches"],
    );
    for (name, bytes) in jpeg_fixtures() {
        let dct = DctPlanes::read(&bytes, 64).unwrap();
        if let Some(ix) = SampleIndex::new(&dct) {
            assert!(try_passphrases(&ix, &[], 1 << 20).is_none(), "{name}");
        }
    }
}

/// Passphrases given to the detector are tried on every JPEG: a short list (looked up through
/// the sample index) and a long one (through every sample's parity, in parallel) both open the
/// default-encrypted fixture under `PASS`, its 3,000 bytes decrypted byte-exact (they begin
/// with the GPL-3's title); the cover opens under none.
#[test]
fn steghide_passphrase_lists_decrypt_what_they_open() {
    let bytes = fixture("steghide-kphotoalbum.jpg");
    let mut long: Vec<String> = (0..5_000).map(|i| format!("not-it-{i}")).collect();
    long.push("PASS".into());
    for list in [vec!["wrong".to_string(), "PASS".to_string()], long] {
        let det = Detector::new(stegodetect::Options {
            model: stegodetect::ModelChoice::Rules,
            passphrases: list,
            ..stegodetect::Options::default()
        })
        .unwrap();
        let r = det.scan_bytes(&bytes).unwrap();
        assert_eq!(r.method, Some(Method::JpegSteghide), "{:?}", r.findings);
        let p = r.payload.as_ref().expect("decrypted");
        assert_eq!(p.bytes.len(), 3_000);
        assert!(p
            .bytes
            .starts_with(b"                    GNU GENERAL PUBLIC LICENSE"));
        let e = r
            .findings
            .iter()
            .find(|e| e.analysis == "steghide-passphrase");
        assert!(e.unwrap().detail.contains("\"PASS\""));
        let clean = det.scan_bytes(&fixture("photo-kphotoalbum.jpg")).unwrap();
        assert!(!clean.is_stego);
    }
}

/// OutGuess under a common key (`-k flag`, one of the passphrases every scan tries) is opened in
/// every scan, 1,000 bytes of text byte-exact, and names the method although the jsteg rule
/// fires on the same file (OutGuess changed low bits of its first coefficients): a payload
/// opened under a key outranks a statistical rule. The common keys open no clean fixture (the
/// next test).
#[test]
fn outguess_under_a_common_key_is_opened_in_every_scan() {
    use stegodetect::analysis::jpeg::outguess::{known_keys, DEFAULT_SEEDS};
    assert!(known_keys().iter().any(|(k, _)| *k == "flag"));
    assert_eq!(DEFAULT_SEEDS, 256);
    let bytes = fixture("outguess-common-trackballs.jpg");
    for det in [common::detector(), Detector::rules_only()] {
        let r = det.scan_bytes(&bytes).unwrap();
        assert!(
            r.findings
                .iter()
                .any(|e| e.analysis == "dct-sequential" && e.score > 0.99),
            "the jsteg rule no longer fires on this fixture: {:?}",
            r.findings
        );
        assert_eq!(r.method, Some(Method::JpegOutguess), "{:?}", r.findings);
        assert_eq!(r.tool, Some(Tool::Outguess));
        assert_eq!(r.probability, 1.0);
        let p = r.payload.as_ref().expect("payload");
        assert_eq!(p.bytes.len(), 1_000);
        assert!(p
            .bytes
            .starts_with(b"rbid circumvention of\ntechnological measures."));
        assert!(p.complete);
        let e = r
            .findings
            .iter()
            .find(|e| e.analysis == "outguess-key")
            .unwrap();
        assert!(e.detail.contains("\"flag\"") && e.detail.contains("seed 201"));
    }
}

/// OutGuess's default key (outguess run without `-k`) is tried in every scan: real OutGuess
/// output is called `jpeg.outguess` by tool `outguess` with its text payload byte-exact; a key
/// given to the detector opens the fixture made with `-k KEY` (1,500 bytes of the GPL-3); no
/// clean JPEG fixture yields a payload under the default key.
#[test]
fn outguess_payloads_are_read_under_known_keys() {
    let r = Detector::rules_only()
        .scan_bytes(&fixture("outguess-default-kphotoalbum.jpg"))
        .unwrap();
    assert_eq!(r.method, Some(Method::JpegOutguess), "{:?}", r.findings);
    assert_eq!(r.tool, Some(Tool::Outguess));
    let p = r.payload.as_ref().expect("payload");
    assert_eq!(
        p.bytes,
        b"meet me at the old mill at midnight, bring the documents\n"
    );
    assert_eq!(p.encoding, PayloadEncoding::Outguess);
    let e = r
        .findings
        .iter()
        .find(|e| e.analysis == "outguess-key")
        .unwrap();
    assert!(e.detail.contains("default key") && e.detail.contains("seed 79"));

    let keyed = Detector::new(stegodetect::Options {
        model: stegodetect::ModelChoice::Rules,
        passphrases: vec!["nope".into(), "KEY".into()],
        ..stegodetect::Options::default()
    })
    .unwrap();
    let r = keyed
        .scan_bytes(&fixture("outguess-kphotoalbum.jpg"))
        .unwrap();
    assert_eq!(r.method, Some(Method::JpegOutguess));
    let p = r.payload.as_ref().expect("payload under KEY");
    assert_eq!(p.bytes.len(), 1_500);
    assert!(p
        .bytes
        .starts_with(b"                    GNU GENERAL PUBLIC LICENSE"));

    for (name, bytes) in jpeg_fixtures() {
        let r = keyed.scan_bytes(&bytes).unwrap();
        assert!(
            r.findings.iter().all(|e| e.analysis != "outguess-key"),
            "{name}"
        );
    }
}

/// f5stegojs under the passwords given: real f5stegojs output (matrix code k = 5 on a colour
/// photo, k = 1 on a greyscale crop near its capacity) is called `jpeg.f5` by tool
/// `f5stegojs` with its text payload byte-exact; without the password nothing is read, a wrong
/// one reads nothing, and no clean fixture yields a payload under the list.
#[test]
fn f5stegojs_payloads_are_read_under_the_passwords_given() {
    let keyed = |list: &[&str]| {
        Detector::new(stegodetect::Options {
            model: stegodetect::ModelChoice::Rules,
            passphrases: list.iter().map(|s| s.to_string()).collect(),
            ..stegodetect::Options::default()
        })
        .unwrap()
    };
    let det = keyed(&["nope", "correct horse", "battery staple"]);
    // payloads cut from the GPL-3 (tests/fixtures/jpeg/README.md), checked by their CRC-32
    for (name, len, crc, k, start) in [
        (
            "f5stegojs-kphotoalbum.jpg",
            600,
            0x2a99_0b08,
            "k = 5",
            &b"                    GNU GENERAL PUBLIC LICENSE\n"[..],
        ),
        (
            "f5stegojs-grey-kphotoalbum.jpg",
            1_000,
            0x058d_7ee9,
            "k = 1",
            &b" take away your freedom to share and change the works."[..],
        ),
    ] {
        let bytes = fixture(name);
        let r = det.scan_bytes(&bytes).unwrap();
        assert_eq!(r.method, Some(Method::JpegF5), "{name}: {:?}", r.findings);
        assert_eq!(r.tool, Some(Tool::F5stegojs), "{name}");
        let p = r.payload.as_ref().expect("payload");
        assert_eq!(p.encoding, PayloadEncoding::F5stegojs);
        assert_eq!(p.bytes.len(), len, "{name}");
        assert!(p.bytes.starts_with(start), "{name}");
        assert_eq!(crc32fast::hash(&p.bytes), crc, "{name}: byte-exact");
        assert!(p.complete);
        let e = r.findings.iter().find(|e| e.analysis == "f5-key").unwrap();
        assert!(e.detail.contains(k), "{name}: {}", e.detail);

        for others in [&[][..], &["wrong", "Correct horse"][..]] {
            let r = keyed(others).scan_bytes(&bytes).unwrap();
            assert!(
                r.findings.iter().all(|e| e.analysis != "f5-key"),
                "{name} under {others:?}"
            );
        }
    }
    for (name, bytes) in jpeg_fixtures() {
        let r = det.scan_bytes(&bytes).unwrap();
        assert!(r.findings.iter().all(|e| e.analysis != "f5-key"), "{name}");
    }
}

#[test]
fn re_saves_are_reported_with_their_first_quality() {
    let det = Detector::rules_only();
    let scan = |name: &str| det.scan_bytes(&fixture(name)).unwrap();
    // the camera photo (quality 80) and the same photo saved again by Pillow at quality 90
    let photo = scan("photo-kphotoalbum.jpg").jpeg.expect("a JPEG report");
    assert_eq!((photo.quality, photo.standard_table), (80, true));
    assert!(!photo.double_compressed, "{photo:?}");
    let resaved = scan("resaved-kphotoalbum.jpg").jpeg.expect("a JPEG report");
    assert_eq!(resaved.quality, 90);
    assert!(resaved.double_compressed, "{resaved:?}");
    assert_eq!(resaved.primary_quality, Some(80), "{resaved:?}");
    assert!(resaved.primary_steps.len() >= 3 && resaved.double_evidence > 1000.0);
    // steghide changes coefficients without compressing again
    let stego = scan("steghide-kphotoalbum.jpg")
        .jpeg
        .expect("a JPEG report");
    assert!(!stego.double_compressed, "{stego:?}");
    // in every face's record; null for other formats
    let rec = stegodetect::verdict::record(None, Ok(&scan("resaved-kphotoalbum.jpg")));
    assert_eq!(rec["jpeg"]["primary_quality"], 80);
    let png = det
        .scan_path(common::root().join("examples/images/clean-photo.png"))
        .unwrap();
    assert!(png.jpeg.is_none());
    assert!(stegodetect::verdict::record(None, Ok(&png))["jpeg"].is_null());
}

#[test]
fn a_resave_alone_does_not_make_a_jsteg_verdict() {
    let det = Detector::rules_only();
    let r = det.scan_bytes(&fixture("resaved-marble-srtm.jpg")).unwrap();
    let report = r.jpeg.as_ref().expect("a JPEG report");
    assert!(report.double_compressed, "{report:?}");
    assert!(!r.is_stego, "{:?}", r.findings.first());
    let held = r
        .findings
        .iter()
        .find(|e| e.method == Method::JpegJsteg && e.analysis == "dct-sequential")
        .expect("the sequential finding is still reported");
    assert_eq!(held.score, stegodetect::analysis::jpeg::jsteg::RESAVE_HOLD);
    assert!(held.detail.contains("compressed twice"), "{}", held.detail);
    // jsteg's own format on the same re-save is still found, payload and all
    let payload = b"a payload with jsteg's header, on a re-saved cover".repeat(4);
    let st = embed(
        &fixture("resaved-marble-srtm.jpg"),
        &payload,
        &EmbedOptions::new(Method::JpegJsteg),
    )
    .unwrap();
    let r = det.scan_bytes(&st.bytes).unwrap();
    assert!(
        r.is_stego && r.method == Some(Method::JpegJsteg),
        "{:?}",
        r.findings.first()
    );
    assert_eq!(r.payload.as_ref().map(|p| &p.bytes[..]), Some(&payload[..]));
}
