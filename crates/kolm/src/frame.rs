//! The `.kolm` container: frame header, block records, frame trailer.
//!
//! This module knows the byte layout (specified in FORMAT.md) and nothing about models:
//! it writes and parses headers, validates every field before anything is allocated from
//! it, and lists a stream's frames and blocks for `kolm --list`.
//!
//! ```text
//! frame   = header block* end
//! header  = magic(89 4B 4C 4D) version(1) codec(1) level(1) block_log(1) flags(1)
//!           [content_size(8)] header_check(4)
//! block   = kind(1: 1 stored, 2 coded, 3 coded after the x86 filter) size(4) payload_len(4) check(4) record_check(4) payload
//! end     = kind(1: 0) content_check(8)
//! ```
//!
//! Checks are XXH64 with seed 0, little-endian like every integer here:
//!
//! * the header check (low 32 bits) covers the header's preceding bytes;
//! * a block's record check (low 32 bits) covers its first 13 bytes and its payload, so any
//!   damage to a block — even to bits the codec would ignore, such as the coder's final
//!   padding — is found before the block is decoded;
//! * a block's check (low 32 bits) covers its original bytes, verified after decoding and
//!   before they are returned;
//! * the content check (64 bits) covers all of the frame's original bytes.

use std::io::{self, Read};

use xxhash_rust::xxh64::{Xxh64, xxh64};

use crate::Error;
use crate::codec::{BlockCoder, BlockKind, Codec};
use crate::level::Level;

/// The four bytes every `.kolm` frame starts with. The first is not ASCII, so text is never
/// mistaken for a frame.
pub const MAGIC: [u8; 4] = [0x89, b'K', b'L', b'M'];

/// The format version this library writes and reads.
pub const VERSION: u8 = 1;

/// Smallest and largest block-size exponents a header may declare: 64 KiB to 1 GiB.
pub(crate) const MIN_BLOCK_LOG: u8 = 16;
pub(crate) const MAX_BLOCK_LOG: u8 = 30;

const FLAG_CONTENT_SIZE: u8 = 1;

/// Length of a block record's header.
pub(crate) const BLOCK_HEADER_LEN: usize = 17;

/// The header bytes the record check covers (all but the record check itself).
const CHECKED_HEADER_LEN: usize = 13;

const KIND_END: u8 = 0;
const KIND_STORED: u8 = 1;
const KIND_CODED: u8 = 2;
const KIND_CODED_X86: u8 = 3;

/// Everything a frame header records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub(crate) coder: BlockCoder,
    pub(crate) block_log: u8,
    pub(crate) content_size: Option<u64>,
}

impl FrameHeader {
    pub(crate) fn block_size(&self) -> u64 {
        1 << self.block_log
    }

    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        let flags = if self.content_size.is_some() { FLAG_CONTENT_SIZE } else { 0 };
        bytes.extend_from_slice(&[VERSION, self.coder.codec.id(), self.coder.level.get(), self.block_log, flags]);
        if let Some(size) = self.content_size {
            bytes.extend_from_slice(&size.to_le_bytes());
        }
        let check = xxh64(&bytes, 0) as u32;
        bytes.extend_from_slice(&check.to_le_bytes());
        bytes
    }

    /// Parses the header that follows `magic`, which the caller has already read and matched.
    pub(crate) fn read_after_magic(reader: &mut impl Read) -> Result<FrameHeader, Error> {
        let mut bytes = MAGIC.to_vec();
        let mut fixed = [0u8; 5];
        read_exact(reader, &mut fixed, "a frame header")?;
        bytes.extend_from_slice(&fixed);
        let [version, codec, level, block_log, flags] = fixed;
        if version != VERSION {
            return Err(Error::UnsupportedVersion { format: ".kolm", version, supported: VERSION });
        }
        let mut content_size = None;
        if flags & FLAG_CONTENT_SIZE != 0 {
            let mut size = [0u8; 8];
            read_exact(reader, &mut size, "a frame header")?;
            bytes.extend_from_slice(&size);
            content_size = Some(u64::from_le_bytes(size));
        }
        let mut check = [0u8; 4];
        read_exact(reader, &mut check, "a frame header")?;
        if u32::from_le_bytes(check) != xxh64(&bytes, 0) as u32 {
            return Err(Error::Corrupt("the frame header is damaged (its check does not match)".into()));
        }
        // The check matched, so these are what the encoder wrote; still, refuse what no
        // encoder writes rather than trust it.
        if flags & !FLAG_CONTENT_SIZE != 0 {
            return Err(Error::Corrupt(format!("the frame header has unknown flags {flags:#04x}")));
        }
        let codec = Codec::from_id(codec)?;
        let level = Level::new(level).ok_or_else(|| Error::Corrupt(format!("the frame header has level {level}")))?;
        if !(MIN_BLOCK_LOG..=MAX_BLOCK_LOG).contains(&block_log) {
            return Err(Error::Corrupt(format!("the frame header has block size 2^{block_log}")));
        }
        Ok(FrameHeader { coder: BlockCoder { codec, level }, block_log, content_size })
    }
}

/// A block record's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockHeader {
    pub(crate) kind: BlockKind,
    pub(crate) size: u32,
    pub(crate) payload_len: u32,
    /// Check of the block's original bytes.
    pub(crate) check: u32,
    /// Check of the header's first bytes and the payload, as read (0 until written).
    pub(crate) record_check: u32,
}

impl BlockHeader {
    fn checked_bytes(self) -> [u8; CHECKED_HEADER_LEN] {
        let mut bytes = [0u8; CHECKED_HEADER_LEN];
        bytes[0] = match self.kind {
            BlockKind::Stored => KIND_STORED,
            BlockKind::Coded => KIND_CODED,
            BlockKind::CodedX86 => KIND_CODED_X86,
        };
        bytes[1..5].copy_from_slice(&self.size.to_le_bytes());
        bytes[5..9].copy_from_slice(&self.payload_len.to_le_bytes());
        bytes[9..13].copy_from_slice(&self.check.to_le_bytes());
        bytes
    }

    fn record_check_of(self, payload: &[u8]) -> u32 {
        let mut hasher = Xxh64::new(0);
        hasher.update(&self.checked_bytes());
        hasher.update(payload);
        hasher.digest() as u32
    }

    /// The header as written before `payload`, record check included.
    pub(crate) fn to_bytes(self, payload: &[u8]) -> [u8; BLOCK_HEADER_LEN] {
        let mut bytes = [0u8; BLOCK_HEADER_LEN];
        bytes[..CHECKED_HEADER_LEN].copy_from_slice(&self.checked_bytes());
        bytes[CHECKED_HEADER_LEN..].copy_from_slice(&self.record_check_of(payload).to_le_bytes());
        bytes
    }

    /// Fails if the header or `payload` (block `index`) was damaged since it was written.
    pub(crate) fn verify_record(self, payload: &[u8], index: u64) -> Result<(), Error> {
        if self.record_check_of(payload) == self.record_check {
            Ok(())
        } else {
            Err(Error::Corrupt(format!("block {index} is damaged (its record check does not match)")))
        }
    }
}

/// The low 32 bits of a block's XXH64, as its header records them.
pub(crate) fn block_check(data: &[u8]) -> u32 {
    xxh64(data, 0) as u32
}

/// What follows in a frame: a block, or the end.
pub(crate) enum Record {
    Block(BlockHeader),
    End { content_check: u64 },
}

/// Reads the next record of a frame whose blocks hold at most `block_size` bytes.
pub(crate) fn read_record(reader: &mut impl Read, block_size: u64, index: u64) -> Result<Record, Error> {
    let mut kind = [0u8; 1];
    read_exact(reader, &mut kind, "a frame")?;
    if kind[0] == KIND_END {
        let mut check = [0u8; 8];
        read_exact(reader, &mut check, "a frame's end")?;
        return Ok(Record::End { content_check: u64::from_le_bytes(check) });
    }
    let mut rest = [0u8; BLOCK_HEADER_LEN - 1];
    read_exact(reader, &mut rest, "a block header")?;
    let field = |at: usize| u32::from_le_bytes(rest[at..at + 4].try_into().expect("4 bytes"));
    let (size, payload_len, check, record_check) = (field(0), field(4), field(8), field(12));
    let kind = match kind[0] {
        KIND_STORED => BlockKind::Stored,
        KIND_CODED => BlockKind::Coded,
        KIND_CODED_X86 => BlockKind::CodedX86,
        other => return Err(Error::Corrupt(format!("block {index} has unknown kind {other}"))),
    };
    let plausible = match kind {
        BlockKind::Stored => payload_len == size,
        BlockKind::Coded | BlockKind::CodedX86 => payload_len < size,
    };
    if size == 0 || u64::from(size) > block_size || !plausible || payload_len == 0 {
        return Err(Error::Corrupt(format!(
            "block {index} claims {size} bytes in a {payload_len}-byte payload, in a frame of {block_size}-byte blocks"
        )));
    }
    Ok(Record::Block(BlockHeader { kind, size, payload_len, check, record_check }))
}

/// `read_exact`, reporting a clean end of input as truncation of `what`.
pub(crate) fn read_exact(reader: &mut impl Read, buf: &mut [u8], what: &str) -> Result<(), Error> {
    reader.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Error::Corrupt(format!("the stream ends inside {what}"))
        } else {
            Error::Io(e)
        }
    })
}

/// One frame as `kolm --list` shows it.
///
/// ```
/// let options = kolm::Options::new().level(kolm::Level::new(2).unwrap()).block_size(1 << 16);
/// let packed = kolm::compress_with(&vec![b'a'; 100_000], &options)?;
/// let frame = &kolm::inspect(&packed[..])?[0];
/// assert_eq!((frame.codec, frame.level.get(), frame.block_size), ("cm17", 2, 65536));
/// assert_eq!(frame.blocks.iter().map(|b| b.size).collect::<Vec<_>>(), [65536, 34464]);
/// assert_eq!(frame.declared_size, Some(100_000));
/// # Ok::<(), kolm::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The block codec's name.
    pub codec: &'static str,
    /// The level the frame was written at.
    pub level: Level,
    /// The largest block size the frame allows.
    pub block_size: u64,
    /// The original size recorded in the header, if the encoder knew it in advance.
    pub declared_size: Option<u64>,
    /// The frame's length in bytes, header to trailer.
    pub compressed_size: u64,
    /// The sum of the blocks' original sizes.
    pub original_size: u64,
    /// The XXH64 of the original bytes, from the trailer.
    pub content_check: u64,
    /// The blocks, in order.
    pub blocks: Vec<BlockInfo>,
}

/// One block as `kolm --list -v` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// Stored or coded.
    pub kind: BlockKind,
    /// Original bytes.
    pub size: u32,
    /// Payload bytes.
    pub payload_len: u32,
    /// Low 32 bits of the XXH64 of the original bytes.
    pub check: u32,
}

/// Lists the frames of a `.kolm` stream without decompressing it.
///
/// Only the structure is read (and the header checks verified); the blocks' contents are
/// skipped, so damage inside a payload goes unnoticed here: use [`crate::decompress`] or
/// [`crate::read::Decoder`] to verify.
///
/// ```
/// let packed = kolm::compress(b"one frame, one block", kolm::Level::FASTEST);
/// let frames = kolm::inspect(&packed[..])?;
/// assert_eq!(frames.len(), 1);
/// assert_eq!(frames[0].original_size, 20);
/// assert_eq!(frames[0].compressed_size, packed.len() as u64);
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn inspect(reader: impl Read) -> Result<Vec<FrameInfo>, Error> {
    let mut reader = Counting { inner: reader, count: 0 };
    let mut frames = Vec::new();
    loop {
        let start = reader.count;
        let Some(header) = read_frame_start(&mut reader, frames.is_empty(), start)? else {
            return Ok(frames);
        };
        let mut blocks = Vec::new();
        let content_check = loop {
            match read_record(&mut reader, header.block_size(), blocks.len() as u64)? {
                Record::End { content_check } => break content_check,
                Record::Block(block) => {
                    let skipped = io::copy(&mut (&mut reader).take(u64::from(block.payload_len)), &mut io::sink())?;
                    if skipped != u64::from(block.payload_len) {
                        return Err(Error::Corrupt(format!("the stream ends inside block {}", blocks.len())));
                    }
                    blocks.push(BlockInfo {
                        kind: block.kind,
                        size: block.size,
                        payload_len: block.payload_len,
                        check: block.check,
                    });
                }
            }
        };
        frames.push(FrameInfo {
            codec: header.coder.codec.name(),
            level: header.coder.level,
            block_size: header.block_size(),
            declared_size: header.content_size,
            compressed_size: reader.count - start,
            original_size: blocks.iter().map(|b| u64::from(b.size)).sum(),
            content_check,
            blocks,
        });
    }
}

/// Reads the header of the next frame of a stream. At a clean end of input after at least
/// one frame (`first` false) there is none; anything else that is not a frame is an error.
/// `offset` is the reader's position, for the message.
pub(crate) fn read_frame_start(reader: &mut impl Read, first: bool, offset: u64) -> Result<Option<FrameHeader>, Error> {
    let mut magic = [0u8; 4];
    let got = read_up_to(reader, &mut magic)?;
    if got == 0 && !first {
        return Ok(None);
    }
    if got == 0 || magic[..got] != MAGIC[..got] {
        return Err(if first {
            Error::BadMagic { format: ".kolm", found: magic[..got].to_vec() }
        } else {
            Error::TrailingData { offset }
        });
    }
    if got < MAGIC.len() {
        return Err(Error::Corrupt("the stream ends inside a frame header".into()));
    }
    FrameHeader::read_after_magic(reader).map(Some)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub(crate) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Ok(filled)
}

/// A reader that counts the bytes read through it (positions for messages and listings).
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(content_size: Option<u64>) -> FrameHeader {
        FrameHeader {
            coder: BlockCoder { codec: Codec::MidicothRepaired, level: Level::BEST },
            block_log: 21,
            content_size,
        }
    }

    #[test]
    fn headers_round_trip() {
        for content_size in [None, Some(0), Some(123_456_789)] {
            let bytes = header(content_size).to_bytes();
            assert_eq!(bytes[..4], MAGIC);
            assert_eq!(bytes.len(), if content_size.is_some() { 21 } else { 13 });
            let parsed = FrameHeader::read_after_magic(&mut &bytes[4..]).unwrap();
            assert_eq!(parsed, header(content_size));
        }
    }

    #[test]
    fn every_flipped_header_bit_is_refused() {
        let bytes = header(Some(1000)).to_bytes();
        for bit in 32..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(FrameHeader::read_after_magic(&mut &damaged[4..]).is_err(), "bit {bit}");
        }
    }

    #[test]
    fn block_records_are_validated() {
        let payload = [9u8; 40];
        let good = BlockHeader { kind: BlockKind::Coded, size: 100, payload_len: 40, check: 7, record_check: 0 };
        let bytes = good.to_bytes(&payload);
        let Ok(Record::Block(read)) = read_record(&mut &bytes[..], 1 << 16, 0) else { panic!("not read back") };
        assert_eq!(BlockHeader { record_check: 0, ..read }, good);
        assert!(read.verify_record(&payload, 0).is_ok());
        assert!(read.verify_record(&[9u8; 39], 0).is_err());
        let too_big = BlockHeader { size: 70_000, ..good }.to_bytes(&payload);
        assert!(read_record(&mut &too_big[..], 1 << 16, 0).is_err());
        let expanding = BlockHeader { payload_len: 100, ..good }.to_bytes(&payload);
        assert!(read_record(&mut &expanding[..], 1 << 16, 0).is_err());
        let uneven_store = BlockHeader { kind: BlockKind::Stored, ..good }.to_bytes(&payload);
        assert!(read_record(&mut &uneven_store[..], 1 << 16, 0).is_err());
    }
}
