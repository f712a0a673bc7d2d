//! Reading a cognito-idp request and checking who sends it: members, the app client and its
//! secret, the allowed flows, the user, and access tokens.

use crate::crypto::{ct_eq, hmac_sha256};
use crate::keys::{self, claim_str};
use crate::state::{AppClient, State, UserPool};
use crate::time::epoch_secs;
use crate::wire::{Service, WireError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::Mac;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::SystemTime;

pub(super) const INCORRECT: &str = "Incorrect username or password.";

/// An answer: the operation's JSON result, or an AWS error.
pub(super) type Outcome = Result<Value, WireError>;

/// The error for a state the emulator should never reach; AWS's name and message for it.
pub(super) fn internal() -> WireError {
    WireError::json("InternalErrorException", "Internal error")
}

/// A missing `AuthParameters` or `ChallengeResponses` entry, as Cognito words it.
pub(super) fn missing(param: &str) -> WireError {
    WireError::invalid_parameter(format!("Missing required parameter {param}"))
}

/// An optional string member.
pub(super) fn field<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Value::as_str)
}

/// A required top-level member, with AWS's validation message when it is absent.
pub(super) fn required<'a>(req: &'a Value, name: &str) -> Result<&'a str, WireError> {
    Service::CognitoIdp.required(req, name)
}

/// A string-to-string map member (`AuthParameters`, `ChallengeResponses`).
pub(super) fn string_map(req: &Value, name: &str) -> BTreeMap<String, String> {
    req.get(name)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A required entry of `AuthParameters` or `ChallengeResponses`.
pub(super) fn param<'a>(
    params: &'a BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, WireError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| missing(name))
}

/// The pool id and a copy of the app client.
pub(super) fn find_client(st: &State, client_id: &str) -> Result<(String, AppClient), WireError> {
    st.user_pools
        .values()
        .find_map(|p| p.clients.get(client_id).map(|c| (p.id.clone(), c.clone())))
        .ok_or_else(|| {
            WireError::json(
                "ResourceNotFoundException",
                format!("User pool client {client_id} does not exist."),
            )
        })
}

/// The pool of a client found earlier in the same request (so it exists).
pub(super) fn pool_mut<'a>(
    st: &'a mut State,
    pool_id: &str,
) -> Result<&'a mut UserPool, WireError> {
    st.user_pools.get_mut(pool_id).ok_or_else(internal)
}

/// Checks `SECRET_HASH` = Base64(HMAC-SHA256(secret, username ‖ clientId)) when the client has a
/// secret.
pub(super) fn check_secret_hash(
    client: &AppClient,
    username: &str,
    provided: Option<&str>,
) -> Result<(), WireError> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(WireError::not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )));
    };
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(username.as_bytes());
    mac.update(client.id.as_bytes());
    let ok = B64
        .decode(provided.trim())
        .is_ok_and(|p| mac.verify_slice(&p).is_ok());
    if ok {
        Ok(())
    } else {
        Err(WireError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Checks the `ClientSecret` member (GetTokensFromRefreshToken, RevokeToken).
pub(super) fn check_client_secret(
    client: &AppClient,
    provided: Option<&str>,
) -> Result<(), WireError> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    match provided {
        None => Err(WireError::not_authorized(format!(
            "Client {} is configured for secret but secret was not received",
            client.id
        ))),
        Some(p) if ct_eq(p.as_bytes(), secret.as_bytes()) => Ok(()),
        Some(_) => Err(WireError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        ))),
    }
}

/// The flow must be among the client's `ExplicitAuthFlows` (new `ALLOW_` names or the legacy
/// ones).
pub(super) fn check_flow(client: &AppClient, flow: &str) -> Result<(), WireError> {
    let (allow, legacy) = match flow {
        "USER_SRP_AUTH" => ("ALLOW_USER_SRP_AUTH", None),
        "USER_PASSWORD_AUTH" => ("ALLOW_USER_PASSWORD_AUTH", Some("USER_PASSWORD_AUTH")),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            ("ALLOW_ADMIN_USER_PASSWORD_AUTH", Some("ADMIN_NO_SRP_AUTH"))
        }
        "CUSTOM_AUTH" => ("ALLOW_CUSTOM_AUTH", Some("CUSTOM_AUTH_FLOW_ONLY")),
        _ => ("ALLOW_REFRESH_TOKEN_AUTH", None),
    };
    let flows = &client.explicit_auth_flows;
    // AWS: without ExplicitAuthFlows a client allows ALLOW_REFRESH_TOKEN_AUTH,
    // ALLOW_USER_SRP_AUTH and ALLOW_CUSTOM_AUTH. With only the legacy values (no `ALLOW_`
    // prefix), SRP and refresh stay on as they were before the `ALLOW_` values existed, SRP
    // unless CUSTOM_AUTH_FLOW_ONLY (the emulator's reading of the legacy settings).
    let legacy_only = !flows.iter().any(|f| f.starts_with("ALLOW_"));
    let implied = legacy_only
        && match flow {
            "USER_SRP_AUTH" => !flows.iter().any(|f| f == "CUSTOM_AUTH_FLOW_ONLY"),
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => false,
            _ => true,
        };
    if implied
        || flows
            .iter()
            .any(|f| f == allow || Some(f.as_str()) == legacy)
    {
        Ok(())
    } else {
        let name = if flow == "REFRESH_TOKEN" {
            "REFRESH_TOKEN_AUTH"
        } else {
            flow
        };
        Err(WireError::invalid_parameter(format!(
            "{name} flow not enabled for this client"
        )))
    }
}

/// Finds a user by what was typed; the error depends on the app client's
/// PreventUserExistenceErrors.
pub(super) fn lookup_username(
    pool: &UserPool,
    client: &AppClient,
    typed: &str,
) -> Result<String, WireError> {
    pool.find_user(typed)
        .map(|u| u.username.clone())
        .ok_or_else(|| {
            if client.prevent_user_existence_errors {
                WireError::not_authorized(INCORRECT)
            } else {
                WireError::json("UserNotFoundException", "User does not exist.")
            }
        })
}

/// Checks an access token as Cognito's own APIs do (signature, issuer, `token_use`, expiry,
/// revocation, sign-out) and returns the pool id and username.
pub(super) fn authorize_access(
    st: &State,
    now: SystemTime,
    token: &str,
) -> Result<(String, String), WireError> {
    check_access(st, now, token, true)
}

/// [`authorize_access`] without the sign-in scope: for the OAuth `userInfo` endpoint, which
/// takes any access token of the pool (it checks `openid` itself).
pub(super) fn authorize_any_access(
    st: &State,
    now: SystemTime,
    token: &str,
) -> Result<(String, String), WireError> {
    check_access(st, now, token, false)
}

fn check_access(
    st: &State,
    now: SystemTime,
    token: &str,
    need_signin_scope: bool,
) -> Result<(String, String), WireError> {
    let invalid = || WireError::not_authorized("Invalid Access Token");
    let (_, claims, _, _) = keys::split(token).map_err(|_| invalid())?;
    let iss = claim_str(&claims, "iss").ok_or_else(invalid)?;
    let pool = st
        .user_pools
        .values()
        .find(|p| p.issuer(&st.region) == iss)
        .ok_or_else(invalid)?;
    pool.key.verify(token).map_err(|_| invalid())?;
    if claim_str(&claims, "token_use") != Some("access") {
        return Err(invalid());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or_else(invalid)?;
    if epoch_secs(now) >= exp {
        return Err(WireError::not_authorized("Access Token has expired"));
    }
    // Cognito's user operations need the sign-in scope: an OAuth access token granted only
    // `openid email` is refused (AWS's text, quoted in aws-amplify/amplify-js#3730 and the
    // Cognito developer guide on the `aws.cognito.signin.user.admin` scope).
    let scoped = claim_str(&claims, "scope").is_some_and(|s| {
        s.split_whitespace()
            .any(|x| x == "aws.cognito.signin.user.admin")
    });
    if need_signin_scope && !scoped {
        return Err(WireError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    let username = claim_str(&claims, "username").ok_or_else(invalid)?;
    let user = pool
        .users
        .get(username)
        .ok_or_else(|| WireError::json("UserNotFoundException", "User does not exist."))?;
    let origin = claim_str(&claims, "origin_jti").unwrap_or_default();
    let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
    let signed_out = user.signed_out_at.is_some_and(|t| iat < epoch_secs(t));
    if pool.revoked_origin_jtis.contains_key(origin) || signed_out {
        return Err(WireError::not_authorized("Access Token has been revoked"));
    }
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    Ok((pool.id.clone(), user.username.clone()))
}
