//! Bit streams over pixel planes, in the orders embedders write them: pixels row-major from (0,0),
//! one LSB per selected channel per pixel (R,G,B interleaved as Starlight does, or one channel,
//! alpha, palette index, luminance-sorted palette rank), packed into bytes in either bit order.

use crate::planes::{ColorMode, PixelPlanes};
use crate::vocab::{BitOrder, Method};

/// Random access to bytes of a packed stream.
pub trait ByteSource {
    /// Number of whole bytes available.
    fn len(&self) -> usize;
    /// No whole byte available.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Byte `j` (`j < len()`).
    fn get(&self, j: usize) -> u8;
    /// Bytes `from..from + n`, fewer where the source ends.
    fn read_bytes(&self, from: usize, n: usize) -> Vec<u8> {
        (from..from.saturating_add(n).min(self.len()))
            .map(|j| self.get(j))
            .collect()
    }
}

impl ByteSource for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn get(&self, j: usize) -> u8 {
        self[j]
    }
}

/// One LSB stream over a plane.
pub struct BitStream<'a> {
    plane: &'a PixelPlanes,
    sel: Vec<usize>,
    map: Option<Box<[u8; 256]>>,
    /// Stream name as reported: `rgb`, `r`, `g`, `b`, `rgba`, `alpha`, `grey`, `index`, `index-sorted`.
    pub name: &'static str,
    /// The Starlight method a payload in this stream belongs to.
    pub method: Method,
    bits: usize,
}

impl<'a> BitStream<'a> {
    fn new(plane: &'a PixelPlanes, name: &'static str, sel: Vec<usize>, method: Method) -> Self {
        let bits = plane.pixels() * sel.len();
        BitStream {
            plane,
            sel,
            map: None,
            name,
            method,
            bits,
        }
    }

    /// Total bits in the stream.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// View this stream as bytes packed in `order`.
    pub fn packed(&self, order: BitOrder) -> Packed<'_, 'a> {
        Packed { s: self, order }
    }
}

/// A [`BitStream`] packed into bytes.
pub struct Packed<'s, 'a> {
    s: &'s BitStream<'a>,
    order: BitOrder,
}

impl ByteSource for Packed<'_, '_> {
    fn len(&self) -> usize {
        self.s.bits / 8
    }
    #[inline]
    fn get(&self, j: usize) -> u8 {
        // One division per byte, not per bit: this is the content search's inner loop.
        let s = self.s;
        let n = s.sel.len();
        let ch = s.plane.channels();
        let k = j * 8;
        let (mut px, mut c) = (k / n, k % n);
        let mut v = 0u8;
        for b in 0..8 {
            let i = px * ch + s.sel[c];
            let bit = match &s.map {
                Some(m) => m[s.plane.samples[i] as usize] & 1,
                None => s.plane.lsb(i),
            };
            match self.order {
                BitOrder::MsbFirst => v |= bit << (7 - b),
                BitOrder::LsbFirst => v |= bit << b,
            }
            c += 1;
            if c == n {
                c = 0;
                px += 1;
            }
        }
        v
    }
}

/// Every stream worth searching in a plane.
pub fn streams(plane: &PixelPlanes) -> Vec<BitStream<'_>> {
    use Method::*;
    let mut v = Vec::new();
    match plane.mode {
        ColorMode::Rgb | ColorMode::Rgba => {
            v.push(BitStream::new(plane, "rgb", vec![0, 1, 2], LsbRgb));
            v.push(BitStream::new(plane, "r", vec![0], LsbRgb));
            v.push(BitStream::new(plane, "g", vec![1], LsbRgb));
            v.push(BitStream::new(plane, "b", vec![2], LsbRgb));
            if plane.mode == ColorMode::Rgba {
                v.push(BitStream::new(plane, "alpha", vec![3], Alpha));
                v.push(BitStream::new(plane, "rgba", vec![0, 1, 2, 3], LsbRgb));
            }
        }
        ColorMode::Grey => v.push(BitStream::new(plane, "grey", vec![0], LsbRgb)),
        ColorMode::GreyAlpha => {
            v.push(BitStream::new(plane, "grey", vec![0], LsbRgb));
            v.push(BitStream::new(plane, "alpha", vec![1], Alpha));
        }
        ColorMode::Palette => {
            v.push(BitStream::new(plane, "index", vec![0], Palette));
            if let Some(pal) = &plane.palette {
                // EzStego-style: LSB of the index's rank in a luminance-sorted palette.
                let mut order: Vec<usize> = (0..pal.len()).collect();
                order.sort_by_key(|&i| luma(pal[i]));
                let mut map = Box::new([0u8; 256]);
                for (rank, &i) in order.iter().enumerate() {
                    map[i] = rank as u8;
                }
                let mut s = BitStream::new(plane, "index-sorted", vec![0], Palette);
                s.map = Some(map);
                v.push(s);
            }
        }
    }
    v
}

/// Pillow's integer luminance (ITU-R 601-2), as used for P->L.
pub fn luma(c: [u8; 3]) -> u8 {
    ((19595 * c[0] as u32 + 38470 * c[1] as u32 + 7471 * c[2] as u32 + 32768) >> 16) as u8
}
