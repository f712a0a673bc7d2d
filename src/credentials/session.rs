//! The refreshing session: one signed-in user's tokens, identity id and AWS credentials, kept
//! fresh for as long as the app runs.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cognito_sigv4_emulator::Emulator::builder()
//! #     .seed(cognito_sigv4_emulator::Seed::reference())
//! #     .start()
//! #     .await?;
//! # let dir = tempfile::tempdir()?;
//! use cognito_sigv4::{CognitoConfig, Session};
//! use cognito_sigv4::credentials::SignInOutcome;
//! use cognito_sigv4::secret::Password;
//! use cognito_sigv4::store::FileStore;
//!
//! // `CognitoConfig::from_env()` in an app; here, the local emulator's pools.
//! let config: CognitoConfig = emulator.config("quickstart", "web")?;
//! let store = FileStore::new(dir.path().join("session.json"));
//! let session = match Session::resume(config.clone(), store.clone()).await {
//!     Ok(session) => session,
//!     Err(_) => match Session::builder(config)
//!         .store(store)
//!         .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
//!         .await?
//!     {
//!         SignInOutcome::Done(session) => session,
//!         SignInOutcome::Challenge(pending) => {
//!             panic!("answer {} first", pending.challenge().name())
//!         }
//!     },
//! };
//! let creds = session.credentials().await?; // fresh, shared, refreshed before expiry
//! assert!(creds.session_token().is_some());
//! # emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! How it behaves:
//!
//! - **Before expiry.** Tokens and credentials are refreshed `refresh_margin` (default 5
//!   minutes, plus up to 50% jitter, at most half their lifetime) before they expire; see
//!   [`crate::cache`].
//! - **Single flight.** Concurrent callers share one token refresh and one credentials
//!   exchange; the exchange refreshes the tokens first when the ID token is due. The
//!   credentials side is the [credentials core](super) shared with
//!   [`FederatedCredentials`](super::FederatedCredentials): the session is its login source.
//! - **Background refresh** (optional): a task refreshes ahead of time so that callers never
//!   wait. It holds only a weak reference and stops when the last clone of the session drops.
//!   It sleeps with `tokio::time::sleep`, in steps of at most
//!   [`background_poll`](super::SessionBuilder::background_poll), but decides what time it is from the
//!   session's [`Clock`](crate::Clock), so it follows a manual clock in tests.
//! - **Failures.** A failed refresh is not cached. While the current value is still valid it
//!   keeps being served and the refresh is retried with backoff (jittered, on the clock's
//!   monotonic reading). Network, throttling and 5xx errors, a store that fails, a refresh that
//!   panics or takes too long ([`refresh_timeout`](super::SessionBuilder::refresh_timeout)),
//!   clock steps: none of them ends the session.
//! - **Where refreshes run.** On a small runtime of the crate's own, never on the caller's: a
//!   caller dropped mid-refresh, or its whole runtime ending (a sync wrapper's `block_on`),
//!   does not lose a refresh token Cognito has just rotated. Store I/O runs on that runtime's
//!   blocking threads: a store waiting for another process's lock stalls no app worker.
//! - **The end.** Only a definitive auth error on token refresh ([`Error::ends_session`]:
//!   `NotAuthorizedException` for a revoked or expired refresh token, a deleted user, ...) ends
//!   the session: the store is wiped and every call from then on fails with
//!   [`ErrorKind::SessionEnded`] ("sign in again"). [`Session::sign_out`] ends it on purpose.
//! - **Persistence.** With a [`SessionStore`], the refresh token, username, identity id and
//!   device key are saved at sign-in, when the identity id is learnt and when a rotating refresh
//!   token changes (a failed save is retried; the session goes on with the token in hand);
//!   [`Session::resume`] picks them up again, and the first call refreshes the tokens with the
//!   stored refresh token.
//! - **Several processes, one store.** A token another process stored is adopted only when the
//!   store changed since this session last saw it; the loser of a rotation race waits (up to
//!   [`rotation_race_wait`](super::SessionBuilder::rotation_race_wait)) for the winner's save
//!   and goes on with its token.
//!
//! `Session` implements [`ProvideCredentials`] and [`TokenSource`] (its ID token), so it plugs
//! into [`ApiClient`](crate::client::ApiClient) in one call
//! ([`ApiClientBuilder::session`](crate::client::ApiClientBuilder::session)), and into any
//! aws-sdk-rust client through
//! [`SharedCredentialsProvider`](aws_credential_types::provider::SharedCredentialsProvider).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};

use super::TokenKind;
use super::core::{BoxFuture, ExchangeLogins, IdentityCredentials};
use crate::cache::ExpiringCell;
use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::identity_pool::Logins;
use crate::jwt::UnverifiedClaims;
use crate::secret::{Jwt, RefreshToken};
use crate::skew::ClockSkew;
use crate::store::{StoredSession, StoredTokens};
use crate::time::{SharedClock, epoch_secs};
use crate::user_pool::{RememberedDevice, Tokens, UserPoolClient};

mod persist;
mod refresh;
mod token_source;

use persist::Save;
pub(super) use persist::StoreLink;
pub use token_source::SessionToken;

/// The default longest real-time sleep of the background task between two looks at the clock:
/// the task sleeps exactly until the next refresh is due when that is sooner, so this only
/// bounds how late it notices a clock that jumped (a resumed laptop, a manual clock).
pub const DEFAULT_BACKGROUND_POLL: Duration = Duration::from_secs(30);
/// With background refresh on, callers refresh themselves only this close to expiry (the task
/// normally has refreshed long before): the largest skew the session does not learn
/// ([`ClockSkew::MIN_CHANGE_SECS`]) plus 10 s for a request to arrive, so that a device clock
/// that far behind, unnoticed, never hands out what the service considers expired. The cells
/// never serve a value that close to expiry while a refresh is in flight either.
const FOREGROUND_MARGIN_WITH_BACKGROUND: Duration = crate::cache::SERVE_FLOOR;
/// The ID token handed to GetCredentialsForIdentity is refreshed first when it has less than
/// this left...
const EXCHANGE_MIN_TOKEN_VALIDITY: Duration = Duration::from_secs(30);
/// ...and never sent with less than this left (its refresh failing or still in flight).
const EXCHANGE_LAST_TOKEN_VALIDITY: Duration = Duration::from_secs(10);
/// The default longest wait of a caller for a refresh, and of the session for a user's
/// component (a token source); aws-sdk's identity cache bounds a load the same way.
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long, by default, the loser of a rotation race waits for the winner's save.
pub const DEFAULT_ROTATION_RACE_WAIT: Duration = Duration::from_secs(10);

/// A signed-in user's refreshing session. Cheap to clone: clones share everything.
///
/// `Debug` shows who and until when, never a token, key or session token.
#[derive(Clone)]
pub struct Session {
    pub(super) inner: Arc<Inner>,
}

/// What lets the session get new tokens: the refresh token and whose it is.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Grant {
    pub(super) refresh: RefreshToken,
    /// Cognito's username (for `SECRET_HASH` on refresh).
    pub(super) username: String,
}

/// The builder's settings a session keeps.
pub(super) struct SessionSettings {
    pub(super) config: CognitoConfig,
    /// The device clock corrected by `skew`: what every expiry decision reads.
    pub(super) clock: SharedClock,
    pub(super) device_clock: SharedClock,
    pub(super) skew: Arc<ClockSkew>,
    pub(super) store: Option<StoreLink>,
    pub(super) margin: Duration,
    pub(super) background: bool,
    pub(super) background_poll: Duration,
    pub(super) rotation: bool,
    pub(super) refresh_timeout: Duration,
    pub(super) rotation_wait: Duration,
    #[cfg(feature = "oauth")]
    pub(super) managed_login: Option<crate::oauth::ManagedLogin>,
}

pub(super) struct Inner {
    pub(super) settings: SessionSettings,
    user_pool: UserPoolClient,
    /// The identity pool side; `None` when the configuration names no identity pool.
    credentials: Option<IdentityCredentials>,
    /// `None` once ended, or when sign-in gave no refresh token. Its lock also orders the end
    /// against a refresh installing a new grant.
    grant: Mutex<Option<Grant>>,
    /// Shared, so that serving them per call copies no token. Empty after a resume until the
    /// first refresh.
    tokens: ExpiringCell<Arc<Tokens>>,
    /// The remembered device the session signs in and refreshes on.
    device: Option<RememberedDevice>,
    ended: AtomicBool,
    /// The background refresher, while it runs.
    pub(super) task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Session")
            .field("user_pool_id", &i.user_pool.user_pool_id())
            .field("client_id", &i.user_pool.client_id())
            .field("username", &self.username().unwrap_or_default())
            .field("identity", &i.credentials)
            .field("tokens_expire_at", &i.tokens.expires_at())
            .field("ended", &i.ended.load(Ordering::SeqCst))
            .field("background_refresh", &i.settings.background)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(super) fn new(
        settings: SessionSettings,
        user_pool: UserPoolClient,
        credentials: Option<IdentityCredentials>,
        grant: Option<Grant>,
        device: Option<RememberedDevice>,
    ) -> Self {
        let tokens = ExpiringCell::new().with_wait(settings.refresh_timeout);
        Session {
            inner: Arc::new(Inner {
                settings,
                user_pool,
                credentials,
                grant: Mutex::new(grant),
                tokens,
                device,
                ended: AtomicBool::new(false),
                task: Mutex::new(None),
            }),
        }
    }

    /// The device's clock, uncorrected (what the builder was given).
    pub fn device_clock(&self) -> SharedClock {
        self.inner.settings.device_clock.clone()
    }

    /// The clock skew the session has learned (shared with clients wired to it).
    pub fn clock_skew(&self) -> Arc<ClockSkew> {
        self.inner.settings.skew.clone()
    }

    /// Learns the device clock's error from freshly issued tokens: their `iat` is the
    /// service's time at issue.
    fn learn_skew(&self, tokens: &Tokens) {
        let Some(iat) = UnverifiedClaims::from_jwt(&tokens.id)
            .ok()
            .and_then(|claims| claims.iat())
        else {
            return;
        };
        let iat = i64::try_from(epoch_secs(iat)).unwrap_or(i64::MAX);
        self.learn_server_time(iat, "the tokens");
    }

    /// Learns the device clock's error from the service's time `server_epoch_secs`, read now.
    fn learn_server_time(&self, server_epoch_secs: i64, from: &str) {
        let s = &self.inner.settings;
        let offset = ClockSkew::between(s.device_clock.now(), server_epoch_secs);
        if s.skew.adopt(offset) {
            tracing::info!(
                offset_secs = offset,
                "device clock skew learned from {from}"
            );
        }
    }

    /// Holds freshly issued tokens (sign-in).
    pub(super) fn store_tokens(&self, tokens: Tokens) {
        self.learn_skew(&tokens);
        let expires_at = tokens.expires_at;
        let now = self.inner.settings.clock.now();
        self.inner.tokens.set(Arc::new(tokens), now, expires_at);
    }

    fn check_live(&self) -> Result<()> {
        if self.has_ended() {
            return Err(Error::new(
                ErrorKind::SessionEnded,
                "the session has ended: sign in again",
            ));
        }
        Ok(())
    }

    /// The margin callers refresh with: with a live background task, only shortly before
    /// expiry; without one (never asked for, or dead and not yet restarted), the full margin.
    fn foreground_margin(&self) -> Duration {
        let s = &self.inner.settings;
        if s.background && self.background_alive() {
            s.margin.min(FOREGROUND_MARGIN_WITH_BACKGROUND)
        } else {
            s.margin
        }
    }

    /// Fresh tokens (refreshed first if due).
    ///
    /// Errors: [`ErrorKind::SessionEnded`] once the session has ended; network, throttling,
    /// timeout and service errors when the tokens have expired and cannot be refreshed now.
    pub async fn tokens(&self) -> Result<Tokens> {
        Ok(Tokens::clone(&*self.shared_tokens().await?))
    }

    async fn shared_tokens(&self) -> Result<Arc<Tokens>> {
        self.tokens_with_margin(self.foreground_margin()).await
    }

    pub(super) async fn tokens_with_margin(&self, margin: Duration) -> Result<Arc<Tokens>> {
        self.check_live()?;
        self.upkeep();
        let session = self.clone();
        let result = self
            .inner
            .tokens
            .get_or_refresh_detached(&self.inner.settings.clock, margin, move || {
                // Type-erased: keeps the nested future types (and compile times) small.
                let refresh: BoxFuture<Result<(Arc<Tokens>, SystemTime)>> =
                    Box::pin(async move { session.refresh_tokens().await });
                refresh
            })
            .await;
        // Waiters that shared a session-ending refresh get its error too.
        result.map_err(|e| self.after_error(e))
    }

    /// A fresh ID token (for identity pools and `COGNITO_USER_POOLS` routes).
    pub async fn id_token(&self) -> Result<Jwt> {
        Ok(self.shared_tokens().await?.id.clone())
    }

    /// A fresh access token (for Cognito's user APIs and routes that need OAuth scopes).
    pub async fn access_token(&self) -> Result<Jwt> {
        Ok(self.shared_tokens().await?.access.clone())
    }

    /// One of the session's tokens as a [`TokenSource`](super::TokenSource) (the session itself is the source of
    /// its ID token).
    pub fn token_source(&self, kind: TokenKind) -> SessionToken {
        SessionToken {
            session: self.clone(),
            kind,
        }
    }

    /// The remembered device this session signs in and refreshes on: the one the builder was
    /// given, the one stored, or the new one confirmed at sign-in
    /// ([`SessionBuilder::remember_new_device`](super::SessionBuilder::remember_new_device)).
    /// Keep it (a secret) to sign in on this device again after signing out
    /// ([`SessionBuilder::device`](super::SessionBuilder::device)).
    pub fn remembered_device(&self) -> Option<RememberedDevice> {
        self.inner.device.clone()
    }

    /// Cognito's username for the signed-in user (`None` once the session has ended).
    pub fn username(&self) -> Option<String> {
        lock(&self.inner.grant)
            .as_ref()
            .map(|g| g.username.clone())
            .or_else(|| self.inner.tokens.peek().map(|t| t.username.clone()))
    }

    /// Fresh temporary AWS credentials from the identity pool (tokens are refreshed first when
    /// the exchange needs a fresh ID token).
    ///
    /// Errors: [`ErrorKind::Config`] if the config has no identity pool;
    /// [`ErrorKind::SessionEnded`]; [`ErrorKind::RoleNotAllowed`]; network, throttling, timeout
    /// and service errors when the credentials have expired and cannot be renewed now.
    pub async fn credentials(&self) -> Result<Credentials> {
        let margin = self.foreground_margin();
        // The fast path: fresh credentials, read without a lock.
        if !self.has_ended()
            && let Some(fresh) = self
                .inner
                .credentials
                .as_ref()
                .and_then(|c| c.fresh(margin))
        {
            self.upkeep();
            return Ok(fresh);
        }
        self.credentials_with_margin(margin).await
    }

    pub(super) async fn credentials_with_margin(&self, margin: Duration) -> Result<Credentials> {
        self.check_live()?;
        self.upkeep();
        let core = self.identity_pool()?;
        let result = core
            .get(margin, Arc::new(SessionLogins(self.clone())))
            .await;
        if core.take_identity_change()
            && let Err(e) = self.persist().await
        {
            tracing::warn!(kind = ?e.kind(), "cannot save the identity id; will retry");
        }
        result.map_err(|e| self.after_error(e))
    }

    /// The session's login for an exchange: a user-pool ID token valid long enough for it.
    async fn logins(&self) -> Result<Logins> {
        let margin = self.foreground_margin().max(EXCHANGE_MIN_TOKEN_VALIDITY);
        let tokens = self.tokens_with_margin(margin).await?;
        // When a refresh has failed (its backoff running) or is taking longer than a caller's
        // wait, the tokens held are handed out however close to expiry: one about to expire
        // would only be refused by the identity pool.
        let left = tokens
            .expires_at
            .duration_since(self.inner.settings.clock.now())
            .unwrap_or_default();
        if left < EXCHANGE_LAST_TOKEN_VALIDITY {
            return Err(Error::new(
                ErrorKind::Timeout,
                "the ID token is about to expire and its refresh is still in progress",
            ));
        }
        Logins::user_pool(&self.inner.settings.config, tokens.id.clone())
    }

    /// The identity id in the identity pool (resolved with a credentials exchange if not yet
    /// known).
    pub async fn identity_id(&self) -> Result<String> {
        self.check_live()?;
        let core = self.identity_pool()?;
        if let Some(id) = core.identity_id() {
            return Ok(id);
        }
        self.credentials().await?;
        core.identity_id().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the credentials exchange named no identity id",
            )
        })
    }

    /// When the current credentials expire, if any have been obtained.
    pub fn credentials_expire_at(&self) -> Option<SystemTime> {
        self.inner.credentials.as_ref()?.expires_at()
    }

    /// When the current ID/access tokens expire (`None` right after a resume, until the first
    /// refresh).
    pub fn tokens_expire_at(&self) -> Option<SystemTime> {
        self.inner.tokens.expires_at()
    }

    /// Whether the session has ended (signed out, or a refresh was refused for good).
    pub fn has_ended(&self) -> bool {
        self.inner.ended.load(Ordering::SeqCst)
    }

    /// Whether the session holds a refresh token its store does not have yet (a save failed;
    /// it is retried). The session goes on; another process resuming from the store now would
    /// get the previous token.
    pub fn has_unsaved_changes(&self) -> bool {
        self.inner
            .settings
            .store
            .as_ref()
            .is_some_and(StoreLink::is_unsaved)
    }

    /// Signs out this device: forgets everything locally (tokens, credentials, the store),
    /// then revokes the refresh token at Cognito (RevokeToken). The session has ended even if
    /// the revocation fails; the error says the refresh token may still be valid at Cognito.
    ///
    /// Already-issued ID/access tokens and AWS credentials stay valid at AWS until they expire.
    pub async fn sign_out(&self) -> Result<()> {
        let grant = lock(&self.inner.grant).clone();
        self.end_locally(grant.as_ref().map(|g| &g.refresh)).await;
        let Some(grant) = grant else {
            return Ok(());
        };
        #[cfg(feature = "oauth")]
        if let Some(login) = &self.inner.settings.managed_login {
            return login.revoke(&grant.refresh).await;
        }
        self.inner
            .user_pool
            .revoke_refresh_token(&grant.refresh)
            .await
    }

    /// Signs the user out on every device (GlobalSignOut with a fresh access token), then ends
    /// this session locally. If the call fails with a retryable error the session stays, so
    /// that it can be retried.
    pub async fn global_sign_out(&self) -> Result<()> {
        let tokens = self.tokens().await?;
        let refresh = tokens.refresh.clone();
        match self.inner.user_pool.global_sign_out(tokens).await {
            Ok(()) => {
                // Every refresh token of the user is dead: whatever the store holds of them.
                self.end_locally(None).await;
                Ok(())
            }
            Err(e) => {
                if e.ends_session() {
                    self.end_locally(refresh.as_ref()).await;
                }
                Err(e)
            }
        }
    }

    fn identity_pool(&self) -> Result<&IdentityCredentials> {
        self.inner.credentials.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "`identity_pool_id` is required for AWS credentials",
            )
        })
    }

    /// Turns errors into `SessionEnded` once the session has ended.
    fn after_error(&self, e: Error) -> Error {
        if self.has_ended() && e.kind() != ErrorKind::SessionEnded {
            return refresh::session_ended(&e);
        }
        e
    }

    /// What every call does on the side, cheaply: restarts a dead background refresher, and
    /// retries a failed save when its backoff allows.
    fn upkeep(&self) {
        let s = &self.inner.settings;
        if s.background && !self.background_alive() && !self.has_ended() {
            self.restart_background();
        }
        if let Some(link) = &s.store
            && link.flush_due(&*s.clock)
        {
            let session = self.clone();
            let _ = crate::runtime::spawn(async move {
                let _ = session.persist().await;
            });
        }
    }

    /// What a later resume needs, with this session's current grant and `tokens` (else the
    /// ones held); `None` once ended.
    fn stored(&self, tokens: Option<&Tokens>) -> Option<StoredSession> {
        let s = &self.inner.settings;
        let grant = lock(&self.inner.grant).clone()?;
        let mut stored = StoredSession::new(
            self.inner.user_pool.user_pool_id(),
            self.inner.user_pool.client_id(),
            grant.username,
            grant.refresh,
        );
        stored.identity_pool_id = s.config.identity_pool_id().map(str::to_owned);
        stored.identity_id = self
            .inner
            .credentials
            .as_ref()
            .and_then(|c| c.identity_id());
        stored.set_device(self.inner.device.as_ref());
        stored.refresh_token_rotation = s.rotation;
        let held = self.inner.tokens.peek();
        stored.tokens = tokens
            .or(held.as_deref())
            .map(|t| StoredTokens::new(t.id.clone(), t.access.clone()));
        Some(stored)
    }

    /// Saves what a later resume needs (the identity id learnt, a rotated token, ...), over
    /// what this session last saw in the store only: another process's newer session stays.
    pub(super) async fn persist(&self) -> Result<()> {
        self.persist_as(Save::OverSeen, None).await
    }

    /// [`persist`](Self::persist), with `tokens` just issued (not yet held).
    pub(super) async fn persist_with(&self, tokens: Option<&Tokens>) -> Result<()> {
        self.persist_as(Save::OverSeen, tokens).await
    }

    /// Saves a new sign-in, over whatever the store held.
    pub(super) async fn persist_sign_in(&self) -> Result<()> {
        self.persist_as(Save::Always, None).await
    }

    async fn persist_as(&self, how: Save, tokens: Option<&Tokens>) -> Result<()> {
        let Some(link) = &self.inner.settings.store else {
            return Ok(());
        };
        // Held against a concurrent end: a sign-out's wipe is never followed by a save.
        let _writing = link.writing.lock().await;
        if self.has_ended() {
            return Ok(());
        }
        let Some(stored) = self.stored(tokens) else {
            return Ok(());
        };
        link.save(stored, how).await.map(|_| ())
    }

    /// Ends the session here: no more refreshes, nothing cached, and the store wiped if it
    /// still holds `token` or this session's own latest token (`None`: whatever it holds).
    async fn end_locally(&self, token: Option<&RefreshToken>) {
        let own = {
            let mut grant = lock(&self.inner.grant);
            self.inner.ended.store(true, Ordering::SeqCst);
            grant.take()
        };
        self.inner.tokens.clear();
        if let Some(core) = &self.inner.credentials {
            core.forget();
        }
        if let Some(task) = lock(&self.inner.task).take() {
            task.abort();
        }
        if let Some(link) = &self.inner.settings.store {
            let _writing = link.writing.lock().await;
            let tokens = token.map(|t| {
                let mut tokens = vec![t.clone()];
                tokens.extend(own.map(|g| g.refresh).filter(|r| r != t));
                tokens
            });
            link.wipe(tokens).await;
        }
    }

    /// When the background task should next act (tokens, and credentials once obtained).
    pub(super) fn next_background_refresh(&self) -> Option<SystemTime> {
        let s = &self.inner.settings;
        let margin = s.margin;
        // Resumed and not refreshed yet: due now, or when a failed first attempt's backoff ends.
        let tokens = self
            .inner
            .tokens
            .next_refresh_at(&*s.clock, margin)
            .or_else(|| {
                lock(&self.inner.grant).is_some().then(|| {
                    self.inner
                        .tokens
                        .retry_at(&*s.clock)
                        .unwrap_or(SystemTime::UNIX_EPOCH)
                })
            });
        let creds = self
            .inner
            .credentials
            .as_ref()
            .and_then(|c| c.next_refresh_at(margin));
        match (tokens, creds) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// One background round: tokens first, then credentials if the app has used them.
    pub(super) async fn background_round(&self) -> Result<()> {
        let margin = self.inner.settings.margin;
        self.tokens_with_margin(margin).await?;
        if self
            .inner
            .credentials
            .as_ref()
            .is_some_and(|c| c.has_credentials())
        {
            self.credentials_with_margin(margin).await?;
        }
        Ok(())
    }
}

/// A session as the login source of its identity-pool exchanges.
struct SessionLogins(Session);

impl ExchangeLogins for SessionLogins {
    fn logins(&self) -> BoxFuture<Result<Logins>> {
        let session = self.0.clone();
        Box::pin(async move { session.logins().await })
    }

    /// The identity pool refused the ID token as expired although it looked valid here: the
    /// device clock is behind. Learn the service's time, drop the token, refresh once.
    fn expired(&self, logins: &Logins, server_now: Option<i64>) -> bool {
        let session = &self.0;
        if let Some(now) = server_now {
            session.learn_server_time(now, "the identity pool's refusal");
        }
        let mut sent = logins
            .providers()
            .filter_map(|key| logins.get(key))
            .peekable();
        let any = sent.peek().is_some();
        sent.for_each(|token| session.token_refused(token));
        any
    }
}

impl ProvideCredentials for Session {
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

impl super::RefreshableCredentials for Session {
    fn refused(&self, credentials: &Credentials) {
        if let Some(core) = &self.inner.credentials {
            core.refused(credentials);
        }
    }
}
