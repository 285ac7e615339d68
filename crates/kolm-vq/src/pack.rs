//! Dense `b`-bit packing of code indices, least significant bit first.
//!
//! Index `j` occupies bits `j·b … j·b + b − 1` of the byte string, counting from bit 0 of byte 0
//! (the same bit order as DEFLATE); the unused high bits of the last byte are zero. This is the
//! layout of codes in `.kvq` files and in [`crate::Quantizer::encode`]'s output.

/// Bytes needed for `count` indices of `bits` bits.
pub fn packed_len(count: usize, bits: u8) -> usize {
    (count * usize::from(bits)).div_ceil(8)
}

/// Packs `indices` (each below `2^bits`) into `out` (exactly [`packed_len`] bytes).
pub fn pack(indices: &[u8], bits: u8, out: &mut [u8]) {
    debug_assert_eq!(out.len(), packed_len(indices.len(), bits));
    out.fill(0);
    let mut bit = 0usize;
    for &index in indices {
        let value = u16::from(index) << (bit % 8);
        out[bit / 8] |= value as u8;
        if bit % 8 + usize::from(bits) > 8 {
            out[bit / 8 + 1] |= (value >> 8) as u8;
        }
        bit += usize::from(bits);
    }
}

/// Unpacks `out.len()` indices of `bits` bits from `packed`.
pub fn unpack(packed: &[u8], bits: u8, out: &mut [u8]) {
    debug_assert_eq!(packed.len(), packed_len(out.len(), bits));
    let mask = (1u16 << bits) - 1;
    if 8 % bits == 0 {
        // Whole indices per byte: no index straddles two bytes.
        let per_byte = usize::from(8 / bits);
        for (chunk, &byte) in out.chunks_mut(per_byte).zip(packed) {
            for (slot, index) in chunk.iter_mut().enumerate() {
                *index = (u16::from(byte) >> (slot * usize::from(bits)) & mask) as u8;
            }
        }
        return;
    }
    for (position, index) in out.iter_mut().enumerate() {
        *index = value_at(packed, bits, position);
    }
}

/// Value `position` of packed `bits`-bit values (it may straddle two bytes).
pub fn value_at(packed: &[u8], bits: u8, position: usize) -> u8 {
    let bit = position * usize::from(bits);
    let low = u16::from(packed[bit / 8]);
    let high = packed.get(bit / 8 + 1).map_or(0, |&byte| u16::from(byte));
    ((low | high << 8) >> (bit % 8) & ((1 << bits) - 1)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout_is_least_significant_bit_first() {
        let mut out = [0u8; 2];
        pack(&[0b101, 0b011, 0b110], 3, &mut out);
        // bits: 101 | 011 << 3 | 110 << 6 = 0b1_1001_1101 (9 bits)
        assert_eq!(out, [0b1001_1101, 0b0000_0001]);
    }

    proptest! {
        #[test]
        fn unpack_inverts_pack(bits in 1u8..=8, raw in proptest::collection::vec(any::<u8>(), 0..100)) {
            let indices: Vec<u8> = raw.iter().map(|&v| v & ((1u16 << bits) - 1) as u8).collect();
            let mut packed = vec![0; packed_len(indices.len(), bits)];
            pack(&indices, bits, &mut packed);
            let mut back = vec![0; indices.len()];
            unpack(&packed, bits, &mut back);
            prop_assert_eq!(back, indices);
        }
    }
}
