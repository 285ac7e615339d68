//! The mixer: a gated logistic regression that turns the models' opinions into one.
//!
//! Each model contributes a stretched probability xᵢ (±2047, units of 1/256). The mixer's
//! output is `squash(Σ wᵢ·xᵢ)`, with weights in 16.16 fixed point chosen from a *weight set*
//! picked by a small context (the gate), so that, say, the weights used when a long match is
//! active differ from those used without one. After the bit y is known every weight of the set
//! moves along the gradient of the coding cost: `wᵢ += xᵢ·(y − p)·rate / 2^14`, with the
//! error y − p in 1/4096ths. Several gates can each pick a set; their predictions are averaged
//! in the stretched domain and each set learns from its own error. All integer, so identical
//! everywhere. From codec 16 on, levels 6–9 sum the products in 32 bits, each product's low
//! 8 bits dropped ([`narrow_dot`]): the same output to a byte or two on the seven small
//! corpus files, in 7.5 % fewer instructions at level 9.
//!
//! A set learns faster at first ([`WarmUp`]). From codec 12 on each set warms up by itself,
//! from four times the rate on its first update, the excess halving after its 64th: most of
//! the sets a gate by the previous byte or the word chooses among are met seldom, and late
//! in a block, long after a warm-up of the whole mixer is over. The seven small corpus files
//! came out 0.32 % smaller at level 9 (191,281 → 190,661 bytes) than with the whole
//! mixer's, and 0.58 % at level 2 (232,064 → 230,727) than with none; 1 MB samples of seven
//! larger files 0.29 % at level 6. Other half-lives (16 to 256 updates) and starting rates
//! (three to nine times) came out 0.004–0.16 % larger at level 9; warming up each set on
//! top of the whole mixer's, 0.06 % larger. Counting a set's updates costs about 5 % more
//! instructions at level 2.
//!
//! A learned second layer in place of the average (weights over the gates' outputs, one set
//! or sets chosen by the match state, the bit's position or the previous byte, learning at
//! several rates) was measured with codec 11 at level 9 on the seven small corpus files that
//! paq8px finishes: 0.16 % smaller at best, not worth its cost. Codec 20 found the one that
//! pays, a final mixer per gate ([`FinalMixers`]), once the weight sets settled
//! ([`WarmUp::Settling`]) and the records' new bytes gave the gates more to tell apart:
//! 0.66 % smaller on the eight files paq8px finishes. Nor did these pay, on the same
//! files: an input p − ½ beside each order's and word's stretched one (no change once
//! scaled down; 0.6 % larger at full scale), and, before codec 12, a warm-up of the whole
//! mixer halving after 2^12 or 2^16 updates instead of 2^14 (0.1 % and 0.03 % larger).

use super::ANY;
use super::logistic::{STRETCH_LIMIT, squash};

/// The most inputs a mixer takes: level 9 has 79.
const MAX_INPUTS: usize = 80;
/// The inputs' storage: a power of two, so that a slot's index is masked into it rather
/// than checked against its length (a dozen adds a bit, at every level).
const INPUT_SLOTS: usize = MAX_INPUTS.next_power_of_two();
/// The most gates a mixer has.
pub(crate) const MAX_GATES: usize = 7;
/// Inputs and weight sets are stored in whole vectors of this many lanes, padded with
/// inputs that stay 0 (so their weights never move and add nothing): the loops over them
/// then run without remainders.
pub(crate) const LANES: usize = 8;

/// The weight sets of each final mixer ([`FinalMixers`]): its context is masked to this.
const FINAL_SETS: usize = 1 << 12;
/// The final mixers' learning rate, in the units of the mixer's (half its usual 6).
const FINAL_RATE: i32 = 3;
// A final mixer's weights over the gates are one vector.
const _: () = assert!(MAX_GATES <= LANES);

/// The second layer of a mixer (codec 20, levels 6–9): for each gate a final mixer, whose
/// inputs are the gates' predictions (stretched) and whose weights are chosen by that
/// gate's context without the partial byte (the miss history and match state, the
/// previous byte, the classes of the last bytes, ...). The mixer's prediction is the final
/// mixers' average, in place of the gates'.
///
/// The gates' average trusts every gate alike; a final mixer learns which gate has been
/// right in the situation at hand: after a miss, inside a long match, after a run of
/// digits. The eight corpus files that paq8px finishes came out 0.7 % smaller at level 9
/// (kennedy.xls 4.6 %, sum 3.0 %, lcet10.txt 0.2 %). One final mixer alone in place of the
/// average (codec 11) gained 0.16 % on the seven small corpus files and lost on text;
/// two, by the first and the last gates' contexts, beside the average, 0.5 %.
struct FinalMixers {
    /// One group of [`FINAL_SETS`] sets of weights per gate, in 16.16 fixed point, each set a
    /// vector of [`LANES`] (at least [`MAX_GATES`]) so that [`exact_dot`] serves here too.
    weights: Vec<i32>,
    /// The gates' predictions for the current bit, stretched, then zeros.
    gate_outputs: [i32; LANES],
    /// Where each final mixer's chosen set starts in `weights`, and its prediction (12 bits).
    chosen: [(usize, i32); MAX_GATES],
}

impl FinalMixers {
    fn new(gates: usize) -> FinalMixers {
        FinalMixers {
            weights: vec![(1 << 16) / gates as i32; gates * FINAL_SETS * LANES],
            gate_outputs: [0; LANES],
            chosen: [(0, 2048); MAX_GATES],
        }
    }

    /// The sum of the final mixers' predictions (stretched), with `sets` the sets the gates
    /// chose.
    #[inline(always)]
    fn mix(&mut self, sets: &[usize]) -> i32 {
        let mut sum = 0;
        for (gate, (&set, chosen)) in sets.iter().zip(&mut self.chosen).enumerate() {
            let start = (gate * FINAL_SETS + (set >> 8) % FINAL_SETS) * LANES;
            let output = stretched_sum(exact_dot(&self.gate_outputs, &self.weights[start..start + LANES]));
            *chosen = (start, squash(output));
            sum += output;
        }
        sum
    }

    /// Moves the chosen sets' weights toward `bit`.
    #[inline(always)]
    fn update(&mut self, bit: u32, gates: usize) {
        for &(start, p) in &self.chosen[..gates] {
            let step = (((bit as i32) << 12) - p) * FINAL_RATE;
            for (w, &x) in self.weights[start..start + gates].iter_mut().zip(&self.gate_outputs) {
                *w += (x * step) >> 14;
            }
        }
    }
}

/// A bit's inputs being written: a borrowed view of the mixer's, filled in order. Every
/// bit must write all of them (the mixer reads whatever a skipped one held last).
pub(crate) struct Inputs<'a> {
    slots: &'a mut [i32; INPUT_SLOTS],
    width: usize,
    count: usize,
}

impl Inputs<'_> {
    #[inline(always)]
    pub(crate) fn add(&mut self, input: i32) {
        debug_assert!(self.count < self.width, "no more inputs than the mixer's width");
        // Within the array whatever the count, so the store needs no bounds check.
        self.slots[self.count % INPUT_SLOTS] = input;
        self.count += 1;
    }
}

impl Drop for Inputs<'_> {
    fn drop(&mut self) {
        debug_assert_eq!(self.count, self.width, "every input written");
    }
}

/// A whole vector's worth of values, copied out of `chunk` (which holds exactly that many).
#[inline(always)]
fn lanes(chunk: &[i32]) -> [i32; LANES] {
    chunk.try_into().expect("chunks of whole vectors")
}

/// A gated mixer. `VECTORS` is its weight sets' length in vectors of [`LANES`] where that is
/// fixed when the code is compiled, or [`ANY`]: for a dozen inputs, loops of a length known
/// only at run time cost as much in set-up and remainders as their work, so the engine
/// compiles its predictor for the widths of the level table.
pub(crate) struct Mixer<const VECTORS: usize> {
    /// This bit's inputs, then zeros up to `stride`.
    inputs: [i32; INPUT_SLOTS],
    /// Weights less their common starting value, so that new weight sets are zeroed memory.
    weights: Vec<i32>,
    initial: i32,
    width: usize,
    /// `width` rounded up to whole vectors: where one weight set ends and the next begins.
    stride: usize,
    /// The number of each gate's first weight set among all the gates' sets, which lie one
    /// after another: set n starts at n·`stride` in `weights`.
    first_sets: [usize; MAX_GATES],
    gates: usize,
    /// The weight set each gate selected for the current bit (its number among all the
    /// gates' sets), and its prediction.
    selected: [(usize, i32); MAX_GATES],
    rate: i32,
    warm_up: WarmUp,
    /// The rate the next updates use, and how many updates there have been
    /// ([`WarmUp::Mixer`]).
    current_rate: i32,
    updates: u32,
    /// How many times each weight set has learnt, up to the count at which its extra rate
    /// is 0 ([`WarmUp::EachSet`]; empty otherwise).
    set_updates: Vec<u16>,
    /// The extra rate of a set by how many times it has learnt, until it reaches 0
    /// ([`WarmUp::EachSet`]; empty otherwise).
    set_boosts: Vec<i32>,
    /// Whether the dot products are summed in 32 bits ([`narrow_dot`], codec 16) rather than
    /// exactly ([`exact_dot`]).
    narrow: bool,
    /// The second layer, where the mixer has one ([`Mixer::with_final_mixers`]).
    finals: Option<Box<FinalMixers>>,
}

/// A dot product of stretched inputs and 16.16 weights as a stretched prediction: its
/// integer part, within ±[`STRETCH_LIMIT`].
#[inline(always)]
fn stretched_sum(dot: i64) -> i32 {
    (dot >> 16).clamp(-i64::from(STRETCH_LIMIT), i64::from(STRETCH_LIMIT)) as i32
}

/// Σ xᵢ·wᵢ, exactly.
#[inline(always)]
fn exact_dot(inputs: &[i32], weights: &[i32]) -> i64 {
    let mut dot = 0;
    for (x, w) in inputs.chunks_exact(LANES).zip(weights.chunks_exact(LANES)) {
        let (x, w) = (lanes(x), lanes(w));
        dot += (0..LANES).map(|lane| i64::from(x[lane]) * i64::from(w[lane])).sum::<i64>();
    }
    dot
}

/// Σ xᵢ·wᵢ with each product's low 8 bits dropped, summed in 32 bits: twice the lanes of
/// [`exact_dot`] per instruction. The sum is off by less than one unit in 256 per input, a
/// third of a unit of the stretched domain at most once shifted down. A product wraps where
/// a weight reaches ±16 (2^20 in 16.16 fixed point), deterministically, as every step here
/// does, so a decoder follows an encoder even then.
#[inline(always)]
fn narrow_dot(inputs: &[i32], weights: &[i32]) -> i64 {
    let mut sums = [0i32; LANES];
    for (x, w) in inputs.chunks_exact(LANES).zip(weights.chunks_exact(LANES)) {
        let (x, w) = (lanes(x), lanes(w));
        for lane in 0..LANES {
            sums[lane] = sums[lane].wrapping_add(x[lane].wrapping_mul(w[lane]) >> 8);
        }
    }
    i64::from(sums.iter().fold(0i32, |sum, &lane| sum.wrapping_add(lane))) << 8
}

/// How a mixer learns faster at first, so that its weights find their level before a small
/// input is over, and then settles to its rate r.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WarmUp {
    /// Never: always at r.
    Never,
    /// The whole mixer, at r + ⌊3r·h / (h + u)⌋ after u updates, h = 2^14, recomputed every
    /// h/64 updates (levels 6–9, codecs 7–11).
    Mixer,
    /// Each weight set by itself, at r + ⌊3r·64 / (64 + n)⌋ where the set has learnt n times
    /// before (codec 12). A gate keyed by the previous byte or the word has tens of thousands
    /// of sets, most of them met seldom; each starts fast when first met, however late in
    /// the input. The seven small corpus files came out 0.3 % smaller at level 9 than with
    /// the whole-mixer warm-up, and 0.6 % at level 2 than with none.
    EachSet,
    /// Each weight set warms up as in [`WarmUp::EachSet`] and then settles below r, at
    /// r + ⌊3r·64 / (64 + n)⌋ − round(d·n / (n + h)) with d = [`SETTLED_DROP`] and h =
    /// [`SETTLING_HALF_WAY`] (codec 20, levels 6–9): a set chosen thousands of times has
    /// seen enough to average its errors over longer. At r = 6 the rate ends at 2, after
    /// 7h updates. kennedy.xls at level 9 came out 4.9 % smaller, the text files 0.1–0.2 %.
    Settling,
}

impl WarmUp {
    /// Whether each weight set counts its updates, to warm up and settle by itself.
    pub(crate) fn counts_each_set(self) -> bool {
        matches!(self, WarmUp::EachSet | WarmUp::Settling)
    }
}

/// How far below its rate a set settles ([`WarmUp::Settling`]), in units of the rate.
const SETTLED_DROP: i32 = 4;
/// A set's updates after which it has settled half of [`SETTLED_DROP`] ([`WarmUp::Settling`]).
const SETTLING_HALF_WAY: i32 = 2048;

/// Updates after which a warming-up mixer's extra rate has halved ([`WarmUp::Mixer`]).
const WARM_UP_HALF_LIFE: u32 = 1 << 14;
/// Updates after which a weight set's extra rate has halved ([`WarmUp::EachSet`]).
const SET_WARM_UP_HALF_LIFE: i32 = 64;

impl<const VECTORS: usize> Mixer<VECTORS> {
    /// A mixer of `width` inputs with one group of weight sets per gate (`gate_sets[g]` sets
    /// for gate g), learning at `rate` (see the module text; kolm uses 6) after its
    /// `warm_up`. Each gate's chosen set makes a prediction; the mixer's is their average in
    /// the stretched domain.
    pub(crate) fn new(width: usize, gate_sets: &[usize], rate: i32, warm_up: WarmUp) -> Mixer<VECTORS> {
        assert!(width <= MAX_INPUTS && (1..=MAX_GATES).contains(&gate_sets.len()));
        // Start by averaging, slightly trusting every model.
        let initial = (1 << 16) * 3 / (width as i32 * 2).max(1);
        let stride = width.next_multiple_of(LANES);
        assert!(VECTORS == ANY || VECTORS * LANES == stride, "a mixer compiled for its width");
        let mut first_sets = [0; MAX_GATES];
        let mut total_sets = 0;
        for (first_set, &sets) in first_sets.iter_mut().zip(gate_sets) {
            *first_set = total_sets;
            total_sets += sets;
        }
        let settles = warm_up == WarmUp::Settling;
        // The count from which a set's extra rate stays as it is: 0 once warmed up; with
        // settling, −SETTLED_DROP once d·n / (n + h) rounds to d, at n = (2d − 1)·h.
        let warmed_up = 3 * rate * SET_WARM_UP_HALF_LIFE - SET_WARM_UP_HALF_LIFE + 1;
        let settled = if settles { (2 * SETTLED_DROP - 1) * SETTLING_HALF_WAY } else { 0 };
        let boosts_end = warmed_up.max(settled) as usize;
        let each_set = warm_up.counts_each_set();
        assert!(!each_set || boosts_end <= usize::from(u16::MAX), "a set's count fits 16 bits");
        let boost = |n: i32| {
            let warming = 3 * rate * SET_WARM_UP_HALF_LIFE / (SET_WARM_UP_HALF_LIFE + n);
            let settling = if settles {
                (2 * SETTLED_DROP * n + n + SETTLING_HALF_WAY) / (2 * (n + SETTLING_HALF_WAY))
            } else {
                0
            };
            warming - settling
        };
        Mixer {
            inputs: [0; INPUT_SLOTS],
            weights: super::memory::zeroed_table(total_sets * stride),
            initial,
            width,
            stride,
            first_sets,
            gates: gate_sets.len(),
            selected: [(0, 0); MAX_GATES],
            rate,
            warm_up,
            current_rate: if warm_up == WarmUp::Mixer { 4 * rate } else { rate },
            updates: 0,
            set_updates: if each_set { super::memory::zeroed_table(total_sets) } else { Vec::new() },
            set_boosts: if each_set { (0..=boosts_end as i32).map(boost).collect() } else { Vec::new() },
            narrow: false,
            finals: None,
        }
    }

    /// The mixer, with [`FinalMixers`] in place of its gates' average if `finals`.
    pub(crate) fn with_final_mixers(self, finals: bool) -> Mixer<VECTORS> {
        let finals = finals.then(|| Box::new(FinalMixers::new(self.gates)));
        Mixer { finals, ..self }
    }

    /// Bytes of the final mixers' weights for `gates` gates ([`Mixer::with_final_mixers`]).
    pub(crate) fn final_mixer_bytes(gates: usize) -> u64 {
        (gates * FINAL_SETS * LANES * size_of::<i32>()) as u64
    }

    /// The mixer, summing its dot products in 32 bits if `narrow` ([`narrow_dot`]).
    pub(crate) fn summing_narrow(self, narrow: bool) -> Mixer<VECTORS> {
        Mixer { narrow, ..self }
    }

    /// Where one weight set ends and the next begins: a constant where the code was
    /// compiled for the mixer's width.
    #[inline(always)]
    fn stride(&self) -> usize {
        if VECTORS == ANY { self.stride } else { VECTORS * LANES }
    }

    /// Where this bit's inputs are written, in the order of the weights.
    #[inline(always)]
    pub(crate) fn inputs(&mut self) -> Inputs<'_> {
        Inputs { slots: &mut self.inputs, width: self.width, count: 0 }
    }

    #[cfg(test)]
    fn add_all(&mut self, inputs: &[i32]) {
        self.inputs[..inputs.len()].copy_from_slice(inputs);
    }

    /// The mixed prediction in the stretched domain (within ±[`STRETCH_LIMIT`]; `squash` of
    /// it is the 12-bit probability), with `sets[g]` the weight set gate g selects.
    #[inline(always)]
    pub(crate) fn mix(&mut self, sets: &[usize]) -> i32 {
        // Chosen once, so that each gate's loop is the one product's alone.
        if self.narrow { self.mix_by(sets, narrow_dot) } else { self.mix_by(sets, exact_dot) }
    }

    /// [`Mixer::mix`] with `dot` for the dot products.
    #[inline(always)]
    fn mix_by(&mut self, sets: &[usize], dot: impl Fn(&[i32], &[i32]) -> i64) -> i32 {
        debug_assert_eq!(sets.len(), self.gates);
        let inputs = &self.inputs[..self.stride()];
        // At most 80 inputs of ±2047: their sum fits 32 bits, and sums faster there.
        let baseline = i64::from(self.initial) * i64::from(inputs.iter().sum::<i32>());
        let mut sum = 0;
        for (gate, (&first_set, &set)) in self.first_sets.iter().zip(sets).enumerate() {
            let set = first_set + set;
            let start = set * self.stride();
            let weights = &self.weights[start..start + self.stride()];
            let x = stretched_sum(baseline + dot(inputs, weights));
            self.selected[gate] = (set, squash(x));
            if let Some(finals) = &mut self.finals {
                finals.gate_outputs[gate] = x;
            }
            sum += x;
        }
        if let Some(finals) = &mut self.finals {
            sum = finals.mix(sets);
        }
        // The average of the gates' predictions, or of the final mixers'. Divisions by
        // constants are shifts; a division by a number unknown here would cost as much as
        // the rest of the mix.
        match self.gates {
            1 => sum,
            2 => sum / 2,
            3 => sum / 3,
            4 => sum / 4,
            5 => sum / 5,
            6 => sum / 6,
            _ => sum / 7,
        }
    }

    /// Bytes of weights and of the sets' counts.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.weights.len() * 4 + self.set_updates.len() * size_of::<u16>()
    }

    /// Bytes of weights of a mixer of `width` inputs with `gate_sets` sets per gate.
    pub(crate) fn weight_bytes(width: usize, gate_sets: &[usize]) -> u64 {
        (gate_sets.iter().sum::<usize>() * width.next_multiple_of(LANES) * 4) as u64
    }

    /// Bytes of the weight sets' counts of a mixer with `gate_sets` sets per gate that warms
    /// up each set ([`WarmUp::EachSet`]).
    pub(crate) fn set_count_bytes(gate_sets: &[usize]) -> u64 {
        (gate_sets.iter().sum::<usize>() * size_of::<u16>()) as u64
    }

    /// Starts loading weight set `set` of gate `gate`, which a coming bit will select.
    #[inline(always)]
    pub(crate) fn prefetch(&self, gate: usize, set: usize) {
        let set = self.first_sets[gate] + set;
        let start = set * self.stride();
        super::prefetch(&self.weights, start);
        super::prefetch(&self.weights, start + self.stride() - 1);
        if self.warm_up.counts_each_set() {
            super::prefetch(&self.set_updates, set);
        }
    }

    /// Moves the selected sets' weights toward `bit`, at half the rate where `slowly`.
    #[inline(always)]
    pub(crate) fn update(&mut self, bit: u32, slowly: bool) {
        if self.warm_up == WarmUp::Mixer {
            self.updates = self.updates.saturating_add(1);
            if self.updates.is_multiple_of(WARM_UP_HALF_LIFE / 64) {
                let (half_life, updates) = (i64::from(WARM_UP_HALF_LIFE), i64::from(self.updates));
                self.current_rate = self.rate + (i64::from(3 * self.rate) * half_life / (half_life + updates)) as i32;
            }
        }
        if let Some(finals) = &mut self.finals {
            finals.update(bit, self.gates);
        }
        let stride = self.stride();
        let inputs = &self.inputs[..stride];
        for &(set, p) in &self.selected[..self.gates] {
            let mut rate = self.current_rate;
            if self.warm_up.counts_each_set() {
                let learnt = &mut self.set_updates[set];
                rate += self.set_boosts[usize::from(*learnt)];
                *learnt += u16::from(usize::from(*learnt) + 1 < self.set_boosts.len());
            }
            let rate = if slowly { (rate + 1) >> 1 } else { rate };
            let step = (((bit as i32) << 12) - p) * rate;
            let weights = &mut self.weights[set * stride..(set + 1) * stride];
            for (w, x) in weights.chunks_exact_mut(LANES).zip(inputs.chunks_exact(LANES)) {
                // Loaded and stored whole, so that the compiler need not fear that the
                // weights and the inputs overlap, and works on them a vector at a time.
                let (mut moved, x) = (lanes(w), lanes(x));
                for lane in 0..LANES {
                    moved[lane] += (x[lane] * step) >> 14;
                }
                w.copy_from_slice(&moved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cm::logistic::stretch;

    #[test]
    fn narrow_dot_products_are_within_a_unit_per_input_of_the_exact_ones() {
        let mut state = 7u32;
        let mut next = |range: i32| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 8) as i32 % (2 * range + 1) - range
        };
        for _ in 0..1000 {
            let inputs: Vec<i32> = (0..80).map(|_| next(2047)).collect();
            // Weights of up to ±8 in 16.16 fixed point, twice what a learnt weight reaches.
            let weights: Vec<i32> = (0..80).map(|_| next(8 << 16)).collect();
            let (exact, narrow) = (exact_dot(&inputs, &weights), narrow_dot(&inputs, &weights));
            // Each product loses under 2^8; the mixer shifts the sum down by 2^16.
            assert!(narrow <= exact && exact - narrow < 80 << 8, "{exact} vs {narrow}");
        }
    }

    #[test]
    fn learns_to_trust_the_model_that_is_right() {
        let mut mixer = Mixer::<ANY>::new(2, &[1], 96, WarmUp::Never);
        // Input 0 is always right and confident; input 1 is noise.
        let mut cost = 0.0;
        for i in 0..4000u32 {
            let bit = (i * 7 / 3) & 1;
            mixer.add_all(&[if bit == 1 { 600 } else { -600 }, if i % 3 == 0 { 900 } else { -900 }]);
            let p = squash(mixer.mix(&[0]));
            if i >= 3000 {
                let p1 = f64::from(p) / 4096.0;
                cost -= if bit == 1 { p1.log2() } else { (1.0 - p1).log2() };
            }
            mixer.update(bit, false);
        }
        assert!(cost / 1000.0 < 0.05, "{} bits per bit", cost / 1000.0);
        assert!(stretch(2048).abs() < 2);
    }

    /// Codes `bits` bits in which input 0 is right `right_in_four` times in four but says so
    /// with only `strength` (a faint 60: its weight must grow far from where it starts), and
    /// input 1 is noise, all with weight set `set`; returns their cost in bits.
    fn signal_cost(mixer: &mut Mixer<ANY>, set: usize, bits: usize, right_in_four: u32, strength: i32) -> f64 {
        let mut state = 1u32;
        let mut cost = 0.0;
        for _ in 0..bits {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let bit = (state >> 16) & 1;
            let said = if (state >> 20) & 3 >= right_in_four { 1 - bit } else { bit };
            mixer.add_all(&[if said == 1 { strength } else { -strength }, (state >> 8 & 0x3FF) as i32 - 512]);
            let p = f64::from(squash(mixer.mix(&[set]))) / 4096.0;
            cost -= if bit == 1 { p.log2() } else { (1.0 - p).log2() };
            mixer.update(bit, false);
        }
        cost
    }

    #[test]
    fn warming_up_learns_a_short_input_sooner_and_then_settles() {
        let cost = |warm_up| {
            let mut mixer = Mixer::<ANY>::new(2, &[1], 6, warm_up);
            (signal_cost(&mut mixer, 0, 3000, 3, 60), mixer.current_rate)
        };
        let ((warm, rate), (cold, _)) = (cost(WarmUp::Mixer), cost(WarmUp::Never));
        assert!(warm < cold * 0.99, "{warm} against {cold} bits");
        assert!(rate > 6 && rate < 24, "the extra rate falls: {rate}");
    }

    #[test]
    fn each_set_warms_up_when_first_met_however_late() {
        const LATE_BITS: usize = 300;
        // Set 1 is met only after set 0 has learnt for a long while: by then the whole
        // mixer's warm-up is over, but set 1's own is not.
        let late_cost = |warm_up| {
            let mut mixer = Mixer::<ANY>::new(2, &[2], 6, warm_up);
            signal_cost(&mut mixer, 0, 200_000, 3, 60);
            let cost = signal_cost(&mut mixer, 1, LATE_BITS, 4, 400);
            (cost, mixer)
        };
        let ((each_set, mixer), (whole, _)) = (late_cost(WarmUp::EachSet), late_cost(WarmUp::Mixer));
        assert!(each_set < whole * 0.98, "{each_set} against {whole} bits");
        // A set that has learnt long enough learns at the plain rate, and its count stops.
        let boosts_end = mixer.set_boosts.len() - 1;
        assert_eq!((mixer.set_boosts[boosts_end], mixer.set_boosts[boosts_end - 1]), (0, 1));
        assert_eq!(usize::from(mixer.set_updates[0]), boosts_end);
        assert_eq!(usize::from(mixer.set_updates[1]), LATE_BITS);
    }

    #[test]
    fn a_set_that_has_learnt_long_settles_below_the_rate() {
        let mut mixer = Mixer::<ANY>::new(2, &[1], 6, WarmUp::Settling);
        let boosts = &mixer.set_boosts;
        // Four times the rate at first, falling without a rise to a third of it.
        assert_eq!((boosts[0], *boosts.last().unwrap()), (18, -SETTLED_DROP));
        assert!(boosts.windows(2).all(|pair| pair[1] <= pair[0]));
        assert_eq!(boosts[boosts.len() - 2], 1 - SETTLED_DROP);
        // A set settles on a steady signal, where a lower rate is worth more than the warm-up.
        let settled_cost = signal_cost(&mut mixer, 0, 40_000, 3, 400);
        let mut plain = Mixer::<ANY>::new(2, &[1], 6, WarmUp::EachSet);
        let plain_cost = signal_cost(&mut plain, 0, 40_000, 3, 400);
        assert!(settled_cost < plain_cost, "{settled_cost} against {plain_cost} bits");
        assert_eq!(usize::from(mixer.set_updates[0]), mixer.set_boosts.len() - 1);
    }

    #[test]
    fn final_mixers_learn_which_gate_to_trust() {
        // Input 0 tells the bit in one situation and input 1 in the other. Gate 0 knows the
        // situation (its context, above the partial byte's eight bits); gate 1 does not.
        let cost = |finals| {
            let mut mixer = Mixer::<ANY>::new(2, &[512, 1], 6, WarmUp::Never).with_final_mixers(finals);
            let (mut state, mut cost) = (7u32, 0.0);
            for _ in 0..20_000 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let (bit, situation) = ((state >> 16) & 1, (state >> 17) & 1);
                let told = if (state >> 20) & 7 == 0 { 1 - bit } else { bit };
                let signal = if told == 1 { 300 } else { -300 };
                let noise = (state >> 4 & 0x1FF) as i32 - 256;
                mixer.add_all(&if situation == 0 { [signal, noise] } else { [noise, signal] });
                let p = f64::from(squash(mixer.mix(&[(situation as usize) << 8, 0]))) / 4096.0;
                cost -= if bit == 1 { p.log2() } else { (1.0 - p).log2() };
                mixer.update(bit, false);
            }
            cost
        };
        let (with, without) = (cost(true), cost(false));
        assert!(with < without * 0.985, "{with} bits with final mixers, {without} without");
    }

    #[test]
    fn weight_sets_are_separate() {
        let mut mixer = Mixer::<ANY>::new(1, &[2], 96, WarmUp::Never);
        for _ in 0..500 {
            mixer.add_all(&[500]);
            mixer.mix(&[0]);
            mixer.update(1, false);
            mixer.add_all(&[500]);
            mixer.mix(&[1]);
            mixer.update(0, false);
        }
        mixer.add_all(&[500]);
        assert!(squash(mixer.mix(&[0])) > 3500);
        mixer.add_all(&[500]);
        assert!(squash(mixer.mix(&[1])) < 600);
    }
}
