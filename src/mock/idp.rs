//! cognito-idp (`AWSCognitoIdentityProviderService`) over JSON 1.1: sign-in with SRP or a
//! password, the challenges that follow (new password, SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA,
//! SELECT_MFA_TYPE, MFA setup), refresh (with optional rotation), revocation, global sign-out,
//! TOTP association, and RS256 ID and access tokens carrying Cognito's claims.
//!
//! Error names and messages follow AWS (`__type`, `message`). Time is the emulator's clock.
//!
//! SMS and e-mail codes are not sent anywhere: they land in the pool's outbox, which tests read
//! with `RunningEmulator::sent_codes`. A code is 6 random digits, belongs to its challenge
//! session (3 minutes) and is used up with it. A wrong code answers
//! `CodeMismatchException: Invalid code or auth state for the user.` and leaves the session
//! open for another try; an answer after the session expired answers
//! `NotAuthorizedException: Invalid session for the user, session is expired.`, as Cognito
//! does for MFA sessions (`ExpiredCodeException` is for confirmation codes, which the emulator
//! does not serve).

use super::keys;
use super::srp_server;
use super::state::{
    AppClient, ChallengeState, OutboxEntry, RefreshTokenRecord, Shared, SrpPending, State, User,
    UserPool, UserStatus, random_alnum, random_uuid,
};
use super::wire;
use crate::secret::OneTimeCode;
use crate::time::epoch_secs;
use crate::{Error, ErrorKind};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use hmac::Mac;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

const INCORRECT: &str = "Incorrect username or password.";
/// How long a challenge `Session` (and an SRP exchange) stays open: AWS's default, 3 minutes.
const SESSION_LIFETIME: Duration = Duration::from_secs(180);
/// Expired sessions are kept this much longer so that using one says "expired", not "invalid".
const SESSION_MEMORY: Duration = Duration::from_secs(3600);
/// Internal marker: an MFA_SETUP session whose TOTP has been verified.
const MFA_SETUP_VERIFIED: &str = "MFA_SETUP_VERIFIED";
const SIGNIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// An AWS error to answer with.
struct Fail {
    ty: &'static str,
    msg: String,
}

fn fail(ty: &'static str, msg: impl Into<String>) -> Fail {
    Fail {
        ty,
        msg: msg.into(),
    }
}

fn not_authorized(msg: impl Into<String>) -> Fail {
    fail("NotAuthorizedException", msg)
}

fn invalid_parameter(msg: impl Into<String>) -> Fail {
    fail("InvalidParameterException", msg)
}

fn missing(param: &str) -> Fail {
    invalid_parameter(format!("Missing required parameter {param}"))
}

fn internal() -> Fail {
    fail("InternalErrorException", "Internal error")
}

type Outcome = Result<Value, Fail>;

/// Serves one cognito-idp operation.
pub(crate) fn handle(shared: &Shared, op: &str, _headers: &HeaderMap, body: &[u8]) -> Response {
    let req: Value =
        match serde_json::from_slice::<Value>(if body.is_empty() { b"{}" } else { body }) {
            Ok(v) if v.is_object() => v,
            _ => {
                return wire::client_error(
                    "SerializationException",
                    "Start of structure or map found where not expected.",
                );
            }
        };
    if let Some(members) = req.as_object()
        && let Some(resp) = wire::check_member_types(
            members,
            &[
                "SoftwareTokenMfaSettings",
                "SMSMfaSettings",
                "EmailMfaSettings",
                "AnalyticsMetadata",
                "UserContextData",
            ],
            &["AuthParameters", "ChallengeResponses", "ClientMetadata"],
        )
    {
        return resp;
    }
    let now = shared.now();
    let outcome = {
        let mut st = shared.lock();
        match op {
            "InitiateAuth" => initiate_auth(&mut st, now, &req),
            "RespondToAuthChallenge" => respond_to_auth_challenge(&mut st, now, &req),
            "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(&mut st, now, &req),
            "RevokeToken" => revoke_token(&mut st, &req),
            "GlobalSignOut" => global_sign_out(&mut st, now, &req),
            "GetUser" => get_user(&st, now, &req),
            "AssociateSoftwareToken" => associate_software_token(&mut st, now, &req),
            "VerifySoftwareToken" => verify_software_token(&mut st, now, &req),
            "SetUserMFAPreference" => set_user_mfa_preference(&mut st, now, &req),
            _ => Err(fail(
                "UnknownOperationException",
                format!("Unknown operation {op}"),
            )),
        }
    };
    match outcome {
        Ok(v) => wire::json_ok(v),
        Err(f) => {
            tracing::debug!(op, error = f.ty, message = %f.msg, "cognito-idp error");
            wire::client_error(f.ty, &f.msg)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request helpers

fn field<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Value::as_str)
}

/// A required top-level member, with AWS's validation message when it is absent.
fn required<'a>(req: &'a Value, name: &str) -> Result<&'a str, Fail> {
    field(req, name).ok_or_else(|| {
        let mut member = name.to_owned();
        if let Some(first) = member.get_mut(0..1) {
            first.make_ascii_lowercase();
        }
        invalid_parameter(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// A string-to-string map member (`AuthParameters`, `ChallengeResponses`).
fn string_map(req: &Value, name: &str) -> BTreeMap<String, String> {
    req.get(name)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, Fail> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| missing(name))
}

/// The pool id and a copy of the app client.
fn find_client(st: &State, client_id: &str) -> Result<(String, AppClient), Fail> {
    st.user_pools
        .values()
        .find_map(|p| p.clients.get(client_id).map(|c| (p.id.clone(), c.clone())))
        .ok_or_else(|| {
            fail(
                "ResourceNotFoundException",
                format!("User pool client {client_id} does not exist."),
            )
        })
}

fn pool_mut<'a>(st: &'a mut State, pool_id: &str) -> Result<&'a mut UserPool, Fail> {
    st.user_pools.get_mut(pool_id).ok_or_else(internal)
}

/// Checks `SECRET_HASH` = Base64(HMAC-SHA256(secret, username ‖ clientId)) when the client has a
/// secret.
fn check_secret_hash(
    client: &AppClient,
    username: &str,
    provided: Option<&str>,
) -> Result<(), Fail> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )));
    };
    let mut mac = super::sigv4::hmac(secret.as_bytes());
    mac.update(username.as_bytes());
    mac.update(client.id.as_bytes());
    let ok = B64
        .decode(provided.trim())
        .is_ok_and(|p| mac.verify_slice(&p).is_ok());
    if ok {
        Ok(())
    } else {
        Err(not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Checks the `ClientSecret` member (GetTokensFromRefreshToken, RevokeToken).
fn check_client_secret(client: &AppClient, provided: Option<&str>) -> Result<(), Fail> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    match provided {
        None => Err(not_authorized(format!(
            "Client {} is configured for secret but secret was not received",
            client.id
        ))),
        Some(p) if srp_server::ct_eq(p.as_bytes(), secret.as_bytes()) => Ok(()),
        Some(_) => Err(not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        ))),
    }
}

/// The flow must be among the client's `ExplicitAuthFlows` (new `ALLOW_` names or the legacy
/// ones).
fn check_flow(client: &AppClient, flow: &str) -> Result<(), Fail> {
    let (allow, legacy) = match flow {
        "USER_SRP_AUTH" => ("ALLOW_USER_SRP_AUTH", None),
        "USER_PASSWORD_AUTH" => ("ALLOW_USER_PASSWORD_AUTH", Some("USER_PASSWORD_AUTH")),
        _ => ("ALLOW_REFRESH_TOKEN_AUTH", None),
    };
    if client
        .explicit_auth_flows
        .iter()
        .any(|f| f == allow || Some(f.as_str()) == legacy)
    {
        Ok(())
    } else {
        let name = if flow == "REFRESH_TOKEN" {
            "REFRESH_TOKEN_AUTH"
        } else {
            flow
        };
        Err(invalid_parameter(format!(
            "{name} flow not enabled for this client"
        )))
    }
}

/// Finds a user by what was typed; the error depends on PreventUserExistenceErrors.
fn lookup_username(pool: &UserPool, typed: &str) -> Result<String, Fail> {
    pool.find_user(typed)
        .map(|u| u.username.clone())
        .ok_or_else(|| {
            if pool.prevent_user_existence_errors {
                not_authorized(INCORRECT)
            } else {
                fail("UserNotFoundException", "User does not exist.")
            }
        })
}

fn prune(pool: &mut UserPool, now: SystemTime) {
    pool.sessions
        .retain(|_, s| s.expires_at + SESSION_MEMORY > now);
    pool.srp_pending.retain(|_, p| p.expires_at > now);
}

/// SRP exchanges are keyed by user and SECRET_BLOCK, so that concurrent sign-ins of one user
/// do not disturb each other and a wrong block finds nothing.
fn srp_key(username: &str, secret_block_b64: &str) -> String {
    format!("{username}\n{secret_block_b64}")
}

fn open_session(
    pool: &mut UserPool,
    username: &str,
    client_id: &str,
    challenge: &str,
    now: SystemTime,
) -> String {
    prune(pool, now);
    let id = format!("AYABe{}", random_alnum(160));
    pool.sessions.insert(
        id.clone(),
        ChallengeState {
            username: username.to_owned(),
            client_id: client_id.to_owned(),
            challenge: challenge.to_owned(),
            expires_at: now + SESSION_LIFETIME,
            code: None,
        },
    );
    id
}

/// The open session `id`, checked against the client and the clock.
fn session(
    pool: &UserPool,
    id: &str,
    client_id: &str,
    now: SystemTime,
) -> Result<ChallengeState, Fail> {
    let s = pool
        .sessions
        .get(id)
        .ok_or_else(|| not_authorized("Invalid session for the user."))?;
    if s.client_id != client_id {
        return Err(not_authorized("Invalid session for the user."));
    }
    if now >= s.expires_at {
        return Err(not_authorized(
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok(s.clone())
}

// ---------------------------------------------------------------------------------------------
// InitiateAuth

fn initiate_auth(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let flow = required(req, "AuthFlow")?;
    let client_id = required(req, "ClientId")?;
    match flow {
        "USER_SRP_AUTH" | "USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {}
        "CUSTOM_AUTH" | "USER_AUTH" => {
            return Err(invalid_parameter(format!(
                "{flow} flow not enabled for this client"
            )));
        }
        "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => {
            return Err(invalid_parameter("Initiate Auth method not supported."));
        }
        other => {
            return Err(invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
            )));
        }
    }
    let (pool_id, client) = find_client(st, client_id)?;
    check_flow(&client, flow)?;
    let params = string_map(req, "AuthParameters");
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    match flow {
        "USER_SRP_AUTH" => start_srp(pool, &client, now, &params),
        "USER_PASSWORD_AUTH" => password_auth(pool, &region, &client, now, &params),
        _ => {
            // AWS: "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh
            // token rotation enabled."
            if client.refresh_token_rotation {
                return Err(invalid_parameter(
                    "REFRESH_TOKEN_AUTH is not supported for app clients with refresh token rotation enabled; use GetTokensFromRefreshToken",
                ));
            }
            let token = param(&params, "REFRESH_TOKEN")?;
            let tokens = refresh(
                pool,
                &region,
                &client,
                now,
                token,
                Secret::Hash(params.get("SECRET_HASH")),
                false,
            )?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
    }
}

fn start_srp(
    pool: &mut UserPool,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(params, "USERNAME")?;
    let a_hex = param(params, "SRP_A")?;
    check_secret_hash(client, typed, params.get("SECRET_HASH").map(String::as_str))?;
    let username = lookup_username(pool, typed)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    let a_pub = srp_server::parse_hex_number(a_hex)
        .filter(|a| srp_server::public_a_is_valid(a))
        .ok_or_else(|| not_authorized(INCORRECT))?;
    let eph = srp_server::server_ephemeral(&user.verifier).ok_or_else(internal)?;
    let salt_hex = srp_server::number_hex(&user.salt);
    let secret_block: [u8; 96] = rand::random();
    let block_b64 = B64.encode(secret_block);
    prune(pool, now);
    pool.srp_pending.insert(
        srp_key(&username, &block_b64),
        SrpPending {
            client_id: client.id.clone(),
            b: eph.b,
            a_pub,
            b_pub: eph.b_pub.clone(),
            secret_block: secret_block.to_vec(),
            expires_at: now + SESSION_LIFETIME,
        },
    );
    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": salt_hex,
            "SRP_B": srp_server::number_hex(&eph.b_pub),
            "SECRET_BLOCK": block_b64,
            "USER_ID_FOR_SRP": username,
            "USERNAME": username,
        },
    }))
}

fn password_auth(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    params: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(params, "USERNAME")?;
    let password = param(params, "PASSWORD")?;
    check_secret_hash(client, typed, params.get("SECRET_HASH").map(String::as_str))?;
    let username = lookup_username(pool, typed)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    if !srp_server::password_matches(
        pool.srp_pool_name(),
        &user.username,
        password,
        &user.salt,
        &user.verifier,
    ) {
        return Err(not_authorized(INCORRECT));
    }
    after_password(pool, region, client, &username, now)
}

/// What follows a verified password: the account's status, then MFA, then tokens.
fn after_password(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    match user.status {
        UserStatus::Unconfirmed => Err(fail("UserNotConfirmedException", "User is not confirmed.")),
        UserStatus::ResetRequired => Err(fail(
            "PasswordResetRequiredException",
            "Password reset required for the user",
        )),
        UserStatus::ForceChangePassword => {
            let attrs: Map<String, Value> = user
                .attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "sub")
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let session = open_session(pool, username, &client.id, "NEW_PASSWORD_REQUIRED", now);
            Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": username,
                    "requiredAttributes": "[]",
                    "userAttributes": Value::Object(attrs).to_string(),
                },
            }))
        }
        UserStatus::Confirmed => mfa_or_tokens(pool, region, client, username, now),
    }
}

fn mfa_or_tokens(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let enabled = enabled_mfa(user);
    let preferred = user
        .preferred_mfa
        .as_deref()
        .filter(|p| enabled.contains(p));
    match (enabled.as_slice(), preferred) {
        ([], _) => {}
        ([only], _) => return mfa_challenge(pool, client, username, only, now),
        (_, Some(p)) => {
            let p = p.to_owned();
            return mfa_challenge(pool, client, username, &p, now);
        }
        (several, None) => {
            let can_choose = json!(several).to_string();
            let session = open_session(pool, username, &client.id, "SELECT_MFA_TYPE", now);
            return Ok(json!({
                "ChallengeName": "SELECT_MFA_TYPE",
                "Session": session,
                "ChallengeParameters": { "MFAS_CAN_CHOOSE": can_choose, "USER_ID_FOR_SRP": username },
            }));
        }
    }
    if pool.mfa_required {
        let session = open_session(pool, username, &client.id, "MFA_SETUP", now);
        return Ok(json!({
            "ChallengeName": "MFA_SETUP",
            "Session": session,
            "ChallengeParameters": { "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": username },
        }));
    }
    let tokens = issue_tokens(pool, region, client, username, now, None, true)?;
    Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
}

/// The second factors a user has enabled, in the order Cognito lists them in `MFAS_CAN_CHOOSE`.
fn enabled_mfa(user: &User) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if user.sms_mfa_enabled {
        kinds.push("SMS_MFA");
    }
    if user.totp_enabled && user.totp_secret.is_some() {
        kinds.push("SOFTWARE_TOKEN_MFA");
    }
    if user.email_mfa_enabled {
        kinds.push("EMAIL_OTP");
    }
    kinds
}

/// Opens the challenge for one second factor; for SMS and e-mail, "sends" a fresh code to the
/// outbox and keeps it with the session.
fn mfa_challenge(
    pool: &mut UserPool,
    client: &AppClient,
    username: &str,
    kind: &str,
    now: SystemTime,
) -> Outcome {
    let (medium, attr) = match kind {
        "SOFTWARE_TOKEN_MFA" => {
            let session = open_session(pool, username, &client.id, kind, now);
            return Ok(json!({
                "ChallengeName": kind,
                "Session": session,
                "ChallengeParameters": { "USER_ID_FOR_SRP": username },
            }));
        }
        "SMS_MFA" => (DeliveryMedium::Sms, "phone_number"),
        "EMAIL_OTP" => (DeliveryMedium::Email, "email"),
        _ => return Err(internal()),
    };
    let user = pool.users.get(username).ok_or_else(internal)?;
    // The seed (and SetUserMFAPreference) make sure the attribute is there.
    let destination = user.attributes.get(attr).cloned().ok_or_else(internal)?;
    let masked = match medium {
        DeliveryMedium::Sms => mask_phone(&destination),
        DeliveryMedium::Email => mask_email(&destination),
    };
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let session = open_session(pool, username, &client.id, kind, now);
    if let Some(open) = pool.sessions.get_mut(&session) {
        open.code = Some(code.clone());
    }
    pool.outbox.push(OutboxEntry {
        username: username.to_owned(),
        sent: SentCode {
            medium,
            destination,
            code: OneTimeCode::new(code),
        },
    });
    Ok(json!({
        "ChallengeName": kind,
        "Session": session,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium.as_str(),
            "CODE_DELIVERY_DESTINATION": masked,
            "USER_ID_FOR_SRP": username,
        },
    }))
}

/// `+15555551234` → `+*******1234`: every digit but the last four hidden, as Cognito shows it.
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(4);
    let hidden = digits.len() - keep;
    let last: String = digits[hidden..].iter().collect();
    format!("+{}{last}", "*".repeat(hidden))
}

/// `jane@example.com` → `j***@e***`: the first letter of each side, as Cognito shows it.
fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
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
/// [`RunningEmulator::sent_codes`](super::RunningEmulator::sent_codes). `Debug` redacts the code.
#[derive(Debug, Clone)]
pub struct SentCode {
    /// SMS or e-mail.
    pub medium: DeliveryMedium,
    /// Where it went, unmasked: the user's `phone_number` or `email` attribute.
    pub destination: String,
    /// The 6-digit code; answer the challenge with it.
    pub code: OneTimeCode,
}

// ---------------------------------------------------------------------------------------------
// RespondToAuthChallenge

fn respond_to_auth_challenge(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let client_id = required(req, "ClientId")?;
    let name = required(req, "ChallengeName")?;
    let (pool_id, client) = find_client(st, client_id)?;
    let responses = string_map(req, "ChallengeResponses");
    let typed = param(&responses, "USERNAME")?;
    check_secret_hash(
        &client,
        typed,
        responses.get("SECRET_HASH").map(String::as_str),
    )?;
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    if name == "PASSWORD_VERIFIER" {
        return password_verifier(pool, &region, &client, now, &responses);
    }
    if !matches!(
        name,
        "NEW_PASSWORD_REQUIRED"
            | "SOFTWARE_TOKEN_MFA"
            | "SMS_MFA"
            | "EMAIL_OTP"
            | "SELECT_MFA_TYPE"
            | "MFA_SETUP"
    ) {
        return Err(invalid_parameter(format!("Unsupported challenge {name}")));
    }
    let session_id = field(req, "Session").ok_or_else(|| missing("Session"))?;
    let open = session(pool, session_id, &client.id, now)?;
    if pool.find_user(typed).map(|u| u.username.as_str()) != Some(open.username.as_str()) {
        return Err(not_authorized("Invalid session for the user."));
    }
    let expected = if open.challenge == MFA_SETUP_VERIFIED {
        "MFA_SETUP"
    } else {
        open.challenge.as_str()
    };
    if expected != name {
        return Err(invalid_parameter(format!(
            "Invalid challenge {name}: the session is waiting for {expected}"
        )));
    }
    let username = open.username.clone();
    match name {
        "NEW_PASSWORD_REQUIRED" => {
            let new_password = param(&responses, "NEW_PASSWORD")?;
            check_password_policy(new_password)?;
            let pool_name = pool.srp_pool_name().to_owned();
            let user = pool.users.get_mut(&username).ok_or_else(internal)?;
            let salt: [u8; 16] = rand::random();
            user.verifier = srp_server::verifier(&pool_name, &username, new_password, &salt);
            user.salt = salt.to_vec();
            user.status = UserStatus::Confirmed;
            for (k, v) in &responses {
                if let Some(attr) = k.strip_prefix("userAttributes.")
                    && attr != "sub"
                {
                    user.attributes.insert(attr.to_owned(), v.clone());
                }
            }
            pool.sessions.remove(session_id);
            mfa_or_tokens(pool, &region, &client, &username, now)
        }
        "SOFTWARE_TOKEN_MFA" => {
            let code = param(&responses, "SOFTWARE_TOKEN_MFA_CODE")?;
            let user = pool.users.get(&username).ok_or_else(internal)?;
            let secret = user.totp_secret.as_deref().unwrap_or_default();
            if !totp_matches(secret, code, now) {
                return Err(fail(
                    "CodeMismatchException",
                    "Invalid code received for user",
                ));
            }
            pool.sessions.remove(session_id);
            let tokens = issue_tokens(pool, &region, &client, &username, now, None, true)?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
        "SMS_MFA" | "EMAIL_OTP" => {
            let key = if name == "SMS_MFA" {
                "SMS_MFA_CODE"
            } else {
                "EMAIL_OTP_CODE"
            };
            let code = param(&responses, key)?;
            let sent = open.code.as_deref().unwrap_or_default();
            if sent.is_empty() || !srp_server::ct_eq(sent.as_bytes(), code.trim().as_bytes()) {
                return Err(fail(
                    "CodeMismatchException",
                    "Invalid code or auth state for the user.",
                ));
            }
            // Single use: the code goes with its session.
            pool.sessions.remove(session_id);
            let tokens = issue_tokens(pool, &region, &client, &username, now, None, true)?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
        "SELECT_MFA_TYPE" => {
            let answer = param(&responses, "ANSWER")?;
            let user = pool.users.get(&username).ok_or_else(internal)?;
            let Some(kind) = enabled_mfa(user).into_iter().find(|k| *k == answer) else {
                return Err(invalid_parameter(format!(
                    "Invalid value for ANSWER: {answer} is not an MFA type the user can choose"
                )));
            };
            pool.sessions.remove(session_id);
            mfa_challenge(pool, &client, &username, kind, now)
        }
        _ => {
            if open.challenge != MFA_SETUP_VERIFIED {
                return Err(invalid_parameter(
                    "User has not verified software token mfa",
                ));
            }
            pool.sessions.remove(session_id);
            let tokens = issue_tokens(pool, &region, &client, &username, now, None, true)?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
    }
}

fn password_verifier(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    responses: &BTreeMap<String, String>,
) -> Outcome {
    let typed = param(responses, "USERNAME")?;
    let block_b64 = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(responses, "TIMESTAMP")?;
    let username = lookup_username(pool, typed)?;
    // One attempt per exchange: a failed proof needs a new InitiateAuth, as on AWS.
    let pending = pool
        .srp_pending
        .remove(&srp_key(&username, block_b64))
        .ok_or_else(|| not_authorized(INCORRECT))?;
    if pending.client_id != client.id || now >= pending.expires_at {
        return Err(not_authorized(INCORRECT));
    }
    if !srp_server::timestamp_is_acceptable(timestamp, now) {
        return Err(not_authorized(INCORRECT));
    }
    let user = pool.users.get(&username).ok_or_else(internal)?;
    let claim = srp_server::Claim {
        pool_name: pool.srp_pool_name(),
        user_id_for_srp: &username,
        verifier: &user.verifier,
        a_pub: &pending.a_pub,
        b: &pending.b,
        b_pub: &pending.b_pub,
        secret_block: &pending.secret_block,
        timestamp,
        signature,
    };
    if !srp_server::verify_claim(&claim) {
        return Err(not_authorized(INCORRECT));
    }
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    after_password(pool, region, client, &username, now)
}

/// Cognito's default password policy: 8 characters, upper and lower case, a digit, a symbol.
fn check_password_policy(password: &str) -> Result<(), Fail> {
    let problem = if password.chars().count() < 8 {
        Some("Password not long enough")
    } else if !password.chars().any(|c| c.is_lowercase()) {
        Some("Password must have lowercase characters")
    } else if !password.chars().any(|c| c.is_uppercase()) {
        Some("Password must have uppercase characters")
    } else if !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if !password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
    {
        Some("Password must have symbol characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(fail(
            "InvalidPasswordException",
            format!("Password does not conform to policy: {p}"),
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// A new opaque refresh token. Cognito's are JWE compact serialisations; this has the same
/// five-part shape so that clients treat it as opaque, as they must.
fn new_refresh_token() -> String {
    let header = B64URL.encode(r#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    let part = |n: usize| B64URL.encode((0..n).map(|_| rand::random::<u8>()).collect::<Vec<u8>>());
    format!(
        "{header}.{}.{}.{}.{}",
        part(256),
        part(12),
        part(600),
        part(16)
    )
}

/// `cognito:roles` and `cognito:preferred_role` for a user's groups: the preferred role is the
/// role of the group with the lowest precedence, unless groups tied at that precedence name
/// different roles (then there is none, as on AWS). Groups without precedence come last.
fn group_roles(pool: &UserPool, groups: &[String]) -> (Vec<String>, Option<String>) {
    let mut roles: Vec<String> = Vec::new();
    let mut best: Option<(i64, Vec<String>)> = None;
    for g in groups.iter().filter_map(|name| pool.groups.get(name)) {
        let Some(role) = &g.role_arn else { continue };
        if !roles.contains(role) {
            roles.push(role.clone());
        }
        let rank = g.precedence.unwrap_or(i64::MAX);
        match &mut best {
            Some((r, arns)) if *r == rank => {
                if !arns.contains(role) {
                    arns.push(role.clone());
                }
            }
            Some((r, _)) if *r < rank => {}
            _ => best = Some((rank, vec![role.clone()])),
        }
    }
    let preferred = best.and_then(|(_, arns)| {
        if arns.len() == 1 {
            arns.into_iter().next()
        } else {
            None
        }
    });
    (roles, preferred)
}

/// The claims of the ID token `pool` issues to `user` through `client` at `now`, as Cognito
/// writes them. Also used by the emulator's test helpers, so that every ID token it mints has
/// the same shape.
#[allow(clippy::too_many_arguments)] // Each is one claim's source; a struct would only rename them.
pub(crate) fn id_token_claims(
    pool: &UserPool,
    region: &str,
    client: &AppClient,
    user: &User,
    now: SystemTime,
    auth_time: SystemTime,
    origin_jti: &str,
    event_id: &str,
) -> Map<String, Value> {
    let iat = epoch_secs(now);
    let (roles, preferred) = group_roles(pool, &user.groups);
    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !user.groups.is_empty() {
        id.insert("cognito:groups".into(), json!(user.groups));
    }
    for (k, v) in &user.attributes {
        if k == "sub" {
            continue;
        }
        let value = if k.ends_with("_verified") && (v == "true" || v == "false") {
            json!(v == "true")
        } else {
            json!(v)
        };
        id.insert(k.clone(), value);
    }
    id.insert("iss".into(), json!(pool.issuer(region)));
    id.insert("cognito:username".into(), json!(user.username));
    if let Some(p) = &preferred {
        id.insert("cognito:preferred_role".into(), json!(p));
    }
    id.insert("origin_jti".into(), json!(origin_jti));
    if !roles.is_empty() {
        id.insert("cognito:roles".into(), json!(roles));
    }
    id.insert("aud".into(), json!(client.id));
    id.insert("event_id".into(), json!(event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(epoch_secs(auth_time)));
    id.insert(
        "exp".into(),
        json!(iat + client.id_token_validity.as_secs()),
    );
    id.insert("iat".into(), json!(iat));
    id.insert("jti".into(), json!(random_uuid()));
    id
}

/// Mints an ID and an access token (and, when `with_refresh`, a refresh token) for `username`.
/// `family` continues a sign-in (`origin_jti`, `auth_time`) on refresh.
fn issue_tokens(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    username: &str,
    now: SystemTime,
    family: Option<(String, SystemTime)>,
    with_refresh: bool,
) -> Outcome {
    let user = pool.users.get(username).ok_or_else(internal)?;
    let (origin_jti, auth_time) = family.unwrap_or_else(|| (random_uuid(), now));
    let iat = epoch_secs(now);
    let auth = epoch_secs(auth_time);
    let iss = pool.issuer(region);
    let event_id = random_uuid();
    let id = id_token_claims(
        pool,
        region,
        client,
        user,
        now,
        auth_time,
        &origin_jti,
        &event_id,
    );

    let mut scope = vec![SIGNIN_SCOPE.to_owned()];
    scope.extend(
        client
            .access_token_scopes
            .iter()
            .filter(|s| s.as_str() != SIGNIN_SCOPE)
            .cloned(),
    );
    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    if !user.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(user.groups));
    }
    access.insert("iss".into(), json!(iss));
    access.insert("client_id".into(), json!(client.id));
    access.insert("origin_jti".into(), json!(origin_jti));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(scope.join(" ")));
    access.insert("auth_time".into(), json!(auth));
    access.insert(
        "exp".into(),
        json!(iat + client.access_token_validity.as_secs()),
    );
    access.insert("iat".into(), json!(iat));
    access.insert("jti".into(), json!(random_uuid()));
    access.insert("username".into(), json!(user.username));

    let username = user.username.clone();
    let mut result = json!({
        "AccessToken": pool.key.mint(&Value::Object(access)),
        "ExpiresIn": client.access_token_validity.as_secs(),
        "TokenType": "Bearer",
        "IdToken": pool.key.mint(&Value::Object(id)),
    });
    if with_refresh {
        let token = new_refresh_token();
        pool.refresh_tokens.insert(
            token.clone(),
            RefreshTokenRecord {
                username,
                client_id: client.id.clone(),
                expires_at: now + client.refresh_token_validity,
                origin_jti,
                revoked: false,
                auth_time,
            },
        );
        result["RefreshToken"] = json!(token);
    }
    Ok(result)
}

/// How a refresh call proves the client's secret.
enum Secret<'a> {
    /// `SECRET_HASH` over the token's user (InitiateAuth REFRESH_TOKEN_AUTH).
    Hash(Option<&'a String>),
    /// The secret itself (GetTokensFromRefreshToken).
    Plain(Option<&'a str>),
}

/// New tokens from a refresh token. With `rotate`, a new refresh token replaces the old one.
fn refresh(
    pool: &mut UserPool,
    region: &str,
    client: &AppClient,
    now: SystemTime,
    token: &str,
    secret: Secret<'_>,
    rotate: bool,
) -> Outcome {
    let invalid = || not_authorized("Invalid Refresh Token");
    let record = pool
        .refresh_tokens
        .get(token)
        .cloned()
        .ok_or_else(invalid)?;
    if record.client_id != client.id {
        return Err(invalid());
    }
    match secret {
        // Cognito's username, not an alias the person may have typed.
        Secret::Hash(h) => check_secret_hash(client, &record.username, h.map(String::as_str))?,
        Secret::Plain(p) => check_client_secret(client, p)?,
    }
    if record.revoked {
        return Err(not_authorized("Refresh Token has been revoked"));
    }
    if now >= record.expires_at {
        return Err(not_authorized("Refresh Token has expired"));
    }
    let user = pool
        .users
        .get(&record.username)
        .ok_or_else(|| fail("UserNotFoundException", "User does not exist."))?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    let tokens = issue_tokens(
        pool,
        region,
        client,
        &record.username,
        now,
        Some((record.origin_jti.clone(), record.auth_time)),
        rotate,
    )?;
    if rotate {
        // Retired: the old token no longer refreshes, but its family (origin_jti) lives on.
        if let Some(old) = pool.refresh_tokens.get_mut(token) {
            old.revoked = true;
        }
    }
    Ok(tokens)
}

fn get_tokens_from_refresh_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "RefreshToken")?;
    let client_id = required(req, "ClientId")?;
    let (pool_id, client) = find_client(st, client_id)?;
    check_flow(&client, "REFRESH_TOKEN_AUTH")?;
    let region = st.region.clone();
    let pool = pool_mut(st, &pool_id)?;
    let rotate = client.refresh_token_rotation;
    let tokens = refresh(
        pool,
        &region,
        &client,
        now,
        token,
        Secret::Plain(field(req, "ClientSecret")),
        rotate,
    )?;
    Ok(json!({ "AuthenticationResult": tokens }))
}

// ---------------------------------------------------------------------------------------------
// Revocation and access-token operations

fn revoke_token(st: &mut State, req: &Value) -> Outcome {
    let token = required(req, "Token")?;
    let client_id = required(req, "ClientId")?;
    let (pool_id, client) = find_client(st, client_id)?;
    check_client_secret(&client, field(req, "ClientSecret"))?;
    let pool = pool_mut(st, &pool_id)?;
    let Some(record) = pool.refresh_tokens.get(token).cloned() else {
        if token.split('.').count() == 3 {
            return Err(fail(
                "UnsupportedTokenTypeException",
                "Unsupported token type",
            ));
        }
        // RFC 7009: revoking an unknown token is not an error.
        return Ok(json!({}));
    };
    if record.client_id != client.id {
        return Err(fail(
            "UnauthorizedException",
            "Token does not belong to this client",
        ));
    }
    // The whole family: every refresh token of the sign-in, and its access tokens.
    for r in pool
        .refresh_tokens
        .values_mut()
        .filter(|r| r.origin_jti == record.origin_jti)
    {
        r.revoked = true;
    }
    pool.revoked_origin_jtis.insert(record.origin_jti);
    Ok(json!({}))
}

/// Checks an access token as Cognito's own APIs do (signature, issuer, `token_use`, expiry,
/// revocation, sign-out) and returns the pool id and username.
fn authorize_access(st: &State, now: SystemTime, token: &str) -> Result<(String, String), Fail> {
    let invalid = || not_authorized("Invalid Access Token");
    let (_, claims, _, _) = keys::split(token).map_err(|_| invalid())?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let pool = st
        .user_pools
        .values()
        .find(|p| p.issuer(&st.region) == iss)
        .ok_or_else(invalid)?;
    pool.key.verify(token).map_err(|_| invalid())?;
    if claims.get("token_use").and_then(Value::as_str) != Some("access") {
        return Err(invalid());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or_else(invalid)?;
    if epoch_secs(now) >= exp {
        return Err(not_authorized("Access Token has expired"));
    }
    let username = claims
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let user = pool
        .users
        .get(username)
        .ok_or_else(|| fail("UserNotFoundException", "User does not exist."))?;
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
    let signed_out = user.signed_out_at.is_some_and(|t| iat < epoch_secs(t));
    if pool.revoked_origin_jtis.contains(origin) || signed_out {
        return Err(not_authorized("Access Token has been revoked"));
    }
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    Ok((pool.id.clone(), user.username.clone()))
}

fn global_sign_out(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let pool = pool_mut(st, &pool_id)?;
    if let Some(user) = pool.users.get_mut(&username) {
        user.signed_out_at = Some(now);
    }
    let mut families = Vec::new();
    for r in pool
        .refresh_tokens
        .values_mut()
        .filter(|r| r.username == username)
    {
        r.revoked = true;
        families.push(r.origin_jti.clone());
    }
    pool.revoked_origin_jtis.extend(families);
    Ok(json!({}))
}

fn get_user(st: &State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let user = st
        .user_pools
        .get(&pool_id)
        .and_then(|p| p.users.get(&username))
        .ok_or_else(internal)?;
    let mut attributes = vec![json!({ "Name": "sub", "Value": user.sub })];
    attributes.extend(
        user.attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "sub")
            .map(|(k, v)| json!({ "Name": k, "Value": v })),
    );
    let mut out = json!({ "Username": user.username, "UserAttributes": attributes });
    let enabled = enabled_mfa(user);
    let preferred = user
        .preferred_mfa
        .as_deref()
        .filter(|p| enabled.contains(p))
        .or(match enabled.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
    if let Some(p) = preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    if !enabled.is_empty() {
        out["UserMFASettingList"] = json!(enabled);
    }
    Ok(out)
}

/// Who an AssociateSoftwareToken / VerifySoftwareToken call is for: by access token, or by an
/// MFA_SETUP challenge session.
enum Subject {
    Access {
        pool_id: String,
        username: String,
    },
    Session {
        pool_id: String,
        username: String,
        session: String,
        state: ChallengeState,
    },
}

fn subject(st: &State, now: SystemTime, req: &Value) -> Result<Subject, Fail> {
    if let Some(token) = field(req, "AccessToken") {
        let (pool_id, username) = authorize_access(st, now, token)?;
        return Ok(Subject::Access { pool_id, username });
    }
    let Some(id) = field(req, "Session") else {
        return Err(invalid_parameter(
            "Either AccessToken or Session is required",
        ));
    };
    let pool = st
        .user_pools
        .values()
        .find(|p| p.sessions.contains_key(id))
        .ok_or_else(|| not_authorized("Invalid session for the user."))?;
    let open = pool.sessions.get(id).cloned().ok_or_else(internal)?;
    let state = session(pool, id, &open.client_id, now)?;
    if !matches!(state.challenge.as_str(), "MFA_SETUP" | MFA_SETUP_VERIFIED) {
        return Err(not_authorized("Invalid session for the user."));
    }
    Ok(Subject::Session {
        pool_id: pool.id.clone(),
        username: state.username.clone(),
        session: id.to_owned(),
        state,
    })
}

/// A fresh base32 TOTP secret (20 random bytes, 32 characters), like AWS's `SecretCode`.
fn new_totp_secret() -> String {
    base32_encode(&rand::random::<[u8; 20]>())
}

fn associate_software_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let who = subject(st, now, req)?;
    let secret = new_totp_secret();
    match who {
        Subject::Access { pool_id, username } => {
            let user = pool_mut(st, &pool_id)?
                .users
                .get_mut(&username)
                .ok_or_else(internal)?;
            user.pending_totp_secret = Some(secret.clone());
            Ok(json!({ "SecretCode": secret }))
        }
        Subject::Session {
            pool_id,
            username,
            session,
            state,
        } => {
            let pool = pool_mut(st, &pool_id)?;
            if let Some(user) = pool.users.get_mut(&username) {
                user.pending_totp_secret = Some(secret.clone());
            }
            pool.sessions.remove(&session);
            let next = open_session(pool, &username, &state.client_id, "MFA_SETUP", now);
            Ok(json!({ "SecretCode": secret, "Session": next }))
        }
    }
}

fn verify_software_token(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let code = required(req, "UserCode")?.to_owned();
    let who = subject(st, now, req)?;
    let (pool_id, username) = match &who {
        Subject::Access { pool_id, username }
        | Subject::Session {
            pool_id, username, ..
        } => (pool_id.clone(), username.clone()),
    };
    let pool = pool_mut(st, &pool_id)?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    let Some(pending) = user.pending_totp_secret.clone() else {
        return Err(invalid_parameter(
            "User has not associated a software token",
        ));
    };
    if !totp_matches(&pending, &code, now) {
        return Err(fail(
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA",
        ));
    }
    user.totp_secret = Some(pending);
    user.pending_totp_secret = None;
    match who {
        // A signed-in user turns TOTP on with SetUserMFAPreference.
        Subject::Access { .. } => Ok(json!({ "Status": "SUCCESS" })),
        Subject::Session { session, state, .. } => {
            user.totp_enabled = true;
            pool.sessions.remove(&session);
            let next = open_session(pool, &username, &state.client_id, MFA_SETUP_VERIFIED, now);
            Ok(json!({ "Status": "SUCCESS", "Session": next }))
        }
    }
}

fn set_user_mfa_preference(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let pool = pool_mut(st, &pool_id)?;
    let required_mfa = pool.mfa_required;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    // Checked on a copy first, so that a rejected request changes nothing.
    let mut next = user.clone();
    for (member, kind) in [
        ("SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA"),
        ("SMSMfaSettings", "SMS_MFA"),
        ("EmailMfaSettings", "EMAIL_OTP"),
    ] {
        let Some(settings) = req.get(member) else {
            continue;
        };
        if let Some(enabled) = settings.get("Enabled").and_then(Value::as_bool) {
            if enabled {
                let ready = match kind {
                    "SOFTWARE_TOKEN_MFA" => next.totp_secret.is_some(),
                    "SMS_MFA" => next.attributes.contains_key("phone_number"),
                    _ => next.attributes.contains_key("email"),
                };
                if !ready {
                    return Err(invalid_parameter(match kind {
                        "SOFTWARE_TOKEN_MFA" => "User has not verified software token mfa",
                        "SMS_MFA" => "User does not have delivery config set to turn on SMS_MFA",
                        _ => "User does not have delivery config set to turn on EMAIL_OTP",
                    }));
                }
            }
            match kind {
                "SOFTWARE_TOKEN_MFA" => next.totp_enabled = enabled,
                "SMS_MFA" => next.sms_mfa_enabled = enabled,
                _ => next.email_mfa_enabled = enabled,
            }
            if !enabled && next.preferred_mfa.as_deref() == Some(kind) {
                next.preferred_mfa = None;
            }
        }
        if settings.get("PreferredMfa").and_then(Value::as_bool) == Some(true) {
            next.preferred_mfa = Some(kind.to_owned());
        }
    }
    if let Some(p) = next.preferred_mfa.as_deref()
        && !enabled_mfa(&next).contains(&p)
    {
        return Err(invalid_parameter(format!(
            "{p} cannot be preferred: it is not enabled for the user"
        )));
    }
    if required_mfa && enabled_mfa(&next).is_empty() && !enabled_mfa(user).is_empty() {
        return Err(invalid_parameter("MFA is required for this user pool"));
    }
    *user = next;
    Ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits)

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32, case-insensitive, padding and spaces ignored.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = BASE32
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
        buf &= (1 << bits) - 1;
    }
    (!out.is_empty()).then_some(out)
}

fn hotp(key: &[u8], counter: u64) -> u32 {
    use aws_lc_rs::hmac;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key),
        &counter.to_be_bytes(),
    );
    let t = tag.as_ref();
    let offset = usize::from(t[t.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        t[offset] & 0x7f,
        t[offset + 1],
        t[offset + 2],
        t[offset + 3],
    ]);
    bin % 1_000_000
}

/// The 6-digit TOTP code (RFC 6238: HMAC-SHA-1, 30-second steps) for a base32 secret at `at`,
/// as an authenticator app shows it. The emulator accepts the code of the current step and of
/// one step either side, by its own clock.
///
/// # Errors
/// `ErrorKind::InvalidParameter` when the secret is not base32.
pub fn totp_code(secret_base32: &str, at: SystemTime) -> crate::Result<String> {
    let key = base32_decode(secret_base32)
        .ok_or_else(|| Error::new(ErrorKind::InvalidParameter, "the TOTP secret is not base32"))?;
    Ok(format!("{:06}", hotp(&key, epoch_secs(at) / 30)))
}

fn totp_matches(secret: &str, code: &str, now: SystemTime) -> bool {
    let Some(key) = base32_decode(secret) else {
        return false;
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let step = epoch_secs(now) / 30;
    [step.saturating_sub(1), step, step + 1]
        .iter()
        .fold(false, |ok, &s| {
            ok | srp_server::ct_eq(format!("{:06}", hotp(&key, s)).as_bytes(), code.as_bytes())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn totp_matches_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B: the key "12345678901234567890", 8 digits there; the last 6 here.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&secret).unwrap(), b"12345678901234567890");
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(totp_code(&secret, at(59)).unwrap(), "287082");
        assert_eq!(totp_code(&secret, at(1_111_111_109)).unwrap(), "081804");
        assert_eq!(totp_code(&secret, at(2_000_000_000)).unwrap(), "279037");
        let now = at(1_111_111_109);
        assert!(totp_matches(&secret, "081804", now));
        assert!(
            totp_matches(&secret, "081804", now + Duration::from_secs(30)),
            "one step late"
        );
        assert!(
            !totp_matches(&secret, "081804", now + Duration::from_secs(61)),
            "two steps late"
        );
        assert!(!totp_matches(&secret, "81804", now));
        assert!(totp_code("not base32!", now).is_err());
    }

    #[test]
    fn preferred_role_is_the_lowest_precedence_unless_tied() {
        let mut pool_seed = super::super::seed::UserPoolSeed {
            name: "p".into(),
            ..Default::default()
        };
        let group =
            |name: &str, role: &str, precedence: Option<i64>| super::super::seed::GroupSeed {
                name: name.into(),
                role_arn: Some(role.into()),
                precedence,
            };
        pool_seed.groups = vec![
            group("a", "arn:aws:iam::1:role/A", Some(5)),
            group("b", "arn:aws:iam::1:role/B", Some(1)),
            group("c", "arn:aws:iam::1:role/C", Some(1)),
            group("d", "arn:aws:iam::1:role/D", None),
        ];
        let seed = super::super::Seed {
            user_pools: vec![pool_seed],
            ..Default::default()
        };
        let st = State::from_seed(&seed).unwrap();
        let pool = st.user_pools.values().next().unwrap();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (roles, preferred) = group_roles(pool, &names(&["a", "b", "d"]));
        assert_eq!(roles.len(), 3);
        assert_eq!(preferred.as_deref(), Some("arn:aws:iam::1:role/B"));
        assert_eq!(
            group_roles(pool, &names(&["a", "b", "c"])).1,
            None,
            "a tie names no role"
        );
        assert_eq!(
            group_roles(pool, &names(&["d"])).1.as_deref(),
            Some("arn:aws:iam::1:role/D")
        );
        assert_eq!(group_roles(pool, &[]), (vec![], None));
    }

    #[test]
    fn destinations_are_masked_as_cognito_shows_them() {
        assert_eq!(mask_phone("+15555551234"), "+*******1234");
        assert_eq!(mask_phone("+447700900123"), "+********0123");
        assert_eq!(mask_phone("+123"), "+123");
        assert_eq!(mask_email("jane@example.com"), "j***@e***");
        assert_eq!(mask_email("no-at-sign"), "n***@***");
    }

    #[test]
    fn password_policy_is_cognitos_default() {
        assert!(check_password_policy("Passw0rd!").is_ok());
        for bad in ["Pw0!", "passw0rd!", "PASSW0RD!", "Password!", "Passw0rdX"] {
            assert_eq!(
                check_password_policy(bad).err().map(|f| f.ty),
                Some("InvalidPasswordException"),
                "{bad}"
            );
        }
    }
}
