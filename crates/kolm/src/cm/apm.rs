//! Adaptive probability maps (secondary estimation): a learned correction of a probability in
//! a context.
//!
//! For each context an APM holds a curve over the stretched domain, 33 knots from −2048 to
//! 2048, starting as the identity. A probability is refined by interpolating the curve of its
//! context at its stretched value; after the bit, the nearer knot moves toward it. This fixes
//! what the mixer systematically gets wrong in a context (say, overconfidence right after a
//! mispredicted byte), and the model averages the refined probability with the mixer's.

use super::logistic::{squash, stretch};

pub(crate) struct Apm {
    /// 33 knots per context, P(1) in 1/65536ths, each stored XORed with its starting value so
    /// that a new map is zeroed memory (cheap to allocate, touched only where used).
    knots: Vec<u16>,
    index: usize,
    rate: u32,
}

impl Apm {
    pub(crate) fn new(contexts: usize, rate: u32) -> Apm {
        Apm { knots: vec![0; contexts * 33], index: 0, rate }
    }

    #[inline]
    fn knot(&self, index: usize) -> i32 {
        i32::from(self.knots[index] ^ identity()[index % 33])
    }

    /// `p` (12-bit) refined in `context`.
    #[inline]
    pub(crate) fn refine(&mut self, p: i32, context: usize) -> i32 {
        let position = stretch(p) + 2048;
        let (knot, weight) = ((position >> 7) as usize, position & 127);
        let base = context * 33 + knot;
        self.index = base + usize::from(weight >= 64);
        let low = self.knot(base);
        let high = self.knot(base + 1);
        ((low * (128 - weight) + high * weight) >> 11).clamp(1, 4095)
    }

    #[inline]
    pub(crate) fn update(&mut self, bit: u32) {
        let target = if bit != 0 { 65535 } else { 0 };
        let value = self.knot(self.index);
        self.knots[self.index] = ((value + ((target - value) >> self.rate)) as u16) ^ identity()[self.index % 33];
    }
}

/// The starting curve: P = squash(x) at each knot, in 1/65536ths.
fn identity() -> &'static [u16; 33] {
    static CURVE: std::sync::OnceLock<[u16; 33]> = std::sync::OnceLock::new();
    CURVE.get_or_init(|| std::array::from_fn(|k| (squash((k as i32 - 16) * 128) * 16) as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_as_the_identity_and_learns_a_correction() {
        let mut apm = Apm::new(2, 6);
        for p in [100, 1000, 2048, 3000, 4000] {
            assert!((apm.refine(p, 1) - p).abs() <= 40, "{p}: {}", apm.refine(p, 1));
        }
        // In context 0, p = 3000 is in truth always wrong.
        for _ in 0..300 {
            apm.refine(3000, 0);
            apm.update(0);
        }
        assert!(apm.refine(3000, 0) < 1000);
        assert!((apm.refine(3000, 1) - 3000).abs() <= 40, "context 1 is untouched");
    }
}
