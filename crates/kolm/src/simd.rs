//! Which compilation of a hot loop runs: the portable one, or one with AVX2 where the CPU
//! has it.
//!
//! kolm's hot loops — the native engine's coding loops and MDC7's Tweedie calibration — are
//! written once, as `#[inline(always)]` functions, and compiled twice by [`kernel_twins!`],
//! which also writes the function that picks one by [`Kernel`]. Both compilations compute the
//! same values: the native engine is integer arithmetic, and IEEE-754 addition,
//! multiplication, division and comparison round identically in SIMD lanes (Rust never
//! fuses a multiply and an add). AVX2 only has wider instructions to do the work with. Each
//! engine has a unit test comparing the two.
//!
//! The twin must be a function of its own, the hot loop inlined into it: a closure handed to
//! an AVX2 function is compiled as a function of its own, for the portable target, and so is
//! a loop's body unless it is `#[inline(always)]`.

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
}

/// Defines `fn $name(kernel: Kernel, args…)`, which runs `$inner(args…)` compiled for
/// `kernel`. `$inner`, and whatever it calls that is hot, must be `#[inline(always)]`.
macro_rules! kernel_twins {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident $(<$generic:ident: $bound:path>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
            => $inner:path
    ) => {
        $(#[$attr])*
        $vis fn $name $(<$generic: $bound>)? (kernel: $crate::simd::Kernel, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn avx2 $(<$generic: $bound>)? ($($arg: $ty),*) $(-> $ret)? {
                $inner($($arg),*)
            }
            match kernel {
                $crate::simd::Kernel::Portable => $inner($($arg),*),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Kernel::detect` chooses AVX2 only on a CPU that has it.
                $crate::simd::Kernel::Avx2 => unsafe { avx2($($arg),*) },
            }
        }
    };
}
pub(crate) use kernel_twins;
