//! The fast path: a block sorted by the [Burrows–Wheeler transform](crate::bwt), then coded
//! by a small model of sorted bytes (level 1, blocks of at least 512 KiB).
//!
//! # Why
//!
//! The context-mixing engine pays a cache miss per model per nibble to look its contexts up
//! in large tables, which keeps it under a megabyte a second. Sorting the block by what
//! follows each byte does the context modelling up front, in a pass that costs a few
//! percent of the coding time: bytes that precede similar contexts land next to each
//! other, so the sorted block is made of stretches over few symbols, often in runs. What
//! predicts such bytes is the recent past, and that fits in tables of a few hundred
//! kilobytes, which stay in the processor's cache. On the benchmark corpus this path codes
//! about five times faster than the engine's level 1 did; on large files its output ranges
//! from 3 % smaller (an X-ray image) to 8 % larger (a tar of C sources), and a third larger
//! on a spreadsheet, whose columns the engine's longer contexts see better.
//!
//! # The model
//!
//! Each byte is coded as eight binary decisions, most significant bit first, with every
//! probability in 16 bits: after sorting, many bits are so predictable that the engine's
//! 12-bit floor (1/4096) would dominate their cost. The counters are 16-bit probabilities
//! that move a fixed fraction of the way to each bit: 1/4, 1/16, 1/32 or 1/128 (*fast* to
//! *slow*). Contexts are the bits of the byte so far with:
//!
//! - nothing (order 0), fast and medium;
//! - the previous byte (order 1), fast and slow;
//! - the byte before it, in the fast order-1 table: stretches often alternate two symbols.
//!
//! Two predictions are made from them and blended:
//!
//! 1. **linear**: the fast counters averaged with fixed weights (7, 7 and 2 sixteenths),
//!    then corrected by a map interpolated between 17 knots of the linear probability, one
//!    map per partial byte and run class (no run, a run of 1–2 repeats, longer); the result
//!    is a quarter average, three quarters corrected. It is precise where probabilities are
//!    extreme.
//! 2. **mixed**: all five counters, stretched, weighed by a logistic mixer (the engine's
//!    scheme, [`super::mixer`], at a fixed width of five inputs and a bias, which keeps it
//!    in registers: the engine's own mixer, of a width known only at run time, gives the
//!    same bytes here for 38 % more instructions at level 1) whose weights are chosen by
//!    the run length (0–3 repeats) and the bit's position. It adapts to data whose
//!    statistics the fixed weights miss, such as tables and code. Before codec 18 an
//!    [APM](super::apm) keyed by run length and partial byte refined it (a quarter mixer,
//!    three quarters refined): the corpus's sorted files were 0.04–0.17 % smaller with it
//!    (kennedy.xls 1.4 %), but the model ran a sixth slower (level 1 on the corpus's
//!    largest files, alternating runs).
//!
//! The final probability moves from the linear prediction toward the mixed one by a weight
//! learned per run length and bit position, by gradient descent on the coding cost.
//!
//! # Payload
//!
//! The rows the transform recorded for the block's parts (at most eight, 4 bytes each,
//! little-endian; the first is the primary index: see [`crate::bwt`]), then the arithmetic
//! coder's output. The block's length is in its `.kolm` block record, and the number of rows
//! follows from it.

use super::PROGRESS_STEP;
use super::apm::Apm;
use super::coder::{self, BitPredictor};
use super::logistic::{STRETCH_LIMIT, squash, stretch};
use crate::Error;

/// Codes the block `data` into a payload, calling `progress` with the bytes coded since its
/// last call.
pub(crate) fn encode(data: &[u8], refines_mix: bool, progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    if refines_mix { encode_by::<true>(data, progress) } else { encode_by::<false>(data, progress) }
}

/// [`encode`] with the mixer's prediction refined by an APM where `REFINES_MIX`.
fn encode_by<const REFINES_MIX: bool>(data: &[u8], progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    let (sorted, rows) = crate::bwt::forward(data);
    let mut model = SortedModel::<REFINES_MIX>::new();
    let mut encoder = coder::Encoder::with_capacity(data.len() / 3 + 16);
    // Not compiled for AVX2 as the engine is: that made this loop slower (bible.txt in 1.04
    // against 0.81 s), its five-input mix too small for wide vectors.
    for chunk in sorted.chunks(PROGRESS_STEP) {
        coder::encode_bytes(chunk, &mut model, &mut encoder);
        progress(chunk.len() as u64);
    }
    let mut payload: Vec<u8> = rows.iter().flat_map(|row| row.to_le_bytes()).collect();
    payload.extend(encoder.finish());
    payload
}

/// Decodes the `len` bytes of a block from its payload, coded with the mixer's prediction
/// refined by an APM if `refines_mix` (before codec 18).
pub(crate) fn decode(
    payload: &[u8],
    len: usize,
    refines_mix: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let rows_len = 4 * crate::bwt::recorded_rows(len);
    if payload.len() < rows_len {
        return Err(Error::Corrupt("a sorted block without the rows of its parts".into()));
    }
    let (rows, coded) = payload.split_at(rows_len);
    let rows: Vec<u32> = rows.chunks_exact(4).map(|row| u32::from_le_bytes(row.try_into().unwrap())).collect();
    let sorted =
        if refines_mix { decode_by::<true>(coded, len, progress)? } else { decode_by::<false>(coded, len, progress)? };
    crate::bwt::inverse(&sorted, &rows)
}

/// The `len` sorted bytes that `coded` holds, by [`SortedModel`]`<REFINES_MIX>`.
fn decode_by<const REFINES_MIX: bool>(
    coded: &[u8],
    len: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let mut model = SortedModel::<REFINES_MIX>::new();
    let mut decoder = coder::Decoder::new(coded);
    // Grown as bytes are decoded: a damaged length cannot make it allocate more than the
    // payload really codes.
    let mut sorted = Vec::with_capacity(len.min(1 << 20));
    while sorted.len() < len {
        let chunk = (len - sorted.len()).min(PROGRESS_STEP);
        coder::decode_bytes(chunk, &mut model, &mut decoder, &mut |byte| sorted.push(byte));
        decoder.check_end()?;
        progress(chunk as u64);
    }
    Ok(sorted)
}

/// An upper estimate of the memory one thread needs to sort and code a block of `len` bytes,
/// or to decode and unsort it, buffers included: the model's tables (under 1 MiB), then 9
/// bytes a byte, 13 above 16 MiB. Encoding holds the block, the sorted block and the
/// transform's 4-byte suffix array; decoding the payload, the sorted block, the inverse's
/// table (4 bytes an entry, 8 above 16 MiB) and the block; the pipeline holds one block's
/// input and output besides. Measured: 116 MiB to encode and 122 MiB to decode 16 MiB
/// blocks, one thread.
pub(crate) fn memory(len: u64) -> u64 {
    let per_byte = if len <= 1 << 24 { 9 } else { 13 };
    (1 << 20) + per_byte * len
}

/// A probability in 1/65536ths that moves 1/2^`RATE` of the way to each bit. It stays within
/// 1..=65534 from its start at one half.
#[derive(Clone, Copy)]
struct Shift<const RATE: u32>(u16);

impl<const RATE: u32> Shift<RATE> {
    const HALF: Self = Shift(1 << 15);

    #[inline(always)]
    fn p(self) -> u32 {
        u32::from(self.0)
    }

    #[inline(always)]
    fn update(&mut self, bit: u32) {
        if bit != 0 {
            self.0 += (self.0 ^ 0xFFFF) >> RATE;
        } else {
            self.0 -= self.0 >> RATE;
        }
    }
}

/// A correction of a 16-bit probability learned per context: a curve through 17 knots,
/// 4096 apart, starting as the identity; both knots around a probability learn from its bit.
struct LinearMap {
    knots: Vec<Shift<6>>,
    /// The lower knot of the last probability refined.
    at: usize,
}

impl LinearMap {
    fn new(contexts: usize) -> LinearMap {
        let curve = (0..17u32).map(|k| Shift((k * 4096).min(65_535) as u16));
        LinearMap { knots: curve.cycle().take(contexts * 17).collect(), at: 0 }
    }

    #[inline(always)]
    fn refine(&mut self, p: u32, context: usize) -> u32 {
        self.at = context * 17 + (p >> 12) as usize;
        let (low, high) = (self.knots[self.at].p() as i32, self.knots[self.at + 1].p() as i32);
        (low + (((high - low) * (p & 4095) as i32) >> 12)) as u32
    }

    #[inline(always)]
    fn update(&mut self, bit: u32) {
        self.knots[self.at].update(bit);
        self.knots[self.at + 1].update(bit);
    }
}

/// Weight sets of the mixer and of the final blend: run length 0–3 by bit position.
const RUN_SETS: usize = 4 * 8;
/// The five counters and a bias.
const INPUTS: usize = 6;

/// The model of sorted bytes; `REFINES_MIX` where an APM refines its mixer's prediction
/// (before codec 18).
struct SortedModel<const REFINES_MIX: bool> {
    order0_fast: [Shift<2>; 256],
    order0_medium: [Shift<5>; 256],
    /// By previous byte and partial byte; also read with the byte before the previous.
    order1_fast: Box<[Shift<4>; 1 << 16]>,
    order1_slow: Box<[Shift<7>; 1 << 16]>,
    linear_map: LinearMap,
    inputs: [i32; INPUTS],
    weights: [[i32; INPUTS]; RUN_SETS],
    mixer_p: i32,
    mixed_map: Apm,
    /// How far the final probability goes from the linear prediction toward the mixed one,
    /// in 1/65536ths.
    blend: [i32; RUN_SETS],
    /// The two predictions of the current bit, their blend and the blend's weight set.
    linear: u32,
    mixed: u32,
    blended: u32,
    blend_set: usize,
    /// The bits of the current byte so far, with a leading 1.
    partial: u32,
    bit_count: u32,
    c1: u32,
    c2: u32,
    /// How many times in a row the previous byte repeated the one before it.
    run: u32,
}

impl<const REFINES_MIX: bool> SortedModel<REFINES_MIX> {
    fn new() -> Self {
        SortedModel {
            order0_fast: [Shift::HALF; 256],
            order0_medium: [Shift::HALF; 256],
            order1_fast: Box::new([Shift::HALF; 1 << 16]),
            order1_slow: Box::new([Shift::HALF; 1 << 16]),
            linear_map: LinearMap::new(3 * 256),
            inputs: [256; INPUTS],
            weights: [[1 << 14; INPUTS]; RUN_SETS],
            mixer_p: 2048,
            mixed_map: Apm::new(if REFINES_MIX { 4 * 256 } else { 0 }, 6),
            blend: [1 << 15; RUN_SETS],
            linear: 0,
            mixed: 0,
            blended: 0,
            blend_set: 0,
            partial: 1,
            bit_count: 0,
            c1: 0,
            c2: 0,
            run: 0,
        }
    }
}

impl<const REFINES_MIX: bool> BitPredictor for SortedModel<REFINES_MIX> {
    const BITS: u32 = 16;

    /// P(next bit = 1) in 1/65536ths, within 1..=65535.
    #[inline(always)]
    fn p(&mut self) -> u32 {
        // Masked so that the compiler sees every index is in bounds.
        let partial = self.partial as usize & 0xFF;
        let by_c1 = ((self.c1 as usize) << 8 | partial) & 0xFFFF;
        let by_c2 = ((self.c2 as usize) << 8 | partial) & 0xFFFF;
        let fast0 = self.order0_fast[partial].p();
        let fast1 = self.order1_fast[by_c1].p();
        let fast2 = self.order1_fast[by_c2].p();

        let average = ((fast0 + fast1) * 7 + fast2 * 2) >> 4;
        let run_class = match self.run {
            0 => 0,
            1 | 2 => 1,
            _ => 2,
        };
        let corrected = self.linear_map.refine(average, run_class << 8 | partial);
        self.linear = (average + 3 * corrected) >> 2;

        let probabilities = [fast0, self.order0_medium[partial].p(), fast1, self.order1_slow[by_c1].p(), fast2];
        for (input, p) in self.inputs.iter_mut().zip(probabilities) {
            *input = stretch((p >> 4) as i32);
        }
        let run_step = self.run.min(3) as usize;
        self.blend_set = run_step * 8 + self.bit_count as usize;
        let weights = &self.weights[self.blend_set];
        let dot: i64 = self.inputs.iter().zip(weights).map(|(&x, &w)| i64::from(x) * i64::from(w)).sum();
        let stretched = ((dot >> 16) as i32).clamp(-STRETCH_LIMIT, STRETCH_LIMIT);
        let mixed = squash(stretched);
        self.mixer_p = mixed;
        self.mixed = if REFINES_MIX {
            let refined = self.mixed_map.refine_fine(stretched, run_step << 8 | partial);
            (mixed as u32 * 16 + 3 * refined as u32) >> 2
        } else {
            mixed as u32 * 16
        };

        let toward_mixed = (i64::from(self.mixed) - i64::from(self.linear)) * i64::from(self.blend[self.blend_set]);
        self.blended = (i64::from(self.linear) + (toward_mixed >> 16)).clamp(1, 65_535) as u32;
        self.blended
    }

    #[inline(always)]
    fn update(&mut self, bit: u32) {
        let partial = self.partial as usize & 0xFF;
        let by_c1 = ((self.c1 as usize) << 8 | partial) & 0xFFFF;
        let error = if bit != 0 { 65_535 } else { 0 } - i64::from(self.blended);
        let weight = &mut self.blend[self.blend_set];
        *weight = (i64::from(*weight) + ((error * (i64::from(self.mixed) - i64::from(self.linear))) >> 16))
            .clamp(0, 1 << 16) as i32;

        self.order0_fast[partial].update(bit);
        self.order0_medium[partial].update(bit);
        self.order1_fast[by_c1].update(bit);
        self.order1_slow[by_c1].update(bit);
        self.linear_map.update(bit);
        let step = ((bit as i32) << 12) - self.mixer_p;
        for (weight, &x) in self.weights[self.blend_set].iter_mut().zip(&self.inputs) {
            *weight += (x * step) >> 12;
        }
        if REFINES_MIX {
            self.mixed_map.update(bit);
        }

        self.partial = (self.partial << 1) | bit;
        self.bit_count += 1;
        if self.bit_count == 8 {
            let byte = self.partial & 0xFF;
            self.run = if byte == self.c1 { self.run + 1 } else { 0 };
            self.c2 = self.c1;
            self.c1 = byte;
            self.partial = 1;
            self.bit_count = 0;
        }
    }
}
