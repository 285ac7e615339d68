//! The binary arithmetic coder: one bit at a time, with a 12-bit or a 16-bit probability.
//!
//! The state is an interval `[low, high]` of 32-bit numbers. Coding a bit with
//! P(1) = p/2^k splits it at `low + range·p/2^k`: the lower part stands for 1, the upper for 0.
//! The context-mixing engine predicts in 12 bits; the model of sorted bytes
//! ([`super::sorted`]) in 16, because after the Burrows–Wheeler transform many bits are so
//! predictable that 1/4096 would be a floor on their cost.
//! Whenever `low` and `high` agree on their top byte, that byte is settled, goes out, and the
//! interval is widened by 8 bits. There is no carry to propagate, at the price of a little
//! coding loss when the interval straddles a byte boundary while narrow; the split always
//! leaves both parts non-empty because p is kept within 1..2^k.
//!
//! The encoder ends by writing the four bytes of `low`, enough for the decoder to pin every
//! bit. The decoder reads zeros past the end of its payload, as the encoder implied, but
//! counts them: a payload that runs out more than four bytes early is corrupt.

use crate::Error;
use crate::simd::kernel_twins;

pub(crate) struct Encoder {
    low: u32,
    high: u32,
    out: Vec<u8>,
}

impl Encoder {
    pub(crate) fn with_capacity(capacity: usize) -> Encoder {
        Encoder { low: 0, high: u32::MAX, out: Vec::with_capacity(capacity) }
    }

    /// Codes `bit` with P(bit = 1) = `p`/2^`bits`, `p` in 1..2^`bits`.
    #[inline(always)]
    pub(crate) fn encode(&mut self, bit: u32, p: u32, bits: u32) {
        debug_assert!((1..1 << bits).contains(&p));
        let mid = self.low + ((u64::from(self.high - self.low) * u64::from(p)) >> bits) as u32;
        if bit != 0 {
            self.high = mid;
        } else {
            self.low = mid + 1;
        }
        while (self.low ^ self.high) & 0xFF00_0000 == 0 {
            self.out.push((self.high >> 24) as u8);
            self.low <<= 8;
            self.high = (self.high << 8) | 0xFF;
        }
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&self.low.to_be_bytes());
        self.out
    }
}

pub(crate) struct Decoder<'a> {
    low: u32,
    high: u32,
    x: u32,
    payload: &'a [u8],
    position: usize,
}

/// Bytes a decoder may read past the payload before the payload counts as cut short: the
/// encoder's final four bytes are always there.
const SLACK: usize = 4;

impl<'a> Decoder<'a> {
    pub(crate) fn new(payload: &'a [u8]) -> Decoder<'a> {
        let mut decoder = Decoder { low: 0, high: u32::MAX, x: 0, payload, position: 0 };
        for _ in 0..4 {
            decoder.x = (decoder.x << 8) | decoder.next_byte();
        }
        decoder
    }

    #[inline(always)]
    fn next_byte(&mut self) -> u32 {
        let byte = self.payload.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        u32::from(byte)
    }

    /// Decodes a bit coded with P(1) = `p`/2^`bits`.
    #[inline(always)]
    pub(crate) fn decode(&mut self, p: u32, bits: u32) -> u32 {
        let mid = self.low + ((u64::from(self.high - self.low) * u64::from(p)) >> bits) as u32;
        let bit = u32::from(self.x <= mid);
        if bit != 0 {
            self.high = mid;
        } else {
            self.low = mid + 1;
        }
        while (self.low ^ self.high) & 0xFF00_0000 == 0 {
            self.low <<= 8;
            self.high = (self.high << 8) | 0xFF;
            self.x = (self.x << 8) | self.next_byte();
        }
        bit
    }

    /// Fails if decoding needed bytes the payload does not have.
    pub(crate) fn check_end(&self) -> Result<(), Error> {
        if self.position > self.payload.len() + SLACK {
            return Err(Error::Corrupt("the coded block ends too early".into()));
        }
        Ok(())
    }
}

/// A model that predicts the bits of bytes one at a time, the most significant first: what
/// the coding loops below drive. Encoder and decoder call it alike, `p` then `update`.
pub(crate) trait BitPredictor {
    /// The precision of [`BitPredictor::p`]: probabilities in 1/2^`BITS`.
    const BITS: u32;
    /// P(next bit = 1) in 1/2^`BITS`, within 1..2^`BITS`.
    fn p(&mut self) -> u32;
    /// Learns the bit that came.
    fn update(&mut self, bit: u32);
    /// Told, before the first bit of a byte, what that byte is: only an encoder knows it,
    /// so this may start loading memory the byte will need, and must not change a
    /// prediction.
    #[inline(always)]
    fn foresee(&self, _byte: u8) {}
}

/// Codes the bytes of `chunk` with `predictor`'s probabilities.
#[inline(always)]
pub(crate) fn encode_bytes<P: BitPredictor>(chunk: &[u8], predictor: &mut P, encoder: &mut Encoder) {
    for &byte in chunk {
        predictor.foresee(byte);
        for shift in (0..8).rev() {
            let bit = u32::from(byte >> shift) & 1;
            encoder.encode(bit, predictor.p(), P::BITS);
            predictor.update(bit);
        }
    }
}

/// Decodes `len` bytes with `predictor`'s probabilities, handing each to `emit`.
#[inline(always)]
pub(crate) fn decode_bytes<P: BitPredictor>(
    len: usize,
    predictor: &mut P,
    decoder: &mut Decoder<'_>,
    emit: &mut dyn FnMut(u8),
) {
    for _ in 0..len {
        let mut byte = 1u32;
        for _ in 0..8 {
            let bit = decoder.decode(predictor.p(), P::BITS);
            predictor.update(bit);
            byte = byte << 1 | bit;
        }
        emit(byte as u8);
    }
}

kernel_twins!(
    /// [`encode_bytes`] compiled for `kernel`.
    pub(crate) fn encode_bytes_in<P: BitPredictor>(chunk: &[u8], predictor: &mut P, encoder: &mut Encoder) => encode_bytes
);
kernel_twins!(
    /// [`decode_bytes`] compiled for `kernel`.
    pub(crate) fn decode_bytes_in<P: BitPredictor>(
        len: usize,
        predictor: &mut P,
        decoder: &mut Decoder<'_>,
        emit: &mut dyn FnMut(u8),
    ) => decode_bytes
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_at_every_probability() {
        let mut state = 12345u32;
        let mut bits = Vec::new();
        for i in 0..20_000u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let p = 1 + (state >> 8) % 4095;
            // Mostly likely bits, some surprises.
            let bit = u32::from((state >> 3) % 4096 < p) ^ u32::from(i % 97 == 0);
            bits.push((bit, p));
        }
        let mut encoder = Encoder::with_capacity(0);
        for &(bit, p) in &bits {
            encoder.encode(bit, p, 12);
        }
        let payload = encoder.finish();
        let mut decoder = Decoder::new(&payload);
        for &(bit, p) in &bits {
            assert_eq!(decoder.decode(p, 12), bit);
        }
        assert!(decoder.check_end().is_ok());
    }

    #[test]
    fn sixteen_bit_probabilities_round_trip_and_cost_less_at_the_extremes() {
        let mut state = 99u32;
        let bits: Vec<(u32, u32)> = (0..20_000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let p = 1 + (state >> 8) % 65_535;
                (u32::from((state >> 3) % 65_536 < p), p)
            })
            .collect();
        let mut encoder = Encoder::with_capacity(0);
        for &(bit, p) in &bits {
            encoder.encode(bit, p, 16);
        }
        let payload = encoder.finish();
        let mut decoder = Decoder::new(&payload);
        for &(bit, p) in &bits {
            assert_eq!(decoder.decode(p, 16), bit);
        }
        assert!(decoder.check_end().is_ok());
        let mut encoder = Encoder::with_capacity(0);
        for _ in 0..80_000 {
            encoder.encode(1, 65_535, 16);
        }
        // About 1.8 bits of information, where 12 bits allow no less than 28.
        assert!(encoder.finish().len() <= 5);
    }

    #[test]
    fn confident_bits_cost_little() {
        let mut encoder = Encoder::with_capacity(0);
        for _ in 0..80_000 {
            encoder.encode(1, 4095, 12);
        }
        // 80,000 bits at P = 4095/4096 carry about 28 bits of information.
        assert!(encoder.finish().len() < 16);
    }

    #[test]
    fn a_payload_cut_short_is_noticed() {
        let mut encoder = Encoder::with_capacity(0);
        for i in 0..8000 {
            encoder.encode(i & 1, 2048, 12);
        }
        let payload = encoder.finish();
        let mut decoder = Decoder::new(&payload[..payload.len() / 2]);
        for _ in 0..8000 {
            decoder.decode(2048, 12);
        }
        assert!(decoder.check_end().is_err());
    }
}
