//! InitiateAuth and RespondToAuthChallenge: each call's client and parameters are read, and
//! the call goes to the flow that serves it: the password flows and their challenges
//! (`sign_in`), choice-based sign-in (`user_auth`), CUSTOM_AUTH (`custom_auth`), the device
//! challenges (`device`) and refresh tokens (`refresh`). The flows do not route back here.

use super::refresh::{Presented, Secret, refresh};
use super::request::{
    Outcome, check_flow, check_secret_hash, find_client, param, pool_mut, required, string_map,
};
use super::session::Answer;
use super::{custom_auth, device, sign_in, user_auth};
use crate::state::State;
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::SystemTime;

/// InitiateAuth: USER_SRP_AUTH and USER_PASSWORD_AUTH go on in `sign_in`, USER_AUTH in
/// `user_auth`, CUSTOM_AUTH in `custom_auth`; REFRESH_TOKEN_AUTH is answered here (`refresh`).
pub(super) fn initiate_auth(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let flow = required(req, "AuthFlow")?;
    let client_id = required(req, "ClientId")?;
    match flow {
        "USER_SRP_AUTH" | "USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {}
        "USER_AUTH" => {
            let (pool_id, client) = find_client(st, client_id)?;
            let params = string_map(req, "AuthParameters");
            let region = st.region.clone();
            let pool = pool_mut(st, &pool_id)?;
            return user_auth::initiate(pool, &region, &client, now, &params);
        }
        "CUSTOM_AUTH" => {
            let (pool_id, client) = find_client(st, client_id)?;
            check_flow(&client, flow)?;
            let params = string_map(req, "AuthParameters");
            let region = st.region.clone();
            let pool = pool_mut(st, &pool_id)?;
            return custom_auth::initiate(pool, &region, &client, now, &params);
        }
        "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => {
            return Err(WireError::invalid_parameter(
                "Initiate Auth method not supported.",
            ));
        }
        other => {
            return Err(WireError::invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
            )));
        }
    }
    let (pool_id, client) = find_client(st, client_id)?;
    check_flow(&client, flow)?;
    let params = string_map(req, "AuthParameters");
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    match flow {
        "USER_SRP_AUTH" => sign_in::start_srp(pool, &region, &client, now, &params),
        "USER_PASSWORD_AUTH" => sign_in::password_auth(pool, &region, &client, now, &params),
        _ => {
            // AWS: "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh
            // token rotation enabled."
            if client.refresh_token_rotation {
                return Err(WireError::invalid_parameter(
                    "REFRESH_TOKEN_AUTH is not supported for app clients with refresh token rotation enabled; use GetTokensFromRefreshToken",
                ));
            }
            let token = param(&params, "REFRESH_TOKEN")?;
            let tokens = refresh(
                pool,
                &region,
                &client,
                now,
                Presented {
                    token,
                    secret: Secret::Hash(params.get("SECRET_HASH")),
                    device_key: params.get("DEVICE_KEY").map(String::as_str),
                },
                false,
            )?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
    }
}

/// RespondToAuthChallenge: the answer to the challenge an open session waits for, handed to
/// the flow whose challenge it is.
pub(super) fn respond_to_auth_challenge(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let client_id = required(req, "ClientId")?;
    let name = required(req, "ChallengeName")?;
    let (pool_id, client) = find_client(st, client_id)?;
    let responses = string_map(req, "ChallengeResponses");
    // AWS's own words for an answer with no responses at all (measured by MiniStack's authors).
    if responses.is_empty() {
        return Err(WireError::invalid_parameter(
            "Missing required parameter challenge responses.",
        ));
    }
    let typed = param(&responses, "USERNAME")?;
    check_secret_hash(
        &client,
        typed,
        responses.get("SECRET_HASH").map(String::as_str),
    )?;
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    let answer = Answer {
        region: &region,
        client: &client,
        now,
        name,
        req,
        responses: &responses,
    };
    match name {
        "PASSWORD_VERIFIER" => sign_in::password_verifier(pool, &region, &client, now, &responses),
        "DEVICE_SRP_AUTH" | "DEVICE_PASSWORD_VERIFIER" => device::respond(pool, answer),
        custom_auth::CUSTOM_CHALLENGE => custom_auth::respond(pool, answer),
        "SELECT_CHALLENGE" | "WEB_AUTHN" => user_auth::respond(pool, answer),
        "NEW_PASSWORD_REQUIRED"
        | "SOFTWARE_TOKEN_MFA"
        | "SMS_MFA"
        | "EMAIL_OTP"
        | "SMS_OTP"
        | "SELECT_MFA_TYPE"
        | "MFA_SETUP" => sign_in::respond(pool, answer),
        _ => Err(WireError::invalid_parameter(format!(
            "Unsupported challenge {name}"
        ))),
    }
}
