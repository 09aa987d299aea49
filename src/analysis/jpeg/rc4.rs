//! RC4, as the JPEG tools that key their embedding with it run it: OutGuess (its own key
//! schedule over MD5 digests) and f5stegojs (plain RC4 over the password's bytes).

/// An RC4 state.
#[derive(Clone)]
pub(crate) struct Arc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Arc4 {
    /// The identity permutation, indices 0, before any key schedule.
    pub(crate) fn identity() -> Arc4 {
        Arc4 {
            s: std::array::from_fn(|n| n as u8),
            i: 0,
            j: 0,
        }
    }

    /// Plain RC4 keyed with `key` (the key schedule, then both indices reset to 0).
    pub(crate) fn rc4(key: &[u8]) -> Arc4 {
        let mut a = Arc4::identity();
        if !key.is_empty() {
            a.stir(key);
        }
        a.i = 0;
        a.j = 0;
        a
    }

    /// OutGuess's `arc4_addrandom`: a key schedule over the current state (unlike RC4's, the
    /// indices are not reset afterwards, so the output is not RC4's for the same key; checked
    /// against the real tool's output in `tests/jpeg_domain.rs`). `data` must not be empty.
    pub(crate) fn stir(&mut self, data: &[u8]) {
        self.i = self.i.wrapping_sub(1);
        for n in 0..256 {
            self.i = self.i.wrapping_add(1);
            let si = self.s[self.i as usize];
            self.j = self.j.wrapping_add(si).wrapping_add(data[n % data.len()]);
            self.s[self.i as usize] = self.s[self.j as usize];
            self.s[self.j as usize] = si;
        }
    }

    /// The next byte of the stream.
    #[inline]
    pub(crate) fn byte(&mut self) -> u8 {
        self.i = self.i.wrapping_add(1);
        let si = self.s[self.i as usize];
        self.j = self.j.wrapping_add(si);
        let sj = self.s[self.j as usize];
        self.s[self.i as usize] = sj;
        self.s[self.j as usize] = si;
        self.s[si.wrapping_add(sj) as usize]
    }

    /// The next four bytes as a big-endian word (OutGuess).
    pub(crate) fn word(&mut self) -> u32 {
        (0..4).fold(0u32, |w, _| (w << 8) | self.byte() as u32)
    }

    /// The next four bytes as a little-endian word (f5stegojs reads its stream through a
    /// `Uint32Array`, in the platform's byte order, little-endian everywhere it runs).
    #[inline]
    pub(crate) fn word_le(&mut self) -> u32 {
        let b = [self.byte(), self.byte(), self.byte(), self.byte()];
        u32::from_le_bytes(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6229's first test vector: key 0x0102030405, keystream from offset 0.
    #[test]
    fn plain_rc4_matches_rfc_6229() {
        let mut a = Arc4::rc4(&[1, 2, 3, 4, 5]);
        let out: Vec<u8> = (0..16).map(|_| a.byte()).collect();
        assert_eq!(
            out,
            [
                0xb2, 0x39, 0x63, 0x05, 0xf0, 0x3d, 0xc0, 0x27, 0xcc, 0xc3, 0x52, 0x4a, 0x0a, 0x11,
                0x18, 0xa8
            ]
        );
    }
}
