//! Large zeroed tables, laid out for random access.
//!
//! The model's tables are tens of megabytes read at random, one cache line per look-up, so
//! with ordinary 4 KiB pages almost every look-up also misses the TLB. Asking the system to
//! back them with huge pages (2 MiB on x86-64 and most arm64 Linux systems) removes most of
//! those misses; it changes only speed, never a value. Where the system has no such advice,
//! or declines it, the table is an ordinary zeroed vector.
//!
//! A huge page is committed whole on its first touch, so a table advised this way costs its
//! full size even where a block touches it sparsely. Only tables up to [`HUGE_TABLE_LIMIT`]
//! are advised: measured on a 2-core VM, level 5 (64 MiB tables) on `bible.txt` took
//! 10.5 → 9.6 s and a 1 MB prefix 2.7 → 2.1 s, but level 9 (256 MiB tables) went from 11.6 to
//! 12.9 s, the kernel zeroing 2 GiB of huge pages where 1.6 GiB of small ones had been enough.

/// The largest table advised to use huge pages, in bytes.
const HUGE_TABLE_LIMIT: usize = 64 << 20;

/// A vector of `len` zero values (`T` must be valid as all-zero bytes: integers and arrays of
/// them), which the system may back with huge pages.
pub(crate) fn zeroed_table<T: Clone + Default>(len: usize) -> Vec<T> {
    // `vec!` of zeros comes from calloc: large ones are fresh, lazily mapped pages, so
    // advising them before the first touch lets each fault bring in a huge page.
    let table = vec![T::default(); len];
    advise_huge_pages(&table);
    table
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(table: &[T]) {
    const HUGE_PAGE: usize = 1 << 21;
    let start = table.as_ptr() as usize;
    let end = start + std::mem::size_of_val(table);
    if end - start > HUGE_TABLE_LIMIT {
        return;
    }
    let first = start.next_multiple_of(HUGE_PAGE);
    let last = end - end % HUGE_PAGE;
    if first < last {
        // SAFETY: the range lies within the table's own allocation, and MADV_HUGEPAGE is
        // advice: it does not change the memory's contents or validity. A refusal is fine.
        unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_table: &[T]) {}
