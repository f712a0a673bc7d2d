//! Clock skew: what this device's clock is off by compared with AWS's, learned once and
//! shared by a session and the clients wired to it.
//!
//! AWS refuses a SigV4 signature more than 5 minutes from its own time, Cognito's tokens
//! expire by its clock, and an SRP answer carries a timestamp. A device whose clock is wrong
//! therefore needs one offset, used everywhere. It is learned only from evidence (see
//! [`ClockSkew`]) and bounded, so a lying `Date` header cannot break a client for good.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::SystemTime;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::time::{Clock, SharedClock, epoch_secs, shift};

/// What this device's clock is off by, compared with AWS's: one learned offset shared by
/// everything that asks "what time is it at AWS?" — a session's expiry decisions, the SRP
/// `TIMESTAMP`, and the SigV4 dates of the [`ApiClient`](crate::client::ApiClient) wired to it.
///
/// An offset is only ever learned from evidence: a retry signed with a server's `Date` that
/// the server then accepted, or the `iat` of tokens the user pool just issued. It is bounded by
/// [`ClockSkew::MAX_SECS`]: a `Date` header further off than that is a lie or a broken proxy,
/// not a clock, and is ignored. Cheap to share (`Arc`) and lock-free to read.
#[derive(Debug)]
pub struct ClockSkew {
    offset_secs: AtomicI64,
    /// The offset the last service `Date` header implied, not yet confirmed (`i64::MIN`: none).
    hint_secs: AtomicI64,
}

impl ClockSkew {
    /// The largest offset accepted: 7 days. A device clock off by more than a few days is
    /// rare; a server `Date` that far off is far more likely wrong.
    pub const MAX_SECS: i64 = 7 * 24 * 3600;
    /// Offsets closer than this to the current one are not worth adopting: AWS accepts
    /// signatures within 5 minutes, and refresh margins absorb the rest.
    pub const MIN_CHANGE_SECS: i64 = 30;

    /// No offset yet.
    pub fn new() -> Self {
        Self {
            offset_secs: AtomicI64::new(0),
            hint_secs: AtomicI64::new(i64::MIN),
        }
    }

    /// Notes what a service's `Date` header implies (`server_epoch_secs` seen at device time
    /// `device_now`) without adopting it: a hint that a call which cannot be retried (an SRP
    /// answer, timestamped and single-use) may use when it disagrees with the adopted offset by
    /// more than AWS's 5-minute window. Implausible dates are ignored.
    pub fn observe_server_date(&self, device_now: SystemTime, server_epoch_secs: i64) {
        let offset = Self::between(device_now, server_epoch_secs);
        if Self::is_plausible(offset) {
            self.hint_secs.store(offset, Ordering::Relaxed);
        }
    }

    /// The offset for a timestamp that must be right the first time: the adopted one, unless
    /// the last service `Date` says it is more than 4 minutes off.
    pub fn offset_for_timestamp(&self) -> i64 {
        let offset = self.offset_secs();
        match self.hint_secs.load(Ordering::Relaxed) {
            i64::MIN => offset,
            hint if hint.abs_diff(offset) > 240 => hint,
            _ => offset,
        }
    }

    /// Server time minus local time, in seconds (0 until learned).
    pub fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Adopts `offset_secs` if it is within [`MAX_SECS`](Self::MAX_SECS) and differs from the
    /// current offset by at least [`MIN_CHANGE_SECS`](Self::MIN_CHANGE_SECS). Returns whether it
    /// did.
    pub fn adopt(&self, offset_secs: i64) -> bool {
        if !Self::is_plausible(offset_secs)
            || offset_secs.abs_diff(self.offset_secs()) < Self::MIN_CHANGE_SECS.unsigned_abs()
        {
            return false;
        }
        self.offset_secs.store(offset_secs, Ordering::Relaxed);
        true
    }

    /// Sets the offset to `offset_secs` whatever the current one (still bounded by
    /// [`MAX_SECS`](Self::MAX_SECS)): a provisional offset being tried, or the one it replaced
    /// being restored.
    pub fn set(&self, offset_secs: i64) {
        if Self::is_plausible(offset_secs) {
            self.offset_secs.store(offset_secs, Ordering::Relaxed);
        }
    }

    /// Sets the offset to `new` only if it is still `expected` (and `new` is plausible); returns
    /// whether it did. A provisional offset is tried, and rolled back, this way, so that an
    /// offset learned meanwhile by someone else sharing the skew (a session reading fresh
    /// tokens' `iat`) is never overwritten by a stale one.
    pub fn replace(&self, expected: i64, new: i64) -> bool {
        Self::is_plausible(new)
            && self
                .offset_secs
                .compare_exchange(expected, new, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Whether an offset is small enough to be a clock's error rather than a lie.
    pub fn is_plausible(offset_secs: i64) -> bool {
        offset_secs.unsigned_abs() <= Self::MAX_SECS.unsigned_abs()
    }

    /// The offset that makes local time `local` read as the server's `server` (seconds).
    pub fn between(local: SystemTime, server_epoch_secs: i64) -> i64 {
        server_epoch_secs.saturating_sub(i64::try_from(epoch_secs(local)).unwrap_or(i64::MAX))
    }
}

impl Default for ClockSkew {
    fn default() -> Self {
        Self::new()
    }
}

/// A clock corrected by a shared [`ClockSkew`]: what time it is at AWS, by this device's
/// clock and what has been learned of its error.
#[derive(Debug, Clone)]
pub struct SkewedClock {
    device: SharedClock,
    skew: Arc<ClockSkew>,
}

impl SkewedClock {
    /// `device` corrected by `skew`.
    pub fn new(device: SharedClock, skew: Arc<ClockSkew>) -> Self {
        Self { device, skew }
    }

    /// The uncorrected device clock.
    pub fn device(&self) -> &SharedClock {
        &self.device
    }

    /// The shared offset.
    pub fn skew(&self) -> &Arc<ClockSkew> {
        &self.skew
    }
}

impl Clock for SkewedClock {
    fn now(&self) -> SystemTime {
        shift(self.device.now(), self.skew.offset_secs())
    }
}

/// The epoch seconds of an HTTP `Date` header (RFC 7231's IMF-fixdate, RFC 2822 syntax).
pub(crate) fn parse_http_date(value: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|d| d.timestamp())
}

/// An SDK interceptor that notes every response's `Date` as a [`ClockSkew`] hint.
#[derive(Debug)]
pub(crate) struct ServerDateObserver {
    device: SharedClock,
    skew: Arc<ClockSkew>,
}

impl ServerDateObserver {
    pub(crate) fn new(device: SharedClock, skew: Arc<ClockSkew>) -> Self {
        Self { device, skew }
    }
}

impl Intercept for ServerDateObserver {
    fn name(&self) -> &'static str {
        "ServerDateObserver"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context
            .response()
            .headers()
            .get("date")
            .and_then(parse_http_date)
        {
            self.skew.observe_server_date(self.device.now(), date);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ManualClock;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_rollback_never_overwrites_an_offset_learned_meanwhile() {
        let skew = ClockSkew::default();
        skew.set(600);
        // A request tries a provisional offset...
        assert!(skew.replace(600, 900));
        // ...a session learns the right one from fresh tokens meanwhile...
        assert!(skew.adopt(-120));
        // ...and the request's rollback, now stale, changes nothing.
        assert!(!skew.replace(900, 600));
        assert_eq!(skew.offset_secs(), -120);
        // A rollback nobody raced with restores the offset it replaced.
        assert!(skew.replace(-120, 300));
        assert!(skew.replace(300, -120));
        assert_eq!(skew.offset_secs(), -120);
        // Implausible offsets are never set.
        assert!(!skew.replace(-120, i64::MAX));
    }

    /// Issue 23, item 4: a learn that confirms the offset a request is trying (within
    /// `MIN_CHANGE_SECS` of it) is evidence too; the request's rollback must not undo it.
    #[test]
    fn a_rollback_never_undoes_a_confirming_learn() {
        let skew = ClockSkew::default();
        skew.set(600);
        // A request tries 900...
        assert!(skew.replace(600, 900));
        // ...fresh tokens' `iat` says 910: the request's offset was right...
        skew.adopt(910);
        // ...then the request's retry is refused for another reason and it rolls back.
        skew.replace(900, 600);
        assert!(
            skew.offset_secs().abs_diff(910) < 30,
            "the learned offset stays: {}",
            skew.offset_secs()
        );
    }

    #[test]
    fn skew_is_bounded_and_shared_by_every_skewed_clock() {
        let device: SharedClock = Arc::new(ManualClock::at_epoch_secs(100_000_000));
        let skew = Arc::new(ClockSkew::new());
        let a = SkewedClock::new(device.clone(), skew.clone());
        let b = SkewedClock::new(device, skew.clone());
        assert!(!skew.adopt(10), "too small to matter");
        assert!(skew.adopt(-3_600));
        assert_eq!(epoch_secs(a.now()), 100_000_000 - 3_600);
        assert_eq!(epoch_secs(b.now()), 100_000_000 - 3_600);
        // A year off is a lying Date header, not a clock: ignored.
        assert!(!skew.adopt(365 * 24 * 3600));
        assert!(!skew.adopt(i64::MIN));
        assert_eq!(skew.offset_secs(), -3_600);
        assert_eq!(
            ClockSkew::between(UNIX_EPOCH + Duration::from_secs(1_000), 1_090),
            90
        );
    }

    #[test]
    fn a_date_hint_steers_timestamps_only_beyond_the_window() {
        let skew = ClockSkew::new();
        let device = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(skew.offset_for_timestamp(), 0);
        skew.observe_server_date(device, 1_000_100);
        assert_eq!(skew.offset_for_timestamp(), 0, "within AWS's window");
        skew.observe_server_date(device, 1_000_000 + 3_600);
        assert_eq!(skew.offset_for_timestamp(), 3_600);
        skew.observe_server_date(device, i64::MAX);
        assert_eq!(
            skew.offset_for_timestamp(),
            3_600,
            "an absurd date is ignored"
        );
        assert_eq!(skew.offset_secs(), 0, "a hint is never adopted");
        assert_eq!(
            parse_http_date("Sun, 29 Nov 2026 10:00:00 GMT"),
            Some(1_795_946_400)
        );
    }
}
