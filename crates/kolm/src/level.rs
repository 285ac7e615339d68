//! Compression levels, and what each one costs in memory.

use crate::mdc7::Stages;

/// A compression level: 1 is the fastest, 9 the strongest, 5 the default.
///
/// A level selects the block codec's parameters, which the frame header records, so a
/// decoder needs no options to read any level. With the current block codec (the Midicoth
/// model, repaired) levels 1–5 add model stages and levels 6–9 use larger blocks:
///
/// | level | stages | block size | memory per thread (estimate) |
/// |---|---|---|---|
/// | 1 | PPM orders 0–4 | 2 MiB | 136 MiB |
/// | 2 | + match model | 2 MiB | 392 MiB |
/// | 3 | + word model | 2 MiB | 488 MiB |
/// | 4 | + orders 5–8 | 2 MiB | 648 MiB |
/// | 5 | + Tweedie calibration | 2 MiB | 656 MiB |
/// | 6 | all | 4 MiB | 1,080 MiB |
/// | 7 | all | 8 MiB | 1,928 MiB |
/// | 8 | all | 16 MiB | 3,624 MiB |
/// | 9 | all | 32 MiB | 7,016 MiB |
///
/// The memory column is an upper estimate, per thread, for the worst input; incompressible
/// data (measured: 428 MB at level 5) comes closest, and text needs far less (about 180 MB
/// for 2 MiB of English at level 5). It is what [`crate::Options::memory_limit`] is checked
/// against.
///
/// ```
/// use kolm::Level;
/// assert_eq!(Level::new(7).map(Level::get), Some(7));
/// assert!(Level::new(0).is_none() && Level::new(10).is_none());
/// assert!(Level::FASTEST < Level::DEFAULT && Level::DEFAULT < Level::BEST);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    /// Level 1.
    pub const FASTEST: Level = Level(1);
    /// Level 5.
    pub const DEFAULT: Level = Level(5);
    /// Level 9.
    pub const BEST: Level = Level(9);

    /// The level `level`, if it is in 1–9.
    pub const fn new(level: u8) -> Option<Level> {
        if level >= 1 && level <= 9 { Some(Level(level)) } else { None }
    }

    /// The level as a number, 1–9.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The model stages this level runs.
    pub(crate) fn stages(self) -> Stages {
        let index = usize::from(self.0.min(5) - 1);
        Stages::ABLATION[index].1
    }

    /// Base-2 logarithm of the block size this level uses unless told otherwise.
    pub(crate) fn default_block_log(self) -> u8 {
        21 + self.0.saturating_sub(5)
    }
}

impl Default for Level {
    fn default() -> Self {
        Level::DEFAULT
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_add_stages_then_block_size() {
        assert_eq!(Level(1).stages(), Stages::PPM_ONLY);
        assert_eq!(Level(5).stages(), Stages::ALL);
        assert_eq!(Level(9).stages(), Stages::ALL);
        assert_eq!(Level(1).default_block_log(), 21);
        assert_eq!(Level(5).default_block_log(), 21);
        assert_eq!(Level(6).default_block_log(), 22);
        assert_eq!(Level(9).default_block_log(), 25);
    }
}
