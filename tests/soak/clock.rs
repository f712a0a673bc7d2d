//! The simulated time every soak process reads: one file mapped into each, holding the
//! wall-clock and monotonic readings the parent sets. Readers never lag the writer (a pipe
//! did, by tens of simulated seconds under load), and the emulator reads the same words.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_sigv4::Clock;
use memmap2::MmapMut;

/// The shared readings, in a mapped file: wall-clock epoch milliseconds, then monotonic
/// milliseconds.
#[derive(Debug)]
struct Shared {
    map: MmapMut,
}

impl Shared {
    fn open(path: &Path) -> Self {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .expect("the clock file");
        file.set_len(16).expect("the clock file's size");
        // SAFETY: the file is this test's own, 16 bytes long, and only ever read and written
        // through the two atomics below, in every process that maps it.
        let map = unsafe { MmapMut::map_mut(&file) }.expect("the clock file mapped");
        Self { map }
    }

    fn word(&self, index: usize) -> &AtomicU64 {
        let ptr = self.map.as_ptr().wrapping_add(index * 8) as *const AtomicU64;
        // SAFETY: a page-aligned mapping of at least 16 bytes: both words are aligned and in
        // bounds, and live as long as `self`.
        unsafe { &*ptr }
    }
}

/// A clock reading the shared file, shifted by this process's device error. The parent's
/// copy moves the readings.
#[derive(Debug, Clone)]
pub struct SharedClock {
    shared: Arc<Shared>,
    offset_secs: Arc<AtomicI64>,
}

impl SharedClock {
    /// The clock of the file at `path` (created if need be).
    pub fn open(path: &Path) -> Self {
        Self {
            shared: Arc::new(Shared::open(path)),
            offset_secs: Arc::default(),
        }
    }

    /// Starts the readings at wall time `start` and monotonic zero.
    pub fn start_at(&self, start: SystemTime) {
        self.shared.word(1).store(0, Ordering::SeqCst);
        self.shared.word(0).store(epoch_ms(start), Ordering::SeqCst);
    }

    /// Lets `by` pass: both readings move.
    pub fn advance(&self, by: Duration) {
        let ms = by.as_millis() as u64;
        self.shared.word(1).fetch_add(ms, Ordering::SeqCst);
        self.shared.word(0).fetch_add(ms, Ordering::SeqCst);
    }

    /// Steps the wall clock forward by `by` alone (a suspended machine resumed).
    pub fn jump(&self, by: Duration) {
        self.shared
            .word(0)
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Sets this process's device error (negative: behind).
    pub fn set_offset(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::SeqCst);
    }

    /// The service's time (no device error), in epoch milliseconds.
    pub fn service_ms(&self) -> u64 {
        self.shared.word(0).load(Ordering::SeqCst)
    }
}

impl Clock for SharedClock {
    fn now(&self) -> SystemTime {
        let wall = UNIX_EPOCH + Duration::from_millis(self.service_ms());
        let off = self.offset_secs.load(Ordering::SeqCst);
        let by = Duration::from_secs(off.unsigned_abs());
        if off >= 0 { wall + by } else { wall - by }
    }

    fn monotonic(&self) -> Duration {
        Duration::from_millis(self.shared.word(1).load(Ordering::SeqCst))
    }
}

/// Epoch milliseconds of `t`.
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
