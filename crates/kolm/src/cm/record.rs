//! Record length detection, for data laid out in rows of equal length.
//!
//! Tables, spreadsheets, databases and bitmaps repeat a structure every *R* bytes, and the
//! byte *R* back (the one "above", in the row before) predicts far better than the bytes just
//! before it: the scan lines of a fax image, the fields of fixed-size records. The detector
//! watches, for every byte value, the distances between its last four occurrences; when one
//! value occurs three times in a row at the same distance *r*, that is a vote for *r*, and
//! once the same *r* has won [`VOTES_NEEDED`] votes in a row it becomes the record length. It
//! keeps that length until another distance wins as many votes, so a row length, once found,
//! survives irregular stretches. It runs on the bytes already coded, the same on both sides.
//!
//! A picture's rows take long to find this way: a page that starts blank votes for nothing
//! until its first line of print, and a few lines more pass before eight votes agree, all
//! coded without the rows (and without the [image model](super::image), which needs them).
//! From codec 15 on (levels 6–9), the encoder counts the votes over the whole block first,
//! and where one row length of at least [`MIN_ROW`] bytes has most of them, it writes
//! that length at the head of the block's payload ([`row_length_hint`]): both sides start
//! from it. A row length, once held, also stands against its own multiples, which the rows
//! of a picture vote for as well (two rows back repeats too). ptt5, a fax of 216-byte rows,
//! whose print begins at row 240, came out 7.5 % smaller at level 9 (21,975 → 20,324 bytes):
//! the online detector had found its rows at row 309, and lost them to 432 three times.
//!
//! Eight votes in a row are easily won by a distance that is no record. The cells of the
//! old Excel file kennedy.xls are 13-byte records of 16-bit fields, and each record's
//! zero high bytes, two apart, cast runs of votes for 2: the detector held 2 for three
//! quarters of the file, where the byte two back says little. From codec 19 on (levels
//! 6–9), each distance keeps a score of its votes that halves every [`SCORE_HALF_LIFE`]
//! votes cast, and a distance with at least [`VOTES_NEEDED`] votes' worth becomes the
//! record length once its score passes the length's own. kennedy.xls then holds 13 almost
//! throughout, and comes out 14 % smaller at level 9 (14,107 → 12,169 bytes); the first MiB
//! of ooffice and of git.elf 0.3 % smaller, sum 1.0 % and the first MiB of xml 0.1 % larger
//! (half-lives of 16, 64 and 1024 votes did worse on these).
//!
//! The model then adds three contexts to the engine (see [`super::model`]): the byte above
//! with the byte to the left, the three bytes above (above-left, above, above-right), and the
//! bytes one and two rows up; each also carries *R*, so that a change of layout starts fresh
//! statistics.

/// Votes for one distance before it becomes the record length: in a row, or from codec 19
/// in its score.
const VOTES_NEEDED: u32 = 8;

/// The longest record length considered.
const MAX_RECORD: u32 = 1 << 16;

/// The least share of a block's votes, in 256ths, that a row length must win to be told
/// in advance ([`row_length_hint`]): more than half.
const HINT_SHARE: u32 = 128;
/// …and the least number of votes.
const HINT_VOTES: u32 = 64;

/// The shortest record length that is a picture's row: see [`super::image::MUTING_ROW`].
/// Shorter records (instructions, fields, 16-bit samples) are found online within a few
/// records, and a hint made them no smaller (sum, cp.html and kennedy.xls at level 9).
pub(crate) const MIN_ROW: u32 = super::image::MUTING_ROW as u32;

pub(crate) struct RecordDetector {
    /// `seen[k][c]`: the position after the (k+1)-th most recent occurrence of byte `c`
    /// (0: not seen).
    seen: [[u32; 256]; 3],
    length: u32,
    /// Whether a row length of at least [`MIN_ROW`] stands against its multiples (codec 15).
    rows_hold: bool,
    rule: Rule,
}

/// How a distance that votes wins the record length.
enum Rule {
    /// By [`VOTES_NEEDED`] votes in a row (before codec 19): the distance voted for last,
    /// and its votes in a row.
    InARow { candidate: u32, votes: u32 },
    /// By its [`Score`] (codec 19): each distance's, by distance, and the votes cast so far
    /// for any distance, the clock the scores decay by.
    Scored { scores: Vec<Score>, votes_cast: u32 },
}

/// One vote in a [`Score`].
const VOTE: u32 = 256;

/// Votes cast, for any distance, over which a distance's score halves.
const SCORE_HALF_LIFE: u32 = 256;

/// A distance's votes, [`VOTE`] each, halved for every [`SCORE_HALF_LIFE`] votes cast
/// since `stamp`, when it last won one.
#[derive(Clone, Copy, Default)]
struct Score {
    value: u32,
    stamp: u32,
}

impl Score {
    fn at(self, votes_cast: u32) -> u32 {
        self.value.checked_shr(votes_cast.wrapping_sub(self.stamp) / SCORE_HALF_LIFE).unwrap_or(0)
    }
}

impl RecordDetector {
    /// A detector that starts from the record length `hint` (0 for none), whose rows of at
    /// least [`MIN_ROW`] bytes stand against their multiples where `rows_hold`, and that
    /// chooses by scores of recent votes where `scored` (else by votes in a row).
    pub(crate) fn new(hint: u32, rows_hold: bool, scored: bool) -> RecordDetector {
        let rule = if scored {
            Rule::Scored { scores: vec![Score::default(); MAX_RECORD as usize + 1], votes_cast: 0 }
        } else {
            Rule::InARow { candidate: 0, votes: 0 }
        };
        RecordDetector { seen: [[0; 256]; 3], length: hint, rows_hold, rule }
    }

    /// The record length, or 0 while none has been found.
    pub(crate) fn length(&self) -> u32 {
        self.length
    }

    /// Learns from `byte`, which ends at `position` (the count of bytes so far).
    pub(crate) fn update(&mut self, byte: u8, position: u32) {
        let Some(distance) = self.vote(byte, position) else { return };
        let wins = match &mut self.rule {
            Rule::InARow { candidate, votes } => {
                if distance == *candidate {
                    *votes += 1;
                } else {
                    (*candidate, *votes) = (distance, 1);
                }
                *votes >= VOTES_NEEDED
            }
            Rule::Scored { scores, votes_cast } => {
                *votes_cast = votes_cast.wrapping_add(1);
                let now = *votes_cast;
                let score = scores[distance as usize].at(now) + VOTE;
                scores[distance as usize] = Score { value: score, stamp: now };
                score >= VOTES_NEEDED * VOTE && score > scores[self.length as usize].at(now)
            }
        };
        let row_holds = self.rows_hold && self.length >= MIN_ROW && distance.is_multiple_of(self.length);
        if wins && !row_holds {
            self.length = distance;
        }
    }

    /// The distance that `byte`, ending at `position`, votes for: the one between its last
    /// four occurrences, where they are evenly spaced.
    fn vote(&mut self, byte: u8, position: u32) -> Option<u32> {
        let c = usize::from(byte);
        let [last, before, earlier] = [self.seen[0][c], self.seen[1][c], self.seen[2][c]];
        self.seen[2][c] = before;
        self.seen[1][c] = last;
        self.seen[0][c] = position;
        let distance = position - last;
        (earlier > 0
            && distance > 1
            && distance <= MAX_RECORD
            && distance == last - before
            && distance == before - earlier)
            .then_some(distance)
    }
}

/// The row length to start `data`'s detector from (codec 15): the distance that most of the
/// block's votes go to, where that is at least [`MIN_ROW`] bytes (and fits 16 bits) and
/// won at least [`HINT_VOTES`] votes; else 0.
pub(crate) fn row_length_hint(data: &[u8]) -> u32 {
    let mut detector = RecordDetector::new(0, false, false);
    let mut votes = vec![0u32; MAX_RECORD as usize + 1];
    let mut total = 0u32;
    for (position, &byte) in (1u32..).zip(data) {
        if let Some(distance) = detector.vote(byte, position) {
            votes[distance as usize] += 1;
            total += 1;
        }
    }
    let (length, &most) =
        votes.iter().enumerate().max_by_key(|&(length, &count)| (count, std::cmp::Reverse(length))).expect("votes");
    let length = length as u32;
    let wins = most >= HINT_VOTES && u64::from(most) * 256 > u64::from(total) * u64::from(HINT_SHARE);
    if wins && (MIN_ROW..=u32::from(u16::MAX)).contains(&length) { length } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(data: &[u8]) -> u32 {
        let mut detector = RecordDetector::new(0, false, false);
        for (index, &byte) in data.iter().enumerate() {
            detector.update(byte, index as u32 + 1);
        }
        detector.length()
    }

    #[test]
    fn finds_the_row_length_of_fixed_records() {
        // 37-byte records: a counter, a name, padding.
        let mut table = Vec::new();
        for row in 0..200u32 {
            let mut record = format!("{row:06}|item-{:03}|", row % 17).into_bytes();
            record.resize(37, b' ');
            table.extend_from_slice(&record);
        }
        assert_eq!(detect(&table), 37);
        assert_eq!(detect(b"no structure here, just a sentence of ordinary English text."), 0);
        // Runs of one byte (distance 1) are not records.
        assert_eq!(detect(&[0u8; 5000]), 0);
    }

    /// A page of 100-byte rows, blank for its first 50 rows, then with a shape that moves
    /// one column every eight rows, each byte value once in a row.
    fn page() -> Vec<u8> {
        let mut page = vec![0u8; 100 * 150];
        for (at, byte) in page.iter_mut().enumerate().skip(100 * 50) {
            let (row, column) = (at / 100, at % 100);
            *byte = ((column + row / 8) % 100 + 1) as u8;
        }
        page
    }

    #[test]
    fn the_hint_is_a_pictures_row_and_nothing_shorter() {
        assert_eq!(row_length_hint(&page()), 100);
        // Short records are found online; text has no rows.
        let mut table = Vec::new();
        for row in 0..200u32 {
            table.extend_from_slice(format!("{row:06}|item-{:03}|{:>20}\n", row % 17, row % 5).as_bytes());
        }
        assert_eq!(row_length_hint(&table), 0);
        assert_eq!(row_length_hint(&b"It was the best of times, it was the worst of times. ".repeat(40)), 0);
    }

    /// kennedy.xls, an old Excel file of 13-byte cell records: the share of its bytes, in
    /// thousandths, coded while the detector held 13.
    fn thousandths_at_13(scored: bool) -> usize {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/corpus/kennedy.xls");
        let data = std::fs::read(path).unwrap();
        let mut detector = RecordDetector::new(0, true, scored);
        let held = (1u32..)
            .zip(&data)
            .filter(|&(position, &byte)| {
                detector.update(byte, position);
                detector.length() == 13
            })
            .count();
        held * 1000 / data.len()
    }

    #[test]
    fn scores_keep_a_record_that_runs_of_votes_would_lose() {
        // The runs of votes for 2 of the cells' zero high bytes won three quarters of the file.
        let (in_a_row, scored) = (thousandths_at_13(false), thousandths_at_13(true));
        assert!(in_a_row < 300, "{in_a_row}");
        assert!(scored > 990, "{scored}");
    }

    #[test]
    fn a_row_stands_against_its_multiples_where_rows_hold() {
        // Rows of 100 bytes whose values repeat every other row vote for 200 too.
        let data: Vec<u8> = (0..100 * 300).map(|at: usize| ((at % 200) * 37 % 251) as u8).collect();
        let run = |rows_hold| {
            let mut detector = RecordDetector::new(100, rows_hold, false);
            for (position, &byte) in (1u32..).zip(&data) {
                detector.update(byte, position);
            }
            detector.length()
        };
        assert_eq!(run(true), 100);
        assert_eq!(run(false), 200);
    }
}
