//! The refreshing session: one signed-in user's tokens, identity id and AWS credentials, kept
//! fresh for as long as the app runs.
//!
//! ```no_run
//! # async fn demo() -> cognito_sigv4::Result<()> {
//! use std::sync::Arc;
//! use cognito_sigv4::{CognitoConfig, Session};
//! use cognito_sigv4::secret::Password;
//! use cognito_sigv4::session::SignInOutcome;
//! use cognito_sigv4::store::FileStore;
//!
//! let config = CognitoConfig::from_env()?;
//! let store = Arc::new(FileStore::new("session.json"));
//! let session = match Session::resume(config.clone(), store.clone()) {
//!     Ok(session) => session,
//!     Err(_) => match Session::builder(config)
//!         .store(store)
//!         .sign_in("jdoe", &Password::new("correct horse"))
//!         .await?
//!     {
//!         SignInOutcome::Done(session) => session,
//!         SignInOutcome::Challenge(pending) => {
//!             panic!("answer {} first", pending.challenge().name())
//!         }
//!     },
//! };
//! let creds = session.credentials().await?; // fresh, shared, refreshed before expiry
//! # let _ = creds; Ok(()) }
//! ```
//!
//! How it behaves:
//!
//! - **Before expiry.** Tokens and credentials are refreshed `refresh_margin` (default 5
//!   minutes, plus up to 50% jitter, at most half their lifetime) before they expire; see
//!   [`crate::cache`].
//! - **Single flight.** Concurrent callers share one token refresh and one credentials
//!   exchange; the exchange refreshes the tokens first when the ID token is due.
//! - **Background refresh** (optional): a task refreshes ahead of time so that callers never
//!   wait. It holds only a weak reference and stops when the last clone of the session drops.
//!   It sleeps with `tokio::time::sleep`, in steps of at most
//!   [`background_poll`](SessionBuilder::background_poll), but decides what time it is from the
//!   session's [`Clock`](crate::Clock), so it follows a manual clock in tests.
//! - **Failures.** A failed refresh is not cached. While the current value is still valid it
//!   keeps being served and the refresh is retried with backoff. Network, throttling and 5xx
//!   errors never end the session.
//! - **The end.** Only a definitive auth error on token refresh ([`Error::ends_session`]:
//!   `NotAuthorizedException` for a revoked or expired refresh token, a deleted user, ...) ends
//!   the session: the store is wiped and every call from then on fails with
//!   [`ErrorKind::SessionEnded`] ("sign in again"). [`Session::sign_out`] ends it on purpose.
//! - **Persistence.** With a [`SessionStore`], the refresh token, username, identity id and
//!   device key are saved at sign-in, when the identity id is learnt and when a rotating refresh
//!   token changes; [`Session::resume`] picks them up again.
//!
//! `Session` implements [`ProvideCredentials`], so it plugs into
//! [`ApiClient`](crate::client) and into any aws-sdk-rust client through
//! [`SharedCredentialsProvider`](aws_credential_types::provider::SharedCredentialsProvider).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};

use crate::cache::ExpiringCell;
use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::identity_pool::{IdentityPoolClient, Logins};
use crate::secret::{Jwt, OneTimeCode, Password};
use crate::store::{SessionStore, StoredSession};
use crate::time::{SharedClock, system_clock};
use crate::user_pool::{
    AuthFlow, Challenge, ChallengeResponse, SignInStep, Tokens, TotpSecret, UserPoolClient,
};

/// The default refresh margin: 5 minutes, as the AWS JS SDK v3.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// The default longest real-time sleep of the background task between two looks at the clock:
/// the task sleeps exactly until the next refresh is due when that is sooner, so this only
/// bounds how late it notices a clock that jumped (a resumed laptop, a manual clock).
pub const DEFAULT_BACKGROUND_POLL: Duration = Duration::from_secs(30);
/// With background refresh on, callers refresh themselves only this close to expiry (the task
/// normally has refreshed long before).
const FOREGROUND_MARGIN_WITH_BACKGROUND: Duration = Duration::from_secs(10);
/// The ID token handed to GetCredentialsForIdentity must stay valid at least this long.
const EXCHANGE_MIN_TOKEN_VALIDITY: Duration = Duration::from_secs(30);
/// Backoff of the background task after a failed attempt on an already expired value.
const BACKGROUND_MIN_BACKOFF: Duration = Duration::from_secs(1);
const BACKGROUND_MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A signed-in user's refreshing session. Cheap to clone: clones share everything.
///
/// `Debug` shows who and until when, never a token, key or session token.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    config: CognitoConfig,
    user_pool: UserPoolClient,
    identity_pool: Option<IdentityPoolClient>,
    clock: SharedClock,
    store: Option<Arc<dyn SessionStore>>,
    margin: Duration,
    background: bool,
    background_poll: Duration,
    custom_role_arn: Option<String>,
    rotation: bool,
    /// Shared, so that serving them per call copies no token.
    tokens: ExpiringCell<Arc<Tokens>>,
    credentials: ExpiringCell<Credentials>,
    identity_id: Mutex<Option<String>>,
    device_key: Mutex<Option<String>>,
    ended: AtomicBool,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Session")
            .field("user_pool_id", &i.user_pool.user_pool_id())
            .field("client_id", &i.user_pool.client_id())
            .field(
                "username",
                &i.tokens
                    .peek()
                    .map(|t| t.username.clone())
                    .unwrap_or_default(),
            )
            .field("identity_id", &*lock(&i.identity_id))
            .field("tokens_expire_at", &i.tokens.expires_at())
            .field("credentials_expire_at", &i.credentials.expires_at())
            .field("ended", &i.ended.load(Ordering::SeqCst))
            .field("background_refresh", &i.background)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Session`]: made by [`Session::builder`], finished by
/// [`sign_in`](Self::sign_in), [`from_tokens`](Self::from_tokens) or [`resume`](Self::resume).
#[derive(Clone)]
pub struct SessionBuilder {
    config: CognitoConfig,
    clock: SharedClock,
    store: Option<Arc<dyn SessionStore>>,
    margin: Duration,
    background: bool,
    background_poll: Duration,
    custom_role_arn: Option<String>,
    rotation: bool,
    auth_flow: AuthFlow,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("config", &self.config)
            .field("store", &self.store)
            .field("refresh_margin", &self.margin)
            .field("background_refresh", &self.background)
            .field("custom_role_arn", &self.custom_role_arn)
            .field("refresh_token_rotation", &self.rotation)
            .field("auth_flow", &self.auth_flow)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// The clock to read time from (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Where to persist the session (default: nowhere).
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long before expiry tokens and credentials are refreshed (default 5 minutes; up to
    /// 50% jitter is added, and it is capped at half the value's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Refresh in a background task, so that callers never wait for a refresh (default off).
    /// Needs a tokio runtime when the session is created.
    pub fn background_refresh(mut self, on: bool) -> Self {
        self.background = on;
        self
    }

    /// The longest real-time sleep of the background task before it looks at the clock again
    /// (default 30 s). Only matters when the clock can jump (a manual clock, a resumed laptop).
    pub fn background_poll(mut self, poll: Duration) -> Self {
        self.background_poll = poll.max(Duration::from_millis(1));
        self
    }

    /// Ask the identity pool for this role (`CustomRoleArn`); it must be one of the token's
    /// `cognito:roles`.
    pub fn custom_role_arn(mut self, arn: impl Into<String>) -> Self {
        self.custom_role_arn = Some(arn.into());
        self
    }

    /// Refresh with GetTokensFromRefreshToken, for app clients that rotate refresh tokens
    /// (default off: `REFRESH_TOKEN_AUTH`).
    pub fn refresh_token_rotation(mut self, on: bool) -> Self {
        self.rotation = on;
        self
    }

    /// How sign-in proves the password (default SRP).
    pub fn auth_flow(mut self, flow: AuthFlow) -> Self {
        self.auth_flow = flow;
        self
    }

    fn user_pool_client(&self) -> Result<UserPoolClient> {
        Ok(UserPoolClient::new(&self.config)?.with_clock(self.clock.clone()))
    }

    /// Signs in (SRP by default) and, when no challenge remains, starts the session and saves
    /// it to the store.
    ///
    /// Errors: as [`UserPoolClient::sign_in`]; [`ErrorKind::Store`] if the store cannot save.
    pub async fn sign_in(self, username: &str, password: &Password) -> Result<SignInOutcome> {
        let client = self.user_pool_client()?;
        let step = client
            .sign_in_with_flow(username, password, self.auth_flow)
            .await?;
        self.outcome(client, step)
    }

    fn outcome(self, client: UserPoolClient, step: SignInStep) -> Result<SignInOutcome> {
        match step {
            SignInStep::Done(tokens) => Ok(SignInOutcome::Done(self.start(client, tokens)?)),
            SignInStep::Challenge(challenge) => {
                Ok(SignInOutcome::Challenge(Box::new(PendingSignIn {
                    builder: self,
                    client,
                    challenge,
                })))
            }
        }
    }

    /// Starts a session from tokens obtained elsewhere (for example from
    /// [`UserPoolClient`] directly), and saves it to the store.
    pub fn from_tokens(self, tokens: Tokens) -> Result<Session> {
        let client = self.user_pool_client()?;
        self.start(client, tokens)
    }

    fn start(self, client: UserPoolClient, tokens: Tokens) -> Result<Session> {
        let now = self.clock.now();
        let expires_at = tokens.expires_at;
        let session = self.build(client, None, None)?;
        session.inner.tokens.set(Arc::new(tokens), now, expires_at);
        session.persist()?;
        session.spawn_background()?;
        Ok(session)
    }

    /// Resumes the session saved in the builder's store: no network call; the first call that
    /// needs tokens refreshes them with the stored refresh token (and fails with
    /// [`ErrorKind::SessionEnded`] if it was revoked).
    ///
    /// Errors: [`ErrorKind::SessionEnded`] if there is no store or it is empty;
    /// [`ErrorKind::Store`] if it is unreadable or belongs to another user pool or app client.
    pub fn resume(mut self) -> Result<Session> {
        let store = self.store.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionEnded,
                "no session store to resume from: sign in",
            )
        })?;
        let stored = store
            .load()?
            .ok_or_else(|| Error::new(ErrorKind::SessionEnded, "no stored session: sign in"))?;
        stored.check_belongs_to(&self.config)?;
        // An identity id is only meaningful in the identity pool that issued it.
        let identity_id = stored
            .identity_id
            .clone()
            .filter(|_| stored.identity_pool_id.as_deref() == self.config.identity_pool_id());
        // A session started on a rotating app client must keep refreshing the rotating way.
        self.rotation |= stored.refresh_token_rotation;
        let client = self.user_pool_client()?;
        let now = self.clock.now();
        let session = self.build(client, identity_id, stored.device_key.clone())?;
        // Expired placeholder tokens carrying the refresh token: the first use refreshes.
        let tokens = Tokens {
            id: Jwt::new(""),
            access: Jwt::new(""),
            refresh: Some(stored.refresh_token.clone()),
            expires_at: UNIX_EPOCH,
            username: stored.username.clone(),
        };
        session.inner.tokens.set(Arc::new(tokens), now, UNIX_EPOCH);
        session.spawn_background()?;
        Ok(session)
    }

    fn build(
        self,
        user_pool: UserPoolClient,
        identity_id: Option<String>,
        device_key: Option<String>,
    ) -> Result<Session> {
        let identity_pool = match self.config.identity_pool_id() {
            Some(_) => Some(IdentityPoolClient::with_clock(
                &self.config,
                self.clock.clone(),
            )?),
            None => None,
        };
        Ok(Session {
            inner: Arc::new(Inner {
                config: self.config,
                user_pool,
                identity_pool,
                clock: self.clock,
                store: self.store,
                margin: self.margin,
                background: self.background,
                background_poll: self.background_poll,
                custom_role_arn: self.custom_role_arn,
                rotation: self.rotation,
                tokens: ExpiringCell::new(),
                credentials: ExpiringCell::new(),
                identity_id: Mutex::new(identity_id),
                device_key: Mutex::new(device_key),
                ended: AtomicBool::new(false),
                task: Mutex::new(None),
            }),
        })
    }
}

/// The result of [`SessionBuilder::sign_in`]: a session, or a challenge to answer first.
#[derive(Debug)]
pub enum SignInOutcome {
    /// Signed in.
    Done(Session),
    /// Answer the challenge with [`PendingSignIn::respond`] (or set up MFA). Boxed: it holds
    /// a builder and a client, much larger than a `Session`.
    Challenge(Box<PendingSignIn>),
}

/// A sign-in waiting for the answer to a challenge (a new password, an MFA code, ...).
#[derive(Debug)]
pub struct PendingSignIn {
    builder: SessionBuilder,
    client: UserPoolClient,
    challenge: Challenge,
}

impl PendingSignIn {
    /// The challenge to answer.
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// Answers the challenge; see [`UserPoolClient::respond`].
    pub async fn respond(self, response: ChallengeResponse) -> Result<SignInOutcome> {
        let step = self.client.respond(&self.challenge, response).await?;
        self.builder.outcome(self.client, step)
    }

    /// For an `MFA_SETUP` challenge: the TOTP secret to show the user; then call
    /// [`verify_software_token`](Self::verify_software_token) with their first code.
    pub async fn associate_software_token(&mut self) -> Result<TotpSecret> {
        let (secret, next) = self
            .client
            .associate_software_token(&self.challenge)
            .await?;
        self.challenge = next;
        Ok(secret)
    }

    /// For an `MFA_SETUP` challenge: verifies the first code and finishes the sign-in.
    pub async fn verify_software_token(self, code: &OneTimeCode) -> Result<SignInOutcome> {
        let step = self
            .client
            .verify_software_token(&self.challenge, code)
            .await?;
        self.builder.outcome(self.client, step)
    }
}

impl Session {
    /// A builder for a session of `config`'s user pool (and identity pool, if set).
    pub fn builder(config: CognitoConfig) -> SessionBuilder {
        SessionBuilder {
            config,
            clock: system_clock(),
            store: None,
            margin: DEFAULT_REFRESH_MARGIN,
            background: false,
            background_poll: DEFAULT_BACKGROUND_POLL,
            custom_role_arn: None,
            rotation: false,
            auth_flow: AuthFlow::Srp,
        }
    }

    /// Resumes the session saved in `store` with default settings; see
    /// [`SessionBuilder::resume`].
    pub fn resume(config: CognitoConfig, store: Arc<dyn SessionStore>) -> Result<Session> {
        Session::builder(config).store(store).resume()
    }

    fn check_live(&self) -> Result<()> {
        if self.inner.ended.load(Ordering::SeqCst) {
            return Err(Error::new(
                ErrorKind::SessionEnded,
                "the session has ended: sign in again",
            ));
        }
        Ok(())
    }

    /// The margin callers refresh with: with a background task, only just before expiry.
    fn foreground_margin(&self) -> Duration {
        if self.inner.background {
            self.inner.margin.min(FOREGROUND_MARGIN_WITH_BACKGROUND)
        } else {
            self.inner.margin
        }
    }

    /// Fresh tokens (refreshed first if due).
    ///
    /// Errors: [`ErrorKind::SessionEnded`] once the session has ended; network, throttling and
    /// service errors when the tokens have expired and cannot be refreshed now.
    pub async fn tokens(&self) -> Result<Tokens> {
        Ok(Tokens::clone(&*self.shared_tokens().await?))
    }

    async fn shared_tokens(&self) -> Result<Arc<Tokens>> {
        self.tokens_with_margin(self.foreground_margin()).await
    }

    async fn tokens_with_margin(&self, margin: Duration) -> Result<Arc<Tokens>> {
        self.check_live()?;
        let result = self
            .inner
            .tokens
            .get_or_refresh(&*self.inner.clock, margin, || {
                Box::pin(self.refresh_tokens())
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

    /// Cognito's username for the signed-in user.
    pub fn username(&self) -> Option<String> {
        self.inner.tokens.peek().map(|t| t.username.clone())
    }

    /// Fresh temporary AWS credentials from the identity pool (tokens are refreshed first when
    /// the exchange needs a fresh ID token).
    ///
    /// Errors: [`ErrorKind::Config`] if the config has no identity pool;
    /// [`ErrorKind::SessionEnded`]; [`ErrorKind::RoleNotAllowed`]; network, throttling and
    /// service errors when the credentials have expired and cannot be renewed now.
    pub async fn credentials(&self) -> Result<Credentials> {
        self.credentials_with_margin(self.foreground_margin()).await
    }

    async fn credentials_with_margin(&self, margin: Duration) -> Result<Credentials> {
        self.check_live()?;
        self.identity_pool()?;
        let result = self
            .inner
            .credentials
            .get_or_refresh(&*self.inner.clock, margin, || Box::pin(self.exchange()))
            .await;
        result.map_err(|e| self.after_error(e))
    }

    /// The identity id in the identity pool (resolved with a credentials exchange if not yet
    /// known).
    pub async fn identity_id(&self) -> Result<String> {
        self.check_live()?;
        if let Some(id) = lock(&self.inner.identity_id).clone() {
            return Ok(id);
        }
        self.credentials().await?;
        lock(&self.inner.identity_id).clone().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the credentials exchange named no identity id",
            )
        })
    }

    /// When the current credentials expire, if any have been obtained.
    pub fn credentials_expire_at(&self) -> Option<SystemTime> {
        self.inner.credentials.expires_at()
    }

    /// When the current ID/access tokens expire (the Unix epoch right after a resume).
    pub fn tokens_expire_at(&self) -> Option<SystemTime> {
        self.inner.tokens.expires_at()
    }

    /// Whether the session has ended (signed out, or a refresh was refused for good).
    pub fn has_ended(&self) -> bool {
        self.inner.ended.load(Ordering::SeqCst)
    }

    /// Signs out this device: forgets everything locally (tokens, credentials, the store),
    /// then revokes the refresh token at Cognito (RevokeToken). The session has ended even if
    /// the revocation fails; the error says the refresh token may still be valid at Cognito.
    ///
    /// Already-issued ID/access tokens and AWS credentials stay valid at AWS until they expire.
    pub async fn sign_out(&self) -> Result<()> {
        let tokens = self.inner.tokens.peek();
        self.end_locally();
        match tokens {
            Some(tokens) => {
                self.inner
                    .user_pool
                    .revoke(Arc::unwrap_or_clone(tokens))
                    .await
            }
            None => Ok(()),
        }
    }

    /// Signs the user out on every device (GlobalSignOut with a fresh access token), then ends
    /// this session locally. If the call fails with a retryable error the session stays, so
    /// that it can be retried.
    pub async fn global_sign_out(&self) -> Result<()> {
        let tokens = self.tokens().await?;
        match self.inner.user_pool.global_sign_out(tokens).await {
            Ok(()) => {
                self.end_locally();
                Ok(())
            }
            Err(e) => {
                if e.ends_session() {
                    self.end_locally();
                }
                Err(e)
            }
        }
    }

    fn identity_pool(&self) -> Result<&IdentityPoolClient> {
        self.inner.identity_pool.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "`identity_pool_id` is required for AWS credentials",
            )
        })
    }

    /// Turns errors into `SessionEnded` once the session has ended.
    fn after_error(&self, e: Error) -> Error {
        if self.has_ended() && e.kind() != ErrorKind::SessionEnded {
            return session_ended(&e);
        }
        e
    }

    /// One token refresh (run by the cell for everyone waiting).
    async fn refresh_tokens(&self) -> Result<(Arc<Tokens>, SystemTime)> {
        let current = self.inner.tokens.peek().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionEnded,
                "no tokens to refresh: sign in again",
            )
        })?;
        let result = if self.inner.rotation {
            self.inner.user_pool.refresh_with_rotation(&current).await
        } else {
            self.inner.user_pool.refresh(&current).await
        };
        match result {
            // Signed out while this refresh was in flight: its tokens must not come back (a
            // session-ending error also makes the cell drop what it holds).
            Ok(_) if self.has_ended() => Err(Error::new(
                ErrorKind::SessionEnded,
                "the session has ended: sign in again",
            )),
            Ok(tokens) => {
                if tokens.expires_at <= self.inner.clock.now() {
                    tracing::warn!(
                        "refreshed tokens are already expired: is the device clock right?"
                    );
                }
                let rotated = tokens.refresh != current.refresh;
                let expires_at = tokens.expires_at;
                if rotated {
                    // Saved before use: a crash now must not leave only a retired token stored.
                    self.persist_tokens(&tokens);
                }
                Ok((Arc::new(tokens), expires_at))
            }
            Err(e) if e.ends_session() => {
                tracing::info!(kind = ?e.kind(), code = e.service_code(), "refresh refused: session ended");
                self.end_locally();
                Err(session_ended(&e))
            }
            Err(e) => Err(e),
        }
    }

    /// One credentials exchange (run by the cell for everyone waiting).
    async fn exchange(&self) -> Result<(Credentials, SystemTime)> {
        let pool = self.identity_pool()?;
        let margin = self.foreground_margin().max(EXCHANGE_MIN_TOKEN_VALIDITY);
        let tokens = self.tokens_with_margin(margin).await?;
        let logins = Logins::user_pool(&self.inner.config, tokens.id.clone())?;
        let cached = lock(&self.inner.identity_id).clone();
        let (identity_id, credentials) = pool
            .credentials_for(
                cached.as_deref(),
                &logins,
                self.inner.custom_role_arn.as_deref(),
            )
            .await?;
        // Signed out while the exchange was in flight: drop its credentials.
        self.check_live()?;
        if cached.as_deref() != Some(identity_id.as_str()) {
            *lock(&self.inner.identity_id) = Some(identity_id);
            if let Err(e) = self.persist() {
                tracing::warn!(kind = ?e.kind(), "cannot save the identity id");
            }
        }
        let expires_at = credentials.expiry().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the identity pool's credentials have no expiry",
            )
        })?;
        Ok((credentials, expires_at))
    }

    /// Saves what a later resume needs.
    fn persist(&self) -> Result<()> {
        match self.inner.tokens.peek() {
            Some(tokens) => self.save_with(&tokens),
            None => Ok(()),
        }
    }

    fn persist_tokens(&self, tokens: &Tokens) {
        if let Err(e) = self.save_with(tokens) {
            tracing::warn!(kind = ?e.kind(), "cannot save the rotated refresh token");
        }
    }

    fn save_with(&self, tokens: &Tokens) -> Result<()> {
        let (Some(store), Some(refresh)) = (&self.inner.store, &tokens.refresh) else {
            return Ok(());
        };
        if self.has_ended() {
            return Ok(());
        }
        let mut stored = StoredSession::new(
            self.inner.user_pool.user_pool_id(),
            self.inner.user_pool.client_id(),
            tokens.username.clone(),
            refresh.clone(),
        );
        stored.identity_pool_id = self.inner.config.identity_pool_id().map(str::to_owned);
        stored.identity_id = lock(&self.inner.identity_id).clone();
        stored.device_key = lock(&self.inner.device_key).clone();
        stored.refresh_token_rotation = self.inner.rotation;
        store.save(&stored)
    }

    /// Ends the session here: no more refreshes, nothing cached, the store wiped.
    fn end_locally(&self) {
        self.inner.ended.store(true, Ordering::SeqCst);
        self.inner.tokens.clear();
        self.inner.credentials.clear();
        if let Some(store) = &self.inner.store
            && let Err(e) = store.clear()
        {
            tracing::warn!(kind = ?e.kind(), "cannot wipe the session store");
        }
        if let Some(task) = lock(&self.inner.task).take() {
            task.abort();
        }
    }

    /// When the background task should next act (tokens, and credentials once obtained).
    fn next_background_refresh(&self) -> Option<SystemTime> {
        let margin = self.inner.margin;
        let tokens = self.inner.tokens.next_refresh_at(margin);
        let creds = self.inner.credentials.next_refresh_at(margin);
        match (tokens, creds) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// One background round: tokens first, then credentials if the app has used them.
    async fn background_round(&self) -> Result<()> {
        let margin = self.inner.margin;
        self.tokens_with_margin(margin).await?;
        if self.inner.identity_pool.is_some() && self.inner.credentials.expires_at().is_some() {
            self.credentials_with_margin(margin).await?;
        }
        Ok(())
    }

    fn spawn_background(&self) -> Result<()> {
        if !self.inner.background {
            return Ok(());
        }
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::Config,
                "background refresh needs a tokio runtime",
            )
        })?;
        let weak = Arc::downgrade(&self.inner);
        let task = handle.spawn(background_loop(weak));
        *lock(&self.inner.task) = Some(task.abort_handle());
        Ok(())
    }
}

/// The background refresher: holds the session only while it works, so that it stops when the
/// last clone drops.
async fn background_loop(weak: Weak<Inner>) {
    let mut not_before: Option<SystemTime> = None;
    let mut backoff = BACKGROUND_MIN_BACKOFF;
    loop {
        let wait = {
            let Some(inner) = weak.upgrade() else { return };
            let session = Session { inner };
            if session.has_ended() {
                return;
            }
            let clock = session.inner.clock.clone();
            let now = clock.now();
            let due = session.next_background_refresh();
            let may_try = not_before.is_none_or(|t| now >= t);
            if may_try && due.is_some_and(|d| d <= now) {
                match session.background_round().await {
                    // Still due after a successful round (values that arrive already due,
                    // e.g. with a skewed clock): back off rather than spin.
                    Ok(())
                        if session
                            .next_background_refresh()
                            .is_some_and(|d| d <= clock.now()) =>
                    {
                        not_before = Some(clock.now() + backoff);
                        backoff = (backoff * 2).min(BACKGROUND_MAX_BACKOFF);
                    }
                    Ok(()) => {
                        not_before = None;
                        backoff = BACKGROUND_MIN_BACKOFF;
                    }
                    Err(e) if e.kind() == ErrorKind::SessionEnded => return,
                    Err(e) => {
                        tracing::warn!(kind = ?e.kind(), code = e.service_code(), "background refresh failed");
                        not_before = Some(clock.now() + backoff);
                        backoff = (backoff * 2).min(BACKGROUND_MAX_BACKOFF);
                    }
                }
                Duration::ZERO
            } else {
                let now = clock.now();
                let target = match (due, not_before) {
                    (Some(d), Some(n)) => Some(d.max(n)),
                    (d, n) => d.or(n),
                };
                let until = target
                    .and_then(|t| t.duration_since(now).ok())
                    .unwrap_or(session.inner.background_poll);
                until.min(session.inner.background_poll)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The typed "sign in again" error for `cause`, keeping its service code and message.
fn session_ended(cause: &Error) -> Error {
    let message = format!("the session has ended, sign in again: {}", cause.message());
    match cause.service_code() {
        Some(code) => Error::from_service(code, message).with_kind(ErrorKind::SessionEnded),
        None => Error::new(ErrorKind::SessionEnded, message),
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

impl crate::client::TokenSource for Session {
    fn token(&self, kind: crate::client::TokenKind) -> crate::client::TokenFuture<'_> {
        Box::pin(async move {
            let tokens = self.shared_tokens().await?;
            Ok(match kind {
                crate::client::TokenKind::Id => tokens.id.clone(),
                crate::client::TokenKind::Access => tokens.access.clone(),
            })
        })
    }
}
