//! The services' clock: the clock the emulator was given, shifted by an offset that the
//! control surface (`/_emulator/clock`) sets or advances, so that tests in any language can move
//! the emulator's time without a clock of their own.

use cognito_sigv4::{Clock, SharedClock};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// The given clock plus an offset (nanoseconds, either way: about ±292 years).
#[derive(Debug)]
pub(crate) struct EmulatorClock {
    base: SharedClock,
    offset_nanos: AtomicI64,
}

impl EmulatorClock {
    pub(crate) fn new(base: SharedClock) -> Self {
        Self {
            base,
            offset_nanos: AtomicI64::new(0),
        }
    }

    /// The offset from the given clock, in nanoseconds.
    pub(crate) fn offset_nanos(&self) -> i64 {
        self.offset_nanos.load(Ordering::Relaxed)
    }

    /// Moves time forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(by))
            });
    }

    /// Makes it `at` now (the offset follows the given clock from then on).
    pub(crate) fn set(&self, at: SystemTime) {
        let base = self.base.now();
        let offset = match at.duration_since(base) {
            Ok(ahead) => i64::try_from(ahead.as_nanos()).unwrap_or(i64::MAX),
            Err(behind) => i64::try_from(behind.duration().as_nanos())
                .map(|n| -n)
                .unwrap_or(i64::MIN),
        };
        self.offset_nanos.store(offset, Ordering::Relaxed);
    }

    /// Back to the given clock's time.
    pub(crate) fn reset(&self) {
        self.offset_nanos.store(0, Ordering::Relaxed);
    }
}

impl Clock for EmulatorClock {
    fn now(&self) -> SystemTime {
        let base = self.base.now();
        let offset = self.offset_nanos();
        let shifted = if offset >= 0 {
            base.checked_add(Duration::from_nanos(offset.unsigned_abs()))
        } else {
            base.checked_sub(Duration::from_nanos(offset.unsigned_abs()))
        };
        shifted.unwrap_or(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognito_sigv4::ManualClock;
    use std::sync::Arc;

    #[test]
    fn the_offset_follows_the_given_clock() {
        let manual = ManualClock::at_epoch_secs(1_000_000);
        let clock = EmulatorClock::new(Arc::new(manual.clone()));
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now(), manual.now() + Duration::from_secs(60));
        manual.advance(Duration::from_secs(5));
        assert_eq!(clock.now(), manual.now() + Duration::from_secs(60));
        let past = manual.now() - Duration::from_secs(3600);
        clock.set(past);
        assert_eq!(clock.now(), past);
        clock.reset();
        assert_eq!(clock.now(), manual.now());
    }
}
