//! The FastScan kernels: summing 4-bit lookup-table entries for 32 codes and several queries
//! at a time.
//!
//! Search builds, per query, one 16-entry table of 7-bit entries per *unit* (a nibble of
//! code: one 3- or 4-bit index, two 2-bit indices, four 1-bit indices, or four QJL signs),
//! and needs, for every vector, the sum of its units' table entries.
//!
//! **Layout.** Codes are stored transposed in blocks of [`BLOCK`] vectors, units in *quads*
//! of four ([`UNIT_ALIGN`]; padding units have all-zero tables). In a quad, units 0 and 1
//! share bytes (unit 0 in the low nibble, unit 1 in the high) and so do units 2 and 3; the
//! quad's 64 bytes are: units 0/1 for vectors 0–15, units 2/3 for vectors 0–15, units 0/1
//! for vectors 16–31, units 2/3 for vectors 16–31, 16 bytes each. A query's tables for a quad
//! take 64 bytes: unit 0, unit 2, unit 1, unit 3. So the 32 table bytes at offset 0 line up,
//! 128-bit lane by lane, with the low nibbles of either half of the quad's codes, and those at
//! offset 32 with the high nibbles; an AVX-512 kernel broadcasts each to both halves.
//!
//! **Sums.** `vpshufb` looks up the low nibbles in one table register and the high nibbles in
//! the other; both results belong to the *same* vectors, so they are added as bytes (7-bit
//! entries: at most 254). The byte sums then go into 16-bit lanes without unpacking (FAISS's
//! trick: the bytes are added in pairs, the odd bytes once more on their own, and
//! `even = pairs − 256·odd` modulo 2¹⁶). Every 128 quads, before a lane can overflow, a
//! vector's two lanes (units 0/1 and units 2/3) are added, still in 16 bits, and the sums
//! are put in vector order and widened into 32-bit totals. The codes of a block are loaded
//! and split into nibbles once for up to [`MAX_QUERIES`] queries. The scalar kernel computes
//! the same integer sums one entry at a time, so every kernel gives the same totals bit for
//! bit, and search ranks the same on every CPU.
//!
//! **One code at a time.** The second pass of a two-stage search scores a shortlist of
//! vectors from their packed 4-bit codes (two coordinates per byte, vector after vector), where
//! the transposed layout does not help. [`Kernel::code_dot`] looks each nibble up in one
//! 16-entry table of *levels* (the codebook's centroids rounded to 0–[`MAX_LEVEL`]), shared by
//! every coordinate, and multiplies it by the query coordinate rounded to a signed byte (at
//! most [`MAX_WEIGHT`] in magnitude): `vpmaddubsw` then `vpmaddwd`, 64 coordinates per step.
//! A pair of products is at most 2·127·127, so the 16-bit step cannot saturate and the sum is
//! exact, the same as the scalar kernel's.

/// Vectors per block of the transposed layout.
pub const BLOCK: usize = 32;
/// Units per vector are padded to a multiple of this (one quad).
pub const UNIT_ALIGN: usize = 4;
/// The most queries one kernel call scores together.
pub const MAX_QUERIES: usize = 4;
/// The largest table entry: two entries must add up without overflowing a byte.
pub const MAX_ENTRY: u8 = 127;
/// The largest level of [`Kernel::code_dot`]'s table.
pub const MAX_LEVEL: u8 = 127;
/// The largest magnitude of a [`Kernel::code_dot`] weight.
pub const MAX_WEIGHT: i8 = 127;

/// Where unit `unit`'s nibble of vector `vector` lives in a block: the byte and the shift.
pub fn code_position(unit: usize, vector: usize) -> (usize, u32) {
    let (quad, within) = (unit / 4, unit % 4);
    (quad * 64 + (vector / 16) * 32 + (within / 2) * 16 + vector % 16, if within % 2 == 1 { 4 } else { 0 })
}

/// Where unit `unit`'s 16-entry table starts in a query's tables.
pub fn table_position(unit: usize) -> usize {
    let (quad, within) = (unit / 4, unit % 4);
    quad * 64 + (within % 2) * 32 + (within / 2) * 16
}

/// Which implementation sums the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable code, one lookup at a time.
    Scalar,
    /// AVX2 shuffles: two units × 32 vectors per instruction pair, two queries per pass.
    Avx2,
    /// AVX-512BW shuffles: four units × 32 vectors per instruction pair, four queries per pass.
    Avx512,
}

impl Kernel {
    /// The kernel search uses by default: AVX2 where the CPU has it, else scalar.
    ///
    /// AVX-512 is not the default: on the AMD Zen 4 machine kolm is measured on, where 512-bit
    /// instructions run as two 256-bit halves, the AVX2 kernel searched 50,000 vectors 15 %
    /// faster. Ask for [`Kernel::Avx512`] through [`crate::SearchParams::kernel`] to use it.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            return Kernel::Avx2;
        }
        Kernel::Scalar
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Kernel::Scalar => true,
                Kernel::Avx2 => std::is_x86_feature_detected!("avx2"),
                Kernel::Avx512 => std::is_x86_feature_detected!("avx512bw"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Kernel::Scalar
        }
    }

    /// For each query `q`, sums for each of the 32 vectors of `block` (`units × 16` bytes in
    /// the layout above, `units` a multiple of [`UNIT_ALIGN`]) the entries of `tables[q]`
    /// (`units × 16` bytes, entries at most [`MAX_ENTRY`]) its nibbles select, into `sums[q]`.
    /// The kernel must be [available](Kernel::is_available).
    #[inline(always)]
    pub fn block_sums(self, tables: &[&[u8]], block: &[u8], sums: &mut [[u32; BLOCK]]) {
        assert_eq!(tables.len(), sums.len());
        assert!(tables.iter().all(|table| table.len() == block.len()));
        assert_eq!(block.len() % (16 * UNIT_ALIGN), 0);
        match self {
            Kernel::Scalar => tables.iter().zip(sums).for_each(|(table, sums)| scalar_sums(table, block, sums)),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller only picks an available kernel; slice lengths are checked above.
            Kernel::Avx2 => unsafe { x86::avx2_sums(tables, block, sums) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Kernel::Avx512 => unsafe { x86::avx512_sums(tables, block, sums) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("SIMD kernels exist only on x86-64"),
        }
    }

    /// `Σ_i even[i]·levels[code[i] & 15] + odd[i]·levels[code[i] >> 4]`: the dot product of a
    /// packed 4-bit code (`code.len()` bytes, coordinates `2i` and `2i + 1` in byte `i`) with
    /// weights split by coordinate parity (each at least `code.len()` long). Levels are at most
    /// [`MAX_LEVEL`], weights at most [`MAX_WEIGHT`] in magnitude. The kernel must be
    /// [available](Kernel::is_available).
    pub fn code_dot(self, levels: &[u8; 16], even: &[i8], odd: &[i8], code: &[u8]) -> i32 {
        assert!(even.len() >= code.len() && odd.len() >= code.len());
        debug_assert!(levels.iter().all(|&level| level <= MAX_LEVEL));
        debug_assert!(even.iter().chain(odd).all(|&weight| weight >= -MAX_WEIGHT));
        match self {
            Kernel::Scalar => scalar_code_dot(levels, even, odd, code),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller only picks an available kernel (AVX-512BW implies AVX2); the
            // weights are at least as long as the code, checked above.
            Kernel::Avx2 | Kernel::Avx512 => unsafe { x86::avx2_code_dot(levels, even, odd, code) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("SIMD kernels exist only on x86-64"),
        }
    }
}

fn scalar_code_dot(levels: &[u8; 16], even: &[i8], odd: &[i8], code: &[u8]) -> i32 {
    code.iter()
        .zip(even.iter().zip(odd))
        .map(|(&byte, (&even, &odd))| {
            i32::from(even) * i32::from(levels[usize::from(byte & 15)])
                + i32::from(odd) * i32::from(levels[usize::from(byte >> 4)])
        })
        .sum()
}

fn scalar_sums(tables: &[u8], block: &[u8], sums: &mut [u32; BLOCK]) {
    sums.fill(0);
    for (quad_tables, quad_codes) in tables.chunks_exact(64).zip(block.chunks_exact(64)) {
        // Codes: units 0/1 then 2/3 for vectors 0–15, the same for 16–31; tables: 0, 2, 1, 3.
        for (half, codes) in quad_codes.chunks_exact(32).enumerate() {
            for (pair, bytes) in codes.chunks_exact(16).enumerate() {
                let low = &quad_tables[pair * 16..pair * 16 + 16];
                let high = &quad_tables[32 + pair * 16..48 + pair * 16];
                for (sum, &byte) in sums[half * 16..half * 16 + 16].iter_mut().zip(bytes) {
                    *sum += u32::from(low[usize::from(byte & 15)]) + u32::from(high[usize::from(byte >> 4)]);
                }
            }
        }
    }
}

/// `table[i] += q·pattern[i]` for a unit's 16 table entries: a multiply, then an add, each
/// rounded to `f32` as the scalar operations round them, so the entries are the same bits on
/// every machine. Written with SSE (part of every x86-64), since the compiler keeps such a
/// table in 16 scalar registers and computes it one entry at a time.
#[inline]
pub(crate) fn add_scaled(table: &mut [f32; 16], q: f32, pattern: &[f32; 16]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_storeu_ps};
        // SAFETY: SSE is part of every x86-64 target, and each chunk holds the four f32 that
        // an unaligned load or store touches.
        unsafe {
            let scale = _mm_set1_ps(q);
            for (entries, values) in table.chunks_exact_mut(4).zip(pattern.chunks_exact(4)) {
                let sum = _mm_add_ps(_mm_loadu_ps(entries.as_ptr()), _mm_mul_ps(scale, _mm_loadu_ps(values.as_ptr())));
                _mm_storeu_ps(entries.as_mut_ptr(), sum);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (entry, &value) in table.iter_mut().zip(pattern) {
        *entry += q * value;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::ops::Range;

    use super::BLOCK;

    /// Quads summed in 16-bit lanes before they are widened: a lane adds at most 254 per quad,
    /// and the two units' lanes of a vector at most 2·254 per quad, which must stay below 2¹⁶.
    const QUADS_BEFORE_WIDENING: usize = 128;

    /// The quads of a block in chunks of at most [`QUADS_BEFORE_WIDENING`], each with whether
    /// its sums add to those before it. There is always a first chunk, empty for an empty
    /// block, so that the sums are always written.
    fn chunks(quads: usize) -> impl Iterator<Item = (Range<usize>, bool)> {
        let first = 0..quads.min(QUADS_BEFORE_WIDENING);
        let rest = (QUADS_BEFORE_WIDENING..quads)
            .step_by(QUADS_BEFORE_WIDENING)
            .map(move |start| (start..(start + QUADS_BEFORE_WIDENING).min(quads), true));
        std::iter::once((first, false)).chain(rest)
    }

    /// Writes a chunk's 16-bit sums, widened, into `sums`, or adds them to it (`add`).
    /// `mixed[h]` and `odd[h]` hold half `h`'s byte pairs and odd bytes (vectors `16h` to
    /// `16h + 15`), one 128-bit lane per pair of units; the sums are exact modulo 2¹⁶, which
    /// holds every total of [`QUADS_BEFORE_WIDENING`] quads.
    #[target_feature(enable = "avx2")]
    fn widen_into(sums: &mut [u32; BLOCK], add: bool, mixed: [__m256i; 2], odd: [__m256i; 2]) {
        // Both halves at once, each 128-bit lane the sum of one half's two lanes.
        let across = |x: [__m256i; 2]| {
            _mm256_add_epi16(_mm256_permute2x128_si256(x[0], x[1], 0x20), _mm256_permute2x128_si256(x[0], x[1], 0x31))
        };
        let (mixed, odd) = (across(mixed), across(odd));
        let even = _mm256_sub_epi16(mixed, _mm256_slli_epi16(odd, 8));
        // Per 128-bit lane (half): vectors 0–7 of the half, then 8–15.
        let (low, high) = (_mm256_unpacklo_epi16(even, odd), _mm256_unpackhi_epi16(even, odd));
        let parts = [
            _mm256_castsi256_si128(low),
            _mm256_castsi256_si128(high),
            _mm256_extracti128_si256(low, 1),
            _mm256_extracti128_si256(high, 1),
        ];
        for (eight, part) in sums.chunks_exact_mut(8).zip(parts) {
            let at = eight.as_mut_ptr().cast::<__m256i>();
            let mut total = _mm256_cvtepu16_epi32(part);
            // SAFETY: eight u32.
            unsafe {
                if add {
                    total = _mm256_add_epi32(total, _mm256_loadu_si256(at));
                }
                _mm256_storeu_si256(at, total);
            }
        }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2_sums(tables: &[&[u8]], block: &[u8], sums: &mut [[u32; BLOCK]]) {
        for (tables, sums) in tables.chunks(2).zip(sums.chunks_mut(2)) {
            match (tables, sums) {
                ([a, b], [sa, sb]) => avx2_group::<2>([a, b], block, [sa, sb]),
                ([a], [sa]) => avx2_group::<1>([a], block, [sa]),
                _ => unreachable!("chunks of at most two"),
            }
        }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn avx2_group<const Q: usize>(tables: [&[u8]; Q], block: &[u8], mut sums: [&mut [u32; BLOCK]; Q]) {
        let nibble = _mm256_set1_epi8(0x0f);
        // Per query and half of the quad (vectors 0–15, 16–31): byte pairs and odd bytes of the
        // quads in `range`; lane 0 holds units 0/1 of the quad, lane 1 units 2/3.
        let chunk = |range: Range<usize>| {
            let mut mixed = [[_mm256_setzero_si256(); 2]; Q];
            let mut odd = [[_mm256_setzero_si256(); 2]; Q];
            for quad in range {
                for half in 0..2 {
                    // SAFETY: `quad·64 + 64 ≤ block.len()`, which every table's length equals.
                    let codes = unsafe { _mm256_loadu_si256(block.as_ptr().add(quad * 64 + half * 32).cast()) };
                    let low = _mm256_and_si256(codes, nibble);
                    let high = _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibble);
                    for q in 0..Q {
                        let at = tables[q].as_ptr().wrapping_add(quad * 64);
                        // SAFETY: as above.
                        let (low_table, high_table) =
                            unsafe { (_mm256_loadu_si256(at.cast()), _mm256_loadu_si256(at.add(32).cast())) };
                        let both =
                            _mm256_add_epi8(_mm256_shuffle_epi8(low_table, low), _mm256_shuffle_epi8(high_table, high));
                        mixed[q][half] = _mm256_add_epi16(mixed[q][half], both);
                        odd[q][half] = _mm256_add_epi16(odd[q][half], _mm256_srli_epi16(both, 8));
                    }
                }
            }
            (mixed, odd)
        };
        for (range, add) in chunks(block.len() / 64) {
            let (mixed, odd) = chunk(range);
            for (q, sums) in sums.iter_mut().enumerate() {
                widen_into(sums, add, mixed[q], odd[q]);
            }
        }
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn avx512_sums(tables: &[&[u8]], block: &[u8], sums: &mut [[u32; BLOCK]]) {
        for (tables, sums) in tables.chunks(4).zip(sums.chunks_mut(4)) {
            match (tables, sums) {
                ([a, b, c, d], [sa, sb, sc, sd]) => avx512_group::<4>([a, b, c, d], block, [sa, sb, sc, sd]),
                ([a, b, c], [sa, sb, sc]) => avx512_group::<3>([a, b, c], block, [sa, sb, sc]),
                ([a, b], [sa, sb]) => avx512_group::<2>([a, b], block, [sa, sb]),
                ([a], [sa]) => avx512_group::<1>([a], block, [sa]),
                _ => unreachable!("chunks of at most four"),
            }
        }
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    fn avx512_group<const Q: usize>(tables: [&[u8]; Q], block: &[u8], mut sums: [&mut [u32; BLOCK]; Q]) {
        let nibble = _mm512_set1_epi8(0x0f);
        // 128-bit lanes of a sum: units 0/1 and 2/3 of vectors 0–15, then of 16–31.
        let chunk = |range: Range<usize>| {
            let mut mixed = [_mm512_setzero_si512(); Q];
            let mut odd = [_mm512_setzero_si512(); Q];
            for quad in range {
                // SAFETY: `quad·64 + 64 ≤ block.len()`, which every table's length equals.
                let codes = unsafe { _mm512_loadu_si512(block.as_ptr().add(quad * 64).cast()) };
                let low = _mm512_and_si512(codes, nibble);
                let high = _mm512_and_si512(_mm512_srli_epi16(codes, 4), nibble);
                for q in 0..Q {
                    let at = tables[q].as_ptr().wrapping_add(quad * 64);
                    // SAFETY: as above.
                    let (low_table, high_table) = unsafe {
                        (
                            _mm512_broadcast_i64x4(_mm256_loadu_si256(at.cast())),
                            _mm512_broadcast_i64x4(_mm256_loadu_si256(at.add(32).cast())),
                        )
                    };
                    let both =
                        _mm512_add_epi8(_mm512_shuffle_epi8(low_table, low), _mm512_shuffle_epi8(high_table, high));
                    mixed[q] = _mm512_add_epi16(mixed[q], both);
                    odd[q] = _mm512_add_epi16(odd[q], _mm512_srli_epi16(both, 8));
                }
            }
            (mixed, odd)
        };
        let halves = |x: __m512i| [_mm512_castsi512_si256(x), _mm512_extracti64x4_epi64(x, 1)];
        for (range, add) in chunks(block.len() / 64) {
            let (mixed, odd) = chunk(range);
            for (q, sums) in sums.iter_mut().enumerate() {
                widen_into(sums, add, halves(mixed[q]), halves(odd[q]));
            }
        }
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2_code_dot(levels: &[u8; 16], even: &[i8], odd: &[i8], code: &[u8]) -> i32 {
        // SAFETY: `levels` holds 16 bytes.
        let table = _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(levels.as_ptr().cast()) });
        let nibble = _mm256_set1_epi8(0x0f);
        let ones = _mm256_set1_epi16(1);
        let mut total = _mm256_setzero_si256();
        let whole = code.len() / 32 * 32;
        for at in (0..whole).step_by(32) {
            // SAFETY: `at + 32 ≤ code.len() ≤ even.len(), odd.len()`.
            let (codes, even, odd) = unsafe {
                (
                    _mm256_loadu_si256(code.as_ptr().add(at).cast()),
                    _mm256_loadu_si256(even.as_ptr().add(at).cast()),
                    _mm256_loadu_si256(odd.as_ptr().add(at).cast()),
                )
            };
            let low = _mm256_shuffle_epi8(table, _mm256_and_si256(codes, nibble));
            let high = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibble));
            let low = _mm256_madd_epi16(_mm256_maddubs_epi16(low, even), ones);
            let high = _mm256_madd_epi16(_mm256_maddubs_epi16(high, odd), ones);
            total = _mm256_add_epi32(total, _mm256_add_epi32(low, high));
        }
        let mut lanes = [0i32; 8];
        // SAFETY: eight i32.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), total) };
        lanes.iter().sum::<i32>() + super::scalar_code_dot(levels, &even[whole..], &odd[whole..], &code[whole..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::SplitMix64;

    fn available() -> Vec<Kernel> {
        [Kernel::Avx2, Kernel::Avx512].into_iter().filter(|kernel| kernel.is_available()).collect()
    }

    /// The vector form of a table update gives the same bits as a multiply and an add per
    /// entry, subnormal and large values included.
    #[test]
    fn add_scaled_rounds_as_scalar_code_does() {
        let mut rng = SplitMix64::new(3);
        for round in 0..1000 {
            let scale = [1e-30, 1.0, 1e30][round % 3];
            let value = |rng: &mut SplitMix64| (rng.normal() * scale) as f32;
            let mut table: [f32; 16] = std::array::from_fn(|_| value(&mut rng));
            let pattern: [f32; 16] = std::array::from_fn(|_| value(&mut rng));
            let q = value(&mut rng);
            let want: Vec<u32> = table.iter().zip(&pattern).map(|(t, p)| (t + q * p).to_bits()).collect();
            add_scaled(&mut table, q, &pattern);
            assert_eq!(table.map(f32::to_bits).to_vec(), want, "round {round}");
        }
    }

    /// Tables in the kernel layout from one 16-entry table per unit.
    fn laid_out(units: &[[u8; 16]]) -> Vec<u8> {
        let mut tables = vec![0u8; units.len() * 16];
        for (unit, table) in units.iter().enumerate() {
            let at = table_position(unit);
            tables[at..at + 16].copy_from_slice(table);
        }
        tables
    }

    #[test]
    fn layout_positions_cover_every_byte_once() {
        let units = 8;
        let mut seen = vec![0u8; units * 16];
        for unit in 0..units {
            for vector in 0..BLOCK {
                let (byte, shift) = code_position(unit, vector);
                seen[byte] |= 15 << shift;
            }
        }
        assert!(seen.iter().all(|&byte| byte == 0xff));
        let mut starts: Vec<usize> = (0..units).map(table_position).collect();
        starts.sort_unstable();
        assert_eq!(starts, (0..units).map(|unit| unit * 16).collect::<Vec<_>>());
    }

    #[test]
    fn kernels_agree_on_random_tables_and_codes() {
        let mut rng = SplitMix64::new(3);
        for units in [4, 8, 64, 512, 516, 1024, 1028, 2052] {
            for queries in 1..=6 {
                let tables: Vec<Vec<u8>> = (0..queries)
                    .map(|_| {
                        let per_unit: Vec<[u8; 16]> = (0..units)
                            .map(|_| std::array::from_fn(|_| (rng.next_u64() % (u64::from(MAX_ENTRY) + 1)) as u8))
                            .collect();
                        laid_out(&per_unit)
                    })
                    .collect();
                let block: Vec<u8> = (0..units * 16).map(|_| rng.next_u64() as u8).collect();
                let refs: Vec<&[u8]> = tables.iter().map(Vec::as_slice).collect();
                let mut scalar = vec![[0; BLOCK]; queries];
                Kernel::Scalar.block_sums(&refs, &block, &mut scalar);
                for kernel in available() {
                    let mut fast = vec![[0; BLOCK]; queries];
                    kernel.block_sums(&refs, &block, &mut fast);
                    assert_eq!(scalar, fast, "{kernel:?}, {units} units, {queries} queries");
                }
            }
        }
    }

    #[test]
    fn code_dot_kernels_agree_with_the_scalar_one() {
        let mut rng = SplitMix64::new(5);
        for len in [0, 1, 25, 31, 32, 33, 192, 200] {
            let levels: [u8; 16] = std::array::from_fn(|_| (rng.next_u64() % (u64::from(MAX_LEVEL) + 1)) as u8);
            let mut weight = || ((rng.next_u64() % 255) as i16 - 127) as i8;
            let (even, odd): (Vec<i8>, Vec<i8>) = (0..len).map(|_| (weight(), weight())).unzip();
            let code: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let scalar = Kernel::Scalar.code_dot(&levels, &even, &odd, &code);
            for kernel in available() {
                assert_eq!(kernel.code_dot(&levels, &even, &odd, &code), scalar, "{kernel:?}, {len} bytes");
            }
        }
        // The extremes: every product at ±127·127.
        let (top, low) = ([MAX_LEVEL; 16], [-MAX_WEIGHT; 64]);
        for kernel in [Kernel::Scalar].into_iter().chain(available()) {
            assert_eq!(kernel.code_dot(&top, &low, &low, &[0xff; 64]), -128 * 127 * 127, "{kernel:?}");
        }
    }

    #[test]
    fn largest_entries_do_not_overflow() {
        let units = 4096;
        let tables = laid_out(&vec![[MAX_ENTRY; 16]; units]);
        let block = vec![0xffu8; units * 16];
        for kernel in [Kernel::Scalar].into_iter().chain(available()) {
            let mut sums = [[0; BLOCK]; 3];
            kernel.block_sums(&[&tables, &tables, &tables], &block, &mut sums);
            assert_eq!(sums, [[u32::from(MAX_ENTRY) * units as u32; BLOCK]; 3], "{kernel:?}");
        }
    }
}
