//! Watches that the costly arithmetic (SRP exponentiations, RSA signatures) runs outside the
//! state's lock: the lock marks the threads that hold it, and the arithmetic counts itself
//! when it runs on such a thread ([`costly_under_lock`]), so a test can show calls are served
//! in parallel without timing anything.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// How many state guards this thread holds.
    static HELD: Cell<u32> = const { Cell::new(0) };
}

static COSTLY_UNDER_LOCK: AtomicU64 = AtomicU64::new(0);

/// This thread took the state's lock.
pub(crate) fn enter() {
    HELD.with(|h| h.set(h.get() + 1));
}

/// This thread released the state's lock.
pub(crate) fn exit() {
    HELD.with(|h| h.set(h.get().saturating_sub(1)));
}

/// A costly computation runs now: counted when this thread holds the state's lock.
pub(crate) fn costly() {
    if HELD.with(Cell::get) > 0 {
        COSTLY_UNDER_LOCK.fetch_add(1, Ordering::Relaxed);
    }
}

/// How many costly computations ran under the state's lock, in this process (every emulator
/// in it: tests compare before and after).
pub(crate) fn costly_under_lock() -> u64 {
    COSTLY_UNDER_LOCK.load(Ordering::Relaxed)
}
