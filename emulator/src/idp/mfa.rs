//! Second-factor settings: TOTP association and verification (by access token, or within an
//! MFA_SETUP challenge), MFA preferences, and GetUser, which reports them. The MFA challenges
//! of a sign-in open in [`super::outcome`].

use super::outcome::enabled_mfa;
use super::request::{Outcome, authorize_access, field, internal, pool_mut, required};
use super::session::{MFA_SETUP_VERIFIED, open_session, session, set_session_device};
use crate::crypto::{new_totp_secret, totp_matches};
use crate::state::{ChallengeState, State};
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::SystemTime;

/// GetUser: the user's attributes and MFA settings, by access token.
pub(super) fn get_user(st: &State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let user = st
        .user_pools
        .get(&pool_id)
        .and_then(|p| p.users.get(&username))
        .ok_or_else(internal)?;
    let mut attributes = vec![json!({ "Name": "sub", "Value": user.sub })];
    attributes.extend(
        user.attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "sub")
            .map(|(k, v)| json!({ "Name": k, "Value": v })),
    );
    let mut out = json!({ "Username": user.username, "UserAttributes": attributes });
    let enabled = enabled_mfa(user);
    let preferred = user
        .preferred_mfa
        .as_deref()
        .filter(|p| enabled.contains(p))
        .or(match enabled.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
    if let Some(p) = preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    if !enabled.is_empty() {
        out["UserMFASettingList"] = json!(enabled);
    }
    Ok(out)
}

/// Who an AssociateSoftwareToken / VerifySoftwareToken call is for: by access token, or by an
/// MFA_SETUP challenge session.
enum Subject {
    Access {
        pool_id: String,
        username: String,
    },
    Session {
        pool_id: String,
        username: String,
        session: String,
        /// Boxed: a challenge's state is far larger than the other variant.
        state: Box<ChallengeState>,
    },
}

/// The caller of AssociateSoftwareToken / VerifySoftwareToken.
fn subject(st: &State, now: SystemTime, req: &Value) -> Result<Subject, WireError> {
    if let Some(token) = field(req, "AccessToken") {
        let (pool_id, username) = authorize_access(st, now, token)?;
        return Ok(Subject::Access { pool_id, username });
    }
    let Some(id) = field(req, "Session") else {
        return Err(WireError::invalid_parameter(
            "Either AccessToken or Session is required",
        ));
    };
    let pool = st
        .user_pools
        .values()
        .find(|p| p.sessions.contains_key(id))
        .ok_or_else(|| WireError::not_authorized("Invalid session for the user."))?;
    let open = pool.sessions.get(id).cloned().ok_or_else(internal)?;
    let state = session(pool, id, &open.client_id, now)?;
    if !matches!(state.challenge.as_str(), "MFA_SETUP" | MFA_SETUP_VERIFIED) {
        return Err(WireError::not_authorized("Invalid session for the user."));
    }
    Ok(Subject::Session {
        pool_id: pool.id.clone(),
        username: state.username.clone(),
        session: id.to_owned(),
        state: Box::new(state),
    })
}

/// AssociateSoftwareToken: a new TOTP secret, pending until VerifySoftwareToken.
pub(super) fn associate_software_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let who = subject(st, now, req)?;
    let secret = new_totp_secret();
    match who {
        Subject::Access { pool_id, username } => {
            let user = pool_mut(st, &pool_id)?
                .users
                .get_mut(&username)
                .ok_or_else(internal)?;
            user.pending_totp_secret = Some(secret.clone());
            Ok(json!({ "SecretCode": secret }))
        }
        Subject::Session {
            pool_id,
            username,
            session,
            state,
        } => {
            let pool = pool_mut(st, &pool_id)?;
            if let Some(user) = pool.users.get_mut(&username) {
                user.pending_totp_secret = Some(secret.clone());
            }
            pool.sessions.remove(&session);
            let next = open_session(pool, &username, &state.client_id, "MFA_SETUP", now);
            if let Some(key) = &state.device_key {
                set_session_device(pool, &next, key);
            }
            Ok(json!({ "SecretCode": secret, "Session": next }))
        }
    }
}

/// VerifySoftwareToken: the pending secret becomes the user's when the code matches.
pub(super) fn verify_software_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let code = required(req, "UserCode")?.to_owned();
    let who = subject(st, now, req)?;
    let (pool_id, username) = match &who {
        Subject::Access { pool_id, username }
        | Subject::Session {
            pool_id, username, ..
        } => (pool_id.clone(), username.clone()),
    };
    let pool = pool_mut(st, &pool_id)?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    let Some(pending) = user.pending_totp_secret.clone() else {
        return Err(WireError::invalid_parameter(
            "User has not associated a software token",
        ));
    };
    if !totp_matches(&pending, &code, now) {
        return Err(WireError::json(
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        ));
    }
    user.totp_secret = Some(pending);
    user.pending_totp_secret = None;
    match who {
        // A signed-in user turns TOTP on with SetUserMFAPreference.
        Subject::Access { .. } => Ok(json!({ "Status": "SUCCESS" })),
        Subject::Session { session, state, .. } => {
            user.totp_enabled = true;
            pool.sessions.remove(&session);
            let next = open_session(pool, &username, &state.client_id, MFA_SETUP_VERIFIED, now);
            if let Some(key) = &state.device_key {
                set_session_device(pool, &next, key);
            }
            Ok(json!({ "Status": "SUCCESS", "Session": next }))
        }
    }
}

/// SetUserMFAPreference: enables, disables and prefers second factors, all or nothing.
pub(super) fn set_user_mfa_preference(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let pool = pool_mut(st, &pool_id)?;
    let required_mfa = pool.mfa_required;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    // Checked on a copy first, so that a rejected request changes nothing.
    let mut next = user.clone();
    for (member, kind) in [
        ("SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA"),
        ("SMSMfaSettings", "SMS_MFA"),
        ("EmailMfaSettings", "EMAIL_OTP"),
    ] {
        let Some(settings) = req.get(member) else {
            continue;
        };
        if let Some(enabled) = settings.get("Enabled").and_then(Value::as_bool) {
            if enabled {
                let ready = match kind {
                    "SOFTWARE_TOKEN_MFA" => next.totp_secret.is_some(),
                    "SMS_MFA" => next.attributes.contains_key("phone_number"),
                    _ => next.attributes.contains_key("email"),
                };
                if !ready {
                    return Err(WireError::invalid_parameter(match kind {
                        "SOFTWARE_TOKEN_MFA" => "User has not verified software token mfa",
                        "SMS_MFA" => "User does not have delivery config set to turn on SMS_MFA",
                        _ => "User does not have delivery config set to turn on EMAIL_OTP",
                    }));
                }
            }
            match kind {
                "SOFTWARE_TOKEN_MFA" => next.totp_enabled = enabled,
                "SMS_MFA" => next.sms_mfa_enabled = enabled,
                _ => next.email_mfa_enabled = enabled,
            }
            if !enabled && next.preferred_mfa.as_deref() == Some(kind) {
                next.preferred_mfa = None;
            }
        }
        if settings.get("PreferredMfa").and_then(Value::as_bool) == Some(true) {
            next.preferred_mfa = Some(kind.to_owned());
        }
    }
    if let Some(p) = next.preferred_mfa.as_deref()
        && !enabled_mfa(&next).contains(&p)
    {
        return Err(WireError::invalid_parameter(format!(
            "{p} cannot be preferred: it is not enabled for the user"
        )));
    }
    if required_mfa && enabled_mfa(&next).is_empty() && !enabled_mfa(user).is_empty() {
        return Err(WireError::invalid_parameter(
            "MFA is required for this user pool",
        ));
    }
    *user = next;
    Ok(json!({}))
}
