//! `kolm -l`: what a compressed file holds, read from its structure without decompressing.
//!
//! One line per file (frames, blocks, sizes, ratio, check, format), a total line for
//! several files, and with `-v` every frame and block. Block contents are skipped, so
//! `-l` does not verify them: that is `-t`'s job.

use std::io::{BufReader, Read};
use std::path::PathBuf;

use anyhow::Result;
use kolm::FrameInfo;

use crate::args::Format;
use crate::files::{Input, Status, is_broken_pipe, report, sniff};

/// What one file holds.
struct Listing {
    format: Format,
    compressed: u64,
    original: u64,
    frames: Vec<FrameInfo>,
}

pub(crate) fn run(files: &[PathBuf], force: bool, verbosity: i32) -> Status {
    let mut status = Status::Success;
    let mut totals = (0u64, 0u64, 0usize);
    println!(
        "{:>6} {:>6} {:>12} {:>12} {:>6}  {:<5}  {:<16}  File",
        "Frames", "Blocks", "Compressed", "Original", "Ratio", "Check", "Format"
    );
    let inputs = Input::from_args(files);
    for input in &inputs {
        match list_one(input, force) {
            Ok(listing) => {
                print_listing(&listing, &input.name(), verbosity);
                totals = (totals.0 + listing.compressed, totals.1 + listing.original, totals.2 + 1);
            }
            Err(error) if is_broken_pipe(&error) => return status,
            Err(error) => {
                report(verbosity, Status::Error, &format!("{}: {error:#}", input.name()));
                status = status.worst(Status::Error);
            }
        }
    }
    if totals.2 > 1 {
        println!(
            "{:>6} {:>6} {:>12} {:>12} {:>6}  {:<5}  {:<16}  {} files",
            "",
            "",
            totals.0,
            totals.1,
            ratio(totals.0, totals.1),
            "",
            "",
            totals.2
        );
    }
    status
}

fn list_one(input: &Input, force: bool) -> Result<Listing> {
    let mut reader = BufReader::new(input.open(true, force)?.0);
    let format = sniff(&mut reader)?;
    match format {
        Format::Kolm => {
            let frames = kolm::inspect(&mut reader)?;
            let compressed = frames.iter().map(|f| f.compressed_size).sum();
            let original = frames.iter().map(|f| f.original_size).sum();
            Ok(Listing { format, compressed, original, frames })
        }
        Format::Mdc => {
            let mut header = [0u8; kolm::mdc7::HEADER_LEN];
            reader
                .read_exact(&mut header)
                .map_err(|_| kolm::Error::Corrupt("the stream is shorter than the 12-byte MDC7 header".into()))?;
            let original = u64::from_le_bytes(header[4..].try_into().expect("8 bytes"));
            let payload = std::io::copy(&mut reader, &mut std::io::sink())?;
            Ok(Listing { format, compressed: header.len() as u64 + payload, original, frames: Vec::new() })
        }
    }
}

fn ratio(compressed: u64, original: u64) -> String {
    if original == 0 { "-".to_owned() } else { format!("{:.3}", compressed as f64 / original as f64) }
}

fn print_listing(listing: &Listing, name: &str, verbosity: i32) {
    let (frames, blocks, check, format) = match listing.format {
        Format::Kolm => {
            let mut levels: Vec<String> = listing.frames.iter().map(|f| f.level.to_string()).collect();
            levels.dedup();
            (
                listing.frames.len().to_string(),
                listing.frames.iter().map(|f| f.blocks.len()).sum::<usize>().to_string(),
                "XXH64",
                format!(".kolm level {}", levels.join(",")),
            )
        }
        Format::Mdc => ("-".to_owned(), "-".to_owned(), "none", "MDC7".to_owned()),
    };
    println!(
        "{frames:>6} {blocks:>6} {:>12} {:>12} {:>6}  {check:<5}  {format:<16}  {name}",
        listing.compressed,
        listing.original,
        ratio(listing.compressed, listing.original)
    );
    if verbosity < 2 {
        return;
    }
    for (number, frame) in listing.frames.iter().enumerate() {
        let declared = frame.declared_size.map_or("not declared".to_owned(), |size| format!("{size} bytes declared"));
        println!(
            "  frame {}: codec {}, level {}, blocks of up to {} bytes, {} => {} bytes ({declared}), content XXH64 {:016x}",
            number + 1,
            frame.codec,
            frame.level,
            frame.block_size,
            frame.compressed_size,
            frame.original_size,
            frame.content_check
        );
        println!(
            "    {:>6}  {:<9} {:>12} {:>12} {:>6}  {:<8}",
            "block", "kind", "original", "payload", "ratio", "check"
        );
        for (index, block) in frame.blocks.iter().enumerate() {
            println!(
                "    {index:>6}  {:<9} {:>12} {:>12} {:>6}  {:08x}",
                block.kind.to_string(),
                block.size,
                block.payload_len,
                ratio(u64::from(block.payload_len), u64::from(block.size)),
                block.check
            );
        }
    }
}
