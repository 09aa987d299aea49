//! Still WebPs through libwebp (its C sources bundled by `libwebp-sys`), decoded straight into the
//! planes' buffer: 0.5x image-webp's time on large files, and the pixels Pillow (Starlight's
//! decoder) gives. The library's only `unsafe` code: two FFI calls, each reading no more than the
//! input slice and writing no more than the buffer it is given.

use libwebp_sys as sys;

/// What the bitstream declares of a still (not animated) WebP.
pub(super) struct Still {
    pub width: u32,
    pub height: u32,
    pub alpha: bool,
}

/// The declared size and alpha of a still WebP; `None` when libwebp cannot read its headers or the
/// file is an animation (libwebp's still decoder refuses those).
pub(super) fn features(bytes: &[u8]) -> Option<Still> {
    let mut f = sys::WebPBitstreamFeatures {
        width: 0,
        height: 0,
        has_alpha: 0,
        has_animation: 0,
        format: 0,
        pad: [0; 5],
    };
    // SAFETY: libwebp reads at most `bytes.len()` bytes from `bytes` and writes only `f`.
    let status = unsafe { sys::WebPGetFeatures(bytes.as_ptr(), bytes.len(), &mut f) };
    let ok = status == sys::VP8StatusCode::VP8_STATUS_OK;
    (ok && f.has_animation == 0 && f.width > 0 && f.height > 0).then_some(Still {
        width: f.width as u32,
        height: f.height as u32,
        alpha: f.has_alpha != 0,
    })
}

/// RGB (or RGBA when the image has alpha) samples, row-major without padding; `None` when libwebp
/// refuses the data (truncated, corrupt). The caller checks the size against the pixel limit
/// first: the buffer is allocated here at once.
pub(super) fn decode(bytes: &[u8], still: &Still) -> Option<Vec<u8>> {
    let channels = if still.alpha { 4 } else { 3 };
    let stride = (still.width as usize).checked_mul(channels)?;
    let len = stride.checked_mul(still.height as usize)?;
    let stride_c = i32::try_from(stride).ok()?;
    let mut out = vec![0u8; len];
    let (src, n, dst, cap) = (bytes.as_ptr(), bytes.len(), out.as_mut_ptr(), out.len());
    // SAFETY: libwebp reads at most `n` bytes from `src`; it writes rows of `stride` bytes into
    // `dst` only after checking that the bitstream's height x stride fits in `cap` (it returns
    // null otherwise, and on any decoding error).
    let done = unsafe {
        if still.alpha {
            sys::WebPDecodeRGBAInto(src, n, dst, cap, stride_c)
        } else {
            sys::WebPDecodeRGBInto(src, n, dst, cap, stride_c)
        }
    };
    (!done.is_null()).then_some(out)
}
