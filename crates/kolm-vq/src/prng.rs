//! The one random number generator behind every seeded object: SplitMix64, frozen.
//!
//! The seed is part of the `.kvq` format, so the stream it expands to must never change: the
//! rotation's permutations and signs, the dense test rotation and the QJL matrix are all drawn
//! from here. SplitMix64 (Steele, Lea and Flood, 2014) is a 64-bit counter pushed through a
//! fixed bit mixer; it is tiny, fast, passes BigCrush, and is specified by three constants, so
//! any implementation can reproduce it. Each object draws from its own *stream*, a generator
//! seeded with [`SplitMix64::stream`]`(seed, tag)`, so adding an object never shifts another's
//! numbers.
//!
//! Floating-point draws avoid the platform's libm: normal deviates use the Marsaglia polar
//! method with `libm::log` (a portable, pure-Rust logarithm) and IEEE `sqrt`, so they are the same
//! bits on every machine.

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 generator (frozen: its output is part of the `.kvq` format).
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
    spare_normal: Option<f64>,
}

impl SplitMix64 {
    /// A generator whose first output is `mix(seed + γ)`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed, spare_normal: None }
    }

    /// The generator of stream `tag` under `seed`: seeded with the mixed value of
    /// `seed + γ·(tag + 1)`, so streams with different tags are unrelated.
    pub fn stream(seed: u64, tag: u64) -> SplitMix64 {
        SplitMix64::new(mix(seed.wrapping_add(GOLDEN_GAMMA.wrapping_mul(tag.wrapping_add(1)))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// A uniform integer below `bound` (> 0), by the multiply-high method (bias < bound / 2⁶⁴).
    pub fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }

    /// A uniform value in [0, 1) with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal deviate (Marsaglia's polar method; the second value of each pair is
    /// returned by the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(value) = self.spare_normal.take() {
            return value;
        }
        loop {
            let u = 2.0 * self.unit_f64() - 1.0;
            let v = 2.0 * self.unit_f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let factor = (-2.0 * libm::log(s) / s).sqrt();
                self.spare_normal = Some(v * factor);
                return u * factor;
            }
        }
    }

    /// A uniformly random permutation of `0..len` (Fisher–Yates, from the top down).
    pub fn permutation(&mut self, len: usize) -> Vec<u32> {
        let mut order: Vec<u32> = (0..len as u32).collect();
        for top in (1..len).rev() {
            let pick = self.below(top + 1);
            order.swap(top, pick);
        }
        order
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_splitmix64_sequence() {
        // Reference values of SplitMix64 seeded with 1234567 (from the algorithm's reference code).
        let mut rng = SplitMix64::new(1_234_567);
        let expected = [
            6_457_827_717_110_365_317u64,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for value in expected {
            assert_eq!(rng.next_u64(), value);
        }
    }

    #[test]
    fn normal_deviates_have_unit_variance() {
        let mut rng = SplitMix64::stream(7, 3);
        let n = 200_000;
        let (mut sum, mut squares) = (0.0, 0.0);
        for _ in 0..n {
            let x = rng.normal();
            sum += x;
            squares += x * x;
        }
        let mean = sum / n as f64;
        let variance = squares / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.01, "variance {variance}");
    }

    #[test]
    fn permutations_are_permutations_and_depend_on_the_stream() {
        let a = SplitMix64::stream(1, 0).permutation(1000);
        let b = SplitMix64::stream(1, 1).permutation(1000);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        assert_ne!(a, b);
    }
}
