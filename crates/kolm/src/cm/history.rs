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

/// The two learned maps from the contexts' expectations to probabilities, and what each
/// context expects of the current byte.
pub(super) struct HistoryMaps {
    maps: Box<[u32]>,
    /// The cells used for the current bit, [`NONE`] where no context expects anything.
    cells: [usize; 2],
    /// Per context: the byte it expects, with a leading 1, and that byte's run.
    expected: [u32; MAX_CONTEXTS],
    runs: [u32; MAX_CONTEXTS],
    /// The contexts whose expected byte still agrees with the bits so far (bit *i* for
    /// context *i*), and of those, the ones that expect a 1 next.
    agreeing: u32,
    expects_one: u32,
}

impl HistoryMaps {
    pub(super) fn new() -> HistoryMaps {
        HistoryMaps {
            maps: vec![FRESH; VOTES + 64 * 8].into_boxed_slice(),
            cells: [NONE; 2],
            expected: [0; MAX_CONTEXTS],
            runs: [0; MAX_CONTEXTS],
            agreeing: 0,
            expects_one: 0,
        }
    }

    /// At the start of a byte: context `slot` (below [`MAX_CONTEXTS`]) last saw `last`
    /// follow it, `run` times in a row (0: never).
    #[inline(always)]
    pub(super) fn start_byte(&mut self, slot: usize, last: u32, run: u32) {
        self.expected[slot] = 0x100 | last;
        self.runs[slot] = run;
        self.agreeing = self.agreeing & !(1 << slot) | u32::from(run > 0) << slot;
    }

    /// The mixer's two inputs after `bit_count` bits, from the votes of the agreeing contexts
    /// in `heard` (a mask like `agreeing`): 0 where none expects anything.
    ///
    /// The context with the longest run (the later one on a tie) speaks: its cell is its
    /// slot, its run (0–7), whether another context expects the other bit, the bit's position
    /// and the expected bit. The vote's cell is how many contexts expect a 0 and a 1 (up to
    /// 7 each) and the bit's position.
    #[inline(always)]
    pub(super) fn predict(&mut self, inputs: &mut Inputs, heard: u32, bit_count: u32) {
        let (mut expecting, mut ones, mut speaker, mut longest) = (0, 0, 0, 0);
        self.expects_one = 0;
        let mut agreeing = self.agreeing;
        while agreeing != 0 {
            let slot = agreeing.trailing_zeros() as usize;
            agreeing &= agreeing - 1;
            let bit = (self.expected[slot] >> (7 - bit_count)) & 1;
            self.expects_one |= bit << slot;
            if heard >> slot & 1 == 1 {
                expecting += 1;
                ones += bit as usize;
                let run = self.runs[slot];
                if run >= longest {
                    longest = run;
                    speaker = slot * 256 + (run.min(7) as usize) * 16 + (bit_count as usize) * 2 + bit as usize;
                }
            }
        }
        self.cells = [NONE; 2];
        if expecting > 0 {
            let (zeros, ones) = ((expecting - ones).min(7), ones.min(7));
            let disputed = if zeros > 0 && ones > 0 { 8 * 16 } else { 0 };
            self.cells = [speaker ^ disputed, VOTES + (zeros * 8 + ones) * 8 + bit_count as usize];
        }
        for cell in self.cells {
            inputs.add(if cell == NONE { 0 } else { counter::stretched(self.maps[cell]) });
        }
    }

    /// Learns `bit`; the contexts that expected the other bit stop agreeing for this byte.
    #[inline(always)]
    pub(super) fn update(&mut self, bit: u32) {
        for cell in self.cells {
            if cell != NONE {
                counter::update(&mut self.maps[cell], bit, LIMIT);
            }
        }
        self.agreeing &= if bit == 1 { self.expects_one } else { !self.expects_one };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cm::ANY;
    use crate::cm::mixer::{Mixer, WarmUp};

    #[test]
    fn an_expectation_holds_while_the_bits_agree() {
        let mut maps = HistoryMaps::new();
        let mut mixer = Mixer::<ANY>::new(2, &[1], 6, WarmUp::Never);
        maps.start_byte(0, u32::from(b'e'), 3); // 0110_0101
        maps.start_byte(1, 0xFF, 0); // never seen: no expectation
        maps.predict(&mut mixer.inputs(), u32::MAX, 0);
        assert_eq!((maps.agreeing, maps.expects_one), (0b01, 0));
        maps.update(0);
        maps.predict(&mut mixer.inputs(), u32::MAX, 1);
        assert_eq!(maps.expects_one, 0b01, "'e' goes on with a 1");
        maps.update(0);
        assert_eq!(maps.agreeing, 0, "a 0 where 'e' has a 1");
        maps.predict(&mut mixer.inputs(), u32::MAX, 2);
        assert_eq!(maps.cells, [NONE; 2]);
    }

    #[test]
    fn the_longest_run_speaks_and_disputes_are_seen() {
        let mut maps = HistoryMaps::new();
        let mut mixer = Mixer::<ANY>::new(2, &[1], 6, WarmUp::Never);
        maps.start_byte(0, 0x00, 5);
        maps.start_byte(1, 0xFF, 2);
        maps.predict(&mut mixer.inputs(), u32::MAX, 0);
        assert_eq!(maps.cells, [(5 * 16) ^ (8 * 16), VOTES + 9 * 8], "context 0 speaks, disputed");
        // A context that is not heard does not vote.
        maps.predict(&mut mixer.inputs(), 0b01, 0);
        assert_eq!(maps.cells, [5 * 16, VOTES + 8 * 8]);
        // A map learns: after many 0s where the speaker expects 0, it says 0.
        for _ in 0..100 {
            maps.start_byte(0, 0x00, 5);
            maps.predict(&mut mixer.inputs(), 0b01, 0);
            maps.update(0);
        }
        assert!(counter::p12(maps.maps[5 * 16]) < 200);
    }
}
