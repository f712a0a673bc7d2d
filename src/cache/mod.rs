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
//!   refresh is in flight get the still-valid value at once instead of waiting, unless it has
//!   no more than 40 s left: a device clock behind by less than skew learning
//!   notices could make it expired at the service already, so they wait for the refresh. If
//!   the refresh fails, the failure is logged, the valid value keeps being served, and the next
//!   attempt waits a backoff.
//! - **Expired or empty**: callers wait for one shared refresh, and every caller that waited
//!   for it gets its outcome (the same [`Error`] when it failed). After a failure the next
//!   attempt also waits the backoff; callers arriving meanwhile get that error at once, so an
//!   outage is not hammered by every call.
//! - **Backoff** after a failure: a random wait up to 1 s, then up to 2 s, 4 s, ... 60 s by
//!   default ("full jitter", so that clients that failed together do not retry together),
//!   measured on the clock's [monotonic](Clock::monotonic) reading: a wall clock stepped back or
//!   forward neither stretches nor skips it.
//! - **Waiting is bounded**: a caller waits for a refresh at most the cell's wait
//!   ([`DEFAULT_WAIT`], 5 s, as aws-sdk's identity cache bounds a load), then gets the still
//!   valid value if there is one, else an [`ErrorKind::Timeout`] error; the refresh goes on.
//! - A value that arrives **already expired** (by the clock given) is a failure like any other:
//!   never handed out, and backed off.
//! - Only an error of kind [`SessionEnded`](ErrorKind::SessionEnded) drops a still-valid value:
//!   the owner decides when a failure ends the session (a revoked refresh token does; a
//!   throttled or refused credentials exchange does not) and says so with that kind.
//!
//! **Cancellation and panics.** [`get_or_refresh_detached`](ExpiringCell::get_or_refresh_detached)
//! runs the refresh as its own task on the crate's refresh runtime (see `crate::runtime`), so
//! neither a caller dropped mid-refresh nor the end of the caller's runtime abandons it: a
//! rotated refresh token is never lost with its caller. A refresh that panics, or whose task is
//! cancelled all the same, is recorded as a failed attempt: the backoff starts and a still
//! valid value keeps being served.
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
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;

use tokio::sync::OwnedMutexGuard;

use crate::error::{Error, ErrorKind, Result};
use crate::time::{Clock, SharedClock};

/// A due value is still handed out while another caller refreshes it, so that nobody waits
/// while it is valid, except in its last `SERVE_FLOOR`: a device clock up to
/// [`ClockSkew::MIN_CHANGE_SECS`](crate::skew::ClockSkew::MIN_CHANGE_SECS) behind the service's
/// goes unnoticed, and a request takes time to arrive (10 s allowed), so such a value may be
/// expired at the service already. Callers wait for the refresh in flight instead (at most the
/// cell's wait, after which a still-valid value is served).
pub(crate) const SERVE_FLOOR: Duration =
    Duration::from_secs(crate::skew::ClockSkew::MIN_CHANGE_SECS.unsigned_abs() + 10);

/// The default longest first backoff after a failed refresh (the wait is drawn up to it).
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// The default longest wait of a caller for a refresh in flight.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// The default cap of the doubling backoff.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The default maximum jitter, as a fraction of the margin.
pub const DEFAULT_MAX_JITTER: f64 = 0.5;

/// An expiring value refreshed by one caller at a time; see the [module docs](self).
pub struct ExpiringCell<T> {
    /// Shared with a detached refresh, which records its outcome here after its caller left.
    slot: Arc<Mutex<Slot<T>>>,
    /// The slot's current entry, readable without a lock: the hot path of every signed
    /// request reads it. Written only with the slot's lock held, right after the slot.
    fast: Arc<ArcSwapOption<Entry<T>>>,
    /// Held by the one refresh in flight; waiters queue on it.
    flight: Arc<tokio::sync::Mutex<()>>,
    policy: Policy,
}

/// How failures are retried, how much refresh times are spread, how long callers wait.
#[derive(Debug, Clone, Copy)]
struct Policy {
    initial_backoff: Duration,
    max_backoff: Duration,
    max_jitter: f64,
    /// Whether backoffs are drawn at random up to their bound (on by default).
    backoff_jitter: bool,
    wait: Duration,
}

enum Decision<T> {
    Serve(T),
    Fail(Error),
    Refresh(OwnedMutexGuard<()>),
    Wait(u64),
}

struct Entry<T> {
    value: T,
    stored_at: SystemTime,
    expires_at: SystemTime,
    jitter: f64,
}

struct Slot<T> {
    entry: Option<Arc<Entry<T>>>,
    /// Completed refresh attempts; a waiter that sees it move shares that attempt's outcome.
    generation: u64,
    /// The error of the last attempt, when it failed: handed to the callers that waited for
    /// it, and to callers arriving during the backoff that follows when there is no valid
    /// value to serve instead.
    last_error: Option<Error>,
    /// No new attempt before this [monotonic](Clock::monotonic) reading.
    retry_after: Option<Duration>,
    /// The bound of the backoff the next failure applies.
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

impl<T> Slot<T> {
    fn in_backoff(&self, monotonic: Duration) -> bool {
        self.retry_after.is_some_and(|t| monotonic < t)
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

impl Policy {
    /// The wait before the next attempt after a failure whose backoff bound is `bound`.
    fn backoff(&self, bound: Duration) -> Duration {
        if self.backoff_jitter {
            bound.mul_f64(rand::random::<f64>())
        } else {
            bound
        }
    }

    fn entry<T>(&self, value: T, now: SystemTime, expires_at: SystemTime) -> Entry<T> {
        Entry {
            value,
            stored_at: now,
            expires_at,
            // `max_jitter` is clamped to [0, 1]: 0 gives no jitter.
            jitter: rand::random::<f64>() * self.max_jitter,
        }
    }
}

fn lock<T>(slot: &Mutex<Slot<T>>) -> MutexGuard<'_, Slot<T>> {
    // A panic elsewhere while holding the lock leaves consistent data: keep going.
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Replaces the slot's entry, and its lock-free copy (the caller holds the slot's lock, so
/// that writers publish in the order they wrote).
fn put<T>(slot: &mut Slot<T>, fast: &ArcSwapOption<Entry<T>>, entry: Option<Entry<T>>) {
    let entry = entry.map(Arc::new);
    fast.store(entry.clone());
    slot.entry = entry;
}

impl<T> ExpiringCell<T> {
    /// An empty cell with the default backoff (1 s doubling to 60 s) and jitter (up to 50%).
    pub fn new() -> Self {
        Self {
            slot: Arc::new(Mutex::new(Slot {
                entry: None,
                generation: 0,
                last_error: None,
                retry_after: None,
                backoff: DEFAULT_INITIAL_BACKOFF,
            })),
            fast: Arc::new(ArcSwapOption::empty()),
            flight: Arc::new(tokio::sync::Mutex::new(())),
            policy: Policy {
                initial_backoff: DEFAULT_INITIAL_BACKOFF,
                max_backoff: DEFAULT_MAX_BACKOFF,
                max_jitter: DEFAULT_MAX_JITTER,
                backoff_jitter: true,
                wait: DEFAULT_WAIT,
            },
        }
    }

    /// The same cell with fixed backoffs (each exactly its bound, no jitter), for tests that
    /// step through them.
    pub fn with_exact_backoff(mut self) -> Self {
        self.policy.backoff_jitter = false;
        self
    }

    /// The same cell with another longest wait of a caller for a refresh in flight.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.policy.wait = wait;
        self
    }

    /// The same cell with another backoff: the first wait after a failed refresh, and its cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.policy.initial_backoff = initial;
        self.policy.max_backoff = max.max(initial);
        self.lock().backoff = initial;
        self
    }

    /// The same cell with another maximum jitter (a fraction of the margin, clamped to
    /// `[0, 1]`); `0.0` makes refresh times exact, for tests.
    pub fn with_max_jitter(mut self, max_jitter: f64) -> Self {
        self.policy.max_jitter = if max_jitter.is_finite() {
            max_jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        lock(&self.slot)
    }

    /// Stores `value`, valid until `expires_at`, as if a refresh had just succeeded.
    pub fn set(&self, value: T, now: SystemTime, expires_at: SystemTime) {
        let entry = self.policy.entry(value, now, expires_at);
        let mut slot = self.lock();
        put(&mut slot, &self.fast, Some(entry));
        slot.last_error = None;
        slot.retry_after = None;
        slot.backoff = self.policy.initial_backoff;
    }

    /// Empties the cell (and forgets any failure and backoff).
    pub fn clear(&self) {
        let mut slot = self.lock();
        put(&mut slot, &self.fast, None);
        slot.last_error = None;
        slot.retry_after = None;
        slot.backoff = self.policy.initial_backoff;
    }

    /// Drops the current value if `is_it` says it is the one meant (a value the service refused
    /// although it looked valid here); the next call refreshes. Returns whether it dropped it.
    pub fn invalidate_if(&self, is_it: impl FnOnce(&T) -> bool) -> bool {
        let mut slot = self.lock();
        if slot.entry.as_ref().is_some_and(|e| is_it(&e.value)) {
            put(&mut slot, &self.fast, None);
            true
        } else {
            false
        }
    }

    /// When the backoff after a failed attempt ends (by `clock`), if one is running: no attempt
    /// starts before.
    pub fn retry_at(&self, clock: &dyn Clock) -> Option<SystemTime> {
        let after = self.lock().retry_after?;
        let left = after.checked_sub(clock.monotonic())?;
        clock.now().checked_add(left)
    }

    /// When the current value expires, if there is one.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.lock().entry.as_ref().map(|e| e.expires_at)
    }

    /// When the current value is due for refresh with `margin` (jitter included), or, after a
    /// failure, when the backoff ends (by `clock`), whichever is later. `None` when empty.
    pub fn next_refresh_at(&self, clock: &dyn Clock, margin: Duration) -> Option<SystemTime> {
        let due = self.lock().entry.as_ref()?.refresh_at(margin);
        Some(self.retry_at(clock).map_or(due, |retry| retry.max(due)))
    }
}

impl<T: Clone> ExpiringCell<T> {
    /// The current value even if it is due or expired. `None` when empty.
    pub fn peek(&self) -> Option<T> {
        self.lock().entry.as_ref().map(|e| e.value.clone())
    }

    /// The current value if it is fresh at `now` for `margin` (not yet due for refresh),
    /// read without a lock: the fast path of a caller that would otherwise go through
    /// [`get_or_refresh`](Self::get_or_refresh) only to be served the same value.
    pub fn get_fresh(&self, now: SystemTime, margin: Duration) -> Option<T> {
        self.fast
            .load()
            .as_ref()
            .filter(|e| e.is_fresh(now, margin))
            .map(|e| e.value.clone())
    }

    /// Returns the cached value while it is fresh for `margin`, or refreshes it with `refresh`
    /// (which yields the new value and its expiry); see the [module docs](self) for who waits,
    /// what is shared, and how failures are handled.
    ///
    /// The refresh runs inside the caller's future: if that caller is dropped mid-refresh, the
    /// attempt is abandoned and a waiting caller starts another. For refreshes that must not be
    /// repeated (a rotating refresh token), use [`get_or_refresh_detached`](Self::get_or_refresh_detached).
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
        let policy = self.policy;
        let (slot, fast) = (&self.slot, &self.fast);
        self.get_with(clock, margin, move |guard| async move {
            let result = refresh().await;
            let outcome = record(slot, fast, policy, clock, result);
            drop(guard);
            outcome
        })
        .await
    }

    /// Like [`get_or_refresh`](Self::get_or_refresh), but the refresh runs as its own task on
    /// the crate's refresh runtime: neither a caller that is dropped (a timeout, a cancelled
    /// request) nor the end of the caller's runtime abandons it, and its outcome is recorded
    /// for the next callers. A refresh that panics or is cancelled is a failed attempt. The
    /// caller waits for it at most the cell's wait ([`DEFAULT_WAIT`]).
    pub async fn get_or_refresh_detached<F, Fut>(
        &self,
        clock: &SharedClock,
        margin: Duration,
        refresh: F,
    ) -> Result<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, SystemTime)>> + Send + 'static,
    {
        self.get_with(&**clock, margin, move |guard| {
            let attempt = Attempt {
                slot: self.slot.clone(),
                fast: self.fast.clone(),
                policy: self.policy,
                clock: clock.clone(),
                guard: Some(guard),
            };
            let pending = refresh();
            let run = async move {
                let result = pending.await;
                attempt.finish(result)
            };
            async move {
                let Some(runtime) = crate::runtime::handle() else {
                    return run.await;
                };
                match crate::runtime::timeout(self.policy.wait, runtime.spawn(run)).await {
                    Some(Ok(outcome)) => outcome,
                    // Panicked or cancelled (recorded as a failure), or still running: what
                    // the slot holds now is this caller's answer.
                    Some(Err(_)) => self.after_attempt(&**clock, "the refresh failed"),
                    None => self.after_attempt(&**clock, "the refresh is taking too long"),
                }
            }
        })
        .await
    }

    /// What a caller gets when the attempt it waited for gave no answer of its own (panicked,
    /// cancelled, or not finished within the wait): the still-valid value, else the recorded
    /// error, else a timeout.
    fn after_attempt(&self, clock: &dyn Clock, what: &str) -> Result<T> {
        let slot = self.lock();
        if let Some(entry) = slot.entry.as_ref().filter(|e| e.is_valid(clock.now())) {
            return Ok(entry.value.clone());
        }
        Err(slot
            .last_error
            .clone()
            .filter(|_| slot.in_backoff(clock.monotonic()))
            .unwrap_or_else(|| Error::new(ErrorKind::Timeout, format!("{what}; try again"))))
    }

    /// Decides what this caller does, and runs `run` (with the flight lock) when it must
    /// refresh.
    async fn get_with<R, RFut>(&self, clock: &dyn Clock, margin: Duration, run: R) -> Result<T>
    where
        R: FnOnce(OwnedMutexGuard<()>) -> RFut,
        RFut: Future<Output = Result<T>>,
    {
        // Decide under the slot lock, act after releasing it (a std guard must not live across
        // an await).
        let seen = match self.decide(clock, margin) {
            Decision::Serve(value) => return Ok(value),
            Decision::Fail(e) => return Err(e),
            Decision::Refresh(guard) => return run(guard).await,
            Decision::Wait(generation) => generation,
        };
        let Some(guard) =
            crate::runtime::timeout(self.policy.wait, self.flight.clone().lock_owned()).await
        else {
            return self.after_attempt(clock, "the refresh in flight is taking too long");
        };
        let shared = {
            let slot = self.lock();
            let now = clock.now();
            if slot.generation != seen {
                // An attempt finished while we waited: share its outcome.
                match slot.entry.as_ref().filter(|e| e.is_valid(now)) {
                    Some(entry) => Some(Ok(entry.value.clone())),
                    None => Some(Err(slot.last_error.clone().unwrap_or_else(|| {
                        Error::new(ErrorKind::Credentials, "the value expired while waiting")
                    }))),
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
            None => run(guard).await,
        }
    }

    fn decide(&self, clock: &dyn Clock, margin: Duration) -> Decision<T> {
        let (now, monotonic) = (clock.now(), clock.monotonic());
        let slot = self.lock();
        match &slot.entry {
            Some(entry) if entry.is_fresh(now, margin) => Decision::Serve(entry.value.clone()),
            Some(entry) if entry.is_valid(now) => {
                if slot.in_backoff(monotonic) {
                    return Decision::Serve(entry.value.clone());
                }
                // Due: refresh unless someone already is; meanwhile serve it, but not in its
                // last moments (see `SERVE_FLOOR`): then wait for the refresh in flight.
                match self.flight.clone().try_lock_owned() {
                    Ok(guard) => Decision::Refresh(guard),
                    Err(_) if entry.is_valid(now + SERVE_FLOOR) => {
                        Decision::Serve(entry.value.clone())
                    }
                    Err(_) => Decision::Wait(slot.generation),
                }
            }
            // Nothing valid, and the last attempt failed a moment ago: fail fast until the
            // backoff ends rather than hammer a service that is down.
            _ if slot.in_backoff(monotonic) && slot.last_error.is_some() => {
                Decision::Fail(slot.last_error.clone().unwrap_or_else(|| {
                    Error::new(ErrorKind::Credentials, "no value during the backoff")
                }))
            }
            _ => Decision::Wait(slot.generation),
        }
    }
}

/// One detached attempt: records its outcome exactly once, and holds the single flight until
/// then. Dropped without an outcome (its task panicked or was cancelled), it records a
/// failure, so that the backoff starts and a still-valid value keeps being served.
struct Attempt<T> {
    slot: Arc<Mutex<Slot<T>>>,
    fast: Arc<ArcSwapOption<Entry<T>>>,
    policy: Policy,
    clock: SharedClock,
    guard: Option<OwnedMutexGuard<()>>,
}

impl<T: Clone> Attempt<T> {
    fn finish(mut self, result: Result<(T, SystemTime)>) -> Result<T> {
        let outcome = record(&self.slot, &self.fast, self.policy, &*self.clock, result);
        // Released only now: a waiter must find the outcome recorded.
        self.guard = None;
        outcome
    }
}

impl<T> Drop for Attempt<T> {
    fn drop(&mut self) {
        if self.guard.is_none() {
            return;
        }
        let what = if std::thread::panicking() {
            "the refresh panicked"
        } else {
            "the refresh was cancelled"
        };
        tracing::warn!("{what}; backing off");
        fail(
            &mut lock(&self.slot),
            self.policy,
            self.clock.monotonic(),
            Error::new(ErrorKind::Credentials, what),
        );
    }
}

/// Records one attempt's outcome and says what its caller gets.
///
/// - A value arriving already expired by the clock is a failure (serving it would hand out a
///   stale credential; it usually means a wrong device clock).
/// - A failure keeps a still-valid value (served on) and starts or doubles the backoff; only a
///   [`ErrorKind::SessionEnded`] error drops the value, since the owner has decided that the
///   session is over.
fn record<T: Clone>(
    slot: &Mutex<Slot<T>>,
    fast: &ArcSwapOption<Entry<T>>,
    policy: Policy,
    clock: &dyn Clock,
    result: Result<(T, SystemTime)>,
) -> Result<T> {
    let now = clock.now();
    let result = match result {
        Ok((_, expires_at)) if expires_at <= now => Err(Error::new(
            ErrorKind::InvalidResponse,
            "the new value had already expired when it arrived (is the device clock right?)",
        )),
        other => other,
    };
    let mut slot = lock(slot);
    match result {
        Ok((value, expires_at)) => {
            slot.generation += 1;
            put(
                &mut slot,
                fast,
                Some(policy.entry(value.clone(), now, expires_at)),
            );
            slot.last_error = None;
            slot.retry_after = None;
            slot.backoff = policy.initial_backoff;
            Ok(value)
        }
        Err(e) if e.kind() == ErrorKind::SessionEnded => {
            slot.generation += 1;
            put(&mut slot, fast, None);
            slot.last_error = Some(e.clone());
            slot.retry_after = None;
            Err(e)
        }
        Err(e) => {
            let retry_in = fail(&mut slot, policy, clock.monotonic(), e.clone());
            let valid = slot
                .entry
                .as_ref()
                .filter(|en| en.is_valid(now))
                .map(|en| en.value.clone());
            let retry_in_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX);
            match valid {
                Some(value) => {
                    tracing::warn!(
                        kind = ?e.kind(),
                        code = e.service_code(),
                        retry_in_ms,
                        "refresh failed; serving the still-valid value"
                    );
                    Ok(value)
                }
                None => {
                    tracing::debug!(kind = ?e.kind(), code = e.service_code(), retry_in_ms, "refresh failed");
                    Err(e)
                }
            }
        }
    }
}

/// Records a failed attempt: its error, and the backoff before the next (returned).
fn fail<T>(slot: &mut Slot<T>, policy: Policy, monotonic: Duration, e: Error) -> Duration {
    slot.generation += 1;
    slot.last_error = Some(e);
    let bound = slot.backoff;
    let wait = policy.backoff(bound);
    slot.retry_after = Some(monotonic + wait);
    slot.backoff = (bound * 2).min(policy.max_backoff);
    wait
}

#[cfg(test)]
mod tests;
