//! The match model: long repeats predicted from the last time the same bytes appeared.
//!
//! At each byte boundary the model hashes the last [`MIN_MATCH`] bytes and looks up where that
//! hash was last seen. A candidate is accepted only after comparing the history backwards (so
//! hash collisions never mislead it), which also measures the match length. While a match
//! holds, the byte that followed it last time is the prediction; its bits are predicted one by
//! one until a bit disagrees, after which the model is silent for the rest of the byte.
//!
//! What the prediction is worth depends on the match length, and is learned: a counter per
//! (length bucket, expected bit) gives P(1), which enters the mixer stretched. The length
//! bucket also selects the mixer's weight set, so the mixer can trust long matches more.
//! Counters by the bit's position as well (512 in all) gained 0.02 % (level 9, the seven
//! small corpus files) to 0.04 % (level 2, 1 MB of bible.txt): not kept.

use super::counter::{self, FRESH};

/// Bytes hashed to find a match.
pub(crate) const MIN_MATCH: usize = 6;
/// Longest match length tracked; longer ones count as this long.
const MAX_LENGTH: u32 = 0xFFFF;

pub(crate) struct MatchModel {
    /// Position just after the last occurrence of each hash of [`MIN_MATCH`] bytes.
    last_seen: Vec<u32>,
    mask: usize,
    /// The table slot of the last [`MIN_MATCH`] bytes, from [`MatchModel::byte_ended`].
    slot: usize,
    /// Position of the predicted byte in the history, valid while `length > 0`.
    pointer: usize,
    length: u32,
    predicted: u32,
    /// Whether the current byte's bits so far agree with the prediction.
    agreeing: bool,
    counters: [u32; 64],
    counter_index: usize,
}

impl MatchModel {
    pub(crate) fn new(log_entries: u32) -> MatchModel {
        let size = 1usize << log_entries;
        MatchModel {
            last_seen: super::memory::zeroed_table(size),
            mask: size - 1,
            slot: 0,
            pointer: 0,
            length: 0,
            predicted: 0,
            agreeing: false,
            counters: [FRESH; 64],
            counter_index: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.last_seen.len() * 4
    }

    /// Called after each whole byte, `history` ending with it, before [`MatchModel::byte_done`]:
    /// finds the table slot of the bytes just ended and starts loading it.
    #[inline(always)]
    pub(crate) fn byte_ended(&mut self, history: &[u8]) {
        let position = history.len();
        if position >= MIN_MATCH {
            let tail = history[position - MIN_MATCH..].iter().fold(0, |tail, &byte| tail << 8 | u64::from(byte));
            self.slot = hash_tail(tail) as usize & self.mask;
            super::prefetch(&self.last_seen, self.slot);
        }
    }

    /// Starts loading the table slot that [`MatchModel::byte_ended`] will find once the
    /// history is `position` bytes long, its last eight bytes `recent` (the latest in the low
    /// byte): an encoder knows them a byte ahead.
    #[inline(always)]
    pub(crate) fn foresee(&self, position: usize, recent: u64) {
        if position >= MIN_MATCH {
            super::prefetch(&self.last_seen, hash_tail(recent & TAIL_MASK) as usize & self.mask);
        }
    }

    /// Follows or looks for a match once the byte that ends `history` is known.
    #[inline(always)]
    pub(crate) fn byte_done(&mut self, history: &[u8]) {
        let position = history.len();
        if self.length > 0 && history[self.pointer] == history[position - 1] {
            self.length = (self.length + 1).min(MAX_LENGTH);
            self.pointer += 1;
        } else {
            self.length = 0;
        }
        if position < MIN_MATCH {
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
                if length >= MIN_MATCH {
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

    /// 0 without a match, else 1–3 by length: the mixer's weight-set selector.
    #[inline(always)]
    pub(crate) fn length_bucket(&self) -> usize {
        match (self.agreeing, self.length) {
            (false, _) => 0,
            (true, 0..=15) => 1,
            (true, 16..=31) => 2,
            _ => 3,
        }
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

/// The bits of the last [`MIN_MATCH`] bytes in a number that holds the last eight.
const TAIL_MASK: u64 = (1 << (8 * MIN_MATCH)) - 1;

/// A multiplicative hash of the last [`MIN_MATCH`] bytes, `tail` (the latest in the low byte).
#[inline(always)]
fn hash_tail(tail: u64) -> u32 {
    (tail.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_verified_repeats_and_predicts_the_next_byte() {
        let mut model = MatchModel::new(16);
        let text = b"the quick brown fox jumps; the quick brown fox sleeps";
        let second = text.len() - "the quick brown fox sleeps".len();
        for end in 1..=second + 10 {
            model.byte_ended(&text[..end]);
            model.byte_done(&text[..end]);
        }
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
}
