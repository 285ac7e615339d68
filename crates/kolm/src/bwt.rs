//! The Burrows–Wheeler transform: a block's bytes sorted by what follows them.
//!
//! Sort all the suffixes of a block, as if the block ended with a sentinel smaller than
//! every byte, and write down the byte before each suffix in that order. Bytes that precede similar contexts land next to each other, so the output
//! is made of long stretches over few symbols, which even a small, fast model predicts well
//! ([`crate::cm::sorted`]). The transform is a permutation plus one number, the *primary
//! index*: the row of the whole block's suffix, where the sentinel stands in the output,
//! which the inverse needs to know where the block starts.
//!
//! Conventions (those of libsais, which computes the forward transform): the output has the
//! block's length (the sentinel is left out), and the primary index `p` is in `1..=n` for a
//! block of `n > 0` bytes: with the sentinel's row put back at `p`, row 0 (the suffix that is
//! the sentinel alone) holds the block's last byte.
//!
//! # The inverse
//!
//! The inverse is ours, in safe Rust: it walks the last-to-first mapping, writing the block
//! from its end. Each step reads one table entry that packs the row of the next step with
//! the byte to output, but each step's entry is at a random place in a table four times the
//! block's size, so a single walk waits on memory at every step. The transform therefore
//! cuts the block into at most [`CHAINS`] parts and records the row where each starts (the
//! rows of the suffixes at positions 0, *r*, 2*r*, …: libsais's auxiliary indices, the first
//! of which is the primary index), and the inverse walks the parts side by side, with that
//! many look-ups in flight: a 4 MB text inverts about four times faster than in one walk.

use crate::Error;

/// The number of parts the inverse walks side by side (at most).
pub(crate) const CHAINS: usize = 8;

/// The distance *r* between the positions whose rows the transform records: the smallest
/// power of two (at least 2) with `CHAINS`·*r* ≥ `len`.
pub(crate) fn sampling_rate(len: usize) -> usize {
    len.div_ceil(CHAINS).next_power_of_two().max(2)
}

/// How many rows the transform of a block of `len` bytes records: one per *r* bytes, the
/// first being the primary index.
pub(crate) fn recorded_rows(len: usize) -> usize {
    len.div_ceil(sampling_rate(len))
}

/// The transform of `data`, and the rows of the suffixes at positions 0, *r*, 2*r*, … (see
/// [`sampling_rate`]; none for an empty block).
pub(crate) fn forward(data: &[u8]) -> (Vec<u8>, Vec<u32>) {
    if data.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let rate = libsais::bwt::AuxIndicesSamplingRate::from(sampling_rate(data.len()) as i32);
    let (transformed, rows, _) = libsais::BwtConstruction::for_text(data)
        .with_owned_temporary_array_buffer32()
        .single_threaded()
        .with_aux_indices(rate)
        .run()
        .expect("libsais transforms any block shorter than 2 GiB")
        .into_parts();
    (transformed, rows.iter().map(|&row| row as u32).collect())
}

/// The block whose transform is `transformed`, given the rows [`forward`] recorded.
pub(crate) fn inverse(transformed: &[u8], rows: &[u32]) -> Result<Vec<u8>, Error> {
    let len = transformed.len();
    if rows.len() != recorded_rows(len) {
        return Err(Error::Corrupt(format!("{} rows recorded for a sorted block of {len} bytes", rows.len())));
    }
    if let Some(&row) = rows.iter().find(|&&row| row == 0 || row as usize > len) {
        return Err(Error::Corrupt(format!("row {row} outside a sorted block of {len} bytes")));
    }
    if len == 0 {
        return Ok(Vec::new());
    }
    // Packed entries hold indices below 2^24: every block of up to 16 MiB, level 1's default.
    if len <= 1 << 24 { walk::<u32>(transformed, rows) } else { walk::<u64>(transformed, rows) }
}

/// A table entry of the inverse: the next step's index in the transform (all bits but the
/// lowest eight) and the byte to output (the lowest eight).
trait Step: Copy + Default {
    fn pack(next: usize, byte: u8) -> Self;
    fn next(self) -> usize;
    fn byte(self) -> u8;
}

/// One definition for both entry widths.
macro_rules! step_for {
    ($($width:ty),*) => {$(
        impl Step for $width {
            fn pack(next: usize, byte: u8) -> $width {
                (next as $width) << 8 | <$width>::from(byte)
            }
            fn next(self) -> usize {
                (self >> 8) as usize
            }
            fn byte(self) -> u8 {
                self as u8
            }
        }
    )*};
}

step_for!(u32, u64);

fn walk<S: Step>(transformed: &[u8], rows: &[u32]) -> Result<Vec<u8>, Error> {
    let len = transformed.len();
    let primary = rows[0] as usize;
    // Row r of the full transform (sentinel included) is index r - (r > primary) of ours.
    // Written with >=, which is the same for every row but the sentinel's own: a valid
    // transform reaches that one only after the block's first byte, but a damaged one may
    // reach it early, and must stay within bounds.
    let index_of_row = |row: usize| row - usize::from(row >= primary);
    let mut first_row = [0usize; 256];
    let mut counts = [0usize; 256];
    for &byte in transformed {
        counts[usize::from(byte)] += 1;
    }
    let mut row = 1; // row 0 is the sentinel's suffix
    for (first, &count) in first_row.iter_mut().zip(&counts) {
        *first = row;
        row += count;
    }
    // steps[i]: the transform's byte at index i, and the index of the row that byte's own
    // suffix sorts to (its last-to-first mapping).
    let mut steps = crate::cm::memory::zeroed_table::<S>(len);
    for (step, &byte) in steps.iter_mut().zip(transformed) {
        let row = &mut first_row[usize::from(byte)];
        *step = S::pack(index_of_row(*row), byte);
        *row += 1;
    }
    // Part j is the block's bytes from j·r up to the next part: it is written from its end
    // back, starting at the row of the suffix where it ends (the next part's recorded row,
    // or for the last part row 0, the sentinel's suffix).
    let rate = sampling_rate(len);
    let mut cursors = [0usize; CHAINS];
    for (cursor, &row) in cursors.iter_mut().zip(&rows[1..]) {
        *cursor = index_of_row(row as usize);
    }
    let parts = rows.len();
    let last_len = len - (parts - 1) * rate;
    let mut block = vec![0u8; len];
    for back in 1..=rate {
        for (part, cursor) in cursors[..parts].iter_mut().enumerate() {
            let end = if part + 1 == parts { len } else { (part + 1) * rate };
            if part + 1 < parts || back <= last_len {
                let step = steps[*cursor];
                block[end - back] = step.byte();
                *cursor = step.next();
            }
        }
    }
    // A damaged transform walks other cycles of the mapping, within bounds; the block's
    // checksum then tells it apart.
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_inverse_undoes_the_transform(data in proptest::collection::vec(0u8..4, 0..3000)) {
            let (transformed, rows) = forward(&data);
            prop_assert_eq!(inverse(&transformed, &rows).unwrap(), data);
        }

        /// Any bytes and any rows in range invert to some block of the same length (which
        /// the block's checksum then judges), never a panic.
        #[test]
        fn any_transform_inverts_without_panic(
            data in proptest::collection::vec(any::<u8>(), 1..600),
            seeds in proptest::collection::vec(any::<u32>(), CHAINS),
        ) {
            let rows: Vec<u32> =
                seeds[..recorded_rows(data.len())].iter().map(|seed| seed % data.len() as u32 + 1).collect();
            prop_assert_eq!(inverse(&data, &rows).unwrap().len(), data.len());
        }
    }

    #[test]
    fn round_trips() {
        for data in [&b"banana"[..], b"a", b"abracadabra abracadabra", &[0u8; 1000], &[7, 7, 7, 1]] {
            let (transformed, rows) = forward(data);
            assert_eq!(transformed.len(), data.len());
            assert_eq!(rows.len(), recorded_rows(data.len()));
            assert_eq!(inverse(&transformed, &rows).unwrap(), data);
        }
        assert_eq!(forward(b""), (Vec::new(), Vec::new()));
        assert_eq!(inverse(b"", &[]).unwrap(), b"");
    }

    #[test]
    fn groups_bytes_by_what_follows() {
        // Suffixes of "banana$": $, a$, ana$, anana$, banana$, na$, nana$ -> a n n b $ a a.
        let (transformed, rows) = forward(b"banana");
        assert_eq!(transformed, b"annbaa");
        // Rows of the suffixes at 0 ("banana$", row 4) and 2 ("nana$", row 6): r = 2, so
        // three rows are recorded, the last that of "na$" (row 5).
        assert_eq!(rows, [4, 6, 5]);
    }

    #[test]
    fn parts_are_at_most_eight_and_a_power_of_two_apart() {
        for len in [1usize, 2, 16, 17, 1000, 1 << 19, (1 << 19) + 1, 16 << 20] {
            let rate = sampling_rate(len);
            assert!(rate.is_power_of_two() && rate >= 2 && rate * CHAINS >= len, "{len}");
            assert!(recorded_rows(len) <= CHAINS && (recorded_rows(len) - 1) * rate < len, "{len}");
        }
        // Long inputs are walked in eight parts: a text of 5,000 bytes.
        let text: Vec<u8> = (0..5000u32).map(|i| b"abcdefgh"[(i * i % 7) as usize]).collect();
        let (transformed, rows) = forward(&text);
        assert_eq!(rows.len(), 5);
        assert!(inverse(&transformed, &rows).unwrap() == text);
    }

    /// A full level-1 block (16 MiB) takes packed 4-byte entries, one byte more the 8-byte ones.
    #[test]
    fn blocks_at_the_edge_of_packed_entries_round_trip() {
        let mut state = 7u32;
        let data: Vec<u8> = (0..(1 << 24) + 1)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"sorting"[(state >> 28) as usize % 7]
            })
            .collect();
        for len in [1 << 24, (1 << 24) + 1] {
            let (transformed, rows) = forward(&data[..len]);
            assert!(inverse(&transformed, &rows).unwrap() == data[..len], "{len} bytes");
        }
    }

    #[test]
    fn bad_rows_are_refused() {
        let (transformed, rows) = forward(b"hello, hello");
        for bad in [0, 13] {
            for at in 0..rows.len() {
                let mut damaged = rows.clone();
                damaged[at] = bad;
                assert!(inverse(&transformed, &damaged).is_err(), "row {bad} at {at}");
            }
        }
        assert!(inverse(&transformed, &rows[1..]).is_err(), "a row missing");
        assert!(inverse(b"", &[1]).is_err());
    }
}
