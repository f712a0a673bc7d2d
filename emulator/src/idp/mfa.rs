//! Second factors: choosing and opening the MFA challenge at sign-in (SMS and e-mail codes go
//! to the pool's outbox), TOTP association and verification, MFA preferences, and GetUser,
//! which reports them.

use super::device::{set_session_device, sign_in_tokens};
use super::request::{Outcome, authorize_access, field, internal, pool_mut, required};
use super::session::{MFA_SETUP_VERIFIED, SESSION_LIFETIME, open_session, session};
use crate::crypto::{new_totp_secret, totp_matches};
use crate::state::{
    AppClient, ChallengeState, DeliveryMedium, OutboxEntry, SentCode, State, User, UserPool,
};
use crate::wire::WireError;
use cognito_sigv4::secret::OneTimeCode;
use serde_json::{Value, json};
use std::time::SystemTime;

/// What follows a confirmed sign-in: the MFA challenge the user's settings call for (or
/// SELECT_MFA_TYPE, or MFA_SETUP when the pool requires MFA), else tokens. The sign-in is on
/// device `device_key` (proven, not remembered) or on a new device (`None`): the challenge
/// session carries it to the tokens.
pub(super) fn mfa_or_tokens_on_device(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    device_key: Option<&str>,
) -> Outcome {
    match mfa_or_none(pool, client, username, now)? {
        None => sign_in_tokens(pool, region, client, username, now, device_key),
        Some(challenge) => {
            if let (Some(key), Some(session)) = (device_key, challenge["Session"].as_str()) {
                set_session_device(pool, session, key);
            }
            Ok(challenge)
        }
    }
}

/// The MFA (or MFA_SETUP) challenge the user's settings and the pool call for, if any.
fn mfa_or_none(
    pool: &mut UserPool,
    client: &AppClient,
    username: &str,
    now: SystemTime,
) -> Result<Option<Value>, WireError> {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let enabled = enabled_mfa(user);
    let preferred = user
        .preferred_mfa
        .as_deref()
        .filter(|p| enabled.contains(p));
    match (enabled.as_slice(), preferred) {
        ([], _) => {}
        ([only], _) => return mfa_challenge(pool, client, username, only, now).map(Some),
        (_, Some(p)) => {
            let p = p.to_owned();
            return mfa_challenge(pool, client, username, &p, now).map(Some);
        }
        (several, None) => {
            let can_choose = json!(several).to_string();
            let session = open_session(pool, username, &client.id, "SELECT_MFA_TYPE", now);
            return Ok(Some(json!({
                "ChallengeName": "SELECT_MFA_TYPE",
                "Session": session,
                "ChallengeParameters": { "MFAS_CAN_CHOOSE": can_choose, "USER_ID_FOR_SRP": username },
            })));
        }
    }
    if pool.mfa_required {
        let session = open_session(pool, username, &client.id, "MFA_SETUP", now);
        return Ok(Some(json!({
            "ChallengeName": "MFA_SETUP",
            "Session": session,
            "ChallengeParameters": { "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": username },
        })));
    }
    Ok(None)
}

/// The second factors a user has enabled, in the order Cognito lists them in `MFAS_CAN_CHOOSE`.
pub(super) fn enabled_mfa(user: &User) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if user.sms_mfa_enabled {
        kinds.push("SMS_MFA");
    }
    if user.totp_enabled && user.totp_secret.is_some() {
        kinds.push("SOFTWARE_TOKEN_MFA");
    }
    if user.email_mfa_enabled {
        kinds.push("EMAIL_OTP");
    }
    kinds
}

/// Opens the challenge for one second factor; for SMS and e-mail, "sends" a fresh code to the
/// outbox and keeps it with the session.
pub(super) fn mfa_challenge(
    pool: &mut UserPool,
    client: &AppClient,
    username: &str,
    kind: &str,
    now: SystemTime,
) -> Outcome {
    let (medium, attr) = match kind {
        "SOFTWARE_TOKEN_MFA" => {
            let session = open_session(pool, username, &client.id, kind, now);
            return Ok(json!({
                "ChallengeName": kind,
                "Session": session,
                "ChallengeParameters": { "USER_ID_FOR_SRP": username },
            }));
        }
        // USER_AUTH's SMS_OTP and EMAIL_OTP first factors send their codes the same way.
        "SMS_MFA" | "SMS_OTP" => (DeliveryMedium::Sms, "phone_number"),
        "EMAIL_OTP" => (DeliveryMedium::Email, "email"),
        _ => return Err(internal()),
    };
    let user = pool.users.get(username).ok_or_else(internal)?;
    // The seed (and SetUserMFAPreference) make sure the attribute is there.
    let destination = user.attributes.get(attr).cloned().ok_or_else(internal)?;
    let session = open_session(pool, username, &client.id, kind, now);
    let purpose = match kind {
        "SMS_OTP" => "SMS_OTP",
        "EMAIL_OTP" => "EMAIL_OTP",
        _ => "SMS_MFA",
    };
    let (code, masked) = send_new_code(
        pool,
        username,
        (medium, destination),
        (purpose, "CustomMessage_Authentication"),
        (now, now + SESSION_LIFETIME),
    )?;
    if let Some(open) = pool.sessions.get_mut(&session) {
        open.code = Some(code);
    }
    Ok(json!({
        "ChallengeName": kind,
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium.as_str(),
            "CODE_DELIVERY_DESTINATION": masked,
            "USER_ID_FOR_SRP": username,
        },
    }))
}

/// Sends a new 6-digit code for `purpose` to `destination` by `medium` (into the outbox, sent
/// at `now`, kept until `expires_at`, when its challenge or purpose ends): the code, and the
/// destination masked as Cognito shows it.
///
/// With a custom-message trigger (`message_source`, its `triggerSource`), the message that
/// carries the code is the trigger's; its failure fails the call.
pub(super) fn send_new_code(
    pool: &mut UserPool,
    username: &str,
    (medium, destination): (DeliveryMedium, String),
    (purpose, message_source): (&'static str, &str),
    (now, expires_at): (SystemTime, SystemTime),
) -> Result<(String, String), WireError> {
    let masked = match medium {
        DeliveryMedium::Sms => mask_phone(&destination),
        DeliveryMedium::Email => mask_email(&destination),
    };
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let message = super::lifecycle::custom_message(pool, username, message_source, medium)?;
    pool.outbox.push(OutboxEntry {
        username: username.to_owned(),
        sent: SentCode {
            medium,
            destination,
            code: OneTimeCode::new(code.clone()),
        },
        purpose,
        sent_at: now,
        expires_at,
        message,
    });
    Ok((code, masked))
}

/// `+15555551234` → `+*******1234`: every digit but the last four hidden, as Cognito shows it.
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(4);
    let hidden = digits.len() - keep;
    let last: String = digits[hidden..].iter().collect();
    format!("+{}{last}", "*".repeat(hidden))
}

/// `jane@example.com` → `j***@e***`: the first letter of each side, as Cognito shows it.
fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_as_cognito_shows_them() {
        assert_eq!(mask_phone("+15555551234"), "+*******1234");
        assert_eq!(mask_phone("+447700900123"), "+********0123");
        assert_eq!(mask_phone("+123"), "+123");
        assert_eq!(mask_email("jane@example.com"), "j***@e***");
        assert_eq!(mask_email("no-at-sign"), "n***@***");
    }
}
