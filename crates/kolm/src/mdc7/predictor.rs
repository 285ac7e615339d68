//! The MDC7 model path: one `predict`/`update` pair that encoder and decoder both drive.
//!
//! For each byte: PPM gives a 256-way distribution; the match, word and high-order models
//! each mix their own prediction in linearly with a weight set by their confidence (match
//! `0.85·c` on one byte, word `0.35·c`, high-order `2·c` capped at 0.6), every blend
//! followed by a clamp to 10⁻¹⁰ and a renormalisation; Tweedie calibration rewrites the
//! result; and the probabilities are quantised to integer frequencies at a scale of 2^14
//! (each at least 1; see [`super::Model`] for the repaired variant). After the byte is
//! known every model learns it.
//!
//! The floating-point operations happen in exactly the reference's order — sums over the
//! 256 symbols left to right, products in the same association — because the quantised
//! frequencies must agree to the last unit with the C program built without FMA.
//!
//! Context keys (FNV hashes of the last 1–8, 12 and 16 bytes) are computed once per byte
//! and shared: the reference hashes the same contexts separately in PPM, the match model
//! and the high-order model, for prediction and again for the update.

use super::Model;
use super::coder::{self, ByteSource, DecodeError, Frequencies};
use super::fastmath::fnv_hash;
use super::highctx::{self, HighOrderModel};
use super::matcher::{self, Matcher};
use super::ppm::{self, Ppm};
use super::tweedie::Tweedie;
use super::word::WordModel;

/// Context lengths whose keys some model uses.
const KEYED_LENGTHS: [usize; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16];

/// The key of the empty context (PPM order 0).
const EMPTY_CONTEXT_KEY: u64 = 1;

/// Keys of the contexts ending at the current position, by context length.
struct ContextKeys {
    by_length: [Option<u64>; 17],
}

impl ContextKeys {
    fn of(history: &[u8]) -> Self {
        let mut by_length = [None; 17];
        by_length[0] = Some(EMPTY_CONTEXT_KEY);
        for length in KEYED_LENGTHS {
            if let Some(start) = history.len().checked_sub(length) {
                by_length[length] = Some(fnv_hash(&history[start..]));
            }
        }
        ContextKeys { by_length }
    }

    fn ppm(&self) -> [Option<u64>; ppm::MAX_ORDER + 1] {
        std::array::from_fn(|order| self.by_length[order])
    }

    fn matcher(&self) -> [Option<u64>; 5] {
        matcher::CONTEXT_LENGTHS.map(|length| self.by_length[length])
    }

    fn high_order(&self) -> [Option<u64>; highctx::MAX_ORDER - highctx::MIN_ORDER + 1] {
        std::array::from_fn(|i| self.by_length[highctx::MIN_ORDER + i])
    }
}

pub(crate) struct Predictor {
    history: Vec<u8>,
    keys: ContextKeys,
    ppm: Ppm,
    matcher: Option<Matcher>,
    word: Option<WordModel>,
    high_order: Option<HighOrderModel>,
    tweedie: Option<Tweedie>,
    probs: [f64; 256],
    high_order_probs: [f64; 256],
    frequencies: Frequencies,
    /// The frequency scale, 2^scale_bits.
    scale: f64,
}

impl Predictor {
    pub(crate) fn new(model: Model) -> Self {
        let stages = model.stages;
        Predictor {
            history: Vec::new(),
            keys: ContextKeys::of(&[]),
            ppm: Ppm::new(),
            matcher: stages.matcher.then(Matcher::new),
            word: stages.word.then(WordModel::new),
            high_order: stages.high_order.then(HighOrderModel::new),
            tweedie: stages.tweedie.then(|| Tweedie::new(model.per_step_shape)),
            probs: [0.0; 256],
            high_order_probs: [0.0; 256],
            frequencies: Frequencies::new(),
            scale: f64::from(1u32 << model.scale_bits),
        }
    }

    /// The coding frequencies for the next byte.
    pub(crate) fn predict(&mut self) -> &Frequencies {
        let probs = &mut self.probs;
        let ppm = self.ppm.predict(&self.keys.ppm(), probs);
        clamp_normalize(probs);

        if let Some(matcher) = &mut self.matcher
            && let Some(prediction) = matcher.predict(&self.history, &self.keys.matcher())
        {
            let weight = (prediction.confidence * 0.85).min(0.95);
            probs.iter_mut().for_each(|p| *p *= 1.0 - weight);
            probs[usize::from(prediction.byte)] += weight;
            clamp_normalize(probs);
        }
        if let Some(word) = &mut self.word
            && let Some((word_probs, confidence)) = word.predict()
            && confidence >= 0.01
        {
            blend(probs, word_probs, (confidence * 0.35).min(0.45));
        }
        if let Some(high_order) = &self.high_order
            && let Some(confidence) = high_order.predict(&self.keys.high_order(), &mut self.high_order_probs)
            && confidence >= 0.01
        {
            blend(probs, &self.high_order_probs, (confidence * 2.0).min(0.60));
        }
        if let Some(tweedie) = &mut self.tweedie {
            tweedie.denoise(probs, ppm.order, ppm.confidence);
            clamp_normalize(probs);
        }

        let cumulative = &mut self.frequencies.cumulative;
        for (s, &p) in probs.iter().enumerate() {
            let frequency = ((p * self.scale + 0.5) as i64).max(1);
            cumulative[s + 1] = cumulative[s] + frequency as u32;
        }
        &self.frequencies
    }

    /// Codes `byte`: predict, encode, learn.
    pub(crate) fn encode(&mut self, coder: &mut coder::Encoder, byte: u8) {
        coder.encode(self.predict(), byte);
        self.update(byte);
    }

    /// Recovers the next byte: predict, decode, learn.
    pub(crate) fn decode<S: ByteSource>(&mut self, coder: &mut coder::Decoder<S>) -> Result<u8, DecodeError> {
        let byte = coder.decode(self.predict())?;
        self.update(byte);
        Ok(byte)
    }

    /// Teaches every model that the byte just predicted was `byte`.
    pub(crate) fn update(&mut self, byte: u8) {
        if let Some(tweedie) = &mut self.tweedie {
            tweedie.update(byte);
        }
        if let Some(matcher) = &mut self.matcher {
            matcher.update(&self.history, &self.keys.matcher(), byte);
        }
        if let Some(word) = &mut self.word {
            word.update(byte);
        }
        if let Some(high_order) = &mut self.high_order {
            high_order.update(&self.keys.high_order(), byte);
        }
        self.ppm.update(&self.keys.ppm(), byte);
        self.history.push(byte);
        self.keys = ContextKeys::of(&self.history);
    }
}

/// Raises every probability to at least 10⁻¹⁰ and rescales them to sum to 1, summing left
/// to right and multiplying by the reciprocal, as every reference stage does.
pub(crate) fn clamp_normalize(probs: &mut [f64; 256]) {
    let mut sum = 0.0;
    for p in probs.iter_mut() {
        if *p < 1e-10 {
            *p = 1e-10;
        }
        sum += *p;
    }
    let inv = 1.0 / sum;
    probs.iter_mut().for_each(|p| *p *= inv);
}

/// Mixes `other` into `probs` with weight `weight`, then clamps and renormalises.
fn blend(probs: &mut [f64; 256], other: &[f64; 256], weight: f64) {
    for (p, &q) in probs.iter_mut().zip(other) {
        *p = *p * (1.0 - weight) + q * weight;
    }
    clamp_normalize(probs);
}
