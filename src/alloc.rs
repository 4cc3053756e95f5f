//! The global allocator: the system allocator, counting live bytes so that `INFO memory`
//! `used_memory`, `MEMORY STATS` and `maxmemory` see real figures (Redis's zmalloc does the
//! same). One relaxed atomic add per allocation and free.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

static USED: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently allocated by the process through Rust's allocator.
pub fn used() -> usize {
    USED.load(Ordering::Relaxed)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            USED.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` was allocated by `alloc` above with layout `l`.
        unsafe { System.dealloc(p, l) };
        USED.fetch_sub(l.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            USED.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: `p`/`l` come from this allocator; forwarded to the system allocator.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            USED.fetch_add(new, Ordering::Relaxed);
            USED.fetch_sub(l.size(), Ordering::Relaxed);
        }
        q
    }
}
