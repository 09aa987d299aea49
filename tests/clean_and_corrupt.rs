//! Clean fixtures decode as what they are and scan clean; truncated, bit-flipped and hostile inputs
//! give typed errors (or a scan), never a panic, a hang or a huge allocation.

mod common;

use stegodetect::embed::png_chunk;
use stegodetect::{Detector, ErrorKind, Format, Limits, Method, Options};

#[test]
fn clean_fixtures_decode_and_scan_clean() {
    let det = common::detector();
    let expect: &[(&str, Format, &str, u8, u32)] = &[
        ("rgb.png", Format::Png, "RGB", 8, 1),
        ("grey.png", Format::Png, "L", 8, 1),
        ("grey1.png", Format::Png, "L", 1, 1),
        ("grey16.png", Format::Png, "L", 16, 1),
        ("grey_alpha.png", Format::Png, "LA", 8, 1),
        ("rgba16.png", Format::Png, "RGBA", 16, 1),
        ("palette.png", Format::Png, "P", 8, 1),
        ("palette1.png", Format::Png, "P", 1, 1),
        ("palette4.png", Format::Png, "P", 4, 1),
        ("palette_trns.png", Format::Png, "P", 8, 1),
        ("rgba_natural_alpha.png", Format::Png, "RGBA", 8, 1),
        ("baseline.jpg", Format::Jpeg, "RGB", 8, 1),
        ("progressive.jpg", Format::Jpeg, "RGB", 8, 1),
        ("grey.jpg", Format::Jpeg, "L", 8, 1),
        ("camera_exif.jpg", Format::Jpeg, "RGB", 8, 1),
        ("static.gif", Format::Gif, "P", 8, 1),
        ("animated.gif", Format::Gif, "P", 8, 12),
        ("bmp1.bmp", Format::Bmp, "P", 1, 1),
        ("bmp4.bmp", Format::Bmp, "P", 4, 1),
        ("bmp8.bmp", Format::Bmp, "P", 8, 1),
        ("bmp16.bmp", Format::Bmp, "RGB", 8, 1),
        ("bmp24.bmp", Format::Bmp, "RGB", 8, 1),
        ("lossless.webp", Format::WebP, "RGB", 8, 1),
        ("lossy.webp", Format::WebP, "RGB", 8, 1),
        ("lossy_alpha.webp", Format::WebP, "RGBA", 8, 1),
        ("animated.webp", Format::WebP, "RGB", 8, 3),
    ];
    for &(name, fmt, mode, depth, frames) in expect {
        let r = det
            .scan_bytes(&common::fixture(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.image.format, fmt, "{name}");
        assert_eq!(r.image.mode, mode, "{name}");
        assert_eq!(r.image.bit_depth, depth, "{name}");
        assert_eq!(r.image.frames, frames, "{name}");
        // an animated WebP is analysed on its first frame (image-webp's still decode)
        let analysed = if name == "animated.webp" { 1 } else { frames };
        assert_eq!(
            r.image.frames_analysed, analysed,
            "{name}: every frame analysed"
        );
        assert!(
            !r.is_stego,
            "{name}: false positive {:?}",
            r.findings.first()
        );
        assert!(r.container.trailer.is_none(), "{name}: trailer");
    }
    // every fixture is covered by the table or is clean anyway
    for (name, bytes) in common::clean_fixtures() {
        if name.ends_with(".py") {
            continue;
        }
        let r = det.scan_bytes(&bytes).unwrap();
        assert!(!r.is_stego, "{name}");
    }
}

/// Lossy WebPs, animated ones included (VP8 inside ANMF frames), are profiled as lossy, so the
/// LSB analyses do not read codec noise; lossless ones are not.
#[test]
fn webp_lossiness_is_seen_inside_animation_frames() {
    let det = Detector::rules_only();
    for (name, lossy) in [
        ("lossless.webp", false),
        ("lossy.webp", true),
        ("lossy_alpha.webp", true),
        ("animated.webp", true),
    ] {
        let r = det.scan_bytes(&common::fixture(name)).unwrap();
        assert_eq!(r.profile.lossy, lossy, "{name}");
    }
}

#[test]
fn camera_exif_is_parsed_and_not_evidence() {
    let r = common::detector()
        .scan_bytes(&common::fixture("camera_exif.jpg"))
        .unwrap();
    assert!(
        r.container.metadata.iter().any(|m| m.starts_with("Exif:")),
        "{:?}",
        r.container.metadata
    );
    assert_eq!(r.rule_scores.exif, 0.0);
    assert!(!r.is_stego);
}

/// Routine metadata seen on held-out photos (KDE Plasma wallpapers): a photo manager's one-line
/// caption in a camera's UserComment, and an XMP packet copied into a JPEG COM segment. Neither is
/// a payload; the caption in an EXIF block of its own (Starlight's layout) and a multi-line text
/// (every Starlight seed is one) still are.
#[test]
fn captions_and_xmp_in_comments_are_not_payloads() {
    use stegodetect::embed::{embed, with_exif_block, EmbedOptions};
    let det = common::detector();
    let cover = common::fixture("baseline.jpg");
    let caption = b"Colorful cups. Aarhus, Denmark. SONY NEX-3N, SONY E 16-50mm f/3.5-5.6 PZ OSS SELP1650. Processed in digiKam with 01 preset.";
    let camera_tiff = |comment: &[u8]| {
        // little-endian TIFF: IFD0 {Make, ExifIFD pointer}, Exif IFD {UserComment}
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        let make = b"SONY\0";
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&[0x0F, 0x01, 2, 0]);
        t.extend_from_slice(&(make.len() as u32).to_le_bytes());
        t.extend_from_slice(&38u32.to_le_bytes()); // Make value after IFD0 (8 + 2 + 24 + 4)
        t.extend_from_slice(&[0x69, 0x87, 4, 0, 1, 0, 0, 0]);
        t.extend_from_slice(&44u32.to_le_bytes()); // Exif IFD after the Make value (+ pad)
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(make);
        t.push(0);
        let uc_len = 8 + comment.len();
        t.extend_from_slice(&1u16.to_le_bytes());
        t.extend_from_slice(&[0x86, 0x92, 7, 0]);
        t.extend_from_slice(&(uc_len as u32).to_le_bytes());
        t.extend_from_slice(&62u32.to_le_bytes()); // value after the Exif IFD (44 + 2 + 12 + 4)
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(b"ASCII\0\0\0");
        t.extend_from_slice(comment);
        t
    };
    let captioned = with_exif_block(&cover, &camera_tiff(caption)).unwrap();
    let r = det.scan_bytes(&captioned).unwrap();
    assert!(
        r.container.metadata.iter().any(|m| m.contains("Make")),
        "{:?}",
        r.container.metadata
    );
    assert!(!r.is_stego, "{:?}", r.findings);
    assert!(r.rule_scores.exif < 0.5, "{:?}", r.rule_scores);
    // the same caption in a Starlight-style EXIF block (UserComment alone): a payload
    let alone = embed(&cover, caption, &EmbedOptions::new(Method::Exif)).unwrap();
    let r = det.scan_bytes(&alone.bytes).unwrap();
    assert!(
        r.is_stego && r.method == Some(Method::Exif),
        "{:?}",
        r.findings
    );
    // a multi-line text next to camera fields: a payload
    let seed = b"# Colorful cups\n\nAarhus, Denmark. SONY NEX-3N, SONY E 16-50mm f/3.5-5.6 PZ OSS SELP1650.";
    let multi = with_exif_block(&cover, &camera_tiff(seed)).unwrap();
    let r = det.scan_bytes(&multi).unwrap();
    assert!(
        r.is_stego && r.method == Some(Method::Exif),
        "{:?}",
        r.findings
    );

    // JPEG COM segment holding a 15 kB XMP packet, inserted after SOI
    let mut xmp = b"XML:com.adobe.xmp: <?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">".to_vec();
    while xmp.len() < 15_000 {
        xmp.extend_from_slice(b"\n      <rdf:li stEvt:action=\"saved\" stEvt:softwareAgent=\"Adobe Photoshop CC 2017 (Windows)\"/>");
    }
    xmp.extend_from_slice(b"</x:xmpmeta><?xpacket end=\"w\"?>");
    let mut jpeg = cover[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xFE]);
    jpeg.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(&xmp);
    jpeg.extend_from_slice(&cover[2..]);
    let r = det.scan_bytes(&jpeg).unwrap();
    assert!(
        r.container.metadata.iter().any(|m| m.contains("COM")),
        "{:?}",
        r.container.metadata
    );
    assert!(!r.is_stego, "{:?}", r.findings);
    assert_eq!(r.rule_scores.exif, 0.0, "{:?}", r.findings);
}

#[test]
fn frame_limit_is_reported() {
    let opts = Options {
        limits: Limits {
            max_frames: 3,
            ..Limits::default()
        },
        ..Options::default()
    };
    let r = Detector::new(opts)
        .unwrap()
        .scan_bytes(&common::fixture("animated.gif"))
        .unwrap();
    assert_eq!(r.image.frames, 12);
    assert_eq!(r.image.frames_analysed, 3);
}

/// Truncation at many offsets and single-bit flips: never a panic; errors are typed.
#[test]
fn truncated_and_bit_flipped_inputs_never_panic() {
    let det = common::detector();
    for (name, bytes) in common::clean_fixtures() {
        if name.ends_with(".py") {
            continue;
        }
        let n = bytes.len();
        let cuts: Vec<usize> = (0..n)
            .step_by((n / 97).max(1))
            .chain([1, 2, 7, 8, 12, 16, 33, n - 1])
            .filter(|&c| c < n)
            .collect();
        for cut in cuts {
            match det.scan_bytes(&bytes[..cut]) {
                Ok(_) => {}
                Err(e) => assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::Decode | ErrorKind::UnknownFormat | ErrorKind::Limit
                    ),
                    "{name} cut at {cut}: unexpected {e}"
                ),
            }
        }
        let mut s = 0x9E37_79B9u32 ^ n as u32;
        for _ in 0..150 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let mut b = bytes.clone();
            let pos = s as usize % n;
            b[pos] ^= 1 << (s >> 29);
            let _ = det.scan_bytes(&b);
        }
    }
}

#[test]
fn hostile_sizes_are_refused_before_allocation() {
    let det = common::detector();
    // PNG declaring 100000 x 100000
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", b""));
    assert_eq!(det.scan_bytes(&png).unwrap_err().kind(), ErrorKind::Limit);

    // GIF with a 65535 x 65535 canvas
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0, 0]);
    gif.extend_from_slice(&[
        0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]);
    assert_eq!(det.scan_bytes(&gif).unwrap_err().kind(), ErrorKind::Limit);

    // JPEG with a segment length past the end
    let jpg = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0, b'E', b'x', b'i', b'f'];
    assert_eq!(det.scan_bytes(&jpg).unwrap_err().kind(), ErrorKind::Decode);

    // WebP whose RIFF size lies
    let mut webp = common::fixture("lossless.webp");
    webp[4..8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    assert_eq!(det.scan_bytes(&webp).unwrap_err().kind(), ErrorKind::Decode);

    // zlib bomb in a zTXt chunk: inflated size is bounded
    let small = Options {
        limits: Limits {
            max_metadata_bytes: 1 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![b'a'; 8 << 20]).unwrap();
    let bomb = z.finish().unwrap();
    let rgb = common::fixture("rgb.png");
    let mut with_bomb = rgb[..33].to_vec();
    let mut ztxt = b"Comment\0\0".to_vec();
    ztxt.extend_from_slice(&bomb);
    with_bomb.extend(png_chunk(b"zTXt", &ztxt));
    with_bomb.extend_from_slice(&rgb[33..]);
    let r = Detector::new(small)
        .unwrap()
        .scan_bytes(&with_bomb)
        .unwrap();
    assert!(
        r.container.oddities.iter().any(|o| o.contains("more than")),
        "{:?}",
        r.container.oddities
    );

    // file-size and pixel limits
    for limits in [
        Limits {
            max_file_bytes: 100,
            ..Limits::default()
        },
        Limits {
            max_pixels: 1000,
            ..Limits::default()
        },
    ] {
        let tight = Options {
            limits,
            ..Options::default()
        };
        let e = Detector::new(tight).unwrap().scan_bytes(&rgb).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
    }
}

#[test]
fn empty_and_non_image_inputs_are_errors() {
    let det = common::detector();
    assert_eq!(
        det.scan_bytes(b"").unwrap_err().kind(),
        ErrorKind::UnknownFormat
    );
    assert_eq!(
        det.scan_bytes(b"%PDF-1.4 not an image").unwrap_err().kind(),
        ErrorKind::UnknownFormat
    );
    let e = det.scan_path("/nonexistent/file.png").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(Detector::new(Options {
        threshold: 2.0,
        ..Options::default()
    })
    .is_err());
}

#[test]
fn container_walk_finds_the_exact_end_and_known_trailers() {
    let det = common::detector();
    // payload containing FF D9 and ';' and IEND: exact end still found, payload whole
    let payload = b"x\xFF\xD9y;IEND tail bytes".to_vec();
    for name in [
        "baseline.jpg",
        "static.gif",
        "rgb.png",
        "lossless.webp",
        "bmp24.bmp",
    ] {
        let mut b = common::fixture(name);
        let end = b.len();
        b.extend_from_slice(&payload);
        let r = det.scan_bytes(&b).unwrap();
        let t = r
            .container
            .trailer
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no trailer"));
        assert_eq!((t.offset, t.length), (end, payload.len()), "{name}");
        assert_eq!(r.payload.unwrap().bytes, payload, "{name}");
    }
    // a second JPEG after EOI with an MPF index is a known, legitimate trailer
    let jpg = common::fixture("baseline.jpg");
    let mut mpf = jpg[..2].to_vec();
    mpf.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x08, b'M', b'P', b'F', 0, 0, 0]);
    mpf.extend_from_slice(&jpg[2..]);
    mpf.extend_from_slice(&jpg);
    let r = det.scan_bytes(&mpf).unwrap();
    assert!(r.container.trailer.as_ref().unwrap().known_legit);
    assert!(!r.is_stego);
}

#[test]
fn detector_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Detector>();
    let det = common::detector();
    let imgs: Vec<Vec<u8>> = common::clean_fixtures()
        .into_iter()
        .filter(|(n, _)| !n.ends_with(".py"))
        .map(|x| x.1)
        .collect();
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    let serial: Vec<bool> = refs
        .iter()
        .map(|b| det.scan_bytes(b).unwrap().is_stego)
        .collect();
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..8).map(|_| s.spawn(|| det.scan_many(&refs))).collect();
        for h in hs {
            let par: Vec<bool> = h
                .join()
                .unwrap()
                .into_iter()
                .map(|r| r.unwrap().is_stego)
                .collect();
            assert_eq!(par, serial);
        }
    });
}

#[test]
fn batched_scans_equal_single_scans_with_the_model() {
    let det = common::detector();
    let mut imgs: Vec<Vec<u8>> = common::clean_fixtures()
        .into_iter()
        .filter(|(n, _)| !n.ends_with(".py"))
        .map(|x| x.1)
        .collect();
    for f in [
        "stego-alpha.png",
        "stego-exif.jpg",
        "stego-lsb.png",
        "stego-palette.gif",
        "stego-raw.webp",
    ] {
        imgs.push(std::fs::read(common::root().join("examples/images").join(f)).unwrap());
    }
    imgs.push(b"not an image".to_vec());
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    let batch = det.scan_many(&refs);
    for (b, r) in refs.iter().zip(&batch) {
        match (det.scan_bytes(b), r) {
            (Ok(one), Ok(many)) => {
                assert_eq!(one.decided_by, "model");
                assert_eq!((one.is_stego, one.method), (many.is_stego, many.method));
                assert!((one.probability - many.probability).abs() < 1e-6);
            }
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
            (a, b) => panic!("single {:?} vs batch {:?}", a.is_ok(), b.is_ok()),
        }
    }
    assert_eq!(
        batch
            .iter()
            .filter(|r| r.as_ref().is_ok_and(|r| r.is_stego))
            .count(),
        5
    );
}

/// Findings of a review of the parsers (each one a hostile input that used to cost memory or
/// panic): a file full of small zlib bombs, malformed WebP covers given to the embedder, a WebP
/// shorter than its header given to the public container API, a BMP whose sizes overflow.
#[test]
fn review_findings_stay_fixed() {
    use stegodetect::container::{self, Format};
    use stegodetect::embed::{embed, with_exif_block, EmbedOptions};
    // 40 zTXt chunks of 1 MiB each against a 4 MiB budget for the whole file
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![b'a'; 1 << 20]).unwrap();
    let bomb = z.finish().unwrap();
    let rgb = common::fixture("rgb.png");
    let mut png = rgb[..33].to_vec();
    for _ in 0..40 {
        let mut d = b"k\0\0".to_vec();
        d.extend_from_slice(&bomb);
        png.extend(png_chunk(b"zTXt", &d));
    }
    png.extend_from_slice(&rgb[33..]);
    let limits = Limits {
        max_metadata_bytes: 4 << 20,
        ..Limits::default()
    };
    let info = container::parse(Format::Png, &png, &limits).unwrap();
    let total: usize = info.metadata.iter().map(|m| m.length).sum();
    assert!(total <= 4 << 20, "{total} bytes of decompressed text kept");
    assert!(info.oddities.iter().any(|o| o.contains("budget")));

    // malformed WebP covers: errors, not panics
    let mut empty_vp8x = b"RIFF\x0c\0\0\0WEBPVP8X\0\0\0\0".to_vec();
    assert!(with_exif_block(&empty_vp8x, b"MM\0*").is_err());
    empty_vp8x.truncate(12);
    empty_vp8x[4] = 4;
    assert!(embed(&empty_vp8x, b"x", &EmbedOptions::new(Method::Exif)).is_err());
    assert!(container::parse(Format::WebP, b"RIFF", &Limits::default()).is_err());

    // BMP with sizes whose product overflows: refused, no panic
    let mut bmp = vec![0u8; 54];
    bmp[..2].copy_from_slice(b"BM");
    bmp[10] = 54;
    bmp[14] = 40;
    bmp[18..22].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    bmp[22..26].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    bmp[28..30].copy_from_slice(&64u16.to_le_bytes());
    assert!(common::detector().scan_bytes(&bmp).is_err());
}
