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
//!
//! These tables hold an entry for nearly every position of the input, so they are the
//! largest structure of the model. A [`PositionTable`] slot stores only the position and
//! 32 bits of the key: the full key of a stored position is the hash of the `L` bytes
//! before it, which the history still holds, so a slot whose 32 bits match is confirmed
//! by rehashing those bytes. Eight bytes a slot, and the same answers as a table of full
//! 64-bit keys.

use super::fastmath::fnv_hash;

/// Context lengths, shortest first.
pub(crate) const CONTEXT_LENGTHS: [usize; 5] = [4, 6, 8, 12, 16];

/// A byte the match model expects next, and how sure it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatchPrediction {
    pub(crate) byte: u8,
    pub(crate) confidence: f64,
}

/// Maps the key of an `L`-byte context to the last position that followed it.
struct PositionTable {
    /// `(high 32 bits of the key) << 32 | (position + 1)`; 0 marks an empty slot.
    slots: Vec<u64>,
    used: usize,
    length: usize,
}

impl PositionTable {
    fn new(length: usize) -> Self {
        PositionTable { slots: vec![0; 4096], used: 0, length }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn probe(&self, history: &[u8], key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let fragment = key >> 32;
        let mut slot = key as usize & mask;
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return slot;
            }
            if entry >> 32 == fragment {
                let position = (entry as u32 - 1) as usize;
                if fnv_hash(&history[position - self.length..position]) == key {
                    return slot;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    fn get(&self, history: &[u8], key: u64) -> Option<usize> {
        let entry = self.slots[self.probe(history, key)];
        (entry != 0).then(|| (entry as u32 - 1) as usize)
    }

    fn set(&mut self, history: &[u8], key: u64, position: usize) {
        if self.used * 5 > self.slots.len() * 3 {
            self.grow(history);
        }
        let slot = self.probe(history, key);
        if self.slots[slot] == 0 {
            self.used += 1;
        }
        self.slots[slot] = (key >> 32) << 32 | (position as u64 + 1);
    }

    fn grow(&mut self, history: &[u8]) {
        let capacity = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![0; capacity]);
        let mask = self.slots.len() - 1;
        for entry in old.into_iter().filter(|&e| e != 0) {
            let position = (entry as u32 - 1) as usize;
            let key = fnv_hash(&history[position - self.length..position]);
            let mut slot = key as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = entry;
        }
    }
}

pub(crate) struct Matcher {
    tables: [PositionTable; 5],
    /// Position in the history of the byte an active match predicts next.
    active: Option<usize>,
    streak: u32,
    hits: f64,
    total: f64,
}

impl Matcher {
    pub(crate) fn new() -> Self {
        Matcher { tables: CONTEXT_LENGTHS.map(PositionTable::new), active: None, streak: 0, hits: 1.0, total: 2.0 }
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
        for (table, key) in self.tables.iter().zip(keys).rev() {
            let Some(position) = key.and_then(|key| table.get(history, key)) else { continue };
            let length = table.length;
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
        for (table, key) in self.tables.iter_mut().zip(keys) {
            if let Some(key) = *key {
                table.set(history, key, history.len());
            }
        }
    }
}
