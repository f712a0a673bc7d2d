//! Challenge sessions (the `Session` string of NEW_PASSWORD_REQUIRED, MFA and MFA_SETUP) and
//! SRP exchanges in progress.

use crate::crypto::random_alnum;
use crate::state::{ChallengeState, UserPool};
use crate::wire::WireError;
use std::time::{Duration, SystemTime};

/// How long a challenge `Session` (and an SRP exchange) stays open: AWS's default, 3 minutes.
pub(super) const SESSION_LIFETIME: Duration = Duration::from_secs(180);

/// Expired sessions are kept this much longer so that using one says "expired", not "invalid".
const SESSION_MEMORY: Duration = Duration::from_secs(3600);

/// Internal marker: an MFA_SETUP session whose TOTP has been verified.
pub(super) const MFA_SETUP_VERIFIED: &str = "MFA_SETUP_VERIFIED";

/// Forgets sessions long expired and SRP exchanges expired.
pub(super) fn prune(pool: &mut UserPool, now: SystemTime) {
    pool.sessions
        .retain(|_, s| s.expires_at + SESSION_MEMORY > now);
    pool.srp_pending.retain(|_, p| p.expires_at > now);
}

/// SRP exchanges are keyed by user and SECRET_BLOCK, so that concurrent sign-ins of one user
/// do not disturb each other and a wrong block finds nothing.
pub(super) fn srp_key(username: &str, secret_block_b64: &str) -> String {
    format!("{username}\n{secret_block_b64}")
}

/// Opens a challenge session waiting for `challenge`; returns its `Session` string.
pub(super) fn open_session(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    challenge: &str,
    now: SystemTime,
) -> String {
    prune(pool, now);
    let id = format!("AYABe{}", random_alnum(160));
    pool.sessions.insert(
        id.clone(),
        ChallengeState {
            username: username.to_owned(),
            client_id: client_id.to_owned(),
            challenge: challenge.to_owned(),
            expires_at: now + SESSION_LIFETIME,
            code: None,
        },
    );
    id
}

/// The open session `id`, checked against the client and the clock.
pub(super) fn session(
    pool: &UserPool,
    id: &str,
    client_id: &str,
    now: SystemTime,
) -> Result<ChallengeState, WireError> {
    let s = pool
        .sessions
        .get(id)
        .ok_or_else(|| WireError::not_authorized("Invalid session for the user."))?;
    if s.client_id != client_id {
        return Err(WireError::not_authorized("Invalid session for the user."));
    }
    if now >= s.expires_at {
        return Err(WireError::not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok(s.clone())
}
