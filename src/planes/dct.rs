//! Quantised DCT coefficients of a JPEG: the JPEG-domain counterpart of the pixel planes, read
//! with `libjpeg-turbo-rs` (entropy decoding only, no IDCT). Coefficients and quantisation
//! tables are both kept in zigzag order (index 0 is DC, 1 and 2 the lowest AC frequencies).

use crate::error::{Error, Result};

/// Most scans a progressive JPEG may have before its coefficients are not read: each scan
/// revisits the whole image, so thousands of tiny scans make a "scan bomb" (libjpeg-turbo's
/// tools suggest a few hundred as a limit; real encoders write about 10).
pub const MAX_SCANS: u32 = 1000;

/// One colour component's blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct DctComponent {
    /// Component id from the frame header (1, 2, 3 for most YCbCr JPEGs; 'R', 'G', 'B' for
    /// some Adobe files).
    pub id: u8,
    /// Blocks per row, MCU padding included.
    pub blocks_x: usize,
    /// Block rows, MCU padding included.
    pub blocks_y: usize,
    /// Horizontal sampling factor.
    pub h_samp: usize,
    /// Vertical sampling factor.
    pub v_samp: usize,
    /// Quantisation table, zigzag order.
    pub quant: [u16; 64],
    /// Blocks row-major, 64 coefficients each in zigzag order.
    pub blocks: Vec<[i16; 64]>,
}

/// A quantisation table in natural (row-major) order, reordered to zigzag order.
pub(crate) fn zigzag_table(natural: &[u16; 64]) -> [u16; 64] {
    let mut z = [0u16; 64];
    for (n, &q) in natural.iter().enumerate() {
        z[NATURAL_TO_ZIGZAG[n]] = q;
    }
    z
}

/// Whether libjpeg reads three components with these ids as YCbCr: a JFIF marker, an Adobe
/// marker with a colour transform, or (no Adobe marker) ids other than 'R', 'G', 'B'.
pub(crate) fn reads_as_ycbcr(ids: &[u8], jfif: bool, adobe_transform: Option<u8>) -> bool {
    ids.len() == 3
        && (jfif
            || match adobe_transform {
                Some(t) => t != 0,
                None => ids != b"RGB",
            })
}

/// All components of one JPEG.
#[derive(Debug, Clone, PartialEq)]
pub struct DctPlanes {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Components in frame order (Y, Cb, Cr for colour JPEGs).
    pub components: Vec<DctComponent>,
    /// Bits per sample (8, or 12 for extended JPEGs).
    pub precision: u8,
    /// Three components that libjpeg reads as YCbCr (a JFIF marker, an Adobe marker with a
    /// colour transform, or component ids other than 'R', 'G', 'B').
    pub ycbcr: bool,
}

/// Zigzag index of natural (row-major) position `i`.
pub const NATURAL_TO_ZIGZAG: [usize; 64] = [
    0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11,
    18, 24, 31, 40, 44, 53, 10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34,
    37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
];

/// Natural (row-major) position of zigzag index `k`.
pub const ZIGZAG_TO_NATURAL: [usize; 64] = {
    let mut t = [0usize; 64];
    let mut n = 0;
    while n < 64 {
        t[NATURAL_TO_ZIGZAG[n]] = n;
        n += 1;
    }
    t
};

impl DctPlanes {
    /// Read the coefficients of the JPEG in `bytes` (the image proper, up to its EOI).
    /// `scans` is the number of SOS markers the container walk counted.
    pub fn read(bytes: &[u8], scans: u32) -> Result<DctPlanes> {
        if scans > MAX_SCANS {
            return Err(Error::Limit(format!(
                "{scans} scans exceed the limit of {MAX_SCANS} for coefficient analysis"
            )));
        }
        match super::baseline::read(bytes) {
            Some(planes) => Ok(planes),
            None => Self::read_general(bytes),
        }
    }

    /// The coefficients of a baseline Huffman JPEG with 8-bit samples read by the fast path
    /// ([`read`](Self::read) uses it first), or `None` for any other JPEG and any error. Public
    /// for the differential fuzz target.
    #[doc(hidden)]
    pub fn read_baseline(bytes: &[u8]) -> Option<DctPlanes> {
        super::baseline::read(bytes)
    }

    /// The coefficients as `libjpeg-turbo-rs::read_coefficients` gives them (every JPEG kind it
    /// reads; the reference the baseline path is tested against).
    #[doc(hidden)]
    pub fn read_general(bytes: &[u8]) -> Result<DctPlanes> {
        let c = libjpeg_turbo_rs::read_coefficients(bytes)
            .map_err(|e| Error::decode("jpeg", format!("DCT coefficients: {e}")))?;
        let tables: Vec<[u16; 64]> = c.quant_tables.iter().map(zigzag_table).collect();
        let ids: Vec<u8> = c.components.iter().map(|k| k.component_id).collect();
        let ycbcr = reads_as_ycbcr(&ids, c.saw_jfif_marker, c.adobe_transform);
        let precision = c.effective_precision();
        let components = c
            .components
            .into_iter()
            .map(|k| DctComponent {
                id: k.component_id,
                blocks_x: k.blocks_x,
                blocks_y: k.blocks_y,
                h_samp: k.h_sampling.max(1) as usize,
                v_samp: k.v_sampling.max(1) as usize,
                quant: tables
                    .get(k.quant_table_index as usize)
                    .copied()
                    .unwrap_or([1; 64]),
                blocks: k.blocks,
            })
            .collect();
        Ok(DctPlanes {
            width: c.width as u32,
            height: c.height as u32,
            components,
            precision,
            ycbcr,
        })
    }

    /// Every block as `(component, block index)` in the order a scan codes them: MCU by MCU,
    /// each component's blocks of the MCU in turn, for a colour image; row by row for a single
    /// component. This is the order in which libjpeg-based embedders (jsteg) visit coefficients.
    /// An iterator (nothing allocated: the passes that walk it run on every JPEG).
    pub fn scan_order(&self) -> ScanOrder<'_> {
        let (mx, my) = if self.components.len() == 1 {
            (self.components[0].blocks.len(), 1)
        } else {
            self.mcus()
        };
        ScanOrder {
            components: &self.components,
            single: self.components.len() == 1,
            mcus_x: mx,
            mcus_y: if self.components.is_empty() { 0 } else { my },
            x: 0,
            y: 0,
            ci: 0,
            v: 0,
            h: 0,
        }
    }

    /// Component `ci`'s size in blocks, `(per row, rows)`, as libjpeg counts it: the blocks that
    /// cover the image, without the MCU padding (which tools that walk blocks this way skip).
    pub fn blocks_inside(&self, ci: usize) -> (usize, usize) {
        let hmax = self.components.iter().map(|c| c.h_samp).max().unwrap_or(1);
        let vmax = self.components.iter().map(|c| c.v_samp).max().unwrap_or(1);
        let c = &self.components[ci];
        (
            (self.width as usize * c.h_samp)
                .div_ceil(8 * hmax)
                .min(c.blocks_x),
            (self.height as usize * c.v_samp)
                .div_ceil(8 * vmax)
                .min(c.blocks_y),
        )
    }

    /// MCUs per row and MCU rows.
    fn mcus(&self) -> (usize, usize) {
        let hmax = self.components.iter().map(|c| c.h_samp).max().unwrap_or(1);
        let vmax = self.components.iter().map(|c| c.v_samp).max().unwrap_or(1);
        (
            (self.width as usize).div_ceil(8 * hmax),
            (self.height as usize).div_ceil(8 * vmax),
        )
    }

    /// Per component, per block (storage order): how many coefficients are not 0, and how many
    /// are 1. One pass over every coefficient (vectorised); the tool formats that number their
    /// samples by such counts (steghide: non-zero; OutGuess: neither 0 nor 1) index from it.
    pub fn block_counts(&self) -> Vec<Vec<(u8, u8)>> {
        self.components
            .iter()
            .map(|c| count_blocks(&c.blocks))
            .collect()
    }

    /// Number of coefficients held (64 per block, all components).
    pub fn coefficient_count(&self) -> usize {
        self.components.iter().map(|c| c.blocks.len() * 64).sum()
    }
}

/// [`DctPlanes::block_counts`] of one component.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn count_blocks(blocks: &[[i16; 64]]) -> Vec<(u8, u8)> {
    blocks
        .iter()
        .map(|b| {
            let nonzero = b.iter().map(|&v| (v != 0) as u8).sum::<u8>();
            let ones = b.iter().map(|&v| (v == 1) as u8).sum::<u8>();
            (nonzero, ones)
        })
        .collect()
}

/// [`DctPlanes::scan_order`]: the nested loops over MCU rows, MCUs, components and the
/// component's blocks in an MCU, kept as counters.
pub struct ScanOrder<'a> {
    components: &'a [DctComponent],
    /// a single component: its blocks in storage order (`mcus_x` of them, one "row")
    single: bool,
    mcus_x: usize,
    mcus_y: usize,
    x: usize,
    y: usize,
    ci: usize,
    v: usize,
    h: usize,
}

impl Iterator for ScanOrder<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if self.single {
            let b = self.x;
            self.x += 1;
            return (b < self.mcus_x).then_some((0, b));
        }
        while self.y < self.mcus_y && self.mcus_x > 0 {
            let c = &self.components[self.ci];
            let (by, bx) = (self.y * c.v_samp + self.v, self.x * c.h_samp + self.h);
            let at =
                (bx < c.blocks_x && by < c.blocks_y).then_some((self.ci, by * c.blocks_x + bx));
            self.h += 1;
            if self.h == c.h_samp {
                self.h = 0;
                self.v += 1;
                if self.v == c.v_samp {
                    self.v = 0;
                    self.ci += 1;
                    if self.ci == self.components.len() {
                        self.ci = 0;
                        self.x += 1;
                        if self.x == self.mcus_x {
                            self.x = 0;
                            self.y += 1;
                        }
                    }
                }
            }
            if at.is_some() {
                return at;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order by its definition: the nested loops, collected.
    fn by_definition(d: &DctPlanes) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if d.components.len() == 1 {
            out.extend((0..d.components[0].blocks.len()).map(|b| (0, b)));
            return out;
        }
        let (mx, my) = d.mcus();
        for y in 0..my {
            for x in 0..mx {
                for (ci, c) in d.components.iter().enumerate() {
                    for v in 0..c.v_samp {
                        for h in 0..c.h_samp {
                            let (by, bx) = (y * c.v_samp + v, x * c.h_samp + h);
                            if bx < c.blocks_x && by < c.blocks_y {
                                out.push((ci, by * c.blocks_x + bx));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn planes(width: u32, height: u32, samp: &[(usize, usize)]) -> DctPlanes {
        let hmax = samp.iter().map(|s| s.0).max().unwrap_or(1);
        let vmax = samp.iter().map(|s| s.1).max().unwrap_or(1);
        let (mx, my) = (
            (width as usize).div_ceil(8 * hmax),
            (height as usize).div_ceil(8 * vmax),
        );
        DctPlanes {
            width,
            height,
            components: samp
                .iter()
                .enumerate()
                .map(|(n, &(h, v))| {
                    // a single component codes only the blocks inside the image
                    let (bx, by) = if samp.len() == 1 {
                        ((width as usize).div_ceil(8), (height as usize).div_ceil(8))
                    } else {
                        (mx * h, my * v)
                    };
                    DctComponent {
                        id: n as u8 + 1,
                        blocks_x: bx,
                        blocks_y: by,
                        h_samp: h,
                        v_samp: v,
                        quant: [1; 64],
                        blocks: vec![[0; 64]; bx * by],
                    }
                })
                .collect(),
            precision: 8,
            ycbcr: true,
        }
    }

    #[test]
    fn scan_order_is_the_nested_loops() {
        for (w, h) in [(1, 1), (8, 8), (17, 9), (33, 70), (100, 3)] {
            for samp in [
                &[(1, 1)][..],
                &[(1, 1), (1, 1), (1, 1)],
                &[(2, 2), (1, 1), (1, 1)],
                &[(2, 1), (1, 1), (1, 1)],
                &[(1, 2), (1, 1), (1, 1), (1, 1)],
                &[(4, 1), (2, 1), (1, 1)],
            ] {
                let d = planes(w, h, samp);
                let got: Vec<_> = d.scan_order().collect();
                assert_eq!(got, by_definition(&d), "{w}x{h} {samp:?}");
                let n: usize = d.components.iter().map(|c| c.blocks.len()).sum();
                assert_eq!(got.len(), n, "every block once: {w}x{h} {samp:?}");
            }
        }
        let empty = DctPlanes {
            components: Vec::new(),
            ..planes(8, 8, &[(1, 1)])
        };
        assert_eq!(empty.scan_order().count(), 0);
    }
}
