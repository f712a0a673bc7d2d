//! An expiring, single-flight cache: the building block of the refreshing session.
//!
//! [`ExpiringCell`] holds one value with an expiry time. [`get_or_refresh`] hands out the value
//! while it is fresh, and otherwise lets exactly one caller run the refresh while the others
//! wait for it and share its outcome.
//!
//! Rules, in the order they apply:
//!
//! - **Fresh** (`now + margin' < expiry`, see *jitter* below): the cached value is returned.
//! - **Due but still valid** (`now < expiry`): one caller refreshes; callers arriving while that
//!   refresh is in flight get the still-valid value at once instead of waiting. If the refresh
//!   fails with a retryable error, the failure is **not cached**: it is logged, the valid value
//!   keeps being served, and the next attempt waits a backoff (1 s, doubling up to 60 s by
//!   default) measured on the clock.
//! - **Expired or empty**: callers wait for one shared refresh. If it fails, every caller that
//!   waited for it gets (a copy of) its error, and the next call tries again: failures are never
//!   remembered beyond the callers that shared them.
//! - An error that [ends the session](crate::Error::ends_session) (a revoked refresh token, a
//!   deleted user) is returned even while the old value is valid, and the value is dropped:
//!   serving it on would hide that the user must sign in again.
//!
//! **Jitter.** Each stored value gets a random factor `j` in `[0, 0.5]`, and is refreshed
//! `margin × (1 + j)` before it expires, so many clients started together do not refresh in
//! lockstep (smithy-rs's identity cache jitters its buffer by up to 50% the same way). The
//! factor is drawn once per value, so a value's refresh time is stable. The effective margin is
//! capped at half the value's lifetime, so that a margin longer than the lifetime (a 5-minute
//! margin on a 5-minute token) does not refresh on every call.
//!
//! Time is read only from the [`Clock`] passed in.
//!
//! [`get_or_refresh`]: ExpiringCell::get_or_refresh

use std::fmt;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::time::Clock;

/// The default first backoff after a failed refresh of a still-valid value.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// The default cap of the doubling backoff.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The default maximum jitter, as a fraction of the margin.
pub const DEFAULT_MAX_JITTER: f64 = 0.5;

/// An expiring value refreshed by one caller at a time; see the [module docs](self).
pub struct ExpiringCell<T> {
    slot: Mutex<Slot<T>>,
    /// Held by the one caller running a refresh; waiters queue on it.
    flight: tokio::sync::Mutex<()>,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_jitter: f64,
}

enum Decision<'a, T> {
    Serve(T),
    Refresh(tokio::sync::MutexGuard<'a, ()>),
    Wait(u64),
}

struct Entry<T> {
    value: T,
    stored_at: SystemTime,
    expires_at: SystemTime,
    jitter: f64,
}

struct Slot<T> {
    entry: Option<Entry<T>>,
    /// Completed refresh attempts; a waiter that sees it move shares that attempt's outcome.
    generation: u64,
    /// The error of the last attempt, when it failed (kept only to hand to its waiters).
    last_error: Option<Error>,
    /// No new attempt before this time while the value is still valid.
    retry_after: Option<SystemTime>,
    /// The backoff the next failure applies.
    backoff: Duration,
}

impl<T> Entry<T> {
    /// When this value becomes due for refresh, for `margin`.
    fn refresh_at(&self, margin: Duration) -> SystemTime {
        let lifetime = self
            .expires_at
            .duration_since(self.stored_at)
            .unwrap_or(Duration::ZERO);
        let jittered = margin.mul_f64(1.0 + self.jitter).min(lifetime / 2);
        self.expires_at
            .checked_sub(jittered)
            .unwrap_or(self.expires_at)
    }

    fn is_fresh(&self, now: SystemTime, margin: Duration) -> bool {
        now < self.refresh_at(margin)
    }

    fn is_valid(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }
}

impl<T> Default for ExpiringCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for ExpiringCell<T> {
    // The value may be a secret: show only its expiry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.lock();
        f.debug_struct("ExpiringCell")
            .field("expires_at", &slot.entry.as_ref().map(|e| e.expires_at))
            .field("retry_after", &slot.retry_after)
            .field("refreshing", &self.flight.try_lock().is_err())
            .finish_non_exhaustive()
    }
}

impl<T> ExpiringCell<T> {
    /// An empty cell with the default backoff (1 s doubling to 60 s) and jitter (up to 50%).
    pub fn new() -> Self {
        Self {
            slot: Mutex::new(Slot {
                entry: None,
                generation: 0,
                last_error: None,
                retry_after: None,
                backoff: DEFAULT_INITIAL_BACKOFF,
            }),
            flight: tokio::sync::Mutex::new(()),
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            max_jitter: DEFAULT_MAX_JITTER,
        }
    }

    /// The same cell with another backoff: the first wait after a failed refresh, and its cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self.lock().backoff = initial;
        self
    }

    /// The same cell with another maximum jitter (a fraction of the margin, clamped to
    /// `[0, 1]`); `0.0` makes refresh times exact, for tests.
    pub fn with_max_jitter(mut self, max_jitter: f64) -> Self {
        self.max_jitter = if max_jitter.is_finite() {
            max_jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        // A panic elsewhere while holding the lock leaves consistent data: keep going.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entry(&self, value: T, now: SystemTime, expires_at: SystemTime) -> Entry<T> {
        let jitter = if self.max_jitter > 0.0 {
            rand::random::<f64>() * self.max_jitter
        } else {
            0.0
        };
        Entry {
            value,
            stored_at: now,
            expires_at,
            jitter,
        }
    }

    /// Stores `value`, valid until `expires_at`, as if a refresh had just succeeded.
    pub fn set(&self, value: T, now: SystemTime, expires_at: SystemTime) {
        let entry = self.entry(value, now, expires_at);
        let mut slot = self.lock();
        slot.entry = Some(entry);
        slot.last_error = None;
        slot.retry_after = None;
        slot.backoff = self.initial_backoff;
    }

    /// Empties the cell.
    pub fn clear(&self) {
        let mut slot = self.lock();
        slot.entry = None;
        slot.retry_after = None;
        slot.backoff = self.initial_backoff;
    }

    /// When the current value expires, if there is one.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.lock().entry.as_ref().map(|e| e.expires_at)
    }

    /// When the current value is due for refresh with `margin` (jitter included), or when the
    /// next retry is allowed after a failure, whichever is later. `None` when empty.
    pub fn next_refresh_at(&self, margin: Duration) -> Option<SystemTime> {
        let slot = self.lock();
        let due = slot.entry.as_ref()?.refresh_at(margin);
        Some(match slot.retry_after {
            Some(retry) if retry > due => retry,
            _ => due,
        })
    }
}

impl<T: Clone> ExpiringCell<T> {
    /// The current value even if it is due or expired (for example to read the refresh token
    /// out of expired tokens). `None` when empty.
    pub fn peek(&self) -> Option<T> {
        self.lock().entry.as_ref().map(|e| e.value.clone())
    }

    /// The current value if it is still valid at `now` (margin ignored).
    pub fn get_valid(&self, now: SystemTime) -> Option<T> {
        self.lock()
            .entry
            .as_ref()
            .filter(|e| e.is_valid(now))
            .map(|e| e.value.clone())
    }

    /// Returns the cached value while it is fresh for `margin`, or refreshes it with `refresh`
    /// (which yields the new value and its expiry); see the [module docs](self) for who waits,
    /// what is shared, and how failures are handled.
    ///
    /// Cancel-safe: if the caller running the refresh is dropped, a waiting caller takes over.
    pub async fn get_or_refresh<F, Fut>(
        &self,
        clock: &dyn Clock,
        margin: Duration,
        refresh: F,
    ) -> Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, SystemTime)>>,
    {
        // Decide under the slot lock, act after releasing it (a std guard must not live across
        // an await).
        let decision = {
            let slot = self.lock();
            let now = clock.now();
            match &slot.entry {
                Some(entry) if entry.is_fresh(now, margin) => Decision::Serve(entry.value.clone()),
                Some(entry) if entry.is_valid(now) => {
                    if slot.retry_after.is_some_and(|t| now < t) {
                        Decision::Serve(entry.value.clone())
                    } else {
                        // Due: refresh unless someone already is; never wait while valid.
                        match self.flight.try_lock() {
                            Ok(guard) => Decision::Refresh(guard),
                            Err(_) => Decision::Serve(entry.value.clone()),
                        }
                    }
                }
                _ => Decision::Wait(slot.generation),
            }
        };
        let seen = match decision {
            Decision::Serve(value) => return Ok(value),
            Decision::Refresh(guard) => return self.run(guard, clock, refresh).await,
            Decision::Wait(generation) => generation,
        };

        let guard = self.flight.lock().await;
        let shared = {
            let slot = self.lock();
            let now = clock.now();
            if slot.generation != seen {
                // An attempt finished while we waited: share its outcome.
                if let Some(entry) = slot.entry.as_ref().filter(|e| e.is_valid(now)) {
                    Some(Ok(entry.value.clone()))
                } else {
                    slot.last_error.clone().map(Err)
                }
            } else {
                slot.entry
                    .as_ref()
                    .filter(|e| e.is_fresh(now, margin))
                    .map(|e| Ok(e.value.clone()))
            }
        };
        match shared {
            Some(outcome) => outcome,
            None => self.run(guard, clock, refresh).await,
        }
    }

    /// Runs one refresh while holding the flight lock, and records its outcome.
    async fn run<F, Fut>(
        &self,
        guard: tokio::sync::MutexGuard<'_, ()>,
        clock: &dyn Clock,
        refresh: F,
    ) -> Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, SystemTime)>>,
    {
        let result = refresh().await;
        let now = clock.now();
        let outcome = match result {
            Ok((value, expires_at)) => {
                let entry = self.entry(value.clone(), now, expires_at);
                let mut slot = self.lock();
                slot.generation += 1;
                slot.entry = Some(entry);
                slot.last_error = None;
                slot.retry_after = None;
                slot.backoff = self.initial_backoff;
                Ok(value)
            }
            Err(e) => {
                let mut slot = self.lock();
                slot.generation += 1;
                slot.last_error = Some(e.clone());
                if e.ends_session() {
                    slot.entry = None;
                    slot.retry_after = None;
                    Err(e)
                } else if let Some(value) = slot
                    .entry
                    .as_ref()
                    .filter(|en| en.is_valid(now))
                    .map(|en| en.value.clone())
                {
                    let backoff = slot.backoff;
                    slot.retry_after = Some(now + backoff);
                    slot.backoff = (backoff * 2).min(self.max_backoff);
                    tracing::warn!(
                        kind = ?e.kind(),
                        code = e.service_code(),
                        retry_in_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                        "refresh failed; serving the still-valid value"
                    );
                    Ok(value)
                } else {
                    Err(e)
                }
            }
        };
        drop(guard);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::time::ManualClock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const MARGIN: Duration = Duration::from_secs(60);

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn cell() -> ExpiringCell<u32> {
        ExpiringCell::new().with_max_jitter(0.0)
    }

    #[tokio::test]
    async fn fresh_value_is_served_without_refresh() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = cell();
        cell.set(7, clock.now(), clock.now() + secs(600));
        let v = cell
            .get_or_refresh(&clock, MARGIN, || async {
                panic!("no refresh while fresh")
            })
            .await;
        assert_eq!(v.ok(), Some(7));
    }

    #[tokio::test]
    async fn refreshes_within_the_margin_before_expiry() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = cell();
        cell.set(1, clock.now(), clock.now() + secs(600));
        clock.advance(secs(541)); // 59 s before expiry, inside the 60 s margin
        let exp = clock.now() + secs(600);
        let v = cell
            .get_or_refresh(&clock, MARGIN, || async move { Ok((2, exp)) })
            .await;
        assert_eq!(v.ok(), Some(2));
        assert_eq!(cell.expires_at(), Some(exp));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ten_thousand_concurrent_gets_across_expiry_share_one_refresh() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = Arc::new(cell());
        cell.set(1, clock.now(), clock.now() + secs(600));
        clock.advance(secs(601)); // expired: everyone must wait for the new value
        let refreshes = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::with_capacity(10_000);
        for _ in 0..10_000 {
            let (cell, clock, refreshes, gate) =
                (cell.clone(), clock.clone(), refreshes.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                cell.get_or_refresh(&clock, MARGIN, || async {
                    refreshes.fetch_add(1, Ordering::SeqCst);
                    // Hold the refresh open until released, so the others pile up behind it.
                    gate.notified().await;
                    Ok((2, clock.now() + secs(600)))
                })
                .await
            }));
        }
        // Bounded wait until the one refresher is in flight, then release it.
        for _ in 0..1_000 {
            if refreshes.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        gate.notify_one();
        for t in tasks {
            assert_eq!(t.await.ok().and_then(|r| r.ok()), Some(2));
        }
        assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_failed_refresh() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = Arc::new(cell());
        let attempts = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for _ in 0..1_000 {
            let (cell, clock, attempts, started, gate) = (
                cell.clone(),
                clock.clone(),
                attempts.clone(),
                started.clone(),
                gate.clone(),
            );
            tasks.push(tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                cell.get_or_refresh(&clock, MARGIN, || async {
                    // Only the first attempt is held open; a later one would fail at once.
                    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                        gate.notified().await;
                    }
                    Err::<(u32, SystemTime), _>(Error::from_service(
                        "InternalErrorException",
                        "boom",
                    ))
                })
                .await
            }));
        }
        // Bounded wait until every caller has started and queued behind the one attempt.
        for _ in 0..2_000 {
            if started.load(Ordering::SeqCst) == 1_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        gate.notify_one();
        for t in tasks {
            let e = t.await.ok().and_then(|r| r.err());
            assert_eq!(
                e.as_ref().map(|e| e.kind()),
                Some(ErrorKind::ServiceUnavailable)
            );
            assert_eq!(
                e.as_ref().and_then(|e| e.service_code()),
                Some("InternalErrorException")
            );
        }
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            1,
            "waiters shared the one failure"
        );
        // Not cached: the next caller tries again.
        let exp = clock.now() + secs(600);
        assert_eq!(
            cell.get_or_refresh(&clock, MARGIN, || async move { Ok((3, exp)) })
                .await
                .ok(),
            Some(3)
        );
    }

    #[tokio::test]
    async fn errors_are_not_cached_once_expired() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = cell();
        let attempts = AtomicUsize::new(0);
        let fail = || async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err::<(u32, SystemTime), _>(Error::new(ErrorKind::Network, "down"))
        };
        let e = cell.get_or_refresh(&clock, MARGIN, fail).await;
        assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::Network));
        // The next call tries again right away (nothing valid to serve, no cached failure).
        let exp = clock.now() + secs(600);
        let v = cell
            .get_or_refresh(&clock, MARGIN, || async move { Ok((5, exp)) })
            .await;
        assert_eq!(v.ok(), Some(5));
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn stale_while_valid_with_doubling_backoff_then_error_after_expiry() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = ExpiringCell::new()
            .with_max_jitter(0.0)
            .with_backoff(secs(1), secs(4));
        cell.set(1u32, clock.now(), clock.now() + secs(100));
        clock.advance(secs(80)); // due (margin 60), valid for 20 s more
        let attempts = AtomicUsize::new(0);
        let throttled = || async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err::<(u32, SystemTime), _>(Error::from_service("TooManyRequestsException", "slow"))
        };
        // Failure: the valid value is served, and the next attempt waits 1 s.
        assert_eq!(
            cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
            Some(1)
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
        assert_eq!(
            cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
            Some(1)
        );
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            1,
            "within backoff: no attempt"
        );
        assert_eq!(cell.next_refresh_at(MARGIN), Some(clock.now() + secs(1)));
        clock.advance(secs(1));
        assert_eq!(
            cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
            Some(1)
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
        // Backoff doubled to 2 s.
        assert_eq!(cell.next_refresh_at(MARGIN), Some(clock.now() + secs(2)));
        clock.advance(secs(2));
        let _ = cell.get_or_refresh(&clock, MARGIN, throttled).await;
        clock.advance(secs(4));
        let _ = cell.get_or_refresh(&clock, MARGIN, throttled).await;
        // Capped at 4 s.
        assert_eq!(cell.next_refresh_at(MARGIN), Some(clock.now() + secs(4)));
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
        // Past expiry the error reaches the caller.
        clock.advance(secs(20));
        let e = cell.get_or_refresh(&clock, MARGIN, throttled).await;
        assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::Throttled));
        // And recovery resets everything.
        let exp = clock.now() + secs(100);
        assert_eq!(
            cell.get_or_refresh(&clock, MARGIN, || async move { Ok((9, exp)) })
                .await
                .ok(),
            Some(9)
        );
        assert_eq!(cell.next_refresh_at(MARGIN), Some(exp - secs(50)));
    }

    #[tokio::test]
    async fn session_ending_error_drops_even_a_valid_value() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = cell();
        cell.set(1, clock.now(), clock.now() + secs(600));
        clock.advance(secs(560));
        let e = cell
            .get_or_refresh(&clock, MARGIN, || async {
                Err::<(u32, SystemTime), _>(Error::from_service(
                    "NotAuthorizedException",
                    "Refresh Token has been revoked",
                ))
            })
            .await;
        let e = e.err();
        assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::NotAuthorized));
        assert_eq!(
            e.and_then(|e| e.service_code().map(str::to_owned))
                .as_deref(),
            Some("NotAuthorizedException")
        );
        assert_eq!(cell.peek(), None);
    }

    #[tokio::test]
    async fn a_due_value_is_served_while_another_caller_refreshes() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let cell = Arc::new(cell());
        cell.set(1, clock.now(), clock.now() + secs(600));
        clock.advance(secs(550)); // due, still valid
        let gate = Arc::new(tokio::sync::Notify::new());
        let started = Arc::new(tokio::sync::Notify::new());
        let refresher = {
            let (cell, clock, gate, started) =
                (cell.clone(), clock.clone(), gate.clone(), started.clone());
            tokio::spawn(async move {
                cell.get_or_refresh(&clock, MARGIN, || async {
                    started.notify_one();
                    gate.notified().await;
                    Ok((2, clock.now() + secs(600)))
                })
                .await
            })
        };
        started.notified().await;
        // Does not wait for the refresh in flight.
        let v = cell
            .get_or_refresh(&clock, MARGIN, || async { panic!("second refresh") })
            .await;
        assert_eq!(v.ok(), Some(1));
        gate.notify_one();
        assert_eq!(refresher.await.ok().and_then(|r| r.ok()), Some(2));
    }

    #[tokio::test]
    async fn jitter_stays_within_half_the_margin_and_margin_within_half_the_lifetime() {
        let clock = ManualClock::at_epoch_secs(1_000);
        let now = clock.now();
        for _ in 0..100 {
            let cell = ExpiringCell::new();
            cell.set(1u8, now, now + secs(3_600));
            let at = cell.next_refresh_at(secs(300)).unwrap_or(now);
            assert!(at <= now + secs(3_300) && at >= now + secs(3_150), "{at:?}");
        }
        let cell = cell();
        cell.set(1, now, now + secs(300));
        // A 5-minute margin on a 5-minute value refreshes at half-life, not on every call.
        assert_eq!(cell.next_refresh_at(secs(300)), Some(now + secs(150)));
    }
}
