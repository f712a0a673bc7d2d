//! Why the verifier refuses a request, with API Gateway's words for it.

use super::date::{WINDOW, shift_amz_date};
use std::fmt;

/// Why a request was refused. [`message`](Rejection::message) is API Gateway's text for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No `Authorization` header and no `X-Amz-Algorithm` query parameter.
    MissingAuthenticationToken,
    /// The authorization is malformed or incomplete; the text says how (it never repeats a
    /// secret: a malformed `Authorization` value is shown only as its SHA-256, as API Gateway
    /// does).
    IncompleteSignature(String),
    /// The signature is not the one the verifier computed (wrong secret, changed body, path,
    /// query or signed header, or an `X-Amz-Content-Sha256` that is not the body's hash).
    SignatureDoesNotMatch,
    /// Signed more than 5 minutes before the verifier's now.
    SignatureExpired {
        /// The request's `X-Amz-Date`.
        signed_at: String,
        /// The verifier's now, in the same format.
        now: String,
    },
    /// Signed more than 5 minutes after the verifier's now.
    SignatureNotYetCurrent {
        /// The request's `X-Amz-Date`.
        signed_at: String,
        /// The verifier's now, in the same format.
        now: String,
    },
    /// A presigned URL used after `X-Amz-Date` + `X-Amz-Expires`.
    RequestExpired,
    /// The credential scope's region is not the service's.
    WrongRegion {
        /// The region the credential was scoped to.
        scoped: String,
        /// The expected service, when the scope's service is wrong too (AWS then says both).
        wrong_service_expected: Option<String>,
    },
    /// The credential scope's service is not the expected one.
    WrongService {
        /// The service the request had to be scoped to.
        expected: String,
    },
    /// The credential scope's date is not the date of `X-Amz-Date`.
    WrongScopeDate {
        /// The date in the credential scope.
        scoped: String,
        /// The request's `X-Amz-Date`.
        amz_date: String,
    },
    /// The access key id is not known.
    UnknownAccessKey,
    /// The session token is missing or not the one issued with the access key (reported by
    /// API Gateway's handler; [`verify`](super::verify) does not know issued tokens).
    InvalidSecurityToken,
    /// The credentials have expired (reported by API Gateway's handler).
    ExpiredToken,
}

impl Rejection {
    /// The HTTP status API Gateway answers with (403 for all of them).
    pub fn status(&self) -> u16 {
        403
    }

    /// API Gateway's `message` text.
    pub fn message(&self) -> String {
        match self {
            Rejection::MissingAuthenticationToken => "Missing Authentication Token".to_owned(),
            Rejection::IncompleteSignature(text) => text.clone(),
            Rejection::SignatureDoesNotMatch => "The request signature we calculated does not match the signature you \
                 provided. Check your AWS Secret Access Key and signing method. Consult the service documentation \
                 for details."
                .to_owned(),
            Rejection::SignatureExpired { signed_at, now } => {
                let bound = shift_amz_date(now, -(WINDOW.as_secs() as i64));
                format!("Signature expired: {signed_at} is now earlier than {bound} ({now} - 5 min.)")
            }
            Rejection::SignatureNotYetCurrent { signed_at, now } => {
                let bound = shift_amz_date(now, WINDOW.as_secs() as i64);
                format!("Signature not yet current: {signed_at} is still later than {bound} ({now} + 5 min.)")
            }
            Rejection::RequestExpired => "Request has expired".to_owned(),
            Rejection::WrongRegion { scoped, wrong_service_expected } => {
                let mut text = format!("Credential should be scoped to a valid region, not '{scoped}'. ");
                if let Some(service) = wrong_service_expected {
                    text.push_str(&wrong_service_text(service));
                }
                text
            }
            Rejection::WrongService { expected } => wrong_service_text(expected),
            Rejection::WrongScopeDate { scoped, amz_date } => format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
                 '{scoped}' != '{}', from '{amz_date}'.",
                amz_date.get(..8).unwrap_or(amz_date)
            ),
            Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => {
                "The security token included in the request is invalid.".to_owned()
            }
            Rejection::ExpiredToken => "The security token included in the request is expired".to_owned(),
        }
    }

    /// The `x-amzn-ErrorType` API Gateway sends with this rejection.
    pub fn error_type(&self) -> &'static str {
        match self {
            Rejection::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Rejection::IncompleteSignature(_) => "IncompleteSignatureException",
            Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => {
                "UnrecognizedClientException"
            }
            Rejection::ExpiredToken => "ExpiredTokenException",
            _ => "InvalidSignatureException",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Rejection {}

fn wrong_service_text(expected: &str) -> String {
    format!("Credential should be scoped to correct service: '{expected}'. ")
}
