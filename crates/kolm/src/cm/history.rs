//! Byte histories: the byte that last followed each context, and how many times in a row
//! (levels 6–9, from codec 8 on).
//!
//! A context's counters learn the bits that follow it one node at a time, so a context seen
//! once says little about any of them. Its byte history says more: "after this context came
//! `e`, three times running". Each order and word context keeps one in the first nibble's
//! bucket of its [table](super::counter::ContextTable) (the high half of the bucket's check
//! word, a 16-bit check remaining): the last byte, and its run, up to 255.
//!
//! While the bits of the current byte agree with a context's expected byte `e`, that context
//! expects the next bit to be `e`'s; once one bit differs, it expects nothing more this byte.
//! Of the contexts that still expect, the one with the longest run (the later context on a
//! tie) speaks, and two inputs go to the mixer, each a learned probability:
//!
//! - by that context, its run (0–7, and whether another context expects the other bit), the
//!   bit's position and the expected bit;
//! - by how many contexts expect a 0 and how many a 1 (up to 7 each), and the bit's position.
//!
//! Two summary inputs proved better than one per context (the paq8px set at level 9: 197,773
//! against 197,872 bytes), and cheaper: the mixer grows by two inputs, not eight.

use super::counter::{self, FRESH};
use super::mixer::Inputs;

/// Runs are counted up to this.
pub(super) const MAX_RUN: u32 = 255;

/// The most contexts with a byte history.
pub(super) const MAX_CONTEXTS: usize = 16;

/// Counters of the maps stop counting here.
const LIMIT: u32 = 255;

const NONE: usize = usize::MAX;
/// Where the vote's cells start, after the speaking contexts'.
const VOTES: usize = MAX_CONTEXTS * 256;

/// A context's byte history for the current byte: the byte it expects, with a leading 1 (0
/// for none), and that byte's run.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Expectation {
    expected: u32,
    run: u32,
}

impl Expectation {
    /// From a bucket's stored history (`run` 0 for none).
    pub(super) fn new(last: u32, run: u32) -> Expectation {
        Expectation { expected: if run > 0 { 0x100 | last } else { 0 }, run }
    }

    /// The bit expected after `bit_count` bits `partial` (with a leading 1), if they agree with
    /// the expected byte so far.
    #[inline(always)]
    fn bit(self, partial: u32, bit_count: u32) -> Option<usize> {
        (self.expected != 0 && self.expected >> (8 - bit_count) == partial)
            .then_some(((self.expected >> (7 - bit_count)) & 1) as usize)
    }
}

/// The contexts' expectations for one bit, gathered as they are read.
#[derive(Default)]
pub(super) struct Votes {
    /// How many contexts expect a 0, and a 1.
    count: [usize; 2],
    /// The speaking context's cell, and its run (0 while none expects anything).
    speaker: usize,
    run: u32,
}

impl Votes {
    /// Counts the expectation of context `slot` (below [`MAX_CONTEXTS`]).
    #[inline(always)]
    pub(super) fn add(&mut self, slot: usize, expectation: Expectation, partial: u32, bit_count: u32) {
        if let Some(bit) = expectation.bit(partial, bit_count) {
            self.count[bit] += 1;
            if expectation.run >= self.run {
                self.run = expectation.run;
                self.speaker = slot * 256 + (expectation.run.min(7) as usize) * 16 + (bit_count as usize) * 2 + bit;
            }
        }
    }
}

/// The two learned maps from votes to probabilities.
pub(super) struct HistoryMaps {
    maps: Box<[u32]>,
    /// The cells used for the current bit, [`NONE`] where no context expects anything.
    cells: [usize; 2],
}

impl HistoryMaps {
    pub(super) fn new() -> HistoryMaps {
        HistoryMaps { maps: vec![FRESH; VOTES + 64 * 8].into_boxed_slice(), cells: [NONE; 2] }
    }

    /// The mixer's two inputs from `votes` after `bit_count` bits: 0 where no context expects.
    #[inline(always)]
    pub(super) fn predict(&mut self, inputs: &mut Inputs, votes: &Votes, bit_count: u32) {
        self.cells = [NONE; 2];
        if votes.run > 0 {
            let [zeros, ones] = votes.count.map(|count| count.min(7));
            let disputed = if zeros > 0 && ones > 0 { 8 * 16 } else { 0 };
            self.cells = [votes.speaker ^ disputed, VOTES + (zeros * 8 + ones) * 8 + bit_count as usize];
        }
        for cell in self.cells {
            inputs.add(if cell == NONE { 0 } else { counter::stretched(self.maps[cell]) });
        }
    }

    #[inline(always)]
    pub(super) fn update(&mut self, bit: u32) {
        for cell in self.cells {
            if cell != NONE {
                counter::update(&mut self.maps[cell], bit, LIMIT);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expectation_holds_while_the_bits_agree() {
        let expectation = Expectation::new(b'e' as u32, 3);
        // 'e' = 0110_0101.
        assert_eq!(expectation.bit(1, 0), Some(0));
        assert_eq!(expectation.bit(0b10, 1), Some(1));
        assert_eq!(expectation.bit(0b1011, 3), Some(0));
        assert_eq!(expectation.bit(0b11, 1), None, "the first bit disagreed");
        assert_eq!(Expectation::new(b'e' as u32, 0).bit(1, 0), None, "no history");
        assert_eq!(Expectation::default().bit(1, 0), None);
    }

    #[test]
    fn the_longest_run_speaks_and_disputes_are_seen() {
        let mut votes = Votes::default();
        votes.add(0, Expectation::new(0x00, 5), 1, 0);
        votes.add(1, Expectation::new(0xFF, 2), 1, 0);
        assert_eq!(votes.count, [1, 1]);
        assert_eq!(votes.run, 5);
        assert_eq!(votes.speaker, 5 * 16);
        let mut maps = HistoryMaps::new();
        let mut mixer = super::super::mixer::Mixer::new(2, &[1], 6, false);
        maps.predict(&mut mixer.inputs(), &votes, 0);
        assert_eq!(maps.cells[0], (5 * 16) ^ (8 * 16), "disputed");
        // A map learns: after many 0s where the speaker expects 0, it says 0.
        for _ in 0..100 {
            maps.predict(&mut mixer.inputs(), &votes, 0);
            maps.update(0);
        }
        assert!(counter::p12(maps.maps[maps.cells[0]]) < 200);
    }
}
