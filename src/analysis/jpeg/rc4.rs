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
}

/// `N` RC4 streams advanced together, for work that runs several keys over the same length
/// (f5stegojs's passwords): each byte of one stream waits on its last swap, so one stream
/// leaves the processor idle, and `N` side by side overlap. The index `i` is the same in every
/// stream (it only counts); the `j` are kept apart from the states so that they stay in
/// registers.
pub(crate) struct Lanes<const N: usize> {
    s: [[u8; 256]; N],
    i: u8,
    j: [u8; N],
}

impl<const N: usize> Lanes<N> {
    /// Streams at the start of RC4's output (indices 0), from states keyed by [`Arc4::rc4`].
    pub(crate) fn new(states: [Arc4; N]) -> Lanes<N> {
        debug_assert!(states.iter().all(|a| a.i == 0 && a.j == 0));
        Lanes {
            s: states.map(|a| a.s),
            i: 0,
            j: [0; N],
        }
    }

    /// The next four bytes of each stream as little-endian words (f5stegojs reads its stream
    /// through a `Uint32Array`, in the platform's byte order: little-endian wherever it runs).
    #[inline(always)]
    pub(crate) fn words_le(&mut self) -> [u32; N] {
        let mut out = [0u32; N];
        for shift in [0, 8, 16, 24] {
            let i = self.i.wrapping_add(1);
            self.i = i;
            for ((s, j), o) in self.s.iter_mut().zip(self.j.iter_mut()).zip(out.iter_mut()) {
                let si = s[i as usize];
                *j = j.wrapping_add(si);
                let sj = s[*j as usize];
                s[i as usize] = sj;
                s[*j as usize] = si;
                *o |= (s[si.wrapping_add(sj) as usize] as u32) << shift;
            }
        }
        out
    }

    /// The streams, each where it stands.
    pub(crate) fn into_states(self) -> [Arc4; N] {
        let (i, j) = (self.i, self.j);
        let mut n = 0;
        self.s.map(|s| {
            n += 1;
            Arc4 { s, i, j: j[n - 1] }
        })
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

    /// Streams advanced together are the streams advanced alone.
    #[test]
    fn lanes_are_the_streams_alone() {
        let keys: [&[u8]; 3] = [b"a", b"password", b"\x00\xff"];
        let mut lanes = Lanes::new(keys.map(Arc4::rc4));
        let mut alone = keys.map(Arc4::rc4);
        for _ in 0..1000 {
            let w = lanes.words_le();
            for (a, w) in alone.iter_mut().zip(w) {
                assert_eq!(
                    u32::from_le_bytes([a.byte(), a.byte(), a.byte(), a.byte()]),
                    w
                );
            }
        }
        for (mut a, mut b) in lanes.into_states().into_iter().zip(alone) {
            assert_eq!(a.byte(), b.byte());
        }
    }
}
