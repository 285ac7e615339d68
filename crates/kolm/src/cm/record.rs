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
//! The model then adds three contexts to the engine (see [`super::model`]): the byte above
//! with the byte to the left, the three bytes above (above-left, above, above-right), and the
//! bytes one and two rows up; each also carries *R*, so that a change of layout starts fresh
//! statistics.

/// Consecutive votes for one distance before it becomes the record length.
const VOTES_NEEDED: u32 = 8;

/// The longest record length considered.
const MAX_RECORD: u32 = 1 << 16;

pub(crate) struct RecordDetector {
    /// `seen[k][c]`: the position after the (k+1)-th most recent occurrence of byte `c`
    /// (0: not seen).
    seen: [[u32; 256]; 3],
    candidate: u32,
    votes: u32,
    length: u32,
}

impl RecordDetector {
    pub(crate) fn new() -> RecordDetector {
        RecordDetector { seen: [[0; 256]; 3], candidate: 0, votes: 0, length: 0 }
    }

    /// The record length, or 0 while none has been found.
    pub(crate) fn length(&self) -> u32 {
        self.length
    }

    /// Learns from `byte`, which ends at `position` (the count of bytes so far).
    pub(crate) fn update(&mut self, byte: u8, position: u32) {
        let c = usize::from(byte);
        let [last, before, earlier] = [self.seen[0][c], self.seen[1][c], self.seen[2][c]];
        if earlier > 0 {
            let distance = position - last;
            if distance > 1 && distance <= MAX_RECORD && distance == last - before && distance == before - earlier {
                if distance == self.candidate {
                    self.votes += 1;
                    if self.votes >= VOTES_NEEDED {
                        self.length = distance;
                    }
                } else {
                    self.candidate = distance;
                    self.votes = 1;
                }
            }
        }
        self.seen[2][c] = before;
        self.seen[1][c] = last;
        self.seen[0][c] = position;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(data: &[u8]) -> u32 {
        let mut detector = RecordDetector::new();
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
}
