//! Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity and
//! LookupDeveloperIdentity. The app's back end authenticates its own users and, signed with an
//! admin key pair (AWS requires developer credentials for these operations), trades
//! `Logins {<DeveloperProviderName>: <user id>}` for an identity id and an OpenID token; the
//! app then presents the token as the login `cognito-identity.amazonaws.com` to
//! GetCredentialsForIdentity (see `logins`), or to STS AssumeRoleWithWebIdentity.
//!
//! The same user id always maps to the same identity id. The token is GetOpenIdToken's, with
//! the `amr` AWS writes for developer users: `authenticated`, `<developer provider name>`,
//! `<developer provider name>:<identity pool id>:<user id>` (as decoded from a real token in
//! a public talk, speakerdeck "fcca686e..."; the form matches the `<provider>:<audience>:<sub>`
//! entries of other providers), then the entries of any public logins given with it. It lives
//! `TokenDuration` seconds (1 to 86 400), 15 minutes when absent, as AWS documents.
//!
//! Errors use AWS's names; their texts where AWS's are not published are the emulator's
//! (CHOICES.md): a `Logins` without the pool's developer provider answers
//! `NotAuthorizedException: This identity pool does not support the specified developer
//! provider.` (AWS's text as quoted in danilop/LambdAuth#32; its error type is not quoted), a
//! user id already linked to another identity than the `IdentityId` given
//! `DeveloperUserAlreadyRegisteredException` with the model's description of it, an
//! `IdentityId` holding other logins and none of these `Logins don't match...` (what AWS answers
//! there, aws/aws-sdk-js#2327).

use super::{
    LOGINS_DONT_MATCH, link, logins, new_identity_id, open_id_token, required_id, verify_all,
};
use crate::state::{IdentityPool, State};
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const OPERATIONS: &[&str] = &[
    "GetOpenIdTokenForDeveloperIdentity",
    "LookupDeveloperIdentity",
];

/// A developer token's lifetime when `TokenDuration` is absent (AWS: 15 minutes).
const DEFAULT_TOKEN_DURATION: u64 = 900;
/// The longest `TokenDuration` AWS's model allows (24 hours).
const MAX_TOKEN_DURATION: u64 = 86_400;

/// Whether `op` is one of these operations.
pub(super) fn serves(op: &str) -> bool {
    OPERATIONS.contains(&op)
}

/// Serves one operation for a caller whose admin signature the caller of this checked.
pub(super) fn serve(
    st: &mut State,
    now: SystemTime,
    op: &str,
    req: &Value,
) -> Result<Value, WireError> {
    if op == "LookupDeveloperIdentity" {
        return lookup(st, req);
    }
    get_open_id_token_for_developer_identity(st, req, now)
}

fn validation(message: String) -> WireError {
    WireError::json(
        "ValidationException",
        format!("1 validation error detected: {message}"),
    )
}

fn not_found(what: &str, id: &str) -> WireError {
    WireError::json(
        "ResourceNotFoundException",
        format!("{what} '{id}' not found."),
    )
}

/// An optional `[\w-]+:[0-9a-f-]+` id member, checked as a required one is when present.
fn optional_id<'a>(req: &'a Value, member: &str) -> Result<Option<&'a str>, WireError> {
    match req.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required_id(req, member).map(Some),
    }
}

/// `TokenDuration`: 1 to 86 400 seconds, AWS's model's range, in its validation wording.
fn token_duration(req: &Value) -> Result<Duration, WireError> {
    let Some(v) = req.get("TokenDuration").filter(|v| !v.is_null()) else {
        return Ok(Duration::from_secs(DEFAULT_TOKEN_DURATION));
    };
    let Some(secs) = v.as_i64() else {
        return Err(WireError::json(
            "SerializationException",
            "TokenDuration must be a number of seconds",
        ));
    };
    let bound = if secs < 1 {
        Some("greater than or equal to 1".to_owned())
    } else if secs.unsigned_abs() > MAX_TOKEN_DURATION {
        Some(format!("less than or equal to {MAX_TOKEN_DURATION}"))
    } else {
        None
    };
    match bound {
        Some(bound) => Err(validation(format!(
            "Value '{secs}' at 'tokenDuration' failed to satisfy constraint: Member must have value {bound}"
        ))),
        None => Ok(Duration::from_secs(secs.unsigned_abs())),
    }
}

fn pool<'a>(st: &'a State, pool_id: &str) -> Result<&'a IdentityPool, WireError> {
    st.identity_pools
        .get(pool_id)
        .ok_or_else(|| not_found("IdentityPool", pool_id))
}

/// GetOpenIdTokenForDeveloperIdentity {IdentityPoolId, IdentityId?, Logins, TokenDuration?}
/// → {IdentityId, Token}.
fn get_open_id_token_for_developer_identity(
    st: &mut State,
    req: &Value,
    now: SystemTime,
) -> Result<Value, WireError> {
    let pool_id = required_id(req, "IdentityPoolId")?.to_owned();
    let target = optional_id(req, "IdentityId")?.map(str::to_owned);
    if req.get("Logins").is_none_or(Value::is_null) {
        return Err(validation(
            "Value null at 'logins' failed to satisfy constraint: Member must not be null"
                .to_owned(),
        ));
    }
    if let Some(members) = req.as_object() {
        crate::wire::check_member_types(
            &members
                .iter()
                .filter(|(k, _)| *k != "TokenDuration")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<String, Value>>(),
            &[],
            &["Logins", "PrincipalTags"],
            &[],
        )?;
    }
    let lifetime = token_duration(req)?;
    let mut public = logins(req);
    let developer = pool(st, &pool_id)?.developer_provider_name.clone();
    let (provider, user_id) = developer
        .and_then(|name| public.remove_entry(&name))
        .ok_or_else(|| {
            WireError::not_authorized(
                "This identity pool does not support the specified developer provider.",
            )
        })?;
    if user_id.is_empty() || user_id.chars().count() > 1024 {
        return Err(validation(format!(
            "Value at 'logins' failed to satisfy constraint: the developer user identifier of {provider} must have length between 1 and 1024"
        )));
    }
    let verified = verify_all(st, &pool_id, &public, crate::time::epoch_secs(now))?;
    let pool = st
        .identity_pools
        .get_mut(&pool_id)
        .ok_or_else(|| not_found("IdentityPool", &pool_id))?;
    let owner = pool.developer_user_owner(&user_id).map(str::to_owned);
    let identity_id = match target {
        Some(target) => {
            let identity = pool
                .identities
                .get(&target)
                .ok_or_else(|| not_found("Identity", &target))?;
            if owner.as_deref().is_some_and(|o| o != target) {
                return Err(WireError::json(
                    "DeveloperUserAlreadyRegisteredException",
                    "The provided developer user identifier is already registered with Cognito under a different identity ID.",
                ));
            }
            // An identity with logins of its own takes new ones only with one it holds.
            let holds_one = owner.is_some()
                || verified
                    .iter()
                    .any(|v| identity.logins.get(&v.provider) == Some(&v.subject));
            if identity.is_authenticated() && !holds_one {
                return Err(WireError::not_authorized(LOGINS_DONT_MATCH));
            }
            link(pool, Some(target.as_str()), &verified)?
        }
        None => match owner {
            Some(owner) => link(pool, Some(owner.as_str()), &verified)?,
            None if verified.is_empty() => {
                let id = new_identity_id(&pool.id);
                pool.identities.insert(id.clone(), Default::default());
                id
            }
            None => link(pool, None, &verified)?,
        },
    };
    if let Some(identity) = pool.identities.get_mut(&identity_id) {
        identity.developer_user_ids.insert(user_id.clone());
    }
    let amr: Vec<String> = [
        "authenticated".to_owned(),
        provider.clone(),
        format!("{provider}:{pool_id}:{user_id}"),
    ]
    .into_iter()
    .chain(verified.iter().flat_map(|v| v.amr.iter().cloned()))
    .collect();
    let token = open_id_token(st, &identity_id, &pool_id, &amr, (now, lifetime));
    Ok(json!({ "IdentityId": identity_id, "Token": token }))
}

/// LookupDeveloperIdentity {IdentityPoolId, IdentityId?, DeveloperUserIdentifier?,
/// MaxResults?, NextToken?} → {IdentityId, DeveloperUserIdentifierList}: the identity of a
/// developer user, or the developer users of an identity. Every user id comes in one page
/// (`MaxResults` is checked, not applied).
///
/// Emulator's choice: neither `IdentityId` nor `DeveloperUserIdentifier` answers
/// `InvalidParameterException: IdentityId or DeveloperUserIdentifier must be provided.`; a user
/// id no identity holds, or held by another identity than the one named,
/// `ResourceNotFoundException`.
fn lookup(st: &State, req: &Value) -> Result<Value, WireError> {
    let pool_id = required_id(req, "IdentityPoolId")?;
    let named = optional_id(req, "IdentityId")?;
    if let Some(max) = req.get("MaxResults").and_then(Value::as_i64)
        && !(1..=60).contains(&max)
    {
        let bound = if max < 1 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 60"
        };
        return Err(validation(format!(
            "Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value {bound}"
        )));
    }
    let user = req
        .get("DeveloperUserIdentifier")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    let pool = pool(st, pool_id)?;
    let identity_id = match (named, user) {
        (None, None) => {
            return Err(WireError::invalid_parameter(
                "IdentityId or DeveloperUserIdentifier must be provided.",
            ));
        }
        (named, Some(user)) => {
            let owner = pool
                .developer_user_owner(user)
                .filter(|o| named.is_none_or(|n| n == *o))
                .ok_or_else(|| not_found("DeveloperUserIdentifier", user))?;
            owner.to_owned()
        }
        (Some(named), None) => named.to_owned(),
    };
    let identity = pool
        .identities
        .get(&identity_id)
        .ok_or_else(|| not_found("Identity", &identity_id))?;
    Ok(json!({
        "IdentityId": identity_id,
        "DeveloperUserIdentifierList": identity.developer_user_ids,
    }))
}
