//! cognito-identity (AWSCognitoIdentityService) over JSON 1.1: GetId,
//! GetCredentialsForIdentity and GetOpenIdToken; developer-authenticated identities
//! ([`developer`]); the control plane (`admin`).
//!
//! Every login token is verified for real: the provider must be configured on the identity
//! pool, the token's `iss` must name that provider, its RS256 signature must verify with the
//! issuer's key, it must not have expired (emulator clock), and its audience must be a
//! configured client id. Identity ids are stable per (pool, provider, subject).
//!
//! Error names and messages follow what AWS answers, as reported in public issue threads:
//! `Invalid login token. Token expired: <now> >= <exp>`, `Invalid login token. Issuer doesn't
//! match providerName`, `Invalid login token. Couldn't verify signed token.`, `Token is not from
//! a supported provider of this identity pool.` (also what AWS answers for a user-pool token
//! whose `aud` is not the configured app client), `Logins don't match. Please include at least
//! one valid login for this identity or identity pool.`, `Access to Identity '<id>' is
//! forbidden.`, `Unauthenticated access is not supported for this identity pool.`, and
//! `InvalidParameterException: Basic (classic) flow is not enabled, please use enhanced flow.`
//! at GetOpenIdToken. The role an identity gets, and the `amr` of its tokens: [`roles`].
//! Unverified choice (no public record found): a `CustomRoleArn` the role mapping does not
//! give answers `InvalidParameterException: Invalid CustomRoleArn: the role '<arn>' is not in
//! the token's cognito:roles.`
//!
//! A role is used only when its trust policy lets `cognito-identity.amazonaws.com` assume it
//! for the pool and the identity's `amr`, as STS decides for Cognito on AWS: a role without
//! any trust policy is refused with `InvalidIdentityPoolConfigurationException` (issue 24).
//!
//! GetId refuses a token of the pool itself (`cognito-identity.amazonaws.com`) with
//! `Invalid login token. Can't pass in a Cognito token.`, AWS's answer quoted in
//! aws/aws-sdk-net#420 and aws-amplify/amplify-swift#2842: such a token already names its
//! identity, and goes straight to GetCredentialsForIdentity.

mod admin;
mod developer;
mod logins;
mod roles;

use crate::credentials::{issue_credentials, verify_admin};
use crate::crypto::random_uuid;
use crate::state::{IdentityPool, Shared, State, WebIdentity};
use crate::time::epoch_secs;
use crate::tokens::{COGNITO_IDENTITY_ISSUER, COGNITO_IDENTITY_PROVIDER};
use crate::wire::{self, Service, WireError};
use axum::response::{IntoResponse, Response};
use logins::{VerifiedLogin, verify_login};
use roles::{amr, choose_role};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// How long a GetOpenIdToken token lives, as on AWS.
const OPEN_ID_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

const LOGINS_DONT_MATCH: &str = "Logins don't match. Please include at least one valid login for this identity or identity pool.";
const NOT_SUPPORTED_PROVIDER: &str =
    "Token is not from a supported provider of this identity pool.";
const UNAUTH_NOT_SUPPORTED: &str =
    "Unauthenticated access is not supported for this identity pool.";
const INVALID_POOL_CONFIG: &str =
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.";

/// Serves one cognito-identity operation; the control plane's and the developer identities'
/// must be SigV4-signed by an admin key pair (see `admin`, `developer`).
pub(crate) fn handle(
    shared: &Shared,
    op: &str,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Response {
    let result = if admin::serves(op) || developer::serves(op) {
        let signed = crate::sigv4::SignedRequest::from_http(method, uri, headers, body);
        match serde_json::from_slice::<Value>(if body.is_empty() { b"{}" } else { body }) {
            Ok(req @ Value::Object(_)) => {
                let now = shared.now();
                // GetOpenIdTokenForDeveloperIdentity's RS256 signature is made after the lock
                // is released.
                let (result, deferred) = {
                    let mut st = shared.lock();
                    crate::keys::defer_signing(|| {
                        let region = st.region.clone();
                        verify_admin(&st, &signed, "cognito-identity", &region, now)
                            .map_err(|r| WireError::json_auth(&r))?;
                        if developer::serves(op) {
                            developer::serve(&mut st, now, op, &req)
                        } else {
                            admin::serve(&mut st, op, &req)
                        }
                    })
                };
                result.map(|mut answer| {
                    deferred.sign_into(&mut answer);
                    answer
                })
            }
            _ => Err(WireError::json(
                "SerializationException",
                "Request body is not a JSON object",
            )),
        }
    } else {
        serve(shared, op, body)
    };
    match result {
        Ok(body) => wire::json_ok(body),
        Err(e) => e.into_response(),
    }
}

/// The operation's JSON answer, or the error to answer with.
fn serve(shared: &Shared, op: &str, body: &[u8]) -> Result<Value, WireError> {
    if !matches!(op, "GetId" | "GetCredentialsForIdentity" | "GetOpenIdToken") {
        return Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        ));
    }
    let req: Value = match serde_json::from_slice(if body.is_empty() { b"{}" } else { body }) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return Err(WireError::json(
                "SerializationException",
                "Request body is not a JSON object",
            ));
        }
    };
    if let Some(members) = req.as_object() {
        wire::check_member_types(members, &[], &["Logins"], &[])?;
    }
    let now = shared.now();
    // GetOpenIdToken's RS256 signature is made after the lock is released.
    let (result, deferred) = {
        let mut st = shared.lock();
        crate::keys::defer_signing(|| match op {
            "GetId" => get_id(&mut st, &req, now),
            "GetCredentialsForIdentity" => get_credentials_for_identity(&mut st, &req, now),
            _ => get_open_id_token(&mut st, &req, now),
        })
    };
    result.map(|mut answer| {
        deferred.sign_into(&mut answer);
        answer
    })
}

/// A required member, with AWS's validation message when it is absent or empty.
fn required<'a>(req: &'a Value, member: &str) -> Result<&'a str, WireError> {
    Service::CognitoIdentity.required(req, member)
}

/// `IdentityPoolId` or `IdentityId`, which AWS's model constrains to `[\w-]+:[0-9a-f-]+` and
/// 1 to 55 characters: anything else is a ValidationException in AWS's validation wording,
/// before any lookup.
fn required_id<'a>(req: &'a Value, member: &str) -> Result<&'a str, WireError> {
    const PATTERN: &str = "[\\w-]+:[0-9a-f-]+";
    let value = required(req, member)?;
    let mut field = member.to_owned();
    if let Some(first) = field.get_mut(0..1) {
        first.make_ascii_lowercase();
    }
    let constraint = if value.chars().count() > 55 {
        Some("Member must have length less than or equal to 55".to_owned())
    } else {
        let well_formed = value.split_once(':').is_some_and(|(region, id)| {
            !region.is_empty()
                && region
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                && !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-')
        });
        (!well_formed).then(|| format!("Member must satisfy regular expression pattern: {PATTERN}"))
    };
    match constraint {
        None => Ok(value),
        Some(c) => Err(WireError::json(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {c}"
            ),
        )),
    }
}

/// The `Logins` map (provider name → token); absent means none. Its type was checked by
/// `wire::check_member_types`, so only `null` values are skipped here.
fn logins(req: &Value) -> BTreeMap<String, String> {
    req.get("Logins")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(provider, token)| {
                    Some((provider.clone(), token.as_str()?.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn verify_all(
    st: &State,
    pool_id: &str,
    logins: &BTreeMap<String, String>,
    now: u64,
) -> Result<Vec<VerifiedLogin>, WireError> {
    let pool = st.identity_pools.get(pool_id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("IdentityPool '{pool_id}' not found."),
        )
    })?;
    logins
        .iter()
        .map(|(provider, token)| verify_login(st, pool, provider, token, now))
        .collect()
}

/// A new identity id in the pool's region: `<region>:<uuid>`.
fn new_identity_id(pool_id: &str) -> String {
    let region = pool_id.split_once(':').map(|(r, _)| r).unwrap_or(pool_id);
    format!("{region}:{}", random_uuid())
}

/// Links verified logins to an identity. With `target`, to that identity (failing if a login
/// already belongs to another one); without, to the identity that already holds one of them
/// (merging any other holder into it, as Cognito merges identities) or to a new identity. A
/// token of the pool itself belongs to the identity it names and is not linked.
fn link(
    pool: &mut IdentityPool,
    target: Option<&str>,
    verified: &[VerifiedLogin],
) -> Result<String, WireError> {
    let mut owners: Vec<String> = Vec::new();
    for v in verified {
        for (id, identity) in &pool.identities {
            let owns = if v.provider == COGNITO_IDENTITY_PROVIDER {
                *id == v.subject
            } else {
                identity.logins.get(&v.provider) == Some(&v.subject)
            };
            if owns && !owners.contains(id) {
                owners.push(id.clone());
            }
        }
    }
    let id = match target {
        Some(t) => {
            if owners.iter().any(|o| o != t) {
                return Err(WireError::not_authorized(LOGINS_DONT_MATCH));
            }
            t.to_owned()
        }
        None => match owners.first() {
            Some(first) => first.clone(),
            None => {
                let id = new_identity_id(&pool.id);
                pool.identities.insert(id.clone(), Default::default());
                id
            }
        },
    };
    for other in owners.iter().filter(|o| **o != id) {
        if let Some(merged) = pool.identities.remove(other)
            && let Some(identity) = pool.identities.get_mut(&id)
        {
            identity.logins.extend(merged.logins);
            identity
                .developer_user_ids
                .extend(merged.developer_user_ids);
        }
    }
    if let Some(identity) = pool.identities.get_mut(&id) {
        for v in verified
            .iter()
            .filter(|v| v.provider != COGNITO_IDENTITY_PROVIDER)
        {
            identity
                .logins
                .insert(v.provider.clone(), v.subject.clone());
        }
    }
    Ok(id)
}

/// GetId {IdentityPoolId, Logins?, AccountId?} → {IdentityId}.
fn get_id(st: &mut State, req: &Value, now: SystemTime) -> Result<Value, WireError> {
    let pool_id = required_id(req, "IdentityPoolId")?.to_owned();
    let logins = logins(req);
    if logins.contains_key(COGNITO_IDENTITY_PROVIDER) {
        return Err(WireError::not_authorized(
            "Invalid login token. Can't pass in a Cognito token.",
        ));
    }
    let verified = verify_all(st, &pool_id, &logins, epoch_secs(now))?;
    let pool = st.identity_pools.get_mut(&pool_id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("IdentityPool '{pool_id}' not found."),
        )
    })?;
    if verified.is_empty() {
        if !pool.allow_unauthenticated {
            return Err(WireError::not_authorized(UNAUTH_NOT_SUPPORTED));
        }
        // Every unauthenticated GetId makes a new guest identity, as on AWS.
        let id = new_identity_id(&pool.id);
        pool.identities.insert(id.clone(), Default::default());
        return Ok(json!({ "IdentityId": id }));
    }
    let id = link(pool, None, &verified)?;
    Ok(json!({ "IdentityId": id }))
}

/// Checks the caller may act as `identity_id` with these logins, links new logins to it, and
/// returns the pool id and the verified logins (empty for a guest).
fn authorize(
    st: &mut State,
    identity_id: &str,
    logins: &BTreeMap<String, String>,
    now: SystemTime,
) -> Result<(String, Vec<VerifiedLogin>), WireError> {
    let pool_id = st
        .identity_pools
        .values()
        .find(|p| p.identities.contains_key(identity_id))
        .map(|p| p.id.clone())
        .ok_or_else(|| {
            WireError::json(
                "ResourceNotFoundException",
                format!("Identity '{identity_id}' not found."),
            )
        })?;
    let verified = verify_all(st, &pool_id, logins, epoch_secs(now))?;
    let pool = st.identity_pools.get_mut(&pool_id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("Identity '{identity_id}' not found."),
        )
    })?;
    let identity = pool
        .identities
        .get(identity_id)
        .cloned()
        .unwrap_or_default();
    let linked = &identity.logins;
    if verified.is_empty() {
        if identity.is_authenticated() {
            return Err(WireError::not_authorized(format!(
                "Access to Identity '{identity_id}' is forbidden."
            )));
        }
        if !pool.allow_unauthenticated {
            return Err(WireError::not_authorized(UNAUTH_NOT_SUPPORTED));
        }
        return Ok((pool_id, verified));
    }
    // A token of the pool stands for the identity it names; other logins must include one
    // the identity already holds.
    let matches = |v: &VerifiedLogin| {
        if v.provider == COGNITO_IDENTITY_PROVIDER {
            v.subject == identity_id
        } else {
            linked.get(&v.provider) == Some(&v.subject)
        }
    };
    if identity.is_authenticated() && !verified.iter().any(matches) {
        return Err(WireError::not_authorized(LOGINS_DONT_MATCH));
    }
    // A guest identity presented with logins becomes authenticated (when the logins belong to
    // no other identity); an authenticated one gains the extra logins.
    link(pool, Some(identity_id), &verified)?;
    Ok((pool_id, verified))
}

/// GetCredentialsForIdentity {IdentityId, Logins?, CustomRoleArn?} →
/// {IdentityId, Credentials {AccessKeyId, SecretKey, SessionToken, Expiration}}.
fn get_credentials_for_identity(
    st: &mut State,
    req: &Value,
    now: SystemTime,
) -> Result<Value, WireError> {
    let identity_id = required_id(req, "IdentityId")?.to_owned();
    let logins = logins(req);
    let custom = req
        .get("CustomRoleArn")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let (pool_id, verified) = authorize(st, &identity_id, &logins, now)?;
    let pool = st.identity_pools.get(&pool_id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("Identity '{identity_id}' not found."),
        )
    })?;
    let role = choose_role(pool, &verified, custom)?;
    // Cognito assumes the role through STS as `cognito-identity.amazonaws.com`, with the
    // pool as audience and the identity's `amr`: a role that does not exist, or whose trust
    // policy refuses that, fails there, and Cognito answers InvalidIdentityPoolConfiguration
    // (the answer quoted for role-trust mistakes in amazon-cognito-auth-js#167 and #196,
    // aws-sdk-js#4112). A role without any trust policy trusts no one, as on AWS (issue 24).
    let amr = amr(&verified);
    let amr: Vec<&str> = amr.iter().map(String::as_str).collect();
    let trusted = st.roles.get(&role).map(|r| {
        r.trusts(WebIdentity {
            federated: COGNITO_IDENTITY_PROVIDER,
            aud: &[pool_id.as_str()],
            amr: &amr,
            sub: &identity_id,
        })
        .unwrap_or(false)
    });
    if trusted != Some(true) {
        return Err(WireError::json(
            "InvalidIdentityPoolConfigurationException",
            INVALID_POOL_CONFIG,
        ));
    }
    let lifetime = st.credential_lifetime;
    // What policies read of requests signed with these credentials.
    let key = |k: &str| format!("{COGNITO_IDENTITY_PROVIDER}:{k}");
    let context = crate::policy::Context::from([
        (key("sub"), vec![identity_id.clone()]),
        (key("aud"), vec![pool_id.clone()]),
        (key("amr"), amr.iter().map(|a| (*a).to_owned()).collect()),
    ]);
    let (access_key_id, issued) =
        issue_credentials(st, &role, &identity_id, (now, lifetime), context);
    Ok(json!({
        "IdentityId": identity_id,
        "Credentials": {
            "AccessKeyId": access_key_id,
            "SecretKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
            "Expiration": epoch_secs(issued.expires_at),
        }
    }))
}

/// GetOpenIdToken {IdentityId, Logins?} → {IdentityId, Token}: the basic (classic) flow's
/// token, for STS AssumeRoleWithWebIdentity. As on AWS, refused unless the pool allows the
/// classic flow.
fn get_open_id_token(st: &mut State, req: &Value, now: SystemTime) -> Result<Value, WireError> {
    let identity_id = required_id(req, "IdentityId")?.to_owned();
    let logins = logins(req);
    let (pool_id, verified) = authorize(st, &identity_id, &logins, now)?;
    let classic = st
        .identity_pools
        .get(&pool_id)
        .is_some_and(|p| p.allow_classic_flow);
    if !classic {
        return Err(WireError::invalid_parameter(
            "Basic (classic) flow is not enabled, please use enhanced flow.",
        ));
    }
    let amr = amr(&verified);
    let token = open_id_token(
        st,
        &identity_id,
        &pool_id,
        &amr,
        (now, OPEN_ID_TOKEN_LIFETIME),
    );
    Ok(json!({ "IdentityId": identity_id, "Token": token }))
}

/// An OpenID token of cognito-identity for `identity_id` of `pool_id`, with this `amr`, issued
/// at `now` for `lifetime` (GetOpenIdToken's and GetOpenIdTokenForDeveloperIdentity's).
fn open_id_token(
    st: &State,
    identity_id: &str,
    pool_id: &str,
    amr: &[String],
    (now, lifetime): (SystemTime, Duration),
) -> String {
    let iat = epoch_secs(now);
    let claims = json!({
        "iss": COGNITO_IDENTITY_ISSUER,
        "sub": identity_id,
        "aud": pool_id,
        "amr": amr,
        "iat": iat,
        "exp": iat + lifetime.as_secs(),
    });
    st.cognito_identity_key.mint(&claims)
}
