//! The high-order context model: orders 5–8, beyond PPM's reach.
//!
//! Four tables map the FNV hash of the last 5, 6, 7 or 8 bytes to the counts of the bytes
//! that followed. The highest order whose context has been seen at least four times
//! predicts `(count + 10⁻⁴) / (total + 256 · 10⁻⁴)` for every byte, with confidence
//! `(total − 4)/(total + 8)` times 0.4, 0.5, 0.6 or 0.7 for orders 5 to 8; the blend gives
//! it twice that weight, at most 0.6.
//!
//! Two reference quirks are kept: counts are 16-bit and wrap at 65,536 (the total does
//! not), and each table accepts at most [`CONTEXT_LIMIT`] distinct contexts.
//!
//! Counts are stored sparsely — only the bytes actually seen — instead of 256 per context.
//! Most high-order contexts are followed by one or two distinct bytes, so those sit inline
//! in the table slot; further bytes go to a per-order arena of linked entries. A full table
//! then costs about 24 bytes a context rather than the reference's 528.

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

/// Distinct bytes a context keeps in its table slot.
const INLINE: usize = 2;

/// Index 0 of the overflow arena is a sentinel: "no more entries".
const END: u32 = 0;

#[derive(Clone, Copy, Default)]
struct Context {
    total: u32,
    /// Head of the chain of further counts in the order's overflow arena.
    overflow: u32,
    inline_bytes: [u8; INLINE],
    inline_counts: [u16; INLINE],
    inline_len: u8,
}

/// A count beyond a context's inline ones.
struct Overflow {
    next: u32,
    count: u16,
    byte: u8,
}

/// One order: its contexts, and the counts that did not fit inline.
struct Order {
    contexts: HashTable<Context>,
    overflow: Vec<Overflow>,
}

impl Order {
    /// The `(byte, count)` pairs of `context`, in no particular order.
    fn counts(&self, context: &Context) -> impl Iterator<Item = (u8, u16)> {
        let inline = (0..usize::from(context.inline_len)).map(|i| (context.inline_bytes[i], context.inline_counts[i]));
        let mut at = context.overflow;
        let overflow = std::iter::from_fn(move || {
            (at != END).then(|| {
                let entry = &self.overflow[at as usize];
                at = entry.next;
                (entry.byte, entry.count)
            })
        });
        inline.chain(overflow)
    }

    fn add(&mut self, key: u64, byte: u8) {
        let Some(context) = self.contexts.get_or_insert(key) else { return };
        context.total += 1;
        let inline_len = usize::from(context.inline_len);
        if let Some(i) = context.inline_bytes[..inline_len].iter().position(|&b| b == byte) {
            context.inline_counts[i] = context.inline_counts[i].wrapping_add(1);
            return;
        }
        let mut at = context.overflow;
        while at != END {
            let entry = &mut self.overflow[at as usize];
            if entry.byte == byte {
                entry.count = entry.count.wrapping_add(1);
                return;
            }
            at = entry.next;
        }
        if inline_len < INLINE {
            context.inline_bytes[inline_len] = byte;
            context.inline_counts[inline_len] = 1;
            context.inline_len += 1;
        } else {
            let index = u32::try_from(self.overflow.len()).expect("fewer than 2^32 counts");
            self.overflow.push(Overflow { next: context.overflow, count: 1, byte });
            context.overflow = index;
        }
    }
}

pub(crate) struct HighOrderModel {
    orders: [Order; ORDERS],
}

impl HighOrderModel {
    pub(crate) fn new() -> Self {
        HighOrderModel {
            orders: std::array::from_fn(|_| Order {
                contexts: HashTable::with_key_limit(8192, CONTEXT_LIMIT),
                overflow: vec![Overflow { next: END, count: 0, byte: 0 }],
            }),
        }
    }

    /// Fills `probs` from the highest qualifying order and returns its confidence. `keys[i]`
    /// is the key of the last `MIN_ORDER + i` bytes, `None` where the history is shorter.
    pub(crate) fn predict(&self, keys: &[Option<u64>; ORDERS], probs: &mut [f64; 256]) -> Option<f64> {
        for (order_index, (order, key)) in self.orders.iter().zip(keys).enumerate().rev() {
            let Some(context) = key.and_then(|key| order.contexts.get(key)) else { continue };
            if context.total < MIN_TOTAL {
                continue;
            }
            let total = f64::from(context.total);
            let inv = 1.0 / (total + SMOOTHING * 256.0);
            probs.fill(SMOOTHING * inv);
            for (byte, count) in order.counts(context) {
                probs[usize::from(byte)] = (f64::from(count) + SMOOTHING) * inv;
            }
            let count_confidence = ((total - 4.0) / (total + 8.0)).max(0.0);
            let order_factor = 0.4 + order_index as f64 * 0.1;
            return Some(count_confidence * order_factor);
        }
        None
    }

    pub(crate) fn update(&mut self, keys: &[Option<u64>; ORDERS], byte: u8) {
        for (order, key) in self.orders.iter_mut().zip(keys) {
            if let Some(key) = *key {
                order.add(key, byte);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_spill_past_the_inline_slots_and_wrap_at_16_bits() {
        let mut order =
            Order { contexts: HashTable::new(16), overflow: vec![Overflow { next: END, count: 0, byte: 0 }] };
        for &byte in b"abracadabra" {
            order.add(7, byte);
        }
        for _ in 0..65_536 {
            order.add(7, b'z');
        }
        order.add(9, b'q');
        let context = *order.contexts.get(7).unwrap();
        let mut counts: Vec<(u8, u16)> = order.counts(&context).collect();
        counts.sort();
        assert_eq!(counts, [(b'a', 5), (b'b', 2), (b'c', 1), (b'd', 1), (b'r', 2), (b'z', 0)]);
        assert_eq!(context.total, 11 + 65_536);
        assert_eq!(order.counts(order.contexts.get(9).unwrap()).collect::<Vec<_>>(), [(b'q', 1)]);
    }
}
