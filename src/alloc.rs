//! The global allocator: jemalloc (the allocator Redis ships with), counting live bytes so
//! that `INFO memory` `used_memory`, `MEMORY STATS` and `maxmemory` see real figures (Redis's
//! zmalloc does the same). One relaxed atomic add per allocation and free.
//!
//! jemalloc rather than the system allocator: glibc malloc puts an 8-byte header before every
//! chunk and rounds chunks up to 16 bytes with a 32-byte minimum, so the many small
//! allocations of big collections (skip list nodes, dict entries, keys) cost 20-40% more
//! resident memory than the bytes asked for; jemalloc's size classes (8, 16, 32, 48, 64, ...)
//! carry no header.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use tikv_jemallocator::Jemalloc;

/// jemalloc's options (read at its first allocation). A background thread returns freed pages
/// to the OS (Redis runs jemalloc with its background thread too), and does so after 300 ms
/// rather than jemalloc's default 10 s: query buffers of a burst of writes and the old bucket
/// array of a grown dict otherwise stay resident long after they were freed. The purging runs
/// on jemalloc's thread, never on the event loop.
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 59] = b"background_thread:true,dirty_decay_ms:300,muzzy_decay_ms:0\0";

pub struct Counting;

static USED: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently allocated by the process through Rust's allocator.
pub fn used() -> usize {
    USED.load(Ordering::Relaxed)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to jemalloc.
        let p = unsafe { Jemalloc.alloc(l) };
        if !p.is_null() {
            USED.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` was allocated by `alloc` above with layout `l`.
        unsafe { Jemalloc.dealloc(p, l) };
        USED.fetch_sub(l.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to jemalloc.
        let p = unsafe { Jemalloc.alloc_zeroed(l) };
        if !p.is_null() {
            USED.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: `p`/`l` come from this allocator; forwarded to jemalloc.
        let q = unsafe { Jemalloc.realloc(p, l, new) };
        if !q.is_null() {
            USED.fetch_add(new, Ordering::Relaxed);
            USED.fetch_sub(l.size(), Ordering::Relaxed);
        }
        q
    }
}
