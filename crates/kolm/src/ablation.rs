//! What each part of the native engine is worth, measured by switching it off.
//!
//! [`components`] lists the parts a level runs; [`coded_len`] codes data as one block, as
//! kolm would (after the x86 filter if the data looks like machine code), with one of them
//! switched off (or none) and checks that it decodes back. The difference from the
//! full engine's size is that part's contribution on that data. `kolm-bench ablation` prints
//! these for every file of a corpus; a part that does not pay its way anywhere is a candidate
//! for removal.
//!
//! ```
//! use kolm::{Level, ablation};
//! // Level 2's longest order is five bytes; its match models follow repeats of any length.
//! let text: Vec<u8> = (0..300)
//!     .flat_map(|i| format!("{i}: the quick brown fox jumps over the lazy dog {}\n", i * 7 % 13).into_bytes())
//!     .collect();
//! let level = Level::new(2).unwrap();
//! let full = ablation::coded_len(&text, level, None)?;
//! let without_match = ablation::coded_len(&text, level, Some(ablation::Component::Match))?;
//! assert!(full < without_match);
//! # Ok::<(), kolm::Error>(())
//! ```

pub use crate::cm::Component;
use crate::{Error, Level, cm, x86};

/// The parts of the native engine that run at `level`, each of which can be switched off.
pub fn components(level: Level) -> Vec<Component> {
    let config = level.cm_config(cm::LATEST_REVISION);
    let parts = [
        Component::Words,
        Component::Sparse,
        Component::Record,
        Component::NewBytes,
        Component::Indirect,
        Component::Image,
        Component::MorePixels,
        Component::Text,
        Component::Tokens,
        Component::Order2Gates,
        Component::ByteHistories,
        Component::Layout,
        Component::Quotes,
        Component::Classes,
        Component::WordGate,
        Component::SeenOrdersGate,
        Component::WarmUp,
        Component::FinalMixers,
        Component::Sorting,
        Component::Match,
        Component::LongMatch,
        Component::ConfidenceMaps,
        Component::Deterministic,
        Component::LastBits,
        Component::ByteGate,
        Component::MissHistory,
        Component::Apms,
        Component::MatchApm,
        Component::RowHint,
        Component::X86Filter,
    ];
    let orders = config.orders.iter().map(|&order| Component::Order(order));
    orders.chain(parts).filter(|&part| config.runs(part)).collect()
}

/// The size of the native engine's payload for `data` coded as one block at `level`, with
/// `without` switched off. The payload is decoded again and compared; a difference (which would
/// be a bug) is reported as [`Error::Corrupt`].
pub fn coded_len(data: &[u8], level: Level, without: Option<Component>) -> Result<usize, Error> {
    let config = cm::Config { without, ..level.cm_config(cm::LATEST_REVISION) };
    let filtered = if without == Some(Component::X86Filter) { None } else { x86::filtered_if_code(data) };
    let data = filtered.as_deref().unwrap_or(data);
    let payload = cm::encode_payload(data, &config, &mut |_| {});
    if cm::decode_payload(&payload, data.len(), &config, &mut |_| {})? != data {
        return Err(Error::Corrupt(format!("the round trip without {without:?} changed the data")));
    }
    Ok(payload.len())
}
