//! The match model: predicts that a long repeat continues.
//!
//! For each context length L ∈ {4, 6, 8, 12, 16} a table maps the FNV hash of the last L
//! bytes to the most recent position that followed them. With no match active, the model
//! tries the longest length first and, on a hit, predicts the byte that followed last time;
//! it then follows that match byte by byte until the first miss, even if a longer context
//! would now match elsewhere. Its confidence is a running hit rate (decayed by 0.99 once
//! past 500 attempts) scaled by how the match was found (0.667 for L = 4, 0.9 otherwise) or
//! how long it has held (0.65 + 0.04 per hit, at most 0.96). The blend moves `0.85 ·
//! confidence` of the probability mass onto the predicted byte.

use super::table::HashTable;

/// Context lengths, shortest first.
pub(crate) const CONTEXT_LENGTHS: [usize; 5] = [4, 6, 8, 12, 16];

/// A byte the match model expects next, and how sure it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatchPrediction {
    pub(crate) byte: u8,
    pub(crate) confidence: f64,
}

pub(crate) struct Matcher {
    tables: [HashTable<u32>; 5],
    /// Position in the history of the byte an active match predicts next.
    active: Option<usize>,
    streak: u32,
    hits: f64,
    total: f64,
}

impl Matcher {
    pub(crate) fn new() -> Self {
        Matcher {
            tables: std::array::from_fn(|_| HashTable::new(4096)),
            active: None,
            streak: 0,
            hits: 1.0,
            total: 2.0,
        }
    }

    /// The predicted next byte. `keys[i]` is the key of the last `CONTEXT_LENGTHS[i]` bytes
    /// of `history`, or `None` where the history is shorter. Starting a new match is part of
    /// prediction, so encoder and decoder must call this exactly once per byte.
    pub(crate) fn predict(&mut self, history: &[u8], keys: &[Option<u64>; 5]) -> Option<MatchPrediction> {
        let base = self.hits / self.total;
        if let Some(position) = self.active {
            let confidence = (base * (0.65 + f64::from(self.streak) * 0.04)).min(0.96);
            return Some(MatchPrediction { byte: history[position], confidence });
        }
        for (&length, (table, key)) in CONTEXT_LENGTHS.iter().zip(self.tables.iter().zip(keys)).rev() {
            let Some(&position) = key.and_then(|key| table.get(key)) else { continue };
            let position = position as usize;
            self.active = Some(position);
            self.streak = 0;
            let mut confidence = base * (length as f64 / 6.0);
            if confidence > base * 0.9 {
                confidence = base * 0.9;
            }
            return Some(MatchPrediction { byte: history[position], confidence });
        }
        None
    }

    /// Scores the active match against `byte` and records where each context was followed.
    /// `history` does not contain `byte` yet.
    pub(crate) fn update(&mut self, history: &[u8], keys: &[Option<u64>; 5], byte: u8) {
        if let Some(position) = self.active {
            self.total += 1.0;
            if history[position] == byte {
                self.hits += 1.0;
                self.streak += 1;
                self.active = Some(position + 1);
            } else {
                self.active = None;
                self.streak = 0;
            }
            if self.total > 500.0 {
                self.hits *= 0.99;
                self.total *= 0.99;
            }
        }
        let position = history.len() as u32;
        for (table, key) in self.tables.iter_mut().zip(keys) {
            if let Some(slot) = key.and_then(|key| table.get_or_insert(key)) {
                *slot = position;
            }
        }
    }
}
