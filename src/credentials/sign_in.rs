//! Starting a [`Session`]: its builder, signing in (with challenges), starting from tokens
//! obtained elsewhere, and resuming a stored session.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::core::{Identity, IdentityCredentials, RoleChoice};
use super::session::{
    DEFAULT_BACKGROUND_POLL, DEFAULT_REFRESH_TIMEOUT, DEFAULT_ROTATION_RACE_WAIT, Grant, Session,
    SessionSettings, StoreLink,
};
use super::{BasicFlow, DEFAULT_REFRESH_MARGIN};
use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::identity_pool::IdentityPoolClient;
use crate::secret::{OneTimeCode, Password};
use crate::skew::{ClockSkew, SkewedClock};
use crate::store::SessionStore;
use crate::time::{Clock, SharedClock, share, system_clock};
use crate::user_pool::{
    AuthFlow, Challenge, ChallengeResponse, DeviceStatus, RememberedDevice, SignInStep, Tokens,
    TotpSecret, UserPoolClient,
};

/// The name a session gives a new device it confirms without
/// [`SessionBuilder::remember_new_device`].
pub const DEFAULT_DEVICE_NAME: &str = "cognito-sigv4";

/// Configures a [`Session`]: made by [`Session::builder`], finished by
/// [`sign_in`](Self::sign_in), [`from_tokens`](Self::from_tokens) or [`resume`](Self::resume).
///
/// Sessions made from one builder and its clones share its Cognito clients and its clock skew
/// (one device clock): an app holding many users' sessions configures one builder and clones
/// it per user, so that each session holds little more than its own tokens and credentials.
#[derive(Clone)]
#[must_use]
pub struct SessionBuilder {
    config: CognitoConfig,
    /// The device's clock (uncorrected).
    clock: SharedClock,
    /// The device clock's learned error, shared by everything the session makes.
    skew: Arc<ClockSkew>,
    store: Option<Arc<dyn SessionStore>>,
    margin: Duration,
    background: bool,
    background_poll: Duration,
    role: RoleChoice,
    rotation: bool,
    refresh_timeout: Duration,
    rotation_wait: Duration,
    auth_flow: AuthFlow,
    /// Refresh and revoke through a user pool domain's OAuth 2.0 endpoints.
    #[cfg(feature = "oauth")]
    managed_login: Option<crate::oauth::ManagedLogin>,
    /// The Cognito clients, built by the first session and shared by every session made from
    /// this builder or its clones: they depend only on the configuration, the clock and the
    /// skew, which clones share, and each costs tens of KiB (an aws-sdk client's
    /// configuration), several times a session's own tokens and credentials.
    clients: Arc<OnceLock<Clients>>,
    /// The remembered device sign-ins and refreshes are on.
    device: Option<RememberedDevice>,
    /// Remember a new device a sign-in ends on, under this name (it is confirmed either way).
    device_name: Option<String>,
}

/// What every session of one builder uses to talk to Cognito; cheap to clone.
#[derive(Clone)]
struct Clients {
    user_pool: UserPoolClient,
    identity_pool: Option<IdentityPoolClient>,
    /// The device clock corrected by the builder's skew: what expiry decisions read.
    clock: SharedClock,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("config", &self.config)
            .field("store", &self.store)
            .field("refresh_margin", &self.margin)
            .field("background_refresh", &self.background)
            .field("role", &self.role)
            .field("refresh_token_rotation", &self.rotation)
            .field("auth_flow", &self.auth_flow)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    fn new(config: CognitoConfig) -> Self {
        SessionBuilder {
            config,
            clock: system_clock(),
            skew: Arc::new(ClockSkew::new()),
            store: None,
            margin: DEFAULT_REFRESH_MARGIN,
            background: false,
            background_poll: DEFAULT_BACKGROUND_POLL,
            role: RoleChoice::Pool(None),
            rotation: false,
            refresh_timeout: DEFAULT_REFRESH_TIMEOUT,
            rotation_wait: DEFAULT_ROTATION_RACE_WAIT,
            auth_flow: AuthFlow::Srp,
            #[cfg(feature = "oauth")]
            managed_login: None,
            clients: Arc::default(),
            device: None,
            device_name: None,
        }
    }

    /// Refreshes through `login`'s token endpoint (the `refresh_token` grant) and revokes
    /// through its `/oauth2/revoke` at sign-out, for tokens from the managed login
    /// ([`ManagedLogin::exchange`](crate::oauth::ManagedLogin::exchange), then
    /// [`from_tokens`](Self::from_tokens)); give it again to [`resume`](Self::resume) such a
    /// session. An `invalid_grant` answer ends the session, as a revoked refresh token does.
    #[cfg(feature = "oauth")]
    pub fn managed_login(mut self, login: crate::oauth::ManagedLogin) -> Self {
        self.managed_login = Some(login);
        self
    }

    /// The device's clock (default: the system clock). The session corrects it by the skew it
    /// learns from the tokens Cognito issues (their `iat`), so its expiry decisions, SRP
    /// timestamps and the signatures of a wired [`ApiClient`](crate::client::ApiClient) use
    /// the service's time.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = share(clock);
        // Clients built with the previous clock are not this builder's any more.
        self.clients = Arc::default();
        self
    }

    /// Where to persist the session (default: nowhere). Pass the store itself, or an `Arc` of
    /// it to keep a handle.
    pub fn store(mut self, store: impl SessionStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// How long before expiry tokens and credentials are refreshed (default 5 minutes; up to
    /// 50% jitter is added, and it is capped at half the value's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Refresh in a background task, so that callers never wait for a refresh (default off).
    /// The task runs on the crate's own refresh runtime; it stops when the last clone of the
    /// session drops, and is restarted if it ever stops before.
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
        self.role = RoleChoice::Pool(Some(arn.into()));
        self
    }

    /// Get credentials with the basic (classic) flow — GetOpenIdToken, then STS
    /// AssumeRoleWithWebIdentity with the role `flow` names — instead of the enhanced flow.
    /// Replaces a custom role ARN.
    pub fn basic_flow(mut self, flow: BasicFlow) -> Self {
        self.role = RoleChoice::Basic(flow);
        self
    }

    /// Refresh with GetTokensFromRefreshToken, for app clients that rotate refresh tokens
    /// (default off: `REFRESH_TOKEN_AUTH`).
    pub fn refresh_token_rotation(mut self, on: bool) -> Self {
        self.rotation = on;
        self
    }

    /// How long a caller waits at most for a refresh in flight, and the session for a login
    /// source (default [`DEFAULT_REFRESH_TIMEOUT`], 5 s, as aws-sdk's identity cache bounds a
    /// load). A caller that waited that long gets the still-valid value if there is one, else
    /// an [`ErrorKind::Timeout`] error; the refresh itself goes on (a rotating refresh is
    /// never cut off after Cognito has acted), bounded by the clients' own timeouts.
    pub fn refresh_timeout(mut self, timeout: Duration) -> Self {
        self.refresh_timeout = timeout;
        self
    }

    /// How long the loser of a rotation race (another process sharing the store refreshed
    /// with the same token first) waits for the winner to store its new token before giving
    /// up on the session (default [`DEFAULT_ROTATION_RACE_WAIT`], 10 s).
    pub fn rotation_race_wait(mut self, wait: Duration) -> Self {
        self.rotation_wait = wait;
        self
    }

    /// How sign-in proves the password (default SRP).
    pub fn auth_flow(mut self, flow: AuthFlow) -> Self {
        self.auth_flow = flow;
        self
    }

    /// Signs in and refreshes on `device` (a remembered device from an earlier session,
    /// [`Session::remembered_device`]): the sign-in proves it instead of asking for MFA where
    /// the pool allows, and refreshes send its key, as pools that track devices require.
    pub fn device(mut self, device: RememberedDevice) -> Self {
        self.device = Some(device);
        self
    }

    /// When a sign-in ends on a new device (a pool that tracks devices), names it `name` and
    /// remembers it, so that later sign-ins on it ([`Session::remembered_device`], then
    /// [`device`](Self::device)) can skip MFA.
    ///
    /// Without this, the new device is still confirmed (under the name
    /// [`DEFAULT_DEVICE_NAME`]), as such pools refuse to refresh an unconfirmed device's tokens,
    /// but remembered only where the pool remembers every confirmed device.
    pub fn remember_new_device(mut self, name: impl Into<String>) -> Self {
        self.device_name = Some(name.into());
        self
    }

    fn user_pool_client(&self) -> Result<UserPoolClient> {
        Ok(self.clients()?.user_pool.with_device(self.device.clone()))
    }

    /// [`outcome`](Self::outcome), after confirming the new device the sign-in ended on (and
    /// remembering it when the builder asks): the session then refreshes on it.
    async fn settle(mut self, client: UserPoolClient, step: SignInStep) -> Result<SignInOutcome> {
        let SignInStep::Done(tokens) = &step else {
            return self.outcome(client, step).await;
        };
        let Some(new) = &tokens.new_device else {
            return self.outcome(client, step).await;
        };
        let name = self.device_name.as_deref().unwrap_or(DEFAULT_DEVICE_NAME);
        let confirmed = client.confirm_device(&tokens.access, new, name).await?;
        if confirmed.user_confirmation_necessary && self.device_name.is_some() {
            client
                .update_device_status(&tokens.access, new.key(), DeviceStatus::Remembered)
                .await?;
        }
        self.device = Some(confirmed.device.clone());
        let client = client.with_device(Some(confirmed.device));
        self.outcome(client, step).await
    }

    /// The clients shared by this builder's sessions, built on first use.
    fn clients(&self) -> Result<&Clients> {
        if let Some(clients) = self.clients.get() {
            return Ok(clients);
        }
        let user_pool = UserPoolClient::builder(&self.config)
            .clock(self.clock.clone())
            .clock_skew(self.skew.clone())
            .build()?;
        // Every expiry decision is made in the service's time, as best known.
        let clock: SharedClock = Arc::new(SkewedClock::new(self.clock.clone(), self.skew.clone()));
        let identity_pool = match self.config.identity_pool_id() {
            Some(_) => Some(
                IdentityPoolClient::builder(&self.config)
                    .clock(clock.clone())
                    .build()?,
            ),
            None => None,
        };
        // Two sessions starting at once may both build: one set is kept, both are equivalent.
        Ok(self.clients.get_or_init(|| Clients {
            user_pool,
            identity_pool,
            clock,
        }))
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
        self.settle(client, step).await
    }

    /// Starts a choice-based or passwordless sign-in (`USER_AUTH`): an e-mail or SMS code, a
    /// passkey, or the factor the user picks from `SELECT_CHALLENGE`; answer with
    /// [`PendingSignIn::respond`]. See [`UserPoolClient::sign_in_user_auth`].
    ///
    /// Errors: as [`UserPoolClient::sign_in_user_auth`]; [`ErrorKind::Store`] if the store
    /// cannot save.
    pub async fn sign_in_user_auth(
        self,
        username: &str,
        preferred: Option<crate::user_pool::FirstFactor>,
    ) -> Result<SignInOutcome> {
        let client = self.user_pool_client()?;
        let step = client.sign_in_user_auth(username, preferred).await?;
        self.settle(client, step).await
    }

    /// Starts a custom-auth sign-in (`CUSTOM_AUTH`), with the password proven by SRP first
    /// when `password` is given: answer each
    /// [`ChallengeKind::CustomChallenge`](crate::user_pool::ChallengeKind::CustomChallenge)
    /// with [`PendingSignIn::respond`] and
    /// [`ChallengeResponse::CustomAnswer`](crate::user_pool::ChallengeResponse::CustomAnswer),
    /// for as long as the pool's triggers ask. See [`UserPoolClient::sign_in_custom`].
    ///
    /// Errors: as [`UserPoolClient::sign_in_custom`]; [`ErrorKind::Store`] if the store
    /// cannot save.
    pub async fn sign_in_custom(
        self,
        username: &str,
        password: Option<&Password>,
    ) -> Result<SignInOutcome> {
        let client = self.user_pool_client()?;
        let step = client.sign_in_custom(username, password).await?;
        self.settle(client, step).await
    }

    async fn outcome(self, client: UserPoolClient, step: SignInStep) -> Result<SignInOutcome> {
        match step {
            SignInStep::Done(tokens) => Ok(SignInOutcome::Done(self.start(client, tokens).await?)),
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
    ///
    /// Errors: [`ErrorKind::Store`] if the store cannot save.
    pub async fn from_tokens(self, tokens: Tokens) -> Result<Session> {
        let client = self.user_pool_client()?;
        self.start(client, tokens).await
    }

    async fn start(self, client: UserPoolClient, tokens: Tokens) -> Result<Session> {
        let grant = tokens.refresh.clone().map(|refresh| Grant {
            refresh,
            username: tokens.username.clone(),
        });
        let device = client.device().cloned();
        let session = self.build(client, grant, None, device, None)?;
        session.store_tokens(tokens);
        session.persist_sign_in().await?;
        session.spawn_background()?;
        Ok(session)
    }

    /// Resumes the session saved in the builder's store: no network call; the first call that
    /// needs tokens refreshes them with the stored refresh token (and fails with
    /// [`ErrorKind::SessionEnded`] if it was revoked). The store is read off the async workers.
    ///
    /// Errors: [`ErrorKind::SessionEnded`] if there is no store or it is empty;
    /// [`ErrorKind::Store`] if it is unreadable or belongs to another user pool or app client.
    pub async fn resume(mut self) -> Result<Session> {
        let store = self.store.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionEnded,
                "no session store to resume from: sign in",
            )
        })?;
        let loaded = crate::runtime::blocking(move || store.load())
            .await
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Store, "the session store panicked")));
        let stored = loaded?
            .ok_or_else(|| Error::new(ErrorKind::SessionEnded, "no stored session: sign in"))?;
        stored.check_belongs_to(&self.config)?;
        // An identity id is only meaningful in the identity pool that issued it.
        let identity = stored
            .identity_id
            .clone()
            .filter(|_| stored.identity_pool_id.as_deref() == self.config.identity_pool_id())
            .map(|id| Identity {
                id,
                authenticated: true,
            });
        // A session started on a rotating app client must keep refreshing the rotating way.
        self.rotation |= stored.refresh_token_rotation;
        let client = self.user_pool_client()?;
        let grant = Grant {
            refresh: stored.refresh_token.clone(),
            username: stored.username.clone(),
        };
        // No tokens yet: the first call that needs them refreshes with the grant.
        let device = self.device.clone().or_else(|| stored.device());
        let client = client.with_device(device.clone());
        let seen = Some(stored.refresh_token.clone());
        let session = self.build(client, Some(grant), identity, device, seen)?;
        session.spawn_background()?;
        Ok(session)
    }

    /// The session, with `seen` the refresh token its store holds (when resumed from it).
    fn build(
        self,
        user_pool: UserPoolClient,
        grant: Option<Grant>,
        identity: Option<Identity>,
        device: Option<RememberedDevice>,
        seen: Option<crate::secret::RefreshToken>,
    ) -> Result<Session> {
        let Clients {
            identity_pool,
            clock,
            ..
        } = self.clients()?.clone();
        let credentials = identity_pool.map(|client| {
            IdentityCredentials::new(
                client,
                clock.clone(),
                self.role,
                identity,
                self.refresh_timeout,
            )
        });
        let settings = SessionSettings {
            config: self.config,
            clock,
            device_clock: self.clock,
            skew: self.skew,
            store: self.store.map(|store| StoreLink::new(store, seen)),
            margin: self.margin,
            background: self.background,
            background_poll: self.background_poll,
            rotation: self.rotation,
            refresh_timeout: self.refresh_timeout,
            rotation_wait: self.rotation_wait,
            #[cfg(feature = "oauth")]
            managed_login: self.managed_login,
        };
        Ok(Session::new(
            settings,
            user_pool,
            credentials,
            grant,
            device,
        ))
    }
}

impl Session {
    /// A builder for a session of `config`'s user pool (and identity pool, if set).
    pub fn builder(config: CognitoConfig) -> SessionBuilder {
        SessionBuilder::new(config)
    }

    /// Resumes the session saved in `store` with default settings; see
    /// [`SessionBuilder::resume`].
    pub async fn resume(
        config: CognitoConfig,
        store: impl SessionStore + 'static,
    ) -> Result<Session> {
        Session::builder(config).store(store).resume().await
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
        self.builder.settle(self.client, step).await
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
        self.builder.settle(self.client, step).await
    }
}
