//! How a sign-in ends once its first factor holds: the second factor it still owes (the MFA
//! challenge the user's settings call for, SELECT_MFA_TYPE, or MFA_SETUP when the pool
//! requires MFA), else its tokens, bound to a device where the pool tracks devices. Every
//! flow (password, device, custom, choice-based, MFA answers) ends here, and refresh mints
//! its tokens here too; this module imports none of the flows, so they need not import each
//! other to finish.

use super::codes::send_new_code;
use super::lifecycle;
use super::pre_token::{self, Source};
use super::request::{Outcome, internal};
use super::session::{SESSION_LIFETIME, open_challenge, open_session, set_session_device};
use super::triggers::Caller;
use crate::crypto::{random_alnum, random_uuid};
use crate::state::{AppClient, DeliveryMedium, Device, RefreshTokenRecord, User, UserPool};
use crate::tokens::{Grant, new_refresh_token};
use crate::wire::WireError;
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
            let parameters = json!({ "MFAS_CAN_CHOOSE": can_choose, "USER_ID_FOR_SRP": username });
            return Ok(Some(open_challenge(
                pool,
                username,
                &client.id,
                "SELECT_MFA_TYPE",
                now,
                |_| {},
                parameters,
            )));
        }
    }
    if pool.mfa_required {
        let parameters =
            json!({ "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": username });
        return Ok(Some(open_challenge(
            pool,
            username,
            &client.id,
            "MFA_SETUP",
            now,
            |_| {},
            parameters,
        )));
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
            let parameters = json!({ "USER_ID_FOR_SRP": username });
            return Ok(open_challenge(
                pool,
                username,
                &client.id,
                kind,
                now,
                |_| {},
                parameters,
            ));
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

/// Tokens at the end of a sign-in. In a pool that tracks devices the refresh token is bound
/// to the device: the one the sign-in proved (`device_key`), or a new one announced in
/// `NewDeviceMetadata`, which the client must confirm before it can refresh.
pub(super) fn sign_in_tokens(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    device_key: Option<&str>,
) -> Outcome {
    let user = pool
        .users
        .get(username)
        .ok_or_else(super::request::internal)?;
    let caller = Caller {
        pool,
        region,
        client_id: Some(&client.id),
    };
    let new_device = pool.device_tracking.is_some() && device_key.is_none();
    lifecycle::post_authentication(caller, user, new_device)?;
    // In a pool that tracks devices the sign-in runs on one, known or new, named in the
    // access token (`device_key`) and bound to the refresh token.
    let mut new_metadata = None;
    let key = pool.device_tracking.is_some().then(|| match device_key {
        Some(key) => key.to_owned(),
        None => {
            let key = format!("{region}_{}", random_uuid());
            // AWS's group keys look like `-abcDEF123`.
            let group_key = format!("-{}", random_alnum(9));
            new_metadata = Some(json!({ "DeviceKey": key, "DeviceGroupKey": group_key }));
            pool.devices
                .insert(key.clone(), Device::new(username, group_key, now));
            key
        }
    });
    let mut tokens = issue_tokens(
        pool,
        region,
        client,
        username,
        now,
        None,
        key.as_deref(),
        true,
    )?;
    if let Some(metadata) = new_metadata {
        tokens["NewDeviceMetadata"] = metadata;
    }
    if let Some(key) = key
        && let Some(refresh) = tokens["RefreshToken"].as_str()
        && let Some(record) = pool.refresh_tokens.get_mut(refresh)
    {
        record.device_key = Some(key);
    }
    Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
}

/// Mints an ID and an access token (and, when `with_refresh`, a refresh token) for `username`.
/// `family` continues a sign-in (`origin_jti`, `auth_time`) on refresh; `device_key` is the
/// tracked device it runs on.
#[allow(clippy::too_many_arguments)] // each is one fact of the issue; a struct would only rename them
pub(super) fn issue_tokens(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    family: Option<(String, SystemTime)>,
    device_key: Option<&str>,
    with_refresh: bool,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let family_given = family.is_some();
    let (origin_jti, auth_time) = family.unwrap_or_else(|| (random_uuid(), now));
    let grant = Grant {
        pool,
        region,
        client,
        user,
        now,
        auth_time,
        origin_jti: &origin_jti,
        event_id: &random_uuid(),
        device_key,
    };
    let (mut id, mut access) = (grant.id_token_claims(), grant.access_token_claims());
    let source = if family_given {
        Source::RefreshTokens
    } else {
        Source::Authentication
    };
    let caller = Caller {
        pool,
        region,
        client_id: Some(&client.id),
    };
    pre_token::apply(caller, user, source, &mut id, &mut access)?;
    let username = user.username.clone();
    let mut result = json!({
        "AccessToken": pool.key.mint(&Value::Object(access)),
        "ExpiresIn": client.access_token_validity.as_secs(),
        "TokenType": "Bearer",
        "IdToken": pool.key.mint(&Value::Object(id)),
    });
    if with_refresh {
        let token = remember_refresh_token(pool, &username, client, origin_jti, auth_time, now);
        result["RefreshToken"] = json!(token);
    }
    Ok(result)
}

/// A new refresh token of sign-in `origin_jti` for `username` through `client`, recorded in
/// the pool (InitiateAuth, rotation, and the OAuth token endpoint).
pub(super) fn remember_refresh_token(
    pool: &mut UserPool,
    username: &str,
    client: &AppClient,
    origin_jti: String,
    auth_time: SystemTime,
    now: SystemTime,
) -> String {
    let token = new_refresh_token();
    pool.refresh_tokens.insert(
        token.clone(),
        RefreshTokenRecord {
            username: username.to_owned(),
            client_id: client.id.clone(),
            expires_at: now + client.refresh_token_validity,
            origin_jti,
            revoked: false,
            retired_at: None,
            auth_time,
            device_key: None,
        },
    );
    token
}
