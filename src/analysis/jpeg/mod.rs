//! JPEG-domain analyses: embedding in the quantised DCT coefficients, which pixel statistics do
//! not see. The coefficients are read here, once, from the image proper (entropy decoding only);
//! each analysis adds [`Evidence`] for one of the JPEG-domain methods (ids 5-9).
//!
//! - [`jsteg`]: sequential LSB replacement along the scan order (jsteg and its kin): the
//!   pair-of-values asymmetry vanishes over the payload and returns after it; length estimate
//!   and, for jsteg's length header, the payload byte-exact.
//!
//! F5/nsF5, OutGuess and steghide are not detected yet (docs/jpeg-domain.md has what was
//! measured).

pub mod jsteg;

use super::{Evidence, Method};
use crate::container::ContainerInfo;
use crate::planes::dct::DctPlanes;

/// Run the JPEG-domain analyses on a JPEG file's bytes. A file whose coefficients cannot be read
/// (though its pixels decoded) gets a zero-score note saying the analyses did not run.
pub fn analyse(bytes: &[u8], info: &ContainerInfo, evidence: &mut Vec<Evidence>) {
    let image = &bytes[..info.image_end.min(bytes.len())];
    let dct = match DctPlanes::read(image, info.jpeg_scans) {
        Ok(d) => d,
        Err(e) => {
            evidence.push(Evidence::new(
                Method::JpegGeneric,
                0.0,
                "dct",
                format!("JPEG-domain analyses not run: {e}"),
            ));
            return;
        }
    };
    jsteg::analyse(&dct, evidence);
}
