//! The managed login's OAuth 2.0 endpoints, on each user pool's emulated domain
//! `<endpoint>/<pool id>`: `/oauth2/authorize` (a sign-in page), `/login` (its form),
//! `/oauth2/token` (authorization code with PKCE, refresh token, client credentials),
//! `/oauth2/userInfo`, `/oauth2/revoke`, `/logout` and `/.well-known/openid-configuration`.
//!
//! Answers follow Cognito's: token errors are `400 {"error": "<name>"}` with RFC 6749's names,
//! a code lives 5 minutes and is spent by its first exchange, redirect URIs are compared
//! exactly with the app client's callback URLs. Where the emulator chose (its sign-in page, MFA
//! users, `invalid_client` as 400), `CHOICES.md` says so.

mod page;
mod token;

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::SystemTime;

use super::request::authorize_any_access;
use crate::state::{AppClient, Shared, State, UserPool};

/// The endpoints, by their path under the domain.
const ENDPOINTS: [&str; 7] = [
    "oauth2/authorize",
    "login",
    "oauth2/token",
    "oauth2/userInfo",
    "oauth2/revoke",
    "logout",
    ".well-known/openid-configuration",
];

/// `(pool id, endpoint)` when `path` is `/<pool id>/<endpoint>`.
pub(crate) fn parse_path(path: &str) -> Option<(String, &'static str)> {
    let (pool, rest) = path.trim_start_matches('/').split_once('/')?;
    let endpoint = ENDPOINTS.into_iter().find(|e| *e == rest)?;
    (pool.contains('_')).then(|| (pool.to_owned(), endpoint))
}

/// What an endpoint was asked.
pub(crate) struct OAuthRequest<'a> {
    pub(crate) pool_id: &'a str,
    pub(crate) endpoint: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Serves one request to a pool's domain.
pub(crate) fn handle(shared: &Shared, req: &OAuthRequest<'_>) -> Response {
    let now = shared.now();
    let mut st = shared.lock();
    if !st.user_pools.contains_key(req.pool_id) {
        return (StatusCode::NOT_FOUND, "no such user pool domain").into_response();
    }
    if (req.endpoint, req.method) == ("oauth2/token", &Method::POST) {
        // RSA signing runs after the lock is released, as for the API's operations.
        let (answer, deferred) = crate::keys::defer_signing(|| token::token(&mut st, now, req));
        drop(st);
        return match answer {
            Ok(mut body) => {
                deferred.sign_into(&mut body);
                (StatusCode::OK, axum::Json(body)).into_response()
            }
            Err(error) => oauth_error(error, None),
        };
    }
    match (req.endpoint, req.method) {
        ("oauth2/authorize", &Method::GET) => page::authorize(&st, req),
        ("login", &Method::POST) => page::login(&mut st, now, req),
        ("oauth2/userInfo", &Method::GET | &Method::POST) => user_info(&st, now, req),
        ("oauth2/revoke", &Method::POST) => revoke(&mut st, now, req),
        ("logout", &Method::GET) => logout(&st, req),
        (".well-known/openid-configuration", &Method::GET) => discovery(&st, req),
        _ => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response(),
    }
}

/// The form or query parameters `name`.
pub(crate) fn param(raw: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// An OAuth error answer: `400 {"error": name}` (401 for `invalid_token`).
pub(crate) fn oauth_error(name: &str, description: Option<&str>) -> Response {
    let status = if name == "invalid_token" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut body = json!({ "error": name });
    if let Some(d) = description {
        body["error_description"] = json!(d);
    }
    (status, axum::Json(body)).into_response()
}

/// The app client a request names, with its pool.
pub(crate) fn client_of<'s>(
    st: &'s State,
    pool_id: &str,
    client_id: &str,
) -> Option<(&'s UserPool, &'s AppClient)> {
    let pool = st.user_pools.get(pool_id)?;
    Some((pool, pool.clients.get(client_id)?))
}

/// The client a token-endpoint call authenticates as: HTTP Basic, else `client_id` (and
/// `client_secret`) in the body; its secret checked if it has one. Else `invalid_client`.
pub(crate) fn authenticate<'s>(
    st: &'s State,
    req: &OAuthRequest<'_>,
) -> Result<(&'s UserPool, &'s AppClient), &'static str> {
    let invalid = || "invalid_client";
    let basic = req
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let (client_id, secret) = match &basic {
        Some(pair) => {
            let (id, secret) = pair.split_once(':').ok_or_else(invalid)?;
            (id.to_owned(), Some(secret.to_owned()))
        }
        None => (
            param(req.body, "client_id").ok_or_else(invalid)?,
            param(req.body, "client_secret"),
        ),
    };
    let (pool, client) = client_of(st, req.pool_id, &client_id).ok_or_else(invalid)?;
    match (&client.secret, secret) {
        (None, _) => Ok((pool, client)),
        (Some(expected), Some(given))
            if crate::crypto::ct_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok((pool, client))
        }
        _ => Err(invalid()),
    }
}

/// `/oauth2/userInfo`: the user's attributes, for an access token with the `openid` scope.
fn user_info(st: &State, now: SystemTime, req: &OAuthRequest<'_>) -> Response {
    let token = req
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    let Some(token) = token else {
        return oauth_error("invalid_token", Some("Access token is missing"));
    };
    let Ok((pool_id, username)) = authorize_any_access(st, now, token) else {
        return oauth_error(
            "invalid_token",
            Some(
                "Access token is expired, disabled, or deleted, or the user has globally signed out.",
            ),
        );
    };
    let scope = crate::keys::split(token)
        .ok()
        .and_then(|(_, claims, _, _)| crate::keys::claim_str(&claims, "scope").map(str::to_owned))
        .unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').collect();
    if !scopes.contains(&"openid") || pool_id != req.pool_id {
        return oauth_error(
            "invalid_token",
            Some("Access token does not contain openid scope"),
        );
    }
    let Some(user) = st
        .user_pools
        .get(&pool_id)
        .and_then(|p| p.users.get(&username))
    else {
        return oauth_error("invalid_token", None);
    };
    let mut info = serde_json::Map::new();
    info.insert("sub".into(), json!(user.sub));
    for (k, v) in &user.attributes {
        if !in_scopes(k, &scopes) {
            continue;
        }
        let value = match v.as_str() {
            "true" | "false" if k.ends_with("_verified") => json!(v == "true"),
            _ => json!(v),
        };
        info.insert(k.clone(), value);
    }
    info.insert("username".into(), json!(user.username));
    (StatusCode::OK, axum::Json(Value::Object(info))).into_response()
}

/// The standard attributes the `profile` scope releases (custom attributes too).
const PROFILE_ATTRIBUTES: [&str; 14] = [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// Whether userInfo answers attribute `name` for an access token with `scopes`, as Cognito's
/// documentation of the endpoint says: `openid` alone releases every attribute; with
/// `profile`, `email` or `phone` only what those scopes cover (`profile`: the standard
/// profile claims and custom attributes; `email`: `email`, `email_verified`; `phone`:
/// `phone_number`, `phone_number_verified`). `aws.cognito.signin.user.admin` and resource
/// server scopes change nothing. (AWS also limits the answer to the app client's readable
/// attributes, which the emulator does not model.)
fn in_scopes(name: &str, scopes: &[&str]) -> bool {
    let has = |s: &str| scopes.contains(&s);
    if !(has("profile") || has("email") || has("phone")) {
        return true;
    }
    (has("profile") && (PROFILE_ATTRIBUTES.contains(&name) || name.starts_with("custom:")))
        || (has("email") && matches!(name, "email" | "email_verified"))
        || (has("phone") && matches!(name, "phone_number" | "phone_number_verified"))
}

/// `/oauth2/revoke`: revokes a refresh token's sign-in (its access tokens too).
fn revoke(st: &mut State, now: SystemTime, req: &OAuthRequest<'_>) -> Response {
    let client_id = match authenticate(st, req) {
        Ok((_, client)) => client.id.clone(),
        Err(error) => return oauth_error(error, None),
    };
    let Some(token) = param(req.body, "token") else {
        return oauth_error("invalid_request", None);
    };
    let Some(pool) = st.user_pools.get_mut(req.pool_id) else {
        return oauth_error("invalid_request", None);
    };
    let Some(record) = pool.refresh_tokens.get(&token).cloned() else {
        // RFC 7009: an unknown token is not an error.
        return StatusCode::OK.into_response();
    };
    if record.client_id != client_id {
        return oauth_error("unauthorized_client", None);
    }
    pool.revoke_sign_in(&record.origin_jti, now);
    StatusCode::OK.into_response()
}

/// `/logout`: back to one of the client's sign-out URLs.
fn logout(st: &State, req: &OAuthRequest<'_>) -> Response {
    let query = req.query.unwrap_or_default().as_bytes();
    let client = param(query, "client_id").and_then(|id| client_of(st, req.pool_id, &id));
    let target = param(query, "logout_uri");
    match (client, target) {
        (Some((_, client)), Some(uri)) if client.oauth.logout_urls.contains(&uri) => {
            (StatusCode::FOUND, [(header::LOCATION, uri)]).into_response()
        }
        _ => page::error_page(
            "Required String parameter 'logout_uri' is not present, or it is not a sign-out URL of the client",
        ),
    }
}

/// `/.well-known/openid-configuration` for the domain, as addressed (`Host`).
fn discovery(st: &State, req: &OAuthRequest<'_>) -> Response {
    let host = req
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let domain = format!("http://{host}/{}", req.pool_id);
    let pool = &st.user_pools[req.pool_id];
    let mut scopes = vec!["openid", "email", "phone", "profile"];
    scopes.extend(pool.custom_scopes.iter().map(String::as_str));
    let doc = json!({
        "issuer": pool.issuer(&st.region),
        "authorization_endpoint": format!("{domain}/oauth2/authorize"),
        "token_endpoint": format!("{domain}/oauth2/token"),
        "userinfo_endpoint": format!("{domain}/oauth2/userInfo"),
        "revocation_endpoint": format!("{domain}/oauth2/revoke"),
        "end_session_endpoint": format!("{domain}/logout"),
        "jwks_uri": format!("http://{host}/{}/.well-known/jwks.json", req.pool_id),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    });
    (StatusCode::OK, axum::Json(doc)).into_response()
}
