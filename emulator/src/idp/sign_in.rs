//! Sign-in with the password: USER_SRP_AUTH and USER_PASSWORD_AUTH (routed here by `auth`),
//! the answers to the challenges that follow them (the SRP proof, a new password, the second
//! factors, MFA setup), and the pool's password policy.

use super::device::{after_primary_auth, check_device};
use super::lifecycle;
use super::lockout;
use super::outcome::{enabled_mfa, mfa_challenge, sign_in_tokens};
use super::request::{INCORRECT, Outcome, check_secret_hash, internal, lookup_username, param};
use super::session::{
    Answer, MFA_SETUP_VERIFIED, open_challenge, open_srp_exchange, parse_srp_a,
    password_verifier_challenge, proof_holds, set_session_device, srp_key, wrong_code,
};
use super::triggers::Caller;
use crate::crypto::{ct_eq, totp_matches};
use crate::srp_server;
use crate::state::{AppClient, PasswordPolicy, UserPool, UserStatus};
use crate::wire::WireError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// USER_SRP_AUTH's first step: the server's ephemeral `B` and the PASSWORD_VERIFIER challenge.
pub(super) fn start_srp(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(params, "USERNAME")?;
    let a_hex = param(params, "SRP_A")?;
    check_secret_hash(client, typed, params.get("SECRET_HASH").map(String::as_str))?;
    if client.prevent_user_existence_errors && pool.find_user(typed).is_none() {
        return simulated_srp(pool, typed, a_hex);
    }
    let username = lookup_username(pool, client, typed)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    // AWS answers an unconfirmed user so whatever the password (amazon-cognito-identity-js#288,
    // where AWS called it intended; aws-sdk-js#4608): before the proof.
    if user.status == UserStatus::Unconfirmed {
        return Err(user_not_confirmed());
    }
    let a_pub = parse_srp_a(a_hex)?;
    lifecycle::pre_authentication(caller(pool, region, client), user)?;
    let salt_hex = srp_server::number_hex(&user.salt);
    let verifier = user.verifier.clone();
    let device_key = params.get("DEVICE_KEY").cloned();
    let (b_hex, block_b64) = open_srp_exchange(
        pool, &username, &client.id, &verifier, a_pub, now, device_key,
    )?;
    Ok(password_verifier_challenge(
        salt_hex, b_hex, block_b64, &username,
    ))
}

/// PreventUserExistenceErrors on USER_SRP_AUTH for a name the pool does not know: a
/// PASSWORD_VERIFIER challenge that looks like a real one, with the salt and user id AWS's
/// documentation describes ("the same salt and internal user id in UUID format for the same user
/// name and user pool combination"). Nothing is remembered: the answer fails at
/// RespondToAuthChallenge because the name is still unknown there.
///
/// Emulator's choice: the salt and UUID are derived from the pool id and the name typed
/// (HMAC-SHA256), so they are also stable across restarts; `B` is a real ephemeral over a
/// verifier of a random password.
fn simulated_srp(pool: &UserPool, typed: &str, a_hex: &str) -> Outcome {
    use hmac::Mac as _;
    parse_srp_a(a_hex)?;
    let derive = |label: &str| -> [u8; 16] {
        let mut mac = crate::crypto::hmac_sha256(pool.id.as_bytes());
        mac.update(label.as_bytes());
        mac.update(typed.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        out
    };
    let salt = derive("salt\0");
    let user_id = crate::crypto::uuid_from_bytes(derive("user-id\0"));
    let password: [u8; 16] = rand::random();
    let verifier =
        srp_server::verifier(pool.srp_pool_name(), &user_id, &B64.encode(password), &salt);
    let eph = srp_server::server_ephemeral(&verifier).ok_or_else(internal)?;
    let secret_block: [u8; 96] = rand::random();
    Ok(password_verifier_challenge(
        srp_server::number_hex(&salt),
        srp_server::number_hex(&eph.b_pub),
        B64.encode(secret_block),
        &user_id,
    ))
}

/// Who calls a trigger from a sign-in.
fn caller<'a>(pool: &'a UserPool, region: &'a str, client: &'a AppClient) -> Caller<'a> {
    Caller {
        pool,
        region,
        client_id: Some(&client.id),
    }
}

/// `UserNotConfirmedException: User is not confirmed.`
fn user_not_confirmed() -> WireError {
    WireError::json("UserNotConfirmedException", "User is not confirmed.")
}

/// USER_PASSWORD_AUTH: the password checked against the SRP verifier.
pub(super) fn password_auth(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(params, "USERNAME")?;
    let password = param(params, "PASSWORD")?;
    check_secret_hash(client, typed, params.get("SECRET_HASH").map(String::as_str))?;
    if pool.find_user(typed).is_none()
        && let Some(migrated) = lifecycle::user_migration(
            caller(pool, region, client),
            "UserMigration_Authentication",
            typed,
            Some(password),
        )?
    {
        lifecycle::add_migrated(pool, typed, Some(password), migrated, now)?;
    }
    let username = lookup_username(pool, client, typed)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    // Whatever the password, as for SRP (aws-sdk-js#4608 shows it on USER_PASSWORD_AUTH).
    if user.status == UserStatus::Unconfirmed {
        return Err(user_not_confirmed());
    }
    lifecycle::pre_authentication(caller(pool, region, client), user)?;
    let matches = srp_server::password_matches(
        pool.srp_pool_name(),
        &user.username,
        password,
        &user.salt,
        &user.verifier,
    );
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    if !lockout::attempt(user, now, matches)? {
        return Err(WireError::not_authorized(INCORRECT));
    }
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    check_device(pool, &username, device_key)?;
    after_password(pool, region, client, &username, now, device_key)
}

/// What follows a verified password: the account's status, then a known device's proof or
/// MFA, then tokens.
fn after_password(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    device_key: Option<&str>,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    match user.status {
        UserStatus::Unconfirmed => Err(user_not_confirmed()),
        // PreventUserExistenceErrors masks a required reset as a wrong password (AWS's
        // "Managing user existence error responses").
        UserStatus::ResetRequired if client.prevent_user_existence_errors => {
            Err(WireError::not_authorized(INCORRECT))
        }
        UserStatus::ResetRequired => Err(WireError::json(
            "PasswordResetRequiredException",
            "Password reset required for the user",
        )),
        UserStatus::ForceChangePassword => {
            let attrs: Map<String, Value> = user
                .attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "sub")
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            Ok(open_challenge(
                pool,
                username,
                &client.id,
                "NEW_PASSWORD_REQUIRED",
                now,
                |open| open.device_key = device_key.map(str::to_owned),
                json!({
                    "USER_ID_FOR_SRP": username,
                    "requiredAttributes": "[]",
                    "userAttributes": Value::Object(attrs).to_string(),
                }),
            ))
        }
        UserStatus::Confirmed => {
            after_primary_auth(pool, region, client, username, now, device_key)
        }
    }
}

/// RespondToAuthChallenge for the challenges of a password sign-in that an open session waits
/// for: NEW_PASSWORD_REQUIRED, the second factors (and USER_AUTH's one-time codes),
/// SELECT_MFA_TYPE and MFA_SETUP (`USERNAME` and `SECRET_HASH` already checked by the caller).
pub(super) fn respond(pool: &mut UserPool, answer: Answer<'_>) -> Outcome {
    let (region, client, now) = (answer.region, answer.client, answer.now);
    let (name, responses) = (answer.name, answer.responses);
    let (session_id, open) = answer.session(pool)?;
    let expected = if open.challenge == MFA_SETUP_VERIFIED {
        "MFA_SETUP"
    } else {
        open.challenge.as_str()
    };
    if expected != name {
        return Err(WireError::invalid_parameter(format!(
            "Invalid challenge {name}: the session is waiting for {expected}"
        )));
    }
    let username = open.username.clone();
    match name {
        "NEW_PASSWORD_REQUIRED" => {
            let new_password = param(responses, "NEW_PASSWORD")?;
            let policy = pool.settings.password_policy;
            check_password_policy(&policy, new_password, PasswordCheck::Other)?;
            let pool_name = pool.srp_pool_name().to_owned();
            let user = pool.users.get_mut(&username).ok_or_else(internal)?;
            let salt: [u8; 16] = rand::random();
            user.verifier = srp_server::verifier(&pool_name, &username, new_password, &salt);
            user.salt = salt.to_vec();
            user.status = UserStatus::Confirmed;
            for (k, v) in responses {
                if let Some(attr) = k.strip_prefix("userAttributes.")
                    && attr != "sub"
                {
                    user.attributes.insert(attr.to_owned(), v.clone());
                }
            }
            pool.sessions.remove(session_id);
            let device_key = open.device_key.as_deref();
            after_primary_auth(pool, region, client, &username, now, device_key)
        }
        "SOFTWARE_TOKEN_MFA" => {
            let code = param(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
            let user = pool.users.get(&username).ok_or_else(internal)?;
            let secret = user.totp_secret.as_deref().unwrap_or_default();
            if !totp_matches(secret, code, now) {
                return Err(wrong_code(
                    pool,
                    session_id,
                    "Invalid code received for user",
                ));
            }
            pool.sessions.remove(session_id);
            let device_key = open.device_key.as_deref();
            sign_in_tokens(pool, region, client, &username, now, device_key)
        }
        // EMAIL_OTP is an MFA and a USER_AUTH first factor; SMS_OTP the latter only.
        "SMS_MFA" | "EMAIL_OTP" | "SMS_OTP" => {
            let key = match name {
                "SMS_MFA" => "SMS_MFA_CODE",
                "SMS_OTP" => "SMS_OTP_CODE",
                _ => "EMAIL_OTP_CODE",
            };
            let code = param(responses, key)?;
            let sent = open.code.as_deref().unwrap_or_default();
            if sent.is_empty() || !ct_eq(sent.as_bytes(), code.trim().as_bytes()) {
                return Err(wrong_code(
                    pool,
                    session_id,
                    "Invalid code or auth state for the user.",
                ));
            }
            // Single use: the code goes with its session.
            pool.sessions.remove(session_id);
            let device_key = open.device_key.as_deref();
            sign_in_tokens(pool, region, client, &username, now, device_key)
        }
        "SELECT_MFA_TYPE" => {
            let answer = param(responses, "ANSWER")?;
            let user = pool.users.get(&username).ok_or_else(internal)?;
            let Some(kind) = enabled_mfa(user).into_iter().find(|k| *k == answer) else {
                return Err(WireError::invalid_parameter(format!(
                    "Invalid value for ANSWER: {answer} is not an MFA type the user can choose"
                )));
            };
            pool.sessions.remove(session_id);
            let next = mfa_challenge(pool, client, &username, kind, now)?;
            if let (Some(key), Some(session)) = (&open.device_key, next["Session"].as_str()) {
                set_session_device(pool, session, key);
            }
            Ok(next)
        }
        _ => {
            if open.challenge != MFA_SETUP_VERIFIED {
                return Err(WireError::invalid_parameter(
                    "User has not verified software token mfa",
                ));
            }
            pool.sessions.remove(session_id);
            let device_key = open.device_key.as_deref();
            sign_in_tokens(pool, region, client, &username, now, device_key)
        }
    }
}

/// The PASSWORD_VERIFIER answer: the client's SRP proof, once per exchange.
pub(super) fn password_verifier(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    responses: &BTreeMap<String, String>,
) -> Outcome {
    // The answer's shape is checked before the proof, key by key in AWS's order, then the
    // TIMESTAMP's format and the signature's base64 (all measured against AWS by MiniStack's
    // authors, `_srp_response_format_error`; tests/interop_ministack_measured.rs).
    let typed = param(responses, "USERNAME")?;
    let timestamp = param(responses, "TIMESTAMP")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let block_b64 = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    // A TIMESTAMP of the right shape but wrong is a wrong proof, not a malformed parameter.
    if !srp_server::timestamp_is_well_formed(timestamp) {
        return Err(WireError::invalid_parameter(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        ));
    }
    if base64::Engine::decode(&base64::engine::general_purpose::STANDARD, signature).is_err() {
        return Err(WireError::invalid_parameter(
            "Invalid PASSWORD_CLAIM_SIGNATURE format. Must be a Base64 string.",
        ));
    }
    let username = lookup_username(pool, client, typed)?;
    // Before the exchange is spent: a client told its device is gone answers again without
    // it (amazon-cognito-identity-js does, on `ResourceNotFoundException` naming a device).
    let named = responses.get("DEVICE_KEY").map(String::as_str);
    check_device(pool, &username, named)?;
    // One attempt per exchange: a failed proof needs a new InitiateAuth, as on AWS.
    let pending = pool
        .srp_pending
        .remove(&srp_key(&username, block_b64))
        .ok_or_else(|| WireError::not_authorized(INCORRECT))?;
    if pending.client_id != client.id || now >= pending.expires_at {
        return Err(WireError::not_authorized(INCORRECT));
    }
    if !srp_server::timestamp_is_acceptable(timestamp, now) {
        return Err(WireError::not_authorized(INCORRECT));
    }
    let user = pool.users.get(&username).ok_or_else(internal)?;
    let pool_name = pool.srp_pool_name();
    let matches = proof_holds(
        &pending,
        pool_name,
        &username,
        &user.verifier,
        timestamp,
        signature,
    );
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    if !lockout::attempt(user, now, matches)? {
        return Err(WireError::not_authorized(INCORRECT));
    }
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    // AWS's clients name the device here (amazon-cognito-identity-js) or at InitiateAuth.
    let device_key = named.or(pending.device_key.as_deref());
    if let Some(results) = pending.custom {
        // The password step of a custom sign-in: the define trigger decides what follows.
        let device_key = device_key.map(str::to_owned);
        return super::custom_auth::after_password(
            pool,
            region,
            client,
            &username,
            now,
            results,
            device_key.as_ref(),
        );
    }
    after_password(pool, region, client, &username, now, device_key)
}

/// Which operation checks a password: AWS words the refusal differently for SignUp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PasswordCheck {
    SignUp,
    Other,
}

/// Checks `password` against the pool's policy (Cognito's default unless CreateUserPool or
/// UpdateUserPool set one), with AWS's words: SignUp answers `Password did not conform with
/// policy: <reason>`, the other operations `Password does not conform to policy: <reason>`
/// (AWS's texts as its SDKs' users quote them, e.g. aws-amplify/amplify-js#3553 and #6093).
pub(super) fn check_password_policy(
    policy: &PasswordPolicy,
    password: &str,
    check: PasswordCheck,
) -> Result<(), WireError> {
    let problem = if password.chars().count() < policy.minimum_length {
        Some("Password not long enough")
    } else if policy.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
        Some("Password must have lowercase characters")
    } else if policy.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
        Some("Password must have uppercase characters")
    } else if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if policy.require_symbols
        && !password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        Some("Password must have symbol characters")
    } else {
        None
    };
    let prefix = match check {
        PasswordCheck::SignUp => "Password did not conform with policy",
        PasswordCheck::Other => "Password does not conform to policy",
    };
    match problem {
        Some(p) => Err(WireError::json(
            "InvalidPasswordException",
            format!("{prefix}: {p}"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_is_cognitos_default_unless_the_pool_sets_one() {
        let default = PasswordPolicy::default();
        let check =
            |p: &PasswordPolicy, pw: &str| check_password_policy(p, pw, PasswordCheck::Other);
        assert!(check(&default, "Passw0rd!").is_ok());
        for bad in ["Pw0!", "passw0rd!", "PASSW0RD!", "Password!", "Passw0rdX"] {
            assert_eq!(
                check(&default, bad).err().map(|f| f.code()),
                Some("InvalidPasswordException"),
                "{bad}"
            );
        }
        let lax = PasswordPolicy {
            minimum_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
        };
        assert!(check(&lax, "simple").is_ok());
        let short = check_password_policy(&lax, "tiny", PasswordCheck::SignUp).unwrap_err();
        assert_eq!(
            short.message(),
            "Password did not conform with policy: Password not long enough"
        );
        let short = check(&lax, "tiny").unwrap_err();
        assert_eq!(
            short.message(),
            "Password does not conform to policy: Password not long enough"
        );
    }
}
