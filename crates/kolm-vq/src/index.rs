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
//!    at a time per kernel call, so codes come from memory once per chunk.
//! 2. **Rerank.** The best `k + 16` candidates are scored again exactly, in `f32`, from their
//!    packed codes, and the best `k` of those are returned.
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
//! (about the same size again) and one `f32` weight per segment per vector.

use rayon::prelude::*;

use crate::Error;
use crate::pack;
use crate::qjl::sign;
use crate::quantizer::{Part, Quantizer, Variant};
use crate::scan::{BLOCK, Kernel, MAX_ENTRY, MAX_QUERIES, UNIT_ALIGN, code_position, table_position};

/// The most vectors an index holds (ids are 32-bit inside the scan).
pub const MAX_VECTORS: usize = u32::MAX as usize;

/// Queries one task of [`Index::search_batch`] scans the codes for together.
const QUERY_CHUNK: usize = 32;
/// Blocks scanned for every query of a chunk before moving on, so that they are read from
/// memory once per chunk and then from cache (16 blocks of 384 four-bit coordinates: 96 KiB).
const TILE_BLOCKS: usize = 16;

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
}

impl SearchParams {
    /// The `k` largest inner products, with the fastest kernel.
    pub fn top(k: usize) -> SearchParams {
        SearchParams { k, metric: Metric::InnerProduct, kernel: Kernel::detect() }
    }

    /// Sets the metric.
    pub fn metric(mut self, metric: Metric) -> SearchParams {
        self.metric = metric;
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
    weights: Vec<f32>,
}

/// The flat index; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Index {
    quantizer: Quantizer,
    codes: Vec<u8>,
    /// Empty when some part's indices are wider than a nibble (exact scoring only).
    segments: Vec<Segment>,
    /// Per vector, `Σ‖x_p‖²` over its parts; its length is the index's.
    squared_norms: Vec<f32>,
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
        Index { quantizer, codes: Vec::new(), segments, squared_norms: Vec::new() }
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
                    };
                    segment.push(id, &self.quantizer, code, weight);
                }
            }
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
        let scorer = Scorer::new(self, query);
        Ok((0..self.len() as u32).map(|id| scorer.exact(self, id)).collect())
    }

    /// The estimated inner product of `query` with the vector `id`.
    pub fn estimate(&self, query: &[f32], id: u64) -> Result<f32, Error> {
        self.quantizer.check_vector(query, 0)?;
        if id >= self.len() as u64 {
            return Err(Error::InvalidArgument(format!("no vector {id} in an index of {}", self.len())));
        }
        Ok(Scorer::new(self, query).exact(self, id as u32))
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
        let scorers: Vec<Scorer> = queries.chunks_exact(dim).map(|query| Scorer::new(self, query)).collect();
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
            let mut best: Vec<Best> = scorers.iter().map(|_| Best::new(k + 16)).collect();
            self.scan(&scorers, params, &mut best);
            best.into_iter()
                .zip(&scorers)
                .map(|(best, scorer)| {
                    let mut reranked: Vec<(f32, u32)> = best
                        .into_sorted()
                        .into_iter()
                        .map(|(_, id)| (rank_score(id, scorer.exact(self, id)), id))
                        .collect();
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

    /// Passes the approximate estimate of every vector for every query, block by block (all
    /// queries on one block of codes before the next block), to `visit(query, id, estimate)`.
    fn scan(&self, queries: &[Scorer], params: &SearchParams, best: &mut [Best]) {
        let entries: Vec<Vec<&[u8]>> = (0..self.segments.len())
            .map(|index| queries.iter().map(|query| query.tables[index].quantized.entries.as_slice()).collect())
            .collect();
        let mut sums = [[0u32; BLOCK]; MAX_QUERIES];
        let mut scores = [[0.0f32; BLOCK]; MAX_QUERIES];
        let scale = if params.metric == Metric::L2 { 2.0 } else { 1.0 };
        let blocks = self.len().div_ceil(BLOCK);
        for tile in (0..blocks).step_by(TILE_BLOCKS) {
            for (group_start, (group, best)) in
                (0..).step_by(MAX_QUERIES).zip(queries.chunks(MAX_QUERIES).zip(best.chunks_mut(MAX_QUERIES)))
            {
                let (sums, scores) = (&mut sums[..group.len()], &mut scores[..group.len()]);
                for block in tile..(tile + TILE_BLOCKS).min(blocks) {
                    let first = block * BLOCK;
                    // Internally higher is better for both metrics: `2·ip − ‖x‖²` ranks as `−‖q − x‖²`.
                    match params.metric {
                        Metric::InnerProduct => scores.iter_mut().for_each(|scores| scores.fill(0.0)),
                        Metric::L2 => {
                            let norms = &self.squared_norms[first..(first + BLOCK).min(self.len())];
                            for scores in scores.iter_mut() {
                                scores.iter_mut().zip(norms).for_each(|(score, norm)| *score = -norm);
                            }
                        }
                    }
                    for ((index, segment), entries) in self.segments.iter().enumerate().zip(&entries) {
                        let bytes = segment.units * 16;
                        let entries = &entries[group_start..group_start + group.len()];
                        params.kernel.block_sums(entries, &segment.blocks[block * bytes..(block + 1) * bytes], sums);
                        let weights = &segment.weights[first..first + BLOCK];
                        for ((scores, sums), query) in scores.iter_mut().zip(sums.iter()).zip(group) {
                            let QuantizedTables { step, offset, .. } = query.tables[index].quantized;
                            for v in 0..BLOCK {
                                scores[v] += scale * (weights[v] * (step * sums[v] as f32 + offset));
                            }
                        }
                    }
                    let present = BLOCK.min(self.len() - first);
                    for (scores, best) in scores.iter().zip(best.iter_mut()) {
                        // Most blocks hold nothing better than what is kept: one vector comparison
                        // (a fold without short-circuit, so that it runs in SIMD lanes).
                        let floor = best.floor;
                        if scores[..present].iter().fold(false, |any, &score| any | (score > floor)) {
                            for (offset, &score) in scores[..present].iter().enumerate() {
                                best.offer(score, (first + offset) as u32);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The best `(score, id)` pairs offered, in increasing id order, under [`better_first`].
///
/// Pairs are buffered up to twice the capacity, then cut back to the best `capacity`; the
/// worst score kept becomes a floor that later pairs must beat outright (a later pair with an
/// equal score has a larger id, so it loses the tie). The result is exactly the best
/// `capacity` pairs, whatever the order of the buffer.
struct Best {
    capacity: usize,
    pairs: Vec<(f32, u32)>,
    floor: f32,
}

impl Best {
    fn new(capacity: usize) -> Best {
        Best { capacity, pairs: Vec::with_capacity(2 * capacity), floor: f32::NEG_INFINITY }
    }

    #[inline]
    fn offer(&mut self, score: f32, id: u32) {
        if score > self.floor {
            self.pairs.push((score, id));
            if self.pairs.len() == 2 * self.capacity {
                self.cut();
            }
        }
    }

    #[cold]
    fn cut(&mut self) {
        self.pairs.select_nth_unstable_by(self.capacity - 1, better_first);
        self.pairs.truncate(self.capacity);
        self.floor = self.pairs[self.capacity - 1].0;
    }

    fn into_sorted(mut self) -> Vec<(f32, u32)> {
        self.pairs.sort_unstable_by(better_first);
        self.pairs.truncate(self.capacity);
        self.pairs
    }
}

/// Unit `unit`'s nibble of packed `bits`-bit values. Packing is least significant bit first,
/// so for 1-, 2- and 4-bit values a unit is exactly the `unit`-th 4-bit field; a 3-bit index
/// is a unit of its own.
fn nibble(bits: u8, packed: &[u8], unit: usize) -> u8 {
    pack::value_at(packed, if bits == 3 { 3 } else { 4 }, unit)
}

/// Orders `(score, id)` pairs best first: higher score, then lower id.
fn better_first(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// A query rotated and projected for each part.
struct PreparedQuery {
    /// Per part: the rotated query part `q'`.
    rotated: Vec<Vec<f32>>,
    /// Per part: `S·q'` for `Prod`.
    projected: Vec<Option<Vec<f32>>>,
}

impl PreparedQuery {
    fn new(quantizer: &Quantizer, query: &[f32]) -> PreparedQuery {
        let mut rotated = Vec::with_capacity(quantizer.parts.len());
        let mut projected = Vec::with_capacity(quantizer.parts.len());
        for part in &quantizer.parts {
            let mut q: Vec<f32> = part.channels.iter().map(|&c| query[c as usize]).collect();
            part.rotation.apply(&mut q);
            projected.push(part.sketch.as_ref().map(|sketch| sketch.project(&q)));
            rotated.push(q);
        }
        PreparedQuery { rotated, projected }
    }

    /// The estimate of the inner product with `code`, from the packed code (indexes whose
    /// indices are wider than a nibble).
    fn estimate_from_code(&self, quantizer: &Quantizer, code: &[u8]) -> f32 {
        let variant = quantizer.config().variant();
        let mut total = 0.0f32;
        let mut indices = Vec::new();
        for (part, (rotated, projected)) in quantizer.parts.iter().zip(self.rotated.iter().zip(&self.projected)) {
            let scalars = quantizer.scalars(part, code);
            if part.mse_bits > 0 {
                indices.resize(part.dim(), 0);
                quantizer.unpack_indices(part, code, &mut indices);
                let dot: f32 = rotated.iter().zip(&indices).map(|(q, &i)| q * part.centroids[usize::from(i)]).sum();
                total += scalars.indices_weight(variant) * dot;
            }
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
}

struct SegmentTables {
    /// `units × 16` partial inner products.
    exact: Vec<f32>,
    quantized: QuantizedTables,
}

impl Scorer {
    fn new(index: &Index, query: &[f32]) -> Scorer {
        let prepared = PreparedQuery::new(&index.quantizer, query);
        let tables = index
            .segments
            .iter()
            .map(|segment| {
                let exact = segment.tables(&index.quantizer.parts[segment.part], &prepared);
                let quantized = QuantizedTables::new(&exact, segment.valid_entries());
                SegmentTables { exact, quantized }
            })
            .collect();
        Scorer { prepared, tables }
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
            .map(|(segment, tables)| {
                let packed = segment.packed(&index.quantizer, code);
                // Four running sums (unit u into sum u mod 4) instead of one long chain of
                // dependent additions.
                let mut sums = [0.0f32; 4];
                for (unit, table) in tables.exact.chunks_exact(16).take(segment.real_units).enumerate() {
                    sums[unit % 4] += table[usize::from(nibble(segment.bits, packed, unit))];
                }
                segment.weights[id as usize] * ((sums[0] + sums[1]) + (sums[2] + sums[3]))
            })
            .sum()
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
        Segment { part, content, bits, per_unit, units, real_units, blocks: Vec::new(), weights: Vec::new() }
    }

    /// This segment's bytes of a packed code: the part's indices or its sign bits.
    fn packed<'a>(&self, quantizer: &Quantizer, code: &'a [u8]) -> &'a [u8] {
        let part = &quantizer.parts[self.part];
        let variant = quantizer.config().variant();
        match self.content {
            Content::Indices => &code[part.indices_offset(variant)..][..part.indices_len()],
            Content::Signs => &code[part.signs_offset(variant)..][..part.dim().div_ceil(8)],
        }
    }

    fn push(&mut self, id: usize, quantizer: &Quantizer, code: &[u8], weight: f32) {
        let block_bytes = self.units * 16;
        if id.is_multiple_of(BLOCK) {
            self.blocks.resize(self.blocks.len() + block_bytes, 0);
            self.weights.resize(self.weights.len() + BLOCK, 0.0);
        }
        let packed = self.packed(quantizer, code);
        let block = &mut self.blocks[(id / BLOCK) * block_bytes..][..block_bytes];
        for unit in 0..self.real_units {
            let (byte, shift) = code_position(unit, id % BLOCK);
            block[byte] |= nibble(self.bits, packed, unit) << shift;
        }
        self.weights[id] = weight;
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
            Content::Indices => (&prepared.rotated[self.part], &part.centroids),
            Content::Signs => (prepared.projected[self.part].as_deref().expect("prod projection"), &[-1.0, 1.0]),
        };
        let mask = (1usize << self.bits) - 1;
        for (j, &q) in query.iter().enumerate() {
            let (unit, position) = (j / self.per_unit, j % self.per_unit);
            let shift = position * usize::from(self.bits);
            let table = &mut exact[unit * 16..unit * 16 + self.valid_entries()];
            for (nibble, entry) in table.iter_mut().enumerate() {
                *entry += q * values[(nibble >> shift) & mask];
            }
        }
        exact
    }
}
