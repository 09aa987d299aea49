//! Decode JPEGs with the library's pixel path and write each as raw samples, to compare with
//! other decoders (Pillow / libjpeg-turbo):
//!
//! ```text
//! cargo run --release --example jpeg_pixels -- OUT_DIR FILE...
//! ```
//! Writes `OUT_DIR/<n>.raw` (row-major interleaved 8-bit samples) and prints one line per file:
//! `n width height channels path`.

use stegodetect::container::{self, Format};
use stegodetect::options::Limits;
use stegodetect::planes;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("OUT_DIR"));
    let limits = Limits::default();
    for (n, path) in args.enumerate() {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(info) = container::parse(Format::Jpeg, &bytes, &limits) else {
            continue;
        };
        let Ok(d) = planes::decode(Format::Jpeg, &bytes, &info, &limits) else {
            continue;
        };
        let f = &d.frames[0];
        std::fs::write(out.join(format!("{n}.raw")), &f.samples).unwrap();
        println!("{n} {} {} {} {path}", f.width, f.height, f.channels());
    }
}
