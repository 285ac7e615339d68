//! The MDC7 arithmetic coder: a 32-bit Witten–Neal–Cleary coder over 256-symbol tables.
//!
//! Each byte is coded as one symbol with the cumulative frequencies the model built
//! (about 2^14 in total; see [`Frequencies`]). The coder keeps `low`/`high` as 32-bit
//! integers and renormalises one bit at a time with the classic three cases: the interval
//! lies in the lower half (emit 0), in the upper half (emit 1), or straddles the middle
//! within the second and third quarters (defer the bit: "pending", E3 scaling). Bits are
//! packed MSB-first. To finish, the encoder emits one more decided bit plus its pending
//! bits and pads the last byte with zeros; the decoder reads zeros past the end.
//!
//! Every valid stream is read at most 30 bits past its end (the decoder reads 32 bits ahead
//! and the encoder's final bits cover all but two of them), so a decoder that needs more is
//! looking at a truncated stream or a header that claims more bytes than were coded: that
//! is the one corruption MDC7 can detect, and [`Decoder::decode`] reports it.

/// Integer frequencies for one byte: `cumulative[s]..cumulative[s + 1]` is symbol `s`'s
/// share of `cumulative[256]`.
pub(crate) struct Frequencies {
    pub(crate) cumulative: [u32; 257],
}

impl Frequencies {
    pub(crate) fn new() -> Self {
        Frequencies { cumulative: [0; 257] }
    }

    fn total(&self) -> u64 {
        u64::from(self.cumulative[256])
    }

    /// The symbol whose range contains `target`: the first `s` with `cumulative[s + 1] >
    /// target`. Binary search replaces the reference's linear scan; both find the same
    /// symbol because the table is strictly increasing.
    fn symbol_at(&self, target: u64) -> u8 {
        let upper = &self.cumulative[1..];
        let index = upper.partition_point(|&c| u64::from(c) <= target);
        index.min(255) as u8
    }
}

const HALF: u32 = 1 << 31;
const QUARTER: u32 = 1 << 30;
const THREE_QUARTERS: u32 = HALF + QUARTER;

/// The interval both sides narrow identically.
struct Interval {
    low: u32,
    high: u32,
}

/// What renormalisation did with one bit of the interval.
enum Shift {
    Emit(bool),
    Defer,
}

impl Interval {
    fn new() -> Self {
        Interval { low: 0, high: u32::MAX }
    }

    #[inline]
    fn narrow(&mut self, freq: &Frequencies, symbol: u8) {
        let range = u64::from(self.high - self.low) + 1;
        let total = freq.total();
        let s = usize::from(symbol);
        let upper = (range * u64::from(freq.cumulative[s + 1]) / total) as u32;
        let lower = (range * u64::from(freq.cumulative[s]) / total) as u32;
        self.high = self.low.wrapping_add(upper).wrapping_sub(1);
        self.low = self.low.wrapping_add(lower);
    }

    /// One renormalisation step, or `None` once the interval is wide enough.
    #[inline]
    fn shift(&mut self) -> Option<(Shift, u32)> {
        let (shift, offset) = if self.high < HALF {
            (Shift::Emit(false), 0)
        } else if self.low >= HALF {
            (Shift::Emit(true), HALF)
        } else if self.low >= QUARTER && self.high < THREE_QUARTERS {
            (Shift::Defer, QUARTER)
        } else {
            return None;
        };
        self.low = (self.low - offset) << 1;
        self.high = ((self.high - offset) << 1) | 1;
        Some((shift, offset))
    }
}

/// Writes the coded bits into a growing byte buffer.
pub(crate) struct Encoder {
    interval: Interval,
    pending: u64,
    bit_buffer: u32,
    bit_count: u32,
    output: Vec<u8>,
}

impl Encoder {
    pub(crate) fn new() -> Self {
        Encoder { interval: Interval::new(), pending: 0, bit_buffer: 0, bit_count: 0, output: Vec::new() }
    }

    #[inline]
    fn put_bit(&mut self, bit: bool) {
        self.bit_buffer = (self.bit_buffer << 1) | u32::from(bit);
        self.bit_count += 1;
        if self.bit_count == 8 {
            self.output.push(self.bit_buffer as u8);
            self.bit_buffer = 0;
            self.bit_count = 0;
        }
    }

    fn emit(&mut self, bit: bool) {
        self.put_bit(bit);
        while self.pending > 0 {
            self.put_bit(!bit);
            self.pending -= 1;
        }
    }

    pub(crate) fn encode(&mut self, freq: &Frequencies, symbol: u8) {
        self.interval.narrow(freq, symbol);
        while let Some((shift, _)) = self.interval.shift() {
            match shift {
                Shift::Emit(bit) => self.emit(bit),
                Shift::Defer => self.pending += 1,
            }
        }
    }

    /// Bytes completed so far; the caller may move them out with [`Encoder::take_output`].
    pub(crate) fn output_len(&self) -> usize {
        self.output.len()
    }

    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Emits the final bits and the padded last byte, and returns the remaining output.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.pending += 1;
        self.emit(self.interval.low >= QUARTER);
        if self.bit_count > 0 {
            self.output.push((self.bit_buffer << (8 - self.bit_count)) as u8);
        }
        self.output
    }
}

/// A source of coded bytes for the decoder.
pub(crate) trait ByteSource {
    /// The next coded byte, or `None` at the end of the stream.
    fn next_byte(&mut self) -> std::io::Result<Option<u8>>;
}

/// Coded bytes held in memory.
pub(crate) struct SliceSource<'a> {
    bytes: std::slice::Iter<'a, u8>,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        SliceSource { bytes: bytes.iter() }
    }
}

impl ByteSource for SliceSource<'_> {
    #[inline]
    fn next_byte(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.bytes.next().copied())
    }
}

/// Bits past the end of the stream a valid MDC7 stream never asks for.
const MAX_BITS_PAST_END: u32 = 32;

/// The stream needed bits beyond its end: it is truncated, or its header lies.
#[derive(Debug)]
pub(crate) enum DecodeError {
    PastEnd,
    Io(std::io::Error),
}

/// Reads coded bits and recovers the symbols.
pub(crate) struct Decoder<S> {
    source: S,
    interval: Interval,
    value: u32,
    byte: u8,
    bits_left_in_byte: u32,
    bits_past_end: u32,
}

impl<S: ByteSource> Decoder<S> {
    pub(crate) fn new(source: S) -> Result<Self, DecodeError> {
        let mut decoder =
            Decoder { source, interval: Interval::new(), value: 0, byte: 0, bits_left_in_byte: 0, bits_past_end: 0 };
        for _ in 0..32 {
            decoder.value = (decoder.value << 1) | decoder.next_bit()?;
        }
        Ok(decoder)
    }

    #[inline]
    fn next_bit(&mut self) -> Result<u32, DecodeError> {
        if self.bits_left_in_byte == 0 {
            match self.source.next_byte().map_err(DecodeError::Io)? {
                Some(byte) => {
                    self.byte = byte;
                    self.bits_left_in_byte = 8;
                }
                None => {
                    self.bits_past_end += 1;
                    return Ok(0);
                }
            }
        }
        self.bits_left_in_byte -= 1;
        Ok(u32::from(self.byte >> self.bits_left_in_byte) & 1)
    }

    pub(crate) fn decode(&mut self, freq: &Frequencies) -> Result<u8, DecodeError> {
        if self.bits_past_end > MAX_BITS_PAST_END {
            return Err(DecodeError::PastEnd);
        }
        let range = u64::from(self.interval.high - self.interval.low) + 1;
        // `value` never leaves [low, high] (the narrowing keeps it inside for any input), so
        // this stays below the total; u64 avoids the reference's u32 wrap at value - low = 2^32 - 1.
        let offset = u64::from(self.value.wrapping_sub(self.interval.low)) + 1;
        let target = (offset * freq.total() - 1) / range;
        let symbol = freq.symbol_at(target);
        self.interval.narrow(freq, symbol);
        while let Some((_, offset)) = self.interval.shift() {
            self.value = ((self.value.wrapping_sub(offset)) << 1) | self.next_bit()?;
        }
        Ok(symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skewed table: symbol 0 takes most of the mass.
    fn skewed() -> Frequencies {
        let mut freq = Frequencies::new();
        for s in 0..256 {
            let f = if s == 0 {
                16000
            } else if s < 8 {
                40
            } else {
                1
            };
            freq.cumulative[s + 1] = freq.cumulative[s] + f;
        }
        freq
    }

    #[test]
    fn round_trips_and_detects_reading_past_the_end() {
        let freq = skewed();
        let symbols: Vec<u8> = (0..5000u32).map(|i| if i % 7 == 0 { (i % 256) as u8 } else { 0 }).collect();
        let mut encoder = Encoder::new();
        for &s in &symbols {
            encoder.encode(&freq, s);
        }
        let coded = encoder.finish();
        let mut decoder = Decoder::new(SliceSource::new(&coded)).unwrap();
        for &s in &symbols {
            assert_eq!(decoder.decode(&freq).unwrap(), s);
        }
        // Decoding on past the coded symbols soon runs out of stream.
        let past_end = (0..10_000).map(|_| decoder.decode(&freq)).find(Result::is_err);
        assert!(matches!(past_end, Some(Err(DecodeError::PastEnd))));
    }

    #[test]
    fn symbol_search_finds_the_containing_range() {
        let freq = skewed();
        assert_eq!(freq.symbol_at(0), 0);
        assert_eq!(freq.symbol_at(15999), 0);
        assert_eq!(freq.symbol_at(16000), 1);
        assert_eq!(freq.symbol_at(u64::from(freq.cumulative[256]) - 1), 255);
    }
}
