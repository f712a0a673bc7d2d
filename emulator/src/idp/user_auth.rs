//! Choice-based sign-in: InitiateAuth `USER_AUTH`, the `SELECT_CHALLENGE` answer and the
//! `WEB_AUTHN` answer. The password factors reuse USER_PASSWORD_AUTH and USER_SRP_AUTH (MFA may
//! follow them); one-time codes reuse the MFA codes' delivery, expiry and attempt limit
//! (`EMAIL_OTP` / `SMS_OTP` are answered where `EMAIL_OTP` MFA is); a passkey is checked in
//! [`super::webauthn`].
//!
//! Which first factors a user gets (emulator's choices, CHOICES.md): `PASSWORD` and
//! `PASSWORD_SRP` always; `EMAIL_OTP` with an `email`, `SMS_OTP` with a `phone_number` (neither
//! marked unverified), `WEB_AUTHN` with a registered passkey, when the pool's
//! `allowed_first_auth_factors` allow them, the account is confirmed and neither the user nor
//! the pool has MFA on (AWS: passwordless sign-in and MFA do not go together; a passwordless
//! factor is the whole sign-in, no MFA follows it).

use super::outcome::{enabled_mfa, mfa_challenge, sign_in_tokens};
use super::request::{Outcome, check_secret_hash, internal, lookup_username, param};
use super::session::{Answer, open_challenge};
use super::sign_in::{password_auth, start_srp};
use super::webauthn::{request_options, verify_assertion};
use crate::state::{AppClient, User, UserPool, UserStatus};
use crate::wire::WireError;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Every first factor, in the order `AvailableChallenges` lists them (emulator's choice: the
/// order of AWS's `AuthFactorType` enum, `PASSWORD_SRP` after `PASSWORD`).
const ORDER: [&str; 5] = [
    "PASSWORD",
    "PASSWORD_SRP",
    "EMAIL_OTP",
    "SMS_OTP",
    "WEB_AUTHN",
];

/// The first factors `user` may sign in with.
fn available(pool: &UserPool, user: &User) -> Vec<&'static str> {
    let usable = |attr: &str| {
        user.attributes
            .get(attr)
            .is_some_and(|v| !v.trim().is_empty())
            && user
                .attributes
                .get(&format!("{attr}_verified"))
                .map(String::as_str)
                != Some("false")
    };
    let passwordless =
        user.status == UserStatus::Confirmed && enabled_mfa(user).is_empty() && !pool.mfa_required;
    let policy = &pool.passwordless;
    ORDER
        .into_iter()
        .filter(|f| match *f {
            "EMAIL_OTP" => passwordless && policy.allows(f) && usable("email"),
            "SMS_OTP" => passwordless && policy.allows(f) && usable("phone_number"),
            "WEB_AUTHN" => {
                passwordless
                    && policy.allows(f)
                    && policy
                        .passkeys
                        .get(&user.sub)
                        .is_some_and(|k| !k.is_empty())
            }
            _ => true,
        })
        .collect()
}

/// InitiateAuth `USER_AUTH`: the preferred factor when the user has it, else SELECT_CHALLENGE.
pub(super) fn initiate(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    // AWS's words for a flow the client does not allow (as for the other flows).
    if !client
        .explicit_auth_flows
        .iter()
        .any(|f| f == "ALLOW_USER_AUTH")
    {
        return Err(WireError::invalid_parameter(
            "USER_AUTH flow not enabled for this client",
        ));
    }
    let typed = param(params, "USERNAME")?;
    check_secret_hash(client, typed, params.get("SECRET_HASH").map(String::as_str))?;
    let username = lookup_username(pool, client, typed)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    if user.status == UserStatus::Unconfirmed {
        return Err(WireError::json(
            "UserNotConfirmedException",
            "User is not confirmed.",
        ));
    }
    let factors = available(pool, user);
    match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
        None | Some("") => {}
        // The password factors carry their answer in InitiateAuth, as Amplify sends them.
        Some("PASSWORD") => return password_auth(pool, region, client, now, params),
        Some("PASSWORD_SRP") => return start_srp(pool, region, client, now, params),
        Some(p @ ("EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN")) => {
            if factors.contains(&p) {
                return open_factor(pool, client, &username, p, now);
            }
        }
        Some(other) => {
            return Err(WireError::invalid_parameter(format!(
                "Invalid PREFERRED_CHALLENGE {other}: expected one of {}",
                ORDER.join(", ")
            )));
        }
    }
    let mut challenge = open_challenge(
        pool,
        &username,
        &client.id,
        "SELECT_CHALLENGE",
        now,
        |_| {},
        json!({}),
    );
    challenge["AvailableChallenges"] = json!(factors);
    Ok(challenge)
}

/// Opens the challenge of a passwordless factor: a code sent for EMAIL_OTP and SMS_OTP (as
/// for MFA), a passkey request for WEB_AUTHN.
fn open_factor(
    pool: &mut UserPool,
    client: &AppClient,
    username: &str,
    factor: &str,
    now: SystemTime,
) -> Outcome {
    if factor != "WEB_AUTHN" {
        return mfa_challenge(pool, client, username, factor, now);
    }
    let sub = pool.users.get(username).ok_or_else(internal)?.sub.clone();
    let (options, challenge) = request_options(pool, &sub);
    Ok(open_challenge(
        pool,
        username,
        &client.id,
        "WEB_AUTHN",
        now,
        // The challenge lives and dies with its session, as a sent code does.
        |open| open.code = Some(challenge),
        json!({
            "CREDENTIAL_REQUEST_OPTIONS": options,
            "USERNAME": username,
        }),
    ))
}

/// RespondToAuthChallenge `SELECT_CHALLENGE` or `WEB_AUTHN` (`USERNAME` and `SECRET_HASH`
/// already checked by the caller).
pub(super) fn respond(pool: &mut UserPool, answer: Answer<'_>) -> Outcome {
    let (region, client, now) = (answer.region, answer.client, answer.now);
    let (name, responses) = (answer.name, answer.responses);
    let (session_id, open) = answer.session(pool)?;
    if open.challenge != name {
        return Err(WireError::invalid_parameter(format!(
            "Invalid challenge {name}: the session is waiting for {}",
            open.challenge
        )));
    }
    let username = open.username.clone();
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if name == "WEB_AUTHN" {
        let credential = param(responses, "CREDENTIAL")?;
        let sub = user.sub.clone();
        let challenge = open.code.clone().unwrap_or_default();
        // One assertion per challenge, right or wrong, as one SRP proof per exchange.
        pool.sessions.remove(session_id);
        verify_assertion(pool, &sub, &challenge, credential)
            .map_err(|e| WireError::not_authorized(e.message().to_owned()))?;
        // A passkey is the whole sign-in: no MFA. In a pool that tracks devices the sign-in
        // ends on a new device, as after a code.
        return sign_in_tokens(pool, region, client, &username, now, None);
    }
    let answer = param(responses, "ANSWER")?;
    let factors = available(pool, user);
    if !factors.contains(&answer) {
        return Err(WireError::invalid_parameter(format!(
            "Invalid ANSWER {answer}: the user can choose {}",
            factors.join(", ")
        )));
    }
    // The password factors' answers come with the choice; checked before the session goes.
    match answer {
        "PASSWORD" => drop(param(responses, "PASSWORD")?),
        "PASSWORD_SRP" => drop(param(responses, "SRP_A")?),
        _ => {}
    }
    pool.sessions.remove(session_id);
    match answer {
        "PASSWORD" => password_auth(pool, region, client, now, responses),
        "PASSWORD_SRP" => start_srp(pool, region, client, now, responses),
        factor => {
            let factor = ORDER
                .into_iter()
                .find(|f| *f == factor)
                .ok_or_else(internal)?;
            open_factor(pool, client, &username, factor, now)
        }
    }
}
