//! A user pool's data: app clients, groups, users, and what sign-ins leave behind (refresh
//! tokens, challenge sessions, SRP exchanges, the outbox of sent codes).

use super::EXPIRED_MEMORY;
use crate::keys::PoolKeys;
use cognito_sigv4::secret::OneTimeCode;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

/// A user pool. `Clone`, so that a sign-in that waits for a trigger can be undone.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserPool {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The ID-token and access-token signing keys.
    pub(crate) key: PoolKeys,
    /// `UsernameAttributes`: users sign in with these attributes; their username is a UUID.
    pub(crate) username_attributes: Vec<String>,
    /// `AliasAttributes`: users may also sign in with these attributes (when not unverified).
    pub(crate) alias_attributes: Vec<String>,
    /// By client id.
    pub(crate) clients: BTreeMap<String, AppClient>,
    /// By group name.
    pub(crate) groups: BTreeMap<String, Group>,
    /// By username.
    pub(crate) users: BTreeMap<String, User>,
    /// Refresh tokens issued, by token value.
    pub(crate) refresh_tokens: HashMap<String, RefreshTokenRecord>,
    /// Open challenge sessions (the `Session` string), for NEW_PASSWORD_REQUIRED, MFA, MFA_SETUP.
    /// Not persisted: a challenge lives 3 minutes.
    #[serde(skip)]
    pub(crate) sessions: HashMap<String, ChallengeState>,
    /// Open SRP exchanges, keyed by username: the server's secret `b` and public `B`. Not
    /// persisted.
    #[serde(skip)]
    pub(crate) srp_pending: HashMap<String, SrpPending>,
    /// Sign-ins (`origin_jti` families) revoked by RevokeToken or sign-out, with the time after
    /// which no access token of theirs can still be unexpired (then they are forgotten).
    pub(crate) revoked_origin_jtis: HashMap<String, SystemTime>,
    /// MFA required (`MfaConfiguration = ON`): users without TOTP get the MFA_SETUP challenge.
    pub(crate) mfa_required: bool,
    /// MFA codes sent by SMS or e-mail, oldest first. Not persisted.
    #[serde(skip)]
    pub(crate) outbox: Vec<OutboxEntry>,
    /// The resource servers' scopes, `<identifier>/<scope>`.
    pub(crate) custom_scopes: Vec<String>,
    /// The managed login's codes and OAuth refresh tokens' scopes.
    pub(crate) oauth: super::OAuthState,
    /// Sign-up, password-reset and attribute codes waiting for their answer.
    pub(crate) account_codes: super::AccountCodes,
    /// `USER_AUTH`'s first factors, the passkey relying party, and users' passkeys.
    pub(crate) passwordless: super::Passwordless,
    /// `DeviceConfiguration`, when the pool tracks devices.
    pub(crate) device_tracking: Option<super::DeviceTracking>,
    /// The devices users signed in on, by device key.
    pub(crate) devices: super::Devices,
    /// What the control plane stores and describes but the data plane does not act on.
    pub(crate) settings: PoolSettings,
    /// `LambdaConfig`: the triggers' functions.
    #[serde(default)]
    pub(crate) lambda: crate::seed::LambdaConfigSeed,
}

/// A user pool's settings kept for DescribeUserPool (the control plane's): stored as given.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PoolSettings {
    /// When it was created (the epoch for seeded pools).
    pub(crate) created: Option<SystemTime>,
    pub(crate) modified: Option<SystemTime>,
    /// `Policies`, `LambdaConfig`, `AutoVerifiedAttributes`, `Schema`... as CreateUserPool or
    /// UpdateUserPool gave them (JSON members by name).
    pub(crate) described: BTreeMap<String, serde_json::Value>,
    /// `Domain` (CreateUserPoolDomain).
    pub(crate) domain: Option<String>,
    /// Groups' descriptions by group name.
    pub(crate) group_descriptions: BTreeMap<String, String>,
    /// Whether TOTP MFA is enabled (SetUserPoolMfaConfig).
    pub(crate) software_token_mfa: bool,
    /// `Policies.PasswordPolicy`.
    #[serde(default)]
    pub(crate) password_policy: PasswordPolicy,
}

/// A pool's password policy (`Policies.PasswordPolicy`); the default is Cognito's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PasswordPolicy {
    pub(crate) minimum_length: usize,
    pub(crate) require_uppercase: bool,
    pub(crate) require_lowercase: bool,
    pub(crate) require_numbers: bool,
    pub(crate) require_symbols: bool,
}

impl Default for PasswordPolicy {
    /// Cognito's default: 8 characters, upper and lower case, a digit and a symbol.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

impl std::fmt::Debug for UserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Refresh tokens and challenge sessions are map keys: only their number is shown.
        f.debug_struct("UserPool")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("clients", &self.clients)
            .field("groups", &self.groups)
            .field("users", &self.users)
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("sessions", &self.sessions.len())
            .field("srp_pending", &self.srp_pending.len())
            .field("revoked_origin_jtis", &self.revoked_origin_jtis.len())
            .field("outbox", &self.outbox.len())
            .field("mfa_required", &self.mfa_required)
            .finish_non_exhaustive()
    }
}

impl UserPool {
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub(crate) fn issuer(&self, region: &str) -> String {
        format!("https://cognito-idp.{region}.amazonaws.com/{}", self.id)
    }

    /// The part of the id after `_`, as SRP hashes it.
    pub(crate) fn srp_pool_name(&self) -> &str {
        self.id.split_once('_').map(|(_, n)| n).unwrap_or(&self.id)
    }

    /// The longest access-token lifetime of the pool's app clients: an access token issued
    /// now is expired after that long.
    pub(crate) fn longest_access_token_validity(&self) -> Duration {
        self.clients
            .values()
            .map(|c| c.access_token_validity)
            .max()
            .unwrap_or_default()
    }

    /// Forgets what sign-ins left behind once it can no longer matter, so that a long run does
    /// not grow without bound: challenge sessions and refresh tokens [`EXPIRED_MEMORY`] after
    /// they expire (until then, using one answers "expired" rather than "invalid"), SRP
    /// exchanges when they expire, revoked sign-ins once their access tokens have expired, and
    /// sent codes with their challenge session.
    pub(crate) fn forget_expired(&mut self, now: SystemTime) {
        let remembered = |expires_at: SystemTime| expires_at + EXPIRED_MEMORY > now;
        self.sessions.retain(|_, s| remembered(s.expires_at));
        self.srp_pending.retain(|_, p| p.expires_at > now);
        self.refresh_tokens.retain(|_, r| remembered(r.expires_at));
        self.revoked_origin_jtis.retain(|_, until| *until > now);
        self.outbox.retain(|e| remembered(e.expires_at));
        let tokens = &self.refresh_tokens;
        self.oauth.forget(now, |t| tokens.contains_key(t));
        self.account_codes
            .forget(now.checked_sub(EXPIRED_MEMORY).unwrap_or(now));
    }

    /// Revokes a sign-in's whole family (RevokeToken, `/oauth2/revoke`): every refresh token
    /// issued from it, and its access tokens until the longest of them would have expired.
    pub(crate) fn revoke_sign_in(&mut self, origin_jti: &str, now: SystemTime) {
        for r in self
            .refresh_tokens
            .values_mut()
            .filter(|r| r.origin_jti == origin_jti)
        {
            r.revoked = true;
        }
        let until = now + self.longest_access_token_validity();
        self.revoked_origin_jtis
            .insert(origin_jti.to_owned(), until);
    }

    /// Revokes every sign-in of `username` (GlobalSignOut, DeleteUser): each refresh token,
    /// and the access tokens of each family.
    pub(crate) fn revoke_user(&mut self, username: &str, now: SystemTime) {
        let families: Vec<String> = self
            .refresh_tokens
            .values()
            .filter(|r| r.username == username)
            .map(|r| r.origin_jti.clone())
            .collect();
        for family in families {
            self.revoke_sign_in(&family, now);
        }
    }

    /// Finds a user by username or, when the pool allows it, by the value of a username
    /// attribute (an e-mail address or phone number, verified or not, as on AWS) or of an
    /// alias attribute (unless its `<name>_verified` is `"false"`: AWS signs in by alias only
    /// once it is verified).
    pub(crate) fn find_user(&self, name: &str) -> Option<&User> {
        self.users.get(name).or_else(|| {
            self.users.values().find(|u| {
                let has = |attr: &String| u.attributes.get(attr).is_some_and(|v| v == name);
                let verified = |attr: &String| {
                    u.attributes
                        .get(&format!("{attr}_verified"))
                        .map(String::as_str)
                        != Some("false")
                };
                self.username_attributes.iter().any(has)
                    || self
                        .alias_attributes
                        .iter()
                        .any(|attr| has(attr) && verified(attr))
            })
        })
    }
}

/// An app client.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct AppClient {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) secret: Option<String>,
    pub(crate) explicit_auth_flows: Vec<String>,
    pub(crate) id_token_validity: Duration,
    pub(crate) access_token_validity: Duration,
    pub(crate) refresh_token_validity: Duration,
    pub(crate) refresh_token_rotation: bool,
    /// With rotation: how long a retired refresh token still works (`RetryGracePeriodSeconds`).
    pub(crate) refresh_token_grace: Duration,
    /// `PreventUserExistenceErrors = ENABLED`.
    pub(crate) prevent_user_existence_errors: bool,
    /// The managed login's OAuth settings.
    pub(crate) oauth: super::OAuthClient,
}

/// A group.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Group {
    pub(crate) role_arn: Option<String>,
    pub(crate) precedence: Option<i64>,
}

/// A user's account status, as Cognito names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum UserStatus {
    Confirmed,
    ForceChangePassword,
    Unconfirmed,
    ResetRequired,
}

impl UserStatus {
    /// Cognito's name (`UserStatus`, `cognito:user_status`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::ResetRequired => "RESET_REQUIRED",
        }
    }
}

/// A user. The password itself is not kept: only its SRP salt and verifier.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct User {
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) salt: Vec<u8>,
    /// v = g^x mod N, big-endian.
    pub(crate) verifier: Vec<u8>,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) groups: Vec<String>,
    pub(crate) status: UserStatus,
    pub(crate) enabled: bool,
    /// Base32 TOTP secret, once associated.
    pub(crate) totp_secret: Option<String>,
    /// SOFTWARE_TOKEN_MFA enabled (verified).
    pub(crate) totp_enabled: bool,
    /// Tokens issued before this time are rejected by Cognito's own APIs (GlobalSignOut).
    pub(crate) signed_out_at: Option<SystemTime>,
    /// A TOTP secret from AssociateSoftwareToken, waiting for VerifySoftwareToken.
    pub(crate) pending_totp_secret: Option<String>,
    /// SMS_MFA enabled (codes to `phone_number`).
    pub(crate) sms_mfa_enabled: bool,
    /// EMAIL_OTP enabled (codes to `email`).
    pub(crate) email_mfa_enabled: bool,
    /// `SMS_MFA`, `EMAIL_OTP` or `SOFTWARE_TOKEN_MFA`, when the user has a preference.
    pub(crate) preferred_mfa: Option<String>,
    /// When the user was created and last changed (the epoch for seeded users).
    pub(crate) created: SystemTime,
    pub(crate) modified: SystemTime,
    /// Failed password sign-ins, and the lockout they caused.
    #[serde(default)]
    pub(crate) lockout: Lockout,
}

/// A user's failed password sign-ins (see `idp::lockout`).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Lockout {
    /// Failures since the last success or quiet spell.
    pub(crate) failures: u32,
    pub(crate) last_failure: Option<SystemTime>,
    /// No sign-in with a password before this time.
    pub(crate) locked_until: Option<SystemTime>,
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client secret stays out.
        f.debug_struct("AppClient")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_secret", &self.secret.is_some())
            .field("explicit_auth_flows", &self.explicit_auth_flows)
            .field("refresh_token_rotation", &self.refresh_token_rotation)
            .field("refresh_token_grace", &self.refresh_token_grace)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // TOTP secrets and the password verifier stay out.
        f.debug_struct("User")
            .field("username", &self.username)
            .field("sub", &self.sub)
            .field("groups", &self.groups)
            .field("status", &self.status)
            .field("enabled", &self.enabled)
            .field("totp_enabled", &self.totp_enabled)
            .field("sms_mfa_enabled", &self.sms_mfa_enabled)
            .field("email_mfa_enabled", &self.email_mfa_enabled)
            .field("preferred_mfa", &self.preferred_mfa)
            .finish_non_exhaustive()
    }
}

/// A refresh token the pool issued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RefreshTokenRecord {
    pub(crate) username: String,
    pub(crate) client_id: String,
    pub(crate) expires_at: SystemTime,
    /// The `origin_jti` shared by every token issued from the same sign-in.
    pub(crate) origin_jti: String,
    /// Revoked by RevokeToken or GlobalSignOut.
    pub(crate) revoked: bool,
    /// When rotation replaced it (GetTokensFromRefreshToken on a rotating client); reusing it
    /// after the client's grace period is `RefreshTokenReuseException`.
    pub(crate) retired_at: Option<SystemTime>,
    /// When the user signed in (the tokens' `auth_time`).
    pub(crate) auth_time: SystemTime,
    /// The device the sign-in was bound to (pools that track devices): refreshing needs its
    /// `DEVICE_KEY`, and stops working once the device is forgotten.
    pub(crate) device_key: Option<String>,
}

/// What an open challenge session is waiting for.
#[derive(Clone)]
pub(crate) struct ChallengeState {
    pub(crate) username: String,
    pub(crate) client_id: String,
    /// `NEW_PASSWORD_REQUIRED`, `SOFTWARE_TOKEN_MFA`, `MFA_SETUP`, ...
    pub(crate) challenge: String,
    pub(crate) expires_at: SystemTime,
    /// The code sent for SMS_MFA / EMAIL_OTP: it lives and dies with the session.
    pub(crate) code: Option<String>,
    /// Wrong MFA codes answered so far.
    pub(crate) wrong_codes: u32,
    /// Too many wrong codes: the session is spent and answers nothing any more.
    pub(crate) exhausted: bool,
    /// The device this sign-in proved (DEVICE_SRP_AUTH) or named (`DEVICE_KEY`), carried to
    /// the tokens at the end.
    pub(crate) device_key: Option<String>,
    /// A custom challenge's state (`CUSTOM_CHALLENGE` sessions).
    pub(crate) custom: Option<CustomChallenge>,
}

impl std::fmt::Debug for ChallengeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The one-time code stays out.
        f.debug_struct("ChallengeState")
            .field("username", &self.username)
            .field("client_id", &self.client_id)
            .field("challenge", &self.challenge)
            .field("expires_at", &self.expires_at)
            .field("wrong_codes", &self.wrong_codes)
            .field("exhausted", &self.exhausted)
            .finish_non_exhaustive()
    }
}

/// A code the emulator "delivered" by SMS or e-mail, kept for tests to read.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEntry {
    pub(crate) username: String,
    pub(crate) sent: SentCode,
    /// What the code is for: the challenge (`SMS_MFA`, `EMAIL_OTP`...) or the account step
    /// (`SignUp`, `ForgotPassword`, `VerifyAttribute`).
    pub(crate) purpose: &'static str,
    pub(crate) sent_at: SystemTime,
    /// When its challenge session expires: the code is forgotten with the session.
    pub(crate) expires_at: SystemTime,
    /// The message a custom-message trigger wrote (its subject for e-mail, and its text with
    /// the code's placeholder `{####}` left in): `None` for Cognito's default message.
    pub(crate) message: Option<(Option<String>, String)>,
}

/// The server's half of an SRP exchange in progress.
#[derive(Clone)]
pub(crate) struct SrpPending {
    pub(crate) client_id: String,
    /// Server secret `b`, big-endian.
    pub(crate) b: Vec<u8>,
    /// Client public `A`, big-endian.
    pub(crate) a_pub: Vec<u8>,
    /// Server public `B`, big-endian.
    pub(crate) b_pub: Vec<u8>,
    pub(crate) secret_block: Vec<u8>,
    pub(crate) expires_at: SystemTime,
    /// The `DEVICE_KEY` InitiateAuth named (user SRP), or the device being proven (device SRP).
    pub(crate) device_key: Option<String>,
    /// A custom-auth sign-in's challenges so far, when the exchange is its password step
    /// (`SRP_A` then `PASSWORD_VERIFIER`): the proof goes back to the define trigger.
    pub(crate) custom: Option<Vec<ChallengeResult>>,
}

/// One challenge of a custom-auth sign-in and how it went: an element of the define and
/// create triggers' `request.session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChallengeResult {
    /// `SRP_A`, `PASSWORD_VERIFIER`, `CUSTOM_CHALLENGE`...
    pub(crate) name: String,
    pub(crate) result: bool,
    /// The create trigger's `challengeMetadata` for a custom challenge.
    pub(crate) metadata: Option<String>,
}

/// A custom-auth sign-in waiting for the answer to a custom challenge.
#[derive(Clone)]
pub(crate) struct CustomChallenge {
    /// The challenges before this one.
    pub(crate) results: Vec<ChallengeResult>,
    /// The create trigger's `privateChallengeParameters` (the expected answer, typically):
    /// handed to the verify trigger, never to the client.
    pub(crate) private: serde_json::Map<String, serde_json::Value>,
    /// The create trigger's `challengeMetadata`.
    pub(crate) metadata: Option<String>,
}

impl std::fmt::Debug for SrpPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `b` is the server's SRP secret.
        f.debug_struct("SrpPending")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// How the emulator "delivered" a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryMedium {
    /// By SMS, to the user's `phone_number` (`SMS_MFA`).
    Sms,
    /// By e-mail, to the user's `email` (`EMAIL_OTP`).
    Email,
}

impl DeliveryMedium {
    /// Cognito's name, as in `CODE_DELIVERY_DELIVERY_MEDIUM` (`SMS`, `EMAIL`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMedium::Sms => "SMS",
            DeliveryMedium::Email => "EMAIL",
        }
    }
}

/// A one-time code the emulator sent (into its outbox, not to a phone or mailbox), read with
/// [`RunningEmulator::sent_codes`](crate::RunningEmulator::sent_codes). `Debug` redacts the code.
#[derive(Debug, Clone)]
pub struct SentCode {
    /// SMS or e-mail.
    pub medium: DeliveryMedium,
    /// Where it went, unmasked: the user's `phone_number` or `email` attribute.
    pub destination: String,
    /// The 6-digit code; answer the challenge with it.
    pub code: OneTimeCode,
}
