//! The predictor: every model's opinion on the next bit, mixed and refined.
//!
//! One [`Predictor`] serves the encoder and the decoder alike: `p()` gives P(next bit = 1),
//! `update(bit)` tells it the bit. Between the two nothing else may happen, so both sides
//! see exactly the same sequence of states.

use super::apm::Apm;
use super::coder::BitPredictor;
use super::counter::{self, ContextTable, FRESH};
use super::history::{self, HistoryMaps};
use super::image::{self, ImageModel};
use super::logistic::{squash, stretch};
use super::matcher::{self, MatchModel};
use super::mixer::{MAX_GATES, Mixer, WarmUp};
use super::record::RecordDetector;
use super::tokens::{self, Tokens};
use super::{ANY, Component, Config};

/// Counters of the direct order-0 and order-1 contexts stop counting here (slow, precise).
const DIRECT_LIMIT: u32 = 1023;
/// Counters of hashed contexts stop counting here, so they keep adapting.
const HASHED_LIMIT: u32 = 20;
/// …and those of the orders, words and text contexts here where the level has steady
/// contexts ([`Config::steady_contexts`]).
const STEADY_LIMIT: u32 = 255;

/// The sparse contexts: masks over the last eight bytes (the most recent in the low byte)
/// that skip the nearest. Binary structures (machine code, tables of 16- and 32-bit numbers)
/// repeat at fixed offsets with noise in between, which a context of consecutive bytes
/// cannot see past.
pub(super) const SPARSE_MASKS: [u64; 5] = [0xFF00, 0xFF_0000, 0xFF_FF00, 0xFF_00FF, 0xFFFF_0000];

/// The record lengths whose new bytes take the first sparse context's table (codec 20;
/// [`new_bytes_hash`]). Below 4 bytes a record is a sample or a pixel, which the other
/// contexts see; above 64 it is a row of a picture or a table, and hashing its bytes at
/// every byte would cost more time than the context is worth.
pub(super) const NEW_BYTES_RECORDS: std::ops::RangeInclusive<usize> = 4..=64;

/// The hash of a record's *new bytes*, for the next byte of `history` (codec 20): the
/// byte one record back, and each of the last `length − 1` bytes, where a byte that
/// repeats the byte one record before it is replaced by a mark. A table's rows share what
/// stays the same from one record to the next (a row number, a record type, padding) and
/// differ in a few fields (a column number, a value); an order-*n* context that spans a
/// field changing once a row, as a row number does, is new in every record and learns
/// nothing, while this one keeps the fields that identify the cell. kennedy.xls (13-byte
/// cell records, each with its row, column and type) came out 15 % smaller at level 9.
fn new_bytes_hash(history: &[u8], length: usize) -> u32 {
    const REPEATED: u64 = 0x100;
    let end = history.len();
    let mut key = length as u64 ^ u64::from(history[end - length]) << 12;
    for back in 1..length {
        let byte = history[end - back];
        let new = if byte == history[end - back - length] { REPEATED } else { u64::from(byte) };
        key = (key ^ new).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    }
    hash64(key ^ (0x2D << 56))
}

/// Record contexts (see [`super::record`]) per record-length model.
pub(super) const RECORD_CONTEXTS: usize = 3;

/// Indirect contexts: what followed the current order-1 context the last two times, and
/// what followed the current order-2 context the last time, each with that context.
pub(super) const INDIRECT_CONTEXTS: usize = 2;

/// Text contexts: the current word with the word before the previous one (skipping one),
/// the last three words, and the character above in the previous line with the column.
pub(super) const TEXT_CONTEXTS: usize = 3;

/// Layout contexts: the column; the column with the previous line's length; the bracket
/// depth and whether inside quotes, with the last byte. The column alone says where lines
/// of fixed-width text break (alice29.txt, 1.6 % smaller at level 6 with all three).
pub(super) const LAYOUT_CONTEXTS: usize = 3;

/// Character-class contexts: the classes of the last eight bytes with the last byte; of the
/// fourteen before the last two, with those two bytes; of the last six, with the current
/// word; of the last sixteen alone.
/// A class history sees the shape of what came before (a number, the end of a sentence,
/// an indented line, a run of binary) past the exact bytes, which no order can.
pub(super) const CLASS_CONTEXTS: usize = 4;

/// The contexts of the APM by the match model's expectation ([`Config::match_apm`]): the
/// expected byte or none (257), four classes of length, the partial byte.
pub(super) const MATCH_APM_CONTEXTS: usize = 1 << 19;

/// Brackets are counted this deep.
const MAX_BRACKET_DEPTH: u8 = 3;

/// P = 1/2 in the final probability's 16 bits.
const HALF_P: u32 = 1 << 15;

/// What a hashed context is made of, which decides its table's size and how it learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ContextKind {
    Order,
    Word,
    Sparse,
    Record,
    Indirect,
    Text,
    Layout,
    Class,
}

impl ContextKind {
    /// The kinds of `config`'s hashed contexts, in the order of their hashes: the orders, the
    /// word contexts, then the sparse, record, indirect, text, layout and class ones.
    pub(super) fn all(config: &Config) -> Vec<ContextKind> {
        let runs = |part| config.runs(part);
        let orders = config.orders.iter().filter(|&&order| runs(Component::Order(order))).count();
        let mut kinds = vec![ContextKind::Order; orders];
        for (part, kind, count) in [
            (Component::Words, ContextKind::Word, config.word_contexts),
            (Component::Sparse, ContextKind::Sparse, SPARSE_MASKS.len()),
            (Component::Record, ContextKind::Record, RECORD_CONTEXTS),
            (Component::Indirect, ContextKind::Indirect, INDIRECT_CONTEXTS),
            (Component::Text, ContextKind::Text, TEXT_CONTEXTS),
            (Component::Layout, ContextKind::Layout, LAYOUT_CONTEXTS),
            (Component::Classes, ContextKind::Class, CLASS_CONTEXTS),
        ] {
            if runs(part) {
                kinds.extend(std::iter::repeat_n(kind, count));
            }
        }
        kinds
    }

    /// Whether the context is one of the orders' or words', which keep byte histories.
    pub(super) fn contextual(self) -> bool {
        matches!(self, ContextKind::Order | ContextKind::Word)
    }

    /// Base-2 logarithm of the bucket count of this kind's tables under `config`. The
    /// orders and words take the level's size. The sparse, record, indirect and text
    /// contexts are made of one to three bytes or words, far fewer than a long order's, so
    /// they take at most 2^20 buckets, as do the class contexts, and from codec 15 half the
    /// orders' ([`Config::half_side_tables`]); the layout contexts (a column, a line length,
    /// a bracket depth with a byte) fewer still, at most 2^16.
    pub(super) fn log_buckets(self, config: &Config) -> u32 {
        match self {
            ContextKind::Order | ContextKind::Word => config.log_buckets,
            ContextKind::Layout => config.log_buckets.min(16),
            _ => (config.log_buckets - u32::from(config.half_side_tables)).min(20),
        }
    }
}

/// What picks a mixer gate's weight set. [`Gate::all`] is the one place that orders them:
/// the mixer's weight regions ([`Config::gate_sets`]) and each bit's choice of sets follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Gate {
    /// The match state (four length classes) with the partial byte: every level; from codec
    /// 14 at levels 6–9, with the miss history too ([`Config::miss_history`]).
    MatchState,
    /// The previous byte with the partial byte.
    PreviousByte,
    /// The byte two back, or a 1-bit image's neighbourhood.
    SecondByte,
    /// The bytes two and three back; on a picture's rows, from codec 11, 16 pixels around
    /// the bit ([`ImageModel::gate_contexts`]).
    SecondAndThirdBytes,
    /// The letters of the current word so far (up to 15), the previous byte's high nibble and
    /// the partial byte; on a picture's rows, from codec 11, 15 pixels of the row above and
    /// the one to the left.
    WordLetters,
    /// How many orders have seen their context at this bit (up to 7), the match state (from
    /// codec 16 at levels 6–9, how many orders' counters are deterministic, up to 3; see
    /// [`counter::deterministic`]) and the partial byte; on a picture's rows, from codec 15,
    /// the twelve pixels nearest the bit ([`ImageModel::more_gate_contexts`]).
    SeenOrders,
    /// The classes of the last three bytes ([`byte_class`]) with the partial byte (from
    /// codec 16, and whether a quote is open: [`Nesting::quoted`]); on a picture's rows, from
    /// codec 15, how many pixels around the bit are black.
    Classes,
}

impl Gate {
    /// Where [`Gate::PreviousByte`] is among the mixer's gates when it runs: second, after
    /// the match state, which always runs.
    pub(super) const PREVIOUS_BYTE_SLOT: usize = 1;

    /// The gates of `config`, in the mixer's order: the order of the variants.
    pub(super) fn all(config: &Config) -> Vec<Gate> {
        let optional: [(Component, &[Gate]); 5] = [
            (Component::ByteGate, &[Gate::PreviousByte]),
            (Component::Order2Gates, &[Gate::SecondByte, Gate::SecondAndThirdBytes]),
            (Component::WordGate, &[Gate::WordLetters]),
            (Component::SeenOrdersGate, &[Gate::SeenOrders]),
            (Component::Classes, &[Gate::Classes]),
        ];
        let mut gates = vec![Gate::MatchState];
        for (part, more) in optional {
            if config.runs(part) {
                gates.extend_from_slice(more);
            }
        }
        gates
    }

    /// How many weight sets the gate chooses among.
    pub(super) fn sets(self, config: &Config) -> usize {
        match self {
            Gate::MatchState => {
                if config.runs(Component::MissHistory) {
                    8 * 4 * 256
                } else {
                    4 * 256
                }
            }
            Gate::PreviousByte | Gate::SecondAndThirdBytes => 256 * 256,
            Gate::SecondByte => 256 + image::NEIGHBOURHOODS,
            Gate::WordLetters => 16 * 16 * 256,
            Gate::SeenOrders => 8 * 4 * 256,
            Gate::Classes => (512 * 256) << u32::from(config.runs(Component::Quotes)),
        }
    }
}

/// The predictor, compiled for a mixer of `VECTORS` vectors and for `CONTEXTS` hashed
/// contexts, or either as [`ANY`] (see [`super::with_shape!`]).
pub(crate) struct Predictor<const VECTORS: usize, const CONTEXTS: usize> {
    order0: Vec<u32>,
    order1: Vec<u32>,
    /// One per hashed context: the orders, the word contexts, then the sparse, record,
    /// indirect, text, layout and class ones.
    contexts: Vec<HashedContext>,
    /// What the contexts' byte histories expect, when they keep them.
    history_maps: Option<HistoryMaps>,
    /// How many contexts, from the first, keep byte histories: the orders and words.
    history_contexts: usize,
    /// Which of those are heard while a 1-bit image leads (bit *i* for context *i*).
    heard_in_images: u32,
    /// What the contexts are made of, and their hashes for the current byte.
    hasher: ContextHasher,
    /// Switches for ablation: all on in every level.
    match_model: bool,
    confidence: bool,
    apms: bool,
    /// Whether the order-1 APM alone refines the mixer's output ([`Config::single_apm`]).
    single_apm: bool,
    /// Which of the mixer's gates run, by [`Gate`].
    gates: [bool; MAX_GATES],
    /// The counters' last bits that the confidence maps tell apart: both or none.
    last_bits_mask: u32,
    /// The match models that run: of matches of at least six bytes, whose length also picks
    /// mixer weights, and (levels 3–9 from codec 12, level 2 from codec 13) of at least twelve.
    matchers: Vec<MatchModel>,
    mixer: Mixer<VECTORS>,
    by_partial_byte: Apm,
    by_order1: Apm,
    /// The APM by the match model's expected byte and length ([`Config::match_apm`]).
    by_match: Option<Apm>,
    /// The bits the final probability got wrong, the latest in bit 0, where the level keeps
    /// a miss history ([`Config::miss_history`]); always 0 otherwise.
    missed: u32,
    /// How many contexts, from the first, give an input while their counter is
    /// deterministic ([`Config::deterministic`]): the orders and words, or none.
    deterministic_contexts: usize,
    /// Whether the final probability keeps 16 bits ([`Config::fine_probabilities`]).
    fine: bool,
    miss_history: bool,
    /// The final probability of the current bit.
    last_p: u32,
    /// The bits of the current byte so far, with a leading 1.
    partial: u32,
    /// The bits of the current nibble so far, with a leading 1: the counter's slot within
    /// the nibble's bucket.
    node: usize,
    bit_count: u32,
    /// The 1-bit image contexts, when they run (they need the record detector).
    image: Option<ImageModel>,
    /// The more pixel contexts' inputs for the current bit, by the silenced context and its
    /// input whose place they take; all 0 while they do not run ([`image`]).
    more_pixels: [[i32; 2]; MAX_CONTEXTS],
    /// Whether `more_pixels` holds any inputs: the image model silences the byte contexts
    /// for the current bit, and the more pixel contexts run.
    more_pixels_placed: bool,
    /// The places of the more pixel contexts' inputs in `more_pixels`, in their order.
    more_pixel_places: Vec<(usize, usize)>,
}

/// The most hashed contexts a predictor has: level 9 has 28.
const MAX_CONTEXTS: usize = 32;

/// A hashed context's table, where in it the current nibble's counters are, and its map of
/// what a counter's (count, probability) has really meant: a context seen twice is told
/// from one seen two hundred times.
struct HashedContext {
    table: ContextTable,
    /// Where its counters stop counting.
    limit: u32,
    /// Whether it is heard while a 1-bit image's pixels predict better (the lowest order,
    /// which the image model is scored against, and the record contexts).
    heard_in_images: bool,
    /// The bucket that keeps its byte history (the first nibble's), where it keeps one.
    first_bucket: usize,
    /// The current nibble's bucket.
    bucket: usize,
    confidence: Box<[u32; CONFIDENCE_CELLS]>,
    /// The cell of the confidence map used for the current bit.
    cell: usize,
}

impl HashedContext {
    /// The confidence map's counter for the current bit.
    #[inline(always)]
    fn confidence_counter(&mut self) -> &mut u32 {
        // `cell` is always within the map; the remainder (a mask) lets the compiler see so.
        &mut self.confidence[self.cell % CONFIDENCE_CELLS]
    }
}

/// The words the word and text contexts and the word gate are made of: hashes of their
/// letters, folded to lower case.
#[derive(Clone, Copy, Default)]
struct Words {
    /// The current word (0 between words).
    word: u32,
    /// The letters of the current word so far.
    letters: u32,
    previous: u32,
    /// The word before the previous one.
    older: u32,
}

impl Words {
    /// The words once `byte` has come.
    #[inline(always)]
    fn after(self, byte: u8) -> Words {
        if byte.is_ascii_alphabetic() {
            let word = (self.word ^ u32::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0193);
            Words { word, letters: self.letters + 1, ..self }
        } else if self.word != 0 {
            Words { word: 0, letters: 0, previous: self.word, older: self.previous }
        } else {
            Words { letters: 0, ..self }
        }
    }

    /// The hashes of the word contexts, once `byte` (the last byte) has come: the current
    /// word (or the byte, between words), and the current word with the previous one. A
    /// level with one word context takes the first.
    #[inline(always)]
    fn hashes(self, byte: u8) -> [u32; 2] {
        let word = if self.word == 0 { u64::from(byte) } else { u64::from(self.word) << 8 };
        [hash64(word | (0xA << 60)), hash64((u64::from(self.word) | (u64::from(self.previous) << 32)) ^ (0xB << 60))]
    }
}

/// The bytes that followed each context: the last two after each byte, the last one after
/// each pair of bytes.
struct IndirectHistory {
    after_byte: Vec<u16>,
    after_pair: Vec<u8>,
}

impl IndirectHistory {
    fn new() -> IndirectHistory {
        IndirectHistory { after_byte: vec![0; 256], after_pair: vec![0; 1 << 16] }
    }
}

impl<const VECTORS: usize, const CONTEXTS: usize> Predictor<VECTORS, CONTEXTS> {
    /// A predictor for a block of about `capacity` bytes whose record detector starts from
    /// `row_hint` (0 for none; see [`super::record`]), each hashed context's table halved
    /// as many times as `halvings` says (none where it is empty; see [`fitted_halvings`]).
    pub(crate) fn new(
        config: &Config,
        capacity: usize,
        row_hint: u32,
        halvings: &[u8],
    ) -> Predictor<VECTORS, CONTEXTS> {
        let hasher = ContextHasher::new(config, capacity, row_hint);
        let match_model = config.runs(Component::Match);
        let confidence = config.runs(Component::ConfidenceMaps);
        let image = config.runs(Component::Image).then(|| {
            ImageModel::new(config.log_image_entries(), config.image_shapes, config.runs(Component::MorePixels))
        });
        let kinds = ContextKind::all(config);
        assert!(CONTEXTS == ANY || CONTEXTS == kinds.len(), "a predictor compiled for its contexts");
        assert!(kinds.len() <= MAX_CONTEXTS);
        let contextual = kinds.iter().filter(|kind| kind.contextual()).count();
        let histories = config.runs(Component::ByteHistories);
        assert!(!histories || contextual <= history::MAX_CONTEXTS);
        let gates = Gate::all(config);
        let miss_history = config.runs(Component::MissHistory);
        let mut predictor = Predictor {
            order0: vec![FRESH; 256],
            order1: vec![FRESH; 1 << 16],
            contexts: (kinds.iter().enumerate())
                .map(|(index, &kind)| HashedContext {
                    table: ContextTable::new(
                        kind.log_buckets(config) - u32::from(halvings.get(index).copied().unwrap_or(0)),
                        histories && kind.contextual(),
                    ),
                    limit: if config.steady_contexts
                        && (kind.contextual()
                            || matches!(kind, ContextKind::Text | ContextKind::Layout | ContextKind::Class))
                    {
                        STEADY_LIMIT
                    } else {
                        HASHED_LIMIT
                    },
                    heard_in_images: !config.image_mutes || index == 0 || kind == ContextKind::Record,
                    first_bucket: 0,
                    bucket: 0,
                    confidence: Box::new([FRESH; CONFIDENCE_CELLS]),
                    cell: 0,
                })
                .collect(),
            hasher,
            history_maps: histories.then(HistoryMaps::new),
            history_contexts: if histories { contextual } else { 0 },
            heard_in_images: 0,
            match_model,
            confidence,
            apms: config.runs(Component::Apms),
            single_apm: config.single_apm,
            gates: std::array::from_fn(|variant| gates.iter().any(|&gate| gate as usize == variant)),
            last_bits_mask: if config.runs(Component::LastBits) { 0b11 } else { 0 },
            matchers: [(Component::Match, matcher::SHORT_MATCH), (Component::LongMatch, matcher::LONG_MATCH)]
                .into_iter()
                .filter(|&(part, _)| config.runs(part))
                .map(|(_, min_length)| MatchModel::new(config.log_match, min_length, config.match_recovery))
                .collect(),
            mixer: Mixer::new(
                config.mixer_width(),
                &config.gate_sets(),
                6,
                if config.runs(Component::WarmUp) { config.warm_up } else { WarmUp::Never },
            )
            .summing_narrow(config.narrow_mixer)
            .with_final_mixers(config.runs(Component::FinalMixers)),
            by_partial_byte: Apm::new(config.partial_byte_apm_contexts(), 7).learning_both_knots(config.apm_both_knots),
            // The neighbourhoods of the image contexts follow the order-1 contexts.
            by_order1: Apm::new((1 << 16) + if image.is_some() { image::NEIGHBOURHOODS } else { 0 }, 7)
                .learning_both_knots(config.apm_both_knots),
            by_match: config
                .runs(Component::MatchApm)
                .then(|| Apm::new(MATCH_APM_CONTEXTS, 7).learning_both_knots(config.apm_both_knots)),
            missed: 0,
            deterministic_contexts: config.deterministic_contexts(),
            fine: config.fine_probabilities,
            miss_history,
            last_p: HALF_P,
            partial: 1,
            node: 1,
            bit_count: 0,
            image,
            more_pixels: [[0; 2]; MAX_CONTEXTS],
            more_pixels_placed: false,
            more_pixel_places: Vec::new(),
        };
        let inputs_per_context = 1 + usize::from(confidence);
        predictor.more_pixel_places = (predictor.contexts.iter().enumerate())
            .filter(|(_, context)| !context.heard_in_images)
            .flat_map(|(index, _)| (0..inputs_per_context).map(move |input| (index, input)))
            .collect();
        predictor.heard_in_images = (predictor.contexts[..predictor.history_contexts].iter().enumerate())
            .fold(0, |mask, (slot, context)| mask | u32::from(context.heard_in_images) << slot);
        predictor.hash_contexts();
        predictor.claim_buckets();
        predictor
    }

    /// Bytes of model state, for the memory estimate's tests.
    #[cfg(test)]
    pub(crate) fn model_bytes(&self) -> usize {
        self.table_bytes()
            + self.matchers.iter().map(MatchModel::bytes).sum::<usize>()
            + self.mixer.bytes()
            + self.image.as_ref().map_or(0, ImageModel::bytes)
            + [Some(&self.by_partial_byte), Some(&self.by_order1), self.by_match.as_ref()]
                .into_iter()
                .flatten()
                .map(Apm::bytes)
                .sum::<usize>()
    }

    /// Bytes of the hashed contexts' tables.
    #[cfg(test)]
    pub(crate) fn table_bytes(&self) -> usize {
        self.contexts.iter().map(|context| context.table.bytes()).sum::<usize>()
    }

    /// The bytes seen so far: the decoded block, once all its bits are through.
    pub(crate) fn into_history(self) -> Vec<u8> {
        self.hasher.history
    }
}

impl<const VECTORS: usize, const CONTEXTS: usize> BitPredictor for Predictor<VECTORS, CONTEXTS> {
    const BITS: u32 = 16;

    /// P(next bit = 1) in 1/65536ths, within 1..=65535: a multiple of 16 unless the level
    /// keeps fine probabilities ([`Config::fine_probabilities`]), which codes each bit
    /// exactly as a 12-bit probability would.
    #[inline(always)]
    fn p(&mut self) -> u32 {
        let partial = self.partial as usize;
        let c1 = (self.hasher.recent & 0xFF) as usize;
        let node = self.node;
        let count = self.context_count();
        let image_leads = self.image.as_ref().is_some_and(ImageModel::mutes_byte_contexts);
        self.place_more_pixels(image_leads);
        let mut inputs = self.mixer.inputs();
        inputs.add(counter::stretched(self.order0[partial]));
        inputs.add(counter::stretched(self.order1[c1 << 8 | partial]));
        let mut counters = [0; MAX_CONTEXTS];
        for (index, context) in self.contexts[..count].iter_mut().enumerate() {
            let counter = *context.table.counter(context.bucket, node);
            counters[index % MAX_CONTEXTS] = counter;
            context.cell = confidence_cell(counter, self.last_bits_mask);
            // A silenced context's inputs are multiplied by 0, without a branch, and the
            // more pixel contexts' take their place (0 where they do not run).
            let heard = i32::from(context.heard_in_images || !image_leads);
            let [more_pixels, more_confidence] = self.more_pixels[index % MAX_CONTEXTS];
            inputs.add(heard * counter::stretched(counter) + more_pixels);
            if self.confidence {
                inputs.add(heard * counter::stretched(*context.confidence_counter()) + more_confidence);
            }
        }
        // A loop of its own, so that the one above stays as the compiler lays it out for
        // levels without these inputs.
        // The deterministic ones among them at this bit (bit *i* for context *i*).
        let mut deterministic_mask = 0u32;
        for (index, (context, &counter)) in
            self.contexts[..self.deterministic_contexts].iter().zip(&counters).enumerate()
        {
            let deterministic = counter::deterministic(counter);
            deterministic_mask |= u32::from(deterministic) << index;
            let heard = context.heard_in_images || !image_leads;
            inputs.add(if deterministic && heard { counter::stretched(counter) } else { 0 });
        }
        if let Some(maps) = &mut self.history_maps {
            maps.predict(&mut inputs, if image_leads { self.heard_in_images } else { u32::MAX }, self.bit_count);
        }
        for matcher in &mut self.matchers {
            inputs.add(matcher.predict(self.partial, self.bit_count));
        }
        if let Some(image) = &mut self.image {
            // Scored against the lowest order's prediction.
            let lowest_order = self
                .contexts
                .first_mut()
                .map_or(2048, |context| counter::p12(*context.table.counter(context.bucket, node)));
            image.predict(
                &mut inputs,
                (self.hasher.recent & 0xFFFF) as u32,
                self.partial,
                self.bit_count,
                lowest_order,
            );
        }
        inputs.add(256);
        drop(inputs);
        let match_state = if self.match_model { self.matchers[0].length_bucket() } else { 0 };
        let neighbourhood = self.image.as_ref().and_then(ImageModel::neighbourhood);
        let [_, c2, c3, ..] = self.hasher.recent.to_le_bytes().map(usize::from);
        // In the order of `Gate`'s variants, which `Gate::all` keeps.
        let misses = self.misses();
        let mut sets = [(misses << 2 | match_state) << 8 | partial, 0, 0, 0, 0, 0, 0];
        let mut count = 1;
        if self.gates[Gate::PreviousByte as usize] {
            sets[count] = c1 << 8 | partial;
            count += 1;
        }
        if self.gates[Gate::SecondByte as usize] {
            sets[count] = neighbourhood.map_or(c2, |neighbourhood| 256 + neighbourhood);
            count += 1;
        }
        // On a picture's rows the image model's pixels pick these two gates' sets (codec 11).
        let pixel_sets = self.image.as_ref().and_then(ImageModel::gate_contexts);
        // And from codec 15, those of the gates by seen orders and by classes.
        let more_pixel_sets = self.image.as_ref().and_then(ImageModel::more_gate_contexts);
        if self.gates[Gate::SecondAndThirdBytes as usize] {
            sets[count] = pixel_sets.map_or(c3 << 8 | c2, |sets| sets[0]);
            count += 1;
        }
        if self.gates[Gate::WordLetters as usize] {
            let word_letters = (self.hasher.words.letters.min(15) as usize) << 12 | (c1 >> 4) << 8 | partial;
            sets[count] = pixel_sets.map_or(word_letters, |sets| sets[1]);
            count += 1;
        }
        if self.gates[Gate::SeenOrders as usize] {
            // How many of the orders (the first contexts) have seen their context at this bit.
            let seen_orders = (self.contexts[..self.hasher.orders.len()].iter_mut())
                .map(|context| *context.table.counter(context.bucket, node))
                .filter(|&counter| counter::hashed_count(counter) > 0)
                .count();
            // From codec 16, how many orders are deterministic in place of the match state,
            // which the first gate already has.
            let beside = if self.deterministic_contexts > 0 {
                (deterministic_mask & ((1 << self.hasher.orders.len()) - 1)).count_ones().min(3) as usize
            } else {
                match_state
            };
            sets[count] = more_pixel_sets.map_or((seen_orders.min(7) << 2 | beside) << 8 | partial, |sets| sets[0]);
            count += 1;
        }
        if let Some(classes) = self.hasher.classes {
            let quoted = usize::from(self.hasher.nesting.quoted()) << 17;
            sets[count] = more_pixel_sets.map_or(quoted | ((classes & 0x1FF) as usize) << 8 | partial, |sets| sets[1]);
            count += 1;
        }
        let mixed = self.mixer.mix(&sets[..count]);
        self.prefetch_next_bit(c1, partial);
        self.last_p = self.refine(mixed, c1 << 8 | partial, neighbourhood, misses);
        self.last_p
    }

    /// Starts loading the buckets of this byte's second nibble, those of the orders for the
    /// next byte's first, and the match model's next slot: a decoder claims them as soon as
    /// it knows the bits that choose them, and waits for memory there, but an encoder knows
    /// the byte a whole byte ahead. (Loading the word contexts' next buckets too was
    /// measured, and made level 5 no faster: the loads already in flight are the limit.)
    #[inline(always)]
    fn foresee(&self, byte: u8) {
        let count = self.context_count();
        for (context, &hash) in self.contexts[..count].iter().zip(&self.hasher.hashes[..count]) {
            context.table.prefetch(nibble_hash(hash, 0x10 | u32::from(byte >> 4)));
        }
        let (recent, older) = self.hasher.last_bytes_after(byte);
        for (context, &order) in self.contexts.iter().zip(&self.hasher.orders) {
            context.table.prefetch(order_hash(recent, order));
        }
        let position = self.hasher.history.len() + 1;
        for matcher in &self.matchers {
            matcher.foresee(position, recent, older);
        }
    }

    #[inline(always)]
    fn update(&mut self, bit: u32) {
        let partial = self.partial as usize;
        let c1 = (self.hasher.recent & 0xFF) as usize;
        counter::update(&mut self.order0[partial], bit, DIRECT_LIMIT);
        counter::update(&mut self.order1[c1 << 8 | partial], bit, DIRECT_LIMIT);
        let node = self.node;
        let count = self.context_count();
        // Where the more pixel contexts speak for the silenced contexts, those learn nothing.
        let silenced = self.more_pixels_placed;
        for context in &mut self.contexts[..count] {
            if silenced && !context.heard_in_images {
                continue;
            }
            counter::update_hashed(context.table.counter(context.bucket, node), bit, context.limit);
            counter::update(context.confidence_counter(), bit, DIRECT_LIMIT);
        }
        if let Some(maps) = &mut self.history_maps {
            maps.update(bit);
        }
        for matcher in &mut self.matchers {
            matcher.update(bit);
        }
        if let Some(image) = &mut self.image {
            image.update(bit);
        }
        // The more pixel contexts' inputs are many and agree: the mixer learns at half its rate.
        self.mixer.update(bit, silenced);
        if self.miss_history {
            self.missed = self.missed << 1 | u32::from((self.last_p >= HALF_P) != (bit == 1));
        }
        if self.apms {
            if !self.single_apm {
                self.by_partial_byte.update(bit);
            }
            self.by_order1.update(bit);
            if let Some(by_match) = &mut self.by_match {
                by_match.update(bit);
            }
        }

        self.partial = (self.partial << 1) | bit;
        self.node = self.node << 1 | bit as usize;
        self.bit_count += 1;
        if self.bit_count == 4 {
            self.node = 1;
            self.prefetch_buckets();
            self.claim_buckets();
        } else if self.bit_count == 8 {
            let byte = (self.partial & 0xFF) as u8;
            self.hasher.push(byte);
            self.partial = 1;
            self.node = 1;
            self.bit_count = 0;
            for (context, &hash) in self.contexts[..self.history_contexts].iter_mut().zip(&self.hasher.hashes) {
                context.table.record_byte(context.first_bucket, hash, u32::from(byte));
            }
            // Every table look-up of the new byte is started before any is waited for.
            let position = self.hasher.history.len();
            for matcher in &mut self.matchers {
                matcher.byte_ended(position, self.hasher.recent, self.hasher.older);
            }
            self.hash_contexts();
            self.prefetch_buckets();
            for matcher in &mut self.matchers {
                matcher.byte_done(&self.hasher.history);
            }
            self.claim_buckets();
        }
    }
}

impl<const VECTORS: usize, const CONTEXTS: usize> Predictor<VECTORS, CONTEXTS> {
    /// The final probability (in 1/65536ths) from the mixer's output `mixed` (stretched),
    /// refined by the APMs and averaged with them: `order1` is the previous byte with the
    /// partial byte, and `neighbourhood` a 1-bit image's, which stands in for it; `misses`
    /// the [`Predictor::misses`] state.
    #[inline(always)]
    fn refine(&mut self, mixed: i32, order1: usize, neighbourhood: Option<usize>, misses: usize) -> u32 {
        let p = squash(mixed);
        if !self.apms {
            return (p as u32) << 4;
        }
        let partial = order1 & 0xFF;
        let by_order1 = neighbourhood.map_or(order1, |neighbourhood| (1 << 16) + neighbourhood);
        if self.single_apm {
            // The mixer's own stretched output: no squash and stretch again on the way, two
            // table look-ups fewer on the path every bit waits for.
            let refined = self.by_order1.refine(mixed, by_order1);
            return (((2 * p + refined * 6 + 4) >> 3).clamp(1, 4095) as u32) << 4;
        }
        let stretched = stretch(p);
        // In 16 bits where the level keeps them, else in 12.
        let fine = self.fine;
        let refined = self.by_partial_byte.refine_in(stretched, misses << 8 | partial, fine);
        let refined_by_order1 = self.by_order1.refine_in(stretched, by_order1, fine);
        let mixer_share = if fine { 32 * p } else { 2 * p };
        let mean = match &mut self.by_match {
            Some(by_match) => {
                let refined_by_match =
                    by_match.refine_in(stretched, self.matchers[0].expectation() << 8 | partial, fine);
                mixer_share + refined + refined_by_order1 * 3 + refined_by_match * 2
            }
            None => mixer_share + refined + refined_by_order1 * 5,
        };
        if fine { ((mean + 4) >> 3).clamp(1, 65535) as u32 } else { (((mean + 4) >> 3).clamp(1, 4095) as u32) << 4 }
    }

    /// Puts the more pixel contexts' inputs in the places of the silenced contexts' where
    /// `image_leads` and they run, and clears those places otherwise.
    #[inline(always)]
    fn place_more_pixels(&mut self, image_leads: bool) {
        let mut inputs = [0; image::MORE_INPUTS];
        let placed = image_leads
            && self.image.as_mut().is_some_and(|image| {
                image.predict_more(&mut inputs, (self.hasher.recent & 0xFFFF) as u32, self.partial, self.bit_count)
            });
        if placed {
            for (&(context, input), value) in self.more_pixel_places.iter().zip(inputs) {
                self.more_pixels[context % MAX_CONTEXTS][input] = value;
            }
        } else if self.more_pixels_placed {
            self.more_pixels = [[0; 2]; MAX_CONTEXTS];
        }
        self.more_pixels_placed = placed;
    }

    /// Which of the last bits the final probability got wrong (it put the bit on the side
    /// below 1/2): the latest, any of the seven before, any of the eight before those. 0
    /// without [`Config::miss_history`].
    #[inline(always)]
    fn misses(&self) -> usize {
        let misses = self.missed;
        (misses & 1 | u32::from(misses & 0xFE != 0) << 1 | u32::from(misses & 0xFF00 != 0) << 2) as usize
    }

    /// How many hashed contexts there are: a constant where the code was compiled for it.
    #[inline(always)]
    fn context_count(&self) -> usize {
        if CONTEXTS == ANY { self.contexts.len() } else { CONTEXTS }
    }

    /// Starts loading what the next bit selects by the previous byte in the mixer's byte gate
    /// and the order-1 APM, for both values of this bit: those tables are megabytes read at
    /// random, and without this each bit would wait for memory twice. (Loading the next
    /// nibble's buckets early this way was measured too, and gained nothing.)
    #[inline(always)]
    fn prefetch_next_bit(&self, c1: usize, partial: usize) {
        // After the byte's last bit, the next byte's first: its previous byte is this one.
        let (first, step) = if partial >= 128 { ((partial & 0x7F) << 9 | 1, 256) } else { (c1 << 8 | partial << 1, 1) };
        for bit in 0..2 {
            let context = first + bit * step;
            if self.gates[Gate::PreviousByte as usize] {
                self.mixer.prefetch(Gate::PREVIOUS_BYTE_SLOT, context);
            }
            if self.apms {
                self.by_order1.prefetch(context);
            }
        }
    }

    /// The contexts' hashes once a byte has come (or, at the start, none), and the limits and
    /// image rows that follow them.
    #[inline(always)]
    fn hash_contexts(&mut self) {
        if let Some((slots, in_text)) = self.hasher.hash() {
            // Tokens settle like the text contexts; the sparse and record contexts adapt.
            for context in &mut self.contexts[slots] {
                context.limit = if in_text { STEADY_LIMIT } else { HASHED_LIMIT };
            }
        }
        if let (Some(image), Some(length)) = (&mut self.image, self.hasher.record_length()) {
            image.byte_ended(&self.hasher.history, length);
        }
    }

    #[inline(always)]
    fn prefetch_buckets(&self) {
        let count = self.context_count();
        for (context, &hash) in self.contexts[..count].iter().zip(&self.hasher.hashes[..count]) {
            context.table.prefetch(bucket_key(hash, self.bit_count, self.partial));
        }
    }

    /// Each table's bucket for the current nibble.
    #[inline(always)]
    fn claim_buckets(&mut self) {
        let count = self.context_count();
        for (context, &hash) in self.contexts[..count].iter_mut().zip(&self.hasher.hashes[..count]) {
            context.bucket = context.table.bucket(bucket_key(hash, self.bit_count, self.partial));
        }
        if self.bit_count == 0
            && let Some(maps) = &mut self.history_maps
        {
            for (slot, context) in self.contexts[..self.history_contexts].iter_mut().enumerate() {
                let (last, run) = context.table.byte_history(context.bucket);
                maps.start_byte(slot, last, run);
                context.first_bucket = context.bucket;
            }
        }
    }
}

/// What the hashed contexts are made of, byte by byte, and their hashes for the current
/// byte: everything that follows from the bytes alone, none of what is learnt from them. The
/// encoder runs one over a block before coding it, to size the tables ([`fitted_halvings`]).
struct ContextHasher {
    /// Each context's hash for the current byte, in [`ContextKind::all`]'s order.
    hashes: Vec<u32>,
    orders: Vec<u8>,
    /// How many word contexts run (0 when they are off): the first [`Words::hashes`].
    word_contexts: usize,
    /// Whether the words are followed: for the word, text and class contexts and the word
    /// gate.
    follows_words: bool,
    history: Vec<u8>,
    /// The last eight bytes, the most recent in the low byte.
    recent: u64,
    /// The eight bytes before those, likewise.
    older: u64,
    words: Words,
    /// Where the current and the previous line start in `history`, for the text contexts.
    line_start: usize,
    previous_line_start: usize,
    text: bool,
    layout: bool,
    /// What is open, for the layout contexts and the class gate.
    nesting: Nesting,
    /// The classes of the last 16 bytes ([`byte_class`]), three bits each, the latest lowest,
    /// when the class contexts run.
    classes: Option<u64>,
    sparse: bool,
    /// The tokens of the text, when the token contexts run ([`super::tokens`]), and whether
    /// they hold the sparse and first record contexts' tables for the current byte.
    tokens: Option<Tokens>,
    in_text: bool,
    /// The record-length detector, when the record contexts run.
    records: Option<RecordDetector>,
    /// Whether the record's new bytes take the first sparse context's table
    /// ([`Config::new_bytes`]).
    new_bytes: bool,
    /// What followed each order-1 and order-2 context, when the indirect contexts run.
    indirect: Option<IndirectHistory>,
}

impl ContextHasher {
    /// The contexts of `config` for a block of about `capacity` bytes whose record detector
    /// starts from `row_hint`, before its first byte.
    fn new(config: &Config, capacity: usize, row_hint: u32) -> ContextHasher {
        assert!(config.word_contexts <= 2, "the word model has two contexts");
        let word_contexts = if config.runs(Component::Words) { config.word_contexts } else { 0 };
        let text = config.runs(Component::Text);
        let classes = config.runs(Component::Classes).then_some(0);
        ContextHasher {
            hashes: vec![0; ContextKind::all(config).len()],
            orders: config.orders.iter().copied().filter(|&order| config.runs(Component::Order(order))).collect(),
            word_contexts,
            follows_words: word_contexts > 0 || text || classes.is_some() || config.runs(Component::WordGate),
            history: Vec::with_capacity(capacity),
            recent: 0,
            older: 0,
            words: Words::default(),
            line_start: 0,
            previous_line_start: 0,
            text,
            layout: config.runs(Component::Layout),
            nesting: Nesting { single_quotes: config.runs(Component::Quotes), ..Nesting::default() },
            classes,
            sparse: config.runs(Component::Sparse),
            tokens: config.runs(Component::Tokens).then(Tokens::default),
            in_text: false,
            records: (config.runs(Component::Record))
                .then(|| RecordDetector::new(row_hint, config.runs(Component::RowHint), config.scored_records)),
            indirect: config.runs(Component::Indirect).then(IndirectHistory::new),
            new_bytes: config.runs(Component::NewBytes),
        }
    }

    /// `recent` and `older` once `byte` has come.
    #[inline(always)]
    fn last_bytes_after(&self, byte: u8) -> (u64, u64) {
        (self.recent << 8 | u64::from(byte), self.older << 8 | self.recent >> 56)
    }

    /// Takes `byte` as the last byte; [`ContextHasher::hash`] then hashes the contexts.
    #[inline(always)]
    fn push(&mut self, byte: u8) {
        self.history.push(byte);
        (self.recent, self.older) = self.last_bytes_after(byte);
    }

    /// The record length the record contexts see, when they run.
    fn record_length(&self) -> Option<usize> {
        self.records.as_ref().map(|records| records.length() as usize)
    }

    /// The hashes once the last byte has come (or, at the start, none). Where the text
    /// starts or stops looking like text, the slots that the tokens take then or give back,
    /// and whether they take them.
    #[inline(always)]
    fn hash(&mut self) -> Option<(std::ops::Range<usize>, bool)> {
        let byte = (self.recent & 0xFF) as u8;
        if self.follows_words {
            self.words = self.words.after(byte);
        }
        for (slot, &order) in self.orders.iter().enumerate() {
            self.hashes[slot] = order_hash(self.recent, order);
        }
        let mut at = self.orders.len();
        for (slot, hash) in self.words.hashes(byte).into_iter().take(self.word_contexts).enumerate() {
            self.hashes[at + slot] = hash;
        }
        at += self.word_contexts;
        let sparse_at = at;
        if self.sparse {
            for (slot, mask) in SPARSE_MASKS.iter().enumerate() {
                self.hashes[at + slot] = hash64((self.recent & mask) ^ ((0x20 + slot as u64) << 56));
            }
            at += SPARSE_MASKS.len();
        }
        let sparse_slots = sparse_at..at;
        if let Some(records) = &mut self.records {
            let history = &self.history;
            if let Some(&last) = history.last() {
                records.update(last, history.len() as u32);
            }
            let length = records.length() as usize;
            // The byte `distance` back, 0 before the start (and for distance 0).
            let back = |distance: usize| {
                distance
                    .checked_sub(1)
                    .and_then(|d| history.len().checked_sub(d + 1))
                    .map_or(0, |at| u64::from(history[at]))
            };
            let tag = (length as u64) << 32;
            let above = back(length);
            self.hashes[at] = hash64(tag ^ above << 8 ^ back(1) ^ (0x30 << 56));
            self.hashes[at + 1] =
                hash64(tag ^ above << 16 ^ back(length + 1) << 8 ^ back(length.saturating_sub(1)) ^ (0x31 << 56));
            self.hashes[at + 2] = hash64(tag ^ above << 8 ^ back(2 * length) ^ (0x32 << 56));
            if self.new_bytes && NEW_BYTES_RECORDS.contains(&length) && history.len() > 2 * length {
                self.hashes[sparse_slots.start] = new_bytes_hash(history, length);
            }
            at += RECORD_CONTEXTS;
        }
        // Before the tokens, whose current token sees the quotes (codec 16).
        if self.layout {
            self.nesting.update(byte);
        }
        let mut tokens_moved = None;
        if let Some(tokens) = &mut self.tokens {
            tokens.update(byte);
            let in_text = tokens.in_text();
            // The sparse contexts' tables, and the first record contexts' where they run.
            let record_slots = if self.records.is_some() { tokens::IN_RECORD } else { 0 };
            let slots = sparse_slots.start..sparse_slots.end + record_slots;
            if in_text {
                let hashes = tokens.hashes(byte, self.nesting.quoted());
                self.hashes[slots.clone()].copy_from_slice(&hashes[..slots.len()]);
            }
            if in_text != self.in_text {
                self.in_text = in_text;
                tokens_moved = Some((slots, in_text));
            }
        }
        if let Some(history) = &mut self.indirect {
            let [c1, c2, c3, ..] = self.recent.to_le_bytes().map(usize::from);
            // The new byte c1 followed the byte c2 and the pair c3 c2.
            history.after_pair[c3 << 8 | c2] = c1 as u8;
            history.after_byte[c2] = history.after_byte[c2] << 8 | c1 as u16;
            let after_byte = u64::from(history.after_byte[c1]);
            let after_pair = u64::from(history.after_pair[c2 << 8 | c1]);
            self.hashes[at] = hash64(after_byte | (c1 as u64) << 16 | (0x40 << 56));
            self.hashes[at + 1] = hash64(after_pair | (c1 as u64) << 8 | (c2 as u64) << 16 | (0x41 << 56));
            at += INDIRECT_CONTEXTS;
        }
        if let Some(classes) = &mut self.classes {
            let at = self.hashes.len() - CLASS_CONTEXTS;
            *classes = (*classes << 3 | byte_class(byte)) & 0xFFFF_FFFF_FFFF;
            self.hashes[at] = hash64((*classes & 0xFF_FFFF) | u64::from(byte) << 24 | (0x80 << 56));
            self.hashes[at + 1] = hash64((*classes >> 6) ^ (self.recent & 0xFFFF) << 42 ^ (0x81 << 56));
            self.hashes[at + 2] = hash64(u64::from(self.words.word) ^ (*classes & 0x3_FFFF) << 32 ^ (0x82 << 56));
            self.hashes[at + 3] = hash64(*classes ^ (0x83 << 56));
        }
        if !(self.text || self.layout) {
            return tokens_moved;
        }
        if byte == b'\n' {
            self.previous_line_start = self.line_start;
            self.line_start = self.history.len();
        }
        let at_column = self.history.len() - self.line_start;
        let column = at_column.min(255) as u64;
        if self.text {
            let above_at = self.previous_line_start + at_column;
            let above = if above_at < self.line_start { u64::from(self.history[above_at]) } else { 0 };
            let words = [self.words.word, self.words.previous, self.words.older].map(u64::from);
            self.hashes[at] = hash64((words[0] | words[2] << 32) ^ u64::from(byte) << 48 ^ (0x60 << 56));
            self.hashes[at + 1] =
                hash64((words[0] ^ words[1].rotate_left(13) ^ words[2].rotate_left(29)) | (0x61 << 56));
            self.hashes[at + 2] = hash64(above | column << 8 | u64::from(byte) << 16 | (0x62 << 56));
            at += TEXT_CONTEXTS;
        }
        if self.layout {
            let previous_line = (self.line_start - self.previous_line_start).min(255) as u64;
            let nesting = self.nesting.key();
            self.hashes[at] = hash64(column | (0x70 << 56));
            self.hashes[at + 1] = hash64(column | previous_line << 8 | (0x71 << 56));
            self.hashes[at + 2] = hash64(nesting << 8 | u64::from(byte) | (0x72 << 56));
        }
        tokens_moved
    }
}

/// The smallest table a fitted context gets: 2^8 buckets.
pub(super) const MIN_FITTED_LOG: u32 = 8;

/// How many times each hashed context's table (in [`ContextKind::all`]'s order) can be halved
/// for `data`, a block whose record detector starts from `row_hint` (codec 17 at levels 6–9;
/// [`Config::fitted_tables`]).
///
/// A table's size follows the block's length, but what a context fills depends on what it
/// is made of: on alice29.txt at level 9, order 2 used 3,923 of its 262,144 buckets, order 8
/// 169,451, and eleven of the twenty other tables under 40,000 of 131,072. A bucket is
/// placed at random, so such a table is touched on most of its pages, which a virtual
/// machine must find and clear: fresh memory cost more time than coding there.
///
/// The encoder therefore runs the contexts over the block once before coding it, without
/// predicting a bit, and marks the home of each bucket key each context claims (two a byte,
/// one per nibble) in a bitmap of the table's homes. A home at half the size is the same
/// key's home with its top bit dropped, so folding the bitmap in half gives the homes that a
/// table half the size would use, exactly, for every size in turn. A table is halved while
/// the keys would still fill at most 2/5 of its homes (about one key for every two buckets:
/// the three-way probe then rarely evicts), and never below 2^[`MIN_FITTED_LOG`] buckets.
/// Every step is on integers, so every machine writes the same sizes; the decoder reads
/// them from the payload.
///
/// Measured at level 9: peak memory 317 → 238 MB on alice29.txt, 594 → 431 MB on
/// lcet10.txt, 729 → 360 MB on ptt5, for 61 bytes more on the seven small corpus files (42
/// of them the sizes).
pub(crate) fn fitted_halvings(config: &Config, data: &[u8], row_hint: u32) -> Vec<u8> {
    let full: Vec<u32> = ContextKind::all(config).iter().map(|kind| kind.log_buckets(config)).collect();
    let mut hasher = ContextHasher::new(config, data.len(), row_hint);
    hasher.hash();
    let mut homes: Vec<Homes> = full.iter().map(|&log| Homes::new(log)).collect();
    for &byte in data {
        let second_nibble = 0x10 | u32::from(byte >> 4);
        for (homes, &hash) in homes.iter_mut().zip(&hasher.hashes) {
            homes.mark(bucket_key(hash, 0, 1));
            homes.mark(bucket_key(hash, 4, second_nibble));
        }
        hasher.push(byte);
        hasher.hash();
    }
    homes.into_iter().zip(full).map(|(homes, log)| (log - homes.fitted_log()) as u8).collect()
}

/// The homes that a table's bucket keys are placed at ([`ContextTable`]), one bit each.
struct Homes {
    bits: Vec<u64>,
    log: u32,
}

impl Homes {
    fn new(log: u32) -> Homes {
        Homes { bits: vec![0; (1usize << log).div_ceil(64)], log }
    }

    #[inline(always)]
    fn mark(&mut self, key: u32) {
        let home = ContextTable::home_in(key, (1 << self.log) - 1);
        self.bits[home / 64] |= 1 << (home % 64);
    }

    /// Base-2 logarithm of the fewest buckets, down to 2^[`MIN_FITTED_LOG`], whose homes the
    /// marked keys fill to at most 2/5; the map's own size where even it is fuller.
    fn fitted_log(mut self) -> u32 {
        let mut log = self.log;
        while log > MIN_FITTED_LOG {
            // The homes of a table half the size: each key's with its top bit dropped.
            let half = (1usize << (log - 1)).div_ceil(64);
            let (low, high) = self.bits.split_at_mut(half);
            for (low, high) in low.iter_mut().zip(&high[..half]) {
                *low |= high;
            }
            self.bits.truncate(half);
            let filled = self.bits.iter().map(|word| u64::from(word.count_ones())).sum::<u64>();
            if 5 * filled > 2 << (log - 1) {
                break;
            }
            log -= 1;
        }
        log
    }
}

/// What is open at the current byte, for the layout contexts and the class gate: brackets
/// (up to [`MAX_BRACKET_DEPTH`]), a double quote, and from codec 16 a single quote.
///
/// A single quote is ambiguous: `'` also stands for an apostrophe ("don't", "Alice's") and
/// sometimes for a quote's start, while older texts open a quote with a backquote.
/// So a backquote opens one; so does `'` after anything but a letter, digit or punctuation;
/// `'` after punctuation closes it; `'` after a letter or digit closes an open quote
/// unless a letter follows, as one follows an apostrophe; and a blank line closes it. On
/// alice29.txt, whose dialogue is quoted so, the single quote in the layout context and the
/// class gate took 0.6 % off at level 9, and in the current token's context another 0.3 %: a
/// closing quote after a comma or an exclamation, which the nearest bytes cannot tell from
/// an apostrophe, costs a third less.
#[derive(Clone, Copy, Default)]
struct Nesting {
    brackets: u8,
    double_quote: bool,
    /// Whether single quotes are followed at all ([`Config::quotes`]).
    single_quotes: bool,
    single_quote: bool,
    /// Whether the last byte was a `'` after a letter or digit inside a quote: the quote's
    /// close unless a letter follows.
    may_close: bool,
    /// The last two bytes, the latest first.
    last: [u8; 2],
}

impl Nesting {
    #[inline(always)]
    fn update(&mut self, byte: u8) {
        match byte {
            b'(' | b'[' | b'{' => self.brackets = (self.brackets + 1).min(MAX_BRACKET_DEPTH),
            b')' | b']' | b'}' => self.brackets = self.brackets.saturating_sub(1),
            b'"' => self.double_quote = !self.double_quote,
            _ => {}
        }
        if !self.single_quotes {
            return;
        }
        let [last, before] = self.last;
        if self.may_close && !byte.is_ascii_alphabetic() {
            self.single_quote = false;
        }
        self.may_close = false;
        match byte {
            b'`' => self.single_quote = true,
            b'\'' if last.is_ascii_alphanumeric() => self.may_close = self.single_quote,
            b'\'' => self.single_quote = !matches!(last, b'.' | b',' | b'!' | b'?' | b';' | b':' | b'-'),
            b'\n' if last == b'\n' || last == b'\r' && before == b'\n' => self.single_quote = false,
            _ => {}
        }
        self.last = [byte, last];
    }

    /// The layout context's part: the brackets, then the double and the single quote.
    fn key(self) -> u64 {
        u64::from(self.brackets) | u64::from(self.double_quote) << 2 | u64::from(self.single_quote) << 3
    }

    /// Whether a quote of either kind is open, where single quotes are followed (else
    /// `false`: the class gate and the token contexts of older codecs do not look).
    fn quoted(self) -> bool {
        self.single_quotes && (self.single_quote || self.double_quote)
    }
}

/// A byte's class for the class contexts: space, small letter, capital, digit, sentence
/// punctuation, line break or tab, other ASCII, or a byte above 127.
#[inline(always)]
fn byte_class(byte: u8) -> u64 {
    match byte {
        b' ' => 0,
        b'a'..=b'z' => 1,
        b'A'..=b'Z' => 2,
        b'0'..=b'9' => 3,
        b'.' | b',' | b';' | b':' | b'!' | b'?' => 4,
        b'\n' | b'\r' | b'\t' => 5,
        128.. => 7,
        _ => 6,
    }
}

const CONFIDENCE_CELLS: usize = 4 * 16 * 64;

/// A hashed counter's count on a log scale, 16 steps: n itself below 8, then 5 + log2 n.
static COUNT_STEPS: [u8; 256] = {
    let mut steps = [0; 256];
    let mut n = 0;
    while n < 256 {
        steps[n] = if n < 8 { n as u8 } else { 5 + n.ilog2() as u8 };
        n += 1;
    }
    steps
};

/// The confidence-map cell of a hashed context's counter: its count on a log scale (16
/// steps), its probability in 64 steps and, from codec 9 on, its last two bits (those of
/// `last_bits_mask`).
#[inline(always)]
fn confidence_cell(counter: u32, last_bits_mask: u32) -> usize {
    let count_step = COUNT_STEPS[counter::hashed_count(counter) as u8 as usize];
    // The last bits vary fastest, so that a counter's four cells share a cache line.
    ((count_step as usize) * 64 + (counter::p12(counter) >> 6) as usize) << 2
        | (counter::last_bits(counter) & last_bits_mask) as usize
}

#[inline(always)]
pub(super) fn hash64(value: u64) -> u32 {
    let mut x = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> 32) as u32
}

/// The context hash of order `order` when the last bytes are `recent` (the latest in the low
/// byte).
#[inline(always)]
fn order_hash(recent: u64, order: u8) -> u32 {
    hash64((recent & super::low_bytes(usize::from(order))) ^ (u64::from(order) << 60))
}

/// The key of a table's bucket for the nibble that starts after `bit_count` bits of the byte
/// (0 or 4): the context hash, and for the second nibble the first one too.
#[inline(always)]
fn bucket_key(hash: u32, bit_count: u32, partial: u32) -> u32 {
    if bit_count < 4 { hash } else { nibble_hash(hash, partial) }
}

/// The bucket hash for the second nibble of a byte: the context and the first nibble.
#[inline(always)]
fn nibble_hash(context: u32, partial: u32) -> u32 {
    hash64(u64::from(context) << 8 | u64::from(partial))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding the map of homes in half gives exactly the homes of a table half the size,
    /// and the fitted size is the smallest whose homes the keys fill to at most 2/5.
    #[test]
    fn a_fitted_table_is_the_smallest_that_its_keys_fill_to_two_fifths() {
        let filled = |keys: &[u32], log: u32| {
            (keys.iter().map(|&key| ContextTable::home_in(key, (1 << log) - 1)))
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        let fitted = |keys: &[u32], log| {
            let mut homes = Homes::new(log);
            keys.iter().for_each(|&key| homes.mark(key));
            homes.fitted_log()
        };
        let keys: Vec<u32> = (0..3000u64).map(hash64).collect();
        let log = fitted(&keys, 18);
        assert_eq!(log, 13, "3,000 keys fill 2^13 homes to {}", filled(&keys, 13));
        assert!(5 * filled(&keys, 13) <= 2 << 13 && 5 * filled(&keys, 12) > 2 << 12);
        // A table that its keys fill beyond 2/5 keeps its size; few keys get the smallest.
        assert_eq!(fitted(&keys, 12), 12);
        assert_eq!(fitted(&keys[..10], 18), MIN_FITTED_LOG);
    }

    /// After each byte of `text`, `^` where a single quote is open, else `.`.
    fn single_quoted(text: &[u8]) -> String {
        let mut nesting = Nesting { single_quotes: true, ..Nesting::default() };
        (text.iter())
            .map(|&byte| {
                nesting.update(byte);
                if nesting.single_quote { '^' } else { '.' }
            })
            .collect()
    }

    #[test]
    fn single_quotes_are_told_from_apostrophes() {
        // Opened by a backquote or a quote after a space; closed by a quote after
        // punctuation; an apostrophe in a word or after one changes nothing.
        assert_eq!(single_quoted(b"`Don't,' said Alice's cat, 'no!' And"), "^^^^^^^....................^^^^.....");
        // A quote after a letter closes where no letter follows it; so does a blank line.
        assert_eq!(single_quoted(b"`Well' he\r\n`Oh\r\n\r\nNext"), "^^^^^^.....^^^^^^.....");
        // Double quotes and brackets are counted at every level; single quotes only where
        // the level follows them.
        let mut nesting = Nesting::default();
        for &byte in b"(`a \"b" {
            nesting.update(byte);
        }
        assert_eq!((nesting.key(), nesting.quoted()), (1 | 1 << 2, false));
    }
}
