//! User pool sign-in: SRP and password flows, challenges, refresh and sign-out.
//!
//! [`UserPoolClient`] talks to Cognito user pools (`cognito-idp`) through the official
//! `aws-sdk-cognitoidentityprovider` client, built with the region, the endpoint override if
//! any, and **no credentials**: every operation used here is unauthenticated, so the client
//! never walks the default credentials chain nor probes the instance metadata service.
//!
//! ```no_run
//! # async fn demo() -> cognito_sigv4::Result<()> {
//! use cognito_sigv4::CognitoConfig;
//! use cognito_sigv4::secret::Password;
//! use cognito_sigv4::user_pool::{SignInStep, UserPoolClient};
//!
//! let config = CognitoConfig::from_env()?;
//! let client = UserPoolClient::new(&config)?;
//! match client.sign_in("alice", &Password::new("correct horse")).await? {
//!     SignInStep::Done(tokens) => println!("signed in as {}", tokens.username),
//!     SignInStep::Challenge(ch) => println!("answer {} first", ch.name()),
//! }
//! # Ok(()) }
//! ```
//!
//! `SECRET_HASH` (for app clients with a secret) is computed over the name the person typed only
//! at `InitiateAuth`; every later call uses Cognito's own username (`USER_ID_FOR_SRP`, or the
//! access token's `username`), which differs when the person signs in with an e-mail or phone
//! alias.

pub mod secret_hash;
pub mod srp;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider as idp;
use idp::config::retry::RetryConfig;
use idp::config::timeout::TimeoutConfig;
use idp::config::{BehaviorVersion, Region};
use idp::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};
use tracing::Instrument as _;
use zeroize::Zeroize;

use crate::config::{CognitoConfig, Service};
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::jwt::UnverifiedClaims;
use crate::secret::{ChallengeSession, ClientSecret, Jwt, OneTimeCode, Password, RefreshToken};
use crate::time::{SharedClock, system_clock};

/// How to prove the password at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthFlow {
    /// `USER_SRP_AUTH`: the password never leaves the device (SRP-6a). The default.
    #[default]
    Srp,
    /// `USER_PASSWORD_AUTH`: the password is sent to Cognito over TLS. The app client must
    /// allow `ALLOW_USER_PASSWORD_AUTH`; needed for users migrated by a Lambda trigger.
    Password,
}

impl AuthFlow {
    /// Cognito's name of the flow.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::Srp => "USER_SRP_AUTH",
            AuthFlow::Password => "USER_PASSWORD_AUTH",
        }
    }
}

/// The tokens of a signed-in user.
///
/// `Debug` shows only the username and expiry, never token text.
#[derive(Clone)]
pub struct Tokens {
    /// The ID token: for identity pools and `COGNITO_USER_POOLS` routes without scopes.
    pub id: Jwt,
    /// The access token: for Cognito's own user APIs and routes that require OAuth scopes.
    pub access: Jwt,
    /// The refresh token, if the service issued one.
    pub refresh: Option<RefreshToken>,
    /// When the first of the ID and access tokens expires (from their `exp` claims).
    pub expires_at: SystemTime,
    /// Cognito's username for the user (the access token's `username` claim), which may differ
    /// from the e-mail or phone number typed at sign-in.
    pub username: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("id", &"***")
            .field("access", &"***")
            .field("refresh", &self.refresh.as_ref().map(|_| "***"))
            .field("expires_at", &self.expires_at)
            .field("username", &self.username)
            .finish()
    }
}

/// A second factor Cognito can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaKind {
    /// A code sent by SMS (`SMS_MFA`).
    Sms,
    /// A code from an authenticator app (`SOFTWARE_TOKEN_MFA`).
    SoftwareToken,
    /// A code sent by e-mail (`EMAIL_OTP`).
    Email,
    /// A kind this crate does not know, by Cognito's name.
    Other(String),
}

impl MfaKind {
    /// Cognito's name of the kind (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    pub fn as_str(&self) -> &str {
        match self {
            MfaKind::Sms => "SMS_MFA",
            MfaKind::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            MfaKind::Email => "EMAIL_OTP",
            MfaKind::Other(name) => name,
        }
    }

    fn parse(name: &str) -> Self {
        match name {
            "SMS_MFA" => MfaKind::Sms,
            "SOFTWARE_TOKEN_MFA" => MfaKind::SoftwareToken,
            "EMAIL_OTP" => MfaKind::Email,
            other => MfaKind::Other(other.to_owned()),
        }
    }
}

/// What a challenge asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeKind {
    /// `NEW_PASSWORD_REQUIRED`: the user must choose a new password (first sign-in of a user an
    /// administrator created), and give values for `required_attributes`.
    NewPasswordRequired {
        /// Attributes the answer must set (names without the `userAttributes.` prefix).
        required_attributes: Vec<String>,
        /// The user's current attributes, as Cognito sent them.
        user_attributes: BTreeMap<String, String>,
    },
    /// `SMS_MFA`: a code was sent by SMS.
    SmsMfa {
        /// The masked phone number (`+*******1234`), if given.
        destination: Option<String>,
    },
    /// `SOFTWARE_TOKEN_MFA`: a code from the user's authenticator app.
    SoftwareTokenMfa,
    /// `EMAIL_OTP`: a code was sent by e-mail.
    EmailOtp {
        /// The masked address (`a***@e***`), if given.
        destination: Option<String>,
    },
    /// `SELECT_MFA_TYPE`: the user must pick one of several second factors.
    SelectMfaType {
        /// The kinds to choose from.
        options: Vec<MfaKind>,
    },
    /// `MFA_SETUP`: the pool requires MFA and the user has none: set up an authenticator app
    /// with [`UserPoolClient::associate_software_token`] and
    /// [`UserPoolClient::verify_software_token`].
    MfaSetup {
        /// The kinds that may be set up.
        options: Vec<MfaKind>,
    },
}

impl ChallengeKind {
    /// Cognito's name of the challenge.
    pub fn name(&self) -> &'static str {
        match self {
            ChallengeKind::NewPasswordRequired { .. } => "NEW_PASSWORD_REQUIRED",
            ChallengeKind::SmsMfa { .. } => "SMS_MFA",
            ChallengeKind::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            ChallengeKind::EmailOtp { .. } => "EMAIL_OTP",
            ChallengeKind::SelectMfaType { .. } => "SELECT_MFA_TYPE",
            ChallengeKind::MfaSetup { .. } => "MFA_SETUP",
        }
    }
}

/// A challenge the caller must answer with [`UserPoolClient::respond`] to finish signing in.
///
/// `Debug` never shows the session string.
#[derive(Clone)]
pub struct Challenge {
    kind: ChallengeKind,
    username: String,
    session: Option<ChallengeSession>,
}

impl Challenge {
    /// What the challenge asks for.
    pub fn kind(&self) -> &ChallengeKind {
        &self.kind
    }

    /// Cognito's name of the challenge (`SOFTWARE_TOKEN_MFA`, ...).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Cognito's username for the user (not necessarily what was typed).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The opaque session that ties the answer to this sign-in (valid a few minutes).
    pub fn session(&self) -> Option<&ChallengeSession> {
        self.session.as_ref()
    }

    /// A challenge rebuilt from its parts, for apps that keep a pending sign-in between two
    /// requests (a web server answering the MFA form): keep [`kind`](Self::kind),
    /// [`username`](Self::username) and [`session`](Self::session) (a secret: store it as one).
    pub fn from_parts(
        kind: ChallengeKind,
        username: impl Into<String>,
        session: Option<ChallengeSession>,
    ) -> Self {
        Self {
            kind,
            username: username.into(),
            session,
        }
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("kind", &self.kind)
            .field("username", &self.username)
            .field("session", &self.session.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Where a sign-in stands: done, or waiting for the answer to a challenge.
#[derive(Debug, Clone)]
pub enum SignInStep {
    /// Signed in.
    Done(Tokens),
    /// Answer this challenge with [`UserPoolClient::respond`].
    Challenge(Challenge),
}

/// An answer to a [`Challenge`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ChallengeResponse {
    /// Answers `NEW_PASSWORD_REQUIRED`: the new password and the required attributes (names
    /// without the `userAttributes.` prefix; leave out read-only ones such as `email_verified`).
    NewPassword {
        /// The new password.
        password: Password,
        /// Attribute values to set.
        attributes: BTreeMap<String, String>,
    },
    /// Answers `SMS_MFA`, `SOFTWARE_TOKEN_MFA` or `EMAIL_OTP` with the code.
    MfaCode(OneTimeCode),
    /// Answers `SELECT_MFA_TYPE` with the chosen kind.
    SelectMfa(MfaKind),
}

/// A TOTP secret from [`UserPoolClient::associate_software_token`] (base32), to be shown to
/// the user once (as a QR code or text) for their authenticator app.
///
/// `Debug` never shows it; it is zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(String);

impl TotpSecret {
    /// The base32 secret. Never log what this returns.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The `otpauth://totp/...` URI that authenticator apps read from a QR code. It contains
    /// the secret: show it to the user, never log it.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
        let account = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
        // Base32 passes through unchanged; anything else the server sent cannot add a query
        // parameter.
        let secret = utf8_percent_encode(&self.0, NON_ALPHANUMERIC);
        format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}")
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// How long one call may take in all, unless [`UserPoolClient::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client of one user pool's app client: sign-in, challenges, refresh, sign-out.
///
/// Cheap to clone (the SDK client is shared). Each call gives up after [`DEFAULT_TIMEOUT`]
/// (5 s to connect) with a retryable [`ErrorKind::Network`] error, so a silent server cannot
/// hang a sign-in.
///
/// The SDK's own retries are turned off (one attempt per call): several of these calls must not
/// be repeated blindly (a challenge answer or a rotating refresh token is single-use, and a
/// repeat after a lost answer fails as if the user were wrong), so retrying is left to the
/// caller, guided by [`Error::is_retryable`]; the session layer does it with backoff.
#[derive(Clone)]
pub struct UserPoolClient {
    client: idp::Client,
    user_pool_id: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    clock: SharedClock,
}

impl fmt::Debug for UserPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClient")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// The parts of an InitiateAuth / RespondToAuthChallenge answer that decide the next step.
struct Answer<'a> {
    challenge: Option<&'a ChallengeNameType>,
    parameters: Option<&'a HashMap<String, String>>,
    session: Option<&'a str>,
    result: Option<&'a AuthenticationResultType>,
}

/// The [`Answer`] in an InitiateAuth or RespondToAuthChallenge output: two SDK types with the
/// same accessors, so a macro rather than a function.
macro_rules! answer_of {
    ($out:expr) => {
        Answer {
            challenge: $out.challenge_name(),
            parameters: $out.challenge_parameters(),
            session: $out.session(),
            result: $out.authentication_result(),
        }
    };
}

impl UserPoolClient {
    /// A client for the user pool and app client of `config`, reading time from the system
    /// clock.
    ///
    /// Fails with [`ErrorKind::Config`] if `config` has no user pool id or app client id.
    /// Makes no network call.
    pub fn new(config: &CognitoConfig) -> Result<Self> {
        let (user_pool_id, client_id) = config.require_user_pool()?;
        let mut builder = idp::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region().to_owned()))
            // See the type's docs: retries belong to the caller.
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts(DEFAULT_TIMEOUT));
        if let Some(url) = config.endpoint_override(Service::CognitoIdp) {
            builder = builder.endpoint_url(url.as_str());
        }
        // No credentials provider on purpose: these operations are unauthenticated.
        Ok(Self {
            client: idp::Client::from_conf(builder.build()),
            user_pool_id: user_pool_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: config.client_secret().cloned(),
            clock: system_clock(),
        })
    }

    /// The same client reading time (for SRP's `TIMESTAMP` and token expiry fallbacks) from
    /// `clock`.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The same client with another limit on how long one call may take in all (connecting
    /// stays limited to 5 s, or less if `timeout` is shorter).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        let conf = self
            .client
            .config()
            .to_builder()
            .timeout_config(timeouts(timeout))
            .build();
        self.client = idp::Client::from_conf(conf);
        self
    }

    /// The user pool id.
    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Signs in with `USER_SRP_AUTH`. `username` may be the username or an alias (e-mail,
    /// phone) the pool accepts.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] (wrong password, disabled user),
    /// [`ErrorKind::UserNotFound`], [`ErrorKind::UserNotConfirmed`],
    /// [`ErrorKind::PasswordResetRequired`], [`ErrorKind::UnknownChallenge`], network and
    /// service errors.
    pub async fn sign_in(&self, username: &str, password: &Password) -> Result<SignInStep> {
        self.sign_in_with_flow(username, password, AuthFlow::Srp)
            .await
    }

    /// Signs in with the given flow; see [`sign_in`](Self::sign_in).
    pub async fn sign_in_with_flow(
        &self,
        username: &str,
        password: &Password,
        flow: AuthFlow,
    ) -> Result<SignInStep> {
        // The username is not a secret, but it is often an e-mail address: it stays out of logs.
        let span = tracing::info_span!("sign_in", flow = flow.as_str());
        async move {
            let step = match flow {
                AuthFlow::Srp => self.sign_in_srp(username, password).await,
                AuthFlow::Password => self.sign_in_password(username, password).await,
            };
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    async fn sign_in_password(&self, username: &str, password: &Password) -> Result<SignInStep> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(&self.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password.expose_secret());
        // At InitiateAuth Cognito has not said who the user is yet: the typed name is right here.
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
        self.next_step(answer_of!(out), username)
    }

    async fn sign_in_srp(&self, username: &str, password: &Password) -> Result<SignInStep> {
        let eph = srp::SrpClientEphemeral::generate();
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserSrpAuth)
            .client_id(&self.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("SRP_A", eph.public_a_hex());
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;

        match out.challenge_name() {
            Some(ChallengeNameType::PasswordVerifier) => {}
            // Some pools (e.g. with a migration trigger) may skip straight to a result or another
            // challenge: handle that like any other answer.
            _ => {
                return self.next_step(answer_of!(out), username);
            }
        }

        let params = out
            .challenge_parameters()
            .ok_or_else(|| invalid("PASSWORD_VERIFIER without challenge parameters"))?;
        let param = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .ok_or_else(|| invalid(&format!("PASSWORD_VERIFIER without {name}")))
        };
        let user_id = param("USER_ID_FOR_SRP")?;
        let secret_block = param("SECRET_BLOCK")?;
        let challenge = srp::PasswordVerifierChallenge {
            user_pool_id: &self.user_pool_id,
            user_id_for_srp: user_id,
            salt_hex: param("SALT")?,
            srp_b_hex: param("SRP_B")?,
            secret_block_b64: secret_block,
        };
        let timestamp = srp::cognito_timestamp(self.clock.now());
        let signature = srp::password_claim_signature(&eph, &challenge, password, &timestamp)?;

        let mut req = self
            .client
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .challenge_responses("USERNAME", user_id)
            .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", secret_block)
            .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
            .challenge_responses("TIMESTAMP", timestamp);
        // From here on Cognito's own username, not the alias typed.
        if let Some(hash) = self.secret_hash(user_id) {
            req = req.challenge_responses("SECRET_HASH", hash);
        }
        if let Some(session) = out.session() {
            req = req.session(session);
        }
        let out = req
            .send()
            .await
            .map_err(|e| from_sdk("RespondToAuthChallenge", e))?;
        self.next_step(answer_of!(out), user_id)
    }

    /// Answers a challenge. Sends Cognito's username, the challenge's session and (for clients
    /// with a secret) `SECRET_HASH`. The answer may be another challenge (for example MFA after
    /// a new password).
    ///
    /// Errors: [`ErrorKind::InvalidParameter`] if `response` does not fit the challenge (a code
    /// for `NEW_PASSWORD_REQUIRED`, ...) or the new password breaks the pool's policy;
    /// [`ErrorKind::CodeMismatch`], [`ErrorKind::ExpiredCode`], [`ErrorKind::NotAuthorized`]
    /// (session expired or used up), network and service errors.
    pub async fn respond(
        &self,
        challenge: &Challenge,
        response: ChallengeResponse,
    ) -> Result<SignInStep> {
        let span = tracing::info_span!("respond", challenge = challenge.name());
        async move {
            let step = self.respond_inner(challenge, response).await;
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    async fn respond_inner(
        &self,
        challenge: &Challenge,
        response: ChallengeResponse,
    ) -> Result<SignInStep> {
        let mut answers: Vec<(String, String)> = Vec::new();
        match (&challenge.kind, response) {
            (
                ChallengeKind::NewPasswordRequired { .. },
                ChallengeResponse::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                answers.push(("NEW_PASSWORD".into(), password.expose_secret().to_owned()));
                for (name, value) in attributes {
                    answers.push((format!("userAttributes.{name}"), value));
                }
            }
            (ChallengeKind::SmsMfa { .. }, ChallengeResponse::MfaCode(code)) => {
                answers.push(("SMS_MFA_CODE".into(), code.expose_secret().to_owned()));
            }
            (ChallengeKind::SoftwareTokenMfa, ChallengeResponse::MfaCode(code)) => {
                answers.push((
                    "SOFTWARE_TOKEN_MFA_CODE".into(),
                    code.expose_secret().to_owned(),
                ));
            }
            (ChallengeKind::EmailOtp { .. }, ChallengeResponse::MfaCode(code)) => {
                answers.push(("EMAIL_OTP_CODE".into(), code.expose_secret().to_owned()));
            }
            (ChallengeKind::SelectMfaType { .. }, ChallengeResponse::SelectMfa(kind)) => {
                answers.push(("ANSWER".into(), kind.as_str().to_owned()));
            }
            (ChallengeKind::MfaSetup { .. }, _) => {
                return Err(Error::new(
                    ErrorKind::InvalidParameter,
                    "MFA_SETUP is answered with associate_software_token and verify_software_token",
                ));
            }
            (kind, response) => {
                return Err(Error::new(
                    ErrorKind::InvalidParameter,
                    format!(
                        "{} cannot be answered with {}",
                        kind.name(),
                        response_name(&response)
                    ),
                ));
            }
        }
        self.send_challenge_answer(
            challenge,
            challenge.name(),
            challenge.session.as_ref(),
            answers,
        )
        .await
    }

    /// Sends RespondToAuthChallenge with USERNAME, SECRET_HASH and the session added to
    /// `answers`, and turns the answer into the next step. Zeroizes the answers afterwards.
    async fn send_challenge_answer(
        &self,
        challenge: &Challenge,
        name: &str,
        session: Option<&ChallengeSession>,
        mut answers: Vec<(String, String)>,
    ) -> Result<SignInStep> {
        let mut req = self
            .client
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::from(name))
            .challenge_responses("USERNAME", &challenge.username);
        if let Some(hash) = self.secret_hash(&challenge.username) {
            req = req.challenge_responses("SECRET_HASH", hash);
        }
        for (k, v) in &answers {
            req = req.challenge_responses(k, v);
        }
        for (_, v) in &mut answers {
            v.zeroize();
        }
        if let Some(session) = session {
            req = req.session(session.expose_secret());
        }
        let out = req
            .send()
            .await
            .map_err(|e| from_sdk("RespondToAuthChallenge", e))?;
        self.next_step(answer_of!(out), &challenge.username)
    }

    /// Starts setting up an authenticator app to answer an `MFA_SETUP` challenge
    /// (AssociateSoftwareToken with the challenge's session). Returns the TOTP secret to show
    /// the user, and the challenge with the new session to pass to
    /// [`verify_software_token`](Self::verify_software_token).
    ///
    /// Errors: [`ErrorKind::InvalidParameter`] if `challenge` is not `MFA_SETUP`;
    /// [`ErrorKind::NotAuthorized`] if the session expired; network and service errors.
    pub async fn associate_software_token(
        &self,
        challenge: &Challenge,
    ) -> Result<(TotpSecret, Challenge)> {
        let span = tracing::info_span!("associate_software_token");
        async move {
            if !matches!(challenge.kind, ChallengeKind::MfaSetup { .. }) {
                return Err(Error::new(
                    ErrorKind::InvalidParameter,
                    format!(
                        "associate_software_token answers MFA_SETUP, not {}",
                        challenge.name()
                    ),
                ));
            }
            let mut req = self.client.associate_software_token();
            if let Some(session) = &challenge.session {
                req = req.session(session.expose_secret());
            }
            let out = req
                .send()
                .await
                .map_err(|e| from_sdk("AssociateSoftwareToken", e))?;
            let secret = out
                .secret_code()
                .ok_or_else(|| invalid("AssociateSoftwareToken answered without SecretCode"))?;
            let mut next = challenge.clone();
            if let Some(session) = out.session() {
                next.session = Some(ChallengeSession::new(session));
            }
            Ok((TotpSecret(secret.to_owned()), next))
        }
        .instrument(span)
        .await
    }

    /// Finishes an `MFA_SETUP` challenge: VerifySoftwareToken with the first code from the
    /// authenticator app, then RespondToAuthChallenge `MFA_SETUP`. `challenge` is the one
    /// [`associate_software_token`](Self::associate_software_token) returned.
    ///
    /// Errors: [`ErrorKind::CodeMismatch`] for a wrong code; [`ErrorKind::NotAuthorized`] if the
    /// session expired; network and service errors.
    pub async fn verify_software_token(
        &self,
        challenge: &Challenge,
        code: &OneTimeCode,
    ) -> Result<SignInStep> {
        let span = tracing::info_span!("verify_software_token");
        async move {
            if !matches!(challenge.kind, ChallengeKind::MfaSetup { .. }) {
                return Err(Error::new(
                    ErrorKind::InvalidParameter,
                    format!(
                        "verify_software_token answers MFA_SETUP, not {}",
                        challenge.name()
                    ),
                ));
            }
            let mut req = self
                .client
                .verify_software_token()
                .user_code(code.expose_secret());
            if let Some(session) = &challenge.session {
                req = req.session(session.expose_secret());
            }
            let out = req
                .send()
                .await
                .map_err(|e| from_sdk("VerifySoftwareToken", e))?;
            match out.status() {
                Some(idp::types::VerifySoftwareTokenResponseType::Success) => {}
                Some(idp::types::VerifySoftwareTokenResponseType::Error) => {
                    return Err(Error::new(
                        ErrorKind::CodeMismatch,
                        "VerifySoftwareToken: the code does not match",
                    ));
                }
                _ => {
                    return Err(invalid(
                        "VerifySoftwareToken answered without a known Status",
                    ));
                }
            }
            let session = out
                .session()
                .map(ChallengeSession::new)
                .or_else(|| challenge.session.clone());
            let step = self
                .send_challenge_answer(challenge, "MFA_SETUP", session.as_ref(), Vec::new())
                .await;
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    /// Gets fresh ID and access tokens with `REFRESH_TOKEN_AUTH`. The refresh token stays the
    /// same (Cognito returns none here), so the result keeps the old one.
    ///
    /// Errors: [`ErrorKind::SessionEnded`] if `tokens` has no refresh token;
    /// [`ErrorKind::NotAuthorized`] if the refresh token was revoked, expired, or the user signed
    /// out everywhere (check [`Error::ends_session`]); network and service errors (retryable).
    pub async fn refresh(&self, tokens: &Tokens) -> Result<Tokens> {
        let span = tracing::info_span!("refresh", rotation = false);
        async move {
            let result = self.refresh_inner(tokens).await;
            log_refresh(&result);
            result
        }
        .instrument(span)
        .await
    }

    async fn refresh_inner(&self, tokens: &Tokens) -> Result<Tokens> {
        let refresh = refresh_token_of(tokens)?;
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(&self.client_id)
            .auth_parameters("REFRESH_TOKEN", refresh.expose_secret());
        // Cognito checks the hash against the token's user: its username, never the alias.
        if let Some(hash) = self.secret_hash(&tokens.username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
        match out.authentication_result() {
            Some(result) => self.tokens_from(result, Some(refresh)),
            None => Err(invalid(
                "REFRESH_TOKEN_AUTH answered without AuthenticationResult",
            )),
        }
    }

    /// Gets fresh tokens with GetTokensFromRefreshToken, the operation for app clients that
    /// rotate refresh tokens: the answer's new refresh token replaces the old one (which the
    /// service retires), and the old one is kept when none comes back.
    ///
    /// Errors: as [`refresh`](Self::refresh); reusing a retired refresh token fails with
    /// [`ErrorKind::NotAuthorized`].
    pub async fn refresh_with_rotation(&self, tokens: &Tokens) -> Result<Tokens> {
        let span = tracing::info_span!("refresh", rotation = true);
        async move {
            let result = self.refresh_rotation_inner(tokens).await;
            log_refresh(&result);
            result
        }
        .instrument(span)
        .await
    }

    async fn refresh_rotation_inner(&self, tokens: &Tokens) -> Result<Tokens> {
        let refresh = refresh_token_of(tokens)?;
        let mut req = self
            .client
            .get_tokens_from_refresh_token()
            .client_id(&self.client_id)
            .refresh_token(refresh.expose_secret());
        if let Some(secret) = &self.client_secret {
            req = req.client_secret(secret.expose_secret());
        }
        let out = req
            .send()
            .await
            .map_err(|e| from_sdk("GetTokensFromRefreshToken", e))?;
        match out.authentication_result() {
            Some(result) => self.tokens_from(result, Some(refresh)),
            None => Err(invalid(
                "GetTokensFromRefreshToken answered without AuthenticationResult",
            )),
        }
    }

    /// Signs out this device: revokes the refresh token (RevokeToken, with the client secret
    /// when configured), so it and the tokens issued from it can no longer be refreshed.
    /// `tokens` is consumed, so the caller's copy is dropped (and zeroized) whatever the outcome.
    ///
    /// Already-issued ID and access tokens **stay valid at API Gateway until they expire**
    /// (`expires_at`, an hour by default): API Gateway checks only their signature and expiry.
    /// Keep token lifetimes short if that matters.
    ///
    /// Without a refresh token there is nothing to revoke at the service; this returns `Ok`.
    pub async fn revoke(&self, tokens: Tokens) -> Result<()> {
        match &tokens.refresh {
            Some(refresh) => self.revoke_refresh_token(refresh).await,
            None => Ok(()),
        }
    }

    /// Revokes one refresh token (RevokeToken); see [`revoke`](Self::revoke).
    pub async fn revoke_refresh_token(&self, refresh: &RefreshToken) -> Result<()> {
        let span = tracing::info_span!("revoke");
        async move {
            let mut req = self
                .client
                .revoke_token()
                .client_id(&self.client_id)
                .token(refresh.expose_secret());
            if let Some(secret) = &self.client_secret {
                req = req.client_secret(secret.expose_secret());
            }
            let result = req
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("RevokeToken", e));
            tracing::debug!(ok = result.is_ok(), "revoke");
            result
        }
        .instrument(span)
        .await
    }

    /// Signs the user out of every device (GlobalSignOut with the access token): all their
    /// refresh tokens stop working. `tokens` is consumed, so the caller's copy is dropped (and
    /// zeroized) whatever the outcome.
    ///
    /// Already-issued ID and access tokens, here and on other devices, **stay valid at API
    /// Gateway until they expire**: API Gateway checks only their signature and expiry.
    pub async fn global_sign_out(&self, tokens: Tokens) -> Result<()> {
        let span = tracing::info_span!("global_sign_out");
        async move {
            let result = self
                .client
                .global_sign_out()
                .access_token(tokens.access.expose_secret())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("GlobalSignOut", e));
            tracing::debug!(ok = result.is_ok(), "global_sign_out");
            result
        }
        .instrument(span)
        .await
    }

    // -----------------------------------------------------------------------------------------

    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash::secret_hash(s, username, &self.client_id))
    }

    /// Turns an answer into tokens or a typed challenge.
    fn next_step(&self, answer: Answer<'_>, username: &str) -> Result<SignInStep> {
        if let Some(name) = answer.challenge {
            let empty = HashMap::new();
            let params = answer.parameters.unwrap_or(&empty);
            let kind = challenge_kind(name.as_str(), params)?;
            // Cognito names the user in the challenge; prefer that over what we sent.
            let username = params
                .get("USER_ID_FOR_SRP")
                .or_else(|| params.get("USERNAME"))
                .map(String::as_str)
                .filter(|u| !u.is_empty())
                .unwrap_or(username);
            return Ok(SignInStep::Challenge(Challenge {
                kind,
                username: username.to_owned(),
                session: answer.session.map(ChallengeSession::new),
            }));
        }
        match answer.result {
            // A sign-in has no earlier refresh token to keep.
            Some(result) => self.tokens_from(result, None).map(SignInStep::Done),
            None => Err(invalid(
                "the answer has neither a challenge nor an AuthenticationResult",
            )),
        }
    }

    /// Builds [`Tokens`] from an AuthenticationResult, keeping `old_refresh` when none came.
    fn tokens_from(
        &self,
        result: &AuthenticationResultType,
        old_refresh: Option<&RefreshToken>,
    ) -> Result<Tokens> {
        let id = result
            .id_token()
            .ok_or_else(|| invalid("AuthenticationResult without IdToken"))?;
        let access = result
            .access_token()
            .ok_or_else(|| invalid("AuthenticationResult without AccessToken"))?;
        let id_claims = UnverifiedClaims::decode(id)
            .map_err(|e| invalid(&format!("IdToken: {}", e.message())))?;
        let access_claims = UnverifiedClaims::decode(access)
            .map_err(|e| invalid(&format!("AccessToken: {}", e.message())))?;
        let username = access_claims
            .username()
            .or_else(|| id_claims.cognito_username())
            .ok_or_else(|| invalid("the tokens name no username"))?
            .to_owned();
        let expires_at = match (id_claims.exp(), access_claims.exp()) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => {
                let secs = u64::try_from(result.expires_in()).unwrap_or(0);
                self.clock.now() + Duration::from_secs(secs)
            }
        };
        let refresh = result
            .refresh_token()
            .filter(|r| !r.is_empty())
            .map(RefreshToken::new)
            .or_else(|| old_refresh.cloned());
        Ok(Tokens {
            id: Jwt::new(id),
            access: Jwt::new(access),
            refresh,
            expires_at,
            username,
        })
    }
}

fn timeouts(operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(operation))
        .operation_timeout(operation)
        .build()
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}

fn refresh_token_of(tokens: &Tokens) -> Result<&RefreshToken> {
    tokens.refresh.as_ref().ok_or_else(|| {
        Error::new(
            ErrorKind::SessionEnded,
            "no refresh token to refresh with: sign in again",
        )
    })
}

fn response_name(response: &ChallengeResponse) -> &'static str {
    match response {
        ChallengeResponse::NewPassword { .. } => "a new password",
        ChallengeResponse::MfaCode(_) => "a code",
        ChallengeResponse::SelectMfa(_) => "an MFA choice",
    }
}

fn log_outcome(step: &Result<SignInStep>) {
    match step {
        Ok(SignInStep::Done(_)) => tracing::debug!(outcome = "signed in"),
        Ok(SignInStep::Challenge(ch)) => {
            tracing::debug!(outcome = "challenge", challenge = ch.name())
        }
        Err(e) => tracing::debug!(outcome = "failed", kind = ?e.kind(), code = e.service_code()),
    }
}

fn log_refresh(result: &Result<Tokens>) {
    match result {
        Ok(_) => tracing::debug!(outcome = "refreshed"),
        Err(e) => tracing::debug!(
            outcome = "failed",
            kind = ?e.kind(),
            ends_session = e.ends_session()
        ),
    }
}

/// The typed challenge for a challenge name and its parameters.
fn challenge_kind(name: &str, params: &HashMap<String, String>) -> Result<ChallengeKind> {
    let get = |key: &str| params.get(key).filter(|v| !v.is_empty()).cloned();
    Ok(match name {
        "NEW_PASSWORD_REQUIRED" => ChallengeKind::NewPasswordRequired {
            required_attributes: json_string_list(params.get("requiredAttributes"))?
                .into_iter()
                .map(|a| match a.strip_prefix("userAttributes.") {
                    Some(rest) => rest.to_owned(),
                    None => a,
                })
                .collect(),
            user_attributes: json_attributes(params.get("userAttributes"))?,
        },
        "SMS_MFA" => ChallengeKind::SmsMfa {
            destination: get("CODE_DELIVERY_DESTINATION"),
        },
        "SOFTWARE_TOKEN_MFA" => ChallengeKind::SoftwareTokenMfa,
        "EMAIL_OTP" => ChallengeKind::EmailOtp {
            destination: get("CODE_DELIVERY_DESTINATION"),
        },
        "SELECT_MFA_TYPE" => ChallengeKind::SelectMfaType {
            options: json_string_list(params.get("MFAS_CAN_CHOOSE"))?
                .iter()
                .map(|k| MfaKind::parse(k))
                .collect(),
        },
        "MFA_SETUP" => ChallengeKind::MfaSetup {
            options: json_string_list(params.get("MFAS_CAN_SETUP"))?
                .iter()
                .map(|k| MfaKind::parse(k))
                .collect(),
        },
        other => {
            return Err(Error::new(
                ErrorKind::UnknownChallenge,
                format!(
                    "the service asked for challenge `{other}`, which this crate does not handle"
                ),
            ));
        }
    })
}

/// A challenge parameter holding a JSON array of strings (absent: empty).
fn json_string_list(value: Option<&String>) -> Result<Vec<String>> {
    let Some(text) = value.filter(|t| !t.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    serde_json::from_str::<Vec<String>>(text)
        .map_err(|_| invalid("a challenge parameter is not a JSON list of strings"))
}

/// `userAttributes`: a JSON object of attribute values (absent: empty).
fn json_attributes(value: Option<&String>) -> Result<BTreeMap<String, String>> {
    let Some(text) = value.filter(|t| !t.trim().is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let map = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .map_err(|_| invalid("userAttributes is not a JSON object"))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn challenges_parse_into_typed_kinds() {
        let kind = challenge_kind(
            "NEW_PASSWORD_REQUIRED",
            &params(&[
                (
                    "requiredAttributes",
                    r#"["userAttributes.given_name","family_name"]"#,
                ),
                (
                    "userAttributes",
                    r#"{"email":"a@example.com","email_verified":"true"}"#,
                ),
            ]),
        )
        .unwrap();
        let ChallengeKind::NewPasswordRequired {
            required_attributes,
            user_attributes,
        } = kind
        else {
            panic!("wrong kind {kind:?}");
        };
        assert_eq!(required_attributes, ["given_name", "family_name"]);
        assert_eq!(user_attributes["email"], "a@example.com");

        let kind = challenge_kind(
            "SELECT_MFA_TYPE",
            &params(&[(
                "MFAS_CAN_CHOOSE",
                r#"["SMS_MFA","SOFTWARE_TOKEN_MFA","WEBAUTHN"]"#,
            )]),
        )
        .unwrap();
        assert_eq!(
            kind,
            ChallengeKind::SelectMfaType {
                options: vec![
                    MfaKind::Sms,
                    MfaKind::SoftwareToken,
                    MfaKind::Other("WEBAUTHN".into())
                ]
            }
        );
        let kind = challenge_kind(
            "SMS_MFA",
            &params(&[("CODE_DELIVERY_DESTINATION", "+*******1234")]),
        )
        .unwrap();
        assert_eq!(
            kind,
            ChallengeKind::SmsMfa {
                destination: Some("+*******1234".into())
            }
        );
        assert_eq!(
            challenge_kind("MFA_SETUP", &params(&[])).unwrap(),
            ChallengeKind::MfaSetup { options: vec![] }
        );
    }

    #[test]
    fn unknown_challenge_is_a_typed_error_naming_it() {
        let err = challenge_kind("CUSTOM_CHALLENGE", &params(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownChallenge);
        assert!(err.message().contains("CUSTOM_CHALLENGE"), "{err}");
    }

    #[test]
    fn garbage_challenge_parameters_are_invalid_responses() {
        let err = challenge_kind(
            "SELECT_MFA_TYPE",
            &params(&[("MFAS_CAN_CHOOSE", "SMS_MFA,oops")]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn totp_secret_is_redacted_and_builds_an_otpauth_uri() {
        let s = TotpSecret("JBSWY3DPEHPK3PXP".into());
        assert_eq!(format!("{s:?}"), "TotpSecret(***)");
        assert_eq!(
            s.otpauth_uri("My App", "alice@example.com"),
            "otpauth://totp/My%20App:alice%40example%2Ecom?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
        );
        let hostile = TotpSecret("AB&issuer=Evil".into());
        assert_eq!(
            hostile.otpauth_uri("X", "a"),
            "otpauth://totp/X:a?secret=AB%26issuer%3DEvil&issuer=X"
        );
    }
}
