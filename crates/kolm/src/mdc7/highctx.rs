//! The high-order context model: orders 5–8, beyond PPM's reach.
//!
//! Four tables map the FNV hash of the last 5, 6, 7 or 8 bytes to the counts of the bytes
//! that followed. The highest order whose context has been seen at least four times
//! predicts `(count + 10⁻⁴) / (total + 256 · 10⁻⁴)` for every byte, with confidence
//! `(total − 4)/(total + 8)` times 0.4, 0.5, 0.6 or 0.7 for orders 5 to 8; the blend gives
//! it twice that weight, at most 0.6.
//!
//! Two reference quirks are kept: counts are 16-bit and wrap at 65,536 (the total does
//! not), and each table accepts at most [`CONTEXT_LIMIT`] distinct contexts. Counts are
//! stored sparsely — only the bytes actually seen — instead of 256 per context.

use super::table::HashTable;

/// The lowest order this model serves.
pub(crate) const MIN_ORDER: usize = 5;
/// The highest order this model serves.
pub(crate) const MAX_ORDER: usize = 8;
const ORDERS: usize = MAX_ORDER - MIN_ORDER + 1;

/// Distinct contexts a table accepts: the reference refuses a new key once a 2^20-slot
/// table is more than 60 % full.
pub(crate) const CONTEXT_LIMIT: usize = 629_146;

/// Observations a context needs before it predicts.
const MIN_TOTAL: u32 = 4;
const SMOOTHING: f64 = 1e-4;

#[derive(Default)]
struct Context {
    total: u32,
    counts: Vec<(u8, u16)>,
}

pub(crate) struct HighOrderModel {
    tables: [HashTable<Context>; ORDERS],
}

impl HighOrderModel {
    pub(crate) fn new() -> Self {
        HighOrderModel { tables: std::array::from_fn(|_| HashTable::with_key_limit(8192, CONTEXT_LIMIT)) }
    }

    /// Fills `probs` from the highest qualifying order and returns its confidence. `keys[i]`
    /// is the key of the last `MIN_ORDER + i` bytes, `None` where the history is shorter.
    pub(crate) fn predict(&self, keys: &[Option<u64>; ORDERS], probs: &mut [f64; 256]) -> Option<f64> {
        for (order_index, (table, key)) in self.tables.iter().zip(keys).enumerate().rev() {
            let Some(context) = key.and_then(|key| table.get(key)) else { continue };
            if context.total < MIN_TOTAL {
                continue;
            }
            let total = f64::from(context.total);
            let inv = 1.0 / (total + SMOOTHING * 256.0);
            probs.fill(SMOOTHING * inv);
            for &(byte, count) in &context.counts {
                probs[usize::from(byte)] = (f64::from(count) + SMOOTHING) * inv;
            }
            let count_confidence = ((total - 4.0) / (total + 8.0)).max(0.0);
            let order_factor = 0.4 + order_index as f64 * 0.1;
            return Some(count_confidence * order_factor);
        }
        None
    }

    pub(crate) fn update(&mut self, keys: &[Option<u64>; ORDERS], byte: u8) {
        for (table, key) in self.tables.iter_mut().zip(keys) {
            let Some(context) = key.and_then(|key| table.get_or_insert(key)) else { continue };
            context.total += 1;
            match context.counts.iter_mut().find(|(b, _)| *b == byte) {
                Some((_, count)) => *count = count.wrapping_add(1),
                None => context.counts.push((byte, 1)),
            }
        }
    }
}
