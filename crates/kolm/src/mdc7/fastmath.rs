//! The two approximate transcendental functions of MDC7, and its shared FNV-1a hash.
//!
//! Midicoth never calls libm while coding. It uses a truncated Taylor series for the
//! natural logarithm (`fast_log`) and a polynomial for 2^x (`fast_exp`, only used to build
//! the Tweedie table's initial values). Both are part of the format: every calibration bin
//! is chosen through `fast_log`, so a different logarithm — even a more accurate one —
//! desynchronises the stream. They are written with `to_bits`/`from_bits` and plain `f64`
//! operations in the reference's evaluation order; Rust never contracts `a * b + c` into a
//! fused multiply-add, so the results are the same on every IEEE-754 machine.
//!
//! `fast_log` is *not* the "< 2e-4" approximation its original comment claims: the series
//! `t - t²/2 + t³/3 - t⁴/4 + t⁵/5` on the mantissa `1 + t ∈ [1, 2)` errs by up to 0.09 as
//! `t → 1`, and it jumps at every power of two. That is a quirk to keep, not to fix.

// The reference writes `0.6931471805599453` and `1.4426950408889634`; those literals are
// exactly the doubles `LN_2` and `LOG2_E` (see the test below).
use std::f64::consts::{LN_2, LOG2_E};

/// Natural logarithm of a positive, normal `x`, bit-exact with the reference's `fast_log`.
#[inline]
pub(crate) fn fast_log(x: f64) -> f64 {
    let bits = x.to_bits();
    // The unbiased exponent fits an i32; converting from i32 keeps the value exact and lets
    // the compiler vectorise callers (x86 has no packed i64 → f64 conversion before AVX-512).
    let exponent = ((bits >> 52) & 0x7FF) as i32 - 1023;
    let mantissa = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    let t = mantissa - 1.0;
    let log_mantissa = t * (1.0 + t * (-0.5 + t * (0.333333333 + t * (-0.25 + t * 0.2))));
    log_mantissa + f64::from(exponent) * LN_2
}

/// `e^x`, bit-exact with the reference's `fast_exp`.
pub(crate) fn fast_exp(x: f64) -> f64 {
    if x < -700.0 {
        return 0.0;
    }
    if x > 709.0 {
        return 1e308;
    }
    let t = x * LOG2_E;
    // C truncates towards zero, then steps down for negative non-integers: a floor.
    let mut k = t as i64;
    if t < k as f64 {
        k -= 1;
    }
    let f = t - k as f64;
    let p = 1.0
        + f * (LN_2
            + f * (0.24022650695910071
                + f * (0.05550410866482158 + f * (0.009618129107628477 + f * 0.0013333558146428443))));
    p * f64::from_bits(((k + 1023) as u64) << 52)
}

/// FNV-1a 64-bit offset basis.
pub(crate) const FNV_OFFSET: u64 = 14695981039346656037;
const FNV_PRIME: u64 = 1099511628211;

/// One FNV-1a step: folds `byte` into the running state `hash`.
#[inline]
pub(crate) fn fnv_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// Turns a running FNV-1a state into a table key. Key 0 marks an empty slot in every MDC7
/// table, so a hash of 0 is stored as 1.
#[inline]
pub(crate) fn fnv_key(hash: u64) -> u64 {
    if hash == 0 { 1 } else { hash }
}

/// The table key of `bytes`: FNV-1a over them, oldest first.
#[inline]
pub(crate) fn fnv_hash(bytes: &[u8]) -> u64 {
    fnv_key(bytes.iter().fold(FNV_OFFSET, |h, &b| fnv_step(h, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_log_is_the_truncated_series() {
        assert_eq!(fast_log(1.0), 0.0);
        assert_eq!(fast_log(2.0), LN_2);
        // The series at t = 0.5 is exactly 0.5 - 0.125 + 0.041666... - 0.015625 + 0.00625.
        let t: f64 = 0.5;
        let series = t * (1.0 + t * (-0.5 + t * (0.333333333 + t * (-0.25 + t * 0.2))));
        assert_eq!(fast_log(1.5), series);
        // The documented quirk: near the top of an octave the error reaches about 0.09.
        let just_below_two = f64::from_bits(2.0f64.to_bits() - 1);
        let error = (just_below_two.ln() - fast_log(just_below_two)).abs();
        assert!((0.08..0.1).contains(&error), "error {error}");
    }

    #[test]
    fn fast_exp_matches_the_reference_centres() {
        // Tweedie bin centres quoted in the specification (measured from the C program).
        let centre = |bin: f64| 1.0 / (1.0 + fast_exp(-(((bin + 0.5) / 20.0) * 2.0 * 8.0 - 8.0)));
        assert!((centre(0.0) - 0.0005002362).abs() < 1e-10);
        assert!((centre(9.0) - 0.4013133112).abs() < 1e-10);
        assert!((centre(10.0) - 0.5986878249).abs() < 1e-10);
        assert!((centre(19.0) - 0.9994997989).abs() < 1e-10);
        assert_eq!(fast_exp(-701.0), 0.0);
        assert_eq!(fast_exp(710.0), 1e308);
    }

    #[test]
    fn constants_are_the_reference_literals() {
        assert_eq!(LN_2.to_bits(), 0x3FE6_2E42_FEFA_39EF);
        assert_eq!(LOG2_E.to_bits(), 0x3FF7_1547_652B_82FE);
    }

    #[test]
    fn fnv_reserves_zero() {
        assert_eq!(fnv_hash(b""), FNV_OFFSET);
        assert_eq!(fnv_hash(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv_key(0), 1);
    }
}
