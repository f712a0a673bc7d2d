//! Federated and guest identities: AWS credentials for people who sign in with Google, Facebook,
//! Login with Amazon, Apple, any OIDC issuer or a SAML provider — or not at all (guests) —
//! straight at an identity pool, without the user pool.
//!
//! [`FederatedCredentials`] is a refreshing credentials provider (cheap to clone, implements
//! [`ProvideCredentials`]). It asks each [`TokenSource`] for a fresh provider token every
//! time it renews the credentials; the identity id, the credentials and their single-flight
//! refresh are the [credentials core](super), shared with [`Session`](super::Session). By default it uses the
//! enhanced flow (GetId, GetCredentialsForIdentity: the pool chooses the role — its default
//! roles, the token's `cognito:preferred_role`, or a `CustomRoleArn` from `cognito:roles`);
//! with a [`BasicFlow`] it uses GetOpenIdToken and STS with the roles the app names.
//!
//! **Guests.** With no logins the provider holds an unauthenticated identity (when the pool
//! allows guests). When the guest signs in ([`FederatedCredentials::sign_in`]) the guest's
//! identity id is kept and sent to GetCredentialsForIdentity together with the new logins, so
//! that Cognito links the logins to it and the same identity id becomes authenticated. This is
//! what aws-sdk-android does: `CognitoCredentialsProvider.setLogins` clears only the
//! credentials ("but not the identity Id"), and the next refresh calls
//! GetCredentialsForIdentity with the cached id and the new logins, adopting whatever id the
//! answer names (`aws-amplify/aws-sdk-android`,
//! `aws-android-sdk-core/src/main/java/com/amazonaws/auth/CognitoCredentialsProvider.java`,
//! `populateCredentialsWithCognito`; AWS's guide, "Switching unauthenticated users to
//! authenticated users", says the identity keeps its id and its data is merged). GetId itself
//! takes no identity id: Amplify JS v6 calls it with the logins and notes "the guest identity
//! has become the primary identity" when Cognito answers with the guest's id. If the logins
//! already belong to another identity, Cognito refuses the guest id and the provider resolves
//! the person's own identity with GetId.
//!
//! **Developer-authenticated identities.** The app's back end vouches for its own users: it
//! calls GetOpenIdTokenForDeveloperIdentity with its AWS credentials and hands the app an
//! identity id and the identity pool's OpenID token. Give the app's call to its back end as a
//! [`DeveloperTokenSource`] ([`FederatedCredentialsBuilder::developer`],
//! [`LoginSources::developer`]): the token goes to GetCredentialsForIdentity as the login
//! `cognito-identity.amazonaws.com` for that identity (never to GetId, which refuses it), and
//! the source is asked again at every renewal, and when the pool refuses its token as expired.
//!
//! **Never one person's identity for the next.** Only a *guest* id is handed over; an
//! authenticated identity id is dropped whenever the logins change, and
//! [`sign_out`](FederatedCredentials::sign_out) forgets the logins, the identity id and the
//! credentials, so the next person on the device starts from a fresh guest identity.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};

use super::core::{BoxFuture, ExchangeLogins, Identity, IdentityCredentials, RoleChoice};
use super::{BasicFlow, DEFAULT_REFRESH_MARGIN, DeveloperTokenSource, TokenSource};
use crate::config::CognitoConfig;
use crate::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use crate::time::{Clock, SharedClock, share};
use crate::{Error, ErrorKind, Result};

/// Where a login's tokens come from.
#[derive(Clone)]
enum Source {
    /// A provider's token.
    Token(Arc<dyn TokenSource>),
    /// The app's back end: an identity id and the identity pool's token for it.
    Developer(Arc<dyn DeveloperTokenSource>),
}

impl Source {
    /// The source was refused `token` as expired.
    fn refused(&self, token: &crate::secret::Jwt) {
        match self {
            Source::Token(s) => s.refused(token),
            Source::Developer(s) => s.refused(token),
        }
    }
}

/// One login: the provider and where its tokens come from.
type Login = (LoginProvider, Source);

/// Logins to [sign in](FederatedCredentials::sign_in) with: one or more providers, each with
/// where its tokens come from.
#[derive(Clone, Default)]
pub struct LoginSources {
    logins: Vec<Login>,
}

impl LoginSources {
    /// No logins (a guest).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a login; a provider given twice keeps the last source.
    pub fn with(self, provider: LoginProvider, source: impl TokenSource + 'static) -> Self {
        self.push(provider, Source::Token(Arc::new(source)))
    }

    /// Adds a developer-authenticated identity ([`LoginProvider::Developer`]): `source` asks
    /// the app's back end for an identity id and its token (see the
    /// [module docs](crate::credentials)).
    pub fn developer(self, source: impl DeveloperTokenSource + 'static) -> Self {
        self.push(
            LoginProvider::Developer,
            Source::Developer(Arc::new(source)),
        )
    }

    fn push(mut self, provider: LoginProvider, source: Source) -> Self {
        self.logins.retain(|(p, _)| *p != provider);
        self.logins.push((provider, source));
        self
    }

    /// The provider keys, in the order given.
    pub fn providers(&self) -> Vec<String> {
        provider_keys(&self.logins)
    }
}

impl fmt::Debug for LoginSources {
    // Provider names only: the sources hold tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(provider_keys(&self.logins)).finish()
    }
}

impl<S: TokenSource + 'static> From<(LoginProvider, S)> for LoginSources {
    fn from((provider, source): (LoginProvider, S)) -> Self {
        LoginSources::new().with(provider, source)
    }
}

struct Inner {
    core: IdentityCredentials,
    margin: Duration,
    logins: Mutex<Vec<Login>>,
}

/// AWS credentials for an identity-pool identity that is not a user-pool user: federated
/// (Google, Facebook, Amazon, Apple, OIDC, SAML, several at once) or a guest. Cheap to clone;
/// clones share the cache. See the [module docs](crate::credentials).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cognito_sigv4_emulator::Emulator::builder()
/// #     .seed(cognito_sigv4_emulator::Seed::reference())
/// #     .start()
/// #     .await?;
/// # let config = emulator.config("quickstart", "web")?;
/// # let emulator = std::sync::Arc::new(emulator);
/// # let google_sign_in = emulator.clone();
/// use cognito_sigv4::credentials::{FederatedCredentials, token_fn};
/// use cognito_sigv4::identity_pool::LoginProvider;
///
/// // Asked for a fresh Google ID token whenever the credentials are renewed (here, the
/// // emulator's Google stand-in mints one).
/// let google = token_fn(move || {
///     let token = google_sign_in.mint_oidc_token(
///         "https://accounts.google.com",
///         "google-user-0001",
///         "quickstart.apps.googleusercontent.com",
///         std::time::Duration::from_secs(3600),
///         serde_json::json!({}),
///     );
///     async move { token.map_err(Into::into) }
/// });
/// let credentials = FederatedCredentials::builder(config)
///     .login(LoginProvider::Google, google)
///     .build()?;
/// let creds = credentials.credentials().await?;
/// assert!(creds.session_token().is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FederatedCredentials {
    inner: Arc<Inner>,
}

/// Builds a [`FederatedCredentials`]; made by [`FederatedCredentials::builder`].
#[must_use]
pub struct FederatedCredentialsBuilder {
    config: CognitoConfig,
    client: Option<IdentityPoolClient>,
    clock: Option<SharedClock>,
    margin: Duration,
    role: RoleChoice,
    logins: LoginSources,
    identity_id: Option<String>,
    timeout: Duration,
}

impl fmt::Debug for FederatedCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederatedCredentialsBuilder")
            .field("identity_pool_id", &self.config.identity_pool_id())
            .field("providers", &self.logins)
            .field("role", &self.role)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl FederatedCredentialsBuilder {
    /// Adds a login (several providers may be combined; a provider given twice keeps the
    /// last source). Without any login the identity is a guest.
    pub fn login(mut self, provider: LoginProvider, source: impl TokenSource + 'static) -> Self {
        self.logins = self.logins.with(provider, source);
        self
    }

    /// Adds a developer-authenticated identity: `source` asks the app's back end for an
    /// identity id and the identity pool's token for it, at every renewal. See
    /// [`LoginSources::developer`].
    pub fn developer(mut self, source: impl DeveloperTokenSource + 'static) -> Self {
        self.logins = self.logins.developer(source);
        self
    }

    /// Asks for this role (one of the token's `cognito:roles`) instead of the pool's choice.
    pub fn custom_role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role = RoleChoice::Pool(Some(arn.into()));
        self
    }

    /// Uses the basic (classic) flow — GetOpenIdToken, then STS AssumeRoleWithWebIdentity
    /// with the role `flow` names — instead of the enhanced flow (GetCredentialsForIdentity,
    /// where the pool chooses the role). Replaces a custom role ARN.
    pub fn basic_flow(mut self, flow: BasicFlow) -> Self {
        self.role = RoleChoice::Basic(flow);
        self
    }

    /// The clock to judge expiry with (default: the system clock, or the client's).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// An identity-pool client to use instead of one made from the configuration (to share
    /// its settings, such as timeouts).
    pub fn identity_pool_client(mut self, client: IdentityPoolClient) -> Self {
        self.client = Some(client);
        self
    }

    /// How long before expiry the credentials are renewed (default 5 minutes, plus up to 50%
    /// jitter, capped at half the credentials' lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How long a login source may take to hand out a token, and a caller may wait for an
    /// exchange in flight (default [`DEFAULT_REFRESH_TIMEOUT`](super::DEFAULT_REFRESH_TIMEOUT),
    /// 5 s). A source that never answers fails that attempt, which is backed off; the next one
    /// asks it again.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Resumes an identity id saved earlier (a guest's, or the one these logins resolved to),
    /// instead of asking GetId for one. A stale id is replaced transparently.
    pub fn identity_id(mut self, identity_id: impl Into<String>) -> Self {
        self.identity_id = Some(identity_id.into()).filter(|id| !id.is_empty());
        self
    }

    /// The provider. Nothing is fetched until credentials are first asked for.
    ///
    /// Errors: [`ErrorKind::Config`] if the configuration has no identity pool.
    pub fn build(self) -> Result<FederatedCredentials> {
        let client = match self.client {
            Some(client) => client,
            None => {
                let mut builder = IdentityPoolClient::builder(&self.config);
                if let Some(clock) = &self.clock {
                    builder = builder.clock(clock.clone());
                }
                builder.build()?
            }
        };
        let clock = self.clock.unwrap_or_else(|| client.clock());
        let logins = self.logins.logins;
        let authenticated = !logins.is_empty();
        let identity = self.identity_id.map(|id| Identity { id, authenticated });
        Ok(FederatedCredentials {
            inner: Arc::new(Inner {
                core: IdentityCredentials::new(client, clock, self.role, identity, self.timeout),
                margin: self.margin,
                logins: Mutex::new(logins),
            }),
        })
    }
}

fn provider_keys(logins: &[Login]) -> Vec<String> {
    logins.iter().map(|(p, _)| p.key()).collect()
}

impl fmt::Debug for FederatedCredentials {
    // Provider names and the identity id only: tokens and credentials are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederatedCredentials")
            .field("providers", &self.providers())
            .field("core", &self.inner.core)
            .finish_non_exhaustive()
    }
}

impl FederatedCredentials {
    /// A builder for identities of the config's identity pool (which must be set).
    pub fn builder(config: CognitoConfig) -> FederatedCredentialsBuilder {
        FederatedCredentialsBuilder {
            config,
            client: None,
            clock: None,
            margin: DEFAULT_REFRESH_MARGIN,
            role: RoleChoice::Pool(None),
            logins: LoginSources::new(),
            identity_id: None,
            timeout: super::DEFAULT_REFRESH_TIMEOUT,
        }
    }

    /// A guest (unauthenticated identity) of the config's identity pool, with the defaults.
    pub fn guest(config: CognitoConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    fn logins(&self) -> MutexGuard<'_, Vec<Login>> {
        // The list stays consistent even if a holder panicked: keep going.
        self.inner.logins.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fresh temporary AWS credentials, renewed (with fresh provider tokens) when due.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for a provider token Cognito rejects (wrong
    /// provider, wrong audience, expired, bad signature) or a pool without guest access;
    /// [`ErrorKind::RoleNotAllowed`] for a custom role the token does not list; a token
    /// source's own error; network, throttling and service errors when the credentials have
    /// expired and cannot be renewed now.
    pub async fn credentials(&self) -> Result<Credentials> {
        // The fast path: fresh credentials, read without a lock.
        if let Some(fresh) = self.inner.core.fresh(self.inner.margin) {
            return Ok(fresh);
        }
        self.inner
            .core
            .get(self.inner.margin, Arc::new(self.clone()))
            .await
    }

    /// Fresh tokens from every source, as a logins map.
    async fn fresh_logins(&self) -> Result<Logins> {
        let sources = self.logins().clone();
        let mut logins = Logins::new();
        let empty = |provider: &LoginProvider| {
            Error::new(
                ErrorKind::InvalidToken,
                format!("the token source for {} returned no token", provider.key()),
            )
        };
        for (provider, source) in &sources {
            logins = match source {
                Source::Token(source) => {
                    let token = source.token().await?;
                    if token.is_empty() {
                        return Err(empty(provider));
                    }
                    logins.with(provider, token)
                }
                Source::Developer(source) => {
                    let answer = source.developer_token().await?;
                    if answer.token().is_empty() || answer.identity_id().is_empty() {
                        return Err(empty(provider));
                    }
                    logins.with_developer(answer.identity_id(), answer.token().clone())
                }
            };
        }
        Ok(logins)
    }

    /// The identity id, resolved with a credentials exchange if none has happened since the
    /// last sign-in (signing in may change it: a returning user gets their own identity back).
    pub async fn identity_id(&self) -> Result<String> {
        let core = &self.inner.core;
        if core.has_credentials()
            && let Some(id) = core.identity_id()
        {
            return Ok(id);
        }
        self.credentials().await?;
        self.cached_identity_id().ok_or_else(|| {
            Error::new(
                ErrorKind::Credentials,
                "the sign-in changed while the identity was being resolved",
            )
        })
    }

    /// The identity id held now, if any (none before the first exchange and after sign-out).
    /// Save it to resume a guest with [`FederatedCredentialsBuilder::identity_id`].
    pub fn cached_identity_id(&self) -> Option<String> {
        self.inner.core.identity_id()
    }

    /// Whether there are logins (otherwise this is a guest).
    pub fn is_authenticated(&self) -> bool {
        !self.logins().is_empty()
    }

    /// The provider keys of the current logins, in the order given.
    pub fn providers(&self) -> Vec<String> {
        provider_keys(&self.logins())
    }

    /// When the current credentials expire, if any have been obtained.
    pub fn credentials_expire_at(&self) -> Option<SystemTime> {
        self.inner.core.expires_at()
    }

    /// Signs in with these logins, replacing any others: one `(provider, source)` pair, or
    /// several as [`LoginSources`]. The credentials are dropped and the next call fetches new
    /// ones with fresh tokens. A guest's identity id is handed over, so the guest identity
    /// becomes authenticated (see the [module docs](crate::credentials)); an authenticated identity id is
    /// dropped, never offered with someone else's logins. To link another provider to a
    /// signed-in person, sign in with all of their logins together: Cognito finds their
    /// identity by the login it already knows and links the new one.
    pub fn sign_in(&self, logins: impl Into<LoginSources>) {
        let new = logins.into().logins;
        let authenticated = !new.is_empty();
        let mut held = self.logins();
        *held = new;
        // Under the logins lock, so that the logins and the core change together.
        self.inner.core.change_logins(authenticated);
    }

    /// Signs out on this device: forgets the logins, the identity id and the credentials. The
    /// provider becomes a guest again, and its next call creates a new guest identity (the
    /// previous person's identity id is never reused). Credentials already handed out stay
    /// valid at AWS until they expire.
    pub fn sign_out(&self) {
        let mut held = self.logins();
        held.clear();
        self.inner.core.forget();
    }
}

/// The identity's token sources are its exchanges' logins.
impl ExchangeLogins for FederatedCredentials {
    fn logins(&self) -> BoxFuture<Result<Logins>> {
        let this = self.clone();
        // Boxed: keeps the nested future types (and so compile times) small.
        Box::pin(async move { this.fresh_logins().await })
    }

    /// Each source is told its token was refused, so that the retry asks for a new one.
    fn expired(&self, logins: &Logins, _server_now: Option<i64>) -> bool {
        let sources = self.logins().clone();
        for (provider, source) in &sources {
            if let Some(sent) = logins.get(&provider.key()) {
                source.refused(sent);
            }
        }
        !sources.is_empty()
    }
}

impl super::RefreshableCredentials for FederatedCredentials {
    fn refused(&self, credentials: &Credentials) {
        self.inner.core.refused(credentials);
    }
}

impl ProvideCredentials for FederatedCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Jwt;

    fn config() -> CognitoConfig {
        CognitoConfig::builder()
            .region("us-east-1")
            .identity_pool_id("us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41")
            .build()
            .expect("valid config")
    }

    #[test]
    fn debug_names_providers_but_never_tokens() {
        let creds = FederatedCredentials::builder(config())
            .login(LoginProvider::Google, Jwt::new("MARKER-google"))
            .login(LoginProvider::Facebook, Jwt::new("MARKER-facebook"))
            .build()
            .expect("provider");
        let dbg = format!("{creds:?}");
        assert!(
            dbg.contains("accounts.google.com") && dbg.contains("graph.facebook.com"),
            "{dbg}"
        );
        assert!(!dbg.contains("MARKER"), "{dbg}");
        let builder = FederatedCredentials::builder(config())
            .login(LoginProvider::Apple, Jwt::new("MARKER-apple"));
        assert!(!format!("{builder:?}").contains("MARKER"));
    }

    #[test]
    fn signing_in_keeps_a_guest_id_but_never_an_authenticated_one() {
        let creds = FederatedCredentials::builder(config())
            .identity_id("us-east-1:guest")
            .build()
            .expect("provider");
        assert!(!creds.is_authenticated());
        creds.sign_in((LoginProvider::Google, Jwt::new("a")));
        assert_eq!(
            creds.cached_identity_id().as_deref(),
            Some("us-east-1:guest")
        );
        assert!(creds.is_authenticated());
        // Now authenticated (as resumed with logins): another sign-in must not inherit it.
        let creds = FederatedCredentials::builder(config())
            .login(LoginProvider::Google, Jwt::new("a"))
            .identity_id("us-east-1:person-a")
            .build()
            .expect("provider");
        creds.sign_in((LoginProvider::Apple, Jwt::new("b")));
        assert_eq!(creds.cached_identity_id(), None);
        assert_eq!(creds.providers(), vec!["appleid.apple.com".to_owned()]);
        creds.sign_out();
        assert_eq!(creds.cached_identity_id(), None);
        assert!(!creds.is_authenticated());
    }

    #[test]
    fn a_config_without_identity_pool_is_a_config_error() {
        let config = CognitoConfig::builder()
            .region("us-east-1")
            .build()
            .expect("config");
        let err = FederatedCredentials::guest(config).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}
