//! The Burrows–Wheeler transform: a block's bytes sorted by what follows them.
//!
//! Sort all rotations of a block... more exactly, all its suffixes, as if the block ended
//! with a sentinel smaller than every byte, and write down the byte before each suffix in
//! that order. Bytes that precede similar contexts land next to each other, so the output
//! is made of long stretches over few symbols, which even a small, fast model predicts well
//! ([`crate::cm::sorted`]). The transform is a permutation plus one number, the *primary
//! index*: the position at which the sentinel would stand, which the inverse needs to know
//! where the block starts.
//!
//! Conventions (those of libsais, which computes the forward transform): the output has the
//! block's length (the sentinel is left out), and the primary index `p` is in `1..=n` for a
//! block of `n > 0` bytes: with the sentinel's row put back at `p`, row 0 (the suffix that is
//! the sentinel alone) holds the block's last byte.
//!
//! The inverse is ours, in safe Rust: it walks the last-to-first mapping from row 0, writing
//! the block from its end. Each step reads one table entry that packs the row of the next
//! step with the byte to output, so a step costs one memory access.

use crate::Error;

/// The transform of `data` and its primary index (0 for an empty block).
pub(crate) fn forward(data: &[u8]) -> (Vec<u8>, u32) {
    if data.is_empty() {
        return (Vec::new(), 0);
    }
    let transformed = libsais::BwtConstruction::for_text(data)
        .with_owned_temporary_array_buffer32()
        .single_threaded()
        .run()
        .expect("libsais transforms any block shorter than 2 GiB");
    let primary = transformed.primary_index() as u32;
    (transformed.into_vec(), primary)
}

/// The block whose transform is `transformed`, with primary index `primary`.
pub(crate) fn inverse(transformed: &[u8], primary: u32) -> Result<Vec<u8>, Error> {
    let len = transformed.len();
    let primary = primary as usize;
    if len == 0 {
        return if primary == 0 {
            Ok(Vec::new())
        } else {
            Err(Error::Corrupt("an empty block with a primary index".into()))
        };
    }
    if primary == 0 || primary > len {
        return Err(Error::Corrupt(format!("primary index {primary} outside a block of {len} bytes")));
    }
    if len < 1 << 24 { walk::<u32>(transformed, primary) } else { walk::<u64>(transformed, primary) }
}

/// A table entry of the inverse: the next step's index in the transform (all bits but the
/// lowest eight) and the byte to output (the lowest eight).
trait Step: Copy + Default {
    fn pack(next: usize, byte: u8) -> Self;
    fn next(self) -> usize;
    fn byte(self) -> u8;
}

impl Step for u32 {
    fn pack(next: usize, byte: u8) -> u32 {
        (next as u32) << 8 | u32::from(byte)
    }
    fn next(self) -> usize {
        (self >> 8) as usize
    }
    fn byte(self) -> u8 {
        self as u8
    }
}

impl Step for u64 {
    fn pack(next: usize, byte: u8) -> u64 {
        (next as u64) << 8 | u64::from(byte)
    }
    fn next(self) -> usize {
        (self >> 8) as usize
    }
    fn byte(self) -> u8 {
        self as u8
    }
}

fn walk<S: Step>(transformed: &[u8], primary: usize) -> Result<Vec<u8>, Error> {
    let len = transformed.len();
    // Row r of the full transform (sentinel included) is index r - (r > primary) of ours.
    // Written with >=, which is the same for every row but the sentinel's own: a valid
    // transform reaches that one only after its last byte, but a damaged one may reach it
    // early, and must stay within bounds.
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
    let mut steps = vec![S::default(); len];
    for (step, &byte) in steps.iter_mut().zip(transformed) {
        let row = &mut first_row[usize::from(byte)];
        *step = S::pack(index_of_row(*row), byte);
        *row += 1;
    }
    let mut block = vec![0u8; len];
    let mut at = 0; // row 0's index
    for slot in block.iter_mut().rev() {
        let step = steps[at];
        *slot = step.byte();
        at = step.next();
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
            let (transformed, primary) = forward(&data);
            prop_assert_eq!(inverse(&transformed, primary).unwrap(), data);
        }

        /// Any bytes and any index in range invert to some block of the same length (which
        /// the block's checksum then judges), never a panic.
        #[test]
        fn any_transform_inverts_without_panic(data in proptest::collection::vec(any::<u8>(), 1..600), at in any::<u32>()) {
            let primary = at % data.len() as u32 + 1;
            prop_assert_eq!(inverse(&data, primary).unwrap().len(), data.len());
        }
    }

    #[test]
    fn round_trips() {
        for data in [&b"banana"[..], b"a", b"abracadabra abracadabra", &[0u8; 1000], &[7, 7, 7, 1]] {
            let (transformed, primary) = forward(data);
            assert_eq!(transformed.len(), data.len());
            assert_eq!(inverse(&transformed, primary).unwrap(), data);
        }
        assert_eq!(forward(b""), (Vec::new(), 0));
        assert_eq!(inverse(b"", 0).unwrap(), b"");
    }

    #[test]
    fn groups_bytes_by_what_follows() {
        // Suffixes of "banana$": $, a$, ana$, anana$, banana$, na$, nana$ -> a n n b $ a a.
        let (transformed, primary) = forward(b"banana");
        assert_eq!((transformed.as_slice(), primary), (&b"annbaa"[..], 4));
    }

    #[test]
    fn bad_primary_indexes_are_refused() {
        let (transformed, _) = forward(b"hello, hello");
        assert!(inverse(&transformed, 0).is_err());
        assert!(inverse(&transformed, 13).is_err());
        assert!(inverse(b"", 1).is_err());
    }
}
