//! Time as the emulated services write it. "Now" itself always comes from the emulator's
//! [`Clock`](cognito_sigv4::Clock), never from the system.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 for times before it), as JWT claims and Cognito's JSON
/// carry time.
pub(crate) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An HTTP date (RFC 9110 IMF-fixdate), as AWS writes the `Date` header:
/// `Mon, 05 Jan 2026 09:04:03 GMT`.
pub(crate) fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
