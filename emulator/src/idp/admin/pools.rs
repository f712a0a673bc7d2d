//! The control plane of user pools: pools, app clients, groups, domains, resource servers and
//! the pool's MFA configuration.

use super::{flag, invalid, page, pool, pool_not_found, strings, timestamp};
use crate::crypto::random_alnum;
use crate::idp::request::{Outcome, field, required};
use crate::seed::{AppClientSeed, LambdaConfigSeed, UserPoolSeed};
use crate::state::{AppClient, PasswordPolicy, State, UserPool};
use crate::wire::WireError;
use serde_json::{Map, Value, json};
use std::time::SystemTime;

const OPERATIONS: &[&str] = &[
    "CreateUserPool",
    "DescribeUserPool",
    "ListUserPools",
    "UpdateUserPool",
    "DeleteUserPool",
    "SetUserPoolMfaConfig",
    "GetUserPoolMfaConfig",
    "CreateUserPoolDomain",
    "DescribeUserPoolDomain",
    "DeleteUserPoolDomain",
    "CreateUserPoolClient",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
    "UpdateUserPoolClient",
    "DeleteUserPoolClient",
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "UpdateGroup",
    "DeleteGroup",
    "CreateResourceServer",
    "DescribeResourceServer",
    "ListResourceServers",
    "DeleteResourceServer",
];

/// The members of CreateUserPool / UpdateUserPool the emulator stores and describes as given.
const DESCRIBED: &[&str] = &[
    "Policies",
    "AutoVerifiedAttributes",
    "Schema",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "AdminCreateUserConfig",
    "EmailConfiguration",
    "SmsConfiguration",
    "VerificationMessageTemplate",
    "UserPoolTags",
    "DeletionProtection",
    "UserAttributeUpdateSettings",
];

pub(super) fn serves(op: &str) -> bool {
    OPERATIONS.contains(&op)
}

pub(super) fn serve(st: &mut State, now: SystemTime, op: &str, req: &Value) -> Outcome {
    match op {
        "CreateUserPool" => create_user_pool(st, now, req),
        "DescribeUserPool" => {
            let p = pool(st, req)?;
            Ok(json!({ "UserPool": describe_pool(p, &st_region(p)) }))
        }
        "ListUserPools" => list_user_pools(st, req),
        "UpdateUserPool" => update_user_pool(st, now, req),
        "DeleteUserPool" => {
            let id = required(req, "UserPoolId")?;
            st.user_pools.remove(id).ok_or_else(|| pool_not_found(id))?;
            Ok(json!({}))
        }
        "SetUserPoolMfaConfig" => set_mfa_config(st, req),
        "GetUserPoolMfaConfig" => {
            let p = pool(st, req)?;
            Ok(mfa_config(p))
        }
        "CreateUserPoolDomain" => {
            let domain = required(req, "Domain")?.to_owned();
            let p = pool(st, req)?;
            p.settings.domain = Some(domain);
            Ok(json!({}))
        }
        "DescribeUserPoolDomain" => describe_domain(st, req),
        "DeleteUserPoolDomain" => {
            let p = pool(st, req)?;
            p.settings.domain = None;
            Ok(json!({}))
        }
        "CreateUserPoolClient" => create_client(st, req),
        "DescribeUserPoolClient" => {
            let p = pool(st, req)?;
            let c = client(p, req)?;
            Ok(json!({ "UserPoolClient": describe_client(p, c) }))
        }
        "ListUserPoolClients" => {
            let p = pool(st, req)?;
            let items: Vec<Value> = p
                .clients
                .values()
                .map(|c| json!({ "ClientId": c.id, "ClientName": c.name, "UserPoolId": p.id }))
                .collect();
            let limit = req.get("MaxResults").and_then(Value::as_u64);
            let (items, next) = page(items, limit, field(req, "NextToken"))?;
            Ok(json!({ "UserPoolClients": items, "NextToken": next }))
        }
        "UpdateUserPoolClient" => update_client(st, req),
        "DeleteUserPoolClient" => {
            let p = pool(st, req)?;
            let id = client(p, req)?.id.clone();
            p.clients.remove(&id);
            Ok(json!({}))
        }
        "CreateGroup" | "UpdateGroup" => put_group(st, op, req),
        "GetGroup" => {
            let p = pool(st, req)?;
            let name = required(req, "GroupName")?;
            Ok(json!({ "Group": describe_group(p, name)? }))
        }
        "ListGroups" => {
            let p = pool(st, req)?;
            let names: Vec<String> = p.groups.keys().cloned().collect();
            let items = names
                .iter()
                .map(|n| describe_group(p, n))
                .collect::<Result<Vec<_>, _>>()?;
            let limit = req.get("Limit").and_then(Value::as_u64);
            let (items, next) = page(items, limit, field(req, "NextToken"))?;
            Ok(json!({ "Groups": items, "NextToken": next }))
        }
        "DeleteGroup" => {
            let p = pool(st, req)?;
            let name = required(req, "GroupName")?;
            p.groups.remove(name).ok_or_else(group_not_found)?;
            for u in p.users.values_mut() {
                u.groups.retain(|g| g != name);
            }
            Ok(json!({}))
        }
        "CreateResourceServer" => create_resource_server(st, req),
        "DescribeResourceServer" => {
            let p = pool(st, req)?;
            let id = required(req, "Identifier")?;
            let server = resource_server(p, id).ok_or_else(|| {
                WireError::json(
                    "ResourceNotFoundException",
                    format!("Resource server {id} does not exist."),
                )
            })?;
            Ok(json!({ "ResourceServer": server }))
        }
        "ListResourceServers" => {
            let p = pool(st, req)?;
            let ids = resource_server_ids(p);
            let items: Vec<Value> = ids.iter().filter_map(|i| resource_server(p, i)).collect();
            Ok(json!({ "ResourceServers": items }))
        }
        "DeleteResourceServer" => {
            let p = pool(st, req)?;
            let id = required(req, "Identifier")?;
            let prefix = format!("{id}/");
            p.custom_scopes.retain(|s| !s.starts_with(&prefix));
            Ok(json!({}))
        }
        _ => Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}

/// The region a pool lives in, from its id.
fn st_region(p: &UserPool) -> String {
    p.id.split_once('_')
        .map_or("us-east-1", |(r, _)| r)
        .to_owned()
}

fn create_user_pool(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let name = required(req, "PoolName")?;
    if name.is_empty() || name.chars().count() > 128 {
        return Err(WireError::invalid_parameter(format!(
            "1 validation error detected: Value '{name}' at 'poolName' failed to satisfy constraint: Member must have length between 1 and 128"
        )));
    }
    let seed = UserPoolSeed {
        id: Some(format!("{}_{}", st.region, random_alnum(9))),
        name: name.to_owned(),
        username_attributes: strings(req, "UsernameAttributes"),
        alias_attributes: strings(req, "AliasAttributes"),
        mfa_configuration: field(req, "MfaConfiguration").map(str::to_owned),
        lambda_config: lambda_config(req)?,
        ..Default::default()
    };
    let policy = password_policy(req)?;
    let mut pool = st.new_user_pool(&seed).map_err(invalid)?;
    if let Some(policy) = policy {
        pool.settings.password_policy = policy;
    }
    pool.settings.created = Some(now);
    pool.settings.modified = Some(now);
    store_described(&mut pool, req);
    let region = st.region.clone();
    let described = describe_pool(&pool, &region);
    st.user_pools.insert(pool.id.clone(), pool);
    Ok(json!({ "UserPool": described }))
}

/// `Policies.PasswordPolicy` of CreateUserPool / UpdateUserPool: absent members are off (the
/// length 8), as AWS reads a policy that is given.
fn password_policy(req: &Value) -> Result<Option<PasswordPolicy>, WireError> {
    let Some(p) = req.get("Policies").and_then(|p| p.get("PasswordPolicy")) else {
        return Ok(None);
    };
    let minimum_length = p.get("MinimumLength").and_then(Value::as_u64).unwrap_or(8);
    if !(6..=99).contains(&minimum_length) {
        return Err(WireError::invalid_parameter(format!(
            "1 validation error detected: Value '{minimum_length}' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99"
        )));
    }
    Ok(Some(PasswordPolicy {
        minimum_length: minimum_length as usize,
        require_uppercase: flag(p, "RequireUppercase", false),
        require_lowercase: flag(p, "RequireLowercase", false),
        require_numbers: flag(p, "RequireNumbers", false),
        require_symbols: flag(p, "RequireSymbols", false),
    }))
}

/// `LambdaConfig` of CreateUserPool / UpdateUserPool, with AWS's member names; an unknown
/// member or a value of the wrong type is refused as AWS's JSON protocol refuses it.
fn lambda_config(req: &Value) -> Result<Option<LambdaConfigSeed>, WireError> {
    let Some(v) = req.get("LambdaConfig").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let config: LambdaConfigSeed = serde_json::from_value(v.clone()).map_err(|e| {
        WireError::invalid_parameter(format!("Invalid LambdaConfig: {}", without_values(&e)))
    })?;
    for versioned in [
        &config.pre_token_generation_config,
        &config.custom_sms_sender,
        &config.custom_email_sender,
    ]
    .into_iter()
    .flatten()
    {
        if !matches!(versioned.lambda_version.as_str(), "V1_0" | "V2_0" | "V3_0") {
            return Err(WireError::invalid_parameter(format!(
                "1 validation error detected: Value '{}' at 'lambdaConfig.lambdaVersion' failed to satisfy constraint: Member must satisfy enum value set: [V1_0, V2_0, V3_0]",
                versioned.lambda_version
            )));
        }
    }
    if let (Some(plain), Some(versioned)) = (
        &config.pre_token_generation,
        &config.pre_token_generation_config,
    ) && plain != &versioned.lambda_arn
    {
        // AWS's rule: the two must name the same function when both are given.
        return Err(WireError::invalid_parameter(
            "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same.",
        ));
    }
    Ok(Some(config))
}

/// serde's message without the value it quotes (members are names; values may be anything).
fn without_values(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn store_described(pool: &mut UserPool, req: &Value) {
    for name in DESCRIBED {
        if let Some(v) = req.get(*name).filter(|v| !v.is_null()) {
            pool.settings
                .described
                .insert((*name).to_owned(), v.clone());
        }
    }
}

fn update_user_pool(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let policy = password_policy(req)?;
    let lambda = lambda_config(req)?;
    let p = pool(st, req)?;
    // UpdateUserPool sets what it does not name back to its default (AWS's API reference):
    // leaving `LambdaConfig` out removes the triggers.
    p.lambda = lambda.unwrap_or_default();
    if let Some(policy) = policy {
        p.settings.password_policy = policy;
    }
    if let Some(mfa) = field(req, "MfaConfiguration") {
        p.mfa_required = match mfa {
            "ON" => true,
            "OFF" | "OPTIONAL" => false,
            other => {
                return Err(WireError::invalid_parameter(format!(
                    "1 validation error detected: Value '{other}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
                )));
            }
        };
        p.settings
            .described
            .insert("MfaConfiguration".into(), json!(mfa));
    }
    store_described(p, req);
    p.settings.modified = Some(now);
    Ok(json!({}))
}

fn describe_pool(p: &UserPool, region: &str) -> Value {
    let account = "123456789012";
    let mut out = Map::new();
    out.insert("Id".into(), json!(p.id));
    out.insert("Name".into(), json!(p.name));
    out.insert(
        "Arn".into(),
        json!(format!(
            "arn:aws:cognito-idp:{region}:{account}:userpool/{}",
            p.id
        )),
    );
    let created = p.settings.created.unwrap_or(std::time::UNIX_EPOCH);
    out.insert("CreationDate".into(), timestamp(created));
    out.insert(
        "LastModifiedDate".into(),
        timestamp(p.settings.modified.unwrap_or(created)),
    );
    out.insert(
        "MfaConfiguration".into(),
        p.settings
            .described
            .get("MfaConfiguration")
            .cloned()
            .unwrap_or_else(|| json!(if p.mfa_required { "ON" } else { "OFF" })),
    );
    if !p.username_attributes.is_empty() {
        out.insert("UsernameAttributes".into(), json!(p.username_attributes));
    }
    if !p.alias_attributes.is_empty() {
        out.insert("AliasAttributes".into(), json!(p.alias_attributes));
    }
    out.insert("EstimatedNumberOfUsers".into(), json!(p.users.len()));
    if let Some(d) = &p.settings.domain {
        out.insert("Domain".into(), json!(d));
    }
    out.insert("LambdaConfig".into(), json!(p.lambda));
    for (k, v) in &p.settings.described {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

fn list_user_pools(st: &State, req: &Value) -> Outcome {
    let items: Vec<Value> = st
        .user_pools
        .values()
        .map(|p| {
            let created = p.settings.created.unwrap_or(std::time::UNIX_EPOCH);
            json!({
                "Id": p.id, "Name": p.name,
                "CreationDate": timestamp(created),
                "LastModifiedDate": timestamp(p.settings.modified.unwrap_or(created)),
                "LambdaConfig": p.lambda,
            })
        })
        .collect();
    let limit = req.get("MaxResults").and_then(Value::as_u64);
    let (items, next) = page(items, limit, field(req, "NextToken"))?;
    Ok(json!({ "UserPools": items, "NextToken": next }))
}

fn set_mfa_config(st: &mut State, req: &Value) -> Outcome {
    let p = pool(st, req)?;
    if let Some(totp) = req.get("SoftwareTokenMfaConfiguration") {
        p.settings.software_token_mfa = flag(totp, "Enabled", false);
    }
    if let Some(mfa) = field(req, "MfaConfiguration") {
        p.mfa_required = mfa == "ON";
        p.settings
            .described
            .insert("MfaConfiguration".into(), json!(mfa));
    }
    Ok(mfa_config(p))
}

fn mfa_config(p: &UserPool) -> Value {
    json!({
        "MfaConfiguration": p.settings.described.get("MfaConfiguration").cloned()
            .unwrap_or_else(|| json!(if p.mfa_required { "ON" } else { "OFF" })),
        "SoftwareTokenMfaConfiguration": { "Enabled": p.settings.software_token_mfa || p.mfa_required },
    })
}

fn describe_domain(st: &State, req: &Value) -> Outcome {
    let domain = required(req, "Domain")?;
    let found = st
        .user_pools
        .values()
        .find(|p| p.settings.domain.as_deref() == Some(domain));
    Ok(json!({
        "DomainDescription": found.map(|p| json!({
            "UserPoolId": p.id, "Domain": domain, "Status": "ACTIVE",
        })).unwrap_or(json!({})),
    }))
}

fn client<'a>(p: &'a UserPool, req: &Value) -> Result<&'a AppClient, WireError> {
    let id = required(req, "ClientId")?;
    p.clients.get(id).ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("User pool client {id} does not exist."),
        )
    })
}

/// An app client seed from CreateUserPoolClient's (or UpdateUserPoolClient's) members.
fn client_seed(req: &Value, base: AppClientSeed) -> Result<AppClientSeed, WireError> {
    let mut seed = base;
    if let Some(name) = field(req, "ClientName") {
        seed.name = name.to_owned();
    }
    if req.get("ExplicitAuthFlows").is_some() {
        seed.explicit_auth_flows = strings(req, "ExplicitAuthFlows");
    }
    // Validity in the units of `TokenValidityUnits` (AWS's defaults: hours for ID and access
    // tokens, days for refresh tokens).
    let units = req.get("TokenValidityUnits");
    let unit = |member: &str, default: &str| {
        units
            .and_then(|u| u.get(member))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let secs = |v: u64, unit: &str| match unit {
        "seconds" => Ok(v),
        "minutes" => Ok(v * 60),
        "hours" => Ok(v * 3600),
        "days" => Ok(v * 86_400),
        other => Err(WireError::invalid_parameter(format!(
            "Invalid time unit {other}"
        ))),
    };
    if let Some(v) = req.get("IdTokenValidity").and_then(Value::as_u64) {
        seed.id_token_validity_secs = secs(v, &unit("IdToken", "hours"))?;
    }
    if let Some(v) = req.get("AccessTokenValidity").and_then(Value::as_u64) {
        seed.access_token_validity_secs = secs(v, &unit("AccessToken", "hours"))?;
    }
    if let Some(v) = req.get("RefreshTokenValidity").and_then(Value::as_u64) {
        seed.refresh_token_validity_secs = secs(v, &unit("RefreshToken", "days"))?;
    }
    if let Some(p) = field(req, "PreventUserExistenceErrors") {
        seed.prevent_user_existence_errors = p == "ENABLED";
    }
    if req.get("AllowedOAuthFlows").is_some() {
        seed.allowed_oauth_flows = strings(req, "AllowedOAuthFlows");
    }
    if req.get("AllowedOAuthScopes").is_some() {
        seed.allowed_oauth_scopes = strings(req, "AllowedOAuthScopes");
    }
    if req.get("CallbackURLs").is_some() {
        seed.callback_urls = strings(req, "CallbackURLs");
    }
    if req.get("LogoutURLs").is_some() {
        seed.logout_urls = strings(req, "LogoutURLs");
    }
    if let Some(rotation) = req.get("RefreshTokenRotation") {
        seed.refresh_token_rotation = field(rotation, "Feature") == Some("ENABLED");
        seed.refresh_token_retry_grace_period_secs = rotation
            .get("RetryGracePeriodSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0);
    }
    Ok(seed)
}

fn create_client(st: &mut State, req: &Value) -> Outcome {
    required(req, "ClientName")?;
    let p = pool(st, req)?;
    let base = AppClientSeed {
        generate_secret: flag(req, "GenerateSecret", false),
        ..Default::default()
    };
    let seed = client_seed(req, base)?;
    let client = p.new_client(&seed).map_err(invalid)?;
    let described = describe_client(p, &client);
    p.clients.insert(client.id.clone(), client);
    Ok(json!({ "UserPoolClient": described }))
}

fn update_client(st: &mut State, req: &Value) -> Outcome {
    let p = pool(st, req)?;
    let old = client(p, req)?.clone();
    let base = AppClientSeed {
        id: Some(old.id.clone()),
        name: old.name.clone(),
        secret: old.secret.clone(),
        explicit_auth_flows: old.explicit_auth_flows.clone(),
        id_token_validity_secs: old.id_token_validity.as_secs(),
        access_token_validity_secs: old.access_token_validity.as_secs(),
        refresh_token_validity_secs: old.refresh_token_validity.as_secs(),
        refresh_token_rotation: old.refresh_token_rotation,
        refresh_token_retry_grace_period_secs: old.refresh_token_grace.as_secs(),
        prevent_user_existence_errors: old.prevent_user_existence_errors,
        allowed_oauth_flows: old.oauth.flows.clone(),
        allowed_oauth_scopes: old.oauth.scopes.clone(),
        callback_urls: old.oauth.callback_urls.clone(),
        logout_urls: old.oauth.logout_urls.clone(),
        ..Default::default()
    };
    let seed = client_seed(req, base)?;
    let client = p.new_client(&seed).map_err(invalid)?;
    let described = describe_client(p, &client);
    p.clients.insert(client.id.clone(), client);
    Ok(json!({ "UserPoolClient": described }))
}

fn describe_client(p: &UserPool, c: &AppClient) -> Value {
    let mut out = json!({
        "UserPoolId": p.id,
        "ClientName": c.name,
        "ClientId": c.id,
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "IdTokenValidity": c.id_token_validity.as_secs(),
        "AccessTokenValidity": c.access_token_validity.as_secs(),
        "RefreshTokenValidity": c.refresh_token_validity.as_secs(),
        "TokenValidityUnits": {
            "IdToken": "seconds", "AccessToken": "seconds", "RefreshToken": "seconds",
        },
        "PreventUserExistenceErrors": if c.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        "AllowedOAuthFlows": c.oauth.flows,
        "AllowedOAuthScopes": c.oauth.scopes,
        "AllowedOAuthFlowsUserPoolClient": !c.oauth.flows.is_empty(),
        "CallbackURLs": c.oauth.callback_urls,
        "LogoutURLs": c.oauth.logout_urls,
        "RefreshTokenRotation": {
            "Feature": if c.refresh_token_rotation { "ENABLED" } else { "DISABLED" },
            "RetryGracePeriodSeconds": c.refresh_token_grace.as_secs(),
        },
    });
    if let Some(secret) = &c.secret {
        // The control plane answers the secret, as AWS's DescribeUserPoolClient does.
        out["ClientSecret"] = json!(secret);
    }
    out
}

fn group_not_found() -> WireError {
    WireError::json("ResourceNotFoundException", "Group not found.")
}

fn describe_group(p: &UserPool, name: &str) -> Result<Value, WireError> {
    let g = p.groups.get(name).ok_or_else(group_not_found)?;
    let mut out = json!({ "GroupName": name, "UserPoolId": p.id });
    if let Some(role) = &g.role_arn {
        out["RoleArn"] = json!(role);
    }
    if let Some(precedence) = g.precedence {
        out["Precedence"] = json!(precedence);
    }
    if let Some(d) = p.settings.group_descriptions.get(name) {
        out["Description"] = json!(d);
    }
    Ok(out)
}

fn put_group(st: &mut State, op: &str, req: &Value) -> Outcome {
    let name = required(req, "GroupName")?.to_owned();
    let p = pool(st, req)?;
    let exists = p.groups.contains_key(&name);
    if op == "CreateGroup" && exists {
        return Err(WireError::json(
            "GroupExistsException",
            "A group with the name already exists.",
        ));
    }
    if op == "UpdateGroup" && !exists {
        return Err(group_not_found());
    }
    let mut group = p.groups.get(&name).cloned().unwrap_or(crate::state::Group {
        role_arn: None,
        precedence: None,
    });
    if let Some(role) = field(req, "RoleArn") {
        group.role_arn = Some(role.to_owned());
    }
    if let Some(precedence) = req.get("Precedence").and_then(Value::as_i64) {
        group.precedence = Some(precedence);
    }
    if let Some(d) = field(req, "Description") {
        p.settings
            .group_descriptions
            .insert(name.clone(), d.to_owned());
    }
    p.groups.insert(name.clone(), group);
    Ok(json!({ "Group": describe_group(p, &name)? }))
}

fn resource_server_ids(p: &UserPool) -> Vec<String> {
    let mut ids: Vec<String> = p
        .custom_scopes
        .iter()
        .filter_map(|s| s.rsplit_once('/').map(|(id, _)| id.to_owned()))
        .collect();
    ids.dedup();
    ids
}

fn resource_server(p: &UserPool, id: &str) -> Option<Value> {
    let prefix = format!("{id}/");
    let scopes: Vec<Value> = p
        .custom_scopes
        .iter()
        .filter_map(|s| s.strip_prefix(&prefix))
        .map(|s| json!({ "ScopeName": s, "ScopeDescription": s }))
        .collect();
    (!scopes.is_empty())
        .then(|| json!({ "UserPoolId": p.id, "Identifier": id, "Name": id, "Scopes": scopes }))
}

fn create_resource_server(st: &mut State, req: &Value) -> Outcome {
    let id = required(req, "Identifier")?.to_owned();
    required(req, "Name")?;
    let p = pool(st, req)?;
    let scopes: Vec<String> = req
        .get("Scopes")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|x| field(x, "ScopeName").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for s in scopes {
        let full = format!("{id}/{s}");
        if !p.custom_scopes.contains(&full) {
            p.custom_scopes.push(full);
        }
    }
    let server = resource_server(p, &id).unwrap_or_else(
        || json!({ "UserPoolId": p.id, "Identifier": id, "Name": id, "Scopes": [] }),
    );
    Ok(json!({ "ResourceServer": server }))
}
