//! Compression levels, and what each one costs in memory.

use crate::cm;
use crate::mdc7::Stages;

/// A compression level: 1 is the fastest, 9 the strongest, 2 the default.
///
/// The default is the strongest level that compresses at least as fast as the context-mixing
/// compressors of its class (zpaq -m4, lpaq1) while coding smaller than both: on the
/// benchmark corpus (codec 18), level 2 makes 1.2 % less than zpaq -m4 and 2.0 % less than
/// lpaq1, at least as fast as either. Levels 3–5 make another 3.5–5.5 % less at a half to
/// a third of level 2's speed.
///
/// A level selects the block codec's parameters, which the frame header records, so a
/// decoder needs no options to read any level. Every level uses the native context-mixing
/// engine, except that level 1 sorts blocks of 512 KiB and more by the Burrows–Wheeler
/// transform and codes them with a small model of sorted bytes, several times faster;
/// levels 2–5 add models, levels 6–9 add the sparse, record, indirect, text, layout and
/// 1-bit image contexts and four mixer gates and use larger tables and blocks, and levels 8–9
/// add the character-class contexts. Levels 2–9 sort a
/// block of 512 KiB or more only where a trial on samples of it finds the engine no better
/// (noisy data, such as a scanned image):
///
/// | level | models | block size | memory per thread (estimate) |
/// |---|---|---|---|
/// | 1 | sorted (blocks ≥ 512 KiB); orders 0–4, match | 16 MiB | 145 MiB |
/// | 2 | orders 0, 1, 3 and 5, the current word, match | 16 MiB | 145 MiB |
/// | 3 | orders 0–4 and 6, the current word and the word pair, two match models, larger tables | 16 MiB | 490 MiB |
/// | 4 | + order 8 | 16 MiB | 554 MiB |
/// | 5 | + order 5, byte histories, two gates by the bytes two and three back | 16 MiB | 625 MiB |
/// | 6 | + sparse, record, indirect, text, token, layout and 1-bit image contexts, six gates, a miss history, an APM by the match, deterministic inputs, larger tables | 16 MiB | 2,301 MiB |
/// | 7 | as 6, larger tables | 32 MiB | 3,389 MiB |
/// | 8, 9 | + character-class contexts, a seventh gate, larger tables | 64 MiB | 3,861 MiB |
///
/// The memory column is an upper bound, per thread: the model's tables (fixed by the level,
/// smaller for blocks too small to fill them) plus four buffers the size of a block. It is
/// what [`crate::Options::memory_limit`] is checked against. An input of known length
/// smaller than the block size gets the smallest block that holds it (at least 64 KiB), and
/// needs that much less. Every level also fits each table of a block whose tables reach
/// 2^18 buckets to what its context fills (levels 6–9 from codec 17, levels 1–5 from codec
/// 18), which takes a quarter to a half off in practice (lcet10.txt at level 9: 439 MB
/// instead of 609).
///
/// ```
/// use kolm::Level;
/// assert_eq!(Level::new(7).map(Level::get), Some(7));
/// assert!(Level::new(0).is_none() && Level::new(10).is_none());
/// assert!(Level::FASTEST < Level::DEFAULT && Level::DEFAULT < Level::BEST);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    /// Level 1.
    pub const FASTEST: Level = Level(1);
    /// Level 2.
    pub const DEFAULT: Level = Level(2);
    /// Level 9.
    pub const BEST: Level = Level(9);

    /// The level `level`, if it is in 1–9.
    pub const fn new(level: u8) -> Option<Level> {
        if level >= 1 && level <= 9 { Some(Level(level)) } else { None }
    }

    /// The level as a number, 1–9.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// An upper estimate, in bytes, of the memory one thread needs to compress or
    /// decompress at this level with its default block size: the table above, and what
    /// [`crate::Options::memory_limit`] is checked against. Inputs smaller than the block
    /// need less.
    ///
    /// ```
    /// use kolm::Level;
    /// assert!(Level::DEFAULT.memory_per_thread() < Level::BEST.memory_per_thread());
    /// assert!(Level::DEFAULT.memory_per_thread() < 1 << 30);
    /// ```
    pub fn memory_per_thread(self) -> u64 {
        crate::codec::BlockCoder::for_level(self).memory_per_thread(1 << self.default_block_log())
    }

    /// The models and table sizes of the native engine at this level, in `revision` of the
    /// level table: 1 for codec 2, 2 for codec 3 (sparse and record contexts from level 6),
    /// 3 for codec 4 (level 1 sorts blocks of at least 512 KiB), 4 for codec 5 (indirect
    /// contexts from level 6), 5 for codec 6 (levels 2–9 sort the large blocks a trial
    /// picks), 6 for codec 7 (text and 1-bit image contexts and two more gates from level 6),
    /// 7 for codec 8 (byte histories, steady counters and muting by images from level 6), 8
    /// for codec 9 (the counters' last bits at every level; layout contexts and the word and
    /// seen-orders gates from level 6), 9 for codec 10 (one APM on the mixer's output at
    /// levels 1–5), 10 for codec 11 (the image model's edge contexts and tighter tables for
    /// small blocks from level 6, the character-class contexts from level 8), 11 for codec 12
    /// (every level's mixer warms up each weight set by itself; levels 3–9 add a second
    /// match model), 12 for codec 13 (level 2 takes orders 2, 3 and 5, the current word and
    /// the second match model; level 5 the byte histories and order-2 gates), 13 for codec 14
    /// (image columns, a miss history, an APM by the match and smaller tables from level 6),
    /// 14 for codec 15 (the row-length hint, more pixel contexts, token contexts and
    /// half-size side tables from level 6), 15 for codec 16 (16-bit probabilities,
    /// deterministic inputs, match recovery and the quote state from level 6), 16 for codec
    /// 17 (fitted tables from level 6), 17 for codec 18 (fitted tables at every level, the
    /// model of sorted bytes without its APM, and a lighter level 2: orders 3 and 5, the
    /// current word and one match model in tables of 2^18 buckets), 18 for codec 19
    /// (record lengths chosen by scores of votes from level 6) and 19 for codec 20 (weight
    /// sets that settle below the mixer's rate and the context of a record's new bytes from
    /// level 6).
    pub(crate) fn cm_config(self, revision: u8) -> cm::Config {
        const ORDERS: [&[u8]; 5] = [&[2, 3, 4], &[2, 3, 4, 6], &[2, 3, 4, 6], &[2, 3, 4, 6, 8], &[2, 3, 4, 5, 6, 8]];
        let step = usize::from(self.0.min(5) - 1);
        // From codec 13 on, level 2 trades orders 4 and 6 for order 5 and the current word,
        // and takes the second match model.
        let level_2_of_codec_13 = self.0 == 2 && revision >= 12;
        // From codec 18 on, level 2 drops order 2 and the second match model and halves its
        // tables, for speed.
        let level_2_of_codec_18 = self.0 == 2 && revision >= 17;
        let orders: &[u8] = if level_2_of_codec_18 {
            &[3, 5]
        } else if level_2_of_codec_13 {
            &[2, 3, 5]
        } else {
            ORDERS[step]
        };
        // From codec 13 on, level 5 takes two of level 6's parts that add no hashed tables.
        let level_5_of_codec_13 = self.0 == 5 && revision >= 12;
        let structural = revision >= 2 && self.0 >= 6;
        cm::Config {
            orders,
            word_contexts: match self.0 {
                3.. => 2,
                _ if level_2_of_codec_13 => 1,
                _ => 0,
            },
            sparse: structural,
            record: structural,
            indirect: revision >= 4 && self.0 >= 6,
            image: revision >= 6 && self.0 >= 6,
            text: revision >= 6 && self.0 >= 6,
            order2_gates: revision >= 6 && self.0 >= 6 || level_5_of_codec_13,
            long_match: revision >= 11 && self.0 >= 3 || level_2_of_codec_13 && !level_2_of_codec_18,
            warm_up: match revision {
                19.. if self.0 >= 6 => cm::WarmUp::Settling,
                11.. => cm::WarmUp::EachSet,
                6.. if self.0 >= 6 => cm::WarmUp::Mixer,
                _ => cm::WarmUp::Never,
            },
            byte_histories: revision >= 7 && self.0 >= 6 || level_5_of_codec_13,
            steady_contexts: revision >= 7 && self.0 >= 6,
            image_mutes: revision >= 7 && self.0 >= 6,
            last_bits: revision >= 8,
            layout: revision >= 8 && self.0 >= 6,
            word_gate: revision >= 8 && self.0 >= 6,
            seen_orders_gate: revision >= 8 && self.0 >= 6,
            single_apm: revision >= 9 && self.0 <= 5,
            image_shapes: match revision {
                13.. if self.0 >= 6 => cm::ImageShapes::Columns,
                10.. if self.0 >= 6 => cm::ImageShapes::Edges,
                _ => cm::ImageShapes::Near,
            },
            classes: revision >= 10 && self.0 >= 8,
            log_buckets_per_byte: match revision {
                13.. if self.0 >= 6 => 0,
                10.. if self.0 >= 6 => 1,
                _ => 2,
            },
            apm_both_knots: revision >= 13 && self.0 >= 6,
            miss_history: revision >= 13 && self.0 >= 6,
            match_apm: revision >= 13 && self.0 >= 6,
            row_hint: revision >= 14 && self.0 >= 6,
            tokens: revision >= 14 && self.0 >= 6,
            more_pixels: revision >= 14 && self.0 >= 6,
            half_side_tables: revision >= 14 && self.0 >= 6,
            fine_probabilities: revision >= 15 && self.0 >= 6,
            deterministic: revision >= 15 && self.0 >= 6,
            narrow_mixer: revision >= 15 && self.0 >= 6,
            match_recovery: revision >= 15 && self.0 >= 6,
            quotes: revision >= 15 && self.0 >= 6,
            fitted_tables: revision >= 16 && self.0 >= 6 || revision >= 17,
            log_buckets: if level_2_of_codec_18 {
                18
            } else {
                [18, 19, 20, 20, 20, 21, 22, 22, 22][usize::from(self.0 - 1)]
            },
            log_match: if self.0 == 1 { 20 } else { 22 },
            without: None,
            sorting: match self.0 {
                1 if revision >= 3 => cm::Sorting::From(cm::SORTED_FROM),
                2.. if revision >= 5 => cm::Sorting::Chosen(cm::SORTED_FROM),
                _ => cm::Sorting::Never,
            },
            sorted_apm: revision < 17,
            scored_records: revision >= 18 && self.0 >= 6,
            new_bytes: revision >= 19 && self.0 >= 6,
            final_mixers: revision >= 19 && self.0 >= 6,
        }
    }

    /// The model stages of the Midicoth model (codec 1) at this level.
    pub(crate) fn stages(self) -> Stages {
        let index = usize::from(self.0.min(5) - 1);
        Stages::ABLATION[index].1
    }

    /// Base-2 logarithm of the block size this level uses unless told otherwise: 16 MiB up
    /// to level 6, then 32 MiB and 64 MiB. Long blocks are worth more than parallel ones (one
    /// thread, level 5, pydoc311.rst.txt of 11 MB: 2 MiB blocks 1,907 KB, one block 1,764 KB),
    /// and `-T` still splits inputs of more than one block.
    pub(crate) fn default_block_log(self) -> u8 {
        [24, 24, 24, 24, 24, 24, 25, 26, 26][usize::from(self.0 - 1)]
    }
}

impl Default for Level {
    fn default() -> Self {
        Level::DEFAULT
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_add_stages_then_block_size() {
        assert_eq!(Level(1).stages(), Stages::PPM_ONLY);
        assert_eq!(Level(5).stages(), Stages::ALL);
        assert_eq!(Level(9).stages(), Stages::ALL);
        assert_eq!(Level(1).default_block_log(), 24);
        assert_eq!(Level(5).default_block_log(), 24);
        assert_eq!(Level(7).default_block_log(), 25);
        assert_eq!(Level(9).default_block_log(), 26);
    }
}
