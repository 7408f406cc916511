//! The extension's global allocator: the system allocator, with every allocation of 4 MiB or more
//! marked for transparent huge pages (`madvise(MADV_HUGEPAGE)`), as numpy marks its own arrays.
//!
//! Linux backs a large fresh allocation page by page on first touch. With 4 KiB pages a 128 MiB
//! result takes 32768 page faults, which cost more than the stencil that fills it; with 2 MiB pages
//! it takes 64. Where the kernel's transparent huge pages are `madvise`-only (a common default),
//! numpy's arrays get them and rylops' would not, so the same apply would spend most of its time
//! in the kernel. The mark is a hint: where it is refused (no THP, another page size), nothing
//! changes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_int, c_void};

extern "C" {
    fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
}

/// Linux's `MADV_HUGEPAGE` (the same value on every architecture).
const MADV_HUGEPAGE: c_int = 14;
/// Allocations from this size on are marked (numpy's threshold).
const THRESHOLD: usize = 1 << 22;
/// The page size assumed for aligning the marked range (a larger one makes `madvise` fail, which
/// is harmless).
const PAGE: usize = 4096;

/// The system allocator, marking large allocations for transparent huge pages.
pub(crate) struct HugePageAlloc;

/// Marks the whole pages of `[ptr, ptr + size)` for transparent huge pages, if `size` is large.
fn advise(ptr: *mut u8, size: usize) {
    if ptr.is_null() || size < THRESHOLD {
        return;
    }
    let start = (ptr as usize).div_ceil(PAGE) * PAGE;
    let end = (ptr as usize + size) / PAGE * PAGE;
    if end > start {
        // SAFETY: `[start, end)` lies inside the allocation just returned by the system
        // allocator; `MADV_HUGEPAGE` only changes how the kernel backs those pages (their
        // contents are kept), and a failure leaves them as they were, so its result is ignored.
        unsafe {
            madvise(start as *mut c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments and returns its result
// unchanged; `advise` only gives the kernel a hint about memory `System` just handed out.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `GlobalAlloc::alloc` is `System`'s.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and `new_size` satisfies `realloc`'s contract by the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}
