//! Cognito identity pools: trading login tokens for temporary AWS credentials.
//!
//! The enhanced flow is GetId (which identity is this?) then GetCredentialsForIdentity (its
//! credentials). Both go through the official `aws-sdk-cognitoidentity` client, built with no
//! credentials provider: these operations are unauthenticated, and the SDK must never walk the
//! default credentials chain or probe IMDS on a user's device.
//!
//! The basic (classic) flow is GetOpenIdToken (a Cognito-signed OpenID token for the identity)
//! then STS `AssumeRoleWithWebIdentity` with a role the caller names; it goes through the
//! official `aws-sdk-sts` client, built the same way (that operation is unsigned too).
//!
//! Role choice in the enhanced flow is the identity pool's: its default authenticated or
//! unauthenticated role, the token's `cognito:preferred_role` (user pools with role resolution
//! from the token), or an explicit `CustomRoleArn`, which must be one of the token's
//! `cognito:roles`; a role the token does not allow is [`ErrorKind::RoleNotAllowed`].

use crate::config::{CognitoConfig, Service};
use crate::error::from_sdk;
use crate::secret::Jwt;
use crate::time::{Clock, SharedClock, share, system_clock};
use crate::user_pool::DEFAULT_TIMEOUT;
use crate::{Error, ErrorKind, Result};
use aws_credential_types::Credentials;
use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
use aws_smithy_types::timeout::TimeoutConfig;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, SystemTime};

/// The key of a login in an identity pool's logins map.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LoginProvider {
    /// A Cognito user pool: `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    UserPool {
        /// The user pool's region.
        region: String,
        /// The user pool id.
        user_pool_id: String,
    },
    /// Google: `accounts.google.com`.
    Google,
    /// Facebook: `graph.facebook.com`.
    Facebook,
    /// Login with Amazon: `www.amazon.com`.
    Amazon,
    /// Sign in with Apple: `appleid.apple.com`.
    Apple,
    /// Any OpenID Connect issuer, given by its issuer URL (the key is the URL without
    /// `https://`).
    Oidc(String),
    /// A SAML provider, given by its ARN.
    Saml(String),
    /// A developer-authenticated identity: the identity pool's own OpenID token that the app's
    /// back end obtained with GetOpenIdTokenForDeveloperIdentity, under the key
    /// `cognito-identity.amazonaws.com`. The token comes with its identity id (GetId refuses
    /// such tokens): give both with [`Logins::with_developer`], or a
    /// [`DeveloperTokenSource`](crate::credentials::DeveloperTokenSource) to
    /// [`FederatedCredentials`](crate::credentials::FederatedCredentials).
    Developer,
}

impl LoginProvider {
    /// The provider's key in the logins map, exactly as Cognito expects it.
    pub fn key(&self) -> String {
        match self {
            LoginProvider::UserPool {
                region,
                user_pool_id,
            } => {
                format!("cognito-idp.{region}.amazonaws.com/{user_pool_id}")
            }
            LoginProvider::Google => "accounts.google.com".to_owned(),
            LoginProvider::Facebook => "graph.facebook.com".to_owned(),
            LoginProvider::Amazon => "www.amazon.com".to_owned(),
            LoginProvider::Apple => "appleid.apple.com".to_owned(),
            LoginProvider::Oidc(issuer) => issuer
                .trim_start_matches("https://")
                .trim_end_matches('/')
                .to_owned(),
            LoginProvider::Saml(arn) => arn.clone(),
            LoginProvider::Developer => "cognito-identity.amazonaws.com".to_owned(),
        }
    }
}

/// The logins map sent to GetId and GetCredentialsForIdentity: provider key → token.
///
/// Empty for a guest (unauthenticated identity).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Logins {
    tokens: BTreeMap<String, Jwt>,
    /// The identity a developer token ([`LoginProvider::Developer`]) was issued for.
    developer_identity_id: Option<String>,
}

impl Logins {
    /// No logins: a guest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the token for a provider.
    pub fn with(mut self, provider: &LoginProvider, token: Jwt) -> Self {
        self.tokens.insert(provider.key(), token);
        self
    }

    /// Adds (or replaces) the token for a provider key given as text.
    pub fn with_key(mut self, provider_key: impl Into<String>, token: Jwt) -> Self {
        self.tokens.insert(provider_key.into(), token);
        self
    }

    /// Adds (or replaces) a developer-authenticated identity's token
    /// ([`LoginProvider::Developer`]) with the identity id the back end obtained it for: the
    /// exchanges use that identity, without GetId.
    pub fn with_developer(mut self, identity_id: impl Into<String>, token: Jwt) -> Self {
        self.tokens.insert(LoginProvider::Developer.key(), token);
        self.developer_identity_id = Some(identity_id.into());
        self
    }

    /// The identity id of the developer token, if the logins hold one (see
    /// [`with_developer`](Self::with_developer)).
    pub fn developer_identity_id(&self) -> Option<&str> {
        self.developer_identity_id.as_deref()
    }

    /// Logins holding a user pool's ID token, keyed as the config's user pool.
    pub fn user_pool(config: &CognitoConfig, id_token: Jwt) -> Result<Self> {
        let key = config.user_pool_provider_name().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "`user_pool_id` is required for user-pool logins",
            )
        })?;
        Ok(Self::new().with_key(key, id_token))
    }

    /// Whether there are no logins (a guest).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The provider keys, sorted.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.tokens.keys().map(String::as_str)
    }

    /// The token for a provider key.
    pub fn get(&self, provider_key: &str) -> Option<&Jwt> {
        self.tokens.get(provider_key)
    }

    fn to_sdk(&self) -> Option<HashMap<String, String>> {
        (!self.tokens.is_empty()).then(|| {
            self.tokens
                .iter()
                .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
                .collect()
        })
    }
}

impl fmt::Debug for Logins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Provider names only: the tokens are secrets.
        f.debug_set().entries(self.tokens.keys()).finish()
    }
}

/// Builds an [`IdentityPoolClient`]; made by [`IdentityPoolClient::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct IdentityPoolClientBuilder {
    config: CognitoConfig,
    clock: Option<SharedClock>,
    timeout: Duration,
}

impl IdentityPoolClientBuilder {
    /// The clock to judge the credentials' expiry with (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// How long one call may take in all (default 30 s); connecting stays limited to 5 s, or
    /// less if `timeout` is shorter. A silent server then fails the call with a retryable
    /// [`ErrorKind::Network`] error instead of hanging every caller waiting on the refresh.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The client. Makes no network call.
    ///
    /// Errors: [`ErrorKind::Config`] if the configuration has no identity pool.
    pub fn build(self) -> Result<IdentityPoolClient> {
        let config = &self.config;
        let identity_pool_id = config.require_identity_pool()?.to_owned();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(self.timeout))
            .operation_timeout(self.timeout)
            .build();
        let mut builder = aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region().to_owned()))
            // The session retries with its own backoff, reading the crate's clock, and keeps
            // serving valid credentials meanwhile; SDK retries would only add hidden waits.
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .timeout_config(timeouts.clone())
            .http_client(crate::runtime::sdk_http_client());
        if let Some(url) = config.endpoint_override(Service::CognitoIdentity) {
            builder = builder.endpoint_url(url.as_str());
        }
        if let Some(name) = crate::config::sdk_app_name(config) {
            builder = builder.app_name(name);
        }
        // AssumeRoleWithWebIdentity is unsigned: no credentials provider, so the SDK never
        // looks for ambient credentials; retries disabled for the same reason as above.
        let mut sts = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(config.region().to_owned()))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .timeout_config(timeouts)
            .http_client(crate::runtime::sdk_http_client());
        if let Some(url) = config.endpoint_override(Service::Sts) {
            sts = sts.endpoint_url(url.as_str());
        }
        if let Some(name) = crate::config::sdk_app_name(config) {
            sts = sts.app_name(name);
        }
        Ok(IdentityPoolClient {
            sdk: aws_sdk_cognitoidentity::Client::from_conf(builder.build()),
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
            identity_pool_id,
            clock: self.clock.unwrap_or_else(system_clock),
        })
    }
}

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Client for one Cognito identity pool. Cheap to clone.
#[derive(Clone)]
pub struct IdentityPoolClient {
    sdk: aws_sdk_cognitoidentity::Client,
    sts: aws_sdk_sts::Client,
    identity_pool_id: String,
    clock: SharedClock,
}

impl fmt::Debug for IdentityPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityPoolClient")
            .field("identity_pool_id", &self.identity_pool_id)
            .finish_non_exhaustive()
    }
}

impl IdentityPoolClient {
    /// A client for the config's identity pool (which must be set), with the defaults
    /// (system clock, [`DEFAULT_TIMEOUT`]).
    pub fn new(config: &CognitoConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder for a client of the config's identity pool.
    pub fn builder(config: &CognitoConfig) -> IdentityPoolClientBuilder {
        IdentityPoolClientBuilder {
            config: config.clone(),
            clock: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The identity pool id.
    pub fn identity_pool_id(&self) -> &str {
        &self.identity_pool_id
    }

    /// The clock this client judges expiry with.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// GetId: the identity id for these logins (a new guest identity when `logins` is empty and
    /// the pool allows guests).
    pub async fn get_id(&self, logins: &Logins) -> Result<String> {
        let span = tracing::debug_span!("cognito.get_id", providers = ?logins);
        let _enter = span.enter();
        let out = self
            .sdk
            .get_id()
            .identity_pool_id(&self.identity_pool_id)
            .set_logins(logins.to_sdk())
            .send()
            .await
            .map_err(|e| from_sdk("GetId", e))?;
        let id = out
            .identity_id()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "GetId: no IdentityId in the answer",
                )
            })?;
        tracing::debug!(identity_id = id, "identity resolved");
        Ok(id.to_owned())
    }

    /// GetCredentialsForIdentity (enhanced flow): temporary credentials for `identity_id`,
    /// optionally for a role named in the token's `cognito:roles` (`custom_role_arn`).
    pub async fn get_credentials(
        &self,
        identity_id: &str,
        logins: &Logins,
        custom_role_arn: Option<&str>,
    ) -> Result<Credentials> {
        let (_, credentials) = self.exchange(identity_id, logins, custom_role_arn).await?;
        Ok(credentials)
    }

    /// GetCredentialsForIdentity, returning the identity id the answer names with the
    /// credentials: when a guest identity is handed logins that already belong to another
    /// identity, the service merges them and answers with that identity's id.
    async fn exchange(
        &self,
        identity_id: &str,
        logins: &Logins,
        custom_role_arn: Option<&str>,
    ) -> Result<(String, Credentials)> {
        let out = self
            .sdk
            .get_credentials_for_identity()
            .identity_id(identity_id)
            .set_logins(logins.to_sdk())
            .set_custom_role_arn(custom_role_arn.map(str::to_owned))
            .send()
            .await
            .map_err(|e| {
                let err = from_sdk("GetCredentialsForIdentity", e);
                // Not InvalidIdentityPoolConfiguration ("Check assigned IAM roles"): that is
                // the pool's set-up, whatever role was asked for.
                if custom_role_arn.is_some()
                    && err
                        .service_code()
                        .is_some_and(|c| c.ends_with("InvalidParameterException"))
                    && err.message().to_ascii_lowercase().contains("role")
                {
                    err.with_kind(ErrorKind::RoleNotAllowed)
                } else {
                    err
                }
            })?;
        let c = out.credentials().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "GetCredentialsForIdentity: no Credentials in the answer",
            )
        })?;
        let missing = |field: &str| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("GetCredentialsForIdentity: no {field} in the answer"),
            )
        };
        let access_key_id = c
            .access_key_id()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("AccessKeyId"))?;
        let secret = c
            .secret_key()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("SecretKey"))?;
        let token = c
            .session_token()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("SessionToken"))?;
        let expiration = c.expiration().ok_or_else(|| missing("Expiration"))?;
        let expires_at = self.checked_expiry("GetCredentialsForIdentity", expiration)?;
        let answered_id = out
            .identity_id()
            .filter(|id| !id.is_empty())
            .unwrap_or(identity_id);
        if answered_id != identity_id {
            tracing::info!(
                sent = identity_id,
                answered = answered_id,
                "the service answered for another identity (merged)"
            );
        }
        tracing::debug!(identity_id = answered_id, expires_at = ?expires_at, "credentials issued");
        let credentials = Credentials::new(
            access_key_id,
            secret,
            Some(token.to_owned()),
            Some(expires_at),
            "CognitoIdentity",
        );
        Ok((answered_id.to_owned(), credentials))
    }

    /// GetId (unless an identity id is cached) then GetCredentialsForIdentity.
    ///
    /// A cached id that the service rejects — unknown (ResourceNotFound) or not linked to these
    /// logins (NotAuthorized) — is dropped: GetId runs once more and the exchange is retried
    /// once, as aws-sdk-android does. Returns the identity id in use — the one the answer names,
    /// which differs from the cached one when the service merged a guest identity into the
    /// person's own — and the credentials.
    ///
    /// Logins with a developer token ([`Logins::with_developer`]) use its identity id, whatever
    /// is cached, and never GetId (which refuses the pool's own tokens).
    pub async fn credentials_for(
        &self,
        cached_identity_id: Option<&str>,
        logins: &Logins,
        custom_role_arn: Option<&str>,
    ) -> Result<(String, Credentials)> {
        if let Some(id) = logins.developer_identity_id() {
            return self.exchange(id, logins, custom_role_arn).await;
        }
        if let Some(cached) = cached_identity_id {
            match self.exchange(cached, logins, custom_role_arn).await {
                Ok(answer) => return Ok(answer),
                Err(e) if is_stale_identity(&e) => {
                    tracing::info!(identity_id = cached, error = %e, "cached identity id rejected; resolving it again");
                }
                Err(e) => return Err(e),
            }
        }
        let id = self.get_id(logins).await?;
        self.exchange(&id, logins, custom_role_arn).await
    }
    /// GetOpenIdToken (basic flow, first step): a Cognito-signed OpenID Connect token for
    /// `identity_id`, valid for ten minutes, to trade at STS. Empty `logins` for a guest.
    ///
    /// Errors: [`ErrorKind::InvalidParameter`] when the pool does not allow the basic flow;
    /// [`ErrorKind::NotAuthorized`] for logins that do not verify or do not match the identity;
    /// [`ErrorKind::ResourceNotFound`] for an unknown identity.
    pub async fn get_open_id_token(&self, identity_id: &str, logins: &Logins) -> Result<Jwt> {
        let out = self
            .sdk
            .get_open_id_token()
            .identity_id(identity_id)
            .set_logins(logins.to_sdk())
            .send()
            .await
            .map_err(|e| from_sdk("GetOpenIdToken", e))?;
        let token = out.token().filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "GetOpenIdToken: no Token in the answer",
            )
        })?;
        tracing::debug!(identity_id, "OpenID token issued");
        Ok(Jwt::new(token))
    }

    /// The basic (classic) flow: GetOpenIdToken for `identity_id`, then STS
    /// AssumeRoleWithWebIdentity for `role_arn` — the pool's authenticated role for an
    /// identity with logins, its unauthenticated role for a guest (the trust policy Cognito
    /// writes allows no other). `session_name` names the role session (2–64 characters of
    /// `[\w+=,.@-]`); `duration` defaults to the role's (one hour), AWS accepting 15 minutes
    /// to 12 hours.
    ///
    /// Errors: those of [`get_open_id_token`](Self::get_open_id_token);
    /// [`ErrorKind::RoleNotAllowed`] when STS refuses the role for this token (`AccessDenied`);
    /// [`ErrorKind::NotAuthorized`] for a token STS rejects (invalid or expired);
    /// [`ErrorKind::InvalidParameter`] for a malformed role ARN, session name or duration.
    pub async fn basic_flow_credentials(
        &self,
        identity_id: &str,
        logins: &Logins,
        role_arn: &str,
        session_name: &str,
        duration: Option<Duration>,
    ) -> Result<Credentials> {
        let token = self.get_open_id_token(identity_id, logins).await?;
        self.assume_role_with_web_identity(&token, role_arn, session_name, duration)
            .await
    }

    /// The basic flow with the enhanced flow's identity handling: GetId unless an identity id
    /// is cached, then [`basic_flow_credentials`](Self::basic_flow_credentials); a cached id
    /// the service rejects as stale is resolved again once (as in
    /// [`credentials_for`](Self::credentials_for)). Returns the identity id in use and the
    /// credentials.
    ///
    /// A developer token ([`Logins::with_developer`]) already is the OpenID token: it goes to
    /// STS as it is, for its identity.
    pub async fn basic_flow_credentials_for(
        &self,
        cached_identity_id: Option<&str>,
        logins: &Logins,
        role_arn: &str,
        session_name: &str,
        duration: Option<Duration>,
    ) -> Result<(String, Credentials)> {
        if let (Some(id), Some(token)) = (
            logins.developer_identity_id(),
            logins.get(&LoginProvider::Developer.key()),
        ) {
            let creds = self
                .assume_role_with_web_identity(token, role_arn, session_name, duration)
                .await?;
            return Ok((id.to_owned(), creds));
        }
        if let Some(cached) = cached_identity_id {
            match self.get_open_id_token(cached, logins).await {
                Ok(token) => {
                    let creds = self
                        .assume_role_with_web_identity(&token, role_arn, session_name, duration)
                        .await?;
                    return Ok((cached.to_owned(), creds));
                }
                Err(e) if is_stale_identity(&e) => {
                    tracing::info!(identity_id = cached, error = %e, "cached identity id rejected; resolving it again");
                }
                Err(e) => return Err(e),
            }
        }
        let id = self.get_id(logins).await?;
        let creds = self
            .basic_flow_credentials(&id, logins, role_arn, session_name, duration)
            .await?;
        Ok((id, creds))
    }

    /// STS AssumeRoleWithWebIdentity with any web identity token (a GetOpenIdToken token, or
    /// an OIDC provider's ID token when the role trusts that provider directly).
    pub async fn assume_role_with_web_identity(
        &self,
        web_identity_token: &Jwt,
        role_arn: &str,
        session_name: &str,
        duration: Option<Duration>,
    ) -> Result<Credentials> {
        let duration_secs = duration
            .map(|d| {
                i32::try_from(d.as_secs()).map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidParameter,
                        "AssumeRoleWithWebIdentity: the duration is out of range",
                    )
                })
            })
            .transpose()?;
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(web_identity_token.expose_secret())
            .set_duration_seconds(duration_secs)
            .send()
            .await
            .map_err(|e| sts_error(from_sdk("AssumeRoleWithWebIdentity", e)))?;
        let c = out.credentials().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "AssumeRoleWithWebIdentity: no Credentials in the answer",
            )
        })?;
        if c.access_key_id().is_empty()
            || c.secret_access_key().is_empty()
            || c.session_token().is_empty()
        {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "AssumeRoleWithWebIdentity: incomplete Credentials in the answer",
            ));
        }
        let expires_at = self.checked_expiry("AssumeRoleWithWebIdentity", c.expiration())?;
        tracing::debug!(role_arn, expires_at = ?expires_at, "role assumed");
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            Some(expires_at),
            "CognitoIdentityBasicFlow",
        ))
    }

    /// The answer's expiry as a `SystemTime`, refusing credentials that are already expired.
    fn checked_expiry(
        &self,
        operation: &str,
        expiration: &aws_smithy_types::DateTime,
    ) -> Result<SystemTime> {
        // The SDK parses `Expiration` from integer or fractional epoch seconds alike.
        let expires_at = SystemTime::try_from(*expiration).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("{operation}: Expiration out of range"),
            )
        })?;
        if expires_at <= self.clock.now() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{operation}: the credentials had already expired (is the device clock right?)"
                ),
            ));
        }
        Ok(expires_at)
    }
}

/// STS's answers in the crate's terms: a trust-policy refusal is a role this token may not
/// assume, and a token STS cannot validate is a login that is not authorized (as at
/// GetCredentialsForIdentity).
fn sts_error(e: Error) -> Error {
    match e.service_code() {
        Some("AccessDenied") => e.with_kind(ErrorKind::RoleNotAllowed),
        Some("InvalidIdentityToken" | "InvalidIdentityTokenException" | "IDPRejectedClaim") => {
            e.with_kind(ErrorKind::NotAuthorized)
        }
        _ => e,
    }
}

/// Whether an error from GetCredentialsForIdentity means the identity id is stale rather than
/// the logins bad.
fn is_stale_identity(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::ResourceNotFound => true,
        ErrorKind::NotAuthorized => e.message().contains("Logins don't match"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_keys_are_cognitos() {
        let up = LoginProvider::UserPool {
            region: "eu-west-2".into(),
            user_pool_id: "eu-west-2_AbC".into(),
        };
        assert_eq!(
            up.key(),
            "cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC"
        );
        assert_eq!(LoginProvider::Google.key(), "accounts.google.com");
        assert_eq!(LoginProvider::Facebook.key(), "graph.facebook.com");
        assert_eq!(LoginProvider::Amazon.key(), "www.amazon.com");
        assert_eq!(LoginProvider::Apple.key(), "appleid.apple.com");
        assert_eq!(
            LoginProvider::Oidc("https://login.example.com/tenant/".into()).key(),
            "login.example.com/tenant"
        );
        let saml = "arn:aws:iam::123456789012:saml-provider/Corp";
        assert_eq!(LoginProvider::Saml(saml.into()).key(), saml);
        assert_eq!(
            LoginProvider::Developer.key(),
            "cognito-identity.amazonaws.com"
        );
    }

    #[test]
    fn logins_debug_names_providers_but_not_tokens() {
        let logins = Logins::new()
            .with(&LoginProvider::Google, Jwt::new("MARKER-token-1"))
            .with(&LoginProvider::Apple, Jwt::new("MARKER-token-2"));
        let dbg = format!("{logins:?}");
        assert!(dbg.contains("accounts.google.com") && dbg.contains("appleid.apple.com"));
        assert!(!dbg.contains("MARKER"), "{dbg}");
    }

    #[test]
    fn stale_identity_is_told_apart_from_bad_logins() {
        assert!(is_stale_identity(&Error::from_service(
            "ResourceNotFoundException",
            "Identity 'x' not found."
        )));
        assert!(is_stale_identity(&Error::from_service(
            "NotAuthorizedException",
            "Invalid login token. Logins don't match. Please include at least one valid login for this identity or identity pool."
        )));
        assert!(!is_stale_identity(&Error::from_service(
            "NotAuthorizedException",
            "Invalid login token. Token expired"
        )));
        assert!(!is_stale_identity(&Error::new(ErrorKind::Network, "reset")));
    }
}
