//! Contexts of a bit's neighbours in a 1-bit image (levels 6–9, from codec 7 on).
//!
//! A fax or a scanned page stored one bit per pixel is rows of *R* bytes, each byte eight
//! pixels, the leftmost in the most significant bit. The [record detector](super::record)
//! finds *R*; this model then predicts each bit (each pixel) from the pixels around it,
//! which the byte-wise record contexts see only in whole bytes: the pixels already coded to
//! its left in the same row, and windows of the rows one, two and three above, centred on
//! its column. Eight contexts combine them at different widths, from the three pixels above
//! to seventeen in each of two rows. Their counters are read and updated at every bit; a
//! context changes with every bit, so there is no nibble bucket to share.
//!
//! The narrowest context, the **neighbourhood** (five pixels above, four to the left, three
//! two rows up: 12 bits), indexes a table of its own, small enough to stay in cache. It runs
//! whenever a record length is known, and keeps a score: the squared errors of the order-2
//! context's prediction less its own, decaying by 1/4096 a bit. While the score is above 0
//! the model predicts better than the byte contexts, and then
//!
//! - the seven wider contexts run too (hashed into tables of up to 2^22 counters each; on
//!   text, where the detector may find a line length, they would cost a third of the time
//!   for nothing);
//! - the neighbourhood picks a set of mixer weights and keys the order-1 APM, so that the
//!   weights and the correction learn per neighbourhood.
//!
//! From codec 11 on (levels 6–9), four of the wider contexts give way to shapes that see
//! further along the rows above: up to eight pixels to the right of the bit in each of the
//! three rows (where the next edge is coming from) and, in another, eight to the left. Their
//! counters stop counting sooner, at 12, and on rows as wide as a picture's (see
//! [`MUTING_ROW`]) two more pixel contexts pick the sets of two mixer gates whose byte
//! contexts mean nothing there. On ptt5 these take 3.3 % off level 6's output (23,303 →
//! 22,539 bytes): shape by shape, a context three rows deep that looks right is worth
//! most. Keeping the four old shapes too (thirteen contexts) made about 22,300 bytes, but
//! widens the mixer at every level from 6 up for one file's sake; keying the partial
//! byte's APM by a pixel context instead gained nothing.
//!
//! From codec 14 on (levels 6–9), two of those shapes, the one two rows deep and the one
//! three rows deep, give way to **columns**: the pixel straight above in each of the eight
//! rows above, with the two pixels to the left and the two beside the one above; and the
//! pixel above with its right-hand neighbour in each of the eight rows. A fax's strokes and
//! rules run down the page for many rows, which three rows do not see. ptt5 at level 9
//! comes out 1.1 % smaller (22,256 → 22,001 bytes); the columns as two more contexts,
//! keeping the shapes they replace, made 21,921 bytes, but would widen the mixer of every
//! block for images alone; one column in place of each of the other shapes, 22,136 to
//! 22,309 bytes.
//!
//! From codec 15 on (levels 6–9), while the model leads on a picture's rows, twelve **more
//! pixel contexts** take the inputs of the byte contexts it silences, which would carry
//! only zeros: eight small shapes indexed directly (from the pixel to the left and the one
//! above, to eight pixels of the row), and four wide ones hashed (three rows around the
//! bit, two rows looking left, a 7×3 window, and that window inside a frame four rows up).
//! Each gives two inputs, a counter that adapts (stops counting at 12) and one that settles
//! (at 1023). The silenced contexts then skip their updates, and the mixer learns at half
//! its rate, its inputs being many and agreeing. Two more pixel contexts pick the sets of
//! the mixer's gates by seen orders and by classes, which mean nothing on a picture: the
//! twelve pixels nearest the bit, and how many are black of the 7×3 around it and of a
//! frame of sixteen outside those, with the seven to its left.
//!
//! ptt5 came out 3.7 % smaller at level 9 (20,326 → 19,580 bytes; the gates 140 of those),
//! in about the same time: skipping the silenced contexts' updates pays for the new ones.
//! Sixteen direct shapes instead of eight made it no smaller; frequency counts (as paq8px
//! keeps) in place of the settling counter made it 0.4 % larger, for a division an input;
//! without the halved rate, 1.5 % larger.
//!
//! Everything is integer and decided from coded bits only, so the decoder follows exactly.

use super::counter;
use super::mixer::Inputs;

/// The model's contexts, and so its inputs to the mixer.
pub(super) const CONTEXTS: usize = 8;

/// The number of neighbourhoods ([`ImageModel::neighbourhood`]).
pub(super) const NEIGHBOURHOODS: usize = 1 << 12;

/// The shortest rows, in bytes, on which the image model silences the byte contexts while
/// it leads (from codec 8 on): 512 pixels. Machine code and tables have shorter records, on
/// which the image model can lead a while without the byte contexts being noise (sum, a
/// SPARC executable, 0.9 % larger with no least row length).
pub(super) const MUTING_ROW: usize = 64;

/// Counters stop counting here: pixels' statistics drift from page to page (before codec
/// 11, and from then on).
const COUNT_LIMITS: [u32; 2] = [30, 12];

/// The rows above that the column contexts see (codec 14).
const COLUMN_ROWS: usize = 8;

/// The shapes of the wider contexts, by codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageShapes {
    /// Codecs 7–10: windows of up to seventeen pixels centred on the bit.
    Near,
    /// Codecs 11–13: rows one to three up looking further to either side, where the next
    /// edge is coming from, counters that adapt faster, and two mixer gates keyed by pixels.
    Edges,
    /// Codec 14: as [`ImageShapes::Edges`], with two of the shapes giving way to columns
    /// eight rows deep.
    Columns,
}

/// The pixels around the next bit: those before it in its row, and windows of the rows above.
#[derive(Clone, Copy)]
struct Pixels<'a> {
    /// The pixels to the left, the nearest in bit 0.
    left: u64,
    rows: &'a [u32; COLUMN_ROWS],
    bit_count: u32,
}

impl Pixels<'_> {
    /// The pixels around the bit after `bit_count` bits of the byte whose bits so far are
    /// `partial` (with a leading 1), the two bytes before being `previous`, under `rows`
    /// ([`ImageModel::byte_ended`]).
    #[inline(always)]
    fn new(rows: &[u32; COLUMN_ROWS], previous: u32, partial: u32, bit_count: u32) -> Pixels<'_> {
        let left = u64::from((previous << bit_count) | (partial & ((1 << bit_count) - 1)));
        Pixels { left, rows, bit_count }
    }

    /// The pixels of row `row` up (0: the row above) from `left_of` left of the bit's column
    /// to `right_of` right of it: the pixel above the bit is bit 15 − `bit_count` of a row.
    #[inline(always)]
    fn window(self, row: usize, left_of: u32, right_of: u32) -> u64 {
        u64::from((self.rows[row] >> (15 - self.bit_count - right_of)) & ((1 << (left_of + right_of + 1)) - 1))
    }
}

/// The largest tables of the wider contexts: 2^22 counters each.
const MAX_LOG_ENTRIES: u32 = 22;

/// The more pixel contexts (codec 15): eight direct, of these many bits each…
const DIRECT_BITS: [u32; 8] = [2, 4, 4, 6, 8, 8, 8, 8];
/// …and four hashed.
const HASHED: usize = 4;
/// Their inputs: two for each.
pub(super) const MORE_INPUTS: usize = 2 * (DIRECT_BITS.len() + HASHED);
/// Where the settling counter of a more pixel context stops counting.
const SETTLED_LIMIT: u32 = 1023;

/// The tables of the more pixel contexts: a cell is two counters, the adaptive one in the
/// low half and the settling one in the high.
struct MorePixels {
    direct: Vec<u64>,
    hashed: Vec<Vec<u64>>,
    /// Each context's cell for the current bit: in `direct`, then in each hashed table.
    cells: [usize; DIRECT_BITS.len() + HASHED],
    /// Whether they predicted the current bit.
    ran: bool,
}

impl MorePixels {
    fn new(size: usize) -> MorePixels {
        MorePixels {
            direct: vec![0; DIRECT_BITS.iter().map(|bits| 1 << bits).sum()],
            hashed: (0..HASHED).map(|_| super::memory::zeroed_table(size)).collect(),
            cells: [0; DIRECT_BITS.len() + HASHED],
            ran: false,
        }
    }

    /// The two inputs of a cell.
    #[inline(always)]
    fn inputs(cell: u64) -> [i32; 2] {
        [counter::stretched(cell as u32), counter::stretched((cell >> 32) as u32)]
    }

    #[inline(always)]
    fn update(cell: &mut u64, bit: u32, limit: u32) {
        let (mut adaptive, mut settling) = (*cell as u32, (*cell >> 32) as u32);
        counter::update(&mut adaptive, bit, limit);
        counter::update(&mut settling, bit, SETTLED_LIMIT);
        *cell = u64::from(settling) << 32 | u64::from(adaptive);
    }
}

pub(super) struct ImageModel {
    /// The neighbourhood's counters, indexed by it.
    neighbours: Box<[u32; NEIGHBOURHOODS]>,
    /// The wider contexts' counters, hashed.
    wide: Vec<Vec<u32>>,
    mask: usize,
    /// Each wider context's counter for the current bit.
    slots: [usize; CONTEXTS - 1],
    /// The bytes above-left, above and above-right of the current byte, for the rows one,
    /// two, three and (for the columns) up to eight up: 24 pixels each, the leftmost in bit
    /// 23.
    rows: [u32; COLUMN_ROWS],
    /// Whether a record length is known: without one there are no rows.
    active: bool,
    /// Whether the rows are at least [`MUTING_ROW`] bytes.
    wide_rows: bool,
    /// Whether the wider contexts run for the current bit.
    wide_run: bool,
    /// The shapes of the wider contexts ([`super::Config::image_shapes`]).
    shapes: ImageShapes,
    /// The current bit's neighbourhood.
    neighbourhood: usize,
    /// Two 16-bit pixel contexts of the current bit that pick mixer weight sets (codec 11).
    gate_contexts: [usize; 2],
    /// Two more pixel contexts that pick the sets of two more gates, where the more pixel
    /// contexts run (codec 15).
    more_gate_contexts: [usize; 2],
    /// The order-2 context's P(1) for the current bit, to score against.
    reference: i32,
    /// The order-2 context's squared errors less the neighbourhood's, decaying: above 0 when
    /// the model predicts better.
    score: i64,
    /// The more pixel contexts, where they run (codec 15).
    more: Option<MorePixels>,
}

impl ImageModel {
    /// A model whose wider contexts have tables of 2^`log_entries` counters (at most 2^22),
    /// with the wider contexts' `shapes`, and the more pixel contexts where `more` (which
    /// needs [`ImageShapes::Columns`]' eight rows).
    pub(super) fn new(log_entries: u32, shapes: ImageShapes, more: bool) -> ImageModel {
        assert!(!more || shapes == ImageShapes::Columns, "the more pixel contexts see four rows up");
        let size = 1usize << log_entries.min(MAX_LOG_ENTRIES);
        ImageModel {
            neighbours: Box::new([counter::FRESH; NEIGHBOURHOODS]),
            wide: (1..CONTEXTS).map(|_| super::memory::zeroed_table(size)).collect(),
            mask: size - 1,
            slots: [0; CONTEXTS - 1],
            rows: [0; COLUMN_ROWS],
            active: false,
            wide_rows: false,
            wide_run: false,
            shapes,
            neighbourhood: 0,
            gate_contexts: [0; 2],
            more_gate_contexts: [0; 2],
            reference: 2048,
            score: 0,
            more: more.then(|| MorePixels::new(size)),
        }
    }

    /// Bytes of tables of a model made with `log_entries`, and with the more pixel contexts
    /// where `more`.
    pub(super) fn table_bytes(log_entries: u32, more: bool) -> u64 {
        let size = 1 << log_entries.min(MAX_LOG_ENTRIES);
        let more_bytes = (DIRECT_BITS.iter().map(|bits| 1 << bits).sum::<u64>() + HASHED as u64 * size) * 8;
        (NEIGHBOURHOODS as u64 + (CONTEXTS as u64 - 1) * size) * 4 + if more { more_bytes } else { 0 }
    }

    /// Bytes of tables.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        let more = self
            .more
            .as_ref()
            .map_or(0, |more| (more.direct.len() + more.hashed.iter().map(Vec::len).sum::<usize>()) * size_of::<u64>());
        (NEIGHBOURHOODS + self.wide.iter().map(Vec::len).sum::<usize>()) * 4 + more
    }

    /// Takes the rows above the next byte from `history`, with `record_length` bytes a row (0
    /// when none is known).
    pub(super) fn byte_ended(&mut self, history: &[u8], record_length: usize) {
        self.active = record_length >= 2;
        self.wide_rows = record_length >= MUTING_ROW;
        if !self.active {
            return;
        }
        // The byte `distance` back, 0 before the start.
        let back = |distance: usize| history.len().checked_sub(distance).map_or(0, |at| u32::from(history[at]));
        let rows = if self.shapes == ImageShapes::Columns { COLUMN_ROWS } else { 3 };
        for (row, pixels) in self.rows[..rows].iter_mut().enumerate() {
            let above = (row + 1) * record_length;
            *pixels = back(above + 1) << 16 | back(above) << 8 | back(above - 1);
        }
    }

    /// Adds the model's inputs for the next bit, after `bit_count` bits of the byte whose bits
    /// so far are `partial` (with a leading 1), the two bytes before being `previous` (the
    /// last in the low byte); `reference` is the order-2 context's P(1), to score against.
    #[inline(always)]
    pub(super) fn predict(&mut self, inputs: &mut Inputs, previous: u32, partial: u32, bit_count: u32, reference: i32) {
        if !self.active {
            for _ in 0..CONTEXTS {
                inputs.add(0);
            }
            return;
        }
        let pixels = Pixels::new(&self.rows, previous, partial, bit_count);
        let (left, window) = (pixels.left, |row, left_of, right_of| pixels.window(row, left_of, right_of));
        self.neighbourhood = (window(0, 2, 2) | (left & 0xF) << 5 | window(1, 1, 1) << 9) as usize;
        self.reference = reference;
        inputs.add(counter::stretched(self.neighbours[self.neighbourhood]));
        self.wide_run = self.score > 0;
        if !self.wide_run {
            for _ in 1..CONTEXTS {
                inputs.add(0);
            }
            return;
        }
        // The three shapes both sets of contexts have.
        let row_above = window(0, 5, 5) | (left & 0x7F) << 11;
        let two_rows = window(0, 1, 1) | window(1, 2, 2) << 3 | (left & 0x3) << 8;
        let three_rows = window(2, 1, 1) | window(1, 1, 1) << 3 | window(0, 2, 2) << 6 | (left & 0x7) << 11;
        let contexts: [u64; CONTEXTS - 1] = if self.shapes == ImageShapes::Near {
            [
                row_above,
                two_rows,
                window(0, 8, 8) | (left & 0xFF) << 17 | window(1, 0, 0) << 25,
                window(0, 3, 3) | window(1, 3, 3) << 7 | (left & 0x1F) << 14,
                window(0, 0, 0) | (left & 0xFFFF) << 1,
                window(0, 8, 8) | window(1, 8, 8) << 17,
                three_rows,
            ]
        } else {
            self.gate_contexts = [
                (window(0, 3, 3) | window(1, 2, 2) << 7 | (left & 0xF) << 12) as usize,
                (window(0, 7, 7) | (left & 0x1) << 15) as usize,
            ];
            let (deep, deeper) = if self.shapes == ImageShapes::Columns {
                let (mut column, mut double_column) = (0, 0);
                for row in 0..COLUMN_ROWS {
                    column |= window(row, 0, 0) << row;
                    double_column |= window(row, 0, 1) << (2 * row);
                }
                (column | (left & 0x3) << 8 | window(0, 1, 1) << 10, double_column | (left & 0x1) << 16)
            } else {
                (two_rows, three_rows)
            };
            [
                window(0, 1, 8) | window(1, 1, 8) << 10 | window(2, 1, 8) << 20 | (left & 0x3) << 30,
                window(0, 8, 1) | window(1, 8, 1) << 10 | window(2, 8, 1) << 20 | (left & 0x3) << 30,
                deep,
                window(0, 4, 4) | window(1, 4, 4) << 9 | window(2, 2, 2) << 18 | (left & 0x3F) << 23,
                deeper,
                window(0, 6, 6) | window(1, 6, 6) << 13 | window(2, 6, 6) << 26 | (left & 0xF) << 39,
                row_above,
            ]
        };
        for (index, (context, table)) in contexts.iter().zip(&self.wide).enumerate() {
            let slot = super::model::hash64(context ^ ((0x51 + index as u64) << 56)) as usize & self.mask;
            self.slots[index] = slot;
            inputs.add(counter::stretched(table[slot]));
        }
    }

    /// Writes the more pixel contexts' inputs to `inputs` for the next bit, with the
    /// arguments of [`ImageModel::predict`]; returns false,
    /// writing nothing, where they do not run.
    #[inline(always)]
    pub(super) fn predict_more(
        &mut self,
        inputs: &mut [i32; MORE_INPUTS],
        previous: u32,
        partial: u32,
        bit_count: u32,
    ) -> bool {
        let Some(more) = &mut self.more else { return false };
        let pixels = Pixels::new(&self.rows, previous, partial, bit_count);
        let (left, window) = (pixels.left, |row, left_of, right_of| pixels.window(row, left_of, right_of));
        let column = |row: usize| window(row, 0, 0);
        let direct: [u64; DIRECT_BITS.len()] = [
            (left & 1) | column(0) << 1,
            (left & 1) | window(0, 1, 1) << 1,
            (left & 3) | column(0) << 2 | column(1) << 3,
            (left & 7) | column(0) << 3 | column(1) << 4 | column(2) << 5,
            (left & 7) | window(0, 1, 1) << 3 | window(1, 1, 0) << 6,
            (left & 1) | window(0, 2, 2) << 1 | column(1) << 6 | column(2) << 7,
            (left & 1) | window(0, 1, 1) << 1 | window(1, 1, 0) << 4 | window(2, 1, 0) << 6,
            left & 0xFF,
        ];
        let seven_by_three = (left & 7) | window(0, 3, 3) << 3 | window(1, 3, 3) << 10 | window(2, 3, 3) << 17;
        let frame = window(3, 4, 4)
            | (left >> 3 & 1) << 9
            | (window(0, 4, 4) & 0x101) << 10
            | (window(1, 4, 4) & 0x101) << 12
            | (window(2, 4, 4) & 0x101) << 14;
        let hashed: [u64; HASHED] = [
            (left & 0x3F) | window(0, 6, 6) << 6 | window(1, 3, 3) << 19 | window(2, 2, 2) << 26,
            (left & 0xFF) | window(0, 7, 0) << 8 | window(1, 1, 0) << 16 | window(2, 1, 0) << 18,
            seven_by_three,
            seven_by_three | frame << 24,
        ];
        // The gates' contexts: the twelve pixels nearest (two rows of five above, two to the
        // left); and how many of the 7×3 and of the frame without the pixel four to the left
        // are black, with the seven to the left.
        let nearest = (left & 3) | window(0, 2, 2) << 2 | window(1, 2, 2) << 7;
        let frame_above = u64::from((frame & !(1 << 9)).count_ones());
        let counts = u64::from(seven_by_three.count_ones()) | frame_above << 5;
        self.more_gate_contexts = [nearest as usize, (counts | (left & 0x7F) << 10) as usize];
        let mut base = 0;
        for (index, (&context, &bits)) in direct.iter().zip(&DIRECT_BITS).enumerate() {
            let cell = base + context as usize;
            base += 1 << bits;
            more.cells[index] = cell;
            inputs[2 * index..2 * index + 2].copy_from_slice(&MorePixels::inputs(more.direct[cell]));
        }
        for (index, (&context, table)) in hashed.iter().zip(&more.hashed).enumerate() {
            let cell = super::model::hash64(context ^ ((0x61 + index as u64) << 56)) as usize & self.mask;
            let at = DIRECT_BITS.len() + index;
            more.cells[at] = cell;
            inputs[2 * at..2 * at + 2].copy_from_slice(&MorePixels::inputs(table[cell]));
        }
        more.ran = true;
        true
    }

    /// The current bit's neighbourhood (below [`NEIGHBOURHOODS`]), while the model predicts
    /// better than the order-2 context.
    #[inline(always)]
    pub(super) fn neighbourhood(&self) -> Option<usize> {
        (self.active && self.score > 0).then_some(self.neighbourhood)
    }

    /// Two 16-bit pixel contexts of the current bit, for two of the mixer's gates, while the
    /// model leads on rows wide enough to be a picture's (codec 11).
    #[inline(always)]
    pub(super) fn gate_contexts(&self) -> Option<[usize; 2]> {
        (self.shapes != ImageShapes::Near && self.mutes_byte_contexts()).then_some(self.gate_contexts)
    }

    /// Two more pixel contexts, of 12 and 17 bits, for the two gates after those of
    /// [`ImageModel::gate_contexts`], while the model leads on a picture's rows and the more
    /// pixel contexts run (codec 15).
    #[inline(always)]
    pub(super) fn more_gate_contexts(&self) -> Option<[usize; 2]> {
        (self.more.is_some() && self.mutes_byte_contexts()).then_some(self.more_gate_contexts)
    }

    /// Whether the model leads on rows wide enough to be a picture's (see
    /// [`super::Config::image_mutes`]).
    #[inline(always)]
    pub(super) fn mutes_byte_contexts(&self) -> bool {
        self.wide_rows && self.neighbourhood().is_some()
    }

    #[inline(always)]
    pub(super) fn update(&mut self, bit: u32) {
        if !self.active {
            return;
        }
        let neighbours = &mut self.neighbours[self.neighbourhood];
        let target = i64::from(bit) << 12;
        let own = target - i64::from(counter::p12(*neighbours));
        let reference = target - i64::from(self.reference);
        self.score += (reference * reference - own * own) >> 8;
        self.score -= self.score >> 12;
        let count_limit = COUNT_LIMITS[usize::from(self.shapes != ImageShapes::Near)];
        counter::update(neighbours, bit, count_limit);
        if self.wide_run {
            for (table, &slot) in self.wide.iter_mut().zip(&self.slots) {
                counter::update(&mut table[slot], bit, count_limit);
            }
        }
        if let Some(more) = &mut self.more
            && more.ran
        {
            more.ran = false;
            let (direct, hashed) = more.cells.split_at(DIRECT_BITS.len());
            for &cell in direct {
                MorePixels::update(&mut more.direct[cell], bit, count_limit);
            }
            for (table, &cell) in more.hashed.iter_mut().zip(hashed) {
                MorePixels::update(&mut table[cell], bit, count_limit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cm::ANY;
    use crate::cm::mixer::{Mixer, WarmUp};

    /// Predicts every bit of `image` (rows of `width` bytes) with the model and returns its
    /// final score: the image's rows are known to it from the second byte on.
    fn score_on(image: &[u8], width: usize, reference: i32) -> i64 {
        let mut model = ImageModel::new(12, ImageShapes::Columns, true);
        let mut mixer = Mixer::<ANY>::new(CONTEXTS, &[1], 6, WarmUp::Never);
        for at in 0..image.len() {
            model.byte_ended(&image[..at], width);
            let previous = if at >= 2 { u32::from(image[at - 2]) << 8 | u32::from(image[at - 1]) } else { 0 };
            let mut partial = 1;
            for bit_count in 0..8 {
                model.predict(&mut mixer.inputs(), previous, partial, bit_count, reference);
                let bit = u32::from(image[at] >> (7 - bit_count) & 1);
                model.update(bit);
                partial = partial << 1 | bit;
            }
        }
        model.score
    }

    #[test]
    fn the_neighbourhood_learns_a_picture_and_not_noise() {
        // A disc on a 256-pixel-wide page: each row's pixels follow the row above's.
        let width = 32;
        let mut disc = vec![0u8; width * 200];
        for (at, byte) in disc.iter_mut().enumerate() {
            let (y, x0) = ((at / width) as i64 - 100, (at % width * 8) as i64 - 128);
            for bit in 0..8 {
                let x = x0 + bit;
                if x * x + y * y < 80 * 80 {
                    *byte |= 0x80 >> bit;
                }
            }
        }
        // A model that always says "even odds" loses to the neighbourhood on the picture.
        assert!(score_on(&disc, width, 2048) > 0);
        let mut state = 7u32;
        let noise: Vec<u8> = (0..disc.len())
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 16) as u8
            })
            .collect();
        // On noise it cannot beat even odds.
        assert!(score_on(&noise, width, 2048) <= 0);
    }

    #[test]
    fn tables_are_counted() {
        for more in [false, true] {
            let model = ImageModel::new(4, ImageShapes::Columns, more);
            assert_eq!(model.bytes() as u64, ImageModel::table_bytes(4, more));
            assert_eq!(ImageModel::table_bytes(40, more), ImageModel::table_bytes(MAX_LOG_ENTRIES, more));
        }
    }
}
