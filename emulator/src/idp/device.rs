//! Remembered devices: the device SRP challenges that prove a known one (`DEVICE_SRP_AUTH`,
//! `DEVICE_PASSWORD_VERIFIER`), the device a refresh token is bound to, and ConfirmDevice,
//! UpdateDeviceStatus, GetDevice, ListDevices and ForgetDevice. The device a sign-in ends on
//! (`NewDeviceMetadata`) is issued with its tokens in [`super::outcome`].
//!
//! The device maths is the user SRP's with the device group key in place of the pool name and
//! the device key in place of the username (amazon-cognito-identity-js `getDeviceResponse`).

use super::outcome::{mfa_or_tokens_on_device, sign_in_tokens};
use super::request::{
    Outcome, authorize_access, field, internal, missing, param, pool_mut, required,
};
use super::session::{
    Answer, open_challenge, open_srp_exchange, parse_srp_a, proof_holds, session, srp_key,
};
use crate::srp_server;
use crate::state::{AppClient, Device, State, UserPool};
use crate::time::epoch_secs;
use crate::wire::WireError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

const DEVICE_SRP_AUTH: &str = "DEVICE_SRP_AUTH";
const DEVICE_PASSWORD_VERIFIER: &str = "DEVICE_PASSWORD_VERIFIER";

/// A `DEVICE_KEY` named at sign-in must be a confirmed device of the user, where the pool
/// tracks devices: AWS answers `ResourceNotFoundException` naming the device otherwise (what
/// amazon-cognito-identity-js's sign-in checks for before it answers again without the key).
pub(crate) fn check_device(
    pool: &UserPool,
    username: &str,
    device_key: Option<&str>,
) -> Result<(), WireError> {
    let Some(key) = device_key.filter(|_| pool.device_tracking.is_some()) else {
        return Ok(());
    };
    match pool.devices.get(key) {
        Some(d) if d.username == username && d.is_confirmed() => Ok(()),
        _ => Err(WireError::json(
            "ResourceNotFoundException",
            "Device does not exist.",
        )),
    }
}

/// What follows a verified password (and a confirmed account): the device named by
/// `DEVICE_KEY` (checked by [`check_device`]) must prove itself (DEVICE_SRP_AUTH); without one,
/// MFA and tokens, which then carry a new device.
pub(super) fn after_primary_auth(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    device_key: Option<&str>,
) -> Outcome {
    match device_key.filter(|_| pool.device_tracking.is_some()) {
        Some(key) => {
            check_device(pool, username, Some(key))?;
            Ok(open_challenge(
                pool,
                username,
                &client.id,
                DEVICE_SRP_AUTH,
                now,
                |open| open.device_key = Some(key.to_owned()),
                json!({}),
            ))
        }
        None => mfa_or_tokens_on_device(pool, region, client, username, now, None),
    }
}

/// Checks a refresh against the device its sign-in was bound to: the same `DEVICE_KEY`, and
/// the device still there and confirmed (AWS answers "Invalid Refresh Token" otherwise:
/// aws-sdk-java#2841, amplify-android#2506; the AWS blog on device tracking says a forgotten
/// device's refresh tokens stop working).
pub(super) fn check_refresh_device(
    pool: &UserPool,
    bound: Option<&str>,
    sent: Option<&str>,
) -> Result<(), WireError> {
    let Some(bound) = bound else { return Ok(()) };
    let confirmed = pool.devices.get(bound).is_some_and(Device::is_confirmed);
    if sent == Some(bound) && confirmed {
        Ok(())
    } else {
        Err(WireError::not_authorized("Invalid Refresh Token")
            .with_reason(crate::calls::RefusalReason::RefreshTokenInvalid))
    }
}

/// RespondToAuthChallenge for the two device challenges.
pub(super) fn respond(pool: &mut UserPool, answer: Answer<'_>) -> Outcome {
    let (region, client, now) = (answer.region, answer.client, answer.now);
    let (name, req, responses) = (answer.name, answer.req, answer.responses);
    let session_id = field(req, "Session").ok_or_else(|| missing("Session"))?;
    let open = session(pool, session_id, &client.id, now)?;
    if open.challenge != name {
        return Err(WireError::invalid_parameter(format!(
            "Invalid challenge {name}: the session is waiting for {}",
            open.challenge
        )));
    }
    let device_key = param(responses, "DEVICE_KEY")?;
    if open.device_key.as_deref() != Some(device_key) {
        return Err(WireError::not_authorized("Invalid device key given."));
    }
    let username = open.username.clone();
    pool.sessions.remove(session_id);
    if name == DEVICE_SRP_AUTH {
        start_device_srp(pool, client, now, &username, device_key, responses)
    } else {
        let proven = device_password_verifier(pool, now, &username, device_key, responses)?;
        finish(pool, region, client, now, &username, &proven)
    }
}

/// DEVICE_SRP_AUTH's answer (`SRP_A`): the server's `B` over the device's verifier.
fn start_device_srp(
    pool: &mut UserPool,
    client: &AppClient,
    now: SystemTime,
    username: &str,
    device_key: &str,
    responses: &BTreeMap<String, String>,
) -> Outcome {
    let a_pub = parse_srp_a(param(responses, "SRP_A")?)?;
    let device = pool.devices.get(device_key).ok_or_else(internal)?;
    let verifier = device.verifier.clone().ok_or_else(internal)?;
    let salt_hex = srp_server::number_hex(&device.salt);
    let owner = Some(device_key.to_owned());
    let (b_hex, block_b64) =
        open_srp_exchange(pool, username, &client.id, &verifier, a_pub, now, owner)?;
    Ok(open_challenge(
        pool,
        username,
        &client.id,
        DEVICE_PASSWORD_VERIFIER,
        now,
        |open| open.device_key = Some(device_key.to_owned()),
        json!({
            "DEVICE_KEY": device_key,
            "SALT": salt_hex,
            "SECRET_BLOCK": block_b64,
            "SRP_B": b_hex,
            "USERNAME": username,
        }),
    ))
}

/// DEVICE_PASSWORD_VERIFIER's answer: the device's SRP proof, once per exchange. Returns the
/// proven device's key.
fn device_password_verifier(
    pool: &mut UserPool,
    now: SystemTime,
    username: &str,
    device_key: &str,
    responses: &BTreeMap<String, String>,
) -> Result<String, WireError> {
    let timestamp = param(responses, "TIMESTAMP")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let block_b64 = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    if !srp_server::timestamp_is_well_formed(timestamp) {
        return Err(WireError::invalid_parameter(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        ));
    }
    let refused = || WireError::not_authorized("Incorrect username or password.");
    let pending = pool
        .srp_pending
        .remove(&srp_key(username, block_b64))
        .ok_or_else(refused)?;
    if pending.device_key.as_deref() != Some(device_key)
        || now >= pending.expires_at
        || !srp_server::timestamp_is_acceptable(timestamp, now)
    {
        return Err(refused());
    }
    let device = pool.devices.get(device_key).ok_or_else(refused)?;
    let verifier = device.verifier.as_deref().ok_or_else(refused)?;
    let group_key = &device.group_key;
    if !proof_holds(
        &pending, group_key, device_key, verifier, timestamp, signature,
    ) {
        return Err(refused());
    }
    Ok(device_key.to_owned())
}

/// After a device proved itself: a remembered device skips MFA; another gets the user's MFA.
fn finish(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    username: &str,
    device_key: &str,
) -> Outcome {
    let device = pool.devices.get_mut(device_key).ok_or_else(internal)?;
    device.last_authenticated = now;
    if device.remembered {
        sign_in_tokens(pool, region, client, username, now, Some(device_key))
    } else {
        mfa_or_tokens_on_device(pool, region, client, username, now, Some(device_key))
    }
}

/// The device `DeviceKey` of the access token's user, for the device operations.
fn users_device<'a>(
    st: &'a mut State,
    now: SystemTime,
    req: &Value,
) -> Result<(&'a mut UserPool, String), WireError> {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    let key = required(req, "DeviceKey")?.to_owned();
    let pool = pool_mut(st, &pool_id)?;
    match pool.devices.get(&key) {
        Some(d) if d.username == username => Ok((pool, key)),
        _ => Err(WireError::json(
            "ResourceNotFoundException",
            "Device does not exist.",
        )),
    }
}

/// ConfirmDevice: the device's verifier and salt (base64 of big-endian bytes) and its name.
/// Answers whether the user must still be asked to remember it.
pub(super) fn confirm_device(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let config = req
        .get("DeviceSecretVerifierConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let decode = |name: &str| {
        config
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| B64.decode(s).ok())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                WireError::invalid_parameter(format!(
                    "DeviceSecretVerifierConfig.{name} must be base64"
                ))
            })
    };
    let verifier = decode("PasswordVerifier")?;
    let salt = decode("Salt")?;
    let name = field(req, "DeviceName").map(str::to_owned);
    let (pool, key) = users_device(st, now, req)?;
    let prompt = pool
        .device_tracking
        .is_some_and(|t| t.only_remembered_on_user_prompt);
    let device = pool.devices.get_mut(&key).ok_or_else(internal)?;
    device.verifier = Some(verifier);
    device.salt = salt;
    device.name = name;
    device.remembered = !prompt;
    device.last_modified = now;
    Ok(json!({ "UserConfirmationNecessary": prompt }))
}

/// UpdateDeviceStatus: `remembered` or `not_remembered`.
pub(super) fn update_device_status(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let status = field(req, "DeviceRememberedStatus");
    let remembered = match status {
        Some("remembered") => true,
        Some("not_remembered") => false,
        other => {
            return Err(WireError::invalid_parameter(format!(
                "1 validation error detected: Value '{}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]",
                other.unwrap_or("null")
            )));
        }
    };
    let (pool, key) = users_device(st, now, req)?;
    let device = pool.devices.get_mut(&key).ok_or_else(internal)?;
    device.remembered = remembered;
    device.last_modified = now;
    Ok(json!({}))
}

/// GetDevice.
pub(super) fn get_device(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool, key) = users_device(st, now, req)?;
    let device = pool.devices.get(&key).ok_or_else(internal)?;
    Ok(json!({ "Device": device_type(&key, device) }))
}

/// ListDevices: the user's confirmed devices, in key order (`Limit`, `PaginationToken`).
///
/// Emulator's choice: unconfirmed devices (issued at a sign-in whose client never confirmed
/// them) are not listed.
pub(super) fn list_devices(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    let limit = req
        .get("Limit")
        .and_then(Value::as_u64)
        .unwrap_or(60)
        .clamp(1, 60) as usize;
    let after = field(req, "PaginationToken").unwrap_or_default().to_owned();
    let pool = pool_mut(st, &pool_id)?;
    let mut mine = pool
        .devices
        .iter()
        .filter(|(k, d)| d.username == username && d.is_confirmed() && k.as_str() > after.as_str());
    let page: Vec<(&String, &Device)> = mine.by_ref().take(limit).collect();
    let mut out = json!({
        "Devices": page.iter().map(|(k, d)| device_type(k, d)).collect::<Vec<_>>(),
    });
    if mine.next().is_some()
        && let Some((last, _)) = page.last()
    {
        out["PaginationToken"] = json!(last);
    }
    Ok(out)
}

/// ForgetDevice: the device is gone, and with it every refresh token bound to it.
pub(super) fn forget_device(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool, key) = users_device(st, now, req)?;
    pool.devices.remove(&key);
    for record in pool.refresh_tokens.values_mut() {
        if record.device_key.as_deref() == Some(key.as_str()) {
            record.revoked = true;
        }
    }
    Ok(json!({}))
}

/// AWS's `DeviceType`.
pub(super) fn device_type(key: &str, d: &Device) -> Value {
    let mut attributes = vec![json!({ "Name": "device_status", "Value": "valid" })];
    if let Some(name) = &d.name {
        attributes.push(json!({ "Name": "device_name", "Value": name }));
    }
    attributes.push(json!({
        "Name": "dev:device_remembered_status",
        "Value": if d.remembered { "remembered" } else { "not_remembered" },
    }));
    json!({
        "DeviceKey": key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": epoch_secs(d.created),
        "DeviceLastModifiedDate": epoch_secs(d.last_modified),
        "DeviceLastAuthenticatedDate": epoch_secs(d.last_authenticated),
    })
}
