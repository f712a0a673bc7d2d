//! Federated and guest identities: AWS credentials for people who sign in with Google, Facebook,
//! Login with Amazon, Apple, any OIDC issuer or a SAML provider — or not at all (guests) —
//! straight at an identity pool, without the user pool.
//!
//! [`FederatedCredentials`] is a refreshing credentials provider (cheap to clone, implements
//! [`ProvideCredentials`]). It asks each [`LoginTokenSource`] for a fresh provider token every
//! time it renews the credentials, caches the identity id and the credentials, and refreshes
//! them single-flight before they expire (see [`crate::cache`]). By default it uses the
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
//! **Never one person's identity for the next.** Only a *guest* id is handed over; an
//! authenticated identity id is dropped whenever the logins change, and
//! [`sign_out`](FederatedCredentials::sign_out) forgets the logins, the identity id and the
//! credentials, so the next person on the device starts from a fresh guest identity.

use crate::cache::ExpiringCell;
use crate::config::CognitoConfig;
use crate::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use crate::secret::Jwt;
use crate::time::SharedClock;
use crate::{Error, ErrorKind, Result};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// The default refresh margin: credentials are renewed this long (plus jitter) before they
/// expire, as the AWS SDKs do.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// What a [`LoginTokenSource`] returns: a fresh provider token, or why there is none.
pub type LoginTokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Jwt>> + Send + 'a>>;

/// Where a federated provider's token comes from (Google's ID token, Facebook's access token,
/// a SAML assertion, ...). Called each time the credentials are renewed, so it should return a
/// token that is still valid, renewing it with its provider when needed.
pub trait LoginTokenSource: Send + Sync + fmt::Debug {
    /// A valid token for the provider.
    fn token(&self) -> LoginTokenFuture<'_>;
}

/// A fixed token: fine for a one-off exchange, but the credentials cannot be renewed after the
/// token expires.
impl LoginTokenSource for Jwt {
    fn token(&self) -> LoginTokenFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// A user-pool session as a login: its (refreshed) ID token, to combine a user-pool sign-in
/// with other providers in one logins map.
impl LoginTokenSource for crate::session::Session {
    fn token(&self) -> LoginTokenFuture<'_> {
        Box::pin(self.id_token())
    }
}

/// A [`LoginTokenSource`] made from a closure; see [`token_fn`].
pub struct FnTokenSource<F> {
    f: F,
}

impl<F> fmt::Debug for FnTokenSource<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnTokenSource")
    }
}

/// A token source from a closure returning a future of a fresh token, e.g. one that asks the
/// Google sign-in library for a current ID token.
///
/// ```
/// use cognito_sigv4::federation::{LoginTokenSource, token_fn};
/// use cognito_sigv4::secret::Jwt;
/// use std::sync::Arc;
///
/// let source: Arc<dyn LoginTokenSource> =
///     Arc::new(token_fn(|| async { Ok(Jwt::new("eyJ...")) }));
/// ```
pub fn token_fn<F, Fut>(f: F) -> FnTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Jwt>> + Send + 'static,
{
    FnTokenSource { f }
}

impl<F, Fut> LoginTokenSource for FnTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Jwt>> + Send + 'static,
{
    fn token(&self) -> LoginTokenFuture<'_> {
        Box::pin((self.f)())
    }
}

/// The basic (classic) flow's settings: which role to assume at STS for a guest and for a
/// signed-in identity, the role session's name, and how long the credentials last. The pool
/// must allow the basic flow, and each role must trust the pool (Cognito's console writes that
/// trust policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicFlow {
    authenticated_role_arn: Option<String>,
    unauthenticated_role_arn: Option<String>,
    session_name: String,
    duration: Option<Duration>,
}

impl BasicFlow {
    /// Settings with this role session name (2–64 characters of `[\w+=,.@-]`) and no roles
    /// yet.
    pub fn new(session_name: impl Into<String>) -> Self {
        Self {
            authenticated_role_arn: None,
            unauthenticated_role_arn: None,
            session_name: session_name.into(),
            duration: None,
        }
    }

    /// The role for identities with logins.
    pub fn authenticated_role(mut self, arn: impl Into<String>) -> Self {
        self.authenticated_role_arn = Some(arn.into());
        self
    }

    /// The role for guests.
    pub fn unauthenticated_role(mut self, arn: impl Into<String>) -> Self {
        self.unauthenticated_role_arn = Some(arn.into());
        self
    }

    /// How long the credentials last (STS accepts 15 minutes to the role's maximum; default
    /// one hour).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    fn role_for(&self, authenticated: bool) -> Result<&str> {
        let (role, which) = if authenticated {
            (&self.authenticated_role_arn, "authenticated")
        } else {
            (&self.unauthenticated_role_arn, "unauthenticated")
        };
        role.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!("the basic flow needs an {which} role ARN"),
            )
        })
    }
}

/// One login: the provider and where its tokens come from.
type Login = (LoginProvider, Arc<dyn LoginTokenSource>);

/// The identity id this provider holds, and whether logins authenticated it.
#[derive(Debug, Clone)]
struct Identity {
    id: String,
    authenticated: bool,
}

struct State {
    logins: Vec<Login>,
    identity: Option<Identity>,
    /// Replaced (not cleared) when the logins change, so that a refresh already in flight for
    /// the previous person cannot fill the new person's cell.
    credentials: Arc<ExpiringCell<Credentials>>,
    /// Bumped when the logins change; a refresh started under another value is discarded.
    generation: u64,
}

struct Inner {
    client: IdentityPoolClient,
    clock: SharedClock,
    margin: Duration,
    custom_role_arn: Option<String>,
    basic_flow: Option<BasicFlow>,
    state: Mutex<State>,
}

/// AWS credentials for an identity-pool identity that is not a user-pool user: federated
/// (Google, Facebook, Amazon, Apple, OIDC, SAML, several at once) or a guest. Cheap to clone;
/// clones share the cache. See the [module docs](self).
///
/// ```no_run
/// # async fn demo(config: cognito_sigv4::CognitoConfig) -> cognito_sigv4::Result<()> {
/// use cognito_sigv4::federation::{FederatedCredentials, token_fn};
/// use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider};
/// use cognito_sigv4::secret::Jwt;
/// use std::sync::Arc;
///
/// let client = IdentityPoolClient::new(&config)?;
/// let google = token_fn(|| async { Ok(Jwt::new(std::env::var("GOOGLE_ID_TOKEN").unwrap_or_default())) });
/// let credentials = FederatedCredentials::builder(client)
///     .login(LoginProvider::Google, Arc::new(google))
///     .build();
/// let creds = credentials.credentials().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FederatedCredentials {
    inner: Arc<Inner>,
}

/// Builds a [`FederatedCredentials`].
pub struct FederatedCredentialsBuilder {
    client: IdentityPoolClient,
    clock: Option<SharedClock>,
    margin: Duration,
    custom_role_arn: Option<String>,
    basic_flow: Option<BasicFlow>,
    logins: Vec<Login>,
    identity_id: Option<String>,
}

impl fmt::Debug for FederatedCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederatedCredentialsBuilder")
            .field("identity_pool_id", &self.client.identity_pool_id())
            .field("providers", &provider_keys(&self.logins))
            .field("custom_role_arn", &self.custom_role_arn)
            .field("basic_flow", &self.basic_flow)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl FederatedCredentialsBuilder {
    /// Adds a login (several providers may be combined; a provider given twice keeps the
    /// last source). Without any login the provider is a guest.
    pub fn login(mut self, provider: LoginProvider, source: Arc<dyn LoginTokenSource>) -> Self {
        self.logins.retain(|(p, _)| *p != provider);
        self.logins.push((provider, source));
        self
    }

    /// Asks for this role (one of the token's `cognito:roles`) instead of the pool's choice.
    pub fn custom_role_arn(mut self, arn: impl Into<String>) -> Self {
        self.custom_role_arn = Some(arn.into());
        self
    }

    /// Uses the basic (classic) flow — GetOpenIdToken, then STS AssumeRoleWithWebIdentity
    /// with the role `flow` names — instead of the enhanced flow (GetCredentialsForIdentity,
    /// where the pool chooses the role). A custom role ARN is not used in the basic flow.
    pub fn basic_flow(mut self, flow: BasicFlow) -> Self {
        self.basic_flow = Some(flow);
        self
    }

    /// The clock to judge expiry with (default: the identity-pool client's).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How long before expiry the credentials are renewed (default 5 minutes, plus up to 50%
    /// jitter, capped at half the credentials' lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Resumes an identity id saved earlier (a guest's, or the one these logins resolved to),
    /// instead of asking GetId for one. A stale id is replaced transparently.
    pub fn identity_id(mut self, identity_id: impl Into<String>) -> Self {
        self.identity_id = Some(identity_id.into()).filter(|id| !id.is_empty());
        self
    }

    /// The provider. Nothing is fetched until credentials are first asked for.
    pub fn build(self) -> FederatedCredentials {
        let authenticated = !self.logins.is_empty();
        let clock = self.clock.unwrap_or_else(|| self.client.clock());
        FederatedCredentials {
            inner: Arc::new(Inner {
                client: self.client,
                clock,
                margin: self.margin,
                custom_role_arn: self.custom_role_arn,
                basic_flow: self.basic_flow,
                state: Mutex::new(State {
                    logins: self.logins,
                    identity: self.identity_id.map(|id| Identity { id, authenticated }),
                    credentials: Arc::new(ExpiringCell::new()),
                    generation: 0,
                }),
            }),
        }
    }
}

fn provider_keys(logins: &[Login]) -> Vec<String> {
    logins.iter().map(|(p, _)| p.key()).collect()
}

impl fmt::Debug for FederatedCredentials {
    // Provider names and the identity id only: tokens and credentials are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        f.debug_struct("FederatedCredentials")
            .field("identity_pool_id", &self.inner.client.identity_pool_id())
            .field("providers", &provider_keys(&st.logins))
            .field("identity", &st.identity)
            .field("custom_role_arn", &self.inner.custom_role_arn)
            .field("basic_flow", &self.inner.basic_flow)
            .field("credentials_expire_at", &st.credentials.expires_at())
            .finish_non_exhaustive()
    }
}

impl FederatedCredentials {
    /// A builder for identities of `client`'s identity pool.
    pub fn builder(client: IdentityPoolClient) -> FederatedCredentialsBuilder {
        FederatedCredentialsBuilder {
            client,
            clock: None,
            margin: DEFAULT_REFRESH_MARGIN,
            custom_role_arn: None,
            basic_flow: None,
            logins: Vec::new(),
            identity_id: None,
        }
    }

    /// A builder for identities of the config's identity pool (which must be set).
    pub fn builder_for(config: &CognitoConfig) -> Result<FederatedCredentialsBuilder> {
        Ok(Self::builder(IdentityPoolClient::new(config)?))
    }

    /// A guest (unauthenticated identity) of `client`'s identity pool, with the defaults.
    pub fn guest(client: IdentityPoolClient) -> Self {
        Self::builder(client).build()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: keep going.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fresh temporary AWS credentials, renewed (with fresh provider tokens) when due.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for a provider token Cognito rejects (wrong
    /// provider, wrong audience, expired, bad signature) or a pool without guest access;
    /// [`ErrorKind::RoleNotAllowed`] for a custom role the token does not list; a token
    /// source's own error; network, throttling and service errors when the credentials have
    /// expired and cannot be renewed now.
    pub async fn credentials(&self) -> Result<Credentials> {
        let (cell, generation) = {
            let st = self.state();
            (st.credentials.clone(), st.generation)
        };
        cell.get_or_refresh(&*self.inner.clock, self.inner.margin, || {
            self.fetch(generation)
        })
        .await
    }

    /// The identity id, resolved with a credentials exchange if none has happened since the
    /// last sign-in (signing in may change it: a returning user gets their own identity back).
    pub async fn identity_id(&self) -> Result<String> {
        {
            let st = self.state();
            if let Some(identity) = &st.identity
                && st.credentials.expires_at().is_some()
            {
                return Ok(identity.id.clone());
            }
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
        self.state().identity.as_ref().map(|i| i.id.clone())
    }

    /// Whether there are logins (otherwise this is a guest).
    pub fn is_authenticated(&self) -> bool {
        !self.state().logins.is_empty()
    }

    /// The provider keys of the current logins, in the order given.
    pub fn providers(&self) -> Vec<String> {
        provider_keys(&self.state().logins)
    }

    /// When the current credentials expire, if any have been obtained.
    pub fn credentials_expire_at(&self) -> Option<SystemTime> {
        self.state().credentials.expires_at()
    }

    /// Signs in with these logins, replacing any others. The credentials are dropped and the
    /// next call fetches new ones with fresh tokens. A guest's identity id is handed over, so
    /// the guest identity becomes authenticated (see the [module docs](self)); an authenticated
    /// identity id is dropped, never offered with someone else's logins. To link another
    /// provider to a signed-in person, sign in with all of their logins together: Cognito
    /// finds their identity by the login it already knows and links the new one.
    pub fn sign_in(
        &self,
        logins: impl IntoIterator<Item = (LoginProvider, Arc<dyn LoginTokenSource>)>,
    ) {
        let mut new: Vec<Login> = Vec::new();
        for (provider, source) in logins {
            new.retain(|(p, _)| *p != provider);
            new.push((provider, source));
        }
        let mut st = self.state();
        if st.identity.as_ref().is_some_and(|i| i.authenticated) {
            st.identity = None;
        }
        // From now on the guest id belongs to these logins: a later sign-in must not inherit
        // it, even if no exchange happened in between.
        let authenticated = !new.is_empty();
        if let Some(identity) = st.identity.as_mut() {
            identity.authenticated = authenticated;
        }
        st.logins = new;
        st.credentials = Arc::new(ExpiringCell::new());
        st.generation += 1;
    }

    /// Signs out on this device: forgets the logins, the identity id and the credentials. The
    /// provider becomes a guest again, and its next call creates a new guest identity (the
    /// previous person's identity id is never reused). Credentials already handed out stay
    /// valid at AWS until they expire.
    pub fn sign_out(&self) {
        let mut st = self.state();
        st.logins.clear();
        st.identity = None;
        st.credentials = Arc::new(ExpiringCell::new());
        st.generation += 1;
    }

    /// One exchange, run by the cell for everyone waiting: fresh tokens from every source,
    /// then GetId (unless an identity id is held) and GetCredentialsForIdentity.
    async fn fetch(&self, generation: u64) -> Result<(Credentials, SystemTime)> {
        let (sources, cached) = {
            let st = self.state();
            (
                st.logins.clone(),
                st.identity.as_ref().map(|i| i.id.clone()),
            )
        };
        let mut logins = Logins::new();
        for (provider, source) in &sources {
            let token = source.token().await?;
            if token.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidToken,
                    format!("the token source for {} returned no token", provider.key()),
                ));
            }
            logins = logins.with(provider, token);
        }
        let client = &self.inner.client;
        let (identity_id, credentials) = match &self.inner.basic_flow {
            None => {
                client
                    .credentials_for(
                        cached.as_deref(),
                        &logins,
                        self.inner.custom_role_arn.as_deref(),
                    )
                    .await?
            }
            Some(flow) => {
                let role = flow.role_for(!logins.is_empty())?;
                client
                    .basic_flow_credentials_for(
                        cached.as_deref(),
                        &logins,
                        role,
                        &flow.session_name,
                        flow.duration,
                    )
                    .await?
            }
        };
        {
            let mut st = self.state();
            if st.generation != generation {
                // Signed in or out meanwhile: these credentials belong to the previous logins.
                return Err(Error::new(
                    ErrorKind::Credentials,
                    "the sign-in changed while credentials were being fetched; ask again",
                ));
            }
            if cached.as_deref() != Some(identity_id.as_str()) {
                tracing::debug!(
                    previous = cached.as_deref(),
                    identity_id = identity_id.as_str(),
                    "identity id changed"
                );
            }
            st.identity = Some(Identity {
                id: identity_id,
                authenticated: !logins.is_empty(),
            });
        }
        let expires_at = credentials.expiry().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the identity pool's credentials have no expiry",
            )
        })?;
        Ok((credentials, expires_at))
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

    fn client() -> IdentityPoolClient {
        let config = CognitoConfig::builder()
            .region("us-east-1")
            .identity_pool_id("us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41")
            .build()
            .expect("valid config");
        IdentityPoolClient::new(&config).expect("client")
    }

    #[tokio::test]
    async fn closures_and_fixed_tokens_are_sources() {
        let fixed: Arc<dyn LoginTokenSource> = Arc::new(Jwt::new("fixed"));
        assert_eq!(
            fixed
                .token()
                .await
                .map(|t| t.expose_secret().to_owned())
                .ok()
                .as_deref(),
            Some("fixed")
        );
        let f: Arc<dyn LoginTokenSource> = Arc::new(token_fn(|| async { Ok(Jwt::new("from-fn")) }));
        assert_eq!(
            f.token()
                .await
                .map(|t| t.expose_secret().to_owned())
                .ok()
                .as_deref(),
            Some("from-fn")
        );
    }

    #[test]
    fn debug_names_providers_but_never_tokens() {
        let creds = FederatedCredentials::builder(client())
            .login(LoginProvider::Google, Arc::new(Jwt::new("MARKER-google")))
            .login(
                LoginProvider::Facebook,
                Arc::new(Jwt::new("MARKER-facebook")),
            )
            .build();
        let dbg = format!("{creds:?}");
        assert!(
            dbg.contains("accounts.google.com") && dbg.contains("graph.facebook.com"),
            "{dbg}"
        );
        assert!(!dbg.contains("MARKER"), "{dbg}");
        let builder = FederatedCredentials::builder(client())
            .login(LoginProvider::Apple, Arc::new(Jwt::new("MARKER-apple")));
        assert!(!format!("{builder:?}").contains("MARKER"));
    }

    #[test]
    fn signing_in_keeps_a_guest_id_but_never_an_authenticated_one() {
        let creds = FederatedCredentials::builder(client())
            .identity_id("us-east-1:guest")
            .build();
        assert!(!creds.is_authenticated());
        creds.sign_in([(
            LoginProvider::Google,
            Arc::new(Jwt::new("a")) as Arc<dyn LoginTokenSource>,
        )]);
        assert_eq!(
            creds.cached_identity_id().as_deref(),
            Some("us-east-1:guest")
        );
        assert!(creds.is_authenticated());
        // Now authenticated (as resumed with logins): another sign-in must not inherit it.
        let creds = FederatedCredentials::builder(client())
            .login(LoginProvider::Google, Arc::new(Jwt::new("a")))
            .identity_id("us-east-1:person-a")
            .build();
        creds.sign_in([(
            LoginProvider::Apple,
            Arc::new(Jwt::new("b")) as Arc<dyn LoginTokenSource>,
        )]);
        assert_eq!(creds.cached_identity_id(), None);
        assert_eq!(creds.providers(), vec!["appleid.apple.com".to_owned()]);
        creds.sign_out();
        assert_eq!(creds.cached_identity_id(), None);
        assert!(!creds.is_authenticated());
    }
}
