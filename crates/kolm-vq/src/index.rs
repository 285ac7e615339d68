//! A flat index: every code in memory, searched without decompressing.
//!
//! [`Index::search`] scores a float query against every stored code in two passes:
//!
//! 1. **Scan.** The query is rotated once per part; then every nibble-sized unit of code gets a
//!    16-entry table of partial inner products, rounded to `u8` on one scale per segment (a
//!    segment is a part's indices, or a part's QJL signs), and the [`Kernel`] sums each
//!    vector's entries. Scaled back and weighted by the vector's norm (and length correction or
//!    residual length), this approximates the estimate within a fraction of a percent.
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
use crate::quantizer::{Part, Quantizer, Variant};
use crate::scan::{BLOCK, Kernel};

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
    /// Units per vector, rounded up to even (the padding unit scores zero).
    units: usize,
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
    len: usize,
    /// Empty when some part's indices are wider than a nibble (exact scoring only).
    segments: Vec<Segment>,
    squared_norms: Vec<f32>,
}

impl Index {
    /// An empty index of `quantizer`'s codes.
    pub fn new(quantizer: Quantizer) -> Index {
        let variant = quantizer.config().get_variant();
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
        Index { quantizer, codes: Vec::new(), len: 0, segments, squared_norms: Vec::new() }
    }

    /// The quantizer.
    pub fn quantizer(&self) -> &Quantizer {
        &self.quantizer
    }

    /// Vectors stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no vector is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    /// Adds codes made by this index's quantizer (`code_len` bytes each).
    pub fn add_codes(&mut self, codes: &[u8]) -> Result<(), Error> {
        let code_len = self.quantizer.code_len();
        if !codes.len().is_multiple_of(code_len) {
            return Err(Error::InvalidArgument(format!(
                "{} bytes of codes is not a whole number of {code_len}-byte codes",
                codes.len()
            )));
        }
        let variant = self.quantizer.config().get_variant();
        for code in codes.chunks_exact(code_len) {
            let mut squared_norm = 0.0f32;
            for (part_index, part) in self.quantizer.parts.iter().enumerate() {
                let scalars = self.quantizer.scalars(part, code);
                if !scalars.norm.is_finite() || !scalars.aux.is_finite() {
                    return Err(Error::Corrupt(format!("code {} holds a non-finite norm", self.len)));
                }
                squared_norm += scalars.norm * scalars.norm;
                for segment in self.segments.iter_mut().filter(|segment| segment.part == part_index) {
                    let weight = match (segment.content, variant) {
                        (Content::Indices, Variant::MseUnbiased) => scalars.norm * scalars.aux,
                        (Content::Indices, _) => scalars.norm,
                        (Content::Signs, _) => {
                            scalars.norm * scalars.aux * part.sketch.as_ref().expect("prod sketch").scale()
                        }
                    };
                    segment.push(self.len, &self.quantizer, part, code, weight);
                }
            }
            self.squared_norms.push(squared_norm);
            self.codes.extend_from_slice(code);
            self.len += 1;
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
            return Err(Error::DimensionMismatch { expected: dim, found: queries.len() % dim });
        }
        for (row, query) in queries.chunks_exact(dim).enumerate() {
            self.quantizer.check_vector(query, row)?;
        }
        Ok(queries.par_chunks_exact(dim).map(|query| self.search_checked(query, params)).collect())
    }

    /// The estimated inner product of `query` with every stored vector, exactly as reranking
    /// computes it (for evaluation).
    pub fn estimates(&self, query: &[f32]) -> Result<Vec<f32>, Error> {
        self.quantizer.check_vector(query, 0)?;
        let prepared = PreparedQuery::new(&self.quantizer, query);
        Ok((0..self.len).map(|id| prepared.exact(&self.quantizer, self.code(id))).collect())
    }

    /// The estimated inner product of `query` with the vector `id`.
    pub fn estimate(&self, query: &[f32], id: u64) -> Result<f32, Error> {
        self.quantizer.check_vector(query, 0)?;
        if id >= self.len as u64 {
            return Err(Error::InvalidArgument(format!("no vector {id} in an index of {}", self.len)));
        }
        Ok(PreparedQuery::new(&self.quantizer, query).exact(&self.quantizer, self.code(id as usize)))
    }

    fn code(&self, id: usize) -> &[u8] {
        let code_len = self.quantizer.code_len();
        &self.codes[id * code_len..(id + 1) * code_len]
    }

    fn search_checked(&self, query: &[f32], params: &SearchParams) -> Vec<Neighbor> {
        let k = params.k.min(self.len);
        if k == 0 {
            return Vec::new();
        }
        let prepared = PreparedQuery::new(&self.quantizer, query);
        let query_norm: f32 = query.iter().map(|v| v * v).sum();
        // Internally higher is better for both metrics: `2·ip − ‖x‖²` ranks as `−‖q − x‖²`.
        let rank_score = |id: usize, estimate: f32| match params.metric {
            Metric::InnerProduct => estimate,
            Metric::L2 => 2.0 * estimate - self.squared_norms[id],
        };
        let exact_score = |id: u32| rank_score(id as usize, prepared.exact(&self.quantizer, self.code(id as usize)));
        let candidates = if self.segments.is_empty() {
            let mut best = Best::new(k);
            (0..self.len as u32).for_each(|id| best.offer(exact_score(id), id));
            best.into_sorted()
        } else {
            let mut best = Best::new(k + 16);
            self.scan(&prepared, params.kernel, |id, estimate| best.offer(rank_score(id as usize, estimate), id));
            let mut reranked: Vec<(f32, u32)> =
                best.into_sorted().into_iter().map(|(_, id)| (exact_score(id), id)).collect();
            reranked.sort_unstable_by(better_first);
            reranked.truncate(k);
            reranked
        };
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
    }

    /// Passes the approximate estimate of every vector, in id order, to `visit`.
    fn scan(&self, prepared: &PreparedQuery, kernel: Kernel, mut visit: impl FnMut(u32, f32)) {
        let tables: Vec<QuantizedTables> =
            self.segments.iter().map(|segment| segment.tables(&self.quantizer.parts[segment.part], prepared)).collect();
        let mut sums = [0u32; BLOCK];
        for block in 0..self.len.div_ceil(BLOCK) {
            let mut estimates = [0.0f32; BLOCK];
            for (segment, tables) in self.segments.iter().zip(&tables) {
                let bytes = segment.units * 16;
                kernel.block_sums(&tables.entries, &segment.blocks[block * bytes..(block + 1) * bytes], &mut sums);
                let weights = &segment.weights[block * BLOCK..(block + 1) * BLOCK];
                for ((estimate, &sum), &weight) in estimates.iter_mut().zip(&sums).zip(weights) {
                    *estimate += weight * (tables.step * sum as f32 + tables.offset);
                }
            }
            let first = block * BLOCK;
            for (offset, &estimate) in estimates.iter().enumerate().take(self.len - first) {
                visit((first + offset) as u32, estimate);
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

    /// The exact estimate of the inner product with `code`.
    fn exact(&self, quantizer: &Quantizer, code: &[u8]) -> f32 {
        let variant = quantizer.config().get_variant();
        let mut total = 0.0f32;
        let mut indices = Vec::new();
        for (part, (rotated, projected)) in quantizer.parts.iter().zip(self.rotated.iter().zip(&self.projected)) {
            let scalars = quantizer.scalars(part, code);
            if part.mse_bits > 0 {
                indices.resize(part.dim(), 0);
                quantizer.unpack_indices(part, code, &mut indices);
                let dot: f32 = rotated.iter().zip(&indices).map(|(q, &i)| q * part.centroids[usize::from(i)]).sum();
                let weight = if variant == Variant::MseUnbiased { scalars.norm * scalars.aux } else { scalars.norm };
                total += weight * dot;
            }
            if let (Some(projected), Some(sketch)) = (projected, &part.sketch) {
                let signs = &code[part.signs_offset(variant)..];
                let dot: f32 = projected
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| if signs[i / 8] >> (i % 8) & 1 == 1 { p } else { -p })
                    .sum();
                total += scalars.norm * scalars.aux * sketch.scale() * dot;
            }
        }
        total
    }
}

/// A segment's tables for one query: `u8` entries and the affine map back to inner products.
struct QuantizedTables {
    entries: Vec<u8>,
    /// Value of one unit of the summed entries.
    step: f32,
    /// Sum over units of each table's minimum.
    offset: f32,
}

impl Segment {
    fn new(part: usize, content: Content, bits: u8, dim: usize) -> Segment {
        let per_unit = if bits == 3 { 1 } else { 4 / usize::from(bits) };
        let units = dim.div_ceil(per_unit).next_multiple_of(2);
        Segment { part, content, bits, per_unit, units, blocks: Vec::new(), weights: Vec::new() }
    }

    /// The nibble of unit `unit` from the coordinates' values `values` (indices or sign bits).
    fn nibble(&self, values: &[u8], unit: usize) -> u8 {
        let start = unit * self.per_unit;
        let end = (start + self.per_unit).min(values.len());
        (start..end).fold(0u8, |nibble, j| nibble | values[j] << ((j - start) * usize::from(self.bits)))
    }

    fn push(&mut self, id: usize, quantizer: &Quantizer, part: &Part, code: &[u8], weight: f32) {
        let mut values = vec![0u8; part.dim()];
        match self.content {
            Content::Indices => quantizer.unpack_indices(part, code, &mut values),
            Content::Signs => {
                let signs = &code[part.signs_offset(quantizer.config().get_variant())..];
                values.iter_mut().enumerate().for_each(|(i, value)| *value = signs[i / 8] >> (i % 8) & 1);
            }
        }
        let block_bytes = self.units * 16;
        if id.is_multiple_of(BLOCK) {
            self.blocks.resize(self.blocks.len() + block_bytes, 0);
            self.weights.resize(self.weights.len() + BLOCK, 0.0);
        }
        let nibbles: Vec<u8> = (0..self.units).map(|unit| self.nibble(&values, unit)).collect();
        let block = &mut self.blocks[(id / BLOCK) * block_bytes..][..block_bytes];
        let (slot, shift) = (id % 16, if id % BLOCK >= 16 { 4 } else { 0 });
        for (unit, nibble) in nibbles.into_iter().enumerate() {
            block[unit * 16 + slot] |= nibble << shift;
        }
        self.weights[id] = weight;
    }

    /// The tables of a query: per unit, the partial inner product of each nibble value.
    fn tables(&self, part: &Part, prepared: &PreparedQuery) -> QuantizedTables {
        let valid = 1usize << (self.per_unit * usize::from(self.bits));
        let mut exact = vec![0.0f32; self.units * 16];
        let coordinates = part.dim();
        for unit in 0..self.units {
            let start = unit * self.per_unit;
            for value in 0..valid {
                let mut sum = 0.0f32;
                for j in start..(start + self.per_unit).min(coordinates) {
                    let field = (value >> ((j - start) * usize::from(self.bits))) & ((1 << self.bits) - 1);
                    sum += match self.content {
                        Content::Indices => prepared.rotated[self.part][j] * part.centroids[field],
                        Content::Signs => {
                            let p = prepared.projected[self.part].as_ref().expect("prod projection")[j];
                            if field == 1 { p } else { -p }
                        }
                    };
                }
                exact[unit * 16 + value] = sum;
            }
        }
        let mut minimums = Vec::with_capacity(self.units);
        let mut widest = 0.0f32;
        for table in exact.chunks_exact(16) {
            let (low, high) =
                table[..valid].iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
            minimums.push(low);
            widest = widest.max(high - low);
        }
        let step = if widest > 0.0 { widest / 255.0 } else { 1.0 };
        let mut entries = vec![0u8; self.units * 16];
        for ((table, out), &low) in exact.chunks_exact(16).zip(entries.chunks_exact_mut(16)).zip(&minimums) {
            for (value, entry) in table[..valid].iter().zip(out.iter_mut()) {
                *entry = ((value - low) / step).round().clamp(0.0, 255.0) as u8;
            }
        }
        QuantizedTables { entries, step, offset: minimums.iter().sum() }
    }
}
