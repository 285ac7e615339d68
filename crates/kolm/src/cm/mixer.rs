//! The mixer: a gated logistic regression that turns the models' opinions into one.
//!
//! Each model contributes a stretched probability xᵢ (±2047, units of 1/256). The mixer's
//! output is `squash(Σ wᵢ·xᵢ)`, with weights in 16.16 fixed point chosen from a *weight set*
//! picked by a small context (the gate), so that, say, the weights used when a long match is
//! active differ from those used without one. After the bit y is known every weight of the set
//! moves along the gradient of the coding cost: `wᵢ += xᵢ·(y − p)·rate / 2^14`, with the
//! error y − p in 1/4096ths. Several gates can each pick a set; their predictions are averaged
//! in the stretched domain and each set learns from its own error. All integer, so identical
//! everywhere.

use super::logistic::{STRETCH_LIMIT, squash};

pub(crate) struct Mixer {
    inputs: Vec<i32>,
    /// Weights less their common starting value, so that new weight sets are zeroed memory.
    weights: Vec<i32>,
    initial: i32,
    width: usize,
    /// Start of each gate's weight region in `weights`.
    regions: Vec<usize>,
    /// The weight set each gate selected for the current bit, and its prediction.
    selected: Vec<(usize, i32)>,
    rate: i32,
}

impl Mixer {
    /// A mixer of `width` inputs with one group of weight sets per gate (`gate_sets[g]` sets
    /// for gate g), learning at `rate` (see the module text; kolm uses 6). Each gate's chosen
    /// set makes a prediction; the mixer's is their average in the stretched domain.
    pub(crate) fn new(width: usize, gate_sets: &[usize], rate: i32) -> Mixer {
        // Start by averaging, slightly trusting every model.
        let initial = (1 << 16) * 3 / (width as i32 * 2).max(1);
        let mut regions = Vec::new();
        let mut total = 0;
        for &sets in gate_sets {
            regions.push(total);
            total += sets * width;
        }
        Mixer {
            inputs: Vec::with_capacity(width),
            weights: super::memory::zeroed_table(total),
            initial,
            width,
            regions,
            selected: Vec::with_capacity(gate_sets.len()),
            rate,
        }
    }

    #[inline(always)]
    pub(crate) fn add(&mut self, input: i32) {
        debug_assert!(self.inputs.len() < self.width);
        self.inputs.push(input);
    }

    /// The mixed 12-bit probability, with `sets[g]` the weight set gate g selects.
    #[inline(always)]
    pub(crate) fn mix(&mut self, sets: &[usize]) -> i32 {
        debug_assert_eq!(self.inputs.len(), self.width);
        debug_assert_eq!(sets.len(), self.regions.len());
        self.selected.clear();
        let mut sum = 0;
        let baseline = i64::from(self.initial) * self.inputs.iter().map(|&x| i64::from(x)).sum::<i64>();
        for (&region, &set) in self.regions.iter().zip(sets) {
            let start = region + set * self.width;
            let weights = &self.weights[start..start + self.width];
            let dot =
                baseline + self.inputs.iter().zip(weights).map(|(&x, &w)| i64::from(x) * i64::from(w)).sum::<i64>();
            let x = (dot >> 16).clamp(-i64::from(STRETCH_LIMIT), i64::from(STRETCH_LIMIT)) as i32;
            self.selected.push((start, squash(x)));
            sum += x;
        }
        // One gate needs no average (and a division costs as much as the rest of the mix).
        squash(if self.regions.len() == 1 { sum } else { sum / self.regions.len() as i32 })
    }

    /// Starts loading weight set `set` of gate `gate`, which a coming bit will select.
    #[inline(always)]
    pub(crate) fn prefetch(&self, gate: usize, set: usize) {
        let start = self.regions[gate] + set * self.width;
        super::prefetch(&self.weights[start]);
        super::prefetch(&self.weights[start + self.width - 1]);
    }

    #[inline(always)]
    pub(crate) fn update(&mut self, bit: u32) {
        for &(start, p) in &self.selected {
            let step = (((bit as i32) << 12) - p) * self.rate;
            let weights = &mut self.weights[start..start + self.width];
            for (weight, &input) in weights.iter_mut().zip(&self.inputs) {
                *weight += (input * step) >> 14;
            }
        }
        self.inputs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cm::logistic::stretch;

    #[test]
    fn learns_to_trust_the_model_that_is_right() {
        let mut mixer = Mixer::new(2, &[1], 96);
        // Input 0 is always right and confident; input 1 is noise.
        let mut cost = 0.0;
        for i in 0..4000u32 {
            let bit = (i * 7 / 3) & 1;
            mixer.add(if bit == 1 { 600 } else { -600 });
            mixer.add(if i % 3 == 0 { 900 } else { -900 });
            let p = mixer.mix(&[0]);
            if i >= 3000 {
                let p1 = f64::from(p) / 4096.0;
                cost -= if bit == 1 { p1.log2() } else { (1.0 - p1).log2() };
            }
            mixer.update(bit);
        }
        assert!(cost / 1000.0 < 0.05, "{} bits per bit", cost / 1000.0);
        assert!(stretch(2048).abs() < 2);
    }

    #[test]
    fn weight_sets_are_separate() {
        let mut mixer = Mixer::new(1, &[2], 96);
        for _ in 0..500 {
            mixer.add(500);
            mixer.mix(&[0]);
            mixer.update(1);
            mixer.add(500);
            mixer.mix(&[1]);
            mixer.update(0);
        }
        mixer.add(500);
        assert!(mixer.mix(&[0]) > 3500);
        mixer.inputs.clear();
        mixer.add(500);
        assert!(mixer.mix(&[1]) < 600);
    }
}
