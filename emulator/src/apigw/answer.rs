//! API Gateway's own answers: JSON with its headers ([`respond`]), and the refusals of its
//! authorizers ([`Denial`]) with their status codes, messages and `x-amzn-ErrorType`.

use crate::calls::{RefusalNote, RefusalReason};
use crate::crypto::random_uuid;
use crate::sigv4::Rejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Why an authorizer refused a request.
pub(super) enum Denial {
    /// A SigV4 or credential problem (403).
    Rejection(Rejection),
    /// The signature does not match: the message is followed by the canonical request and
    /// string to sign (403).
    BadSignature(String),
    /// The role may not invoke the method (403, IAM's message).
    AccessDenied(String),
    /// The user-pool authorizer refused the token (401).
    Unauthorized,
    /// The user-pool authorizer's token verified but has expired (401).
    Expired,
    /// A Lambda authorizer's policy denies the method explicitly (403).
    ExplicitDeny,
    /// A Lambda authorizer's policy does not allow the method (403).
    NotAllowed,
    /// A Lambda authorizer failed: timed out, unreachable, or answered no policy (500).
    AuthorizerFailure,
}

impl From<Rejection> for Denial {
    fn from(r: Rejection) -> Self {
        Denial::Rejection(r)
    }
}

impl Denial {
    /// Why, for the call log.
    fn reason(&self) -> RefusalReason {
        match self {
            Denial::Rejection(r) => RefusalReason::from_rejection(r),
            Denial::BadSignature(_) => RefusalReason::SignatureMismatch,
            Denial::AccessDenied(_) => RefusalReason::AccessDenied,
            Denial::Unauthorized => RefusalReason::AuthorizerUnauthorized,
            Denial::Expired => RefusalReason::AuthorizerTokenExpired,
            Denial::ExplicitDeny | Denial::NotAllowed => RefusalReason::AccessDenied,
            Denial::AuthorizerFailure => RefusalReason::Other,
        }
    }

    /// The answer, with its refusal noted for the call log (a signature mismatch without the
    /// canonical request it appends, which holds the session token).
    pub(super) fn response(&self) -> Response {
        let mut response = self.answer();
        let (code, message) = match self {
            Denial::Rejection(r) => (r.error_type(), r.message()),
            Denial::BadSignature(_) => {
                let r = Rejection::SignatureDoesNotMatch;
                (r.error_type(), r.message())
            }
            Denial::AccessDenied(m) => ("AccessDeniedException", m.clone()),
            Denial::Unauthorized => ("UnauthorizedException", "Unauthorized".to_owned()),
            Denial::Expired => (
                "UnauthorizedException",
                "The incoming token has expired".to_owned(),
            ),
            Denial::ExplicitDeny => ("AccessDeniedException", EXPLICIT_DENY.to_owned()),
            Denial::NotAllowed => ("AccessDeniedException", NOT_ALLOWED.to_owned()),
            Denial::AuthorizerFailure => ("AuthorizerConfigurationException", "(null)".to_owned()),
        };
        response.extensions_mut().insert(RefusalNote {
            reason: Some(self.reason()),
            code: code.to_owned(),
            message,
        });
        response
    }

    fn answer(&self) -> Response {
        match self {
            Denial::Rejection(r) => rejection(r),
            Denial::BadSignature(detail) => {
                let r = Rejection::SignatureDoesNotMatch;
                respond(
                    StatusCode::FORBIDDEN,
                    &json!({ "message": format!("{}{detail}", r.message()) }),
                    Some(r.error_type()),
                )
            }
            // IAM denials carry `Message` with a capital M, as API Gateway sends them.
            Denial::AccessDenied(message) => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": message }),
                Some("AccessDeniedException"),
            ),
            Denial::Unauthorized => respond(
                StatusCode::UNAUTHORIZED,
                &json!({ "message": "Unauthorized" }),
                Some("UnauthorizedException"),
            ),
            Denial::Expired => respond(
                StatusCode::UNAUTHORIZED,
                &json!({ "message": "The incoming token has expired" }),
                Some("UnauthorizedException"),
            ),
            Denial::ExplicitDeny => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": EXPLICIT_DENY }),
                Some("AccessDeniedException"),
            ),
            Denial::NotAllowed => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": NOT_ALLOWED }),
                Some("AccessDeniedException"),
            ),
            // API Gateway's answer when a Lambda authorizer fails: a 500 whose message is null.
            Denial::AuthorizerFailure => respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "message": null }),
                Some("AuthorizerConfigurationException"),
            ),
        }
    }
}

/// API Gateway's text for a Lambda authorizer's explicit deny.
const EXPLICIT_DENY: &str = "User is not authorized to access this resource with an explicit deny";
/// API Gateway's text for a Lambda authorizer's policy that does not cover the method.
const NOT_ALLOWED: &str = "User is not authorized to access this resource";

fn rejection(r: &Rejection) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::FORBIDDEN);
    respond(
        status,
        &json!({ "message": r.message() }),
        Some(r.error_type()),
    )
}

/// A JSON answer with API Gateway's headers (the router adds `Date`, from the emulator's clock).
pub(super) fn respond(status: StatusCode, body: &Value, error_type: Option<&str>) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&random_uuid()) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(v) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert("x-amzn-errortype", v);
    }
    resp
}
