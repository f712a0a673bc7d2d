//! Clock skew: what this device's clock is off by compared with AWS's, learned once and
//! shared by a session and the clients wired to it.
//!
//! AWS refuses a SigV4 signature more than 5 minutes from its own time, Cognito's tokens
//! expire by its clock, and an SRP answer carries a timestamp. A device whose clock is wrong
//! therefore needs one offset, used everywhere. It is learned only from evidence (see
//! [`ClockSkew`]) and bounded, so a lying `Date` header cannot break a client for good.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::SystemTime;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::time::{Clock, SharedClock, epoch_secs, shift};

/// A learned offset and how many times anything was learned: packed in one atomic word so
/// that a compare-and-swap sees both (the offset is bounded by [`ClockSkew::MAX_SECS`], which
/// fits in 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Learned {
    version: u32,
    offset_secs: i32,
}

impl Learned {
    fn pack(self) -> u64 {
        (u64::from(self.version) << 32) | u64::from(self.offset_secs.cast_unsigned())
    }

    fn unpack(word: u64) -> Self {
        Self {
            version: (word >> 32) as u32,
            offset_secs: (word as u32).cast_signed(),
        }
    }
}

/// What this device's clock is off by, compared with AWS's: one learned offset shared by
/// everything that asks "what time is it at AWS?" — a session's expiry decisions, the SRP
/// `TIMESTAMP`, and the SigV4 dates of the [`ApiClient`](crate::client::ApiClient) wired to it.
///
/// An offset is only ever learned from evidence: a retry signed with a server's `Date` that
/// the server then accepted, or the `iat` of tokens the user pool just issued. It is bounded by
/// [`ClockSkew::MAX_SECS`]: a `Date` header further off than that is a lie or a broken proxy,
/// not a clock, and is ignored. Cheap to share (`Arc`) and lock-free to read.
///
/// Every learn, even one that confirms the current offset, counts as a new
/// [`version`](Self::version). A request that tried an offset of its own (a retry in a server's
/// time) [`confirm`s](Self::confirm) it only if nothing was learned since it started: evidence
/// gathered meanwhile is newer than the request's and is never overwritten.
#[derive(Debug)]
pub struct ClockSkew {
    /// A packed [`Learned`].
    learned: AtomicU64,
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
            learned: AtomicU64::new(
                Learned {
                    version: 0,
                    offset_secs: 0,
                }
                .pack(),
            ),
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

    fn learned(&self) -> Learned {
        Learned::unpack(self.learned.load(Ordering::Acquire))
    }

    /// Server time minus local time, in seconds (0 until learned).
    pub fn offset_secs(&self) -> i64 {
        i64::from(self.learned().offset_secs)
    }

    /// How many times an offset was learned or confirmed: a request notes it when it starts,
    /// and [`confirm`](Self::confirm)s an offset of its own only if it has not moved.
    pub fn version(&self) -> u32 {
        self.learned().version
    }

    /// Learns `offset_secs` from fresh evidence (tokens just issued): adopted if it is within
    /// [`MAX_SECS`](Self::MAX_SECS) and differs from the current offset by at least
    /// [`MIN_CHANGE_SECS`](Self::MIN_CHANGE_SECS); a plausible offset closer than that confirms
    /// the current one. Either way the [`version`](Self::version) moves. Returns whether the
    /// offset changed.
    pub fn adopt(&self, offset_secs: i64) -> bool {
        let Some(new) = Self::bounded(offset_secs) else {
            return false;
        };
        let mut changed = false;
        let _ = self
            .learned
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let current = Learned::unpack(word);
                changed = i64::from(new).abs_diff(i64::from(current.offset_secs))
                    >= Self::MIN_CHANGE_SECS.unsigned_abs();
                Some(
                    Learned {
                        version: current.version.wrapping_add(1),
                        offset_secs: if changed { new } else { current.offset_secs },
                    }
                    .pack(),
                )
            });
        changed
    }

    /// Adopts `offset_secs`, which a request tried and the server accepted, only if nothing
    /// was learned since that request saw version `seen`; returns whether it did.
    pub fn confirm(&self, seen: u32, offset_secs: i64) -> bool {
        let Some(new) = Self::bounded(offset_secs) else {
            return false;
        };
        self.learned
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let current = Learned::unpack(word);
                (current.version == seen).then(|| {
                    Learned {
                        version: seen.wrapping_add(1),
                        offset_secs: new,
                    }
                    .pack()
                })
            })
            .is_ok()
    }

    fn bounded(offset_secs: i64) -> Option<i32> {
        Self::is_plausible(offset_secs)
            .then(|| i32::try_from(offset_secs).ok())
            .flatten()
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
}

impl Clock for SkewedClock {
    fn now(&self) -> SystemTime {
        shift(self.device.now(), self.skew.offset_secs())
    }

    fn monotonic(&self) -> std::time::Duration {
        self.device.monotonic()
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
    fn a_request_never_overwrites_an_offset_learned_meanwhile() {
        let skew = ClockSkew::default();
        assert!(skew.adopt(600));
        // A request starts, and tries 900 on its own...
        let seen = skew.version();
        // ...a session learns the right offset from fresh tokens meanwhile...
        assert!(skew.adopt(-120));
        // ...and the request's confirmation, now stale, changes nothing.
        assert!(!skew.confirm(seen, 900));
        assert_eq!(skew.offset_secs(), -120);
        // A confirmation nobody raced with is adopted, however small the change.
        assert!(skew.confirm(skew.version(), -110));
        assert_eq!(skew.offset_secs(), -110);
        // Implausible offsets are never set.
        assert!(!skew.confirm(skew.version(), i64::MAX));
        assert!(!skew.confirm(skew.version(), ClockSkew::MAX_SECS + 1));
    }

    /// Issue 23, item 4: a learn that confirms the offset a request is trying (within
    /// `MIN_CHANGE_SECS` of it) is evidence too, and newer than the request's.
    #[test]
    fn a_confirming_learn_is_seen_by_a_request_that_started_before_it() {
        let skew = ClockSkew::default();
        assert!(skew.adopt(600));
        let seen = skew.version();
        assert!(!skew.adopt(610), "too close to change the offset...");
        assert_ne!(skew.version(), seen, "...but a learn all the same");
        // A → B → A is a change too.
        let before = skew.version();
        assert!(skew.adopt(-600));
        assert!(skew.adopt(600));
        assert!(!skew.confirm(before, 1_200));
        assert_eq!(skew.offset_secs(), 600);
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
        // The 4-minute threshold, to the second.
        skew.observe_server_date(device, 1_000_240);
        assert_eq!(skew.offset_for_timestamp(), 0, "4 minutes off");
        skew.observe_server_date(device, 1_000_241);
        assert_eq!(skew.offset_for_timestamp(), 241, "more than 4 minutes off");
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
