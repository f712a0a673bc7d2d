//! cognito-identity's control plane (CreateIdentityPool, SetIdentityPoolRoles, ListIdentities
//! ...), SigV4-signed by an admin key pair as on AWS. An identity pool is kept with the seed it
//! was built from; every change edits that seed and builds the pool again (its identities
//! kept), so the control plane validates exactly as a seed does.

use crate::error::Error;
use crate::seed::{IdentityPoolSeed, MappingRuleSeed, RoleMappingSeed, UserPoolProviderSeed};
use crate::state::{IdentityPool, State};
use crate::wire::WireError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const OPERATIONS: &[&str] = &[
    "CreateIdentityPool",
    "DescribeIdentityPool",
    "ListIdentityPools",
    "UpdateIdentityPool",
    "DeleteIdentityPool",
    "SetIdentityPoolRoles",
    "GetIdentityPoolRoles",
    "ListIdentities",
    "DescribeIdentity",
];

/// Members described as given.
const DESCRIBED: &[&str] = &["OpenIdConnectProviderARNs", "IdentityPoolTags"];

pub(super) fn serves(op: &str) -> bool {
    OPERATIONS.contains(&op)
}

type Outcome = Result<Value, WireError>;

/// Serves one operation for a caller whose signature the caller of this checked.
pub(super) fn serve(st: &mut State, op: &str, req: &Value) -> Outcome {
    match op {
        "CreateIdentityPool" => {
            let name = required(req, "IdentityPoolName")?;
            let seed = IdentityPoolSeed {
                name: name.to_owned(),
                ..Default::default()
            };
            let seed = apply_settings(seed, req)?;
            let mut pool = st.new_identity_pool(&seed).map_err(invalid)?;
            describe_members(&mut pool, req);
            let out = describe(&pool);
            st.identity_pool_order.push(pool.id.clone());
            st.identity_pools.insert(pool.id.clone(), pool);
            Ok(out)
        }
        "DescribeIdentityPool" => Ok(describe(pool(st, req)?)),
        "ListIdentityPools" => {
            let pools: Vec<Value> = st
                .identity_pool_order
                .iter()
                .filter_map(|id| st.identity_pools.get(id))
                .map(|p| json!({ "IdentityPoolId": p.id, "IdentityPoolName": p.name }))
                .collect();
            Ok(json!({ "IdentityPools": pools }))
        }
        "UpdateIdentityPool" => {
            let old = pool(st, req)?;
            let mut seed = old.seed.clone();
            if let Some(name) = field(req, "IdentityPoolName") {
                seed.name = name.to_owned();
            }
            seed.user_pool_providers.clear();
            seed.oidc_providers.clear();
            seed.saml_provider_arns.clear();
            let seed = apply_settings(seed, req)?;
            rebuild(st, req, seed, |pool| describe_members(pool, req))
        }
        "DeleteIdentityPool" => {
            let id = pool(st, req)?.id.clone();
            st.identity_pools.remove(&id);
            st.identity_pool_order.retain(|p| *p != id);
            Ok(json!({}))
        }
        "SetIdentityPoolRoles" => {
            let mut seed = pool(st, req)?.seed.clone();
            set_roles(&mut seed, req)?;
            rebuild(st, req, seed, |_| {})?;
            Ok(json!({}))
        }
        "GetIdentityPoolRoles" => Ok(roles(pool(st, req)?)),
        "ListIdentities" => {
            let p = pool(st, req)?;
            let identities: Vec<Value> = p
                .identities
                .iter()
                .map(|(id, i)| json!({ "IdentityId": id, "Logins": p.login_names(i) }))
                .collect();
            Ok(json!({ "IdentityPoolId": p.id, "Identities": identities }))
        }
        "DescribeIdentity" => {
            let id = required(req, "IdentityId")?;
            let logins = st
                .identity_pools
                .values()
                .find_map(|p| p.identities.get(id).map(|i| p.login_names(i)))
                .ok_or_else(|| {
                    WireError::json(
                        "ResourceNotFoundException",
                        format!("Identity '{id}' not found."),
                    )
                })?;
            Ok(json!({ "IdentityId": id, "Logins": logins }))
        }
        _ => Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}

fn field<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Value::as_str)
}

fn required<'a>(req: &'a Value, name: &str) -> Result<&'a str, WireError> {
    crate::wire::Service::CognitoIdentity.required(req, name)
}

fn invalid(e: Error) -> WireError {
    let message = e.message();
    let message = message.strip_prefix("emulator seed: ").unwrap_or(message);
    WireError::json("InvalidParameterException", message.to_owned())
}

fn pool<'a>(st: &'a State, req: &Value) -> Result<&'a IdentityPool, WireError> {
    let id = required(req, "IdentityPoolId")?;
    st.identity_pools.get(id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("IdentityPool '{id}' not found."),
        )
    })
}

/// Builds the pool named in `req` again from `seed`, keeping its id and identities.
fn rebuild(
    st: &mut State,
    req: &Value,
    mut seed: IdentityPoolSeed,
    then: impl FnOnce(&mut IdentityPool),
) -> Outcome {
    let old = pool(st, req)?;
    seed.id = Some(old.id.clone());
    let mut fresh = st.new_identity_pool(&seed).map_err(invalid)?;
    let Some(old) = st.identity_pools.remove(&fresh.id) else {
        return Err(WireError::json("InternalErrorException", "Internal error"));
    };
    fresh.identities = old.identities;
    fresh.described = old.described;
    then(&mut fresh);
    let out = describe(&fresh);
    st.identity_pools.insert(fresh.id.clone(), fresh);
    Ok(out)
}

/// CreateIdentityPool's and UpdateIdentityPool's settings onto a seed.
fn apply_settings(mut seed: IdentityPoolSeed, req: &Value) -> Result<IdentityPoolSeed, WireError> {
    if let Some(v) = req.get("AllowUnauthenticatedIdentities") {
        seed.allow_unauthenticated = v.as_bool().unwrap_or(false);
    }
    if let Some(v) = req.get("AllowClassicFlow") {
        seed.allow_classic_flow = v.as_bool().unwrap_or(false);
    }
    if let Some(name) = field(req, "DeveloperProviderName") {
        // AWS's guide: once set, the developer provider name cannot be changed. The text of
        // the refusal is the emulator's.
        if seed
            .developer_provider_name
            .as_deref()
            .is_some_and(|old| old != name)
        {
            return Err(WireError::json(
                "InvalidParameterException",
                "DeveloperProviderName cannot be changed once set.",
            ));
        }
        seed.developer_provider_name = Some(name.to_owned());
    }
    for p in req
        .get("CognitoIdentityProviders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let provider = field(p, "ProviderName").unwrap_or_default();
        // `cognito-idp.<region>.amazonaws.com/<pool id>`.
        let pool_id = provider
            .strip_prefix("cognito-idp.")
            .and_then(|r| r.split_once(".amazonaws.com/"))
            .map(|(_, id)| id)
            .ok_or_else(|| {
                WireError::json(
                    "InvalidParameterException",
                    format!("Invalid provider name: {provider}"),
                )
            })?;
        seed.user_pool_providers.push(UserPoolProviderSeed {
            user_pool: pool_id.to_owned(),
            client_id: field(p, "ClientId").unwrap_or_default().to_owned(),
            ..Default::default()
        });
    }
    if let Some(Value::Object(logins)) = req.get("SupportedLoginProviders") {
        for (provider, apps) in logins {
            let apps = apps.as_str().unwrap_or_default();
            seed.oidc_providers.insert(
                provider.clone(),
                apps.split(',').map(|a| a.trim().to_owned()).collect(),
            );
        }
    }
    if req.get("SamlProviderARNs").is_some() {
        seed.saml_provider_arns = req["SamlProviderARNs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    Ok(seed)
}

fn describe_members(pool: &mut IdentityPool, req: &Value) {
    for name in DESCRIBED {
        if let Some(v) = req.get(*name).filter(|v| !v.is_null()) {
            pool.described.insert((*name).to_owned(), v.clone());
        }
    }
}

fn describe(p: &IdentityPool) -> Value {
    let mut out = Map::new();
    out.insert("IdentityPoolId".into(), json!(p.id));
    out.insert("IdentityPoolName".into(), json!(p.name));
    out.insert(
        "AllowUnauthenticatedIdentities".into(),
        json!(p.allow_unauthenticated),
    );
    out.insert("AllowClassicFlow".into(), json!(p.allow_classic_flow));
    let region = p.id.split_once(':').map_or("us-east-1", |(r, _)| r);
    let providers: Vec<Value> = p
        .user_pool_providers
        .values()
        .map(|up| {
            json!({
                "ProviderName": format!("cognito-idp.{region}.amazonaws.com/{}", up.user_pool_id),
                "ClientId": up.client_id,
                "ServerSideTokenCheck": false,
            })
        })
        .collect();
    out.insert("CognitoIdentityProviders".into(), json!(providers));
    let logins: Map<String, Value> = p
        .oidc_providers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.join(","))))
        .collect();
    out.insert("SupportedLoginProviders".into(), Value::Object(logins));
    out.insert("SamlProviderARNs".into(), json!(p.saml_provider_arns));
    if let Some(name) = &p.developer_provider_name {
        out.insert("DeveloperProviderName".into(), json!(name));
    }
    for (k, v) in &p.described {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

/// SetIdentityPoolRoles onto the pool's seed: `Roles` and `RoleMappings` (user-pool
/// mappings keyed `cognito-idp.<region>.amazonaws.com/<pool>:<client>`, others by provider).
fn set_roles(seed: &mut IdentityPoolSeed, req: &Value) -> Result<(), WireError> {
    let roles = req.get("Roles").and_then(Value::as_object).ok_or_else(|| {
        WireError::json(
            "ValidationException",
            "1 validation error detected: Value null at 'roles' failed to satisfy constraint: Member must not be null",
        )
    })?;
    seed.authenticated_role_arn = roles
        .get("authenticated")
        .and_then(Value::as_str)
        .map(str::to_owned);
    seed.unauthenticated_role_arn = roles
        .get("unauthenticated")
        .and_then(Value::as_str)
        .map(str::to_owned);
    for up in &mut seed.user_pool_providers {
        up.role_resolution = None;
        up.ambiguous_role_resolution = None;
        up.rules.clear();
    }
    seed.role_mappings.clear();
    let Some(Value::Object(mappings)) = req.get("RoleMappings") else {
        return Ok(());
    };
    for (provider, m) in mappings {
        let kind = field(m, "Type").unwrap_or_default().to_owned();
        let ambiguous = field(m, "AmbiguousRoleResolution").map(str::to_owned);
        let rules: Vec<MappingRuleSeed> = m
            .get("RulesConfiguration")
            .and_then(|r| r.get("Rules"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| MappingRuleSeed {
                claim: field(r, "Claim").unwrap_or_default().to_owned(),
                match_type: field(r, "MatchType").unwrap_or_default().to_owned(),
                value: field(r, "Value").unwrap_or_default().to_owned(),
                role_arn: field(r, "RoleARN").unwrap_or_default().to_owned(),
            })
            .collect();
        let user_pool = provider
            .strip_prefix("cognito-idp.")
            .and_then(|r| r.split_once(".amazonaws.com/"))
            .map(|(_, rest)| rest.split_once(':').unwrap_or((rest, "")));
        if let Some((pool_id, client)) = user_pool {
            let up = seed
                .user_pool_providers
                .iter_mut()
                .find(|up| up.user_pool == pool_id && (client.is_empty() || up.client_id == client))
                .ok_or_else(|| {
                    WireError::json(
                        "InvalidParameterException",
                        format!("{provider} is not a valid RoleMapping ProviderName or is not a configured provider."),
                    )
                })?;
            up.role_resolution = Some(kind);
            up.ambiguous_role_resolution = ambiguous;
            up.rules = rules;
        } else {
            seed.role_mappings.insert(
                provider.clone(),
                RoleMappingSeed {
                    role_resolution: kind,
                    ambiguous_role_resolution: ambiguous,
                    rules,
                },
            );
        }
    }
    Ok(())
}

fn roles(p: &IdentityPool) -> Value {
    let mut roles = Map::new();
    if let Some(a) = &p.authenticated_role_arn {
        roles.insert("authenticated".into(), json!(a));
    }
    if let Some(u) = &p.unauthenticated_role_arn {
        roles.insert("unauthenticated".into(), json!(u));
    }
    let region = p.id.split_once(':').map_or("us-east-1", |(r, _)| r);
    let mut mappings: BTreeMap<String, Value> = BTreeMap::new();
    for up in &p.seed.user_pool_providers {
        if let Some(kind) = up.role_resolution.as_deref().filter(|k| *k != "Default") {
            let key = format!(
                "cognito-idp.{region}.amazonaws.com/{}:{}",
                up.user_pool, up.client_id
            );
            mappings.insert(
                key,
                mapping_json(kind, up.ambiguous_role_resolution.as_deref(), &up.rules),
            );
        }
    }
    for (provider, m) in &p.seed.role_mappings {
        mappings.insert(
            provider.clone(),
            mapping_json(
                &m.role_resolution,
                m.ambiguous_role_resolution.as_deref(),
                &m.rules,
            ),
        );
    }
    json!({ "IdentityPoolId": p.id, "Roles": roles, "RoleMappings": mappings })
}

fn mapping_json(kind: &str, ambiguous: Option<&str>, rules: &[MappingRuleSeed]) -> Value {
    let mut out = json!({ "Type": kind });
    if let Some(a) = ambiguous {
        out["AmbiguousRoleResolution"] = json!(a);
    }
    if kind == "Rules" {
        out["RulesConfiguration"] = json!({
            "Rules": rules.iter().map(|r| json!({
                "Claim": r.claim, "MatchType": r.match_type, "Value": r.value, "RoleARN": r.role_arn,
            })).collect::<Vec<_>>(),
        });
    }
    out
}
