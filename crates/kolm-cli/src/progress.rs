//! The progress bar on standard error.
//!
//! Shown only where someone is watching: standard error is a terminal, `-q` and
//! `--no-progress` are absent, and the input is large enough to take a while (MDC7 codes
//! tens of kilobytes a second, so a few hundred kilobytes already means seconds).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish too quickly to need a bar.
const MIN_BYTES_FOR_BAR: u64 = 256 * 1024;

/// Progress through `total` bytes of one file, possibly invisible.
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub(crate) fn new(enabled: bool, label: &str, total: u64) -> Self {
        let visible = enabled && total >= MIN_BYTES_FOR_BAR && std::io::stderr().is_terminal();
        if !visible {
            return Progress { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30.cyan/blue}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar }
    }

    pub(crate) fn advance(&self, bytes: usize) {
        self.bar.inc(bytes as u64);
    }

    /// Removes the bar so the next message starts on a clean line.
    pub(crate) fn finish(self) {
        self.bar.finish_and_clear();
    }
}
