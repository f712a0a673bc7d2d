//! [`UserPoolClient`]: the calls to one user pool's app client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider as idp;
use idp::config::retry::RetryConfig;
use idp::config::timeout::TimeoutConfig;
use idp::config::{BehaviorVersion, Region};
use idp::types::{AuthFlowType, ChallengeNameType};
use tracing::Instrument as _;
use zeroize::Zeroize;

use super::call_context::CallContext;
use super::challenge::{Answer, answer_of, invalid};
use super::device::is_unknown_device;
use super::{
    AuthFlow, Challenge, ChallengeKind, ChallengeResponse, RememberedDevice, SignInStep, UserInfo,
    secret_hash, srp,
};
use crate::config::{CognitoConfig, Service};
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::secret::{ChallengeSession, ClientSecret, Jwt, OneTimeCode, Password, TotpSecret};
use crate::skew::{ClockSkew, ServerDateObserver};
use crate::time::{Clock, SharedClock, share, system_clock};

/// How long one call may take in all, unless [`UserPoolClientBuilder::timeout`] says otherwise.
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
    pub(super) client: idp::Client,
    user_pool_id: String,
    pub(super) client_id: String,
    pub(super) client_secret: Option<ClientSecret>,
    pub(super) clock: SharedClock,
    /// The device clock's learned error: SRP timestamps and expiry fallbacks are corrected
    /// by it, and every answer's `Date` is noted in it.
    pub(super) skew: Arc<ClockSkew>,
    /// The device sign-ins and refreshes are on ([`UserPoolClient::with_device`]).
    pub(super) device: Option<Arc<RememberedDevice>>,
    /// `ClientMetadata` and `UserContextData` sent with the calls that take them
    /// ([`UserPoolClient::with_client_metadata`]).
    pub(super) context: Arc<CallContext>,
}

impl fmt::Debug for UserPoolClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPoolClient")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("clock", &self.clock)
            .field("device", &self.device)
            .field("client_metadata", &self.context.client_metadata)
            .finish_non_exhaustive()
    }
}

/// Builds a [`UserPoolClient`]; made by [`UserPoolClient::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct UserPoolClientBuilder {
    config: CognitoConfig,
    clock: Option<SharedClock>,
    skew: Option<Arc<ClockSkew>>,
    timeout: Duration,
}

impl UserPoolClientBuilder {
    /// The clock for SRP's `TIMESTAMP` and token expiry fallbacks (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// The clock skew to correct by and learn into (default: the client's own); a session
    /// shares its own with its clients.
    pub fn clock_skew(mut self, skew: Arc<ClockSkew>) -> Self {
        self.skew = Some(skew);
        self
    }

    /// How long one call may take in all (default [`DEFAULT_TIMEOUT`]); connecting stays
    /// limited to 5 s, or less if `timeout` is shorter.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The client. Makes no network call.
    ///
    /// Errors: [`ErrorKind::Config`] if the configuration has no user pool id or app client id.
    pub fn build(self) -> Result<UserPoolClient> {
        let config = &self.config;
        let (user_pool_id, client_id) = config.require_user_pool()?;
        let mut builder = idp::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region().to_owned()))
            // See the type's docs: retries belong to the caller.
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts(self.timeout))
            .http_client(crate::runtime::sdk_http_client());
        if let Some(url) = config.endpoint_override(Service::CognitoIdp) {
            builder = builder.endpoint_url(url.as_str());
        }
        if let Some(name) = crate::config::sdk_app_name(config) {
            builder = builder.app_name(name);
        }
        let clock = self.clock.unwrap_or_else(system_clock);
        let skew = self.skew.unwrap_or_default();
        builder = builder.interceptor(ServerDateObserver::new(clock.clone(), skew.clone()));
        // No credentials provider on purpose: these operations are unauthenticated.
        Ok(UserPoolClient {
            client: idp::Client::from_conf(builder.build()),
            user_pool_id: user_pool_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: config.client_secret().cloned(),
            clock,
            skew,
            device: None,
            context: Arc::default(),
        })
    }
}

impl UserPoolClient {
    /// A client for the user pool and app client of `config`, with the defaults (system
    /// clock, [`DEFAULT_TIMEOUT`]).
    ///
    /// Fails with [`ErrorKind::Config`] if `config` has no user pool id or app client id.
    /// Makes no network call.
    pub fn new(config: &CognitoConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder for a client of `config`'s user pool and app client.
    pub fn builder(config: &CognitoConfig) -> UserPoolClientBuilder {
        UserPoolClientBuilder {
            config: config.clone(),
            clock: None,
            skew: None,
            timeout: DEFAULT_TIMEOUT,
        }
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
                AuthFlow::CustomWithSrp => {
                    return self.sign_in_custom(username, Some(password)).await;
                }
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
            .auth_parameters("PASSWORD", password.expose_secret())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data());
        // At InitiateAuth Cognito has not said who the user is yet: the typed name is right here.
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let Some(device) = &self.device else {
            let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
            return self.advance(answer_of!(out), username).await;
        };
        let named = req.clone().auth_parameters("DEVICE_KEY", device.key());
        match named.send().await.map_err(|e| from_sdk("InitiateAuth", e)) {
            Ok(out) => self.advance(answer_of!(out), username).await,
            // The device is gone: sign in as a new one (the result names it).
            Err(e) if is_unknown_device(&e) => {
                let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
                let fresh = self.with_device(None);
                fresh.advance(answer_of!(out), username).await
            }
            Err(e) => Err(e),
        }
    }

    async fn sign_in_srp(&self, username: &str, password: &Password) -> Result<SignInStep> {
        let eph = srp::SrpClientEphemeral::generate();
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserSrpAuth)
            .client_id(&self.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("SRP_A", eph.public_a_hex())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data());
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;

        match out.challenge_name() {
            Some(ChallengeNameType::PasswordVerifier) => {}
            // Some pools (e.g. with a migration trigger) may skip straight to a result or another
            // challenge: handle that like any other answer.
            _ => {
                return self.advance(answer_of!(out), username).await;
            }
        }

        self.answer_password_verifier(&eph, password, out.challenge_parameters(), out.session())
            .await
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
            // USER_AUTH's challenges (EMAIL_OTP is answered above, as for MFA).
            (
                ChallengeKind::SelectChallenge { .. }
                | ChallengeKind::SmsOtp { .. }
                | ChallengeKind::Password
                | ChallengeKind::PasswordSrp
                | ChallengeKind::WebAuthn { .. },
                response,
            ) => return self.respond_user_auth(challenge, response).await,
            (
                ChallengeKind::CustomChallenge { .. },
                ChallengeResponse::CustomAnswer {
                    answer,
                    client_metadata,
                },
            ) => {
                answers.push(("ANSWER".into(), answer.expose_secret().to_owned()));
                // This answer's metadata, over the client's own.
                if !client_metadata.is_empty() {
                    let mut merged = self.context.client_metadata.clone();
                    merged.extend(client_metadata);
                    return self
                        .with_client_metadata(merged)
                        .send_challenge_answer(
                            challenge,
                            challenge.name(),
                            challenge.session.as_ref(),
                            answers,
                        )
                        .await;
                }
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
        answers: Vec<(String, String)>,
    ) -> Result<SignInStep> {
        let out = self
            .send_raw_answer(&challenge.username, name, session, answers)
            .await?;
        self.advance(answer_of!(out), &challenge.username).await
    }

    /// RespondToAuthChallenge `name` for `username` (Cognito's) with SECRET_HASH, `session` and
    /// `answers` (zeroized once in the request): the raw answer, which the caller turns into
    /// the next step (or, for a PASSWORD_VERIFIER, answers first).
    pub(super) async fn send_raw_answer<K: AsRef<str>>(
        &self,
        username: &str,
        name: &str,
        session: Option<&ChallengeSession>,
        mut answers: Vec<(K, String)>,
    ) -> Result<idp::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput> {
        let mut req = self
            .client
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::from(name))
            .challenge_responses("USERNAME", username)
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data());
        if let Some(hash) = self.secret_hash(username) {
            req = req.challenge_responses("SECRET_HASH", hash);
        }
        for (k, v) in &answers {
            req = req.challenge_responses(k.as_ref(), v);
        }
        for (_, v) in &mut answers {
            v.zeroize();
        }
        if let Some(session) = session {
            req = req.session(session.expose_secret());
        }
        req.send()
            .await
            .map_err(|e| from_sdk("RespondToAuthChallenge", e))
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
            Ok((TotpSecret::new(secret), next))
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

    /// The user `access` belongs to (GetUser with the access token).
    ///
    /// Cognito checks the access token itself: it answers
    /// [`ErrorKind::NotAuthorized`] (`NotAuthorizedException`) for an access token that is
    /// expired, revoked (RevokeToken on the refresh token it came from), or whose user signed
    /// out globally, was disabled or deleted. So this call is also the way to ask Cognito
    /// whether an access token is still good (see `verify`'s revocation check). There is no
    /// such call for ID tokens.
    pub async fn get_user(&self, access: &Jwt) -> Result<UserInfo> {
        let span = tracing::info_span!("get_user");
        async move {
            let result = self
                .client
                .get_user()
                .access_token(access.expose_secret())
                .send()
                .await
                .map_err(|e| from_sdk("GetUser", e))
                .map(|out| UserInfo {
                    username: out.username,
                    attributes: out
                        .user_attributes
                        .into_iter()
                        .map(|a| (a.name, a.value.unwrap_or_default()))
                        .collect(),
                });
            tracing::debug!(ok = result.is_ok(), "get_user");
            result
        }
        .instrument(span)
        .await
    }

    pub(super) fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash::secret_hash(s, username, &self.client_id))
    }
}

fn timeouts(operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(operation))
        .operation_timeout(operation)
        .build()
}

pub(super) fn response_name(response: &ChallengeResponse) -> &'static str {
    match response {
        ChallengeResponse::NewPassword { .. } => "a new password",
        ChallengeResponse::MfaCode(_) => "a code",
        ChallengeResponse::SelectMfa(_) => "an MFA choice",
        ChallengeResponse::SelectChallenge(_) => "a first-factor choice",
        ChallengeResponse::SelectPassword(_) | ChallengeResponse::SelectPasswordSrp(_) => {
            "a password choice"
        }
        ChallengeResponse::Password(_) => "a password",
        ChallengeResponse::WebAuthnCredential(_) => "a passkey assertion",
        ChallengeResponse::CustomAnswer { .. } => "a custom answer",
    }
}

pub(super) fn log_outcome(step: &Result<SignInStep>) {
    match step {
        Ok(SignInStep::Done(_)) => tracing::debug!(outcome = "signed in"),
        Ok(SignInStep::Challenge(ch)) => {
            tracing::debug!(outcome = "challenge", challenge = ch.name())
        }
        Err(e) => tracing::debug!(outcome = "failed", kind = ?e.kind(), code = e.service_code()),
    }
}
