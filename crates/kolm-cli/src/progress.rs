//! The progress bar on standard error.
//!
//! Shown only where someone is watching: standard error is a terminal, `-q` and
//! `--no-progress` are absent, and the input is large enough to take a while (kolm codes
//! about a hundred kilobytes a second per thread, so a few hundred kilobytes already
//! means seconds). The coder advances a shared counter as it works, on whatever thread it
//! runs; a small thread copies that counter to the bar a few times a second.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish too quickly to need a bar.
const MIN_BYTES_FOR_BAR: u64 = 256 * 1024;

/// Progress through one file, possibly invisible.
pub(crate) struct Progress {
    counter: Arc<AtomicU64>,
    _display: Option<Display>,
}

struct Display {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    poller: Option<JoinHandle<()>>,
}

impl Progress {
    /// Progress through `total` bytes (`None` when unknown: a running count instead of a bar).
    pub(crate) fn new(enabled: bool, label: &str, total: Option<u64>) -> Self {
        Self::watching(Arc::new(AtomicU64::new(0)), enabled, label, total)
    }

    /// Progress shown from a counter someone else already advances.
    pub(crate) fn watching(counter: Arc<AtomicU64>, enabled: bool, label: &str, total: Option<u64>) -> Self {
        let visible = enabled && total.is_none_or(|t| t >= MIN_BYTES_FOR_BAR) && std::io::stderr().is_terminal();
        let display = visible.then(|| Display::start(label, total, Arc::clone(&counter)));
        Progress { counter, _display: display }
    }

    /// The counter the coder advances.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.counter)
    }

    pub(crate) fn advance(&self, bytes: usize) {
        self.counter.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl Display {
    fn start(label: &str, total: Option<u64>, counter: Arc<AtomicU64>) -> Self {
        let template = match total {
            Some(_) => "{msg} [{bar:30.cyan/blue}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            None => "{msg} {spinner} {bytes} {bytes_per_sec}",
        };
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> "));
        bar.set_message(label.to_owned());
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let (bar, stop) = (bar.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    bar.set_position(counter.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Display { bar, stop, poller: Some(poller) }
    }
}

impl Drop for Display {
    /// Removes the bar so the next message starts on a clean line.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(poller) = self.poller.take() {
            let _ = poller.join();
        }
        self.bar.finish_and_clear();
    }
}
