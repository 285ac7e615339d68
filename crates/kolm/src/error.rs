//! The error type shared by kolm's codecs.

use std::io;

/// What can go wrong while compressing or decompressing.
///
/// Converts into [`io::Error`] (kind [`io::ErrorKind::InvalidData`] for damaged input,
/// [`io::ErrorKind::InvalidInput`] for misuse) so the `Read`/`Write` adapters can return
/// it, and back again with [`Error::from_io`].
///
/// ```
/// let mut packed = kolm::compress(b"important", kolm::Level::FASTEST);
/// packed[30] ^= 1; // damage the first block record (the header is 21 bytes)
/// match kolm::decompress(&packed) {
///     Err(kolm::Error::Corrupt(message)) => assert!(message.contains("block 0")),
///     other => panic!("damage went unnoticed: {other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not start with the magic bytes of the expected format.
    #[error("not {format} data (it starts with {})", show_bytes(found))]
    BadMagic {
        /// The format that was expected.
        format: &'static str,
        /// The first bytes of the input (at most four).
        found: Vec<u8>,
    },
    /// The input is in a known format, but a version this library does not read.
    #[error("{format} format version {version} is not supported (this kolm reads version {supported})")]
    UnsupportedVersion {
        /// The format.
        format: &'static str,
        /// The version the input declares.
        version: u8,
        /// The version this library reads.
        supported: u8,
    },
    /// The input names a block codec this library does not know.
    #[error("unknown codec {codec} (this kolm knows codecs 1 to {newest}); a newer kolm may read it")]
    UnknownCodec {
        /// The codec identifier found.
        codec: u8,
        /// The newest codec this library reads.
        newest: u8,
    },
    /// The input is damaged or cut short.
    #[error("truncated or corrupt: {0}")]
    Corrupt(String),
    /// Decoded data does not match the checksum stored with it.
    #[error("checksum mismatch in {}: the data is damaged", match block {
        Some(index) => format!("block {index}"),
        None => "the frame's content".to_owned(),
    })]
    ChecksumMismatch {
        /// The damaged block, counting from 0 within its frame (`None` for the whole frame).
        block: Option<u64>,
    },
    /// The work needs more memory than the caller allowed.
    #[error("this needs about {} MiB of memory, more than the {} MiB limit", needed.div_ceil(1 << 20), limit >> 20)]
    MemoryLimit {
        /// Bytes needed with a single thread.
        needed: u64,
        /// The limit given.
        limit: u64,
    },
    /// Bytes that are not a frame follow the last complete frame.
    #[error("unexpected data after the end of the compressed stream (at byte {offset})")]
    TrailingData {
        /// Offset of the first unexpected byte in the input.
        offset: u64,
    },
    /// The input is too large for the chosen format.
    #[error("{len} bytes is too large for the {format} format (at most {max} bytes)")]
    TooLarge {
        /// Length of the input.
        len: u64,
        /// The format's limit.
        max: u64,
        /// The format.
        format: &'static str,
    },
    /// An encoder that was told the input's length got a different number of bytes.
    #[error("the encoder was told to expect {declared} bytes but was given {actual}")]
    LengthMismatch {
        /// The length given when the encoder was created.
        declared: u64,
        /// The number of bytes given (so far).
        actual: u64,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn show_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing: it is empty".to_owned();
    }
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("bytes {}", hex.join(" "))
}

impl Error {
    /// Recovers an [`Error`] that travelled through an [`io::Error`], or wraps a real I/O error.
    ///
    /// ```
    /// use std::io::Read;
    /// let mut decoder = kolm::read::Decoder::new(&b"\x89KLM\x07"[..]);
    /// assert!(matches!(decoder.err(), Some(kolm::Error::Corrupt(_))));
    /// let io_error = std::io::Error::from(kolm::Error::ChecksumMismatch { block: Some(2) });
    /// assert!(matches!(kolm::Error::from_io(io_error), kolm::Error::ChecksumMismatch { block: Some(2) }));
    /// ```
    pub fn from_io(error: io::Error) -> Error {
        if error.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = error.into_inner().expect("checked above");
            *inner.downcast::<Error>().expect("checked above")
        } else {
            Error::Io(error)
        }
    }
}

impl From<Error> for io::Error {
    fn from(error: Error) -> io::Error {
        match error {
            Error::Io(e) => e,
            e @ (Error::TooLarge { .. } | Error::LengthMismatch { .. }) => {
                io::Error::new(io::ErrorKind::InvalidInput, e)
            }
            e => io::Error::new(io::ErrorKind::InvalidData, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_round_trip_through_io_error() {
        let original = Error::Corrupt("block 3".into());
        let io_error = io::Error::from(original);
        assert_eq!(io_error.kind(), io::ErrorKind::InvalidData);
        assert!(matches!(Error::from_io(io_error), Error::Corrupt(m) if m == "block 3"));
        let plain = io::Error::new(io::ErrorKind::NotFound, "gone");
        assert!(matches!(Error::from_io(plain), Error::Io(e) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn bad_magic_shows_the_bytes() {
        let e = Error::BadMagic { format: "MDC7", found: b"PK\x03\x04".to_vec() };
        assert_eq!(e.to_string(), "not MDC7 data (it starts with bytes 50 4b 03 04)");
    }
}
