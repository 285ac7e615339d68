//! A flat index: every code in memory, searched without decompressing.
//!
//! [`Index::search`] scores a float query against every stored code in two passes:
//!
//! 1. **Scan.** The query is rotated once per part; then every nibble-sized unit of code gets a
//!    16-entry table of partial inner products, rounded to 7 bits on one scale per segment (a
//!    segment is a part's indices, or a part's QJL signs), and the [`Kernel`] sums each
//!    vector's entries. Scaled back and weighted by the vector's norm (and length correction or
//!    residual length), this approximates the estimate closely enough to pick candidates.
//!    [`Index::search_batch`] scans tiles of 16 blocks for a chunk of up to 32 queries, four
//!    at a time per kernel call, so codes come from memory once per chunk. Before scoring a
//!    block for a query, a bound from its largest sum and its extreme weights is checked
//!    against the worst candidate kept; blocks that cannot enter stop there.
//! 2. **Rerank.** The best `k + 16` candidates are scored again exactly, in `f32`, from their
//!    packed codes, and the best `k` of those are returned.
//!
//! **Two stages.** A 4-bit index (`mse` or `mse-unbiased`, one part, at least 256 dimensions)
//! also keeps the top bit of every index, which is the sign of the rotated coordinate. When it
//! holds at least four shortlists of vectors, the scan reads those signs alone, a quarter of
//! the units: each vector's estimate is RaBitQ's one-bit estimator, `‖x‖·⟨q', sign⟩` over the
//! sum of the reconstruction's magnitudes. It keeps a shortlist
//! ([`SearchParams::shortlist`], by default [`default_shortlist`]), which a second pass scores
//! from the packed 4-bit codes with [`Kernel::code_dot`] (the query rounded to bytes times
//! the centroids rounded to 7 bits, exact integers); its best `k + 16` go to the rerank. On
//! 50,000 MiniLM embeddings this searched in less than half the time of the one-pass scan
//! with the same recall@1@k at every `k`.
//!
//! **Calibrated parts** (see [`crate::quantizer`]) score the scaled query `ρ·q'` in their tables,
//! and every estimate adds `‖x_p‖·⟨q', μ⟩`, a constant per query weighted by the vector's norm
//! for the part: the scan adds it with the first of the part's segments it reads, from norms
//! kept in the scan's layout, and bounds it per block as it bounds the segments.
//!
//! Ties are broken by the smaller id, and every step is a fixed sequence of operations per
//! query, so the results are identical across runs, thread counts and kernels. Widths above
//! 4 bits per index are not nibble-sized; such indexes score every code exactly instead.
//!
//! Distances: [`Metric::InnerProduct`] ranks by the estimated `⟨q, x⟩` (largest first);
//! [`Metric::L2`] by the estimated squared distance `‖q‖² + ‖x‖² − 2⟨q, x⟩` (smallest first),
//! with `‖x‖` exact from the stored norms, as FAISS reports it.
//!
//! Memory: the packed codes plus, for widths up to 4 bits, the transposed copy the scan reads
//! (about the same size again; a quarter more for the signs of a two-stage index) and one
//! `f32` weight per segment per vector, and one norm per calibrated part per vector.

use rayon::prelude::*;

use crate::Error;
use crate::pack;
use crate::qjl::sign;
use crate::quantizer::{Part, Quantizer, Variant};
use crate::scan::{
    BLOCK, Kernel, MAX_ENTRY, MAX_LEVEL, MAX_QUERIES, MAX_WEIGHT, UNIT_ALIGN, add_scaled, code_position, table_position,
};

/// The most vectors an index holds (ids are 32-bit inside the scan).
pub const MAX_VECTORS: usize = u32::MAX as usize;

/// Queries one task of [`Index::search_batch`] scans the codes for together.
const QUERY_CHUNK: usize = 32;
/// Blocks scanned for every query of a chunk before moving on, so that they are read from
/// memory once per chunk and then from cache (16 blocks of 384 four-bit coordinates: 96 KiB).
const TILE_BLOCKS: usize = 16;

/// The fewest dimensions for which 4-bit indexes search in two stages. The first pass
/// estimates from one bit per coordinate, and its error shrinks as `1/√d`: on 100,000 GloVe
/// vectors of 50 dimensions it lost a true neighbour from the first 64 results for 1 % of
/// queries, and it was slower than the one-pass scan there anyway.
const TWO_STAGE_MIN_DIM: usize = 256;

/// How search ranks vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Largest inner product first.
    InnerProduct,
    /// Smallest (squared) Euclidean distance first.
    L2,
}

/// One search result: a vector's id (its position in insertion order) and its estimated
/// inner product or squared distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbor {
    pub id: u64,
    pub score: f32,
}

/// Search parameters.
#[derive(Clone, Copy, Debug)]
pub struct SearchParams {
    /// How many neighbours to return.
    pub k: usize,
    /// The ranking.
    pub metric: Metric,
    /// The scan kernel; [`Kernel::detect`] by default.
    pub kernel: Kernel,
    /// How many vectors the first pass of a two-stage search keeps for the second (4-bit
    /// indexes, see the [module docs](self)); `None`: [`default_shortlist`]. Larger is slower
    /// and closer to the one-pass scan.
    pub shortlist: Option<usize>,
}

/// The shortlist a two-stage search keeps when [`SearchParams::shortlist`] is `None`: four
/// times the candidates the one-pass scan keeps (`k + 16`), at least 256. On 50,000 MiniLM
/// embeddings at 4 bits (1,000 queries, `k = 64`) this returned the one-pass scan's first 10
/// for every query and all 64 for 80 % of them, with the same recall@1@k at every `k`.
pub fn default_shortlist(k: usize) -> usize {
    (4 * (k + 16)).max(256)
}

impl SearchParams {
    /// The `k` largest inner products, with the fastest kernel.
    pub fn top(k: usize) -> SearchParams {
        SearchParams { k, metric: Metric::InnerProduct, kernel: Kernel::detect(), shortlist: None }
    }

    /// Sets the metric.
    pub fn metric(mut self, metric: Metric) -> SearchParams {
        self.metric = metric;
        self
    }

    /// Sets the shortlist of a two-stage search.
    pub fn shortlist(mut self, shortlist: usize) -> SearchParams {
        self.shortlist = Some(shortlist);
        self
    }

    /// Sets the kernel (falls back to the scalar one where the CPU lacks it).
    pub fn kernel(mut self, kernel: Kernel) -> SearchParams {
        self.kernel = if kernel.is_available() { kernel } else { Kernel::Scalar };
        self
    }
}

/// What a segment's units hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Indices,
    Signs,
    /// The top bit of each 4-bit index (the sign of the coordinate, the codebook being
    /// symmetric): the first pass of a two-stage search.
    IndexSigns,
}

/// Which segments a scan reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Everything but the index signs: the one-pass scan.
    Full,
    /// The index signs alone: the first pass of a two-stage search.
    Coarse,
}

impl Content {
    fn in_pass(self, pass: Pass) -> bool {
        (self == Content::IndexSigns) == (pass == Pass::Coarse)
    }
}

/// The second pass of a two-stage search: the 4-bit codebook as [`Kernel::code_dot`]'s levels,
/// `centroid[c] ≈ base + step·levels[c]`.
#[derive(Clone, Debug)]
struct Refinement {
    levels: [u8; 16],
    step: f32,
    base: f32,
}

impl Refinement {
    fn new(centroids: &[f32]) -> Refinement {
        let (base, top) = (centroids[0], centroids[centroids.len() - 1]);
        let step = if top > base { (top - base) / f32::from(MAX_LEVEL) } else { 1.0 };
        let mut levels = [0u8; 16];
        for (level, &centroid) in levels.iter_mut().zip(centroids) {
            // Non-negative, so adding ½ and truncating rounds to nearest (ties up).
            *level = ((centroid - base) / step + 0.5).min(f32::from(MAX_LEVEL)) as u8;
        }
        Refinement { levels, step, base }
    }
}

/// A part's indices or signs in the scan's transposed layout.
#[derive(Clone, Debug)]
struct Segment {
    part: usize,
    content: Content,
    /// Bits per coordinate in this segment.
    bits: u8,
    /// Coordinates per nibble.
    per_unit: usize,
    /// Units per vector, padded to a multiple of [`UNIT_ALIGN`] (padding units score zero).
    units: usize,
    /// Units that hold coordinates.
    real_units: usize,
    /// Blocks of `BLOCK` vectors, `units × 16` bytes each.
    blocks: Vec<u8>,
    /// Per vector: the factor the segment's sum is multiplied by.
    weights: BlockValues,
}

/// One `f32` per vector, in whole blocks of [`BLOCK`] as the scan reads them, with each
/// block's least and largest value, from which the scan bounds the block's scores.
#[derive(Clone, Debug, Default)]
struct BlockValues {
    values: Vec<f32>,
    ranges: Vec<(f32, f32)>,
}

impl BlockValues {
    /// Sets vector `id`'s value; ids come in increasing order from 0.
    fn push(&mut self, id: usize, value: f32) {
        if id.is_multiple_of(BLOCK) {
            self.values.resize(self.values.len() + BLOCK, 0.0);
            self.ranges.push((value, value));
        }
        self.values[id] = value;
        let (least, largest) = self.ranges.last_mut().expect("a range per block");
        (*least, *largest) = (least.min(value), largest.max(value));
    }

    /// The block's values, [`BLOCK`] of them.
    fn block(&self, block: usize) -> &[f32] {
        &self.values[block * BLOCK..(block + 1) * BLOCK]
    }

    /// The most that `factor` times one of the block's values can be.
    fn bound(&self, block: usize, factor: f32) -> f32 {
        let (least, largest) = self.ranges[block];
        let (low, high) = (least * factor, largest * factor);
        // Not `f32::max`, whose care for NaN costs two more instructions in the scan's
        // hottest path: both products are finite.
        if low > high { low } else { high }
    }
}

/// The flat index; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Index {
    quantizer: Quantizer,
    codes: Vec<u8>,
    /// Empty when some part's indices are wider than a nibble (exact scoring only).
    segments: Vec<Segment>,
    /// Present, with an index-signs segment, for one-part 4-bit `mse` and `mse-unbiased`.
    refinement: Option<Refinement>,
    /// Per vector, `Σ‖x_p‖²` over its parts; its length is the index's.
    squared_norms: Vec<f32>,
    /// Per block of the scan, the least of its vectors' squared norms.
    least_squared_norms: Vec<f32>,
    /// One per calibrated part: the norms its constant `⟨q', μ⟩` is weighted by.
    shift_terms: Vec<ShiftTerm>,
}

/// A calibrated part's norms, which weight its constant `⟨q', μ⟩` in every estimate.
#[derive(Clone, Debug)]
struct ShiftTerm {
    part: usize,
    norms: BlockValues,
}

impl Index {
    /// An empty index of `quantizer`'s codes.
    pub fn new(quantizer: Quantizer) -> Index {
        let variant = quantizer.config().variant();
        let nibble_sized = quantizer.parts.iter().all(|part| part.mse_bits <= 4);
        let mut segments = Vec::new();
        for (index, part) in quantizer.parts.iter().enumerate().filter(|_| nibble_sized) {
            if part.mse_bits > 0 {
                segments.push(Segment::new(index, Content::Indices, part.mse_bits, part.dim()));
            }
            if variant == Variant::Prod {
                segments.push(Segment::new(index, Content::Signs, 1, part.dim()));
            }
        }
        let mut refinement = None;
        if let [part] = quantizer.parts.as_slice()
            && part.mse_bits == 4
            && variant != Variant::Prod
            && part.dim() >= TWO_STAGE_MIN_DIM
        {
            segments.push(Segment::new(0, Content::IndexSigns, 1, part.dim()));
            refinement = Some(Refinement::new(&part.centroids));
        }
        let shift_terms = (quantizer.parts.iter().enumerate())
            .filter(|(_, part)| part.calibration.is_some())
            .map(|(part, _)| ShiftTerm { part, norms: BlockValues::default() })
            .collect();
        Index {
            quantizer,
            codes: Vec::new(),
            segments,
            refinement,
            squared_norms: Vec::new(),
            least_squared_norms: Vec::new(),
            shift_terms,
        }
    }

    /// The quantizer.
    pub fn quantizer(&self) -> &Quantizer {
        &self.quantizer
    }

    /// Vectors stored.
    pub fn len(&self) -> usize {
        self.squared_norms.len()
    }

    /// Whether no vector is stored.
    pub fn is_empty(&self) -> bool {
        self.squared_norms.is_empty()
    }

    /// The packed codes, `len × code_len` bytes in id order.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// Encodes and adds row-major `vectors`; their ids continue from [`Index::len`]. On error
    /// nothing is added.
    pub fn add(&mut self, vectors: &[f32]) -> Result<(), Error> {
        let codes = self.quantizer.encode_batch(vectors)?;
        self.add_codes(&codes)
    }

    /// Adds codes made by this index's quantizer (`code_len` bytes each). On error (a length
    /// that is not a whole number of codes, a non-finite norm) nothing is added.
    pub fn add_codes(&mut self, codes: &[u8]) -> Result<(), Error> {
        let code_len = self.quantizer.code_len();
        if !codes.len().is_multiple_of(code_len) {
            return Err(Error::InvalidArgument(format!(
                "{} bytes of codes is not a whole number of {code_len}-byte codes",
                codes.len()
            )));
        }
        let count = codes.len() / code_len;
        if self.len() + count > MAX_VECTORS {
            return Err(Error::InvalidArgument(format!(
                "an index holds at most {MAX_VECTORS} vectors; {} + {count} is more",
                self.len()
            )));
        }
        // Checked before anything is added, so that an error leaves the index as it was.
        for (number, code) in codes.chunks_exact(code_len).enumerate() {
            for part in &self.quantizer.parts {
                let scalars = self.quantizer.scalars(part, code);
                if !scalars.norm.is_finite() || !scalars.aux.is_finite() {
                    return Err(Error::Corrupt(format!("code {} holds a non-finite scalar", self.len() + number)));
                }
            }
        }
        let variant = self.quantizer.config().variant();
        for code in codes.chunks_exact(code_len) {
            let id = self.len();
            let mut squared_norm = 0.0f32;
            for (part_index, part) in self.quantizer.parts.iter().enumerate() {
                let scalars = self.quantizer.scalars(part, code);
                squared_norm += scalars.norm * scalars.norm;
                for segment in self.segments.iter_mut().filter(|segment| segment.part == part_index) {
                    let weight = match segment.content {
                        Content::Indices => scalars.indices_weight(variant),
                        Content::Signs => scalars.signs_weight(part.sketch.as_ref().expect("prod sketch")),
                        Content::IndexSigns => {
                            let packed = segment.packed(&self.quantizer, code);
                            scalars.norm * sign_estimate_factor(&part.centroids, packed, part.dim())
                        }
                    };
                    segment.push(id, &self.quantizer, code, weight);
                }
                if let Some(term) = self.shift_terms.iter_mut().find(|term| term.part == part_index) {
                    term.norms.push(id, scalars.norm);
                }
            }
            if id.is_multiple_of(BLOCK) {
                self.least_squared_norms.push(squared_norm);
            }
            let least = self.least_squared_norms.last_mut().expect("a block per 32 vectors");
            *least = least.min(squared_norm);
            self.squared_norms.push(squared_norm);
            self.codes.extend_from_slice(code);
        }
        Ok(())
    }

    /// The `params.k` best vectors for `query`, best first.
    pub fn search(&self, query: &[f32], params: &SearchParams) -> Result<Vec<Neighbor>, Error> {
        self.quantizer.check_vector(query, 0)?;
        Ok(self.search_checked(query, params))
    }

    /// [`Index::search`] for each row of row-major `queries`, in parallel; the same results as
    /// one at a time.
    pub fn search_batch(&self, queries: &[f32], params: &SearchParams) -> Result<Vec<Vec<Neighbor>>, Error> {
        let dim = self.quantizer.dim();
        if !queries.len().is_multiple_of(dim) {
            return Err(Error::InvalidArgument(format!(
                "{} values are not a whole number of {dim}-dimensional queries",
                queries.len()
            )));
        }
        for (row, query) in queries.chunks_exact(dim).enumerate() {
            self.quantizer.check_vector(query, row)?;
        }
        // Each task scans the codes once for a chunk of queries (see `scan`); chunks shrink so
        // that every thread gets work.
        let count = queries.len() / dim;
        let chunk = count.div_ceil(rayon::current_num_threads()).clamp(1, QUERY_CHUNK);
        Ok(queries.par_chunks(chunk * dim).flat_map_iter(|queries| self.search_group(queries, params)).collect())
    }

    /// The estimated inner product of `query` with every stored vector, exactly as reranking
    /// computes it (for evaluation).
    pub fn estimates(&self, query: &[f32]) -> Result<Vec<f32>, Error> {
        self.quantizer.check_vector(query, 0)?;
        let scorer = Scorer::new(self, query, None);
        Ok((0..self.len() as u32).map(|id| scorer.exact(self, id)).collect())
    }

    /// The estimated inner product of `query` with the vector `id`.
    pub fn estimate(&self, query: &[f32], id: u64) -> Result<f32, Error> {
        self.quantizer.check_vector(query, 0)?;
        if id >= self.len() as u64 {
            return Err(Error::InvalidArgument(format!("no vector {id} in an index of {}", self.len())));
        }
        Ok(Scorer::new(self, query, None).exact(self, id as u32))
    }

    /// Asks the CPU to start loading vector `id`'s packed code into cache.
    fn prefetch_code(&self, id: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            for line in self.code(id).chunks(64) {
                // SAFETY: prefetching is a hint; the address is inside the code.
                unsafe { _mm_prefetch(line.as_ptr().cast(), _MM_HINT_T0) };
            }
        }
    }

    fn code(&self, id: usize) -> &[u8] {
        let code_len = self.quantizer.code_len();
        &self.codes[id * code_len..(id + 1) * code_len]
    }

    fn search_checked(&self, query: &[f32], params: &SearchParams) -> Vec<Neighbor> {
        self.search_group(query, params).pop().expect("one query, one result")
    }

    /// The results of each query in row-major `queries`; each query's results do not depend
    /// on which others share its group.
    fn search_group(&self, queries: &[f32], params: &SearchParams) -> Vec<Vec<Neighbor>> {
        let dim = self.quantizer.dim();
        let k = params.k.min(self.len());
        if k == 0 {
            return vec![Vec::new(); queries.len() / dim];
        }
        let shortlist = params.shortlist.unwrap_or_else(|| default_shortlist(k)).max(k + 16);
        // Below four shortlists the first pass would save little.
        let two_stage = self.refinement.as_ref().filter(|_| self.len() >= shortlist.saturating_mul(4));
        let pass = if two_stage.is_some() { Pass::Coarse } else { Pass::Full };
        let scorers: Vec<Scorer> =
            queries.chunks_exact(dim).map(|query| Scorer::new(self, query, Some(pass))).collect();
        // Internally higher is better for both metrics: `2·ip − ‖x‖²` ranks as `−‖q − x‖²`.
        let rank_score = |id: u32, estimate: f32| match params.metric {
            Metric::InnerProduct => estimate,
            Metric::L2 => 2.0 * estimate - self.squared_norms[id as usize],
        };
        let candidates: Vec<Vec<(f32, u32)>> = if self.segments.is_empty() {
            scorers
                .iter()
                .map(|scorer| {
                    let mut best = Best::new(k);
                    (0..self.len() as u32).for_each(|id| best.offer(rank_score(id, scorer.exact(self, id)), id));
                    best.into_sorted()
                })
                .collect()
        } else {
            let best: Vec<Best> = match two_stage {
                Some(refinement) => {
                    let mut coarse: Vec<Best> = scorers.iter().map(|_| Best::new(shortlist)).collect();
                    self.scan(&scorers, params, Pass::Coarse, &mut coarse);
                    coarse
                        .into_iter()
                        .zip(&scorers)
                        .map(|(coarse, scorer)| {
                            let ids = coarse.into_ids();
                            let mut best = Best::new(k + 16);
                            for (position, &id) in ids.iter().enumerate() {
                                // Shortlisted codes are scattered: ask for one a few ahead.
                                if let Some(&ahead) = ids.get(position + 4) {
                                    self.prefetch_code(ahead as usize);
                                }
                                let estimate = scorer.refined(self, refinement, params.kernel, id);
                                best.offer(rank_score(id, estimate), id);
                            }
                            best
                        })
                        .collect()
                }
                None => {
                    let mut best: Vec<Best> = scorers.iter().map(|_| Best::new(k + 16)).collect();
                    self.scan(&scorers, params, Pass::Full, &mut best);
                    best
                }
            };
            best.into_iter()
                .zip(&scorers)
                .map(|(best, scorer)| {
                    let candidates = best.into_sorted();
                    // The candidates' codes are scattered: all are asked for before the first
                    // is scored (GloVe, 100,000 vectors: 16.5 → 9.2 µs a query).
                    candidates.iter().for_each(|&(_, id)| self.prefetch_code(id as usize));
                    let mut reranked: Vec<(f32, u32)> =
                        candidates.into_iter().map(|(_, id)| (rank_score(id, scorer.exact(self, id)), id)).collect();
                    reranked.sort_unstable_by(better_first);
                    reranked.truncate(k);
                    reranked
                })
                .collect()
        };
        candidates
            .into_iter()
            .zip(queries.chunks_exact(dim))
            .map(|(candidates, query)| {
                let query_norm: f32 = query.iter().map(|v| v * v).sum();
                candidates
                    .into_iter()
                    .map(|(score, id)| Neighbor {
                        id: u64::from(id),
                        score: match params.metric {
                            Metric::InnerProduct => score,
                            Metric::L2 => (query_norm - score).max(0.0),
                        },
                    })
                    .collect()
            })
            .collect()
    }

    /// Offers the approximate estimate of every vector for every query of `pass` to the query's
    /// [`Best`], block by block (all queries on one block of codes before the next block).
    fn scan(&self, queries: &[Scorer], params: &SearchParams, pass: Pass, best: &mut [Best]) {
        #[cfg(target_arch = "x86_64")]
        if params.kernel != Kernel::Scalar {
            // SAFETY: the SIMD kernels run only where AVX2 does (AVX-512BW implies it).
            return unsafe { self.scan_avx2(queries, params, pass, best) };
        }
        self.scan_compiled::<false>(queries, params, pass, best)
    }

    /// [`Index::scan`] compiled for AVX2: the bound, scores and masks of each block in wider
    /// lanes. The same operations in the same order (Rust never fuses a multiply and an add),
    /// so the same results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn scan_avx2(&self, queries: &[Scorer], params: &SearchParams, pass: Pass, best: &mut [Best]) {
        self.scan_compiled::<true>(queries, params, pass, best)
    }

    #[inline(always)]
    fn scan_compiled<const AVX2: bool>(
        &self,
        queries: &[Scorer],
        params: &SearchParams,
        pass: Pass,
        best: &mut [Best],
    ) {
        let mut scans: Vec<SegmentScan> = (self.segments.iter().enumerate())
            .filter(|(_, segment)| segment.content.in_pass(pass))
            .map(|(index, segment)| {
                let tables: Vec<&QuantizedTables> = (queries.iter())
                    .map(|query| query.tables[index].quantized.as_ref().expect("tables for the pass"))
                    .collect();
                let entries = tables.iter().map(|tables| tables.entries.as_slice()).collect();
                let affine = tables.iter().map(|tables| (tables.step, tables.offset)).collect();
                // A calibrated part's constant goes with the first of its segments in the pass.
                let first_of_part = !(self.segments[..index].iter())
                    .any(|earlier| earlier.part == segment.part && earlier.content.in_pass(pass));
                let shift = self.shift_terms.iter().find(|term| term.part == segment.part).filter(|_| first_of_part);
                SegmentScan { segment, affine, entries, sums: [[0; BLOCK]; MAX_QUERIES], shift }
            })
            .collect();
        debug_assert_eq!(scans.iter().filter(|scan| scan.shift.is_some()).count(), self.shift_terms.len());
        let scale = if params.metric == Metric::L2 { 2.0 } else { 1.0 };
        let blocks = self.len().div_ceil(BLOCK);
        for tile in (0..blocks).step_by(TILE_BLOCKS) {
            for (group_start, best) in (0..).step_by(MAX_QUERIES).zip(best.chunks_mut(MAX_QUERIES)) {
                let group = group_start..group_start + best.len();
                for block in tile..(tile + TILE_BLOCKS).min(blocks) {
                    let first = block * BLOCK;
                    let present = BLOCK.min(self.len() - first);
                    // Internally higher is better for both metrics: `2·ip − ‖x‖²` ranks as
                    // `−‖q − x‖²`.
                    let (start, least_start) = match params.metric {
                        Metric::InnerProduct => ([0.0; BLOCK], 0.0),
                        Metric::L2 => {
                            let mut start = [0.0; BLOCK];
                            let norms = &self.squared_norms[first..first + present];
                            start.iter_mut().zip(norms).for_each(|(start, norm)| *start = -norm);
                            (start, -self.least_squared_norms[block])
                        }
                    };
                    for scan in &mut scans {
                        let bytes = scan.segment.units * 16;
                        let codes = &scan.segment.blocks[block * bytes..(block + 1) * bytes];
                        params.kernel.block_sums(&scan.entries[group.clone()], codes, &mut scan.sums[..best.len()]);
                    }
                    for (slot, best) in best.iter_mut().enumerate() {
                        let query = group_start + slot;
                        // First a bound on the block's scores from each segment's largest sum and
                        // the block's extreme weights (which are not negative), by the same
                        // operations in the same order as each score, so that rounding cannot
                        // put a score above it: once the floor has risen, most blocks end there.
                        let mut bound = least_start;
                        for scan in &scans {
                            let (step, offset) = scan.affine[query];
                            let largest =
                                step * scan.sums[slot].iter().copied().max().unwrap_or(0) as i32 as f32 + offset;
                            let mut most = scale * scan.segment.weights.bound(block, largest);
                            if let Some(term) = scan.shift {
                                most += scale * term.norms.bound(block, queries[query].prepared.shifts[term.part]);
                            }
                            bound += most;
                        }
                        if bound <= best.floor {
                            continue;
                        }
                        let mut scores = start;
                        for scan in &scans {
                            let (step, offset) = scan.affine[query];
                            let weights = scan.segment.weights.block(block);
                            // Sums stay far below 2³¹: through i32, the conversion is one SIMD
                            // instruction for four lanes.
                            let scaled =
                                |v: usize| scale * (weights[v] * (step * scan.sums[slot][v] as i32 as f32 + offset));
                            match scan.shift {
                                None => (0..BLOCK).for_each(|v| scores[v] += scaled(v)),
                                Some(term) => {
                                    let shift = queries[query].prepared.shifts[term.part];
                                    let norms = term.norms.block(block);
                                    (0..BLOCK).for_each(|v| scores[v] += scaled(v) + scale * (norms[v] * shift));
                                }
                            }
                        }
                        // Then a mask of the vectors above what is kept, and offers of those alone,
                        // in id order.
                        let mut above = above_mask::<AVX2>(&scores, best.floor) & (u32::MAX >> (BLOCK - present));
                        while above != 0 {
                            let offset = above.trailing_zeros() as usize;
                            best.offer(scores[offset], (first + offset) as u32);
                            above &= above - 1;
                        }
                    }
                }
            }
        }
    }
}

/// One segment's part in a scan: its queries' tables and the kernel's sums for a block.
struct SegmentScan<'a> {
    segment: &'a Segment,
    /// Per query, its tables' step and offset.
    affine: Vec<(f32, f32)>,
    entries: Vec<&'a [u8]>,
    sums: [[u32; BLOCK]; MAX_QUERIES],
    /// The calibrated part's constant, when this is the first of the part's segments in the
    /// pass: its scores carry it.
    shift: Option<&'a ShiftTerm>,
}

/// The best `(score, id)` pairs offered, in increasing id order, under [`better_first`].
///
/// Pairs are buffered up to twice the capacity, then cut back to the best `capacity`; the
/// worst score kept becomes a floor that later pairs must beat outright (a later pair with an
/// equal score has a larger id, so it loses the tie). The result is exactly the best
/// `capacity` pairs, whatever the order of the buffer. Pairs are kept as `u64` keys that
/// order as [`better_first`] does, so that cutting compares integers.
struct Best {
    capacity: usize,
    keys: Vec<u64>,
    floor: f32,
}

impl Best {
    fn new(capacity: usize) -> Best {
        Best { capacity, keys: Vec::with_capacity(2 * capacity), floor: f32::NEG_INFINITY }
    }

    /// The score in the high half, its bits flipped to order as `f32::total_cmp`; the id
    /// complemented in the low half: larger keys are better pairs.
    fn key(score: f32, id: u32) -> u64 {
        let bits = score.to_bits();
        let ordered = if bits >> 31 == 1 { !bits } else { bits | 1 << 31 };
        u64::from(ordered) << 32 | u64::from(!id)
    }

    fn pair(key: u64) -> (f32, u32) {
        let ordered = (key >> 32) as u32;
        let bits = if ordered >> 31 == 1 { ordered & !(1 << 31) } else { !ordered };
        (f32::from_bits(bits), !(key as u32))
    }

    #[inline]
    fn offer(&mut self, score: f32, id: u32) {
        if score > self.floor {
            self.keys.push(Best::key(score, id));
            if self.keys.len() == 2 * self.capacity {
                self.cut();
            }
        }
    }

    #[cold]
    fn cut(&mut self) {
        self.keys.select_nth_unstable_by(self.capacity - 1, |a, b| b.cmp(a));
        self.keys.truncate(self.capacity);
        self.floor = Best::pair(self.keys[self.capacity - 1]).0;
    }

    fn into_sorted(mut self) -> Vec<(f32, u32)> {
        self.keys.sort_unstable_by(|a, b| b.cmp(a));
        self.keys.truncate(self.capacity);
        self.keys.into_iter().map(Best::pair).collect()
    }

    /// The ids of the best pairs, in increasing order.
    fn into_ids(mut self) -> Vec<u32> {
        if self.keys.len() > self.capacity {
            self.cut();
        }
        let mut ids: Vec<u32> = self.keys.into_iter().map(|key| Best::pair(key).1).collect();
        ids.sort_unstable();
        ids
    }
}

/// Bit `v` set where `scores[v] > floor`.
#[inline(always)]
fn above_mask<const AVX2: bool>(scores: &[f32; BLOCK], floor: f32) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if AVX2 {
        use std::arch::x86_64::{_CMP_GT_OQ, _mm256_cmp_ps, _mm256_loadu_ps, _mm256_movemask_ps, _mm256_set1_ps};
        // SAFETY: only the AVX2 scan asks for this; each load reads eight of the 32 scores.
        unsafe {
            let floor = _mm256_set1_ps(floor);
            let mut mask = 0u32;
            for eighth in 0..BLOCK / 8 {
                let eight = _mm256_loadu_ps(scores.as_ptr().add(8 * eighth));
                mask |= (_mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(eight, floor)) as u32) << (8 * eighth);
            }
            return mask;
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cmpgt_ps, _mm_loadu_ps, _mm_movemask_ps, _mm_set1_ps};
        // Four comparisons at a time and a move of their sign bits.
        // SAFETY: SSE is part of x86-64 itself; each load reads four of the 32 scores.
        unsafe {
            let floor = _mm_set1_ps(floor);
            let mut mask = 0u32;
            for quarter in 0..BLOCK / 4 {
                let four = _mm_loadu_ps(scores.as_ptr().add(4 * quarter));
                mask |= (_mm_movemask_ps(_mm_cmpgt_ps(four, floor)) as u32) << (4 * quarter);
            }
            mask
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    scores.iter().enumerate().fold(0u32, |mask, (v, &score)| mask | u32::from(score > floor) << v)
}

/// Unit `unit`'s nibble of packed `bits`-bit values. Packing is least significant bit first,
/// so for 1-, 2- and 4-bit values a unit is exactly the `unit`-th 4-bit field; a 3-bit index
/// is a unit of its own.
fn nibble(bits: u8, packed: &[u8], unit: usize) -> u8 {
    if bits == 3 { pack::value_at(packed, 3, unit) } else { packed[unit / 2] >> (4 * (unit % 2)) & 15 }
}

/// `‖ĉ‖ / Σ|ĉ_j|` for the centroids `ĉ` that `dim` packed 4-bit indices select. Times the
/// vector's norm, it turns `⟨q', sign(ĉ)⟩` into an estimate of `⟨q, x⟩`: RaBitQ's one-bit
/// estimator, with the 4-bit reconstruction standing in for the rotated vector it no longer
/// has.
fn sign_estimate_factor(centroids: &[f32], packed: &[u8], dim: usize) -> f32 {
    let indices = packed.iter().flat_map(|&byte| [byte & 15, byte >> 4]).take(dim);
    let (squares, magnitudes) = indices.fold((0.0f32, 0.0f32), |(squares, magnitudes), index| {
        let centroid = centroids[usize::from(index)];
        (squares + centroid * centroid, magnitudes + centroid.abs())
    });
    if magnitudes > 0.0 { squares.sqrt() / magnitudes } else { 0.0 }
}

/// The nibble of unit `unit` of a segment holding `content` (`bits` per coordinate) from the
/// segment's bytes of a packed code.
fn unit_value(content: Content, bits: u8, packed: &[u8], unit: usize) -> u8 {
    match content {
        // Units 2u and 2u + 1 of 4-bit values are bytes; their top bits are bits 3 and 7.
        Content::IndexSigns => packed[2 * unit..]
            .iter()
            .take(2)
            .enumerate()
            .map(|(half, &byte)| ((byte >> 3 & 1) | (byte >> 6 & 2)) << (2 * half))
            .sum(),
        Content::Indices | Content::Signs => nibble(bits, packed, unit),
    }
}

/// Orders `(score, id)` pairs best first: higher score, then lower id.
fn better_first(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// A query rotated and projected for each part.
struct PreparedQuery {
    /// Per part: what the codebook's points are multiplied by, the rotated query part `q'`
    /// (times the scales `ρ` where the part is calibrated).
    indexed: Vec<Vec<f32>>,
    /// Per part: the calibration's constant `⟨q', μ⟩` (0 for a part without one), which each
    /// vector's estimate adds weighted by its norm for the part.
    shifts: Vec<f32>,
    /// Per part: `S·q'` for `Prod`.
    projected: Vec<Option<Vec<f32>>>,
}

impl PreparedQuery {
    fn new(quantizer: &Quantizer, query: &[f32]) -> PreparedQuery {
        let parts = quantizer.parts.len();
        let (mut indexed, mut shifts, mut projected) =
            (Vec::with_capacity(parts), Vec::with_capacity(parts), Vec::with_capacity(parts));
        for part in &quantizer.parts {
            let mut q: Vec<f32> = part.channels.iter().map(|&c| query[c as usize]).collect();
            part.rotation.apply(&mut q);
            projected.push(part.sketch.as_ref().map(|sketch| sketch.project(&q)));
            match &part.calibration {
                None => shifts.push(0.0),
                Some((shift, scale)) => {
                    shifts.push(crate::dot(&q, shift));
                    q.iter_mut().zip(scale).for_each(|(q, &rho)| *q *= rho);
                }
            }
            indexed.push(q);
        }
        PreparedQuery { indexed, shifts, projected }
    }

    /// The estimate of the inner product with `code`, from the packed code (indexes whose
    /// indices are wider than a nibble).
    fn estimate_from_code(&self, quantizer: &Quantizer, code: &[u8]) -> f32 {
        let variant = quantizer.config().variant();
        let mut total = 0.0f32;
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for (part_index, part) in quantizer.parts.iter().enumerate() {
            let scalars = quantizer.scalars(part, code);
            if part.mse_bits > 0 {
                indices.resize(part.dim(), 0);
                values.resize(part.dim(), 0.0);
                quantizer.unpack_indices(part, code, &mut indices);
                part.reconstruct(&indices, &mut values);
                let dot: f32 = self.indexed[part_index].iter().zip(&values).map(|(q, c)| q * c).sum();
                total += scalars.indices_weight(variant) * dot;
            }
            total += scalars.norm * self.shifts[part_index];
            let projected = &self.projected[part_index];
            if let (Some(projected), Some(sketch)) = (projected, &part.sketch) {
                let signs = &code[part.signs_offset(variant)..];
                let dot: f32 = projected.iter().enumerate().map(|(i, &p)| sign(signs, i) * p).sum();
                total += scalars.signs_weight(sketch) * dot;
            }
        }
        total
    }
}

/// One query's view of the index: its rotations and, per segment, tables of partial inner
/// products in `f32` (exact) and rounded to `u8` (for the scan).
struct Scorer {
    prepared: PreparedQuery,
    tables: Vec<SegmentTables>,
    /// For the second pass of a two-stage search.
    refined: Option<RefinedQuery>,
}

/// A query as [`Kernel::code_dot`] takes it: its rotated coordinates rounded to signed bytes on
/// one scale (the largest magnitude [`MAX_WEIGHT`]), split by parity, and the affine map from
/// the kernel's sum back to an inner product.
struct RefinedQuery {
    even: Vec<i8>,
    odd: Vec<i8>,
    step: f32,
    offset: f32,
}

impl RefinedQuery {
    /// The query `indexed` (a part's [`PreparedQuery::indexed`]).
    fn new(indexed: &[f32], refinement: &Refinement) -> RefinedQuery {
        let largest = indexed.iter().fold(0.0f32, |largest, q| largest.max(q.abs()));
        let top = f32::from(MAX_WEIGHT);
        let step = if largest > 0.0 { largest / top } else { 1.0 };
        let weights: Vec<i8> = indexed.iter().map(|q| (q / step).round().clamp(-top, top) as i8).collect();
        let total: i32 = weights.iter().map(|&weight| i32::from(weight)).sum();
        let (even, odd) = weights.chunks(2).map(|pair| (pair[0], pair.get(1).copied().unwrap_or(0))).unzip();
        RefinedQuery { even, odd, step: step * refinement.step, offset: step * refinement.base * total as f32 }
    }
}

struct SegmentTables {
    /// `units × 16` partial inner products (empty for index signs outside their pass).
    exact: Vec<f32>,
    /// For the segments of the pass the query is scanned in.
    quantized: Option<QuantizedTables>,
}

impl Scorer {
    /// The tables of `query`: exact ones for the rerank, quantized ones for the scan of `pass`,
    /// and the refined query where `pass` is the first of two.
    fn new(index: &Index, query: &[f32], pass: Option<Pass>) -> Scorer {
        let prepared = PreparedQuery::new(&index.quantizer, query);
        let tables = index
            .segments
            .iter()
            .map(|segment| {
                let scanned = pass.is_some_and(|pass| segment.content.in_pass(pass));
                let exact = if scanned || segment.content.in_pass(Pass::Full) {
                    segment.tables(&index.quantizer.parts[segment.part], &prepared)
                } else {
                    Vec::new()
                };
                let quantized = scanned.then(|| QuantizedTables::new(&exact, segment.valid_entries()));
                SegmentTables { exact, quantized }
            })
            .collect();
        let refined = (index.refinement.as_ref())
            .filter(|_| pass == Some(Pass::Coarse))
            .map(|refinement| RefinedQuery::new(&prepared.indexed[0], refinement));
        Scorer { prepared, tables, refined }
    }

    /// The second pass's estimate for vector `id`: its 4-bit indices (segment 0) by
    /// [`Kernel::code_dot`], scaled back and weighted as the scan weights them.
    fn refined(&self, index: &Index, refinement: &Refinement, kernel: Kernel, id: u32) -> f32 {
        let query = self.refined.as_ref().expect("a refined query for the first pass of two");
        let segment = &index.segments[0];
        let packed = segment.packed(&index.quantizer, index.code(id as usize));
        let sum = kernel.code_dot(&refinement.levels, &query.even, &query.odd, packed);
        segment.weights.values[id as usize] * (query.step * sum as f32 + query.offset) + self.shifted(index, id)
    }

    /// What the calibrated parts' constants add to vector `id`'s estimate: `‖x_p‖·⟨q'_p, μ_p⟩`.
    fn shifted(&self, index: &Index, id: u32) -> f32 {
        (index.shift_terms.iter()).map(|term| term.norms.values[id as usize] * self.prepared.shifts[term.part]).sum()
    }

    /// The estimated inner product with vector `id`: for each segment, its weight times the
    /// sum of the exact table entries its nibbles select.
    fn exact(&self, index: &Index, id: u32) -> f32 {
        if index.segments.is_empty() {
            return self.prepared.estimate_from_code(&index.quantizer, index.code(id as usize));
        }
        // From the packed code (a few cache lines) rather than the transposed blocks (one line
        // per quad of units).
        let code = index.code(id as usize);
        index
            .segments
            .iter()
            .zip(&self.tables)
            .filter(|(segment, _)| segment.content.in_pass(Pass::Full))
            .map(|(segment, tables)| {
                let packed = segment.packed(&index.quantizer, code);
                // Four running sums (unit u into sum u mod 4) instead of one long chain of
                // dependent additions; four units per step, so that the sums stay in registers.
                let mut sums = [0.0f32; 4];
                let entry = |unit: usize| tables.exact[unit * 16 + usize::from(nibble(segment.bits, packed, unit))];
                let whole = segment.real_units / 4 * 4;
                if segment.bits == 3 {
                    for first in (0..whole).step_by(4) {
                        for (lane, sum) in sums.iter_mut().enumerate() {
                            *sum += entry(first + lane);
                        }
                    }
                } else {
                    // Units are the packed bytes' nibbles, low first: four per two bytes.
                    for (four, bytes) in tables.exact[..whole * 16].chunks_exact(64).zip(packed.chunks_exact(2)) {
                        let nibbles = [bytes[0] & 15, bytes[0] >> 4, bytes[1] & 15, bytes[1] >> 4];
                        for ((sum, table), nibble) in sums.iter_mut().zip(four.chunks_exact(16)).zip(nibbles) {
                            *sum += table[usize::from(nibble)];
                        }
                    }
                }
                for unit in whole..segment.real_units {
                    sums[unit % 4] += entry(unit);
                }
                segment.weights.values[id as usize] * ((sums[0] + sums[1]) + (sums[2] + sums[3]))
            })
            .sum::<f32>()
            + self.shifted(index, id)
    }
}

/// A segment's tables for one query: `u8` entries and the affine map back to inner products.
#[derive(Clone, Debug)]
struct QuantizedTables {
    entries: Vec<u8>,
    /// Value of one unit of the summed entries.
    step: f32,
    /// Sum over units of each table's minimum.
    offset: f32,
}

impl QuantizedTables {
    /// Rounds `exact` (16 entries per unit, the first `valid` used) on one scale, each table
    /// shifted to start at 0 and the widest spanning 0–[`MAX_ENTRY`], into the kernels' layout.
    fn new(exact: &[f32], valid: usize) -> QuantizedTables {
        let mut minimums = Vec::with_capacity(exact.len() / 16);
        let mut widest = 0.0f32;
        for table in exact.chunks_exact(16) {
            let (low, high) =
                table[..valid].iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
            minimums.push(low);
            widest = widest.max(high - low);
        }
        let top = f32::from(MAX_ENTRY);
        let step = if widest > 0.0 { widest / top } else { 1.0 };
        let mut entries = vec![0u8; exact.len()];
        for (unit, (table, &low)) in exact.chunks_exact(16).zip(&minimums).enumerate() {
            let at = table_position(unit);
            for (index, value) in table[..valid].iter().enumerate() {
                // Non-negative, so adding ½ and truncating rounds to nearest (ties up).
                let entry = ((value - low) / step + 0.5).min(top) as u8;
                entries[at + index] = entry;
            }
        }
        QuantizedTables { entries, step, offset: minimums.iter().sum() }
    }
}

impl Segment {
    fn new(part: usize, content: Content, bits: u8, dim: usize) -> Segment {
        let per_unit = if bits == 3 { 1 } else { 4 / usize::from(bits) };
        let real_units = dim.div_ceil(per_unit);
        let units = real_units.next_multiple_of(UNIT_ALIGN);
        Segment {
            part,
            content,
            bits,
            per_unit,
            units,
            real_units,
            blocks: Vec::new(),
            weights: BlockValues::default(),
        }
    }

    /// This segment's bytes of a packed code: the part's indices or its sign bits.
    fn packed<'a>(&self, quantizer: &Quantizer, code: &'a [u8]) -> &'a [u8] {
        let part = &quantizer.parts[self.part];
        let variant = quantizer.config().variant();
        match self.content {
            Content::Indices | Content::IndexSigns => &code[part.indices_offset(variant)..][..part.indices_len()],
            Content::Signs => &code[part.signs_offset(variant)..][..part.dim().div_ceil(8)],
        }
    }

    fn push(&mut self, id: usize, quantizer: &Quantizer, code: &[u8], weight: f32) {
        let block_bytes = self.units * 16;
        if id.is_multiple_of(BLOCK) {
            self.blocks.resize(self.blocks.len() + block_bytes, 0);
        }
        let packed = self.packed(quantizer, code);
        let (content, bits) = (self.content, self.bits);
        let block = &mut self.blocks[(id / BLOCK) * block_bytes..][..block_bytes];
        if content != Content::IndexSigns && bits != 3 {
            // Units are the packed bytes' nibbles, and units 2i and 2i + 1 share a byte in the
            // layout too, low nibble first: bytes move whole.
            for (pair, &byte) in packed.iter().enumerate().take(self.real_units.div_ceil(2)) {
                block[code_position(2 * pair, id % BLOCK).0] = byte;
            }
        } else {
            for unit in 0..self.real_units {
                let (byte, shift) = code_position(unit, id % BLOCK);
                block[byte] |= unit_value(content, bits, packed, unit) << shift;
            }
        }
        self.weights.push(id, weight);
    }

    /// Nibble values that occur (16, or 8 for 3-bit indices).
    fn valid_entries(&self) -> usize {
        1 << (self.per_unit * usize::from(self.bits))
    }

    /// The tables of a query: per unit, the partial inner product of each nibble value
    /// (entries that cannot occur are 0).
    fn tables(&self, part: &Part, prepared: &PreparedQuery) -> Vec<f32> {
        let mut exact = vec![0.0f32; self.units * 16];
        // Per coordinate, what each of its values adds: centroid × q'_j, or ±(S·q')_j.
        let (query, values): (&[f32], &[f32]) = match self.content {
            Content::Indices => (&prepared.indexed[self.part], &part.centroids),
            Content::Signs => (prepared.projected[self.part].as_deref().expect("prod projection"), &[-1.0, 1.0]),
            Content::IndexSigns => (&prepared.indexed[self.part], &[-1.0, 1.0]),
        };
        // What a coordinate at each position of a unit adds per nibble value, per unit of q.
        let (mask, valid) = ((1usize << self.bits) - 1, self.valid_entries());
        let patterns: Vec<[f32; 16]> = match (self.content, &part.pair_points) {
            // A unit is a pair, and its nibble the pair's point number.
            (Content::Indices, Some(points)) => (0..2).map(|axis| points.map(|point| point[axis])).collect(),
            _ => (0..self.per_unit)
                .map(|position| {
                    let shift = position * usize::from(self.bits);
                    std::array::from_fn(|nibble| if nibble < valid { values[(nibble >> shift) & mask] } else { 0.0 })
                })
                .collect(),
        };
        let (tables, _) = exact.as_chunks_mut::<16>();
        for (table, coordinates) in tables.iter_mut().zip(query.chunks(self.per_unit)) {
            for (&q, pattern) in coordinates.iter().zip(&patterns) {
                add_scaled(table, q, pattern);
            }
        }
        exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::SplitMix64;

    #[test]
    fn keys_order_pairs_as_better_first_does_and_decode_back() {
        let mut rng = SplitMix64::new(9);
        let scores = [0.0f32, -0.0, 1.5, -1.5, f32::MIN_POSITIVE, -f32::MAX, f32::MAX, 1e-30, -1e-30];
        let pairs: Vec<(f32, u32)> = (0..400)
            .map(|i| {
                let score = if i % 3 == 0 { scores[i % scores.len()] } else { rng.normal() as f32 };
                (score, (rng.next_u64() % 50) as u32)
            })
            .collect();
        for a in &pairs {
            assert_eq!(Best::pair(Best::key(a.0, a.1)).0.to_bits(), a.0.to_bits());
            assert_eq!(Best::pair(Best::key(a.0, a.1)).1, a.1);
            for b in &pairs {
                assert_eq!(Best::key(b.0, b.1).cmp(&Best::key(a.0, a.1)), better_first(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn best_keeps_the_best_pairs_offered_in_id_order() {
        let mut rng = SplitMix64::new(10);
        let scores: Vec<f32> = (0..5000).map(|_| (rng.next_u64() % 300) as f32).collect();
        let mut best = Best::new(37);
        scores.iter().enumerate().for_each(|(id, &score)| best.offer(score, id as u32));
        let mut want: Vec<(f32, u32)> = scores.iter().enumerate().map(|(id, &score)| (score, id as u32)).collect();
        want.sort_by(better_first);
        want.truncate(37);
        assert_eq!(best.into_sorted(), want);
    }
}
