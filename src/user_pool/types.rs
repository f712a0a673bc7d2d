//! The user-pool vocabulary: sign-in flows, tokens, challenges and their answers.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use crate::error::{Error, ErrorKind, Result};
use crate::jwt::UnverifiedClaims;
use crate::secret::{ChallengeSession, Jwt, OneTimeCode, Password, RefreshToken};

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
    /// `CUSTOM_AUTH` beginning with `SRP_A`: the password proven by SRP, then the pool's
    /// custom challenges ([`ChallengeKind::CustomChallenge`]). The app client must allow
    /// `ALLOW_CUSTOM_AUTH`. Without a password, see
    /// [`UserPoolClient::sign_in_custom`](super::UserPoolClient::sign_in_custom).
    CustomWithSrp,
}

impl AuthFlow {
    /// Cognito's name of the flow.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::Srp => "USER_SRP_AUTH",
            AuthFlow::Password => "USER_PASSWORD_AUTH",
            AuthFlow::CustomWithSrp => "CUSTOM_AUTH",
        }
    }
}

/// The tokens of a signed-in user.
///
/// `Debug` shows only the username and expiry, never token text.
#[derive(Clone)]
#[non_exhaustive]
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
    /// The device this sign-in ended on, when the pool tracks devices and it is new: confirm it
    /// ([`UserPoolClient::confirm_device`](super::UserPoolClient::confirm_device)), or refreshing
    /// will fail.
    pub new_device: Option<super::NewDeviceMetadata>,
}

impl Tokens {
    /// Tokens obtained elsewhere (another client, a hosted sign-in page): the expiry and
    /// Cognito's username are read from the tokens' claims (not verified: they come from the
    /// service, and the service checks them again on every use).
    ///
    /// Errors: [`ErrorKind::InvalidToken`](crate::ErrorKind::InvalidToken) if a token cannot be
    /// decoded, or names neither an expiry nor a username.
    pub fn from_jwts(id: Jwt, access: Jwt, refresh: Option<RefreshToken>) -> Result<Self> {
        let id_claims = UnverifiedClaims::decode(id.expose_secret())?;
        let access_claims = UnverifiedClaims::decode(access.expose_secret())?;
        let username = access_claims
            .username()
            .or_else(|| id_claims.cognito_username())
            .ok_or_else(|| Error::new(ErrorKind::InvalidToken, "the tokens name no username"))?
            .to_owned();
        let expires_at = earliest(id_claims.exp(), access_claims.exp())
            .ok_or_else(|| Error::new(ErrorKind::InvalidToken, "the tokens have no `exp`"))?;
        Ok(Self {
            id,
            access,
            refresh,
            expires_at,
            username,
            new_device: None,
        })
    }
}

/// The earlier of two optional times.
pub(super) fn earliest(a: Option<SystemTime>, b: Option<SystemTime>) -> Option<SystemTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("id", &"***")
            .field("access", &"***")
            .field("refresh", &self.refresh.as_ref().map(|_| "***"))
            .field("expires_at", &self.expires_at)
            .field("username", &self.username)
            .field("new_device", &self.new_device)
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

    pub(super) fn parse(name: &str) -> Self {
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
    /// with [`UserPoolClient::associate_software_token`](super::UserPoolClient::associate_software_token) and
    /// [`UserPoolClient::verify_software_token`](super::UserPoolClient::verify_software_token).
    MfaSetup {
        /// The kinds that may be set up.
        options: Vec<MfaKind>,
    },
    /// `SELECT_CHALLENGE` (a `USER_AUTH` sign-in): choose the first factor, with
    /// [`ChallengeResponse::SelectChallenge`], [`ChallengeResponse::SelectPassword`] or
    /// [`ChallengeResponse::SelectPasswordSrp`].
    SelectChallenge {
        /// The factors the user may sign in with (Cognito's `AvailableChallenges`).
        available: Vec<super::FirstFactor>,
    },
    /// `SMS_OTP`: a sign-in code was sent by SMS (passwordless; answer with
    /// [`ChallengeResponse::MfaCode`]).
    SmsOtp {
        /// The masked phone number (`+*******1234`), if given.
        destination: Option<String>,
    },
    /// `PASSWORD`: the password (answer with [`ChallengeResponse::Password`]).
    Password,
    /// `PASSWORD_SRP`: the password, proven by SRP (answer with
    /// [`ChallengeResponse::Password`]; the crate runs the SRP exchange).
    PasswordSrp,
    /// `WEB_AUTHN`: a passkey. Give `request_options` to the authenticator
    /// (`navigator.credentials.get()` or a platform API) and answer with its response,
    /// [`ChallengeResponse::WebAuthnCredential`].
    WebAuthn {
        /// Cognito's `CREDENTIAL_REQUEST_OPTIONS` (WebAuthn's
        /// `PublicKeyCredentialRequestOptionsJSON`: `challenge`, `rpId`, `allowCredentials`,
        /// `userVerification`, `timeout`).
        request_options: serde_json::Value,
    },
    /// `CUSTOM_CHALLENGE` (a `CUSTOM_AUTH` sign-in): a challenge the pool's
    /// create-auth-challenge trigger made. Show `parameters` to the user and answer with
    /// [`ChallengeResponse::CustomAnswer`] (or [`ChallengeResponse::custom`]); the pool's
    /// triggers may ask again.
    CustomChallenge {
        /// The trigger's `publicChallengeParameters` (Cognito's `USERNAME` left out).
        parameters: BTreeMap<String, String>,
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
            ChallengeKind::SelectChallenge { .. } => "SELECT_CHALLENGE",
            ChallengeKind::SmsOtp { .. } => "SMS_OTP",
            ChallengeKind::Password => "PASSWORD",
            ChallengeKind::PasswordSrp => "PASSWORD_SRP",
            ChallengeKind::WebAuthn { .. } => "WEB_AUTHN",
            ChallengeKind::CustomChallenge { .. } => "CUSTOM_CHALLENGE",
        }
    }
}

/// A challenge the caller must answer with [`UserPoolClient::respond`](super::UserPoolClient::respond) to finish signing in.
///
/// `Debug` never shows the session string.
#[derive(Clone)]
pub struct Challenge {
    pub(super) kind: ChallengeKind,
    pub(super) username: String,
    pub(super) session: Option<ChallengeSession>,
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

/// Where a sign-in stands: done, or waiting for the answer to a challenge (what a challenge asks
/// for grows in [`ChallengeKind`], not here).
#[derive(Debug, Clone)]
pub enum SignInStep {
    /// Signed in.
    Done(Tokens),
    /// Answer this challenge with [`UserPoolClient::respond`](super::UserPoolClient::respond).
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
    /// Answers `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP` or `SMS_OTP` with the code.
    MfaCode(OneTimeCode),
    /// Answers `SELECT_MFA_TYPE` with the chosen kind.
    SelectMfa(MfaKind),
    /// Answers `SELECT_CHALLENGE` with a passwordless first factor (`EmailOtp`, `SmsOtp`,
    /// `WebAuthn`); a password factor is chosen with [`SelectPassword`](Self::SelectPassword)
    /// or [`SelectPasswordSrp`](Self::SelectPasswordSrp).
    SelectChallenge(super::FirstFactor),
    /// Answers `SELECT_CHALLENGE` with `PASSWORD` and the password, in one call.
    SelectPassword(Password),
    /// Answers `SELECT_CHALLENGE` with `PASSWORD_SRP`, then proves the password by SRP.
    SelectPasswordSrp(Password),
    /// Answers `PASSWORD` or `PASSWORD_SRP` with the password.
    Password(Password),
    /// Answers `WEB_AUTHN` with the authenticator's response.
    WebAuthnCredential(super::PasskeyAssertion),
    /// Answers `CUSTOM_CHALLENGE`: the `ANSWER`, and `ClientMetadata` for the pool's triggers
    /// with this answer (added to the client's own,
    /// [`UserPoolClient::with_client_metadata`](super::UserPoolClient::with_client_metadata)).
    CustomAnswer {
        /// What the user answered.
        answer: super::ChallengeAnswer,
        /// Sent as `ClientMetadata` with this answer.
        client_metadata: BTreeMap<String, String>,
    },
}

impl ChallengeResponse {
    /// Answers `CUSTOM_CHALLENGE` with `answer` and no metadata of its own.
    pub fn custom(answer: super::ChallengeAnswer) -> Self {
        ChallengeResponse::CustomAnswer {
            answer,
            client_metadata: BTreeMap::new(),
        }
    }
}

/// The user an access token belongs to, as GetUser answers
/// ([`UserPoolClient::get_user`](super::UserPoolClient::get_user)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    /// Cognito's username (for a pool with aliases, not the e-mail or phone signed in with).
    pub username: String,
    /// The user's attributes (`sub`, `email`, custom ones, ...), in the order Cognito lists
    /// them.
    pub attributes: Vec<(String, String)>,
}

impl UserInfo {
    /// The value of attribute `name`, if the user has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
