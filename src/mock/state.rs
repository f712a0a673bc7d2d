//! The emulator's runtime state, shared by all services behind one mutex.
//!
//! Handlers lock [`Shared`], do their work without awaiting, and unlock; latency faults are
//! awaited outside the lock.

use super::keys::SigningKey;
use super::seed::{AppClientSeed, Seed, UserSeed};
use crate::time::SharedClock;
use crate::{Error, ErrorKind, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// The state shared by the server's handlers and the running emulator's handle.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    inner: Arc<Mutex<State>>,
    clock: SharedClock,
}

impl Shared {
    pub(crate) fn new(state: State, clock: SharedClock) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
            clock,
        }
    }

    /// Locks the state. A handler that panicked cannot leave it half-written in a way that
    /// matters to an emulator, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The emulator's clock (the services' "now").
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The emulator's clock.
    pub(crate) fn clock(&self) -> &SharedClock {
        &self.clock
    }
}

/// Everything the emulated services know.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) credential_lifetime: Duration,
    /// By pool id.
    pub(crate) user_pools: BTreeMap<String, UserPool>,
    /// By issuer URL (`https://accounts.google.com`).
    pub(crate) oidc_issuers: BTreeMap<String, OidcIssuer>,
    /// By identity pool id.
    pub(crate) identity_pools: BTreeMap<String, IdentityPool>,
    /// By role ARN.
    pub(crate) roles: BTreeMap<String, Role>,
    /// By API id.
    pub(crate) apis: BTreeMap<String, Api>,
    /// Temporary credentials issued by the identity pool or STS, by access key id.
    pub(crate) credentials: HashMap<String, IssuedCredentials>,
    /// Calls per operation name (`InitiateAuth`, `GetId`, `AssumeRoleWithWebIdentity`,
    /// `execute-api`), counted before faults are applied.
    pub(crate) calls: HashMap<String, u64>,
    /// Faults waiting to be served, per operation name.
    pub(crate) faults: HashMap<String, Vec<PendingFault>>,
    /// The key cognito-identity signs GetOpenIdToken tokens with
    /// (`iss` = `https://cognito-identity.amazonaws.com`); STS verifies them with it.
    pub(crate) cognito_identity_key: SigningKey,
    /// The role session name of credentials issued by STS, by access key id. Credentials
    /// not listed here came from an identity pool: their session is `CognitoIdentityCredentials`.
    pub(crate) session_names: HashMap<String, String>,
}

/// A fault to serve on the next calls of an operation.
#[derive(Debug, Clone)]
pub(crate) struct PendingFault {
    pub(crate) fault: super::Fault,
    /// How many more calls it applies to.
    pub(crate) remaining: u32,
}

/// A user pool.
pub(crate) struct UserPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key: SigningKey,
    pub(crate) prevent_user_existence_errors: bool,
    pub(crate) username_attributes: Vec<String>,
    /// By client id.
    pub(crate) clients: BTreeMap<String, AppClient>,
    /// By group name.
    pub(crate) groups: BTreeMap<String, Group>,
    /// By username.
    pub(crate) users: BTreeMap<String, User>,
    /// Refresh tokens issued, by token value.
    pub(crate) refresh_tokens: HashMap<String, RefreshTokenRecord>,
    /// Open challenge sessions (the `Session` string), for NEW_PASSWORD_REQUIRED, MFA, MFA_SETUP.
    pub(crate) sessions: HashMap<String, ChallengeState>,
    /// Open SRP exchanges, keyed by username: the server's secret `b` and public `B`.
    pub(crate) srp_pending: HashMap<String, SrpPending>,
    /// Access-token `jti`s revoked by RevokeToken (their `origin_jti` family) or sign-out.
    pub(crate) revoked_origin_jtis: std::collections::HashSet<String>,
    /// MFA required (`MfaConfiguration = ON`): users without TOTP get the MFA_SETUP challenge.
    pub(crate) mfa_required: bool,
    /// MFA codes sent by SMS or e-mail, oldest first.
    pub(crate) outbox: Vec<OutboxEntry>,
}

impl std::fmt::Debug for UserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Refresh tokens and challenge sessions are map keys: only their number is shown.
        f.debug_struct("UserPool")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("clients", &self.clients)
            .field("groups", &self.groups)
            .field("users", &self.users)
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("sessions", &self.sessions.len())
            .field("mfa_required", &self.mfa_required)
            .finish_non_exhaustive()
    }
}

impl UserPool {
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub(crate) fn issuer(&self, region: &str) -> String {
        format!("https://cognito-idp.{region}.amazonaws.com/{}", self.id)
    }

    /// The part of the id after `_`, as SRP hashes it.
    pub(crate) fn srp_pool_name(&self) -> &str {
        self.id.split_once('_').map(|(_, n)| n).unwrap_or(&self.id)
    }

    /// Finds a user by username or, when the pool allows it, by an alias attribute.
    pub(crate) fn find_user(&self, name: &str) -> Option<&User> {
        self.users.get(name).or_else(|| {
            self.users.values().find(|u| {
                self.username_attributes
                    .iter()
                    .any(|attr| u.attributes.get(attr).is_some_and(|v| v == name))
            })
        })
    }
}

/// An app client.
#[derive(Clone)]
pub(crate) struct AppClient {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) secret: Option<String>,
    pub(crate) explicit_auth_flows: Vec<String>,
    pub(crate) id_token_validity: Duration,
    pub(crate) access_token_validity: Duration,
    pub(crate) refresh_token_validity: Duration,
    pub(crate) access_token_scopes: Vec<String>,
    pub(crate) refresh_token_rotation: bool,
}

/// A group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) role_arn: Option<String>,
    pub(crate) precedence: Option<i64>,
}

/// A user's account status, as Cognito names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserStatus {
    Confirmed,
    ForceChangePassword,
    Unconfirmed,
    ResetRequired,
}

/// A user. The password itself is not kept: only its SRP salt and verifier.
#[derive(Clone)]
pub(crate) struct User {
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) salt: Vec<u8>,
    /// v = g^x mod N, big-endian.
    pub(crate) verifier: Vec<u8>,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) groups: Vec<String>,
    pub(crate) status: UserStatus,
    pub(crate) enabled: bool,
    /// Base32 TOTP secret, once associated.
    pub(crate) totp_secret: Option<String>,
    /// SOFTWARE_TOKEN_MFA enabled (verified).
    pub(crate) totp_enabled: bool,
    /// Tokens issued before this time are rejected by Cognito's own APIs (GlobalSignOut).
    pub(crate) signed_out_at: Option<SystemTime>,
    /// A TOTP secret from AssociateSoftwareToken, waiting for VerifySoftwareToken.
    pub(crate) pending_totp_secret: Option<String>,
    /// SMS_MFA enabled (codes to `phone_number`).
    pub(crate) sms_mfa_enabled: bool,
    /// EMAIL_OTP enabled (codes to `email`).
    pub(crate) email_mfa_enabled: bool,
    /// `SMS_MFA`, `EMAIL_OTP` or `SOFTWARE_TOKEN_MFA`, when the user has a preference.
    pub(crate) preferred_mfa: Option<String>,
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client secret stays out.
        f.debug_struct("AppClient")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_secret", &self.secret.is_some())
            .field("explicit_auth_flows", &self.explicit_auth_flows)
            .field("access_token_scopes", &self.access_token_scopes)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // TOTP secrets and the password verifier stay out.
        f.debug_struct("User")
            .field("username", &self.username)
            .field("sub", &self.sub)
            .field("groups", &self.groups)
            .field("status", &self.status)
            .field("enabled", &self.enabled)
            .field("totp_enabled", &self.totp_enabled)
            .field("sms_mfa_enabled", &self.sms_mfa_enabled)
            .field("email_mfa_enabled", &self.email_mfa_enabled)
            .field("preferred_mfa", &self.preferred_mfa)
            .finish_non_exhaustive()
    }
}

/// A refresh token the pool issued.
#[derive(Debug, Clone)]
pub(crate) struct RefreshTokenRecord {
    pub(crate) username: String,
    pub(crate) client_id: String,
    pub(crate) expires_at: SystemTime,
    /// The `origin_jti` shared by every token issued from the same sign-in.
    pub(crate) origin_jti: String,
    pub(crate) revoked: bool,
    /// When the user signed in (the tokens' `auth_time`).
    pub(crate) auth_time: SystemTime,
}

/// What an open challenge session is waiting for.
#[derive(Clone)]
pub(crate) struct ChallengeState {
    pub(crate) username: String,
    pub(crate) client_id: String,
    /// `NEW_PASSWORD_REQUIRED`, `SOFTWARE_TOKEN_MFA`, `MFA_SETUP`, ...
    pub(crate) challenge: String,
    pub(crate) expires_at: SystemTime,
    /// The code sent for SMS_MFA / EMAIL_OTP: it lives and dies with the session.
    pub(crate) code: Option<String>,
}

impl std::fmt::Debug for ChallengeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The one-time code stays out.
        f.debug_struct("ChallengeState")
            .field("username", &self.username)
            .field("client_id", &self.client_id)
            .field("challenge", &self.challenge)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A code the emulator "delivered" by SMS or e-mail, kept for tests to read.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEntry {
    pub(crate) username: String,
    pub(crate) sent: super::idp::SentCode,
}

/// The server's half of an SRP exchange in progress.
#[derive(Clone)]
pub(crate) struct SrpPending {
    pub(crate) client_id: String,
    /// Server secret `b`, big-endian.
    pub(crate) b: Vec<u8>,
    /// Client public `A`, big-endian.
    pub(crate) a_pub: Vec<u8>,
    /// Server public `B`, big-endian.
    pub(crate) b_pub: Vec<u8>,
    pub(crate) secret_block: Vec<u8>,
    pub(crate) expires_at: SystemTime,
}

impl std::fmt::Debug for SrpPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `b` is the server's SRP secret.
        f.debug_struct("SrpPending")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A Google-like OIDC issuer hosted by the emulator.
#[derive(Debug)]
pub(crate) struct OidcIssuer {
    pub(crate) issuer: String,
    pub(crate) key: SigningKey,
    pub(crate) client_ids: Vec<String>,
}

/// An identity pool.
#[derive(Debug)]
pub(crate) struct IdentityPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) allow_unauthenticated: bool,
    pub(crate) allow_classic_flow: bool,
    /// User-pool providers by provider name (`cognito-idp.<region>.amazonaws.com/<poolId>`).
    pub(crate) user_pool_providers: BTreeMap<String, UserPoolProvider>,
    /// OIDC / social providers: provider name → allowed audiences.
    pub(crate) oidc_providers: BTreeMap<String, Vec<String>>,
    pub(crate) authenticated_role_arn: Option<String>,
    pub(crate) unauthenticated_role_arn: Option<String>,
    /// By identity id.
    pub(crate) identities: BTreeMap<String, Identity>,
}

/// A user pool attached to an identity pool.
#[derive(Debug, Clone)]
pub(crate) struct UserPoolProvider {
    pub(crate) user_pool_id: String,
    pub(crate) client_id: String,
    /// Role from the token's `cognito:preferred_role`.
    pub(crate) token_role_resolution: bool,
    /// With token resolution and no role in the token: deny rather than use the default role.
    pub(crate) deny_ambiguous: bool,
}

/// An identity (`<region>:<uuid>`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    /// Provider name → subject linked to this identity. Empty for a guest.
    pub(crate) logins: BTreeMap<String, String>,
}

/// An IAM role (its ARN is its key in [`State::roles`]).
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// `execute-api:Invoke` resource patterns.
    pub(crate) invoke: Vec<String>,
}

/// An API Gateway REST API.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) stages: Vec<String>,
    pub(crate) resources: Vec<Resource>,
}

/// A resource and its methods.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) path: String,
    pub(crate) methods: Vec<Method>,
}

/// A method and its authorization.
#[derive(Debug, Clone)]
pub(crate) struct Method {
    /// Upper case; `ANY` matches every method.
    pub(crate) http_method: String,
    pub(crate) auth: MethodAuth,
}

/// How a method is authorized.
#[derive(Debug, Clone)]
pub(crate) enum MethodAuth {
    None,
    AwsIam,
    CognitoUserPools {
        user_pool_id: String,
        scopes: Vec<String>,
        header: String,
    },
}

/// Temporary credentials the emulator issued: its API Gateway accepts them only with their own
/// session token and only until they expire.
#[derive(Clone)]
pub(crate) struct IssuedCredentials {
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) role_arn: String,
    /// The identity id (identity pools) or the web identity's subject (STS).
    pub(crate) subject: String,
}

impl std::fmt::Debug for IssuedCredentials {
    // The secret key and session token never print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("expires_at", &self.expires_at)
            .field("role_arn", &self.role_arn)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Who signed a request, once [`State::verify_issued`] accepted it.
#[derive(Debug)]
pub(crate) struct Caller<'a> {
    pub(crate) access_key_id: String,
    pub(crate) issued: &'a IssuedCredentials,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub(crate) arn: String,
}

/// Random alphanumeric string (`[A-Za-z0-9]`).
pub(crate) fn random_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// Random lowercase alphanumeric string, like app client ids.
pub(crate) fn random_lower_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// A random version-4 UUID.
pub(crate) fn random_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn bad_seed(message: String) -> Error {
    Error::new(ErrorKind::Config, format!("emulator seed: {message}"))
}

impl State {
    /// Builds the state from a seed, generating ids, keys and SRP verifiers.
    pub(crate) fn from_seed(seed: &Seed) -> Result<State> {
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
            roles: BTreeMap::new(),
            apis: BTreeMap::new(),
            credentials: HashMap::new(),
            calls: HashMap::new(),
            faults: HashMap::new(),
            cognito_identity_key: SigningKey::generate(),
            session_names: HashMap::new(),
        };

        for p in &seed.user_pools {
            let id =
                p.id.clone()
                    .unwrap_or_else(|| format!("{region}_{}", random_alnum(9)));
            if !id.starts_with(&format!("{region}_")) {
                return Err(bad_seed(format!(
                    "user pool id `{id}` is not in region {region}"
                )));
            }
            let mut pool = UserPool {
                id: id.clone(),
                name: p.name.clone(),
                key: SigningKey::generate(),
                prevent_user_existence_errors: p.prevent_user_existence_errors,
                username_attributes: p.username_attributes.clone(),
                clients: BTreeMap::new(),
                groups: BTreeMap::new(),
                users: BTreeMap::new(),
                refresh_tokens: HashMap::new(),
                sessions: HashMap::new(),
                srp_pending: HashMap::new(),
                revoked_origin_jtis: Default::default(),
                outbox: Vec::new(),
                mfa_required: match p.mfa_configuration.as_deref() {
                    None | Some("OFF") | Some("OPTIONAL") => false,
                    Some("ON") => true,
                    Some(other) => {
                        return Err(bad_seed(format!(
                            "user pool `{}`: unknown mfa_configuration `{other}`",
                            p.name
                        )));
                    }
                },
            };
            for c in &p.clients {
                let client = app_client(c);
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
                for g in &u.groups {
                    if !pool.groups.contains_key(g) {
                        return Err(bad_seed(format!("user `{}`: no group `{g}`", u.username)));
                    }
                }
                let status = match u.status.as_deref().unwrap_or("CONFIRMED") {
                    "CONFIRMED" => UserStatus::Confirmed,
                    "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
                    "UNCONFIRMED" => UserStatus::Unconfirmed,
                    "RESET_REQUIRED" => UserStatus::ResetRequired,
                    other => {
                        return Err(bad_seed(format!(
                            "user `{}`: unknown status `{other}`",
                            u.username
                        )));
                    }
                };
                check_mfa_seed(u)?;
                let salt: [u8; 16] = rand::random();
                let verifier = super::srp_server::verifier(
                    pool.srp_pool_name(),
                    &u.username,
                    &u.password,
                    &salt,
                );
                let user = User {
                    username: u.username.clone(),
                    sub: random_uuid(),
                    salt: salt.to_vec(),
                    verifier,
                    attributes: u.attributes.clone(),
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
                };
                pool.users.insert(user.username.clone(), user);
            }
            state.user_pools.insert(id, pool);
        }

        for o in &seed.oidc_providers {
            state.oidc_issuers.insert(
                o.issuer.clone(),
                OidcIssuer {
                    issuer: o.issuer.clone(),
                    key: SigningKey::generate(),
                    client_ids: o.client_ids.clone(),
                },
            );
        }

        for ip in &seed.identity_pools {
            let id = ip
                .id
                .clone()
                .unwrap_or_else(|| format!("{region}:{}", random_uuid()));
            let mut providers = BTreeMap::new();
            for up in &ip.user_pool_providers {
                let pool = state.find_user_pool(&up.user_pool).ok_or_else(|| {
                    bad_seed(format!(
                        "identity pool `{}`: no user pool `{}`",
                        ip.name, up.user_pool
                    ))
                })?;
                let client = pool
                    .clients
                    .values()
                    .find(|c| c.id == up.client_id || c.name == up.client_id)
                    .ok_or_else(|| {
                        bad_seed(format!(
                            "identity pool `{}`: no app client `{}`",
                            ip.name, up.client_id
                        ))
                    })?;
                providers.insert(
                    format!("cognito-idp.{region}.amazonaws.com/{}", pool.id),
                    UserPoolProvider {
                        user_pool_id: pool.id.clone(),
                        client_id: client.id.clone(),
                        token_role_resolution: up.role_resolution.as_deref() == Some("Token"),
                        deny_ambiguous: up.ambiguous_role_resolution.as_deref() == Some("Deny"),
                    },
                );
            }
            state.identity_pools.insert(
                id.clone(),
                IdentityPool {
                    id,
                    name: ip.name.clone(),
                    allow_unauthenticated: ip.allow_unauthenticated,
                    allow_classic_flow: ip.allow_classic_flow,
                    user_pool_providers: providers,
                    oidc_providers: ip.oidc_providers.clone(),
                    authenticated_role_arn: ip.authenticated_role_arn.clone(),
                    unauthenticated_role_arn: ip.unauthenticated_role_arn.clone(),
                    identities: BTreeMap::new(),
                },
            );
        }

        for r in &seed.roles {
            state.roles.insert(
                r.arn.clone(),
                Role {
                    invoke: r.invoke.clone(),
                },
            );
        }

        for a in &seed.apis {
            let id = a.id.clone().unwrap_or_else(|| random_lower_alnum(10));
            let stages = if a.stages.is_empty() {
                vec!["prod".to_owned()]
            } else {
                a.stages.clone()
            };
            let mut resources = Vec::new();
            for r in &a.resources {
                let mut methods = Vec::new();
                for m in &r.methods {
                    let auth = match m.authorization.as_str() {
                        "NONE" | "" => MethodAuth::None,
                        "AWS_IAM" => MethodAuth::AwsIam,
                        "COGNITO_USER_POOLS" => {
                            let pool_ref = m.user_pool.as_deref().unwrap_or_default();
                            let pool = state.find_user_pool(pool_ref).ok_or_else(|| {
                                bad_seed(format!(
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
                            return Err(bad_seed(format!(
                                "api `{}`: unknown authorization `{other}`",
                                a.name
                            )));
                        }
                    };
                    methods.push(Method {
                        http_method: m.http_method.to_ascii_uppercase(),
                        auth,
                    });
                }
                resources.push(Resource {
                    path: r.path.clone(),
                    methods,
                });
            }
            state.apis.insert(
                id.clone(),
                Api {
                    id,
                    name: a.name.clone(),
                    stages,
                    resources,
                },
            );
        }
        Ok(state)
    }

    /// Verifies a SigV4-signed request against the credentials this emulator issued: the
    /// signature (for `service` in this region), then that the session token is the one issued
    /// with the key and that the credentials have not expired — as AWS checks temporary
    /// credentials. Returns the caller.
    pub(crate) fn verify_issued(
        &self,
        req: &super::sigv4::SignedRequest<'_>,
        service: &str,
        now: SystemTime,
    ) -> std::result::Result<Caller<'_>, super::sigv4::Rejection> {
        use super::sigv4::Rejection;
        let secret_for = |id: &str| {
            self.credentials
                .get(id)
                .map(|c| c.secret_access_key.clone())
        };
        let verified = super::sigv4::verify(req, &secret_for, &self.region, service, now)?;
        let issued = self
            .credentials
            .get(&verified.access_key_id)
            .ok_or(Rejection::UnknownAccessKey)?;
        // Constant time, like the signature check: the token is a secret.
        let token_ok = verified.session_token.as_deref().is_some_and(|sent| {
            super::srp_server::ct_eq(sent.as_bytes(), issued.session_token.as_bytes())
        });
        if !token_ok {
            return Err(Rejection::InvalidSecurityToken);
        }
        if now >= issued.expires_at {
            return Err(Rejection::ExpiredToken);
        }
        let session = self
            .session_names
            .get(&verified.access_key_id)
            .map(String::as_str)
            .unwrap_or(super::sts::IDENTITY_POOL_SESSION_NAME);
        let arn = super::sts::assumed_role_arn(self, &issued.role_arn, session);
        Ok(Caller {
            access_key_id: verified.access_key_id,
            issued,
            arn,
        })
    }

    /// A user pool by id or name.
    pub(crate) fn find_user_pool(&self, id_or_name: &str) -> Option<&UserPool> {
        self.user_pools
            .get(id_or_name)
            .or_else(|| self.user_pools.values().find(|p| p.name == id_or_name))
    }

    /// An identity pool by id or name.
    pub(crate) fn find_identity_pool(&self, id_or_name: &str) -> Option<&IdentityPool> {
        self.identity_pools
            .get(id_or_name)
            .or_else(|| self.identity_pools.values().find(|p| p.name == id_or_name))
    }
}

/// A user's MFA settings must be usable: a phone for SMS, an address for e-mail, and a
/// preferred method that is enabled.
fn check_mfa_seed(u: &UserSeed) -> Result<()> {
    let has = |attr: &str| u.attributes.get(attr).is_some_and(|v| !v.trim().is_empty());
    if u.sms_mfa && !has("phone_number") {
        return Err(bad_seed(format!(
            "user `{}`: sms_mfa needs a `phone_number` attribute",
            u.username
        )));
    }
    if u.email_mfa && !has("email") {
        return Err(bad_seed(format!(
            "user `{}`: email_mfa needs an `email` attribute",
            u.username
        )));
    }
    // A secret that is not base32 would make every code a silent CodeMismatchException.
    if let Some(secret) = u.totp_secret.as_deref()
        && super::idp::totp_code(secret, std::time::UNIX_EPOCH).is_err()
    {
        return Err(bad_seed(format!(
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
                return Err(bad_seed(format!(
                    "user `{}`: unknown preferred_mfa `{other}` (SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA)",
                    u.username
                )));
            }
        };
        if !enabled {
            return Err(bad_seed(format!(
                "user `{}`: preferred_mfa `{preferred}` is not enabled for the user",
                u.username
            )));
        }
    }
    Ok(())
}

fn app_client(c: &AppClientSeed) -> AppClient {
    AppClient {
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
        access_token_scopes: c.access_token_scopes.clone(),
        refresh_token_rotation: c.refresh_token_rotation,
    }
}
