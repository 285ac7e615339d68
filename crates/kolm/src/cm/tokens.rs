//! Token contexts: words and the gaps between them, in the tables that text leaves idle
//! (levels 6–9, from codec 15 on).
//!
//! Text is a stream of **tokens**: words (runs of letters and digits, folded to lower case)
//! and the gaps between them (spaces, punctuation, line breaks, each gap hashed whole, so
//! that ", " and ".\n\n" are different gaps). The word contexts of [`super::model`] see the
//! current word and the words before it; the token contexts add what lies between them and
//! further back:
//!
//! 0. the current token: the word so far, or the gap so far (from codec 16, with whether a
//!    quote is open: a closing quote is a gap that dialogue has and narration has not);
//! 1. the current word with the gap before it and the last byte;
//! 2. the current gap with the word before it and the last byte;
//! 3. the current gap, the word before, the gap before that and the word before that;
//! 4. the last five letters or digits, whatever gaps lie between them;
//! 5. the current gap with the gap before the word before it and the last byte;
//! 6. the current word with the word before the previous one.
//!
//! The first five take the tables of the five sparse contexts, which on text predict
//! nothing (the ablation of codec 14 at level 9: −0.07 % to +0.02 % on the texts), and
//! the last two those of the first two record contexts (−0.14 % to +0.02 %), while the last
//! bytes look like text: a score goes up by one for every printable ASCII
//! byte, tab or line break (to at most [`MAX_SCORE`]) and down by [`BINARY_STEP`] for any
//! other byte, and the token contexts take over from [`TEXT_SCORE`] up. Binary data keeps its
//! sparse and record contexts, and a text in a binary (the strings of an executable) gets
//! tokens only after a few hundred bytes of it. At level 9, the texts of the corpus came out
//! 0.3–1.0 % smaller (alice29.txt 35,024 → 34,902 bytes, lcet10.txt 83,776 → 83,520), the
//! binaries unchanged; sum, which holds a table of strings, 0.3 % larger.
//!
//! The last two took the five texts of the seven small corpus files another 0.1 % smaller
//! (159,593 → 159,436 bytes) for about 2 % more time. Three others in all three record
//! contexts' tables (the current word with the two words before the previous one, with the
//! first word of the line, with the bracket or quote last opened) made lcet10.txt 0.16 %
//! smaller but took 6 % more time: unlike the sparse contexts, whose few byte pairs stay in
//! the cache, a text's words are met all over their tables; and the third record context
//! is worth keeping on text (taking its table too made those texts 0.04 % larger).

use super::model::hash64;

/// The token contexts in the sparse contexts' tables…
pub(super) const IN_SPARSE: usize = super::model::SPARSE_MASKS.len();
/// …and in the record contexts'.
pub(super) const IN_RECORD: usize = 2;
/// The token contexts.
pub(super) const CONTEXTS: usize = IN_SPARSE + IN_RECORD;

/// The text score's ceiling…
const MAX_SCORE: u32 = 255;
/// …what a byte that is not text takes off it…
const BINARY_STEP: u32 = 32;
/// …and the score from which the token contexts run.
const TEXT_SCORE: u32 = 224;

/// The tokens of the text so far, and whether it looks like text.
#[derive(Clone, Copy, Default)]
pub(super) struct Tokens {
    /// The current word's hash (0 in a gap), and the current gap's (0 in a word).
    word: u32,
    gap: u32,
    /// The two words before the current one, the latest first, and the gap before the
    /// current token's word.
    words: [u32; 2],
    gap_before: u32,
    /// The last five letters or digits, the latest in the low byte.
    letters: u64,
    score: u32,
}

impl Tokens {
    /// Takes in `byte`, the latest byte.
    #[inline(always)]
    pub(super) fn update(&mut self, byte: u8) {
        let text = matches!(byte, b' '..=b'~' | b'\t' | b'\n' | b'\r');
        self.score = if text { (self.score + 1).min(MAX_SCORE) } else { self.score.saturating_sub(BINARY_STEP) };
        if byte.is_ascii_alphanumeric() {
            let folded = byte.to_ascii_lowercase();
            if self.word == 0 {
                self.gap_before = self.gap;
                self.gap = 0;
            }
            self.word = extended(self.word, folded);
            self.letters = (self.letters << 8 | u64::from(folded)) & 0xFF_FFFF_FFFF;
            return;
        }
        if self.word != 0 {
            self.words = [self.word, self.words[0]];
            self.word = 0;
        }
        self.gap = extended(self.gap, byte);
    }

    /// Whether the last bytes look like text, so that the token contexts run.
    #[inline(always)]
    pub(super) fn in_text(&self) -> bool {
        self.score >= TEXT_SCORE
    }

    /// The contexts' hashes, in the order of the module's list, `byte` being the latest and
    /// `quoted` whether a quote is open (always `false` before codec 16).
    #[inline(always)]
    pub(super) fn hashes(&self, byte: u8, quoted: bool) -> [u32; CONTEXTS] {
        let byte = u32::from(byte);
        let [word1, word2] = self.words;
        [
            context(0, self.word, self.gap, u32::from(quoted)),
            context(1, self.word, self.gap_before, byte),
            context(2, self.gap, word1, byte),
            context(3, self.gap ^ word1.rotate_left(7), self.gap_before, word2),
            context(4, self.letters as u32, (self.letters >> 32) as u32, 0),
            context(5, self.gap, self.gap_before, byte),
            context(6, self.word, word2, 0),
        ]
    }
}

/// A token's hash once `byte` is added to it; never 0, which stands for no token.
#[inline(always)]
fn extended(token: u32, byte: u8) -> u32 {
    (token ^ u32::from(byte)).wrapping_mul(0x0100_0193) | 1
}

/// The hash of token context `index` made of `a`, `b` and `c`.
#[inline(always)]
fn context(index: u64, a: u32, b: u32, c: u32) -> u32 {
    hash64(
        (u64::from(a) | u64::from(b) << 32) ^ u64::from(c).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (0x90 + index) << 56,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(text: &[u8]) -> Tokens {
        let mut tokens = Tokens::default();
        for &byte in text {
            tokens.update(byte);
        }
        tokens
    }

    #[test]
    fn tokens_are_words_and_gaps() {
        // The same words in another case, with the same gaps, make the same contexts…
        let (lower, upper) = (after(b"the cat, the dog"), after(b"The Cat, THE DOG"));
        assert_eq!(lower.hashes(b'g', false), upper.hashes(b'g', false));
        // …but in another gap, the contexts that see the current gap differ.
        let (comma, semicolon) = (after(b"the cat, "), after(b"the cat; "));
        let differ: Vec<bool> =
            (comma.hashes(b' ', false).iter().zip(semicolon.hashes(b' ', false))).map(|(a, b)| *a != b).collect();
        assert_eq!(differ, [true, false, true, true, false, true, false]);
        // The letters context sees the last five letters across the gap.
        assert_eq!(after(b"x dog").letters, u64::from_be_bytes(*b"\0\0\0\0xdog"));
        assert_eq!(after(b"the cat, the dog").words[..2], [after(b"the").word, after(b"cat").word]);
    }

    #[test]
    fn an_open_quote_changes_the_current_token_alone() {
        let tokens = after(b"said ");
        let (quoted, plain) = (tokens.hashes(b' ', true), tokens.hashes(b' ', false));
        let differ: Vec<bool> = quoted.iter().zip(plain).map(|(a, b)| *a != b).collect();
        assert_eq!(differ, [true, false, false, false, false, false, false]);
    }

    #[test]
    fn text_is_told_from_binary() {
        let text = b"It was the best of times, it was the worst of times.\n".repeat(5);
        assert!(after(&text).in_text());
        // A few hundred bytes of text are needed first, and one binary byte in eight stops it.
        assert!(!after(&text[..200]).in_text());
        let mixed: Vec<u8> = text.iter().enumerate().map(|(at, &byte)| if at % 8 == 0 { 0x90 } else { byte }).collect();
        assert!(!after(&mixed).in_text());
    }
}
