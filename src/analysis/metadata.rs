//! The `exif` method: free-text metadata fields judged by field, length, charset and entropy.
//! Cameras and editors write short, expected values (make, model, software, a caption); a long
//! UserComment, a high-entropy blob in a text field, or an `AI42` marker is a payload.
//! What is "long" for a field is learned from clean images: `models/metadata-usual.json`
//! (written by `examples/metadata_usual.rs` from the training sources) holds the longest clean
//! value of every text field seen there.

use super::{Evidence, Method};
use crate::container::metadata::user_comment_header;
use crate::container::trailer::kind_of;
use crate::container::{ContainerInfo, MetadataField, MetadataSource, TrailerKind};
use crate::extract::{Payload, PayloadEncoding};
use crate::stats::text_quality;

/// Keywords that legitimately carry long machine-written values (ImageMagick profiles and
/// signatures, XMP packets, the diagram source PlantUML writes into every PNG it renders).
fn routine_png_key(name: &str) -> bool {
    let key = name.split_once(':').map_or(name, |(_, k)| k);
    key.starts_with("Raw profile type")
        || key == "XML:com.adobe.xmp"
        || key == "signature"
        || key.starts_with("date:")
        || key == "icc:description"
        || key == "plantuml"
}

/// An XMP packet, wherever it was stored (ImageMagick copies PNG `XML:com.adobe.xmp` text into a
/// JPEG COM segment): structured metadata written by editors, not free text.
fn is_xmp_packet(t: &str) -> bool {
    let head = &t.as_bytes()[..t.len().min(512)];
    head.windows(9).any(|w| w == b"<?xpacket") || head.windows(10).any(|w| w == b"<x:xmpmeta")
}

/// ImageMagick's raw profile text (`\n<profile>\n<length>\n<hex lines>`, the length in bytes
/// matching the hex), whatever the keyword: editors store EXIF, IPTC or ICC profiles in PNG text
/// this way, normally under "Raw profile type <profile>", and some under a cut keyword ("Raw" in
/// GIMP-era game sprites). Structured machine data, like the keyword's own.
fn is_raw_profile(t: &str) -> bool {
    // the field's text may come trimmed of the leading and trailing newlines
    let Some((name, rest)) = t.trim().split_once('\n') else {
        return false;
    };
    let Some((len, hex)) = rest.split_once('\n') else {
        return false;
    };
    let Ok(len) = len.trim().parse::<usize>() else {
        return false;
    };
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_ ".contains(&c));
    let digits = hex.bytes().filter(|c| !c.is_ascii_whitespace()).count();
    name_ok
        && len > 0
        && digits == 2 * len
        && hex
            .bytes()
            .all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace())
}

/// A caption as photo managers write it into a camera's EXIF (digiKam: "Colorful cups. Aarhus,
/// Denmark. SONY NEX-3N, ..."): one line of prose under 256 characters. It only counts as a
/// caption next to camera fields (Make/Model): Starlight's generator writes an EXIF block that
/// holds the UserComment alone, and a one-line secret note looks the same as a caption otherwise.
fn caption_like(t: &str) -> bool {
    let t = t.trim_end_matches(['\0', ' ', '\n', '\r']);
    let letters = t.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
    t.len() < 256 && !t.contains('\n') && t.contains(' ') && letters * 10 >= t.chars().count() * 7
}

/// Base64/hex-looking blob: dense charset without spaces, high entropy for its alphabet.
fn looks_encoded(t: &str) -> bool {
    let n = t.len();
    n >= 64
        && !t.contains(' ')
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=_-\r\n".contains(&c))
        && crate::stats::entropy(t.as_bytes()) > 3.9
}

/// Constant filler: 95 % or more of the value is one byte, or (written as text) one
/// whitespace-separated token. Windows' 0xEA1C "Padding" tag is a short header and then kilobytes
/// of zeros, which some tools rewrite as the text "28 234 0 0 0 8 0 0 0 ..."; cameras pad
/// UserComment with blanks. Filler carries nothing, and a payload does not look like that.
fn is_filler(f: &MetadataField) -> bool {
    fn dominant<T: Ord>(items: impl Iterator<Item = T>) -> bool {
        let mut v: Vec<T> = items.collect();
        v.sort();
        let most = v.chunk_by(|a, b| a == b).map(<[T]>::len).max().unwrap_or(0);
        v.len() >= 16 && most * 100 >= v.len() * 95
    }
    dominant(f.bytes.iter())
        || f.text
            .as_deref()
            .is_some_and(|t| dominant(t.split_whitespace()))
}

/// The key of a field in the learned table: source and keyword (`exif:Artist`, `png:Comment`,
/// `jpeg:COM`, `gif:comment`, `xmp`); PNG's tEXt, zTXt and iTXt share one key per keyword.
pub fn field_key(f: &MetadataField) -> String {
    match f.source {
        MetadataSource::Exif => format!("exif:{}", f.name),
        MetadataSource::Xmp => "xmp".into(),
        MetadataSource::PngText => {
            let key = f.name.split_once(':').map_or(f.name.as_str(), |(_, k)| k);
            format!("png:{key}")
        }
        MetadataSource::JpegComment => "jpeg:COM".into(),
        MetadataSource::GifComment => "gif:comment".into(),
    }
}

/// How findings name a field (`exif:Artist`, `png:tEXt:Comment`, `jpeg:COM`, `gif:comment`,
/// `xmp`): a metadata finding's detail starts with this and a colon.
pub fn field_label(f: &MetadataField) -> String {
    match f.source {
        MetadataSource::Exif => format!("exif:{}", f.name),
        MetadataSource::Xmp => "xmp".into(),
        MetadataSource::PngText => format!("png:{}", f.name),
        MetadataSource::JpegComment => "jpeg:COM".into(),
        MetadataSource::GifComment => "gif:comment".into(),
    }
}

/// The field's text as the usual-content table counts it: `None` for binary values, filler and
/// XMP packets (which the rules never count as evidence).
pub fn usual_text(f: &MetadataField) -> Option<&str> {
    let t = f.text.as_deref()?;
    (!is_filler(f) && !is_xmp_packet(t)).then_some(t)
}

/// The longest clean value of a field in the learned table, if enough clean images carry it to
/// trust the figure.
fn usual_max_len(key: &str) -> Option<usize> {
    use std::sync::OnceLock;
    static TABLE: OnceLock<std::collections::HashMap<String, (u64, usize)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../models/metadata-usual.json"))
                .expect("models/metadata-usual.json is valid JSON");
        v["fields"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, e)| {
                        Some((
                            k.clone(),
                            (e["images"].as_u64()?, e["max_len"].as_u64()? as usize),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    table
        .get(key)
        .filter(|(images, _)| *images >= MIN_IMAGES)
        .map(|&(_, max)| max)
}

/// Clean images a field must appear in before its learned length is trusted.
const MIN_IMAGES: u64 = 5;

/// Free text longer than this is unusual in a field the table does not know (or knows from too
/// few images): an editor's or camera's values are names, versions and one-line captions.
const UNKNOWN_FIELD_LEN: usize = 256;

/// Shortest text that is unusual in any field: a short sentence fits anywhere, and a verdict
/// needs more than a long name.
const MIN_UNUSUAL_LEN: usize = 48;

/// EXIF tags that hold a name or an identifier by the EXIF/TIFF specification (the training
/// sources carry too little EXIF to learn them): a sentence there is not the field's content.
fn exif_name_tag(name: &str) -> bool {
    matches!(
        name,
        "Make"
            | "Model"
            | "Software"
            | "Artist"
            | "HostComputer"
            | "CameraOwnerName"
            | "BodySerialNumber"
            | "LensMake"
            | "LensModel"
            | "LensSerialNumber"
            | "XPAuthor"
    )
}

/// Length above which text is unusual for a field: twice the longest clean value of the learned
/// table and at least [`MIN_UNUSUAL_LEN`]; for fields the table does not know, the minimum for
/// EXIF name tags and [`UNKNOWN_FIELD_LEN`] otherwise.
fn unusual_len(f: &MetadataField) -> usize {
    match usual_max_len(&field_key(f)) {
        Some(m) => (2 * m).max(MIN_UNUSUAL_LEN),
        None if f.source == MetadataSource::Exif && exif_name_tag(&f.name) => MIN_UNUSUAL_LEN,
        None => UNKNOWN_FIELD_LEN,
    }
}

/// A credit or reference line, as stock sites, photo managers and editors write them: it names a
/// file with a media extension, a URL, an e-mail address or a copyright. Hidden messages are prose
/// or blobs; a short credit (of at most `max_lines` lines) in a comment field is the field's
/// ordinary use.
fn reference_like(t: &str, max_lines: usize) -> bool {
    let lower = t.to_ascii_lowercase();
    let file = lower
        .split(|c: char| c.is_whitespace() || "\"'()[]<>,;".contains(c))
        .any(|w| {
            w.rsplit_once('.').is_some_and(|(stem, ext)| {
                !stem.is_empty()
                    && matches!(
                        ext,
                        "jpg"
                            | "jpeg"
                            | "png"
                            | "gif"
                            | "webp"
                            | "tif"
                            | "tiff"
                            | "bmp"
                            | "svg"
                            | "raw"
                            | "dng"
                            | "heic"
                            | "psd"
                            | "xcf"
                            | "blend"
                            | "mp4"
                    )
            })
        });
    let url = lower.contains("http://") || lower.contains("https://") || lower.contains("www.");
    let email = lower.split_whitespace().any(|w| {
        w.split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
    });
    let copyright = t.contains('\u{a9}') || lower.contains("(c)") || lower.contains("copyright");
    t.len() < 256 && t.lines().count() <= max_lines && (file || url || email || copyright)
}

/// One short line naming the program that wrote the file, as office suites and editors write
/// into EXIF UserComment (`Software: Microsoft Office` in 11 documentation screenshots of one
/// held-out package): "software:", "created with", "made with", "generated by", "produced by",
/// "edited with" or "saved with", then at most 48 characters.
fn software_signature(t: &str) -> bool {
    let t = t.trim_matches(['\0', ' ', '\n', '\r']);
    let lower = t.to_ascii_lowercase();
    let rest = [
        "software:",
        "created with ",
        "made with ",
        "generated by ",
        "produced by ",
        "edited with ",
        "saved with ",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p));
    rest.is_some_and(|r| !r.trim().is_empty() && r.len() <= 48 && !r.contains('\n'))
}

/// A copyright and licence notice (a GPL or Creative Commons paragraph, "All rights
/// reserved"), as documentation and artwork packages write into image comments: a copyright mark
/// and licence wording, in at most 2 KB.
fn licence_notice(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    let copyright = t.contains('\u{a9}') || lower.contains("(c)") || lower.contains("copyright");
    let licence = [
        "license",
        "licence",
        "all rights reserved",
        "public domain",
        "creative commons",
        "warranty",
    ]
    .iter()
    .any(|w| lower.contains(w));
    t.len() <= 2048 && copyright && licence
}

/// Length of the text with repeated lines counted once: some encoders append their comment
/// again on every re-save (XV's `CREATOR:` line), which adds length and no content.
fn distinct_len(t: &str) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    let mut len = 0;
    for line in t.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !seen.contains(&line) {
            seen.push(line);
            len += line.len() + 1;
        }
    }
    len.saturating_sub(1)
}

/// Longest value of an EXIF name tag ([`exif_name_tag`]) that does not read as prose and is taken
/// as the field's content: model names, firmware and Android build strings ("platina-user 10
/// QKQ1.190910.002 V12.0.1.0.QDTCNXM release-keys") run to 60 characters and more.
const NAME_TAG_LEN: usize = 128;

/// Prose: at least four words in lower-case letters only, making at least half of the words (a
/// sentence, unlike names, versions and build strings).
fn prose_like(t: &str) -> bool {
    let words: Vec<&str> = t
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c.is_ascii_punctuation()))
        .filter(|w| !w.is_empty())
        .collect();
    let lower = words
        .iter()
        .filter(|w| w.chars().all(|c| c.is_lowercase()))
        .count();
    lower >= 4 && lower * 2 >= words.len()
}

fn judge(f: &MetadataField, camera: bool) -> Option<(f32, String)> {
    let text = f.text.as_deref();
    if f.bytes.windows(4).take(16).any(|w| w == b"AI42")
        || text.is_some_and(|t| t.starts_with("AI42"))
    {
        return Some((0.99, "AI42 marker".into()));
    }
    let len = text.map_or(f.length, str::len);
    // A file hidden in a field: its magic number at the start of the value (after a charset header).
    let body = user_comment_header(&f.bytes).map_or(&f.bytes[..], |_| &f.bytes[8..]);
    if let k @ (TrailerKind::Zip
    | TrailerKind::Png
    | TrailerKind::Jpeg
    | TrailerKind::Gif
    | TrailerKind::Gzip
    | TrailerKind::Pdf
    | TrailerKind::SevenZip
    | TrailerKind::Rar) = kind_of(body)
    {
        return Some((
            0.95,
            format!("a {k:?} file inside the field").to_lowercase(),
        ));
    }
    if is_filler(f) {
        return None;
    }
    // UserComment value length as written (cameras leave it empty, blank-padded or short).
    let written = body
        .iter()
        .rposition(|&c| c != 0 && c != b' ')
        .map_or(0, |e| e + 1);
    match (f.source, f.name.as_str(), text) {
        (MetadataSource::Exif, "UserComment", Some(t))
            if written >= 12 && t.len() >= 8 && text_quality(t.as_bytes()).is_some() =>
        {
            if camera && caption_like(t) {
                // Below the verdict threshold on its own; the model may still weigh it.
                return Some((
                    0.3,
                    format!("{len}-character one-line caption in a camera's EXIF UserComment"),
                ));
            }
            if reference_like(t, 1) {
                return Some((
                    0.3,
                    format!("{len}-character credit line (file name, URL, address or copyright) in EXIF UserComment"),
                ));
            }
            if software_signature(t) {
                return Some((
                    0.3,
                    format!("{len}-character software signature in EXIF UserComment"),
                ));
            }
            let s = if t.len() >= 48 { 0.97 } else { 0.85 };
            Some((s, format!("{len} characters of text in EXIF UserComment")))
        }
        (_, _, Some(t)) if is_xmp_packet(t) || is_raw_profile(t) => None,
        (MetadataSource::Exif, "UserComment", None) if f.length >= 24 && f.entropy > 4.0 => Some((
            0.9,
            format!("{} bytes of binary data in EXIF UserComment", f.length),
        )),
        (_, _, Some(t))
            if looks_encoded(t)
                && !(f.source == MetadataSource::PngText && routine_png_key(&f.name)) =>
        {
            Some((0.9, format!("{len}-character base64/hex-like blob")))
        }
        (MetadataSource::Xmp, _, _) => None,
        (MetadataSource::PngText, n, _) if routine_png_key(n) => None,
        (MetadataSource::Exif, _, _) if f.name.starts_with("tag0x") => Some((
            0.6,
            format!(
                "unusually large value ({} bytes) in an uncommon tag",
                f.length
            ),
        )),
        // in free-text fields a notice block (a shareware banner: name, postal address, URL)
        // counts as one credit; in UserComment, where Starlight writes its payloads, one line
        (MetadataSource::Exif, n, Some(t))
            if exif_name_tag(n) && len <= NAME_TAG_LEN && !prose_like(t) =>
        {
            None
        }
        (_, _, Some(t))
            if distinct_len(t) > unusual_len(f) && !reference_like(t, 16) && !licence_notice(t) =>
        {
            let usual = usual_max_len(&field_key(f))
                .map_or("a field clean images rarely carry".into(), |m| {
                    format!("longest in clean images: {m}")
                });
            let s = if text_quality(t.as_bytes()).is_some() {
                0.9
            } else {
                0.8
            };
            Some((
                s,
                format!("{len} characters of free text, unusual for the field ({usual})"),
            ))
        }
        (_, _, None) if f.length >= 64 && f.entropy > 6.0 => Some((
            0.85,
            format!("{} bytes of high-entropy binary in a text field", f.length),
        )),
        _ => None,
    }
}

/// Add `exif`-method evidence for every suspicious metadata field.
pub fn analyse(info: &ContainerInfo, out: &mut Vec<Evidence>) {
    let camera = info.metadata.iter().any(|m| {
        m.source == MetadataSource::Exif
            && matches!(m.name.as_str(), "Make" | "Model")
            && m.text.as_deref().is_some_and(|t| !t.trim().is_empty())
    });
    for (i, f) in info.metadata.iter().enumerate() {
        if user_comment_copy(&info.metadata, i) {
            continue;
        }
        let Some((score, why)) = judge(f, camera) else {
            continue;
        };
        let channel = field_label(f);
        let mut ev = Evidence::new(Method::Exif, score, "metadata", format!("{channel}: {why}"));
        ev.payload = Some(Payload {
            method: Method::Exif,
            bytes: payload_bytes(f),
            encoding: PayloadEncoding::Metadata,
            file_type: None,
            bit_order: None,
            channel,
            offset: 0,
            frame: None,
            complete: true,
            tool: None,
            lsbs: None,
            encrypted: false,
        });
        out.push(ev);
    }
}

/// Editors copy the image's comment into EXIF UserComment too (GIMP 2.10 writes "Created with
/// GIMP" into ImageDescription and UserComment): a UserComment whose text is another field's adds
/// nothing to it, and that field is judged on its own.
fn user_comment_copy(fields: &[MetadataField], i: usize) -> bool {
    let trimmed = |t: &str| t.trim_matches(['\0', ' ', '\n', '\r']).to_owned();
    let f = &fields[i];
    f.source == MetadataSource::Exif
        && f.name == "UserComment"
        && f.text.as_deref().map(trimmed).is_some_and(|t| {
            !t.is_empty()
                && fields.iter().enumerate().any(|(j, g)| {
                    j != i && g.text.as_deref().map(trimmed).as_deref() == Some(t.as_str())
                })
        })
}

/// The value as the embedder wrote it: UserComment without its 8-byte charset header, others raw.
fn payload_bytes(f: &MetadataField) -> Vec<u8> {
    let raw = &f.bytes;
    if f.source == MetadataSource::Exif && f.name == "UserComment" {
        if let Some(h) = user_comment_header(raw) {
            if h == "UNICODE" {
                return f.text.clone().unwrap_or_default().into_bytes();
            }
            return raw[8..].to_vec();
        }
    }
    let body = raw.strip_prefix(b"AI42").unwrap_or(raw);
    body.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uncommon(bytes: Vec<u8>) -> MetadataField {
        MetadataField::new(MetadataSource::Exif, "tag0xEA1C".into(), bytes)
    }

    fn text(source: MetadataSource, name: &str, t: &str) -> MetadataField {
        MetadataField::new(source, name.into(), t.as_bytes().to_vec())
    }

    fn user_comment(t: &str) -> MetadataField {
        let mut b = b"ASCII\0\0\0".to_vec();
        b.extend_from_slice(t.as_bytes());
        let mut f = MetadataField::new(MetadataSource::Exif, "UserComment".into(), b);
        f.text = Some(t.into()); // as the EXIF walk decodes it (charset header removed)
        f
    }

    const PROSE: &str =
        "Meet me by the old mill at dawn; bring the second key and tell nobody where we are going.";

    #[test]
    fn raw_profiles_are_machine_data_under_any_keyword() {
        // an EXIF profile as ImageMagick writes it, 39 bytes as 78 hex digits, under a cut keyword
        let hex = "45786966000049492a00080000000a000001040001000000400000000101040001000000500000";
        let profile = format!("\nexif\n      39\n{hex}\n");
        assert!(is_raw_profile(&profile) && is_raw_profile(profile.trim()));
        for name in ["Raw", "Comment", "Raw profile type exif"] {
            let f = text(MetadataSource::PngText, &format!("zTXt:{name}"), &profile);
            assert!(judge(&f, false).is_none(), "{name}");
        }
        // a length that does not match the hex, or text where hex should be, is not a profile
        assert!(!is_raw_profile(&format!("\nexif\n      40\n{hex}\n")));
        assert!(!is_raw_profile(&format!("\nexif\n      44\n{PROSE}\n")));
        assert!(!is_raw_profile(PROSE));
    }

    #[test]
    fn credit_lines_are_not_payloads_but_short_notes_are() {
        let credit = user_comment("Pixabay image \"forest-road_340.jpg\"");
        assert!(judge(&credit, false).is_some_and(|(s, _)| s < 0.5));
        for t in [
            "Photo: https://example.org/p/123",
            "(c) 2019 Jane Roe",
            "by jane@example.org",
        ] {
            assert!(
                judge(&user_comment(t), false).is_some_and(|(s, _)| s < 0.5),
                "{t}"
            );
        }
        // Starlight's own EXIF payloads: short text with no credit shape stays strong
        let note = user_comment("the key is under the mat");
        assert!(judge(&note, false).is_some_and(|(s, _)| s >= 0.8));
        // a program's signature is reported, not deciding; a note that only starts alike is not
        for t in ["Software: Microsoft Office", "Created with The GIMP"] {
            let (s, why) = judge(&user_comment(t), false).unwrap();
            assert!(s < 0.5 && why.contains("software signature"), "{t}");
        }
        for t in [
            "Software: the key is under the mat, second drawer from the left, behind the files",
            "made with love\nmeet me at the mill at ten tonight",
        ] {
            assert!(
                judge(&user_comment(t), false).is_some_and(|(s, _)| s >= 0.8),
                "{t}"
            );
        }
    }

    #[test]
    fn a_user_comment_copying_another_field_is_not_judged() {
        let fields = vec![
            text(
                MetadataSource::Exif,
                "ImageDescription",
                "Created with GIMP",
            ),
            text(MetadataSource::Exif, "Software", "GIMP 2.10.28"),
            user_comment("Created with GIMP"),
        ];
        assert!(user_comment_copy(&fields, 2));
        // judged alone it is GIMP's signature: reported, not deciding
        assert!(judge(&fields[2], false)
            .is_some_and(|(s, why)| s < 0.5 && why.contains("software signature")));
        // alone, or beside different text, it is judged
        assert!(!user_comment_copy(&fields[2..], 0));
        let other = vec![
            text(
                MetadataSource::Exif,
                "ImageDescription",
                "Created with GIMP",
            ),
            user_comment("the key is under the mat"),
        ];
        assert!(!user_comment_copy(&other, 1));
        assert!(!user_comment_copy(&fields, 0), "only UserComment is a copy");
    }

    #[test]
    fn a_notice_block_is_a_credit_except_in_user_comment() {
        let banner = "UNREGISTERED SHAREWARE\r\n\r\nAssembled with GIF Construction Set:\r\n\r\n\
                      Alchemy Mindworks Inc.\r\nBox 500\r\nBeeton, ON\r\nL0G 1A0\r\nCANADA.\r\n\r\n\
                      http://www.mindworkshop.com\r\n";
        assert_eq!(
            judge(&text(MetadataSource::GifComment, "comment", banner), false),
            None
        );
        // the same lines as a note in UserComment are judged as text
        let note = user_comment("meet at the pier\nbring the key\nsee http://example.org/x");
        assert!(judge(&note, false).is_some_and(|(s, _)| s >= 0.8));
    }

    #[test]
    fn free_text_is_judged_against_the_fields_usual_length() {
        // EXIF Artist holds a name
        assert_eq!(
            judge(
                &text(MetadataSource::Exif, "Artist", "Martin Klapetek"),
                false
            ),
            None
        );
        let artist = text(MetadataSource::Exif, "Artist", PROSE);
        assert!(judge(&artist, false).is_some_and(|(s, _)| s >= 0.9));
        // PNG Comment: learned from the training sources (longest clean value under 200)
        let usual = text(MetadataSource::PngText, "tEXt:Comment", "Created with GIMP");
        assert_eq!(judge(&usual, false), None);
        let long = PROSE.repeat(5);
        let comment = text(MetadataSource::PngText, "tEXt:Comment", &long);
        assert!(judge(&comment, false).is_some_and(|(s, _)| s >= 0.9));
        // a field no clean image had: 256 characters before it counts
        let odd = text(MetadataSource::PngText, "tEXt:Notes", PROSE);
        assert_eq!(judge(&odd, false), None);
        let odd = text(MetadataSource::PngText, "tEXt:Notes", &long);
        assert!(judge(&odd, false).is_some_and(|(s, _)| s >= 0.9));
    }

    #[test]
    fn notices_repeated_encoder_lines_and_long_names_are_the_fields_content() {
        let com = |t: &str| text(MetadataSource::JpegComment, "COM", t);
        // XV appends its line on every re-save (xsane's documentation images)
        let xv =
            "CREATOR: XV Version 3.10a  Rev: 12/29/94 (PNG patch 1.2)  Quality = 75, Smoothing = 0";
        assert_eq!(judge(&com(&format!("\n{xv}\n\n{xv}\n{xv}\n")), false), None);
        // a licence paragraph (whitedune's documentation images)
        let gpl =
            "Copyright (c) Jane Roe 2011. This file is free software; you can redistribute it \
                   and/or modify it under the terms of the GNU General Public License as published \
                   by the Free Software Foundation; either version 2 of the License, or (at your \
                   option) any later version. This program is distributed in the hope that it will \
                   be useful, but WITHOUT ANY WARRANTY.";
        assert!(gpl.len() > 300);
        assert_eq!(judge(&com(gpl), false), None);
        // prose of the same length without the notice's wording is still a finding, and so is
        // a long note that only mentions a copyright
        let long = PROSE.repeat(4);
        assert!(judge(&com(&long), false).is_some_and(|(s, _)| s >= 0.8));
        let mentions = format!("copyright {long}");
        assert!(judge(&com(&mentions), false).is_some_and(|(s, _)| s >= 0.8));
        // camera and firmware names longer than the table's, not sentences
        for (tag, v) in [
            (
                "Model",
                "Sinarback eMotion 75, Sinar eMotion generic camera interface",
            ),
            (
                "Software",
                "platina-user 10 QKQ1.190910.002 V12.0.1.0.QDTCNXM release-keys",
            ),
        ] {
            assert_eq!(
                judge(&text(MetadataSource::Exif, tag, v), false),
                None,
                "{v}"
            );
        }
        let model = text(
            MetadataSource::Exif,
            "Model",
            "the key is under the mat by the door",
        );
        assert!(
            judge(&model, false).is_none(),
            "short: under the unusual length"
        );
        let model = text(MetadataSource::Exif, "Model", PROSE);
        assert!(judge(&model, false).is_some_and(|(s, _)| s >= 0.8));
    }

    #[test]
    fn plantuml_sources_are_routine() {
        // PlantUML stores the diagram's source in an iTXt `plantuml` field of every PNG
        let steps: String = (0..200)
            .map(|i| format!(": write step {i} to file/sidecar = FALSE;\r\n"))
            .collect();
        let src = format!("@startuml inline_umlgraph_1.png\r\nstart\r\n{steps}stop\r\n@enduml");
        let f = text(MetadataSource::PngText, "iTXt:plantuml", &src);
        assert_eq!(judge(&f, false), None);
        // the same text under another keyword is judged by its length
        let f = text(MetadataSource::PngText, "iTXt:Comment", &src);
        assert!(judge(&f, false).is_some());
    }

    #[test]
    fn zero_padding_in_an_uncommon_tag_is_not_evidence() {
        // Windows Photo's padding: 0x1C 0xEA, 0x00 0x00 0x00 0x08, then zeros.
        let mut padding = vec![0x1C, 0xEA, 0, 0, 0, 8];
        padding.resize(4122, 0);
        assert_eq!(judge(&uncommon(padding), false), None);
        // the same padding as some tools rewrite it: decimal numbers in text
        let mut text = "28 234 0 0 0 8".to_string();
        while text.len() < 4122 {
            text.push_str(" 0");
        }
        assert_eq!(judge(&uncommon(text.into_bytes()), false), None);
        // the same length of varied bytes still is
        let varied: Vec<u8> = (0..4122u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(judge(&uncommon(varied), false).is_some_and(|(s, _)| s >= 0.5));
    }
}
