//! The crate's only window on the current time.
//!
//! Everything that needs "now" (signing dates, expiry checks, refresh scheduling, the emulator's
//! token lifetimes) asks a [`Clock`]. Production code uses [`SystemClock`]; tests use
//! [`ManualClock`] and move time forward instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current wall-clock time, and of a monotonic reading for spans of time.
///
/// Two readings, because they answer two questions. `now` is the date: what tokens and
/// credentials expire by, and what signatures carry; it may step back or forward (NTP, a
/// resumed laptop, a corrected skew). `monotonic` measures how long something took or how
/// long to wait (backoffs, timeouts): it never goes back, so a stepped wall clock neither
/// stretches nor skips a wait.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The time elapsed since a fixed origin (the first reading in this process): never goes
    /// back. The default reads the process's monotonic clock, which is right for any clock that
    /// follows real time; a clock that moves on command (a test's) moves it with its own time.
    fn monotonic(&self) -> Duration {
        process_monotonic()
    }
}

/// The process's monotonic clock, from its first reading.
#[allow(clippy::disallowed_methods)] // The one sanctioned read of the monotonic clock.
fn process_monotonic() -> Duration {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed()
}

/// A shared, dynamically typed clock.
pub type SharedClock = Arc<dyn Clock>;

/// A shared clock is a clock, so builders can take `impl Clock` and still accept a
/// [`SharedClock`] or an `Arc<ManualClock>`.
impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }

    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
}

/// Shares `clock`, without wrapping a clock that is already shared (a [`SharedClock`] handed
/// to a builder as `impl Clock` is used as it is, not boxed once more).
pub(crate) fn share<C: Clock + 'static>(clock: C) -> SharedClock {
    let mut slot = Some(clock);
    if let Some(shared) =
        (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<SharedClock>>()
        && let Some(shared) = shared.take()
    {
        return shared;
    }
    match slot {
        Some(clock) => Arc::new(clock),
        None => system_clock(),
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one sanctioned read of the system time.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to: for tests.
///
/// Clones share the same time, so a test can hand one clone to the code under test and keep
/// another to advance it. [`advance`](Self::advance) is time passing (both readings move);
/// [`set`](Self::set) is a step of the wall clock alone (NTP, a resumed laptop): the
/// [monotonic](Clock::monotonic) reading stays where it was.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Readings>>,
}

/// A manual clock's two readings.
#[derive(Debug, Clone, Copy)]
struct Readings {
    wall: SystemTime,
    monotonic: Duration,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(Readings {
                wall: start,
                monotonic: Duration::ZERO,
            })),
        }
    }

    fn readings(&self) -> std::sync::MutexGuard<'_, Readings> {
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A clock stopped at `secs` seconds after the Unix epoch.
    pub fn at_epoch_secs(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Lets `by` pass: the wall clock and the monotonic reading both move forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.readings();
        now.wall += by;
        now.monotonic += by;
    }

    /// Steps the wall clock to `to` (which may be in the past) without time passing: the
    /// monotonic reading does not move.
    pub fn set(&self, to: SystemTime) {
        self.readings().wall = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.readings().wall
    }

    fn monotonic(&self) -> Duration {
        self.readings().monotonic
    }
}

/// A clock that reads another clock and adds a signed offset: models a device whose clock is
/// wrong, or (in the emulator) a server whose clock differs from the client's.
#[derive(Debug, Clone)]
pub struct OffsetClock {
    inner: SharedClock,
    offset_secs: i64,
}

impl OffsetClock {
    /// `inner` shifted by `offset_secs` (negative: behind).
    pub fn new(inner: SharedClock, offset_secs: i64) -> Self {
        Self { inner, offset_secs }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        shift(self.inner.now(), self.offset_secs)
    }

    fn monotonic(&self) -> Duration {
        self.inner.monotonic()
    }
}

/// `t` moved by a signed number of seconds, saturating at the epoch. An offset too large for
/// `SystemTime` (the skew offset comes from a server's `Date` header) leaves `t` unchanged
/// rather than panic.
pub(crate) fn shift(t: SystemTime, secs: i64) -> SystemTime {
    if secs >= 0 {
        t.checked_add(Duration::from_secs(secs.unsigned_abs()))
            .unwrap_or(t)
    } else {
        t.checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH)
    }
}

/// Seconds since the Unix epoch (0 for times before it).
pub(crate) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The system clock, shared.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_time() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let other = clock.clone();
        assert_eq!(epoch_secs(clock.now()), 1_000);
        other.advance(Duration::from_secs(61));
        assert_eq!(epoch_secs(clock.now()), 1_061);
        assert_eq!(clock.monotonic(), Duration::from_secs(61));
        // A step of the wall clock, either way, is not time passing.
        other.set(UNIX_EPOCH + Duration::from_secs(400));
        assert_eq!(epoch_secs(clock.now()), 400);
        assert_eq!(clock.monotonic(), Duration::from_secs(61));
    }

    #[test]
    fn offset_clock_shifts_both_ways() {
        let base: SharedClock = Arc::new(ManualClock::at_epoch_secs(1_000));
        assert_eq!(epoch_secs(OffsetClock::new(base.clone(), 300).now()), 1_300);
        assert_eq!(epoch_secs(OffsetClock::new(base.clone(), -300).now()), 700);
        assert_eq!(epoch_secs(OffsetClock::new(base.clone(), -5_000).now()), 0);
        // A hostile offset must not panic the signer.
        assert_eq!(
            epoch_secs(OffsetClock::new(base.clone(), i64::MAX).now()),
            1_000
        );
        assert_eq!(epoch_secs(OffsetClock::new(base, i64::MIN).now()), 0);
    }
}
