//! Building the state from a seed, one resource kind at a time. Ids, keys and SRP verifiers are
//! generated here, and every reference between resources is checked, so that a bad seed fails
//! at start-up instead of as a puzzling service error later.

use super::api::{Api, Method, MethodAuth, Resource};
use super::device::DeviceTracking;
use super::iam::{Role, TrustStatement};
use super::oauth::OAuthClient;
use super::shared::State;
use super::user_pool::{AppClient, Group, User, UserPool, UserStatus};
use crate::crypto::{random_alnum, random_lower_alnum, random_uuid, totp_code};
use crate::error::Error;
use crate::fault::FaultPlan;
use crate::keys::{PoolKeys, SigningKey};
use crate::policy::{Kind as PolicyKind, Policy, federated_name};
use crate::seed::{
    ApiSeed, AppClientSeed, IdentityPoolSeed, MethodSeed, ResourceSeed, RoleSeed, Seed,
    UserPoolSeed, UserSeed,
};
use crate::srp_server;
use identity::{identity_pool, oidc_issuer, test_login};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

mod identity;

impl State {
    /// Builds the state from a seed, generating ids, keys and SRP verifiers.
    pub(crate) fn from_seed(seed: &Seed) -> Result<State, Error> {
        let region = seed
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned());
        let account_id = seed
            .account_id
            .clone()
            .unwrap_or_else(|| "123456789012".to_owned());
        let mut state = State {
            region: region.clone(),
            account_id,
            credential_lifetime: Duration::from_secs(seed.credential_lifetime_secs.unwrap_or(3600)),
            user_pools: BTreeMap::new(),
            oidc_issuers: BTreeMap::new(),
            identity_pools: BTreeMap::new(),
            test_logins: HashMap::new(),
            identity_pool_order: Vec::new(),
            roles: BTreeMap::new(),
            apis: BTreeMap::new(),
            credentials: HashMap::new(),
            faults: FaultPlan::default(),
            cognito_identity_key: SigningKey::generate(),
            session_names: HashMap::new(),
            forgotten_at: None,
            authorizer_cache: Default::default(),
            admin_keys: if seed.admin_keys.is_empty() {
                HashMap::from([("test".to_owned(), "test".to_owned())])
            } else {
                seed.admin_keys
                    .iter()
                    .map(|k| (k.access_key_id.clone(), k.secret_access_key.clone()))
                    .collect()
            },
        };
        // Identity pools and APIs refer to user pools: those come first.
        for p in &seed.user_pools {
            let pool = user_pool(p, &region)?;
            state.user_pools.insert(pool.id.clone(), pool);
        }
        for o in &seed.oidc_providers {
            state.oidc_issuers.insert(o.issuer.clone(), oidc_issuer(o));
        }
        for t in &seed.test_logins {
            let (key, login) = test_login(t)?;
            state.test_logins.insert(key, login);
        }
        for ip in &seed.identity_pools {
            let pool = identity_pool(&state, ip)?;
            state.identity_pool_order.push(pool.id.clone());
            state.identity_pools.insert(pool.id.clone(), pool);
        }
        for r in &seed.roles {
            state.roles.insert(r.arn.clone(), role(r)?);
        }
        for a in &seed.apis {
            let api = api(&state, a)?;
            state.apis.insert(api.id.clone(), api);
        }
        Ok(state)
    }
}

impl State {
    /// A user pool as the seed `p` would make it (CreateUserPool builds one this way).
    pub(crate) fn new_user_pool(&self, p: &UserPoolSeed) -> Result<UserPool, Error> {
        user_pool(p, &self.region)
    }

    /// An identity pool as the seed `ip` would make it (CreateIdentityPool).
    pub(crate) fn new_identity_pool(
        &self,
        ip: &IdentityPoolSeed,
    ) -> Result<super::IdentityPool, Error> {
        identity_pool(self, ip)
    }

    /// A role as the seed `r` would make it (CreateRole).
    pub(crate) fn new_role(r: &RoleSeed) -> Result<Role, Error> {
        role(r)
    }
}

impl UserPool {
    /// An app client of this pool as the seed `c` would make it (CreateUserPoolClient).
    pub(crate) fn new_client(&self, c: &AppClientSeed) -> Result<AppClient, Error> {
        let client = app_client(c)?;
        if let Some(scope) = client
            .oauth
            .scopes
            .iter()
            .find(|s| !STANDARD_SCOPES.contains(&s.as_str()) && !self.custom_scopes.contains(s))
        {
            return Err(Error::seed(format!(
                "app client `{}`: OAuth scope `{scope}` is neither a standard scope nor one of \
                 the pool's resource servers'",
                c.name
            )));
        }
        Ok(client)
    }

    /// A user of this pool as the seed `u` would make it (AdminCreateUser).
    pub(crate) fn new_user(&self, u: &UserSeed) -> Result<User, Error> {
        user(self, u, random_uuid())
    }

    /// A user as the seed `u` would make it, with the given `sub` (a value a request must keep
    /// across its passes: see `lambda::replay::stable`).
    pub(crate) fn new_user_with_sub(&self, u: &UserSeed, sub: String) -> Result<User, Error> {
        user(self, u, sub)
    }
}

fn user_pool(p: &UserPoolSeed, region: &str) -> Result<UserPool, Error> {
    let id =
        p.id.clone()
            .unwrap_or_else(|| format!("{region}_{}", random_alnum(9)));
    if !id.starts_with(&format!("{region}_")) {
        return Err(Error::seed(format!(
            "user pool id `{id}` is not in region {region}"
        )));
    }
    check_sign_in_attributes(p)?;
    let mut pool = UserPool {
        id,
        name: p.name.clone(),
        key: PoolKeys::pinned(
            p.id_token_signing_key.as_ref().map(|k| k.0.as_str()),
            p.access_token_signing_key.as_ref().map(|k| k.0.as_str()),
        )
        .map_err(|field| {
            Error::seed(format!(
                "user pool `{}`: {field} is not an RSA private key in PKCS#8 PEM",
                p.name
            ))
        })?,
        username_attributes: p.username_attributes.clone(),
        alias_attributes: p.alias_attributes.clone(),
        clients: BTreeMap::new(),
        groups: BTreeMap::new(),
        users: BTreeMap::new(),
        refresh_tokens: HashMap::new(),
        sessions: HashMap::new(),
        srp_pending: HashMap::new(),
        revoked_origin_jtis: Default::default(),
        outbox: Vec::new(),
        custom_scopes: p
            .resource_servers
            .iter()
            .flat_map(|r| {
                r.scopes
                    .iter()
                    .map(move |s| format!("{}/{s}", r.identifier))
            })
            .collect(),
        oauth: Default::default(),
        account_codes: Default::default(),
        passwordless: super::Passwordless::from_seed(p)?,
        device_tracking: p.device_configuration.map(|d| DeviceTracking {
            challenge_required_on_new_device: d.challenge_required_on_new_device,
            only_remembered_on_user_prompt: d.device_only_remembered_on_user_prompt,
        }),
        devices: Default::default(),
        settings: Default::default(),
        lambda: p.lambda_config.clone().unwrap_or_default(),
        mfa_required: match p.mfa_configuration.as_deref() {
            None | Some("OFF") | Some("OPTIONAL") => false,
            Some("ON") => true,
            Some(other) => {
                return Err(Error::seed(format!(
                    "user pool `{}`: unknown mfa_configuration `{other}`",
                    p.name
                )));
            }
        },
    };
    for c in &p.clients {
        let mut client = app_client(c)?;
        if let Some(scope) = client
            .oauth
            .scopes
            .iter()
            .find(|s| !STANDARD_SCOPES.contains(&s.as_str()) && !pool.custom_scopes.contains(s))
        {
            return Err(Error::seed(format!(
                "app client `{}`: OAuth scope `{scope}` is neither a standard scope nor one of \
                 the pool's resource servers'",
                c.name
            )));
        }
        // The pool-level flag of older seeds applies to every client.
        client.prevent_user_existence_errors |= p.prevent_user_existence_errors;
        pool.clients.insert(client.id.clone(), client);
    }
    for g in &p.groups {
        pool.groups.insert(
            g.name.clone(),
            Group {
                role_arn: g.role_arn.clone(),
                precedence: g.precedence,
            },
        );
    }
    for u in &p.users {
        let sub = match &u.sub {
            Some(sub) if crate::crypto::is_uuid(sub) => sub.clone(),
            Some(_) => {
                return Err(Error::seed(format!(
                    "user `{}`: sub is not a UUID (8-4-4-4-12 hexadecimal digits)",
                    u.username
                )));
            }
            None => random_uuid(),
        };
        if pool.users.values().any(|other| other.sub == sub) {
            return Err(Error::seed(format!(
                "user `{}`: sub {sub} is another user's",
                u.username
            )));
        }
        let user = user(&pool, u, sub)?;
        // Every name a user signs in with must find that user only, as AWS keeps usernames
        // and (verified) aliases unique in a pool.
        let names = std::iter::once(&user.username).chain(
            pool.username_attributes
                .iter()
                .chain(&pool.alias_attributes)
                .filter_map(|a| user.attributes.get(a)),
        );
        for name in names {
            if let Some(other) = pool.find_user(name) {
                return Err(Error::seed(format!(
                    "user pool `{}`: users `{}` and `{}` both sign in as `{name}`",
                    p.name, other.username, u.username
                )));
            }
        }
        pool.users.insert(user.username.clone(), user);
    }
    Ok(pool)
}

/// `username_attributes` and `alias_attributes` hold only what AWS allows in each, and not
/// both (CreateUserPool refuses that too).
fn check_sign_in_attributes(p: &UserPoolSeed) -> Result<(), Error> {
    let lists = [
        (
            "username_attributes",
            &p.username_attributes,
            &["email", "phone_number"][..],
        ),
        (
            "alias_attributes",
            &p.alias_attributes,
            &["email", "phone_number", "preferred_username"][..],
        ),
    ];
    for (field, values, allowed) in lists {
        if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
            return Err(Error::seed(format!(
                "user pool `{}`: {field} may hold {} only, not `{bad}`",
                p.name,
                allowed.join(", ")
            )));
        }
    }
    if !p.username_attributes.is_empty() && !p.alias_attributes.is_empty() {
        return Err(Error::seed(format!(
            "user pool `{}`: username_attributes and alias_attributes cannot both be set (AWS \
             allows one or the other)",
            p.name
        )));
    }
    Ok(())
}

/// In a pool with `username_attributes`, the seed's `username` is the e-mail address or phone
/// number the user signs in with: it is stored as that attribute, and Cognito's username is
/// the user's `sub`, as AWS generates a UUID username for such pools. Elsewhere the seed's
/// `username` is Cognito's username and the attributes are kept as given.
fn cognito_username(
    pool: &UserPool,
    u: &UserSeed,
    sub: &str,
    attributes: &mut BTreeMap<String, String>,
) -> Result<String, Error> {
    if pool.username_attributes.is_empty() {
        return Ok(u.username.clone());
    }
    let allows = |a: &str| pool.username_attributes.iter().any(|x| x == a);
    let is_phone = u.username.len() > 1
        && u.username.starts_with('+')
        && u.username[1..].bytes().all(|b| b.is_ascii_digit());
    let attr = if allows("email") && u.username.contains('@') {
        "email"
    } else if allows("phone_number") && is_phone {
        "phone_number"
    } else {
        // AdminCreateUser's words for such a name; the seed points to AliasAttributes, which
        // is what a pool of named users with e-mail sign-in is on AWS.
        let wanted = match (allows("email"), allows("phone_number")) {
            (true, true) => "either an email or a phone number",
            (true, false) => "an email",
            _ => "a phone number",
        };
        return Err(Error::seed(format!(
            "user `{}`: Username should be {wanted}: the pool's username_attributes make the \
             username an e-mail address or phone number (Cognito generates the username); for \
             users with their own names who may also sign in by e-mail, use alias_attributes",
            u.username
        )));
    };
    match attributes.get(attr) {
        Some(v) if *v != u.username => {
            return Err(Error::seed(format!(
                "user `{}`: its `{attr}` attribute differs from the username, which is the {attr} \
                 in a pool with username_attributes",
                u.username
            )));
        }
        _ => {
            attributes.insert(attr.to_owned(), u.username.clone());
        }
    }
    Ok(sub.to_owned())
}

/// AWS's ranges for an app client's token lifetimes: ID and access tokens 5 minutes to 1 day,
/// refresh tokens 60 minutes to 10 years (3650 days).
const TOKEN_LIFETIMES: [(&str, u64, u64, &str); 3] = [
    ("id_token_validity_secs", 300, 86_400, "5 minutes to 1 day"),
    (
        "access_token_validity_secs",
        300,
        86_400,
        "5 minutes to 1 day",
    ),
    (
        "refresh_token_validity_secs",
        3600,
        3650 * 86_400,
        "60 minutes to 10 years",
    ),
];

fn app_client(c: &AppClientSeed) -> Result<AppClient, Error> {
    // A lifetime AWS would refuse is refused here too, so that what works against the emulator
    // works against AWS; tests that need tokens to expire sooner move the clock instead.
    let lifetimes = [
        c.id_token_validity_secs,
        c.access_token_validity_secs,
        c.refresh_token_validity_secs,
    ];
    for ((field, min, max, range), secs) in TOKEN_LIFETIMES.iter().zip(lifetimes) {
        if !(*min..=*max).contains(&secs) {
            return Err(Error::seed(format!(
                "app client `{}`: {field} must be from {min} to {max} seconds ({range}, AWS's range)",
                c.name
            )));
        }
    }
    // AWS's range for RetryGracePeriodSeconds.
    if c.refresh_token_retry_grace_period_secs > 60 {
        return Err(Error::seed(format!(
            "app client `{}`: refresh_token_retry_grace_period_secs must be 0 to 60",
            c.name
        )));
    }
    Ok(AppClient {
        id: c.id.clone().unwrap_or_else(|| random_lower_alnum(26)),
        name: c.name.clone(),
        secret: c
            .secret
            .clone()
            .or_else(|| c.generate_secret.then(|| random_lower_alnum(51))),
        explicit_auth_flows: c.explicit_auth_flows.clone(),
        id_token_validity: Duration::from_secs(c.id_token_validity_secs),
        access_token_validity: Duration::from_secs(c.access_token_validity_secs),
        refresh_token_validity: Duration::from_secs(c.refresh_token_validity_secs),
        refresh_token_rotation: c.refresh_token_rotation,
        refresh_token_grace: Duration::from_secs(c.refresh_token_retry_grace_period_secs),
        prevent_user_existence_errors: c.prevent_user_existence_errors,
        oauth: oauth_client(c)?,
    })
}

/// The OAuth scopes every pool has.
const STANDARD_SCOPES: [&str; 5] = [
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// An app client's OAuth settings, refused where AWS's CreateUserPoolClient refuses them.
fn oauth_client(c: &AppClientSeed) -> Result<OAuthClient, Error> {
    for flow in &c.allowed_oauth_flows {
        if !matches!(flow.as_str(), "code" | "client_credentials" | "implicit") {
            return Err(Error::seed(format!(
                "app client `{}`: unknown OAuth flow `{flow}` (code, implicit, client_credentials)",
                c.name
            )));
        }
    }
    let has = |flow: &str| c.allowed_oauth_flows.iter().any(|f| f == flow);
    if has("client_credentials") && (has("code") || has("implicit")) {
        return Err(Error::seed(format!(
            "app client `{}`: client_credentials cannot be combined with other OAuth flows (AWS)",
            c.name
        )));
    }
    if has("client_credentials") && c.secret.is_none() && !c.generate_secret {
        return Err(Error::seed(format!(
            "app client `{}`: client_credentials needs a client secret (AWS)",
            c.name
        )));
    }
    if (has("code") || has("implicit")) && c.callback_urls.is_empty() {
        return Err(Error::seed(format!(
            "app client `{}`: the code flow needs callback_urls",
            c.name
        )));
    }
    Ok(OAuthClient {
        flows: c.allowed_oauth_flows.clone(),
        scopes: c.allowed_oauth_scopes.clone(),
        callback_urls: c.callback_urls.clone(),
        logout_urls: c.logout_urls.clone(),
    })
}

/// A user of `pool`; the password is kept only as its SRP salt and verifier.
fn user(pool: &UserPool, u: &UserSeed, sub: String) -> Result<User, Error> {
    for g in &u.groups {
        if !pool.groups.contains_key(g) {
            return Err(Error::seed(format!(
                "user `{}`: no group `{g}`",
                u.username
            )));
        }
    }
    let status = match u.status.as_deref().unwrap_or("CONFIRMED") {
        "CONFIRMED" => UserStatus::Confirmed,
        "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
        "UNCONFIRMED" => UserStatus::Unconfirmed,
        "RESET_REQUIRED" => UserStatus::ResetRequired,
        other => {
            return Err(Error::seed(format!(
                "user `{}`: unknown status `{other}`",
                u.username
            )));
        }
    };
    check_mfa(u)?;
    let mut attributes = u.attributes.clone();
    let username = cognito_username(pool, u, &sub, &mut attributes)?;
    let salt: [u8; 16] = rand::random();
    // Over Cognito's username (USER_ID_FOR_SRP), not the name typed.
    let verifier = srp_server::verifier(pool.srp_pool_name(), &username, &u.password, &salt);
    Ok(User {
        username,
        sub,
        salt: salt.to_vec(),
        verifier,
        attributes,
        groups: u.groups.clone(),
        status,
        enabled: !u.disabled,
        totp_secret: u.totp_secret.clone(),
        totp_enabled: u.totp_secret.is_some(),
        signed_out_at: None,
        pending_totp_secret: None,
        sms_mfa_enabled: u.sms_mfa,
        email_mfa_enabled: u.email_mfa,
        preferred_mfa: u.preferred_mfa.clone(),
        created: std::time::UNIX_EPOCH,
        modified: std::time::UNIX_EPOCH,
        lockout: Default::default(),
    })
}

/// A user's MFA settings must be usable: a phone for SMS, an address for e-mail, and a
/// preferred method that is enabled.
fn check_mfa(u: &UserSeed) -> Result<(), Error> {
    let has = |attr: &str| u.attributes.get(attr).is_some_and(|v| !v.trim().is_empty());
    if u.sms_mfa && !has("phone_number") {
        return Err(Error::seed(format!(
            "user `{}`: sms_mfa needs a `phone_number` attribute",
            u.username
        )));
    }
    if u.email_mfa && !has("email") {
        return Err(Error::seed(format!(
            "user `{}`: email_mfa needs an `email` attribute",
            u.username
        )));
    }
    // A secret that is not base32 would make every code a silent CodeMismatchException.
    if let Some(secret) = u.totp_secret.as_deref()
        && totp_code(secret, std::time::UNIX_EPOCH).is_err()
    {
        return Err(Error::seed(format!(
            "user `{}`: totp_secret is not base32",
            u.username
        )));
    }
    if let Some(preferred) = u.preferred_mfa.as_deref() {
        let enabled = match preferred {
            "SMS_MFA" => u.sms_mfa,
            "EMAIL_OTP" => u.email_mfa,
            "SOFTWARE_TOKEN_MFA" => u.totp_secret.is_some(),
            other => {
                return Err(Error::seed(format!(
                    "user `{}`: unknown preferred_mfa `{other}` (SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA)",
                    u.username
                )));
            }
        };
        if !enabled {
            return Err(Error::seed(format!(
                "user `{}`: preferred_mfa `{preferred}` is not enabled for the user",
                u.username
            )));
        }
    }
    Ok(())
}

/// A role; its `MaxSessionDuration` within IAM's range (1 to 12 hours).
fn role(r: &RoleSeed) -> Result<Role, Error> {
    let max = r.max_session_duration_secs.unwrap_or(3600);
    if !(3600..=43_200).contains(&max) {
        return Err(Error::seed(format!(
            "role {}: max_session_duration_secs must be from 3600 to 43200 seconds (IAM's range)",
            r.arn
        )));
    }
    if let Some(t) = r
        .trust
        .iter()
        .flatten()
        .find(|t| t.federated.trim().is_empty())
    {
        return Err(Error::seed(format!(
            "role {}: a trust statement needs `federated` (cognito-identity.amazonaws.com or a \
             provider), got {t:?}",
            r.arn
        )));
    }
    let trust = r.trust.as_ref().map(|statements| {
        statements
            .iter()
            .map(|t| TrustStatement {
                federated: federated_name(&t.federated),
                aud: t.aud.clone(),
                amr: t.amr.clone(),
            })
            .collect()
    });
    let document = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let trust_policy = r
        .trust_policy
        .as_ref()
        .map(|v| Policy::parse(&document(v), PolicyKind::Trust))
        .transpose()
        .map_err(|e| Error::seed(format!("role {}: trust_policy: {e}", r.arn)))?;
    let mut policies = BTreeMap::new();
    for (name, v) in &r.policies {
        let policy = Policy::parse(&document(v), PolicyKind::Permissions)
            .map_err(|e| Error::seed(format!("role {}: policy `{name}`: {e}", r.arn)))?;
        policies.insert(name.clone(), policy);
    }
    Ok(Role {
        invoke: r.invoke.clone(),
        max_session_duration_secs: max,
        trust,
        trust_policy,
        policies,
        role_id: format!("AROA{}", crate::crypto::random_upper_alnum(17)),
        created: std::time::UNIX_EPOCH,
        path: "/".to_owned(),
        description: None,
    })
}

/// A REST API; its Cognito authorizers must name user pools of the seed.
fn api(st: &State, a: &ApiSeed) -> Result<Api, Error> {
    let id = a.id.clone().unwrap_or_else(|| random_lower_alnum(10));
    let stages = if a.stages.is_empty() {
        vec!["prod".to_owned()]
    } else {
        a.stages.clone()
    };
    if let Some(path) = &a.openapi {
        if !a.resources.is_empty() {
            return Err(Error::seed(format!(
                "api `{}`: give `resources` or `openapi`, not both",
                a.name
            )));
        }
        let text = std::fs::read(path)
            .map_err(|e| Error::seed(format!("api `{}`: openapi {path}: {e}", a.name)))?;
        let imported = super::from_openapi::parse_document(&text)
            .and_then(|doc| super::from_openapi::import(&doc))
            .map_err(|e| Error::seed(format!("api `{}`: openapi {path}: {e}", a.name)))?;
        // As for a seed's own resources: a Cognito authorizer names a pool of the seed, or
        // every call would be refused without saying why.
        for r in &imported.resources {
            for m in &r.methods {
                if let MethodAuth::CognitoUserPools { user_pool_id, .. } = &m.auth
                    && !st.user_pools.contains_key(user_pool_id)
                {
                    return Err(Error::seed(format!(
                        "api `{}`: openapi {path}: {} {}: no user pool `{user_pool_id}` in the seed",
                        a.name, m.http_method, r.path
                    )));
                }
            }
        }
        let mut api = super::from_openapi::api(id, stages, imported);
        api.name = a.name.clone();
        return Ok(api);
    }
    let mut resources = Vec::new();
    for r in &a.resources {
        let methods = r
            .methods
            .iter()
            .map(|m| method(st, a, r, m))
            .collect::<Result<_, _>>()?;
        resources.push(Resource {
            path: r.path.clone(),
            methods,
        });
    }
    let websocket = match a.protocol.as_deref().unwrap_or("REST") {
        "REST" => None,
        "WEBSOCKET" => Some(match a.connect_authorization.as_deref().unwrap_or("NONE") {
            "NONE" => MethodAuth::None,
            "AWS_IAM" => MethodAuth::AwsIam,
            other => {
                return Err(Error::seed(format!(
                    "api `{}`: connect_authorization `{other}` (NONE or AWS_IAM)",
                    a.name
                )));
            }
        }),
        other => {
            return Err(Error::seed(format!(
                "api `{}`: protocol `{other}` (REST or WEBSOCKET)",
                a.name
            )));
        }
    };
    Ok(Api {
        id,
        name: a.name.clone(),
        stages,
        resources,
        websocket,
        created: None,
        warnings: Vec::new(),
    })
}

fn method(st: &State, a: &ApiSeed, r: &ResourceSeed, m: &MethodSeed) -> Result<Method, Error> {
    let auth = match m.authorization.as_str() {
        "NONE" | "" => MethodAuth::None,
        "AWS_IAM" => MethodAuth::AwsIam,
        "COGNITO_USER_POOLS" => {
            let pool_ref = m.user_pool.as_deref().unwrap_or_default();
            let pool = st.find_user_pool(pool_ref).ok_or_else(|| {
                Error::seed(format!(
                    "api `{}` {}: no user pool `{pool_ref}`",
                    a.name, r.path
                ))
            })?;
            MethodAuth::CognitoUserPools {
                user_pool_id: pool.id.clone(),
                scopes: m.scopes.clone(),
                header: m
                    .identity_source
                    .clone()
                    .unwrap_or_else(|| "Authorization".to_owned()),
            }
        }
        other => {
            return Err(Error::seed(format!(
                "api `{}`: unknown authorization `{other}`",
                a.name
            )));
        }
    };
    Ok(Method {
        http_method: m.http_method.to_ascii_uppercase(),
        auth,
        integration: Default::default(),
    })
}
