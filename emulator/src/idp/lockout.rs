//! Cognito's lockout after failed password sign-ins, as its developer guide describes it
//! ("Lockout behavior for failed sign-in attempts"): after five failures a user is locked out
//! for one second, doubling with each further failure up to about 15 minutes; an attempt during
//! a lockout answers `Password attempts exceeded` (right password or not) and does not count;
//! a successful sign-in after a lockout, or 15 minutes without an attempt, starts afresh.

use std::time::{Duration, SystemTime};

use crate::state::{Lockout, User};
use crate::wire::WireError;

/// Failures allowed before the first lockout.
const FREE_FAILURES: u32 = 5;
/// The longest lockout, and the quiet time that forgets the failures ("about 15 minutes").
const LONGEST: Duration = Duration::from_secs(15 * 60);

/// `Err(Password attempts exceeded)` while `user` is locked out at `now`.
pub(super) fn check(user: &User, now: SystemTime) -> Result<(), WireError> {
    match user.lockout.locked_until {
        Some(until) if now < until => Err(WireError::not_authorized("Password attempts exceeded")),
        _ => Ok(()),
    }
}

/// Records a wrong password at `now`.
pub(super) fn failed(user: &mut User, now: SystemTime) {
    let lockout = &mut user.lockout;
    let quiet = lockout
        .last_failure
        .is_some_and(|last| now.duration_since(last).unwrap_or_default() >= LONGEST);
    if quiet {
        *lockout = Lockout::default();
    }
    lockout.failures += 1;
    lockout.last_failure = Some(now);
    if let Some(extra) = lockout.failures.checked_sub(FREE_FAILURES) {
        let secs = 1u64.checked_shl(extra).unwrap_or(u64::MAX);
        lockout.locked_until = Some(now + Duration::from_secs(secs).min(LONGEST));
    }
}

/// Records a right password: the failures are forgotten.
pub(super) fn succeeded(user: &mut User) {
    user.lockout = Lockout::default();
}

/// Checks `user`'s lockout, then records `matches` (the password check's outcome): the error
/// to answer for a wrong password is the caller's.
pub(super) fn attempt(user: &mut User, now: SystemTime, matches: bool) -> Result<bool, WireError> {
    check(user, now)?;
    if matches {
        succeeded(user);
    } else {
        failed(user, now);
    }
    Ok(matches)
}
