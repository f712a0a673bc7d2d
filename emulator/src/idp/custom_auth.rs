//! CUSTOM_AUTH: a sign-in whose challenges the pool's own functions decide (the Cognito
//! developer guide's "Custom authentication challenge Lambda triggers"). The define trigger
//! reads the challenges so far (`request.session`) and answers the next challenge, tokens
//! (`issueTokens`) or failure (`failAuthentication`); the create trigger makes a
//! `CUSTOM_CHALLENGE` (public parameters for the client, private ones for the verify
//! trigger); the verify trigger judges each answer. With `SRP_A` among InitiateAuth's
//! parameters (and `CHALLENGE_NAME=SRP_A`, as Amplify sends them), the first challenge is
//! `SRP_A`, and a define trigger that answers `PASSWORD_VERIFIER` makes the user prove the
//! password by SRP before the custom challenges.
//!
//! Every answer to a custom challenge opens a new session (the old one is spent), so the
//! session grows by one challenge per round, as on AWS.
//!
//! Emulator's choices (AWS publishes no behaviour for them): the define trigger may answer
//! only `CUSTOM_CHALLENGE` or, right after `SRP_A`, `PASSWORD_VERIFIER`; any other challenge
//! name, or an answer with neither a challenge, tokens nor failure, is
//! `InvalidLambdaResponseException`. Tokens end the sign-in without MFA (the functions are
//! the second factor).

use super::lifecycle;
use super::outcome::sign_in_tokens;
use super::request::{INCORRECT, Outcome, internal, lookup_username, param};
use super::session::{
    Answer, open_challenge, open_srp_exchange, parse_srp_a, password_verifier_challenge, srp_key,
};
use super::triggers::{self, Caller, Trigger, unrecognizable};
use crate::state::{AppClient, ChallengeResult, CustomChallenge, UserPool, UserStatus};
use crate::wire::WireError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The challenge name of a custom challenge.
pub(super) const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";

/// AWS's answer when CUSTOM_AUTH meets a pool without its triggers.
fn not_configured() -> WireError {
    WireError::invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
}

fn caller<'a>(pool: &'a UserPool, region: &'a str, client: &'a AppClient) -> Caller<'a> {
    Caller {
        pool,
        region,
        client_id: Some(&client.id),
    }
}

/// InitiateAuth (and AdminInitiateAuth) with `CUSTOM_AUTH`.
pub(super) fn initiate(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(params, "USERNAME")?;
    super::request::check_secret_hash(
        client,
        typed,
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    if !triggers::configured(pool, Trigger::DefineAuthChallenge) {
        return Err(not_configured());
    }
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
    let srp_a = match params.get("SRP_A") {
        Some(a) => Some(parse_srp_a(a)?),
        None => None,
    };
    lifecycle::pre_authentication(caller(pool, region, client), user)?;
    let results = match srp_a {
        Some(_) => vec![ChallengeResult {
            name: "SRP_A".into(),
            result: true,
            metadata: None,
        }],
        None => Vec::new(),
    };
    next(
        pool,
        region,
        client,
        &username,
        now,
        results,
        srp_a,
        params.get("DEVICE_KEY"),
    )
}

/// Asks the define trigger what follows `results`, and opens that challenge (or issues the
/// tokens, or fails).
#[allow(clippy::too_many_arguments)]
fn next(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    results: Vec<ChallengeResult>,
    srp_a: Option<Vec<u8>>,
    device_key: Option<&String>,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert("session".into(), session_json(&results));
    request.insert("userNotFound".into(), json!(false));
    let response = triggers::invoke(
        caller(pool, region, client),
        Trigger::DefineAuthChallenge,
        "DefineAuthChallenge_Authentication",
        username,
        request,
    )?
    .ok_or_else(not_configured)?;
    if triggers::flag(&response, "failAuthentication")? {
        return Err(WireError::not_authorized(INCORRECT));
    }
    if triggers::flag(&response, "issueTokens")? {
        return sign_in_tokens(
            pool,
            region,
            client,
            username,
            now,
            device_key.map(String::as_str),
        );
    }
    match triggers::text(&response, "challengeName")? {
        Some(CUSTOM_CHALLENGE) => create(pool, region, client, username, now, results),
        Some("PASSWORD_VERIFIER") if results.last().is_some_and(|r| r.name == "SRP_A") => {
            let a_pub = srp_a.ok_or_else(unrecognizable)?;
            password_verifier(pool, client, username, now, a_pub, results, device_key)
        }
        _ => Err(unrecognizable()),
    }
}

/// The define trigger's `request.session`.
fn session_json(results: &[ChallengeResult]) -> Value {
    Value::Array(
        results
            .iter()
            .map(|r| {
                json!({
                    "challengeName": r.name,
                    "challengeResult": r.result,
                    "challengeMetadata": r.metadata,
                })
            })
            .collect(),
    )
}

/// The create trigger, then the `CUSTOM_CHALLENGE` with its public parameters.
fn create(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    results: Vec<ChallengeResult>,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert("challengeName".into(), json!(CUSTOM_CHALLENGE));
    request.insert("session".into(), session_json(&results));
    request.insert("userNotFound".into(), json!(false));
    let response = triggers::invoke(
        caller(pool, region, client),
        Trigger::CreateAuthChallenge,
        "CreateAuthChallenge_Authentication",
        username,
        request,
    )?
    .ok_or_else(not_configured)?;
    let public = triggers::string_map(&response, "publicChallengeParameters")?;
    let private = triggers::string_map(&response, "privateChallengeParameters")?;
    let metadata = triggers::text(&response, "challengeMetadata")?.map(str::to_owned);
    let mut parameters = public;
    parameters.insert("USERNAME".into(), json!(username));
    Ok(open_challenge(
        pool,
        username,
        &client.id,
        CUSTOM_CHALLENGE,
        now,
        |open| {
            open.custom = Some(CustomChallenge {
                results,
                private,
                metadata,
            })
        },
        Value::Object(parameters),
    ))
}

/// The password step of a custom sign-in: an SRP exchange whose proof goes back to the
/// define trigger (`PASSWORD_VERIFIER` answered in `sign_in`).
fn password_verifier(
    pool: &mut UserPool,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    a_pub: Vec<u8>,
    results: Vec<ChallengeResult>,
    device_key: Option<&String>,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let salt_hex = crate::srp_server::number_hex(&user.salt);
    let verifier = user.verifier.clone();
    let (b_hex, block_b64) = open_srp_exchange(
        pool,
        username,
        &client.id,
        &verifier,
        a_pub,
        now,
        device_key.cloned(),
    )?;
    if let Some(pending) = pool.srp_pending.get_mut(&srp_key(username, &block_b64)) {
        pending.custom = Some(results);
    }
    Ok(password_verifier_challenge(
        salt_hex, b_hex, block_b64, username,
    ))
}

/// A custom sign-in's password proven: back to the define trigger with `PASSWORD_VERIFIER`
/// added to the challenges.
pub(super) fn after_password(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    mut results: Vec<ChallengeResult>,
    device_key: Option<&String>,
) -> Outcome {
    results.push(ChallengeResult {
        name: "PASSWORD_VERIFIER".into(),
        result: true,
        metadata: None,
    });
    next(
        pool, region, client, username, now, results, None, device_key,
    )
}

/// RespondToAuthChallenge `CUSTOM_CHALLENGE`: the verify trigger judges `ANSWER`, then the
/// define trigger decides.
pub(super) fn respond(pool: &mut UserPool, answer: Answer<'_>) -> Outcome {
    let (region, client, now) = (answer.region, answer.client, answer.now);
    let responses = answer.responses;
    let (session_id, open) = answer.session(pool)?;
    let Some(custom) = open.custom.clone() else {
        return Err(WireError::invalid_parameter(format!(
            "Invalid challenge {CUSTOM_CHALLENGE}: the session is waiting for {}",
            open.challenge
        )));
    };
    let answer = param(responses, "ANSWER")?;
    let username = open.username.clone();
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !triggers::configured(pool, Trigger::VerifyAuthChallengeResponse) {
        return Err(not_configured());
    }
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert(
        "privateChallengeParameters".into(),
        Value::Object(custom.private.clone()),
    );
    request.insert("challengeAnswer".into(), json!(answer));
    request.insert("userNotFound".into(), json!(false));
    let response = triggers::invoke(
        caller(pool, region, client),
        Trigger::VerifyAuthChallengeResponse,
        "VerifyAuthChallengeResponse_Authentication",
        &username,
        request,
    )?
    .ok_or_else(not_configured)?;
    let correct = triggers::flag(&response, "answerCorrect")?;
    // One answer per session: the next round (if any) has a session of its own.
    pool.sessions.remove(session_id);
    let mut results = custom.results;
    results.push(ChallengeResult {
        name: CUSTOM_CHALLENGE.into(),
        result: correct,
        metadata: custom.metadata,
    });
    next(
        pool,
        region,
        client,
        &username,
        now,
        results,
        None,
        open.device_key.as_ref(),
    )
}
