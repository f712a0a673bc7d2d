//! Tokens after sign-in: refreshing (with optional rotation), revoking a sign-in's family, and
//! global sign-out. Tokens are minted in [`super::outcome`], for a sign-in and a refresh alike.

use super::device::check_refresh_device;
use super::outcome::issue_tokens;
use super::request::{
    Outcome, authorize_access, check_client_secret, check_flow, check_secret_hash, field,
    find_client, pool_mut, required,
};
use crate::calls::RefusalReason;
use crate::state::{AppClient, State, UserPool};
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::SystemTime;

/// How a refresh call proves the client's secret.
pub(super) enum Secret<'a> {
    /// `SECRET_HASH` over the token's user (InitiateAuth REFRESH_TOKEN_AUTH).
    Hash(Option<&'a String>),
    /// The secret itself (GetTokensFromRefreshToken).
    Plain(Option<&'a str>),
}

/// Cognito's `RefreshTokenReuseException` for a refresh token retired by rotation, reused
/// after the client's grace period. AWS publishes the error but not its message; this text
/// follows Cognito's other refresh-token messages ("Refresh Token has been revoked").
fn reused() -> WireError {
    WireError::json(
        "RefreshTokenReuseException",
        "Refresh Token has been reused",
    )
    .with_reason(RefusalReason::RefreshTokenReuse)
}

/// What a refresh presents: the refresh token, the client's proof, and the device's key (pools
/// that track devices bind refresh tokens to one).
pub(super) struct Presented<'a> {
    pub(super) token: &'a str,
    pub(super) secret: Secret<'a>,
    pub(super) device_key: Option<&'a str>,
}

/// New tokens from a refresh token. With `rotate`, a new refresh token replaces the old one;
/// the old one still works for the client's grace period after its first rotation (each use
/// rotating again), then answers `RefreshTokenReuseException`.
pub(super) fn refresh(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    presented: Presented<'_>,
    rotate: bool,
) -> Outcome {
    let Presented {
        token,
        secret,
        device_key,
    } = presented;
    let invalid = || {
        WireError::not_authorized("Invalid Refresh Token")
            .with_reason(RefusalReason::RefreshTokenInvalid)
    };
    let record = pool
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(invalid)?;
    if record.client_id != client.id {
        return Err(invalid());
    }
    match secret {
        // Cognito's username, not an alias the person may have typed.
        Secret::Hash(h) => check_secret_hash(client, &record.username, h.map(String::as_str))?,
        Secret::Plain(p) => check_client_secret(client, p)?,
    }
    if record.revoked {
        return Err(WireError::not_authorized("Refresh Token has been revoked")
            .with_reason(RefusalReason::RefreshTokenRevoked));
    }
    if now >= record.expires_at {
        return Err(WireError::not_authorized("Refresh Token has expired")
            .with_reason(RefusalReason::RefreshTokenExpired));
    }
    check_refresh_device(pool, record.device_key.as_deref(), device_key)?;
    if let Some(retired) = record.retired_at
        && now >= retired + client.refresh_token_grace
    {
        return Err(reused());
    }
    let user = pool
        .users
        .get(&record.username)
        .ok_or_else(|| WireError::json("UserNotFoundException", "User does not exist."))?;
    if !user.enabled {
        return Err(WireError::not_authorized("User is disabled."));
    }
    let tokens = issue_tokens(
        pool,
        region,
        client,
        &record.username,
        now,
        Some((record.origin_jti.clone(), record.auth_time)),
        record.device_key.as_deref(),
        rotate,
    )?;
    if let (Some(bound), Some(new)) = (&record.device_key, tokens["RefreshToken"].as_str())
        && let Some(new) = pool.refresh_tokens.get_mut(new)
    {
        // A rotated token stays bound to its sign-in's device.
        new.device_key = Some(bound.clone());
    }
    if rotate {
        // Retired: after the grace period the old token no longer refreshes, but its family
        // (origin_jti) lives on. The grace period counts from the first rotation.
        if let Some(old) = pool.refresh_tokens.get_mut(token) {
            old.retired_at.get_or_insert(now);
        }
    }
    Ok(tokens)
}

/// GetTokensFromRefreshToken: new tokens, and a new refresh token when the client rotates.
pub(super) fn get_tokens_from_refresh_token(
    st: &mut State,
    now: SystemTime,
    req: &Value,
) -> Outcome {
    let token = required(req, "RefreshToken")?;
    let client_id = required(req, "ClientId")?;
    let (pool_id, client) = find_client(st, client_id)?;
    check_flow(&client, "REFRESH_TOKEN_AUTH")?;
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    let rotate = client.refresh_token_rotation;
    let tokens = refresh(
        pool,
        &region,
        &client,
        now,
        Presented {
            token,
            secret: Secret::Plain(field(req, "ClientSecret")),
            device_key: field(req, "DeviceKey"),
        },
        rotate,
    )?;
    Ok(json!({ "AuthenticationResult": tokens }))
}

/// RevokeToken: retires a refresh token's whole sign-in, its access tokens included.
pub(super) fn revoke_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "Token")?;
    let client_id = required(req, "ClientId")?;
    let (pool_id, client) = find_client(st, client_id)?;
    check_client_secret(&client, field(req, "ClientSecret"))?;
    let pool = pool_mut(st, &pool_id)?;
    let Some(record) = pool.refresh_tokens.get(token).cloned() else {
        if token.split('.').count() == 3 {
            return Err(WireError::json(
                "UnsupportedTokenTypeException",
                "Unsupported token type",
            ));
        }
        // RFC 7009: revoking an unknown token is not an error.
        return Ok(json!({}));
    };
    if record.client_id != client.id {
        return Err(WireError::json(
            "UnauthorizedException",
            "Token does not belong to this client",
        ));
    }
    pool.revoke_sign_in(&record.origin_jti, now);
    Ok(json!({}))
}

/// GlobalSignOut: revokes every refresh token of the user and their access tokens.
pub(super) fn global_sign_out(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let pool = pool_mut(st, &pool_id)?;
    if let Some(user) = pool.users.get_mut(&username) {
        user.signed_out_at = Some(now);
    }
    pool.revoke_user(&username, now);
    Ok(json!({}))
}
