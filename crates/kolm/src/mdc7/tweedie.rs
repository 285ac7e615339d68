//! Binary-tree Tweedie calibration with James–Stein shrinkage: MDC7's only learned stage.
//!
//! The blended 256-way distribution is viewed as a binary tree of 255 decisions (is the
//! byte in the upper half of this node's range?), MSB first. For each node the model's
//! probability `p` of going right is looked up in a calibration table that has counted, for
//! similar situations, how often the byte really went right (`hits`) against how often the
//! model expected it to (`Σ p`). The difference `δ = hits/n − Σp/n` is the empirical
//! Tweedie correction `E[θ | p] − p`; it is shrunk towards zero when its signal-to-noise
//! ratio `δ² n / var` is below 4 (`δ · snr/4`), added to `p`, and the two children's
//! subtrees are rescaled by `(1 − p′)/(1 − p)` and `p′/p`. Three such steps run in a row,
//! each with its own table, each correcting what the previous one left.
//!
//! A table cell is chosen by six coordinates — 155,520 cells, each starting as 32
//! pseudo-observations at its bin's centre:
//!
//! | coordinate | values | from |
//! |---|---|---|
//! | step | 3 | which pass |
//! | bit context | 27 | tree level, and for levels 3–7 a 2-bit hash of the node |
//! | order group | 3 | PPM's best order: ≤ 1, 2–3, 4 |
//! | shape | 4 | largest probability: < 0.05, < 0.15, < 0.40, more |
//! | confidence bin | 8 | `⌊fast_log(PPM confidence) / ln 4⌋`; only 0 and 3–7 occur |
//! | probability bin | 20 | `fast_log(p/(1−p))` on [−8, 8] in steps of 0.8 |
//!
//! The reference reads steps 1 and 2 with the shape recomputed after the previous step but
//! updates every step's cell with the shape of step 0. That mismatch is part of the format.
//! Each cell's shrunk `δ` is cached and recomputed only when the cell is updated (24 cells
//! per byte), which turns four divisions per node into one load with identical results.

use super::fastmath::{fast_exp, fast_log};
use crate::simd::{Kernel, kernel_twins};

const STEPS: usize = 3;
const LEVELS: usize = 8;
const NODES: usize = 255;
const BIT_CONTEXTS: usize = 27;
const ORDER_GROUPS: usize = 3;
const SHAPES: usize = 4;
const CONFIDENCE_BINS: usize = 8;
const PROBABILITY_BINS: usize = 20;
const LOGIT_RANGE: f64 = 8.0;
const PRIOR_WEIGHT: f64 = 32.0;

/// Cells sharing step, order group, shape and confidence bin: one per (bit context, bin).
const CELLS_PER_SITUATION: usize = BIT_CONTEXTS * PROBABILITY_BINS;
const CELLS: usize = STEPS * ORDER_GROUPS * SHAPES * CONFIDENCE_BINS * CELLS_PER_SITUATION;

/// What a calibration cell has counted.
#[derive(Clone, Copy)]
struct CellStats {
    sum_pred: f64,
    hits: f64,
    total: f64,
    sum_sq_err: f64,
}

impl CellStats {
    fn prior(bin: usize) -> Self {
        let logit = ((bin as f64 + 0.5) / PROBABILITY_BINS as f64) * 2.0 * LOGIT_RANGE - LOGIT_RANGE;
        let centre = 1.0 / (1.0 + fast_exp(-logit));
        CellStats {
            sum_pred: centre * PRIOR_WEIGHT,
            hits: centre * PRIOR_WEIGHT,
            total: PRIOR_WEIGHT,
            sum_sq_err: PRIOR_WEIGHT * 0.25,
        }
    }

    /// The shrunk Tweedie correction this cell currently applies.
    fn correction(&self) -> f64 {
        let avg_pred = self.sum_pred / self.total;
        let emp_rate = self.hits / self.total;
        let delta = emp_rate - avg_pred;
        let var_err = self.sum_sq_err / self.total;
        if self.total > 10.0 && var_err > 1e-10 {
            let snr = delta * delta * self.total / var_err;
            let shrink = if snr > 4.0 { 1.0 } else { snr / 4.0 };
            delta * shrink
        } else {
            0.0
        }
    }
}

fn order_group(order: i32) -> usize {
    match order {
        ..=1 => 0,
        2..=3 => 1,
        _ => 2,
    }
}

#[inline(always)]
fn shape_bin(probs: &[f64; 256]) -> usize {
    // The maximum does not depend on the order of comparisons, so four running maxima
    // (which vectorise) give the reference's left-to-right result.
    let mut lanes = [0.0f64; 4];
    for chunk in probs.chunks_exact(4) {
        for (m, &p) in lanes.iter_mut().zip(chunk) {
            if p > *m {
                *m = p;
            }
        }
    }
    let max_p = lanes.into_iter().fold(0.0f64, |m, p| if p > m { p } else { m });
    if max_p < 0.05 {
        0
    } else if max_p < 0.15 {
        1
    } else if max_p < 0.40 {
        2
    } else {
        3
    }
}

fn confidence_bin(confidence: f64) -> usize {
    if confidence < 4.0 {
        return 0;
    }
    let bin = (fast_log(confidence) * (1.0 / 1.3862943611198906)) as i32;
    bin.clamp(0, CONFIDENCE_BINS as i32 - 1) as usize
}

/// 2^52: a double in [0, 2^51) plus this is rounded to an integer, held in the low
/// mantissa bits.
const INTEGER_MAGIC: f64 = 4503599627370496.0;

#[inline(always)]
fn probability_bin(p: f64) -> u16 {
    let p = p.clamp(1e-8, 1.0 - 1e-8);
    let logit = fast_log(p / (1.0 - p));
    let position = (logit + LOGIT_RANGE) / (2.0 * LOGIT_RANGE) * PROBABILITY_BINS as f64;
    // The reference truncates to an int, then clamps to 0..=19. Clamping first and taking
    // the floor picks the same bin, and needs no float-to-int conversion, so it vectorises.
    let top = (PROBABILITY_BINS - 1) as f64;
    let position = if position < 0.0 {
        0.0
    } else if position > top {
        top
    } else {
        position
    };
    let nearest = (position + INTEGER_MAGIC) - INTEGER_MAGIC;
    let floor = if nearest > position { nearest - 1.0 } else { nearest };
    ((floor + INTEGER_MAGIC).to_bits() & 0x1F) as u16
}

/// Bit context of node `k` (left to right) of tree level `level`.
const fn bit_context(level: usize, k: usize) -> usize {
    match level {
        0 => 0,
        1 => 1 + k,
        2 => 3 + k,
        _ => 7 + (level - 3) * 4 + ((k as u32).wrapping_mul(2654435761) >> 30) as usize,
    }
}

/// `bit_context × PROBABILITY_BINS` for each heap-numbered node.
const BIT_CONTEXT_CELL: [u16; NODES + 1] = {
    let mut table = [0u16; NODES + 1];
    let mut level = 0;
    while level < LEVELS {
        let first = 1 << level;
        let mut k = 0;
        while k < first {
            table[first + k] = (bit_context(level, k) * PROBABILITY_BINS) as u16;
            k += 1;
        }
        level += 1;
    }
    table
};

/// First cell of the situation (step, order group, shape, confidence bin).
fn situation(step: usize, order_group: usize, shape: usize, confidence_bin: usize) -> usize {
    (((step * ORDER_GROUPS + order_group) * SHAPES + shape) * CONFIDENCE_BINS + confidence_bin) * CELLS_PER_SITUATION
}

pub(crate) struct Tweedie {
    stats: Vec<CellStats>,
    corrections: Vec<f64>,
    seen: [StepRecord; STEPS],
    scratch: Scratch,
    seen_order_group: usize,
    /// The shape each step looked up with.
    seen_shapes: [usize; STEPS],
    seen_confidence_bin: usize,
    /// Whether each step's update uses its own lookup shape (repaired) or step 0's (MDC7).
    update_with_step_shape: bool,
    kernel: Kernel,
}

/// One calibration step: rewrites `probs` with the corrections of one step's table slice,
/// recording each node's probability and cell for the update.
///
/// Each node's correction depends only on its own subtree sums, so the work runs in passes
/// over all 255 nodes (heap-numbered from 1): independent divisions pipeline and
/// vectorise, and every value is computed by the same operations as the reference's
/// node-by-node loop.
#[inline(always)]
fn calibrate(probs: &mut [f64; 256], corrections: &[f64], seen: &mut StepRecord, scratch: &mut Scratch) {
    let Scratch { tree, left, right } = scratch;
    tree[256..].copy_from_slice(probs);
    for level in (0..LEVELS).rev() {
        for i in (1 << level)..(2 << level) {
            tree[i] = tree[2 * i] + tree[2 * i + 1];
        }
    }
    let StepRecord { p: seen_p, cell: seen_cell } = seen;
    for ni in 1..256 {
        let total = tree[ni];
        seen_p[ni] = if total < 1e-15 { 0.5 } else { (tree[2 * ni + 1] / total).clamp(1e-8, 1.0 - 1e-8) };
    }
    for ni in 1..256 {
        seen_cell[ni] = BIT_CONTEXT_CELL[ni] + probability_bin(seen_p[ni]);
    }
    // Gathered apart from the arithmetic below, which then vectorises.
    for ni in 1..256 {
        left[ni] = corrections[usize::from(seen_cell[ni])];
    }
    for ni in 1..256 {
        let p = seen_p[ni];
        let corrected = (p + left[ni]).clamp(1e-8, 1.0 - 1e-8);
        // A node without mass passes its scale on unchanged.
        let massless = tree[ni] < 1e-15;
        left[ni] = if massless { 1.0 } else { (1.0 - corrected) / (1.0 - p) };
        right[ni] = if massless { 1.0 } else { corrected / p };
    }
    // The subtree sums are spent: the tree now holds the scale accumulated from the root.
    let scale = tree;
    scale[1] = 1.0;
    for ni in 1..256 {
        scale[2 * ni] = scale[ni] * left[ni];
        scale[2 * ni + 1] = scale[ni] * right[ni];
    }
    for (p, s) in probs.iter_mut().zip(&scale[256..]) {
        *p *= s;
    }
    super::clamp_normalize(probs);
}

kernel_twins!(
    /// [`calibrate`] compiled for `kernel`. Its arrays are arguments rather than captured by a
    /// closure, so they keep the no-alias guarantee that lets the calibration vectorise (7 %
    /// faster on alice29.txt).
    fn calibrate_in(probs: &mut [f64; 256], corrections: &[f64], seen: &mut StepRecord, scratch: &mut Scratch) => calibrate
);

/// What one step saw at each node (heap-numbered from 1), for the update: the probability
/// of going right and the (bit context, probability bin) cell offset it was read from.
struct StepRecord {
    p: [f64; NODES + 1],
    cell: [u16; NODES + 1],
}

/// Working arrays of [`calibrate`], kept between calls so they need no clearing.
struct Scratch {
    tree: [f64; 512],
    left: [f64; NODES + 1],
    right: [f64; NODES + 1],
}

impl Tweedie {
    /// A fresh table. `update_with_step_shape` repairs MDC7's quirk of updating every
    /// step's cell with the first step's shape.
    pub(crate) fn new(update_with_step_shape: bool) -> Self {
        let priors: Vec<CellStats> = (0..PROBABILITY_BINS).map(CellStats::prior).collect();
        let stats: Vec<CellStats> = (0..CELLS).map(|i| priors[i % PROBABILITY_BINS]).collect();
        let corrections = stats.iter().map(CellStats::correction).collect();
        Tweedie {
            stats,
            corrections,
            seen: std::array::from_fn(|_| StepRecord { p: [0.0; NODES + 1], cell: [0; NODES + 1] }),
            scratch: Scratch { tree: [0.0; 512], left: [0.0; NODES + 1], right: [0.0; NODES + 1] },
            seen_order_group: 0,
            seen_shapes: [0; STEPS],
            seen_confidence_bin: 0,
            update_with_step_shape,
            kernel: Kernel::detect(),
        }
    }

    /// Calibrates `probs` in place (three steps, each ending clamped and normalised), given
    /// PPM's best order and confidence.
    pub(crate) fn denoise(&mut self, probs: &mut [f64; 256], ppm_order: i32, ppm_confidence: f64) {
        let order_group = order_group(ppm_order);
        let confidence_bin = confidence_bin(ppm_confidence);
        let mut shape = shape_bin(probs);
        self.seen_order_group = order_group;
        self.seen_confidence_bin = confidence_bin;

        for step in 0..STEPS {
            self.seen_shapes[step] = shape;
            let corrections =
                &self.corrections[situation(step, order_group, shape, confidence_bin)..][..CELLS_PER_SITUATION];
            let (seen, scratch) = (&mut self.seen[step], &mut self.scratch);
            calibrate_in(self.kernel, probs, corrections, seen, scratch);
            if step + 1 < STEPS {
                shape = shape_bin(probs);
            }
        }
    }

    /// Counts, for every node on `byte`'s path in every step, which way the byte went.
    pub(crate) fn update(&mut self, byte: u8) {
        for step in 0..STEPS {
            let shape = self.seen_shapes[if self.update_with_step_shape { step } else { 0 }];
            let base = situation(step, self.seen_order_group, shape, self.seen_confidence_bin);
            for level in 0..LEVELS {
                let node = (1 << level) + (usize::from(byte) >> (8 - level));
                let went_right = (byte >> (7 - level)) & 1 == 1;
                let p = self.seen[step].p[node];
                let index = base + usize::from(self.seen[step].cell[node]);
                let cell = &mut self.stats[index];
                let err = f64::from(u8::from(went_right)) - p;
                cell.sum_sq_err += err * err;
                cell.sum_pred += p;
                cell.total += 1.0;
                if went_right {
                    cell.hits += 1.0;
                }
                self.corrections[index] = cell.correction();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_bins_follow_the_truncated_log() {
        // The specification lists these measured values, including the non-monotonic
        // steps at powers of two that fast_log's jumps cause.
        let cases = [
            (0.0, 0),
            (129.0, 3),
            (243.0, 3),
            (244.0, 4),
            (973.0, 4),
            (974.0, 5),
            (3893.0, 5),
            (3894.0, 6),
            (4095.0, 6),
            (4096.0, 5),
            (4097.0, 6),
            (15575.0, 6),
            (15576.0, 7),
            (16383.0, 7),
            (16384.0, 6),
            (16385.0, 7),
        ];
        for (confidence, bin) in cases {
            assert_eq!(confidence_bin(confidence), bin, "confidence {confidence}");
        }
    }

    #[test]
    fn probability_bins_have_the_measured_edges() {
        let lower_edges = [
            0.00074423, 0.00164113, 0.00356669, 0.00759944, 0.01798615, 0.03916178, 0.08309641, 0.16721912, 0.30580308,
            0.48734800, 0.68997442, 0.83201485, 0.91679952, 0.96073898, 0.98181676, 0.99156296, 0.99603662, 0.99834120,
            0.99925389,
        ];
        for (i, &edge) in lower_edges.iter().enumerate() {
            let bin = i + 1;
            // The edges are quoted to 8 decimals; step just past the rounding.
            assert_eq!(usize::from(probability_bin(edge + 2e-8)), bin, "just above edge {edge}");
            assert_eq!(usize::from(probability_bin(edge - 2e-8)), bin - 1, "just below edge {edge}");
        }
        // The two places where fast_log's jump makes the bins step back.
        assert_eq!(probability_bin(0.0079), 3);
        assert_eq!(probability_bin(0.9962), 16);
    }

    #[test]
    fn every_kernel_gives_the_same_bits() {
        let mut portable = Tweedie::new(false);
        portable.kernel = Kernel::Portable;
        let mut detected = Tweedie::new(false);
        // A fixed pseudo-random walk over peaked and flat distributions.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300i32 {
            let mut probs = [0.0f64; 256];
            let peak = (next() % 256) as usize;
            for p in probs.iter_mut() {
                *p = (next() % 1000) as f64 + 1.0;
            }
            probs[peak] *= (round % 50) as f64 * 40.0 + 1.0;
            crate::mdc7::clamp_normalize(&mut probs);
            let order = round % 6 - 1;
            let confidence = (next() % 20000) as f64;
            let (mut a, mut b) = (probs, probs);
            portable.denoise(&mut a, order, confidence);
            detected.denoise(&mut b, order, confidence);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "round {round}");
            let byte = if next() % 3 == 0 { (next() % 256) as u8 } else { peak as u8 };
            portable.update(byte);
            detected.update(byte);
        }
    }

    #[test]
    fn bit_contexts_cover_27_values() {
        let mut seen = [false; BIT_CONTEXTS];
        for level in 0..LEVELS {
            for k in 0..(1 << level) {
                seen[bit_context(level, k)] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn fresh_cells_apply_no_correction_until_evidence_accumulates() {
        let mut tweedie = Tweedie::new(false);
        // The prior has hits = Σp exactly, so δ starts at zero.
        assert!(tweedie.corrections.iter().all(|&c| c == 0.0));
        let mut probs = [1.0 / 256.0; 256];
        for _ in 0..200 {
            probs = [1.0 / 256.0; 256];
            tweedie.denoise(&mut probs, 0, 0.0);
            tweedie.update(0);
        }
        // After always seeing byte 0 where a uniform model expects 1/256, the calibrated
        // distribution has learned to put far more mass on it.
        assert!(probs[0] > 0.5, "p(0) = {}", probs[0]);
    }
}
