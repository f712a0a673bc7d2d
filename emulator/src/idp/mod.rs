//! cognito-idp (`AWSCognitoIdentityProviderService`) over JSON 1.1: sign-in with SRP or a
//! password, the challenges that follow (new password, SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA,
//! SELECT_MFA_TYPE, MFA setup), choice-based and passwordless sign-in (`USER_AUTH`: e-mail and
//! SMS codes, passkeys; `user_auth`, `webauthn`), refresh (with optional rotation), revocation,
//! global sign-out, TOTP association, and RS256 ID and access tokens carrying Cognito's claims.
//!
//! Error names and messages follow AWS (`__type`, `message`). Time is the emulator's clock.
//!
//! SMS and e-mail codes are not sent anywhere: they land in the pool's outbox, which tests read
//! with `RunningEmulator::sent_codes`. A code is 6 random digits, belongs to its challenge
//! session (3 minutes) and is used up with it. A wrong code answers
//! `CodeMismatchException: Invalid code or auth state for the user.` (a wrong TOTP code:
//! `Invalid code received for user`) and leaves the session open for another try, up to 3
//! wrong codes: the third spends the session, and every later answer, the right code too, is
//! `NotAuthorizedException: Invalid session for the user, session can only be used once.`.
//! An answer after the session expired answers
//! `NotAuthorizedException: Invalid session for the user, session is expired.`, as Cognito
//! does for MFA sessions (`ExpiredCodeException` is for confirmation codes, which the emulator
//! does not serve).
//!
//! Refresh tokens of a rotating app client are retired when GetTokensFromRefreshToken rotates
//! them; reusing one after the client's grace period (`refresh_token_retry_grace_period_secs`,
//! default 0) answers `RefreshTokenReuseException: Refresh Token has been reused`.

mod account;
mod admin;
mod auth;
mod codes;
mod custom_auth;
mod device;
mod lifecycle;
mod lockout;
mod mfa;
pub(crate) mod oauth;
mod outcome;
mod pre_token;
mod refresh;
mod request;
mod session;
mod sign_in;
mod triggers;
mod user_auth;
mod webauthn;

use crate::sigv4::SignedRequest;
use crate::state::Shared;
use crate::wire::{self, WireError};
use crate::{keys, srp_server};
use auth::{initiate_auth, respond_to_auth_challenge};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use mfa::{associate_software_token, get_user, set_user_mfa_preference, verify_software_token};
use refresh::{get_tokens_from_refresh_token, global_sign_out, revoke_token};
use serde_json::Value;

/// Serves one cognito-idp operation. Control-plane and admin operations must be SigV4-signed
/// by an admin key pair (see `admin`); the rest are unauthenticated, as on AWS.
pub(crate) async fn handle(
    shared: &Shared,
    op: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let result = if admin::is_admin(op) {
        serve_admin(
            shared,
            op,
            SignedRequest::from_http(method, uri, headers, body),
        )
        .await
    } else {
        serve(shared, op, body).await
    };
    match result {
        Ok(v) => wire::json_ok(v),
        Err(e) => {
            tracing::debug!(
                op,
                error = e.code(),
                message = e.message(),
                "cognito-idp error"
            );
            e.into_response()
        }
    }
}

/// A control-plane or admin operation's answer: its body is read without the data plane's
/// member checks (its members are numbers, booleans and lists as well as strings).
async fn serve_admin(
    shared: &Shared,
    op: &str,
    signed: SignedRequest<'_>,
) -> Result<Value, WireError> {
    let req: Value = match serde_json::from_slice::<Value>(if signed.body.is_empty() {
        b"{}"
    } else {
        signed.body
    }) {
        Ok(v) if v.is_object() => v,
        _ => {
            return Err(WireError::json(
                "SerializationException",
                "Start of structure or map found where not expected.",
            ));
        }
    };
    let now = shared.now();
    in_passes(shared, &req, |st| admin::serve(st, now, op, &signed, &req)).await
}

/// Runs an operation under the state's lock, in passes when it calls triggers: a pass that
/// stops at a trigger call not yet made is undone (the pools that have triggers are put back
/// as they were), the call is made with the lock released, and the operation runs again with
/// the answers so far (`lambda::replay`). JWT signatures run after the lock is released.
async fn in_passes(
    shared: &Shared,
    req: &Value,
    operation: impl Fn(&mut crate::state::State) -> Result<Value, WireError>,
) -> Result<Value, WireError> {
    // SRP values computed before the lock live on the thread; a later pass may run on another
    // one after the trigger call's `.await`, so they travel with the call.
    let mut carried: Option<srp_server::Precomputed> = None;
    let (result, deferred) = crate::lambda::replay::drive(shared.functions(), |answers| {
        if let Some(precomputed) = carried.take() {
            srp_server::restore_precomputed(precomputed);
        }
        let mut st = shared.lock();
        // Only pools with triggers can stop a pass; they are small in the tests that use them.
        let snapshot: Vec<(String, crate::state::UserPool)> = st
            .user_pools
            .iter()
            .filter(|(_, p)| p.lambda != Default::default())
            .map(|(id, p)| (id.clone(), p.clone()))
            .collect();
        let region = st.region.clone();
        let (out, pending) = answers.pass(|| {
            triggers::with_request(req, &region, || keys::defer_signing(|| operation(&mut st)))
        });
        if pending.is_some() {
            st.user_pools.extend(snapshot);
            carried = Some(srp_server::take_precomputed());
        }
        (out, pending)
    })
    .await;
    result.map(|mut answer| {
        deferred.sign_into(&mut answer);
        answer
    })
}

/// The operation's JSON answer, or the error to answer with.
async fn serve(shared: &Shared, op: &str, body: &[u8]) -> Result<Value, WireError> {
    let req: Value =
        match serde_json::from_slice::<Value>(if body.is_empty() { b"{}" } else { body }) {
            Ok(v) if v.is_object() => v,
            _ => {
                return Err(WireError::json(
                    "SerializationException",
                    "Start of structure or map found where not expected.",
                ));
            }
        };
    if let Some(members) = req.as_object() {
        // ListDevices' `Limit` is the one number member of these operations.
        let mut members = members.clone();
        if let Some(limit) = members.remove("Limit")
            && !limit.is_u64()
            && !limit.is_null()
        {
            return Err(WireError::json(
                "SerializationException",
                "Limit can not be converted to an Integer",
            ));
        }
        // ListWebAuthnCredentials' `MaxResults` likewise (read as a number, not applied).
        if let Some(max) = members.remove("MaxResults")
            && !max.is_u64()
            && !max.is_null()
        {
            return Err(WireError::json(
                "SerializationException",
                "MaxResults can not be converted to an Integer",
            ));
        }
        wire::check_member_types(
            &members,
            &[
                "SoftwareTokenMfaSettings",
                "SMSMfaSettings",
                "EmailMfaSettings",
                "AnalyticsMetadata",
                "UserContextData",
                "DeviceSecretVerifierConfig",
                // CompleteWebAuthnRegistration's RegistrationResponseJSON (a document).
                "Credential",
            ],
            &["AuthParameters", "ChallengeResponses", "ClientMetadata"],
            &["UserAttributes", "ValidationData"],
        )?;
    }
    let now = shared.now();
    // The costly arithmetic runs before the lock (SRP) or after it (RSA signatures), so that
    // calls of other users are served meanwhile.
    prepare_srp(shared, op, &req);
    let result = in_passes(shared, &req, |st| operation(st, now, op, &req)).await;
    srp_server::clear_precomputed();
    result
}

/// Computes, before the state is locked, the SRP arithmetic this call will need: the server's
/// ephemeral when it may open an exchange, the session key when it answers one (found by its
/// `PASSWORD_CLAIM_SECRET_BLOCK`, with a short lock to read the exchange). Under the lock the handler then
/// finds them ready (`srp_server`), and computes them itself when they do not match.
fn prepare_srp(shared: &Shared, op: &str, req: &Value) {
    let challenge = req.get("ChallengeName").and_then(Value::as_str);
    let opens = match op {
        "InitiateAuth" => matches!(
            req.get("AuthFlow").and_then(Value::as_str),
            Some("USER_SRP_AUTH" | "USER_AUTH")
        ),
        "RespondToAuthChallenge" => {
            matches!(challenge, Some("SELECT_CHALLENGE" | "DEVICE_SRP_AUTH"))
        }
        _ => false,
    };
    if opens {
        srp_server::precompute_ephemeral();
    }
    if op != "RespondToAuthChallenge"
        || !matches!(
            challenge,
            Some("PASSWORD_VERIFIER" | "DEVICE_PASSWORD_VERIFIER")
        )
    {
        return;
    }
    let responses = req.get("ChallengeResponses");
    let answer = |name: &str| responses.and_then(|r| r.get(name)).and_then(Value::as_str);
    let Some(block) = answer("PASSWORD_CLAIM_SECRET_BLOCK") else {
        return;
    };
    let device_key = answer("DEVICE_KEY");
    let suffix = format!("\n{block}");
    // The block is 96 random bytes: one exchange at most; the bound keeps a forged request
    // from costing more.
    // (verifier, A, b, B) of each exchange the answer may be for.
    let mut exchanges: Vec<[Vec<u8>; 4]> = Vec::new();
    {
        let st = shared.lock();
        for pool in st.user_pools.values() {
            for (key, p) in pool
                .srp_pending
                .iter()
                .filter(|(k, _)| k.ends_with(&suffix))
            {
                let username = &key[..key.len() - suffix.len()];
                let user = pool.users.get(username).map(|u| u.verifier.clone());
                let device = device_key
                    .and_then(|d| pool.devices.get(d))
                    .and_then(|d| d.verifier.clone());
                for verifier in [user, device].into_iter().flatten().take(2) {
                    exchanges.push([verifier, p.a_pub.clone(), p.b.clone(), p.b_pub.clone()]);
                }
            }
            if exchanges.len() >= 2 {
                break;
            }
        }
    }
    for [verifier, a_pub, b, b_pub] in exchanges {
        srp_server::precompute_key(&verifier, &a_pub, &b, &b_pub);
    }
}

/// One data-plane operation, under the state's lock.
fn operation(
    st: &mut crate::state::State,
    now: std::time::SystemTime,
    op: &str,
    req: &Value,
) -> Result<Value, WireError> {
    match op {
        "InitiateAuth" => initiate_auth(st, now, req),
        "RespondToAuthChallenge" => respond_to_auth_challenge(st, now, req),
        "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(st, now, req),
        "RevokeToken" => revoke_token(st, now, req),
        "GlobalSignOut" => global_sign_out(st, now, req),
        "GetUser" => get_user(st, now, req),
        "AssociateSoftwareToken" => associate_software_token(st, now, req),
        "VerifySoftwareToken" => verify_software_token(st, now, req),
        "SetUserMFAPreference" => set_user_mfa_preference(st, now, req),
        "SignUp" => account::sign_up(st, now, req),
        "ConfirmSignUp" => account::confirm_sign_up(st, now, req),
        "ResendConfirmationCode" => account::resend_confirmation_code(st, now, req),
        "ForgotPassword" => account::forgot_password(st, now, req),
        "ConfirmForgotPassword" => account::confirm_forgot_password(st, now, req),
        "ChangePassword" => account::change_password(st, now, req),
        "UpdateUserAttributes" => account::update_user_attributes(st, now, req),
        "VerifyUserAttribute" => account::verify_user_attribute(st, now, req),
        "DeleteUser" => account::delete_user(st, now, req),
        "StartWebAuthnRegistration" => webauthn::start_registration(st, now, req),
        "CompleteWebAuthnRegistration" => webauthn::complete_registration(st, now, req),
        "ListWebAuthnCredentials" => webauthn::list_credentials(st, now, req),
        "DeleteWebAuthnCredential" => webauthn::delete_credential(st, now, req),
        "ConfirmDevice" => device::confirm_device(st, now, req),
        "UpdateDeviceStatus" => device::update_device_status(st, now, req),
        "GetDevice" => device::get_device(st, now, req),
        "ListDevices" => device::list_devices(st, now, req),
        "ForgetDevice" => device::forget_device(st, now, req),
        _ => Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}
