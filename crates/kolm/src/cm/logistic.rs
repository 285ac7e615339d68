//! The logistic domain: `stretch(p) = ln(p / (1 − p))` and its inverse `squash`, in fixed point.
//!
//! Probabilities are 12-bit (`1..=4095` for P(bit = 1) × 4096); the stretched domain is
//! `-2047..=2047` in units of 1/256, so `squash(x) ≈ 4096 / (1 + e^(−x/256))`. Mixing happens in
//! the stretched domain, where adding evidence is adding numbers.
//!
//! Both functions are integer-only, so every machine computes the same bits: `squash`
//! interpolates linearly between 33 knots (the logistic function at x = −2048, −1920, …, 2048,
//! rounded; a test recomputes them), and `stretch` is the exact inverse of `squash`. Both are
//! tabulated when kolm is compiled: the mixer squashes several times per bit, and a table
//! look-up is shorter than the interpolation it stores.

/// `4096 / (1 + e^(−k/2))` for k = −16…16, rounded and kept within 1..=4095.
const KNOTS: [i32; 33] = [
    1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048, 2550, 2994, 3349, 3608, 3785, 3902,
    3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095,
];

/// The largest magnitude of a stretched probability.
pub(crate) const STRETCH_LIMIT: i32 = 2047;

/// P(1) in 1/4096ths from a stretched value; inputs beyond ±2047 saturate.
#[inline(always)]
pub(crate) fn squash(x: i32) -> i32 {
    SQUASH[(x.clamp(-STRETCH_LIMIT, STRETCH_LIMIT) + STRETCH_LIMIT) as usize] as i32
}

/// [`squash`] tabulated: entry `x + 2047` is [`interpolated_squash`]`(x)`.
static SQUASH: [i16; 4095] = {
    let mut table = [0i16; 4095];
    let mut x = -STRETCH_LIMIT;
    while x <= STRETCH_LIMIT {
        table[(x + STRETCH_LIMIT) as usize] = interpolated_squash(x) as i16;
        x += 1;
    }
    table
};

/// The definition of [`squash`]: linear interpolation between the knots (inputs beyond ±2047
/// saturate); for constants.
pub(crate) const fn interpolated_squash(x: i32) -> i32 {
    // `clamp`, spelled out to be usable in constants.
    let x = if x < -STRETCH_LIMIT {
        -STRETCH_LIMIT
    } else if x > STRETCH_LIMIT {
        STRETCH_LIMIT
    } else {
        x
    };
    let offset = x + 2048;
    let (index, weight) = ((offset >> 7) as usize, offset & 127);
    (KNOTS[index] * (128 - weight) + KNOTS[index + 1] * weight + 64) >> 7
}

/// The stretched value of a 12-bit probability: the smallest x with `squash(x) >= p`.
#[inline(always)]
pub(crate) fn stretch(p: i32) -> i32 {
    STRETCH[p.clamp(0, 4095) as usize] as i32
}

/// [`stretch`] of a probability known to be below 4096 (its higher bits are ignored).
#[inline(always)]
pub(crate) fn stretch_12_bits(p: u32) -> i32 {
    STRETCH[p as usize & 0xFFF] as i32
}

/// [`stretch`] tabulated: entry p is the smallest x with `squash(x) >= p`.
static STRETCH: [i16; 4096] = {
    let mut table = [STRETCH_LIMIT as i16; 4096];
    let mut next = 0usize;
    let mut x = -STRETCH_LIMIT;
    while x <= STRETCH_LIMIT {
        let reached = interpolated_squash(x) as usize;
        while next <= reached {
            table[next] = x as i16;
            next += 1;
        }
        x += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knots_are_the_logistic_function() {
        for (k, &knot) in KNOTS.iter().enumerate() {
            let exact = 4096.0 / (1.0 + (-(k as f64 - 16.0) / 2.0).exp());
            assert_eq!(knot, (exact.round() as i32).clamp(1, 4095), "knot {k}");
        }
    }

    #[test]
    fn squash_is_its_interpolation_and_saturates() {
        for x in -3000..3000 {
            assert_eq!(squash(x), interpolated_squash(x.clamp(-STRETCH_LIMIT, STRETCH_LIMIT)), "{x}");
        }
        assert_eq!((squash(i32::MIN), squash(i32::MAX)), (1, 4095));
    }

    #[test]
    fn squash_is_monotone_symmetric_and_bounded() {
        assert_eq!(squash(0), 2048);
        assert_eq!(squash(-5000), 1);
        assert_eq!(squash(5000), 4095);
        for x in -STRETCH_LIMIT..STRETCH_LIMIT {
            assert!(squash(x) <= squash(x + 1));
            assert!((squash(x) + squash(-x) - 4096).abs() <= 1, "{x}");
        }
    }

    #[test]
    fn stretch_inverts_squash() {
        for p in 1..4096 {
            let x = stretch(p);
            assert!(squash(x) >= p, "{p}");
            assert!(x == -STRETCH_LIMIT || squash(x - 1) < p, "{p}");
        }
        assert!(stretch(2048) <= 0 && stretch(2049) >= 0);
    }
}
