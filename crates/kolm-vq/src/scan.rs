//! The FastScan kernel: summing 4-bit lookup-table entries for 32 codes at a time.
//!
//! Search builds, per query, one 16-entry table of `u8` per *unit* (a nibble of code: one
//! 3- or 4-bit index, two 2-bit indices, four 1-bit indices, or four QJL signs), and needs,
//! for every vector, the sum of its units' table entries. Codes are stored transposed in
//! blocks of [`BLOCK`] vectors: for each unit, 16 bytes whose low nibbles belong to vectors
//! 0–15 of the block and high nibbles to vectors 16–31. One AVX2 `vpshufb` then looks up 32
//! nibbles of two units at once (a unit's table in each 128-bit lane), sums go into 16-bit
//! lanes (FAISS's trick: bytes added in pairs, odd bytes once more on their own, so no
//! unpacking), and every 256 steps they are widened into 32-bit totals before they can
//! overflow.
//! The scalar kernel computes the same integer sums one entry at a time, so both give the same
//! totals bit for bit, and search gives the same ranking on every CPU.

/// Vectors per block of the transposed layout.
pub const BLOCK: usize = 32;

/// Which implementation sums the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable code, one lookup at a time.
    Scalar,
    /// AVX2 shuffles, 64 lookups per instruction pair (x86-64 CPUs since 2013).
    Avx2,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            return Kernel::Avx2;
        }
        Kernel::Scalar
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            Kernel::Avx2 => Kernel::detect() == Kernel::Avx2,
        }
    }

    /// Sums, for each of the 32 vectors of `block` (`units × 16` bytes, `units` even), the
    /// entries of `tables` (`units × 16` bytes) its nibbles select.
    pub fn block_sums(self, tables: &[u8], block: &[u8], sums: &mut [u32; BLOCK]) {
        debug_assert_eq!(tables.len(), block.len());
        debug_assert_eq!(tables.len() % 32, 0);
        match self {
            Kernel::Scalar => scalar_sums(tables, block, sums),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2` is only chosen where the CPU reports AVX2 (`detect`, `is_available`).
            Kernel::Avx2 => unsafe { avx2::block_sums(tables, block, sums) },
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 => scalar_sums(tables, block, sums),
        }
    }
}

fn scalar_sums(tables: &[u8], block: &[u8], sums: &mut [u32; BLOCK]) {
    sums.fill(0);
    for (table, bytes) in tables.chunks_exact(16).zip(block.chunks_exact(16)) {
        for (i, &byte) in bytes.iter().enumerate() {
            sums[i] += u32::from(table[usize::from(byte & 15)]);
            sums[i + 16] += u32::from(table[usize::from(byte >> 4)]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Steps (pairs of units) a 16-bit lane can take before 255 per step could overflow it.
    const STEPS_BEFORE_WIDENING: usize = 256;

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn block_sums(tables: &[u8], block: &[u8], sums: &mut [u32; super::BLOCK]) {
        let low_nibbles = _mm256_set1_epi8(0x0f);
        // Per 32-bit total: vectors 0, 2, …, 14; 1, 3, …, 15; 16, 18, …, 30; 17, 19, …, 31.
        let mut totals = [_mm256_setzero_si256(); 4];
        for (table_chunk, block_chunk) in
            tables.chunks(32 * STEPS_BEFORE_WIDENING).zip(block.chunks(32 * STEPS_BEFORE_WIDENING))
        {
            // The looked-up bytes are added as 16-bit lanes without unpacking (the shuffle
            // port is the bottleneck): `mixed` gathers even byte + 256 × odd byte, wrapping,
            // and `odd` the odd bytes alone, so even = mixed − 256·odd, exact modulo 2¹⁶.
            // Lane 0 of each register holds the even unit of a pair, lane 1 the odd unit.
            let (mut mixed_low, mut odd_low) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            let (mut mixed_high, mut odd_high) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            for (table, bytes) in table_chunk.chunks_exact(32).zip(block_chunk.chunks_exact(32)) {
                // SAFETY: both slices are 32 bytes long; unaligned loads are allowed.
                let (lut, codes) = unsafe {
                    (
                        _mm256_loadu_si256(table.as_ptr().cast::<__m256i>()),
                        _mm256_loadu_si256(bytes.as_ptr().cast::<__m256i>()),
                    )
                };
                let low = _mm256_shuffle_epi8(lut, _mm256_and_si256(codes, low_nibbles));
                let high = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(codes, 4), low_nibbles));
                mixed_low = _mm256_add_epi16(mixed_low, low);
                odd_low = _mm256_add_epi16(odd_low, _mm256_srli_epi16(low, 8));
                mixed_high = _mm256_add_epi16(mixed_high, high);
                odd_high = _mm256_add_epi16(odd_high, _mm256_srli_epi16(high, 8));
            }
            let parts = [
                _mm256_sub_epi16(mixed_low, _mm256_slli_epi16(odd_low, 8)),
                odd_low,
                _mm256_sub_epi16(mixed_high, _mm256_slli_epi16(odd_high, 8)),
                odd_high,
            ];
            for (total, part) in totals.iter_mut().zip(parts) {
                let even_unit = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(part));
                let odd_unit = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(part, 1));
                *total = _mm256_add_epi32(*total, _mm256_add_epi32(even_unit, odd_unit));
            }
        }
        let mut lanes = [[0u32; 8]; 4];
        for (lane, total) in lanes.iter_mut().zip(totals) {
            // SAFETY: each `lane` holds eight u32.
            unsafe { _mm256_storeu_si256(lane.as_mut_ptr().cast::<__m256i>(), total) };
        }
        for j in 0..8 {
            sums[2 * j] = lanes[0][j];
            sums[2 * j + 1] = lanes[1][j];
            sums[16 + 2 * j] = lanes[2][j];
            sums[17 + 2 * j] = lanes[3][j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::SplitMix64;

    #[test]
    fn kernels_agree_on_random_tables_and_codes() {
        let mut rng = SplitMix64::new(3);
        for units in [2, 4, 62, 512, 514, 1030] {
            let tables: Vec<u8> = (0..units * 16).map(|_| rng.next_u64() as u8).collect();
            let block: Vec<u8> = (0..units * 16).map(|_| rng.next_u64() as u8).collect();
            let mut scalar = [0; BLOCK];
            Kernel::Scalar.block_sums(&tables, &block, &mut scalar);
            let mut fast = [0; BLOCK];
            Kernel::detect().block_sums(&tables, &block, &mut fast);
            assert_eq!(scalar, fast, "{units} units");
        }
    }

    #[test]
    fn largest_entries_do_not_overflow() {
        let units = 2048;
        let tables = vec![255u8; units * 16];
        let block = vec![0xffu8; units * 16];
        let mut sums = [0; BLOCK];
        Kernel::detect().block_sums(&tables, &block, &mut sums);
        assert_eq!(sums, [255 * units as u32; BLOCK]);
    }
}
