//! PPM over orders 0–4 with method-C escapes and full exclusion: MDC7's base predictor.
//!
//! Each order keeps a table from the FNV hash of its last `o` bytes (key 1 for order 0) to
//! the symbols seen after that context and how often. Prediction walks from order 4 down:
//! an order with `d` distinct not-yet-excluded symbols and `n` observations of them gives
//! each such symbol `(1 − d/(n + d)) · count/n` of the mass still unassigned, excludes
//! them, and passes the escape mass `d/(n + d)` down. What is left after order 0 is shared
//! uniformly by the symbols never seen in any context (order −1).
//!
//! The reference stores 256 `f64` counts per context starting at a "Jeffreys" 0.5, which
//! makes a context cost 2 KB. Counts minus the prior are exact integers, the prior never
//! reaches a probability, and the only place it shows is the confidence handed to Tweedie
//! (`128 + observations`). So a context here is a short list of `(symbol, count)` pairs
//! and an observation total: tens of bytes instead of two kilobytes, with identical output.
//!
//! Each table accepts at most [`CONTEXT_LIMIT`] distinct contexts — the first ones seen —
//! as the reference's capped tables do; later new contexts are simply not learned.

use super::table::HashTable;

/// The highest PPM order.
pub(crate) const MAX_ORDER: usize = 4;

/// Distinct contexts a PPM table accepts: the reference refuses a new key once a 2^19-slot
/// table is more than 60 % full.
pub(crate) const CONTEXT_LIMIT: usize = 314_573;

/// The reference's per-context prior mass (256 symbols × 0.5), which survives only in the
/// confidence value.
const PRIOR_MASS: u32 = 128;

#[derive(Default)]
struct Context {
    observations: u32,
    symbols: Vec<SymbolCount>,
}

#[derive(Clone, Copy)]
struct SymbolCount {
    symbol: u8,
    count: u32,
}

impl Context {
    fn add(&mut self, symbol: u8) {
        self.observations += 1;
        match self.symbols.iter_mut().find(|s| s.symbol == symbol) {
            Some(entry) => entry.count += 1,
            None => self.symbols.push(SymbolCount { symbol, count: 1 }),
        }
    }
}

/// What PPM tells the calibration stage besides the distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PpmSummary {
    /// The highest order that predicted anything, or −1 when none did.
    pub(crate) order: i32,
    /// That context's `128 + observations` (0 when none did).
    pub(crate) confidence: f64,
}

pub(crate) struct Ppm {
    tables: [HashTable<Context>; MAX_ORDER + 1],
}

impl Ppm {
    pub(crate) fn new() -> Self {
        Ppm { tables: std::array::from_fn(|_| HashTable::with_key_limit(1024, CONTEXT_LIMIT)) }
    }

    /// Fills `probs` with the PPM distribution (clamped to ≥ 1e-10 and normalised) given
    /// the context keys of the current position (`keys[o]` for order `o`, `None` where the
    /// history is shorter than `o`).
    pub(crate) fn predict(&self, keys: &[Option<u64>; MAX_ORDER + 1], probs: &mut [f64; 256]) -> PpmSummary {
        let mut excluded = [false; 256];
        let mut remaining = 1.0f64;
        let mut summary = PpmSummary { order: -1, confidence: 0.0 };
        probs.fill(0.0);

        for order in (0..=MAX_ORDER).rev() {
            let Some(context) = keys[order].and_then(|key| self.tables[order].get(key)) else {
                continue;
            };
            let (mut observed, mut distinct) = (0u64, 0u32);
            for s in context.symbols.iter().filter(|s| !excluded[usize::from(s.symbol)]) {
                observed += u64::from(s.count);
                distinct += 1;
            }
            if distinct == 0 {
                continue;
            }
            if summary.order < 0 {
                summary = PpmSummary { order: order as i32, confidence: f64::from(PRIOR_MASS + context.observations) };
            }
            let n = observed as f64;
            let escape = f64::from(distinct) / (n + f64::from(distinct));
            let share = remaining * (1.0 - escape);
            for s in &context.symbols {
                let symbol = usize::from(s.symbol);
                if !excluded[symbol] {
                    probs[symbol] = share * (f64::from(s.count) / n);
                    excluded[symbol] = true;
                }
            }
            remaining *= escape;
        }

        let unseen = excluded.iter().filter(|&&e| !e).count();
        if unseen > 0 {
            let each = remaining / unseen as f64;
            for (p, &e) in probs.iter_mut().zip(&excluded) {
                if !e {
                    *p = each;
                }
            }
        } else {
            let each = remaining / 256.0;
            probs.iter_mut().for_each(|p| *p += each);
        }
        super::clamp_normalize(probs);
        summary
    }

    /// Counts `symbol` in every available order's context.
    pub(crate) fn update(&mut self, keys: &[Option<u64>; MAX_ORDER + 1], symbol: u8) {
        for (table, key) in self.tables.iter_mut().zip(keys) {
            if let Some(context) = key.and_then(|key| table.get_or_insert(key)) {
                context.add(symbol);
            }
        }
    }
}
