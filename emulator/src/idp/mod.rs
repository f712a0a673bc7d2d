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
mod device;
mod mfa;
pub(crate) mod oauth;
mod refresh;
mod request;
mod session;
mod sign_in;
mod user_auth;
mod webauthn;

use crate::sigv4::SignedRequest;
use crate::state::Shared;
use crate::wire::{self, WireError};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use mfa::{associate_software_token, get_user, set_user_mfa_preference, verify_software_token};
use refresh::{get_tokens_from_refresh_token, global_sign_out, revoke_token};
use serde_json::Value;
use sign_in::{initiate_auth, respond_to_auth_challenge};

/// Serves one cognito-idp operation. Control-plane and admin operations must be SigV4-signed
/// by an admin key pair (see `admin`); the rest are unauthenticated, as on AWS.
pub(crate) fn handle(
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
    } else {
        serve(shared, op, body)
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
fn serve_admin(shared: &Shared, op: &str, signed: SignedRequest<'_>) -> Result<Value, WireError> {
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
    let mut st = shared.lock();
    admin::serve(&mut st, now, op, &signed, &req)
}

/// The operation's JSON answer, or the error to answer with.
fn serve(shared: &Shared, op: &str, body: &[u8]) -> Result<Value, WireError> {
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
    let mut st = shared.lock();
    match op {
        "InitiateAuth" => initiate_auth(&mut st, now, &req),
        "RespondToAuthChallenge" => respond_to_auth_challenge(&mut st, now, &req),
        "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(&mut st, now, &req),
        "RevokeToken" => revoke_token(&mut st, now, &req),
        "GlobalSignOut" => global_sign_out(&mut st, now, &req),
        "GetUser" => get_user(&st, now, &req),
        "AssociateSoftwareToken" => associate_software_token(&mut st, now, &req),
        "VerifySoftwareToken" => verify_software_token(&mut st, now, &req),
        "SetUserMFAPreference" => set_user_mfa_preference(&mut st, now, &req),
        "SignUp" => account::sign_up(&mut st, now, &req),
        "ConfirmSignUp" => account::confirm_sign_up(&mut st, now, &req),
        "ResendConfirmationCode" => account::resend_confirmation_code(&mut st, now, &req),
        "ForgotPassword" => account::forgot_password(&mut st, now, &req),
        "ConfirmForgotPassword" => account::confirm_forgot_password(&mut st, now, &req),
        "ChangePassword" => account::change_password(&mut st, now, &req),
        "UpdateUserAttributes" => account::update_user_attributes(&mut st, now, &req),
        "VerifyUserAttribute" => account::verify_user_attribute(&mut st, now, &req),
        "DeleteUser" => account::delete_user(&mut st, now, &req),
        "StartWebAuthnRegistration" => webauthn::start_registration(&mut st, now, &req),
        "CompleteWebAuthnRegistration" => webauthn::complete_registration(&mut st, now, &req),
        "ListWebAuthnCredentials" => webauthn::list_credentials(&mut st, now, &req),
        "DeleteWebAuthnCredential" => webauthn::delete_credential(&mut st, now, &req),
        "ConfirmDevice" => device::confirm_device(&mut st, now, &req),
        "UpdateDeviceStatus" => device::update_device_status(&mut st, now, &req),
        "GetDevice" => device::get_device(&mut st, now, &req),
        "ListDevices" => device::list_devices(&mut st, now, &req),
        "ForgetDevice" => device::forget_device(&mut st, now, &req),
        _ => Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}
