//! The match model: long repeats predicted from the last time the same bytes appeared.
//!
//! At each byte boundary the model hashes the last *m* bytes (its minimum length) and looks
//! up where that hash was last seen. A candidate is accepted only after comparing the history backwards (so
//! hash collisions never mislead it), which also measures the match length. While a match
//! holds, the byte that followed it last time is the prediction; its bits are predicted one by
//! one until a bit disagrees, after which the model is silent for the rest of the byte.
//!
//! What the prediction is worth depends on the match length, and is learned: a counter per
//! (length bucket, expected bit) gives P(1), which enters the mixer stretched. The length
//! bucket also selects the mixer's weight set, so the mixer can trust long matches more.
//! Counters by the bit's position as well (512 in all) gained 0.02 % (level 9, the seven
//! small corpus files) to 0.04 % (level 2, 1 MB of bible.txt): not kept.
//!
//! From codec 12 on, at levels 3–9, a second model runs beside the first, with a minimum
//! of [`LONG_MATCH`] bytes instead of [`SHORT_MATCH`]. The first follows a match until it
//! breaks, from wherever the last six bytes last appeared; the second looks only where the
//! last twelve did, a rarer and surer context, and so often follows another, longer match.
//! 1 MB samples of seven larger corpus files came out 0.33 % smaller at level 5 (xml 1.3 %,
//! bible.txt 0.8 %) and 0.22 % at level 6, the seven small files 0.18 % and, at level 9,
//! 0.07 %, for about 3 % more time at level 5; minimums of 9 to 24 bytes did about as well.
//! Level 2 would then have gained 0.5 % for 9 % more time; from codec 13 on, with orders 2,
//! 3 and 5 and the word in place of orders 2, 3, 4 and 6, it took the second model too,
//! and from codec 18 on, for speed, no longer does (the corpus 0.6 % larger, about a tenth
//! faster).
//! Its input joins the mixer's; the first model's length alone picks the mixer's weight
//! sets.
//!
//! From codec 16 on, at levels 6–9, a match of at least [`RECOVERS_FROM`] bytes that misses
//! is not dropped: the model goes on from the byte after the miss, as a match of length 1,
//! since a repeat with one byte changed (a number, a name) usually goes on repeating. sum,
//! whose tables of strings and symbols repeat so, came out 0.2 % smaller at level 9.

use super::counter::{self, FRESH};

/// The first match model's minimum length: bytes hashed to find a match.
pub(crate) const SHORT_MATCH: usize = 6;
/// The second match model's (codec 12).
pub(crate) const LONG_MATCH: usize = 12;
/// Longest match length tracked; longer ones count as this long.
const MAX_LENGTH: u32 = 0xFFFF;
/// The shortest match that a recovering model follows past a miss (codec 16).
const RECOVERS_FROM: u32 = 16;

pub(crate) struct MatchModel {
    /// Position just after the last occurrence of each hash of `min_length` bytes.
    last_seen: Vec<u32>,
    mask: usize,
    /// The shortest match followed, in bytes: the bytes hashed to find one.
    min_length: usize,
    /// The table slot of the last `min_length` bytes, from [`MatchModel::byte_ended`].
    slot: usize,
    /// Position of the predicted byte in the history, valid while `length > 0`.
    pointer: usize,
    length: u32,
    predicted: u32,
    /// Whether the current byte's bits so far agree with the prediction.
    agreeing: bool,
    counters: [u32; 64],
    counter_index: usize,
    /// Whether a miss after a match of at least [`RECOVERS_FROM`] bytes leaves the model
    /// following it from the byte after the miss (codec 16).
    recovers: bool,
}

impl MatchModel {
    /// A model of matches of at least `min_length` bytes, with a table of 2^`log_entries`
    /// positions, that follows a long match past a miss if it `recovers`.
    pub(crate) fn new(log_entries: u32, min_length: usize, recovers: bool) -> MatchModel {
        let size = 1usize << log_entries;
        MatchModel {
            last_seen: super::memory::zeroed_table(size),
            mask: size - 1,
            min_length,
            slot: 0,
            pointer: 0,
            length: 0,
            predicted: 0,
            agreeing: false,
            counters: [FRESH; 64],
            counter_index: 0,
            recovers,
        }
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.last_seen.len() * 4
    }

    /// Called after each whole byte, before [`MatchModel::byte_done`], with the history's
    /// length and its last sixteen bytes (`recent` the last eight, the latest in the low
    /// byte, `older` the eight before): finds the table slot of the bytes just ended and
    /// starts loading it.
    #[inline(always)]
    pub(crate) fn byte_ended(&mut self, position: usize, recent: u64, older: u64) {
        if position >= self.min_length {
            self.slot = self.hash_tail(recent, older) as usize & self.mask;
            super::prefetch(&self.last_seen, self.slot);
        }
    }

    /// Starts loading the table slot that [`MatchModel::byte_ended`] will find for these
    /// arguments: an encoder knows them a byte ahead.
    #[inline(always)]
    pub(crate) fn foresee(&self, position: usize, recent: u64, older: u64) {
        if position >= self.min_length {
            super::prefetch(&self.last_seen, self.hash_tail(recent, older) as usize & self.mask);
        }
    }

    /// A hash of the last `min_length` bytes, of which `recent` holds the last eight (the
    /// latest in the low byte) and `older` the eight before: up to eight are taken as one
    /// number and multiplied by an odd constant (the first model's six); of more (the
    /// second's twelve, codec 12), the last eight are so multiplied, the ones before (plus 1)
    /// by another, and the two products added.
    #[inline(always)]
    fn hash_tail(&self, recent: u64, older: u64) -> u32 {
        let hash = if self.min_length <= 8 {
            (recent & super::low_bytes(self.min_length)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        } else {
            let before = (older & super::low_bytes(self.min_length - 8)) + 1;
            recent.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(before.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        };
        (hash >> 32) as u32
    }

    /// Follows or looks for a match once the byte that ends `history` is known.
    #[inline(always)]
    pub(crate) fn byte_done(&mut self, history: &[u8]) {
        let position = history.len();
        if self.length > 0 && history[self.pointer] == history[position - 1] {
            self.length = (self.length + 1).min(MAX_LENGTH);
            self.pointer += 1;
        } else if self.recovers && self.length >= RECOVERS_FROM {
            // Lengths below the minimum are never found, so the shortest stand for a
            // recovered match, and its counters learn what one is worth.
            self.length = 1;
            self.pointer += 1;
        } else {
            self.length = 0;
        }
        if position < self.min_length {
            return;
        }
        let hash = self.slot;
        if self.length == 0 {
            let candidate = self.last_seen[hash] as usize;
            if candidate > 0 {
                let length = history[..candidate]
                    .iter()
                    .rev()
                    .zip(history.iter().rev())
                    .take(MAX_LENGTH as usize)
                    .take_while(|(a, b)| a == b)
                    .count();
                if length >= self.min_length {
                    self.length = length as u32;
                    self.pointer = candidate;
                }
            }
        }
        self.last_seen[hash] = position as u32;
        if self.length > 0 {
            self.predicted = u32::from(history[self.pointer]) | 0x100;
        }
        self.agreeing = self.length > 0;
    }

    /// The byte the match expects, or 256 without a match, and four classes of its length
    /// (none, under 16, under 32, longer), in 11 bits: the context of the APM by the match
    /// (from codec 14). Unlike [`MatchModel::length_bucket`], it keeps the expected byte
    /// after a bit has disagreed with it: which byte was expected still tells which came.
    #[inline(always)]
    pub(crate) fn expectation(&self) -> usize {
        let expected = if self.length > 0 { self.predicted & 0xFF } else { 256 };
        (expected as usize) << 2 | self.length_class()
    }

    /// 0 without a match, else 1–3 by length: under 16, under 32, longer.
    #[inline(always)]
    fn length_class(&self) -> usize {
        match self.length {
            0 => 0,
            1..=15 => 1,
            16..=31 => 2,
            _ => 3,
        }
    }

    /// 0 without a match, else 1–3 by length: the mixer's weight-set selector.
    #[inline(always)]
    pub(crate) fn length_bucket(&self) -> usize {
        // A model that agrees has a match (`agreeing` implies `length > 0`).
        if self.agreeing { self.length_class() } else { 0 }
    }

    /// The model's input to the mixer for the next bit, given the bits of the current byte
    /// so far (`partial`, with a leading 1, `bit_count` bits).
    #[inline(always)]
    pub(crate) fn predict(&mut self, partial: u32, bit_count: u32) -> i32 {
        if self.agreeing && (self.predicted >> (8 - bit_count)) != partial {
            self.agreeing = false;
        }
        if !self.agreeing {
            self.counter_index = 0;
            return 0;
        }
        let expected = (self.predicted >> (7 - bit_count)) & 1;
        let bucket = if self.length < 16 { self.length } else { 16 + (self.length.ilog2() - 4).min(15) };
        self.counter_index = (bucket as usize * 2 + expected as usize) & 63;
        counter::stretched(self.counters[self.counter_index])
    }

    #[inline(always)]
    pub(crate) fn update(&mut self, bit: u32) {
        if self.counter_index != 0 {
            counter::update(&mut self.counters[self.counter_index], bit, 1023);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model of the first match model's minimum length that has seen `text`, byte by byte
    /// as the predictor shows it bytes.
    fn after(text: &[u8], recovers: bool) -> MatchModel {
        let mut model = MatchModel::new(16, SHORT_MATCH, recovers);
        let (mut recent, mut older) = (0u64, 0u64);
        for end in 1..=text.len() {
            older = older << 8 | recent >> 56;
            recent = recent << 8 | u64::from(text[end - 1]);
            model.byte_ended(end, recent, older);
            model.byte_done(&text[..end]);
        }
        model
    }

    #[test]
    fn finds_verified_repeats_and_predicts_the_next_byte() {
        let text = b"the quick brown fox jumps; the quick brown fox sleeps";
        let second = text.len() - "the quick brown fox sleeps".len();
        let mut model = after(&text[..second + 10], false);
        // After "the quick " again, the model expects "brown".
        assert!(model.length >= 10, "{}", model.length);
        assert_eq!(model.predicted & 0xFF, u32::from(b'b'));
        assert_eq!(model.length_bucket(), 1);
        // The first bit of 'b' (0x62) is 0: the input says so once the counter has learned.
        for _ in 0..20 {
            model.predict(1, 0);
            model.update(0);
        }
        assert!(model.predict(1, 0) < -500);
        // A disagreeing bit silences the model for the rest of the byte.
        assert_eq!(model.predict(0b11, 1), 0);
        assert_eq!(model.length_bucket(), 0);
    }

    #[test]
    fn a_recovering_model_follows_a_long_match_past_one_changed_byte() {
        // The second copy differs in one byte ("X" for "q") and then goes on as the first.
        let text = b"a long enough sentence for the quick brown fox; a long enough sentence for the Xuick brown fox";
        let changed = text.len() - "uick brown fox".len() - 1;
        for recovers in [false, true] {
            let model = after(&text[..changed + 1], recovers);
            // After the miss at "X", a recovering model expects "u" at once, as a match of
            // length 1: a length no match found by hashing has.
            if recovers {
                assert_eq!((model.length, model.predicted & 0xFF), (1, u32::from(b'u')));
            } else {
                assert_eq!(model.length, 0);
            }
        }
    }
}
