//! The one credentials core: an identity in an identity pool and its refreshing AWS
//! credentials, whatever the logins come from.
//!
//! [`Session`](super::Session) (a user-pool sign-in) and
//! [`FederatedCredentials`](super::FederatedCredentials) (Google, OIDC, SAML, guests) differ
//! only in where the logins come from; both hand this core a function that produces fresh
//! [`Logins`], and the core does the rest: the cached identity id (and its stale-id recovery),
//! the enhanced or basic flow, single-flight refresh before expiry with jitter and backoff
//! (see [`crate::cache`]), and discarding an exchange that raced a change of sign-in.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use aws_credential_types::Credentials;

use crate::cache::ExpiringCell;
use crate::error::{Error, ErrorKind, Result};
use crate::identity_pool::{IdentityPoolClient, Logins};
use crate::time::SharedClock;

/// A boxed, type-erased future that can run as its own task.
pub(crate) type BoxFuture<T> = std::pin::Pin<Box<dyn Future<Output = T> + Send>>;

/// Where an exchange's logins come from: a session's ID token, or a federated identity's
/// token sources.
pub(crate) trait ExchangeLogins: Send + Sync + 'static {
    /// Fresh logins for an exchange.
    fn logins(&self) -> BoxFuture<Result<Logins>>;

    /// The identity pool refused `logins` as expired although they looked valid here (a
    /// device clock behind the service's); `server_now` is the service's time then, when its
    /// answer said. Drops what is stale; returns whether fresh logins deserve one more try.
    fn expired(&self, logins: &Logins, server_now: Option<i64>) -> bool;
}

/// When an identity pool refused logins as expired (`Invalid login token. Token expired:
/// <now> >= <exp>`): the service's time it names, if it names one.
fn login_expired(e: &Error) -> Option<Option<i64>> {
    if e.kind() != ErrorKind::NotAuthorized || !e.message().contains("Token expired") {
        return None;
    }
    let now = e
        .message()
        .split("Token expired:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<i64>().ok());
    Some(now)
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

/// How the role is chosen: by the identity pool (enhanced flow, optionally a `CustomRoleArn`
/// from the token's `cognito:roles`), or by the app at STS (basic flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RoleChoice {
    /// GetCredentialsForIdentity, with this custom role if any.
    Pool(Option<String>),
    /// GetOpenIdToken + STS AssumeRoleWithWebIdentity.
    Basic(BasicFlow),
}

/// The identity id held, and whether logins authenticated it.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) id: String,
    pub(crate) authenticated: bool,
}

struct State {
    identity: Option<Identity>,
    /// Replaced (not cleared) when the sign-in changes, so that an exchange already in flight
    /// for the previous person cannot fill the new person's cell.
    cell: Arc<ExpiringCell<Credentials>>,
    /// Bumped when the sign-in changes; an exchange started under another value is discarded.
    generation: u64,
}

/// An identity and its refreshing credentials; see the [module docs](self). Cheap to clone:
/// clones share everything (an exchange runs as its own task holding one).
#[derive(Clone)]
pub(crate) struct IdentityCredentials {
    inner: Arc<CoreInner>,
}

struct CoreInner {
    client: IdentityPoolClient,
    clock: SharedClock,
    role: RoleChoice,
    /// The longest wait for a login source (a user's component may never answer) and of a
    /// caller for an exchange in flight.
    timeout: Duration,
    state: Mutex<State>,
    /// Set when an exchange adopted another identity id, until the owner saves it.
    identity_changed: AtomicBool,
    /// The state's current cell, readable without the state's lock (the hot path of every
    /// signed request); replaced together with it, under that lock.
    current: ArcSwap<ExpiringCell<Credentials>>,
}

impl fmt::Debug for IdentityCredentials {
    // Identity ids and expiry only: credentials are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        f.debug_struct("IdentityCredentials")
            .field("identity_pool_id", &self.inner.client.identity_pool_id())
            .field("identity", &st.identity)
            .field("role", &self.inner.role)
            .field("credentials_expire_at", &st.cell.expires_at())
            .finish()
    }
}

impl IdentityCredentials {
    pub(crate) fn new(
        client: IdentityPoolClient,
        clock: SharedClock,
        role: RoleChoice,
        identity: Option<Identity>,
        timeout: Duration,
    ) -> Self {
        let cell = Arc::new(ExpiringCell::new().with_wait(timeout));
        Self {
            inner: Arc::new(CoreInner {
                client,
                clock,
                role,
                timeout,
                state: Mutex::new(State {
                    identity,
                    cell: cell.clone(),
                    generation: 0,
                }),
                identity_changed: AtomicBool::new(false),
                current: ArcSwap::new(cell),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: keep going.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fresh credentials: the cached ones while fresh for `margin`, otherwise one shared
    /// exchange with the logins `source` produces. The exchange runs as its own task: a
    /// caller dropped meanwhile does not waste it.
    pub(crate) async fn get(
        &self,
        margin: Duration,
        source: Arc<dyn ExchangeLogins>,
    ) -> Result<Credentials> {
        let (cell, generation) = {
            let st = self.state();
            (st.cell.clone(), st.generation)
        };
        let core = self.clone();
        cell.get_or_refresh_detached(&self.inner.clock, margin, move || {
            // Type-erased: the SDK's futures nest deeply, and every caller's future would
            // otherwise carry their whole type.
            let exchange: BoxFuture<Result<(Credentials, SystemTime)>> =
                Box::pin(async move { core.exchange(generation, &*source).await });
            exchange
        })
        .await
    }

    /// Logins from `source`, within the core's timeout: a source that never answers fails the
    /// attempt (backed off) instead of holding the single flight forever.
    async fn logins_from(&self, source: &dyn ExchangeLogins) -> Result<Logins> {
        let limit = self.inner.timeout;
        crate::runtime::timeout(limit, source.logins())
            .await
            .unwrap_or_else(|| {
                Err(Error::new(
                    ErrorKind::Timeout,
                    format!("the login source did not answer within {limit:?}"),
                ))
            })
    }

    /// One exchange, run by the cell for everyone waiting. Logins the identity pool refuses as
    /// expired (a device clock behind) are renewed once.
    async fn exchange(
        &self,
        generation: u64,
        source: &dyn ExchangeLogins,
    ) -> Result<(Credentials, SystemTime)> {
        let logins = self.logins_from(source).await?;
        match self.exchange_with(generation, &logins).await {
            Err(e) => match login_expired(&e) {
                Some(server_now) if source.expired(&logins, server_now) => {
                    tracing::info!(
                        "the identity pool refused the logins as expired: renewing them once"
                    );
                    let logins = self.logins_from(source).await?;
                    self.exchange_with(generation, &logins).await
                }
                _ => Err(e),
            },
            done => done,
        }
    }

    /// One exchange of `logins` for credentials.
    async fn exchange_with(
        &self,
        generation: u64,
        logins: &Logins,
    ) -> Result<(Credentials, SystemTime)> {
        let cached = self.identity_id();
        let client = &self.inner.client;
        let (identity_id, credentials) = match &self.inner.role {
            RoleChoice::Pool(custom_role_arn) => {
                client
                    .credentials_for(cached.as_deref(), logins, custom_role_arn.as_deref())
                    .await?
            }
            RoleChoice::Basic(flow) => {
                let role = flow.role_for(!logins.is_empty())?;
                client
                    .basic_flow_credentials_for(
                        cached.as_deref(),
                        logins,
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
                // Signed in or out meanwhile: these credentials belong to the previous sign-in.
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
                self.inner.identity_changed.store(true, Ordering::SeqCst);
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

    /// The identity id held now, if any.
    pub(crate) fn identity_id(&self) -> Option<String> {
        self.state().identity.as_ref().map(|i| i.id.clone())
    }

    /// Whether an exchange adopted a new identity id since the last call (to save it).
    pub(crate) fn take_identity_change(&self) -> bool {
        self.inner.identity_changed.swap(false, Ordering::SeqCst)
    }

    /// The cached credentials if they are fresh for `margin`, without a lock or an await: what
    /// nearly every call finds.
    pub(crate) fn fresh(&self, margin: Duration) -> Option<Credentials> {
        self.inner
            .current
            .load()
            .get_fresh(self.inner.clock.now(), margin)
    }

    /// Whether credentials were obtained since the last change of sign-in.
    pub(crate) fn has_credentials(&self) -> bool {
        self.expires_at().is_some()
    }

    /// When the current credentials expire, if any.
    pub(crate) fn expires_at(&self) -> Option<SystemTime> {
        self.state().cell.expires_at()
    }

    /// When the current credentials are due for refresh with `margin`; see
    /// [`ExpiringCell::next_refresh_at`].
    pub(crate) fn next_refresh_at(&self, margin: Duration) -> Option<SystemTime> {
        self.state()
            .cell
            .next_refresh_at(&*self.inner.clock, margin)
    }

    /// Drops `refused` if they are the credentials held (see
    /// [`RefreshableCredentials`](super::RefreshableCredentials)).
    pub(crate) fn refused(&self, refused: &Credentials) {
        let dropped = self
            .state()
            .cell
            .invalidate_if(|held| held.access_key_id() == refused.access_key_id());
        if dropped {
            tracing::debug!("credentials refused as expired by the service: dropped");
        }
    }

    /// Other logins from now on: the credentials are dropped and an exchange in flight is
    /// discarded. A guest's identity id is kept, so that the guest identity becomes the
    /// signed-in one; an authenticated identity id is dropped, never offered with someone
    /// else's logins. `authenticated` says whether the new logins are empty.
    pub(crate) fn change_logins(&self, authenticated: bool) {
        let mut st = self.state();
        if st.identity.as_ref().is_some_and(|i| i.authenticated) {
            st.identity = None;
        }
        // From now on a guest id belongs to these logins: a later sign-in must not inherit it,
        // even if no exchange happened in between.
        if let Some(identity) = st.identity.as_mut() {
            identity.authenticated = authenticated;
        }
        self.reset(&mut st);
    }

    /// Forgets the identity id and the credentials (sign-out).
    pub(crate) fn forget(&self) {
        let mut st = self.state();
        st.identity = None;
        self.reset(&mut st);
    }

    fn reset(&self, st: &mut State) {
        st.cell = Arc::new(ExpiringCell::new().with_wait(self.inner.timeout));
        st.generation += 1;
        self.inner.current.store(st.cell.clone());
    }
}
