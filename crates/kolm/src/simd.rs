//! Which compilation of a hot loop runs: the portable one, or one with AVX2 where the CPU
//! has it.
//!
//! kolm's hot loops — the native engine's coding loop (through [`Kernel::run`]) and MDC7's
//! Tweedie calibration (through a wrapper of its own, whose arrays are arguments) — are
//! written once and compiled twice. Both compilations compute the same values: the native engine is integer arithmetic, and IEEE-754 addition,
//! multiplication, division and comparison round identically in SIMD lanes (Rust never
//! fuses a multiply and an add). AVX2 only has wider instructions to do the work with. Each
//! engine has a unit test comparing the two.

/// A compilation of the hot loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    /// The fastest compilation this CPU runs.
    pub(crate) fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Kernel::Avx2;
        }
        Kernel::Portable
    }

    /// Runs `work`, inlined here, compiled for this kernel. `work` and what it calls must be
    /// `#[inline(always)]` to be compiled with AVX2.
    #[inline(always)]
    pub(crate) fn run<R>(self, work: impl FnOnce() -> R) -> R {
        match self {
            Kernel::Portable => work(),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` chooses this kernel only on a CPU with AVX2.
            Kernel::Avx2 => unsafe { with_avx2(work) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}
