//! `POST /oauth2/token`: the `authorization_code` grant (with PKCE S256), `refresh_token` and
//! `client_credentials`, each answering RFC 6749's JSON, or `400 {"error": ...}`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use std::time::SystemTime;

use super::super::outcome::remember_refresh_token;
use super::{OAuthRequest, authenticate, param};
use crate::crypto::{ct_eq, random_uuid};
use crate::state::{AppClient, State, UserPool};
use crate::time::epoch_secs;
use crate::tokens::Grant;

/// `POST /oauth2/token`: the tokens (signed once the state's lock is released: see
/// [`crate::keys::defer_signing`]), or the OAuth error's name.
pub(super) fn token(st: &mut State, now: SystemTime, req: &OAuthRequest<'_>) -> Grant_ {
    let client = authenticate(st, req)?.1.clone();
    let region = st.region.clone();
    let pool = st
        .user_pools
        .get_mut(req.pool_id)
        .ok_or("invalid_request")?;
    match param(req.body, "grant_type").as_deref() {
        Some("authorization_code") => authorization_code(pool, &region, &client, now, req.body),
        Some("refresh_token") => refresh_token(pool, &region, &client, now, req.body),
        Some("client_credentials") => client_credentials(pool, &region, &client, now, req.body),
        Some(_) => Err("unsupported_grant_type"),
        None => Err("invalid_request"),
    }
}

/// A grant's token answer, or the OAuth error name.
type Grant_ = Result<Value, &'static str>;

/// A code from the sign-in page, for tokens; the code is spent whatever the outcome.
fn authorization_code(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    body: &[u8],
) -> Grant_ {
    let code = param(body, "code").ok_or("invalid_request")?;
    let record = pool.oauth.codes.remove(&code).ok_or("invalid_grant")?;
    if record.client_id != client.id || now >= record.expires_at {
        return Err("invalid_grant");
    }
    if param(body, "redirect_uri").as_deref() != Some(record.redirect_uri.as_str()) {
        return Err("invalid_grant");
    }
    if let Some(challenge) = &record.code_challenge {
        let verifier = param(body, "code_verifier").ok_or("invalid_grant")?;
        let computed = B64URL.encode(Sha256::digest(verifier.as_bytes()));
        if !ct_eq(computed.as_bytes(), challenge.as_bytes()) {
            return Err("invalid_grant");
        }
    }
    let issue = Issue {
        scopes: &record.scopes,
        nonce: record.nonce.as_deref(),
        family: None,
        auth_time: record.auth_time,
    };
    issue.tokens(pool, region, client, &record.username, now, true)
}

/// New ID and access tokens from a refresh token, with the scopes it was granted.
fn refresh_token(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    body: &[u8],
) -> Grant_ {
    let token = param(body, "refresh_token").ok_or("invalid_request")?;
    let record = pool
        .refresh_tokens
        .get(&token)
        .cloned()
        .ok_or("invalid_grant")?;
    if record.client_id != client.id
        || record.revoked
        || now >= record.expires_at
        || record.retired_at.is_some()
    {
        return Err("invalid_grant");
    }
    if !pool.users.get(&record.username).is_some_and(|u| u.enabled) {
        return Err("invalid_grant");
    }
    // A refresh token from InitiateAuth carries the sign-in scope only.
    let scopes = pool
        .oauth
        .refresh_scopes
        .get(&token)
        .cloned()
        .unwrap_or_else(|| vec!["openid".into(), "aws.cognito.signin.user.admin".into()]);
    let issue = Issue {
        scopes: &scopes,
        nonce: None,
        family: Some(record.origin_jti.clone()),
        auth_time: record.auth_time,
    };
    issue.tokens(pool, region, client, &record.username, now, false)
}

/// An access token for the client itself, with custom scopes only.
fn client_credentials(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    body: &[u8],
) -> Grant_ {
    if client.secret.is_none() || !client.oauth.allows("client_credentials") {
        return Err("unauthorized_client");
    }
    let allowed: Vec<&String> = client
        .oauth
        .scopes
        .iter()
        .filter(|s| pool.custom_scopes.contains(s))
        .collect();
    let scopes: Vec<String> = match param(body, "scope") {
        Some(s) => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => allowed.iter().map(|s| (*s).clone()).collect(),
    };
    if scopes.is_empty() || !scopes.iter().all(|s| allowed.contains(&s)) {
        return Err("invalid_scope");
    }
    let iat = epoch_secs(now);
    let claims = json!({
        "sub": client.id,
        "token_use": "access",
        "scope": scopes.join(" "),
        "auth_time": iat,
        "iss": pool.issuer(region),
        "exp": iat + client.access_token_validity.as_secs(),
        "iat": iat,
        "version": 2,
        "jti": random_uuid(),
        "client_id": client.id,
    });
    Ok(json!({
        "access_token": pool.key.mint(&claims),
        "expires_in": client.access_token_validity.as_secs(),
        "token_type": "Bearer",
    }))
}

/// What tokens a grant issues.
struct Issue<'a> {
    scopes: &'a [String],
    nonce: Option<&'a str>,
    /// The sign-in a refresh continues (`origin_jti`).
    family: Option<String>,
    auth_time: SystemTime,
}

impl Issue<'_> {
    /// The token answer: an access token with the granted scopes, an ID token with `openid`,
    /// and a refresh token (remembering the scopes) when `with_refresh`.
    fn tokens(
        &self,
        pool: &mut UserPool,
        region: &str,
        client: &AppClient,
        username: &str,
        now: SystemTime,
        with_refresh: bool,
    ) -> Grant_ {
        let origin_jti = self.family.clone().unwrap_or_else(random_uuid);
        let (access, id) = {
            let user = pool.users.get(username).ok_or("invalid_grant")?;
            let grant = Grant {
                pool,
                region,
                client,
                user,
                now,
                auth_time: self.auth_time,
                origin_jti: &origin_jti,
                event_id: &random_uuid(),
                device_key: None,
            };
            let mut access: Map<String, Value> = grant.access_token_claims();
            access.insert("scope".into(), json!(self.scopes.join(" ")));
            access.insert("version".into(), json!(2));
            let id = self.scopes.iter().any(|s| s == "openid").then(|| {
                let mut id = grant.id_token_claims();
                if let Some(nonce) = self.nonce {
                    id.insert("nonce".into(), json!(nonce));
                }
                id
            });
            (access, id)
        };
        let access_token = pool.key.mint(&Value::Object(access));
        // Cognito's token endpoint puts the access token's `at_hash` in its ID tokens.
        let id = id.map(|id| pool.key.mint_id_with_at_hash(id, &access_token));
        let mut answer = json!({
            "access_token": access_token,
            "expires_in": client.access_token_validity.as_secs(),
            "token_type": "Bearer",
        });
        if let Some(id) = id {
            answer["id_token"] = json!(id);
        }
        if with_refresh {
            let token =
                remember_refresh_token(pool, username, client, origin_jti, self.auth_time, now);
            pool.oauth
                .refresh_scopes
                .insert(token.clone(), self.scopes.to_vec());
            answer["refresh_token"] = json!(token);
        }
        Ok(answer)
    }
}
