//! What the emulator starts with: user pools, identity pools, OIDC issuers, roles and APIs.
//!
//! A [`Seed`] is built in code or read from TOML or JSON (field names as below, snake_case).
//! Ids left out are generated. [`Seed::reference`] is a complete example, and the scenario this
//! SDK's examples and tests run against (its file: `seeds/reference.toml`).

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The reference scenario's TOML.
const REFERENCE: &str = include_str!("../seeds/reference.toml");

/// Everything the emulator knows at start.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Seed {
    /// The region the emulated services live in (default `us-east-1`).
    pub region: Option<String>,
    /// The 12-digit account id used in ARNs (default `123456789012`).
    pub account_id: Option<String>,
    /// Lifetime of credentials issued by GetCredentialsForIdentity and STS, in seconds
    /// (default 3600, as on AWS).
    pub credential_lifetime_secs: Option<u64>,
    /// Cognito user pools.
    pub user_pools: Vec<UserPoolSeed>,
    /// Google-like OpenID Connect issuers hosted by the emulator (they mint ID tokens that the
    /// identity pools accept).
    pub oidc_providers: Vec<OidcProviderSeed>,
    /// Cognito identity pools.
    pub identity_pools: Vec<IdentityPoolSeed>,
    /// Login tokens of providers whose tokens are not JWTs the emulator could verify
    /// (Facebook and Login with Amazon access tokens, SAML responses): identity pools accept
    /// exactly these, as if the provider had vouched for them.
    pub test_logins: Vec<TestLoginSeed>,
    /// IAM roles and what each may invoke.
    pub roles: Vec<RoleSeed>,
    /// API Gateway REST APIs.
    pub apis: Vec<ApiSeed>,
    /// The key pairs that may sign control-plane and admin calls (CreateUserPool,
    /// AdminCreateUser, IAM's CreateRole...). Empty: `test`/`test`, the pair local AWS
    /// emulators share.
    pub admin_keys: Vec<AdminKeySeed>,
    /// A directory that keeps the state across restarts (as `--state-dir` does): the seed
    /// makes the state the first time, the directory's state is used after that.
    pub state_dir: Option<String>,
    /// Functions with a fixed answer, standing in for users' code (see [`FunctionSeed`]).
    pub functions: Vec<FunctionSeed>,
}

/// A key pair that may sign control-plane and admin calls.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminKeySeed {
    /// The access key id (`AKIA...`, or anything: `test`).
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
}

impl std::fmt::Debug for AdminKeySeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminKeySeed")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

impl Seed {
    /// The reference scenario: a user pool `quickstart` (users `jdoe` and `alice`, app clients
    /// `web` and `server`), a Google-like OIDC issuer, an identity pool `quickstart`, and the
    /// API `reference` (id `abc123defg`, stage `prod`) with these routes:
    ///
    /// | route | authorization | who may call it |
    /// | --- | --- | --- |
    /// | `GET /google` | `AWS_IAM` | Google-federated identities (role `GoogleRole`) |
    /// | `GET /cip` | `AWS_IAM` | user-pool users whose group maps to `CipRole` (`jdoe`) |
    /// | `GET /cup` | `COGNITO_USER_POOLS` | any user of the pool, with their ID token |
    /// | `GET /cup/scoped` | `COGNITO_USER_POOLS`, scope `api/read` | an access token of app client `web` |
    ///
    /// Its file, `seeds/reference.toml` in this package, has every id and password.
    pub fn reference() -> Seed {
        // Tested below: the file always parses.
        Seed::from_toml_str(REFERENCE).expect("the reference seed parses")
    }

    /// Reads a seed from TOML.
    ///
    /// # Errors
    /// [`ErrorKind::Seed`](crate::ErrorKind::Seed), naming the line and column, never quoting
    /// the text (it may hold a password).
    pub fn from_toml_str(text: &str) -> Result<Seed, Error> {
        toml::from_str(text).map_err(|e| {
            // Not `{e}`: toml's Display quotes the offending source line, which may hold a
            // password or a client secret. The line and column are enough to find it.
            let at = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| {
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            Error::new(
                crate::error::ErrorKind::Seed,
                format!("emulator seed (TOML){at}: {}", without_values(e.message())),
            )
        })
    }

    /// Reads a seed from JSON.
    ///
    /// # Errors
    /// [`ErrorKind::Seed`](crate::ErrorKind::Seed), never quoting a value of the text.
    pub fn from_json_str(text: &str) -> Result<Seed, Error> {
        serde_json::from_str(text).map_err(|e| {
            Error::new(
                crate::error::ErrorKind::Seed,
                format!("emulator seed (JSON): {}", without_values(&e.to_string())),
            )
        })
    }

    /// Reads a seed file: JSON when the name ends in `.json`, TOML otherwise.
    ///
    /// # Errors
    /// [`ErrorKind::Seed`](crate::ErrorKind::Seed) when the file cannot be read or parsed.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Seed, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                crate::error::ErrorKind::Seed,
                format!("emulator seed {}: {e}", path.display()),
            )
        })?;
        let mut seed = if path.extension().is_some_and(|x| x == "json") {
            Seed::from_json_str(&text)
        } else {
            Seed::from_toml_str(&text)
        }?;
        // Documents the seed names are beside it.
        if let Some(dir) = path.parent() {
            for api in &mut seed.apis {
                if let Some(doc) = &mut api.openapi
                    && Path::new(doc.as_str()).is_relative()
                {
                    *doc = dir.join(&*doc).to_string_lossy().into_owned();
                }
            }
        }
        Ok(seed)
    }
}

/// A deserializer's message without the value it quotes: serde writes a wrong value into
/// `invalid type: string "…", expected …` (and `invalid value`), and that value may be a
/// password given the wrong type. Its kind is kept: `invalid type: string, expected …`.
fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((unexpected, expected)) = rest.split_once(", expected ")
        {
            let kind = unexpected
                .split(['`', '"'])
                .next()
                .unwrap_or_default()
                .trim_end();
            return format!("{prefix}{kind}, expected {expected}");
        }
    }
    message.to_owned()
}

/// A Cognito user pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserPoolSeed {
    /// `<region>_<id>`; generated when absent.
    pub id: Option<String>,
    /// A name used to find the pool again (`RunningEmulator::user_pool_id`).
    pub name: String,
    /// Kept for seeds written before the setting moved to app clients, where AWS has it:
    /// `true` turns on every client's `prevent_user_existence_errors`.
    pub prevent_user_existence_errors: bool,
    /// Pins the RSA key that signs the pool's ID tokens (PKCS#8 PEM, `-----BEGIN PRIVATE
    /// KEY-----`), so that tokens minted before a fresh start still verify; its `kid` follows
    /// from the key. Generated when absent. `Debug` leaves it out.
    pub id_token_signing_key: Option<PemKey>,
    /// The same for the access tokens' key.
    pub access_token_signing_key: Option<PemKey>,
    /// AWS's `UsernameAttributes` (`email`, `phone_number`): the e-mail address or phone
    /// number is the name people sign in with, and Cognito generates each user's username, a
    /// UUID (the user's `sub`), which `cognito:username`, the access token's `username` and
    /// `USER_ID_FOR_SRP` carry. Each seeded user's `username` must then be an e-mail address
    /// or phone number (`+` and digits) of an allowed kind: it becomes that attribute.
    pub username_attributes: Vec<String>,
    /// AWS's `AliasAttributes` (`email`, `phone_number`, `preferred_username`): users keep
    /// their `username` and may also sign in with these attributes' values (an attribute
    /// whose `<name>_verified` is `"false"` is no alias). Not together with
    /// `username_attributes`, as on AWS.
    pub alias_attributes: Vec<String>,
    /// `OFF` (default), `OPTIONAL` or `ON`. With `ON`, a user without TOTP is sent the
    /// `MFA_SETUP` challenge at sign-in.
    pub mfa_configuration: Option<String>,
    /// AWS's `DeviceConfiguration`: when set, the pool tracks devices (each sign-in that does
    /// not prove a known device returns `NewDeviceMetadata`, refresh tokens are bound to their
    /// device, a remembered device skips MFA).
    pub device_configuration: Option<DeviceConfigurationSeed>,
    /// AWS's `SignInPolicy.AllowedFirstAuthFactors`, for choice-based sign-in (`USER_AUTH`, app
    /// clients with `ALLOW_USER_AUTH` in `explicit_auth_flows`): `PASSWORD` (always allowed,
    /// as AWS requires), `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN` (passkeys).
    pub allowed_first_auth_factors: Vec<String>,
    /// `WebAuthnRelyingPartyID`: the domain passkeys are bound to (default `localhost`);
    /// `https://` origins of it and its subdomains are accepted (`http://localhost` too).
    pub web_authn_relying_party_id: Option<String>,
    /// `WebAuthnUserVerification`: `preferred` (default) or `required`.
    pub web_authn_user_verification: Option<String>,
    /// App clients.
    pub clients: Vec<AppClientSeed>,
    /// Resource servers, whose custom scopes app clients may be allowed for OAuth.
    pub resource_servers: Vec<ResourceServerSeed>,
    /// Groups.
    pub groups: Vec<GroupSeed>,
    /// Users.
    pub users: Vec<UserSeed>,
    /// AWS's `LambdaConfig`, with AWS's member names (`PreSignUp`, `PreTokenGenerationConfig`
    /// ...): the functions Cognito calls as triggers, by ARN (the name at its end is what the
    /// Lambda endpoint or an in-process function is asked for).
    pub lambda_config: Option<LambdaConfigSeed>,
}

/// A user pool's `LambdaConfig`: the function ARN of each trigger, with AWS's member names (so
/// the JSON of `describe-user-pool` or a CloudFormation template can be pasted as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "PascalCase")]
pub struct LambdaConfigSeed {
    /// Before sign-up (SignUp, AdminCreateUser): may refuse, auto-confirm, auto-verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sign_up: Option<String>,
    /// Writes the messages that carry codes (sign-up, forgotten password, MFA...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    /// After a sign-up or a forgotten password is confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_confirmation: Option<String>,
    /// Before a sign-in: may refuse it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_authentication: Option<String>,
    /// After a sign-in succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_authentication: Option<String>,
    /// CUSTOM_AUTH: decides the next challenge, or success or failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub define_auth_challenge: Option<String>,
    /// CUSTOM_AUTH: makes a custom challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_auth_challenge: Option<String>,
    /// CUSTOM_AUTH: checks an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_auth_challenge_response: Option<String>,
    /// Before tokens are issued (event version 1 unless `PreTokenGenerationConfig` says
    /// otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation: Option<String>,
    /// Before tokens are issued, with the event version (`V1_0`, `V2_0`, `V3_0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation_config: Option<VersionedLambdaSeed>,
    /// Moves a user in from elsewhere at sign-in or forgotten password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_migration: Option<String>,
    /// Stored and described, never called: the emulator sends no SMS.
    #[serde(rename = "CustomSMSSender", skip_serializing_if = "Option::is_none")]
    pub custom_sms_sender: Option<VersionedLambdaSeed>,
    /// Stored and described, never called: the emulator sends no e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_email_sender: Option<VersionedLambdaSeed>,
    /// The KMS key of the custom senders: stored and described.
    #[serde(rename = "KMSKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

/// A function with the version of the event it takes (`PreTokenGenerationConfig`,
/// `CustomSMSSender`, `CustomEmailSender`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "PascalCase")]
pub struct VersionedLambdaSeed {
    /// `V1_0`, `V2_0` or `V3_0`.
    pub lambda_version: String,
    /// The function's ARN.
    pub lambda_arn: String,
}

/// A function whose answer the seed fixes: a stand-in, in a scenario that runs no code, for a
/// trigger whose answer does not depend on its event (say, a pre-token-generation trigger that
/// always adds a scope). It answers every event with the event itself, `response` merged into
/// the event's `response`. A function registered in process under the same name, or one at
/// the Lambda endpoint, is what to use for anything that depends on the event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionSeed {
    /// The function's name (the end of the ARNs that name it).
    pub name: String,
    /// What it puts in the event's `response`, such as
    /// `{ claimsAndScopeOverrideDetails = { accessTokenGeneration = { scopesToAdd = ["api/read"] } } }`.
    pub response: serde_json::Map<String, serde_json::Value>,
}

/// A user pool's `DeviceConfiguration`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeviceConfigurationSeed {
    /// `ChallengeRequiredOnNewDevice`.
    pub challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: devices are remembered only when the user says so
    /// (UpdateDeviceStatus); otherwise ConfirmDevice remembers them ("Always").
    pub device_only_remembered_on_user_prompt: bool,
}

/// An app client of a user pool. `Debug` shows whether it has a secret, not the secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppClientSeed {
    /// The client id; generated when absent.
    pub id: Option<String>,
    /// A name used to find the client again.
    pub name: String,
    /// The client secret. Set `generate_secret` to have one generated instead.
    pub secret: Option<String>,
    /// Generate a client secret.
    pub generate_secret: bool,
    /// Allowed flows: `ALLOW_USER_SRP_AUTH`, `ALLOW_USER_PASSWORD_AUTH`,
    /// `ALLOW_REFRESH_TOKEN_AUTH` (all three by default). As on AWS, an empty list, or one of
    /// legacy values only (`USER_PASSWORD_AUTH`, ...), still allows SRP and refresh.
    pub explicit_auth_flows: Vec<String>,
    /// ID token lifetime in seconds (default 3600; AWS's range, 300 to 86400, is enforced).
    pub id_token_validity_secs: u64,
    /// Access token lifetime in seconds (default 3600; 300 to 86400, as on AWS).
    pub access_token_validity_secs: u64,
    /// Refresh token lifetime in seconds (default 30 days; 3600 to 10 years, as on AWS).
    pub refresh_token_validity_secs: u64,
    /// Rotate refresh tokens: GetTokensFromRefreshToken returns a new one and retires the old.
    /// Reusing a retired token answers `RefreshTokenReuseException`.
    pub refresh_token_rotation: bool,
    /// With rotation, how long (0 to 60 seconds, default 0) a retired refresh token still
    /// works after it was first rotated, for clients retrying a refresh whose answer they lost
    /// (`RefreshTokenRotation.RetryGracePeriodSeconds`).
    pub refresh_token_retry_grace_period_secs: u64,
    /// `PreventUserExistenceErrors = ENABLED`: sign-in does not say whether a user exists. An
    /// unknown user gets NotAuthorizedException from USER_PASSWORD_AUTH and, on USER_SRP_AUTH,
    /// a simulated PASSWORD_VERIFIER challenge (a stable salt and UUID per name) that fails at
    /// RespondToAuthChallenge; a user whose password must be reset is answered the same way.
    pub prevent_user_existence_errors: bool,
    /// `AllowedOAuthFlows` of the managed login's OAuth endpoints: `code` and/or
    /// `client_credentials` (the latter for clients with a secret only, as on AWS).
    pub allowed_oauth_flows: Vec<String>,
    /// `AllowedOAuthScopes`: `openid`, `email`, `phone`, `profile`,
    /// `aws.cognito.signin.user.admin`, and resource servers' `<identifier>/<scope>`.
    pub allowed_oauth_scopes: Vec<String>,
    /// `CallbackURLs`: where `/oauth2/authorize` may redirect, compared exactly.
    pub callback_urls: Vec<String>,
    /// `LogoutURLs`: where `/logout` may redirect, compared exactly.
    pub logout_urls: Vec<String>,
}

impl Default for AppClientSeed {
    fn default() -> Self {
        Self {
            id: None,
            name: String::new(),
            secret: None,
            generate_secret: false,
            explicit_auth_flows: vec![
                "ALLOW_USER_SRP_AUTH".into(),
                "ALLOW_USER_PASSWORD_AUTH".into(),
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
            ],
            id_token_validity_secs: 3600,
            access_token_validity_secs: 3600,
            refresh_token_validity_secs: 30 * 24 * 3600,
            refresh_token_rotation: false,
            refresh_token_retry_grace_period_secs: 0,
            prevent_user_existence_errors: false,
            allowed_oauth_flows: Vec::new(),
            allowed_oauth_scopes: Vec::new(),
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
        }
    }
}

/// A resource server of a user pool: custom scopes `<identifier>/<scope>` for OAuth clients.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceServerSeed {
    /// The identifier (often a URL or a short name such as `api`).
    pub identifier: String,
    /// Its scopes' names (`read`, `write`, ...).
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for AppClientSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClientSeed")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_secret", &self.secret.is_some())
            .field("generate_secret", &self.generate_secret)
            .field("explicit_auth_flows", &self.explicit_auth_flows)
            .field("id_token_validity_secs", &self.id_token_validity_secs)
            .field(
                "access_token_validity_secs",
                &self.access_token_validity_secs,
            )
            .field(
                "refresh_token_validity_secs",
                &self.refresh_token_validity_secs,
            )
            .field("refresh_token_rotation", &self.refresh_token_rotation)
            .field(
                "refresh_token_retry_grace_period_secs",
                &self.refresh_token_retry_grace_period_secs,
            )
            .finish()
    }
}

/// A user-pool group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupSeed {
    /// The group name.
    pub name: String,
    /// The IAM role the group maps to (`cognito:roles`, `cognito:preferred_role`).
    pub role_arn: Option<String>,
    /// Lower wins when choosing `cognito:preferred_role`.
    pub precedence: Option<i64>,
}

/// A private key in PKCS#8 PEM. `Debug` shows only that it is there.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PemKey(pub String);

impl std::fmt::Debug for PemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PemKey(<redacted>)")
    }
}

/// A user of a user pool. `Debug` leaves out the password and the TOTP secret.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserSeed {
    /// The username (Cognito's own; aliases come from `alias_attributes`). In a pool with
    /// `username_attributes`, the e-mail address or phone number the user signs in with
    /// instead: Cognito's username is then generated (a UUID).
    pub username: String,
    /// The password. The emulator keeps only an SRP verifier derived from it.
    pub password: String,
    /// Attributes (`email`, `phone_number`, custom ones...). `sub` is generated.
    pub attributes: BTreeMap<String, String>,
    /// Pins the user's `sub` (a UUID), so that tokens and fixtures keyed by it hold across
    /// fresh starts; generated when absent.
    pub sub: Option<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// `CONFIRMED` (default), `FORCE_CHANGE_PASSWORD`, `UNCONFIRMED` or `RESET_REQUIRED`.
    pub status: Option<String>,
    /// A base32 TOTP secret: the user has SOFTWARE_TOKEN_MFA enabled.
    pub totp_secret: Option<String>,
    /// SMS_MFA enabled: codes go to the `phone_number` attribute (required). The emulator
    /// "sends" them to its outbox (`RunningEmulator::sent_codes`).
    pub sms_mfa: bool,
    /// EMAIL_OTP MFA enabled: codes go to the `email` attribute (required), through the outbox.
    pub email_mfa: bool,
    /// The preferred second factor when several are enabled: `SMS_MFA`, `EMAIL_OTP` or
    /// `SOFTWARE_TOKEN_MFA` (it must be enabled). With several enabled and none preferred,
    /// sign-in asks SELECT_MFA_TYPE.
    pub preferred_mfa: Option<String>,
    /// Disabled users cannot sign in.
    pub disabled: bool,
}

impl std::fmt::Debug for UserSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSeed")
            .field("username", &self.username)
            .field("sub", &self.sub)
            .field("password", &"<redacted>")
            .field("attributes", &self.attributes)
            .field("groups", &self.groups)
            .field("status", &self.status)
            .field("has_totp_secret", &self.totp_secret.is_some())
            .field("sms_mfa", &self.sms_mfa)
            .field("email_mfa", &self.email_mfa)
            .field("preferred_mfa", &self.preferred_mfa)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A Google-like OpenID Connect issuer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcProviderSeed {
    /// The issuer URL, e.g. `https://accounts.google.com`. The identity-pool provider name is
    /// this without `https://`.
    pub issuer: String,
    /// Audiences (client ids) the issuer mints tokens for.
    pub client_ids: Vec<String>,
}

/// A Cognito identity pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityPoolSeed {
    /// `<region>:<uuid>`; generated when absent.
    pub id: Option<String>,
    /// A name used to find the pool again.
    pub name: String,
    /// Guests (unauthenticated identities) allowed.
    pub allow_unauthenticated: bool,
    /// The basic (classic) flow allowed: GetOpenIdToken + STS.
    pub allow_classic_flow: bool,
    /// User-pool providers: `user_pool` is the pool's `name` (or id), `client_id` the app
    /// client's `name` (or id).
    pub user_pool_providers: Vec<UserPoolProviderSeed>,
    /// OIDC / social providers: provider name → allowed client ids. JWT issuers
    /// (`accounts.google.com`, `appleid.apple.com`, any OIDC host and path) need an
    /// `oidc_providers` issuer of the seed; `graph.facebook.com` (app ids) and
    /// `www.amazon.com` (Login with Amazon client ids) accept the seed's `test_logins`.
    pub oidc_providers: BTreeMap<String, Vec<String>>,
    /// SAML providers (`arn:aws:iam::<account>:saml-provider/<name>`): their logins are the
    /// seed's `test_logins` for that ARN.
    pub saml_provider_arns: Vec<String>,
    /// Role mappings of the OIDC / social providers, by provider name (a user-pool
    /// provider's mapping is set on it: `role_resolution`, `rules`). AWS's `RoleMappings`.
    pub role_mappings: BTreeMap<String, RoleMappingSeed>,
    /// Role for authenticated identities.
    pub authenticated_role_arn: Option<String>,
    /// Role for guests.
    pub unauthenticated_role_arn: Option<String>,
    /// AWS's `DeveloperProviderName` (1 to 128 of letters, digits, `_`, `.`, `-`): the
    /// "domain" of the users the app's back end authenticates itself. The back end, signed
    /// with an admin key pair, trades `{<name>: <user id>}` for an identity id and an OpenID
    /// token (GetOpenIdTokenForDeveloperIdentity), which the app presents as the login
    /// `cognito-identity.amazonaws.com` (GetCredentialsForIdentity) or to STS.
    pub developer_provider_name: Option<String>,
}

/// A login token the emulator accepts for a provider it cannot verify by signature: the
/// token stands for `subject`, as if the provider had said so. `Debug` leaves out the token.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestLoginSeed {
    /// `graph.facebook.com`, `www.amazon.com`, or a SAML provider's ARN.
    pub provider: String,
    /// The token an app puts in `Logins`: a Facebook or Amazon access token, or a base64
    /// SAML response.
    pub token: String,
    /// Whom the provider vouches for: the Facebook or Amazon user id, the SAML `NameID`.
    pub subject: String,
    /// The app the token was issued to (Facebook app id, Login with Amazon client id): it
    /// must be one of the identity pool's ids for the provider. None for SAML.
    pub audience: Option<String>,
    /// What else the provider says about the user (SAML attributes, e-mail, ...), for
    /// role-mapping rules.
    pub claims: BTreeMap<String, serde_json::Value>,
    /// When the token expires, in epoch seconds (never when absent).
    pub expires_at: Option<u64>,
}

impl std::fmt::Debug for TestLoginSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestLoginSeed")
            .field("provider", &self.provider)
            .field("subject", &self.subject)
            .field("audience", &self.audience)
            .field("claims", &self.claims)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A user pool attached to an identity pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserPoolProviderSeed {
    /// The user pool's `name` or id.
    pub user_pool: String,
    /// The app client's `name` or id.
    pub client_id: String,
    /// `Token`: choose the role from `cognito:preferred_role` / `cognito:roles`; `Rules`:
    /// the first of `rules` that matches the ID token's claims; `Default` (or absent): the
    /// pool's authenticated role.
    pub role_resolution: Option<String>,
    /// With `Token` or `Rules`: `AuthenticatedRole` (default) or `Deny` when the token names
    /// no role or no rule matches.
    pub ambiguous_role_resolution: Option<String>,
    /// With `Rules`: the rules (1 to 25), in order.
    pub rules: Vec<MappingRuleSeed>,
}

/// The role mapping of an OIDC / social provider (AWS's `RoleMapping` of type `Rules`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleMappingSeed {
    /// `Rules` (the only type AWS allows for these providers besides SAML's `Token`).
    pub role_resolution: String,
    /// `AuthenticatedRole` (default) or `Deny` when no rule matches.
    pub ambiguous_role_resolution: Option<String>,
    /// The rules (1 to 25), in order: the first that matches chooses the role.
    pub rules: Vec<MappingRuleSeed>,
}

/// A role-mapping rule: when the token's `claim` matches `value` by `match_type`, the
/// identity gets `role_arn`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MappingRuleSeed {
    /// The claim's name (`email`, `cognito:groups`, `custom:tier`, ...).
    pub claim: String,
    /// `Equals`, `Contains`, `StartsWith` or `NotEqual`.
    pub match_type: String,
    /// The value the claim is compared with.
    pub value: String,
    /// The role the rule gives.
    pub role_arn: String,
}

/// An IAM role and the API Gateway methods it may invoke.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleSeed {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub arn: String,
    /// `execute-api:Invoke` resources, as in an IAM policy after
    /// `arn:aws:execute-api:<region>:<account>:` — `<api>/<stage>/<METHOD>/<path>`, `*`
    /// matching any run of characters (e.g. `abc123/prod/GET/cip`, `abc123/*/*/google*`).
    pub invoke: Vec<String>,
    /// The role's `MaxSessionDuration` in seconds (3600 to 43200; default 3600, as IAM's):
    /// STS refuses a longer `DurationSeconds`.
    pub max_session_duration_secs: Option<u64>,
    /// The role's trust policy: who may assume it with `sts:AssumeRoleWithWebIdentity`, one
    /// entry per `Allow` statement (`[]` trusts no one). Checked by STS
    /// (AssumeRoleWithWebIdentity: `AccessDenied`) and by identity pools, which assume roles
    /// as `cognito-identity.amazonaws.com` (GetCredentialsForIdentity:
    /// `InvalidIdentityPoolConfigurationException`). A role with neither `trust` nor
    /// `trust_policy` cannot be used by an identity pool (the enhanced flow refuses it, as
    /// AWS does); STS still lets a GetOpenIdToken token assume its pool's authenticated or
    /// unauthenticated role (by its `amr`, as the console's policy would), and any of the
    /// emulator's OIDC issuers' tokens any role.
    pub trust: Option<Vec<TrustSeed>>,
    /// The trust policy as IAM's JSON document (a string, or the document itself as a table):
    /// evaluated as IAM does for `sts:AssumeRoleWithWebIdentity` (by STS and by identity
    /// pools' enhanced flow), instead of `trust`.
    pub trust_policy: Option<serde_json::Value>,
    /// Inline permission policies by name, as IAM's JSON documents (strings, or tables):
    /// evaluated as IAM does for `execute-api:Invoke` (an explicit `Deny` wins over `invoke`
    /// too).
    pub policies: BTreeMap<String, serde_json::Value>,
}

/// One `Allow` statement of a role's trust policy for `sts:AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrustSeed {
    /// `Principal.Federated`: `cognito-identity.amazonaws.com` (identity pools, both flows),
    /// or the provider a web identity token comes from for direct federation with STS
    /// (`accounts.google.com`, `graph.facebook.com`, `www.amazon.com`, an OIDC provider's
    /// host and path, or its `arn:aws:iam::<account>:oidc-provider/<host>` ARN).
    pub federated: String,
    /// `StringEquals` on `<federated>:aud`: for `cognito-identity.amazonaws.com` the identity
    /// pool ids, otherwise the client ids, one of which the token's `aud` must be. Empty: any.
    pub aud: Vec<String>,
    /// `ForAnyValue:StringLike` on `cognito-identity.amazonaws.com:amr`: patterns (`*` any
    /// run of characters, `?` one) one of which some entry of the identity's `amr` must match:
    /// `authenticated`, `unauthenticated`, or a provider (`graph.facebook.com`,
    /// `cognito-idp.<region>.amazonaws.com/<pool id>`). Empty: any.
    pub amr: Vec<String>,
}

/// An API Gateway REST API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSeed {
    /// The API id (the host label in `<id>.execute-api.<region>.amazonaws.com`); generated when
    /// absent.
    pub id: Option<String>,
    /// A name used to find the API again.
    pub name: String,
    /// Stage names (default `["prod"]`).
    pub stages: Vec<String>,
    /// Resources (REST APIs).
    pub resources: Vec<ResourceSeed>,
    /// `REST` (default) or `WEBSOCKET`: a WebSocket API accepts a WebSocket upgrade at
    /// `/<stage>` (the `$connect` route) and echoes every message back.
    pub protocol: Option<String>,
    /// A WebSocket API's `$connect` authorization: `AWS_IAM` (a SigV4 signature, in the query
    /// or headers, of credentials whose role may invoke `<api>/<stage>/$connect`) or `NONE`
    /// (default).
    pub connect_authorization: Option<String>,
    /// An OpenAPI 3 or Swagger 2 document (JSON or YAML) with API Gateway's extensions, as
    /// `aws apigateway get-export` writes it: the API's resources, authorizers and integrations
    /// come from it (then `resources` must be empty). A relative path is read from the seed
    /// file's directory ([`Seed::from_file`]), else from the current directory.
    pub openapi: Option<String>,
}

/// A resource of an API (`/cip`) and its methods.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceSeed {
    /// The resource path, e.g. `/cip` or `/items/{id}`.
    pub path: String,
    /// Its methods.
    pub methods: Vec<MethodSeed>,
}

/// A method of a resource and its authorization.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodSeed {
    /// `GET`, `POST`, ... or `ANY`.
    pub http_method: String,
    /// `AWS_IAM`, `COGNITO_USER_POOLS` or `NONE`.
    pub authorization: String,
    /// For `COGNITO_USER_POOLS`: the user pool `name` or id.
    pub user_pool: Option<String>,
    /// For `COGNITO_USER_POOLS`: required OAuth scopes (then only an access token with one of
    /// them is accepted).
    pub scopes: Vec<String>,
    /// For `COGNITO_USER_POOLS`: the header carrying the token (default `Authorization`).
    pub identity_source: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_seed_is_the_documented_scenario() {
        let seed = Seed::reference();
        assert_eq!(seed.user_pools[0].name, "quickstart");
        assert_eq!(seed.identity_pools[0].name, "quickstart");
        let paths: Vec<&str> = seed.apis[0]
            .resources
            .iter()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(paths, ["/google", "/cip", "/cup", "/cup/scoped"]);
    }

    #[test]
    fn parse_errors_name_the_kind_of_a_wrong_value_not_the_value() {
        let err = Seed::from_toml_str(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = 12345678\n",
        )
        .unwrap_err();
        assert!(
            err.message().contains("invalid type: integer, expected"),
            "{err}"
        );
        assert!(!err.to_string().contains("12345678"), "{err}");
        let err = Seed::from_json_str(
            r#"{"user_pools": [{"name": "p", "users": [{"username": "u", "password": 12345678}]}]}"#,
        )
        .unwrap_err();
        assert!(
            err.message().contains("invalid type: integer, expected"),
            "{err}"
        );
        assert!(!err.to_string().contains("12345678"), "{err}");
        assert_eq!(err.kind(), crate::ErrorKind::Seed);
    }
}
