//! Block codecs: how one block's bytes become a payload and back.
//!
//! A frame names its codec once, in its header; each block then says whether it is
//! *coded* (by that codec) or *stored* (copied verbatim, chosen whenever coding would not
//! make the block smaller, so output never grows by more than a block header per block).
//! Every block is coded independently with a fresh model, which is what lets blocks be
//! compressed and decompressed on many threads with identical bytes.
//!
//! | id | codec |
//! |---|---|
//! | 1 | the Midicoth model with its two defects repaired (2^18 frequency scale, per-step Tweedie shape); the level picks its stages. Read, no longer written |
//! | 2 | kolm's native context-mixing engine ([`crate::cm`]), level table revision 1; the level picks its models and table sizes |
//! | 3 | the same engine, level table revision 2 (sparse and record contexts at levels 6–9); written only for levels whose models differ from revision 1, so that frames of levels 1–5 stay codec 2 |
//! | 4 | level table revision 3: level 1 sorts blocks of at least 512 KiB by the Burrows–Wheeler transform and codes them with a small model of sorted bytes ([`crate::cm`]'s fast path); written only for level 1 |
//! | 5 | level table revision 4: levels 6–9 add two indirect contexts (the bytes that last followed the current order-1 and order-2 contexts); written only for levels 6–9 |
//! | 6 | level table revision 5: levels 2–9 sort a block of at least 512 KiB where a trial finds the engine no better on it, a first payload byte recording the choice; written for levels 2–9 |
//! | 7 | level table revision 6: levels 6–9 add the text and 1-bit image contexts, two mixer gates and the mixer's warm-up; written only for levels 6–9 |
//! | 8 | level table revision 7: levels 6–9 add byte histories to the orders' and words' contexts, let the counters of the orders, words and text contexts settle, and silence the byte contexts while a 1-bit image's pixels predict better; written by levels 6–9 before codec 9 |
//! | 9 | level table revision 8: every level's confidence maps tell apart the last two bits each hashed counter saw, and levels 6–9 add three layout contexts and two mixer gates, by the letters of the current word and by how many orders have seen their context; written by levels 6–9 (by levels 1–5 before codec 10) |
//! | 10 | level table revision 9: at levels 1–5 the mixer's output, in the stretched domain, is refined by the order-1 APM alone (no partial-byte APM); written by levels 1–5 before codec 12 |
//! | 11 | level table revision 10: levels 6–9 take the 1-bit image model's edge contexts and smaller tables for small blocks, levels 8–9 the character-class contexts; written by levels 6–9 before codec 12 |
//! | 12 | level table revision 11: every level's mixer warms up each weight set by itself, in place of the whole mixer's warm-up at levels 6–9, and levels 3–9 add a second match model; written by levels 1, 3 and 4 (by levels 2 and 5 before codec 13, by levels 6–9 before codec 14) |
//! | 13 | level table revision 12: level 2 takes orders 2, 3 and 5, the current word and the second match model, level 5 the byte histories and the order-2 gates; written by levels 2 and 5 |
//! | 14 | level table revision 13: levels 6–9 take the 1-bit image model's columns, a miss history in the first mixer gate and the partial byte's APM, a third APM by the match model's expected byte, APMs that learn at both knots, and one table bucket a byte for small blocks; written by levels 6–9 before codec 15 |
//! | 15 | level table revision 14: at levels 6–9 each engine payload opens with a row-length hint for the record detector, which holds a picture's row against its multiples, twelve more pixel contexts take the inputs that a 1-bit image silences, and token contexts take the sparse contexts' tables on text; written by levels 6–9 before codec 16 |
//! | 16 | level table revision 15: at levels 6–9 the final probability is coded in 16 bits, each order's and word's counter that has seen one bit value only gives a mixer input of its own and the seen-orders gate counts them, a match model goes on after a miss that ends a long match, and the layout contexts and the class gate see whether a single quote is open; written by levels 6–9 before codec 17 |
//! | 17 | level table revision 16: at levels 6–9 a block whose tables reach 2^18 buckets sizes each hashed table by what its context fills, the sizes ahead of its payload; written by levels 6–9 before codec 18 |
//! | 18 | level table revision 17: the model of sorted bytes takes its mixer's prediction without an APM (every level), levels 1–5 fit their tables as levels 6–9 do, and level 2 hashes orders 3 and 5 and the current word in tables of 2^18 buckets, with one match model; written by levels 1–5 (by levels 6–9 before codec 19) |
//! | 19 | level table revision 18: at levels 6–9 the record detector takes the distance whose decayed score of votes is highest, not the last to win eight votes in a row; written by levels 6–9 before codec 20 |
//! | 20 | level table revision 19: at levels 6–9 each mixer weight set, once warmed up, settles below the mixer's rate as it learns (to a third of it after about 14,000 updates), a second layer of final mixers, one per gate, replaces the average of the gates, and while records of 4 to 64 bytes are detected the first sparse context's table holds the record's new bytes; written by levels 6–9 |

use crate::Error;
use crate::cm;
use crate::level::Level;
use crate::mdc7::{self, Stages};
use crate::x86;

/// The block codecs a frame can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    MidicothRepaired,
    /// The native engine with a revision of the level table (codec id = revision + 1).
    ContextMixing {
        revision: u8,
    },
}

impl Codec {
    pub(crate) fn id(self) -> u8 {
        match self {
            Codec::MidicothRepaired => 1,
            Codec::ContextMixing { revision } => revision + 1,
        }
    }

    pub(crate) fn from_id(id: u8) -> Result<Codec, Error> {
        match id {
            1 => Ok(Codec::MidicothRepaired),
            2.. if id - 1 <= cm::LATEST_REVISION => Ok(Codec::ContextMixing { revision: id - 1 }),
            codec => Err(Error::UnknownCodec { codec, newest: cm::LATEST_REVISION + 1 }),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Codec::MidicothRepaired => "midicoth-r",
            Codec::ContextMixing { revision: 1 } => "cm",
            Codec::ContextMixing { revision: 2 } => "cm2",
            Codec::ContextMixing { revision: 3 } => "cm3",
            Codec::ContextMixing { revision: 4 } => "cm4",
            Codec::ContextMixing { revision: 5 } => "cm5",
            Codec::ContextMixing { revision: 6 } => "cm6",
            Codec::ContextMixing { revision: 7 } => "cm7",
            Codec::ContextMixing { revision: 8 } => "cm8",
            Codec::ContextMixing { revision: 9 } => "cm9",
            Codec::ContextMixing { revision: 10 } => "cm10",
            Codec::ContextMixing { revision: 11 } => "cm11",
            Codec::ContextMixing { revision: 12 } => "cm12",
            Codec::ContextMixing { revision: 13 } => "cm13",
            Codec::ContextMixing { revision: 14 } => "cm14",
            Codec::ContextMixing { revision: 15 } => "cm15",
            Codec::ContextMixing { revision: 16 } => "cm16",
            Codec::ContextMixing { revision: 17 } => "cm17",
            Codec::ContextMixing { revision: 18 } => "cm18",
            Codec::ContextMixing { .. } => "cm19",
        }
    }
}

/// How a block's payload relates to its bytes.
///
/// ```
/// // Random bytes do not compress, so their block is stored.
/// let mut state = 0x2545_F491_4F6C_DD1Du64;
/// let noise: Vec<u8> = (0..5000)
///     .map(|_| {
///         state ^= state << 13;
///         state ^= state >> 7;
///         state ^= state << 17;
///         (state >> 32) as u8
///     })
///     .collect();
/// let packed = kolm::compress(&noise, kolm::Level::FASTEST);
/// assert_eq!(kolm::inspect(&packed[..])?[0].blocks[0].kind, kolm::BlockKind::Stored);
/// # Ok::<(), kolm::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockKind {
    /// The payload is the block's bytes.
    Stored,
    /// The payload is the frame codec's output.
    Coded,
    /// The payload is the frame codec's output for the block's bytes after the x86 branch
    /// filter, which makes machine code more predictable (chosen when a block looks like
    /// code).
    CodedX86,
}

impl std::fmt::Display for BlockKind {
    /// `stored`, `coded` or `coded+x86`, as `kolm -l -v` lists blocks.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BlockKind::Stored => "stored",
            BlockKind::Coded => "coded",
            BlockKind::CodedX86 => "coded+x86",
        })
    }
}

/// A codec and the level it runs at: everything needed to code a block the same way twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockCoder {
    pub(crate) codec: Codec,
    pub(crate) level: Level,
}

impl BlockCoder {
    /// The coder for new frames at `level`: the oldest revision of the level table that gives
    /// the level's newest models, so that frames stay readable by as many versions as can read
    /// them.
    pub(crate) fn for_level(level: Level) -> BlockCoder {
        let newest = level.cm_config(cm::LATEST_REVISION);
        let revision = (1..=cm::LATEST_REVISION).find(|&revision| level.cm_config(revision) == newest);
        BlockCoder { codec: Codec::ContextMixing { revision: revision.expect("the newest revision matches") }, level }
    }

    /// Codes `data`, falling back to storing it when coding does not shrink it.
    pub(crate) fn encode(self, data: &[u8], progress: &mut dyn FnMut(u64)) -> (BlockKind, Vec<u8>) {
        let code = |data: &[u8], progress: &mut dyn FnMut(u64)| match self.codec {
            Codec::MidicothRepaired => mdc7::encode_payload(data, mdc7::Model::repaired(self.level.stages()), progress),
            Codec::ContextMixing { revision } => cm::encode_payload(data, &self.level.cm_config(revision), progress),
        };
        let filtered =
            if matches!(self.codec, Codec::ContextMixing { .. }) { x86::filtered_if_code(data) } else { None };
        let (kind, payload) = match filtered {
            Some(filtered) => (BlockKind::CodedX86, code(&filtered, progress)),
            None => (BlockKind::Coded, code(data, progress)),
        };
        if payload.len() < data.len() { (kind, payload) } else { (BlockKind::Stored, data.to_vec()) }
    }

    /// Recovers the `len` bytes of a block from its payload.
    pub(crate) fn decode(
        self,
        kind: BlockKind,
        payload: &[u8],
        len: usize,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>, Error> {
        if kind == BlockKind::Stored {
            progress(payload.len() as u64);
            return Ok(payload.to_vec());
        }
        let mut bytes = match self.codec {
            Codec::MidicothRepaired => {
                mdc7::decode_payload(payload, len, mdc7::Model::repaired(self.level.stages()), progress)?
            }
            Codec::ContextMixing { revision } => {
                cm::decode_payload(payload, len, &self.level.cm_config(revision), progress)?
            }
        };
        if kind == BlockKind::CodedX86 {
            x86::decode(&mut bytes);
        }
        Ok(bytes)
    }

    /// An upper estimate of the memory one thread needs to code or decode blocks of
    /// `block_size` bytes, including the block's input and output buffers.
    ///
    /// The model's tables grow with the distinct contexts it meets, so incompressible input
    /// (every context new) is the worst case for most of them; the constants were measured
    /// on random bytes with each stage switched on in turn (0.5–4 MiB blocks) and rounded
    /// up by a fifth or more. The word model, idle on random bytes, is charged for a trie
    /// node per byte.
    pub(crate) fn memory_per_thread(self, block_size: u64) -> u64 {
        const MIB: u64 = 1 << 20;
        if let Codec::ContextMixing { revision } = self.codec {
            let config = self.level.cm_config(revision);
            // Fixed-size tables, then the block, its history copy, the output and the payload.
            let engine = config.model_bytes() + 4 * block_size;
            // A thread codes blocks one at a time, each one way, so a level that sorts some
            // blocks and hands others to the engine needs the larger of the two.
            let sorted = if config.may_sort(block_size as usize) { cm::sorted_memory(block_size) } else { 0 };
            return engine.max(sorted);
        }
        let Stages { matcher, word, high_order, tweedie } = self.level.stages();
        // (enabled, fixed bytes, bytes per block byte) for each part of the model.
        let parts = [
            (true, 96 * MIB, 20),        // block buffers, history, PPM orders 0-4
            (matcher, 0, 128),           // five position tables
            (word, 0, 48),               // trie, word counts, next-word starts
            (high_order, 128 * MIB, 16), // orders 5-8, at most 629,146 contexts each
            (tweedie, 8 * MIB, 0),       // 155,520 calibration cells
        ];
        parts.iter().filter(|(on, ..)| *on).map(|(_, fixed, per_byte)| fixed + per_byte * block_size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_estimates_follow_the_level_table() {
        let mib = |level: u8| Level::new(level).unwrap().memory_per_thread() >> 20;
        assert_eq!([1, 2, 3, 4, 5, 6, 7, 8, 9].map(mib), [145, 145, 490, 554, 625, 2302, 3390, 3861, 3861]);
    }

    #[test]
    fn midicoth_memory_estimates_follow_its_stages() {
        let mib = |level: u8| {
            let level = Level::new(level).unwrap();
            let coder = BlockCoder { codec: Codec::MidicothRepaired, level };
            // Codec 1 frames were written with 2 MiB blocks at levels 1-5, up to 32 MiB at 9.
            coder.memory_per_thread(1 << (21 + level.get().saturating_sub(5))) >> 20
        };
        assert_eq!([1, 2, 3, 4, 5, 6, 7, 8, 9].map(mib), [136, 392, 488, 648, 656, 1080, 1928, 3624, 7016]);
    }
}
