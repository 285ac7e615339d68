//! The x86 branch filter: relative call and jump targets rewritten as absolute positions.
//!
//! In x86 machine code (32- and 64-bit alike) the byte `E8` starts a CALL and `E9` a JMP,
//! each followed by a 32-bit little-endian displacement counted from the end of the
//! instruction. A function called from a hundred places is reached by a hundred different
//! displacements, so a model that predicts bytes from what came before sees noise where the
//! program repeats itself. Rewriting each displacement as the target's position within the
//! block makes every call to one function the same five bytes, which the context and match
//! models then predict like any repeated string. Executables shrink by a tenth or more.
//!
//! # The transform
//!
//! At an `E8` or `E9` byte at position *i* with four bytes after it, those bytes are read
//! as a signed little-endian integer *d*. If their last byte is `00` or `FF` — a *near*
//! branch, −2²⁴ ≤ *d* < 2²⁴, which is what real code has — *d* is replaced by the target
//! *i* + 5 + *d*, wrapped into the same range (so the last byte stays `00` or `FF`).
//! Operands may overlap (an operand can hold an `E8`), so the order is part of the
//! definition: the filter visits positions from the last (*n* − 5) down to 0, and the
//! inverse, which subtracts *i* + 5, from 0 up. Each step leaves its opcode byte and the
//! nearness of its operand unchanged, so the inverse, undoing the steps in reverse order,
//! decides every step as the filter did: the transform is a bijection on every block, code
//! or not.
//!
//! # When it is used
//!
//! [`looks_like_code`] counts near and far branch operands: code has several near ones per
//! KiB (20–28 in the corpus's executables) and few far ones, other data almost none (at most
//! 0.44 per KiB in the corpus's text, images, spreadsheet and archives).

/// Values of a near operand lie in [−`NEAR`, `NEAR`).
const NEAR: i32 = 1 << 24;

/// A copy of `block` with the filter applied, if the block looks like machine code
/// ([`looks_like_code`]); `None` otherwise.
pub(crate) fn filtered_if_code(block: &[u8]) -> Option<Vec<u8>> {
    looks_like_code(block).then(|| {
        let mut copy = block.to_vec();
        encode(&mut copy);
        copy
    })
}

/// Rewrites every near branch operand of `block` as its target (the filter).
pub(crate) fn encode(block: &mut [u8]) {
    for at in (0..block.len().saturating_sub(4)).rev() {
        rewrite_branch(block, at, i32::wrapping_add);
    }
}

/// Undoes [`encode`].
pub(crate) fn decode(block: &mut [u8]) {
    for at in 0..block.len().saturating_sub(4) {
        rewrite_branch(block, at, i32::wrapping_sub);
    }
}

/// Whether `block` looks like x86 machine code: at least one near branch operand per 256
/// bytes, and near ones four times as common as far ones.
fn looks_like_code(block: &[u8]) -> bool {
    let (mut near, mut far) = (0usize, 0usize);
    for window in block.windows(5) {
        if window[0] & 0xFE == 0xE8 {
            if is_near(window[4]) {
                near += 1;
            } else {
                far += 1;
            }
        }
    }
    near > 0 && near * 256 >= block.len() && near >= 4 * far
}

#[inline]
fn is_near(last_operand_byte: u8) -> bool {
    matches!(last_operand_byte, 0x00 | 0xFF)
}

/// If a branch with a near operand starts at `at`, replaces the operand by
/// `rewrite(operand, end of instruction)`, wrapped back into the near range.
#[inline]
fn rewrite_branch(block: &mut [u8], at: usize, rewrite: fn(i32, i32) -> i32) {
    if block[at] & 0xFE != 0xE8 || !is_near(block[at + 4]) {
        return;
    }
    let operand_bytes: &mut [u8; 4] = (&mut block[at + 1..at + 5]).try_into().unwrap();
    let operand = i32::from_le_bytes(*operand_bytes);
    // Positions are at most 2^30 (the largest block), so the end fits in an i32.
    let rewritten = rewrite(operand, (at + 5) as i32);
    *operand_bytes = ((rewritten.wrapping_add(NEAR) & (2 * NEAR - 1)) - NEAR).to_le_bytes();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn calls_to_one_function_become_identical() {
        let mut code = vec![0x90; 0x300];
        code[0x10..0x15].copy_from_slice(&[0xE8, 0xEB, 0x00, 0x00, 0x00]); // call +0xEB -> 0x100
        code[0x200..0x205].copy_from_slice(&[0xE8, 0xFB, 0xFE, 0xFF, 0xFF]); // call -0x105 -> 0x100
        code[0x280..0x285].copy_from_slice(&[0xE9, 0x00, 0x00, 0x00, 0x01]); // far: left alone
        let original = code.clone();
        encode(&mut code);
        assert_eq!(code[0x10..0x15], [0xE8, 0x00, 0x01, 0x00, 0x00]);
        assert_eq!(code[0x200..0x205], [0xE8, 0x00, 0x01, 0x00, 0x00]);
        assert_eq!(code[0x280..0x285], original[0x280..0x285]);
        decode(&mut code);
        assert_eq!(code, original);
    }

    #[test]
    fn targets_wrap_within_the_near_range() {
        // A target past 2^24 wraps to a negative near value, and back.
        let mut block = vec![0u8; 16];
        block[3..8].copy_from_slice(&[0xE9, 0xF8, 0xFF, 0xFF, 0x00]);
        let original = block.clone();
        encode(&mut block);
        assert_eq!(i32::from_le_bytes(block[4..8].try_into().unwrap()), 0x00FF_FFF8 + 8 - (1 << 25));
        assert_eq!(block[7], 0xFF);
        decode(&mut block);
        assert_eq!(block, original);
    }

    #[test]
    fn other_data_is_not_taken_for_code() {
        // (Code is recognised: see the integration test of x86 blocks.)
        let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/corpus/alice29.txt")).unwrap();
        assert!(!looks_like_code(&text));
        let mut state = 99u64;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (state >> 56) as u8
            })
            .collect();
        assert!(!looks_like_code(&noise));
        assert!(!looks_like_code(&[]) && !looks_like_code(&[0xE8, 0, 0, 0]));
    }

    proptest! {
        #[test]
        fn the_inverse_restores_any_block(mut block in proptest::collection::vec(
            prop_oneof![Just(0xE8u8), Just(0xE9), Just(0x00), Just(0xFF), any::<u8>()], 0..400)) {
            let original = block.clone();
            encode(&mut block);
            decode(&mut block);
            prop_assert_eq!(block, original);
        }
    }
}
