//! The pre-token-generation trigger: the event (version 1, or 2 with the access token's
//! scopes), and its answer applied to the claims of the ID and access tokens about to be
//! signed: `claimsOverrideDetails` (V1: ID-token claims and groups) or
//! `claimsAndScopeOverrideDetails` (V2: both tokens' claims, the access token's scopes, and
//! groups), as the Cognito developer guide ("Pre token generation Lambda trigger") describes.
//!
//! Emulator's choice where AWS publishes no behaviour: claims Cognito owns (`sub`, `iss`,
//! `aud`, `exp`, `iat`, `jti`, `token_use`, `auth_time`, `origin_jti`, `event_id`,
//! `client_id`, `username`, `cognito:username`, `scope`...) are left as they are when the
//! trigger names them; the documented list says they cannot be changed.

use super::triggers::{self, Caller, Trigger, unrecognizable};
use crate::state::User;
use crate::wire::WireError;
use serde_json::{Map, Value, json};

/// Claims a trigger cannot add, override or suppress.
const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "at_hash",
    "aud",
    "auth_time",
    "azp",
    "client_id",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
];

/// Why tokens are being issued (the event's `triggerSource`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Authentication,
    RefreshTokens,
}

impl Source {
    fn trigger_source(self) -> &'static str {
        match self {
            Source::Authentication => "TokenGeneration_Authentication",
            Source::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// Runs the pool's pre-token-generation trigger, if it has one, and applies its answer to
/// `id` and `access`.
pub(super) fn apply(
    caller: Caller<'_>,
    user: &User,
    source: Source,
    id: &mut Map<String, Value>,
    access: &mut Map<String, Value>,
) -> Result<(), WireError> {
    let Some((_, version)) = Trigger::PreTokenGeneration.function(&caller.pool.lambda) else {
        return Ok(());
    };
    let groups = claim_strings(id, "cognito:groups");
    let roles = claim_strings(id, "cognito:roles");
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert(
        "groupConfiguration".into(),
        json!({
            "groupsToOverride": groups,
            "iamRolesToOverride": roles,
            "preferredRole": id.get("cognito:preferred_role").cloned().unwrap_or(Value::Null),
        }),
    );
    let scopes: Vec<String> = access
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if version != "1" {
        request.insert("scopes".into(), json!(scopes));
    }
    let Some(response) = triggers::invoke(
        caller,
        Trigger::PreTokenGeneration,
        source.trigger_source(),
        &user.username,
        request,
    )?
    else {
        return Ok(());
    };
    if version == "1" {
        let Some(details) = object(&response, "claimsOverrideDetails")? else {
            return Ok(());
        };
        override_groups(details, id, access)?;
        apply_claims(details, id, false)?;
        return Ok(());
    }
    let Some(details) = object(&response, "claimsAndScopeOverrideDetails")? else {
        return Ok(());
    };
    override_groups(details, id, access)?;
    if let Some(id_gen) = object(details, "idTokenGeneration")? {
        apply_claims(id_gen, id, true)?;
    }
    if let Some(access_gen) = object(details, "accessTokenGeneration")? {
        apply_claims(access_gen, access, true)?;
        let add = triggers::strings(access_gen, "scopesToAdd")?;
        let suppress = triggers::strings(access_gen, "scopesToSuppress")?;
        let mut scopes: Vec<String> = scopes
            .into_iter()
            .filter(|s| !suppress.contains(s))
            .collect();
        for s in add {
            if !scopes.contains(&s) && !suppress.contains(&s) {
                scopes.push(s);
            }
        }
        access.insert("scope".into(), json!(scopes.join(" ")));
    }
    Ok(())
}

/// A claim holding a list of strings, as a list (absent: empty).
fn claim_strings(claims: &Map<String, Value>, name: &str) -> Vec<String> {
    claims
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// An optional object member of an answer; another type is an answer Cognito cannot read.
fn object<'a>(
    from: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, WireError> {
    match from.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(unrecognizable()),
    }
}

/// `claimsToAddOrOverride` then `claimsToSuppress`; version 1 takes string values only.
fn apply_claims(
    details: &Map<String, Value>,
    claims: &mut Map<String, Value>,
    any_json: bool,
) -> Result<(), WireError> {
    if let Some(add) = object(details, "claimsToAddOrOverride")? {
        for (k, v) in add {
            if !any_json && !v.is_string() {
                return Err(unrecognizable());
            }
            if !PROTECTED.contains(&k.as_str()) && !k.starts_with("cognito:") {
                claims.insert(k.clone(), v.clone());
            }
        }
    }
    for k in triggers::strings(details, "claimsToSuppress")? {
        if !PROTECTED.contains(&k.as_str()) {
            claims.remove(&k);
        }
    }
    Ok(())
}

/// `groupOverrideDetails`: the groups of both tokens, the ID token's roles and preferred role,
/// each replaced when given (an empty list removes the claim).
fn override_groups(
    details: &Map<String, Value>,
    id: &mut Map<String, Value>,
    access: &mut Map<String, Value>,
) -> Result<(), WireError> {
    let Some(groups) = object(details, "groupOverrideDetails")? else {
        return Ok(());
    };
    let set = |claims: &mut Map<String, Value>, name: &str, values: &[String]| {
        if values.is_empty() {
            claims.remove(name);
        } else {
            claims.insert(name.to_owned(), json!(values));
        }
    };
    if groups.contains_key("groupsToOverride") {
        let list = triggers::strings(groups, "groupsToOverride")?;
        set(id, "cognito:groups", &list);
        set(access, "cognito:groups", &list);
    }
    if groups.contains_key("iamRolesToOverride") {
        let list = triggers::strings(groups, "iamRolesToOverride")?;
        set(id, "cognito:roles", &list);
    }
    if groups.contains_key("preferredRole") {
        match triggers::text(groups, "preferredRole")? {
            Some(role) => id.insert("cognito:preferred_role".into(), json!(role)),
            None => id.remove("cognito:preferred_role"),
        };
    }
    Ok(())
}
