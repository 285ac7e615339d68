//! Adaptive bit counters, and the hashed table that holds them by context.
//!
//! A counter is a `u32`: the top 22 bits are P(next bit = 1) − 1/2 (as a two's-complement
//! offset, so that an all-zero counter is a fresh one and tables start as untouched zeroed
//! memory), the low 10 bits how many times it has been updated, n. An update moves the
//! probability toward the bit by 1/(n + 1.5), so a young counter learns from its first few
//! bits as fast as a frequency count would, and an old one settles; n stops at a limit,
//! which keeps the counter able to follow a change.
//!
//! A hashed context's counter stops counting at 255 or before, so it needs only 8 bits for
//! n, and keeps in the other two the last two bits it saw (the latest in bit 8). From codec
//! 9 on, the confidence maps read them: a counter at P = 0.9 whose context has just seen a
//! 0 is not the same as one that has just seen a 1. Every codec writes them; the older ones
//! never read them, so their counters behave as they always did.
//!
//! [`ContextTable`] stores counters for hashed contexts in 64-byte buckets, one cache line: a
//! check (32 bits, or 16 and a [byte history](super::history) from codec 8 on) and the 15
//! counters of a nibble's binary tree (1 + 2 + 4 + 8 nodes). A model looks its bucket up
//! twice per byte, at each nibble, and then reads and updates counters within it, so one
//! byte costs about two cache misses per model. A lookup probes three neighbouring buckets
//! for the check; if none matches, the least used of them (by the count of its first
//! counter, the number of times the context was seen) is cleared and taken.
//!
//! Updating every context's counter and confidence cell eight at a time with AVX2 (a gather
//! for the rates and the 39-bit product from two 32-bit ones, the same values bit for bit)
//! was measured and did not make level 2 or 9 faster: the engine does not wait on these
//! instructions. Keeping the last three bits instead of two (the count then stops at 127,
//! the confidence maps get twice the cells) was measured too: 1 MB of xml at level 5 came
//! out 0.27 % smaller and bible.txt 0.05 %, the seven small corpus files at level 9 no
//! smaller; not worth a new counter layout. Confidence maps that start as the identity
//! (each cell at its own probability) instead of at ½ made those seven files 0.06 % larger:
//! the counter's own input already speaks for a fresh cell.

use super::history::MAX_RUN;

/// A fresh counter: P = 1/2, never updated.
pub(crate) const FRESH: u32 = 0;

/// Flips the top bit: P(1) in 22 bits from the stored offset, and back.
const HALF: u32 = 1 << 31;

const COUNT_BITS: u32 = 10;
const COUNT_MASK: u32 = (1 << COUNT_BITS) - 1;

/// `2^17 / (2n + 3)` = `65536 / (n + 1.5)`: the update rate for a counter seen n times.
static RATES: [u32; 1024] = {
    let mut rates = [0u32; 1024];
    let mut n = 0;
    while n < 1024 {
        rates[n] = (1 << 17) / (2 * n as u32 + 3);
        n += 1;
    }
    rates
};

/// The counter's P(1) as a 12-bit probability.
#[inline(always)]
pub(crate) fn p12(counter: u32) -> i32 {
    ((counter ^ HALF) >> 20) as i32
}

/// The counter's P(1), stretched: `stretch(p12(counter))`, without the clamp that a 12-bit
/// probability never needs. A fresh counter (P = 1/2) gives exactly 0, as a model that has
/// not seen its context should.
#[inline(always)]
pub(crate) fn stretched(counter: u32) -> i32 {
    super::logistic::stretch_12_bits((counter ^ HALF) >> 20)
}

/// How many times the counter has been updated (up to its limit).
#[cfg(test)]
fn count(counter: u32) -> u32 {
    counter & COUNT_MASK
}

/// Moves the counter toward `bit`, counting the update up to `limit` (at most 1023).
#[inline(always)]
pub(crate) fn update(counter: &mut u32, bit: u32, limit: u32) {
    let n = *counter & COUNT_MASK;
    *counter = moved_probability(*counter, bit, n) | (n + u32::from(n < limit));
}

/// The bits of a hashed context's counter that count its updates.
const HASHED_COUNT_MASK: u32 = 0xFF;
/// Where a hashed context's counter keeps its last two bits.
const LAST_BITS_SHIFT: u32 = 8;

/// How many times a hashed context's counter has been updated (up to its limit).
#[inline(always)]
pub(crate) fn hashed_count(counter: u32) -> u32 {
    counter & HASHED_COUNT_MASK
}

/// The last two bits a hashed context's counter has seen, the latest in bit 0.
#[inline(always)]
pub(crate) fn last_bits(counter: u32) -> u32 {
    (counter >> LAST_BITS_SHIFT) & 0b11
}

/// Moves a hashed context's counter toward `bit` as [`update`] does, counting up to `limit`
/// (at most 255), and remembers `bit` as its latest.
#[inline(always)]
pub(crate) fn update_hashed(counter: &mut u32, bit: u32, limit: u32) {
    debug_assert!(limit <= HASHED_COUNT_MASK);
    let n = hashed_count(*counter);
    // The latest bit moves up to the older's place, and `bit` takes its own.
    let last_bits = (*counter << 1) & (0b10 << LAST_BITS_SHIFT) | bit << LAST_BITS_SHIFT;
    *counter = moved_probability(*counter, bit, n) | last_bits | (n + u32::from(n < limit));
}

/// The counter's probability bits moved toward `bit` at the rate for `n` updates; its low
/// [`COUNT_BITS`] bits are 0.
#[inline(always)]
const fn moved_probability(counter: u32, bit: u32, n: u32) -> u32 {
    let p = ((counter ^ HALF) >> COUNT_BITS) as i64;
    let target = if bit != 0 { (1i64 << 22) - 1 } else { 0 };
    let p = p + (((target - p) * RATES[n as usize] as i64) >> 16);
    ((p as u32) << COUNT_BITS) ^ HALF
}

/// The probability bits (above [`COUNT_BITS`]) of a hashed counter updated `n` times from
/// fresh, every time with the same bit: `[bit][n]`. Each update's result depends only on the
/// counter before it, so a counter whose bits and count are these has seen that bit alone.
static SAME_BIT: [[u32; 256]; 2] = {
    let mut table = [[0; 256]; 2];
    let mut bit = 0;
    while bit < 2 {
        let mut counter = FRESH;
        let mut n = 0;
        while n < 256 {
            table[bit][n] = counter >> COUNT_BITS;
            counter = moved_probability(counter, bit as u32, n as u32);
            n += 1;
        }
        bit += 1;
    }
    table
};

/// Whether a hashed context's counter has seen one bit value only, and at least once
/// (from codec 16 at levels 6–9, a mixer input of its own): a context that has always been
/// followed by the same bit is worth a weight of its own, which a probability alone does
/// not tell, since one seen twice and one seen thirty times with a slip are alike near 0.9.
/// A counter whose count has stopped at its limit no longer matches and counts as mixed.
#[inline(always)]
pub(crate) fn deterministic(counter: u32) -> bool {
    let n = hashed_count(counter) as usize;
    let bits = counter >> COUNT_BITS;
    n > 0 && (bits == SAME_BIT[0][n] || bits == SAME_BIT[1][n])
}

/// Counters for hashed contexts, in buckets of one nibble each.
pub(crate) struct ContextTable {
    buckets: Vec<[u32; 16]>,
    mask: usize,
    /// The bits of slot 0 that hold the check: all, or the low 16 where the high 16 hold a
    /// byte history. The home bucket is chosen by the hash's high bits, so for tables of
    /// 2^16 buckets and more the high half of a 32-bit check told nothing more.
    check_mask: u32,
}

impl ContextTable {
    /// A table of 2^`log_buckets` buckets (64 bytes each), with `byte_histories` in the
    /// high half of each check word (a 16-bit check remains).
    pub(crate) fn new(log_buckets: u32, byte_histories: bool) -> ContextTable {
        let size = 1usize << log_buckets;
        // All zeros: empty checks and fresh counters, and pages the system hands out lazily.
        ContextTable {
            buckets: super::memory::zeroed_table(size),
            mask: size - 1,
            check_mask: if byte_histories { 0xFFFF } else { u32::MAX },
        }
    }

    /// The byte history kept in `bucket`'s check word, where the table keeps them: the byte
    /// that last followed the context and its run (0: none yet).
    #[inline(always)]
    pub(crate) fn byte_history(&self, bucket: usize) -> (u32, u32) {
        let word = self.buckets[bucket][0];
        ((word >> 16) & 0xFF, word >> 24)
    }

    /// Records that `byte` followed the context of `hash` whose first nibble's bucket is
    /// `bucket`, unless another context has taken that bucket meanwhile.
    #[inline(always)]
    pub(crate) fn record_byte(&mut self, bucket: usize, hash: u32, byte: u32) {
        let check = (hash | 1) & self.check_mask;
        if self.buckets[bucket][0] & self.check_mask != check {
            return;
        }
        let (last, run) = self.byte_history(bucket);
        let run = if run > 0 && last == byte { (run + 1).min(MAX_RUN) } else { 1 };
        self.buckets[bucket][0] = check | byte << 16 | run << 24;
    }

    /// The bucket for the context with hash `hash`, claimed for it if need be. Slot 0 is the
    /// check; slots 1–15 are the counters of the nibble tree, indexed by the nibble's bits so far
    /// with a leading 1.
    #[inline(always)]
    pub(crate) fn bucket(&mut self, hash: u32) -> usize {
        let check = (hash | 1) & self.check_mask; // never 0, the check of an unused bucket
        let home = self.home(hash);
        let mut victim = home;
        let mut least = u32::MAX;
        for probe in 0..3 {
            let index = home ^ probe;
            let bucket = &self.buckets[index];
            if bucket[0] & self.check_mask == check {
                return index;
            }
            // An unused bucket goes first, then the one whose context was seen least.
            let used = if bucket[0] == 0 { 0 } else { hashed_count(bucket[1]) + 1 };
            if used < least {
                least = used;
                victim = index;
            }
        }
        let bucket = &mut self.buckets[victim];
        *bucket = [FRESH; 16];
        bucket[0] = check;
        victim
    }

    /// Starts loading the bucket for `hash`, so that several tables' look-ups overlap.
    #[inline(always)]
    pub(crate) fn prefetch(&self, hash: u32) {
        super::prefetch(&self.buckets, self.home(hash));
    }

    #[inline(always)]
    fn home(&self, hash: u32) -> usize {
        Self::home_in(hash, self.mask)
    }

    /// The home bucket of `hash` in a table of `mask` + 1 buckets (a power of two): a table
    /// half the size puts it at the same home less its top bit.
    #[inline(always)]
    pub(crate) fn home_in(hash: u32, mask: usize) -> usize {
        (hash.rotate_left(16) as usize) & mask
    }

    /// Counter `node` (1–15) of `bucket`.
    #[inline(always)]
    pub(crate) fn counter(&mut self, bucket: usize, node: usize) -> &mut u32 {
        // Masked, so that only the bucket's index is checked.
        &mut self.buckets[bucket][node & 15]
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.buckets.len() * 64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_counter_says_nothing() {
        assert_eq!(stretched(FRESH), 0);
        let mut counter = FRESH;
        update(&mut counter, 1, 30);
        assert_eq!(stretched(counter), super::super::logistic::stretch(p12(counter)));
    }

    #[test]
    fn counters_learn_fast_then_settle() {
        let mut counter = FRESH;
        update(&mut counter, 1, 1023);
        // After one 1, like a count of 1.5 ones in 2.5: P ≈ 5/6.
        assert!((p12(counter) - 3413).abs() < 8, "{}", p12(counter));
        for _ in 0..1000 {
            update(&mut counter, 1, 1023);
        }
        assert!(p12(counter) > 4090);
        assert_eq!(count(counter), 1001);
        for _ in 0..5000 {
            update(&mut counter, 0, 30);
        }
        assert_eq!(count(counter), 1001, "the count never goes down");
        let mut adaptive = FRESH;
        for _ in 0..100 {
            update(&mut adaptive, 1, 30);
        }
        assert_eq!(count(adaptive), 30);
        let mut settled = FRESH;
        for _ in 0..1000 {
            update(&mut settled, 1, 1023);
        }
        for _ in 0..30 {
            update(&mut adaptive, 0, 30);
            update(&mut settled, 0, 1023);
        }
        assert!(p12(adaptive) < 2048, "a limited counter follows a change: {}", p12(adaptive));
        assert!(p12(settled) > 3900, "a settled one hardly moves: {}", p12(settled));
    }

    #[test]
    fn hashed_counters_remember_their_last_two_bits_and_learn_as_the_others_do() {
        let (mut hashed, mut plain) = (FRESH, FRESH);
        for (step, bit) in [1, 1, 0, 1, 0, 0, 1, 1, 1, 0].into_iter().cycle().take(600).enumerate() {
            update_hashed(&mut hashed, bit, 255);
            update(&mut plain, bit, 255);
            assert_eq!(hashed_count(hashed), count(plain), "step {step}");
            assert_eq!(p12(hashed), p12(plain), "step {step}");
            assert_eq!(last_bits(hashed) & 1, bit, "step {step}");
        }
        let mut counter = FRESH;
        for bit in [1, 0] {
            update_hashed(&mut counter, bit, 20);
        }
        assert_eq!(last_bits(counter), 0b10);
        update_hashed(&mut counter, 1, 20);
        assert_eq!(last_bits(counter), 0b01);
    }

    #[test]
    fn a_counter_is_deterministic_while_it_has_seen_one_bit_value() {
        assert!(!deterministic(FRESH), "a fresh counter has seen nothing");
        for bit in [0, 1] {
            let mut counter = FRESH;
            for n in 1..=200 {
                update_hashed(&mut counter, bit, 255);
                assert!(deterministic(counter), "{n} times {bit}");
            }
            update_hashed(&mut counter, 1 - bit, 255);
            assert!(!deterministic(counter), "a {} after {bit}s", 1 - bit);
            // Seen once each way, then twenty times the same: mixed for good, however near
            // a deterministic counter's probability it comes.
            for _ in 0..20 {
                update_hashed(&mut counter, bit, 255);
                assert!(!deterministic(counter));
            }
        }
    }

    #[test]
    fn buckets_are_found_again_and_replaced_when_little_used() {
        let mut table = ContextTable::new(4, false);
        let a = table.bucket(0xDEAD_BEEF);
        update(table.counter(a, 1), 1, 1023);
        update(table.counter(a, 1), 1, 1023);
        assert_eq!(table.bucket(0xDEAD_BEEF), a);
        assert_eq!(count(*table.counter(a, 1)), 2);
        // Other contexts with the same home take the neighbours, then evict the least used.
        let home_twin = |k: u32| 0xDEAD_BEEF ^ (k << 20);
        let b = table.bucket(home_twin(1));
        let c = table.bucket(home_twin(2));
        assert!(a != b && b != c && a != c);
        update(table.counter(b, 1), 1, 1023);
        let d = table.bucket(home_twin(3));
        assert_eq!(d, c, "the least used bucket goes");
        assert_eq!(count(*table.counter(d, 1)), 0);
    }
}
