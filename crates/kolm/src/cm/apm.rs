//! Adaptive probability maps (secondary estimation): a learned correction of a probability in
//! a context.
//!
//! For each context an APM holds a curve over the stretched domain, 33 knots from −2048 to
//! 2048, starting as the identity. A probability is refined by interpolating the curve of its
//! context at its stretched value; after the bit, the nearer knot moves toward it (or, from
//! codec 14 at levels 6–9, both knots around the value, as lpaq1's do: the seven small
//! corpus files at level 9 came out 0.07 % smaller). This fixes
//! what the mixer systematically gets wrong in a context (say, overconfidence right after a
//! mispredicted byte), and the model averages the refined probability with the mixer's.

use super::logistic::interpolated_squash;

pub(crate) struct Apm {
    /// 33 knots per context, P(1) in 1/65536ths, each stored XORed with its starting value so
    /// that a new map is zeroed memory (cheap to allocate, touched only where used).
    knots: Vec<u16>,
    /// The curve, and the knots below and nearest to the last refined probability: the
    /// nearest learns from the bit, or both knots around it where `both_knots`.
    base: usize,
    below: usize,
    nearest: usize,
    rate: u32,
    both_knots: bool,
}

impl Apm {
    pub(crate) fn new(contexts: usize, rate: u32) -> Apm {
        Apm {
            knots: super::memory::zeroed_table(contexts * 33),
            base: 0,
            below: 0,
            nearest: 0,
            rate,
            both_knots: false,
        }
    }

    /// Bytes of curves.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.knots.len() * 2
    }

    /// The map, learning at both knots around each refined probability if `both`.
    pub(crate) fn learning_both_knots(self, both: bool) -> Apm {
        Apm { both_knots: both, ..self }
    }

    /// Knot `knot` of the curve starting at `base`.
    #[inline(always)]
    fn knot(&self, base: usize, knot: usize) -> i32 {
        i32::from(self.knots[base + knot] ^ IDENTITY[knot])
    }

    /// `p` (12-bit), whose stretched value is `stretched`, refined in `context`.
    #[inline(always)]
    pub(crate) fn refine(&mut self, stretched: i32, context: usize) -> i32 {
        (self.refine_fine(stretched, context) >> 4).clamp(1, 4095)
    }

    /// [`Apm::refine`] in 1/65536ths, unclamped (0..=65535): for a coder of 16-bit
    /// probabilities.
    #[inline(always)]
    pub(crate) fn refine_fine(&mut self, stretched: i32, context: usize) -> i32 {
        let position = stretched + 2048;
        let (knot, weight) = ((position >> 7) as usize, position & 127);
        let base = context * 33;
        self.base = base;
        self.below = knot;
        self.nearest = knot + usize::from(weight >= 64);
        let low = self.knot(base, knot);
        let high = self.knot(base, knot + 1);
        (low * (128 - weight) + high * weight) >> 7
    }

    /// [`Apm::refine_fine`] if `fine`, else [`Apm::refine`].
    #[inline(always)]
    pub(crate) fn refine_in(&mut self, stretched: i32, context: usize, fine: bool) -> i32 {
        if fine { self.refine_fine(stretched, context) } else { self.refine(stretched, context) }
    }

    /// Starts loading the knots of `context`, which a coming bit will refine in.
    #[inline(always)]
    pub(crate) fn prefetch(&self, context: usize) {
        super::prefetch(&self.knots, context * 33);
        super::prefetch(&self.knots, context * 33 + 32);
    }

    #[inline(always)]
    pub(crate) fn update(&mut self, bit: u32) {
        let target = if bit != 0 { 65535 } else { 0 };
        if self.both_knots {
            self.learn(self.below, target);
            self.learn(self.below + 1, target);
        } else {
            self.learn(self.nearest, target);
        }
    }

    /// Moves knot `knot` of the last refined curve toward `target`.
    #[inline(always)]
    fn learn(&mut self, knot: usize, target: i32) {
        // Indexed one knot at a time: iterating over the curve zipped with `IDENTITY` copied
        // the whole starting curve at every bit (about a third of level 1's time).
        let identity = IDENTITY[knot];
        let stored = &mut self.knots[self.base + knot];
        let value = i32::from(*stored ^ identity);
        *stored = ((value + ((target - value) >> self.rate)) as u16) ^ identity;
    }
}

/// The starting curve: P = squash(x) at each knot, in 1/65536ths.
const IDENTITY: [u16; 33] = {
    let mut curve = [0u16; 33];
    let mut k = 0;
    while k < 33 {
        curve[k] = (interpolated_squash((k as i32 - 16) * 128) * 16) as u16;
        k += 1;
    }
    curve
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cm::logistic::stretch;

    #[test]
    fn starts_as_the_identity_and_learns_a_correction() {
        let mut apm = Apm::new(2, 6);
        for p in [100, 1000, 2048, 3000, 4000] {
            assert!((apm.refine(stretch(p), 1) - p).abs() <= 40, "{p}: {}", apm.refine(stretch(p), 1));
        }
        // In context 0, p = 3000 is in truth always wrong.
        for _ in 0..300 {
            apm.refine(stretch(3000), 0);
            apm.update(0);
        }
        assert!(apm.refine(stretch(3000), 0) < 1000);
        assert!((apm.refine(stretch(3000), 1) - 3000).abs() <= 40, "context 1 is untouched");
    }
}
