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
