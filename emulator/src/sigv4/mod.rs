//! An independent AWS Signature Version 4 verifier, as API Gateway (`execute-api`) applies it.
//!
//! Written from AWS's published specification with `hmac` and `sha2` only — it shares no code
//! with `aws-sigv4` or the `cognito_sigv4::signing` module, so that a test passing
//! against it means two independent readings of the specification agree (and the botocore
//! vectors in `tests/data/sigv4_vectors.json` are accepted too).
//!
//! It checks both header authentication (`Authorization: AWS4-HMAC-SHA256 Credential=...,
//! SignedHeaders=..., Signature=...` with `X-Amz-Date`) and query authentication (presigned URLs:
//! `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
//! `X-Amz-Security-Token`, `X-Amz-Signature`).
//!
//! How the canonical request is rebuilt from what was received:
//! - **path**: the raw path, with dot segments and empty segments removed (as AWS's non-S3
//!   services and botocore do: `/prod/a/./b/../c` → `/prod/a/c`, `/prod//a` → `/prod/a`,
//!   `/prod/a/b/.` → `/prod/a/b`), then every byte except `A-Z a-z 0-9 - _ . ~ /`
//!   percent-encoded *again* (double encoding: `/prod/a%20b` is signed as `/prod/a%2520b`);
//! - **query**: split on `&` (empty segments ignored), each key and value percent-decoded and
//!   re-encoded with the RFC 3986 unreserved set (so `q=a%2Fb` stays `a%2Fb`, lower-case escapes
//!   become upper case), sorted by key then value; `X-Amz-Signature` is left out in query mode.
//!   A raw `+` is ambiguous on the wire (RFC 3986 says a plus, HTML forms say a space, botocore
//!   signs it as sent): a signature over any of those three readings is accepted;
//! - **headers**: only the `SignedHeaders`, names lower-cased, values trimmed with inner runs of
//!   whitespace collapsed, repeated headers joined with `,`; `host` must be signed;
//! - **payload**: the hex SHA-256 of the body actually received. An `X-Amz-Content-Sha256`
//!   header must equal it (`UNSIGNED-PAYLOAD` is rejected, as API Gateway does).
//!
//! Time: a header-signed request is valid for 5 minutes either side of the verifier's `now`; a
//! presigned URL from 5 minutes before its `X-Amz-Date` until `X-Amz-Expires` seconds after it.
//!
//! ```
//! use cognito_sigv4_emulator::sigv4::{verify, SignedRequest, Rejection};
//! let headers = http::HeaderMap::new();
//! let req = SignedRequest { method: "GET", path: "/prod/pets", query: None, headers: &headers, body: b"" };
//! let err = verify(&req, &|_| None, "us-east-1", "execute-api", std::time::SystemTime::UNIX_EPOCH).unwrap_err();
//! assert_eq!(err, Rejection::MissingAuthenticationToken);
//! assert_eq!(err.message(), "Missing Authentication Token");
//! ```

mod canonical;
mod date;
mod params;
mod rejection;
mod request;

pub use date::{format_amz_date, parse_amz_date};

use date::WINDOW;
pub use rejection::Rejection;
pub use request::SignedRequest;

use crate::crypto::hmac_sha256;
use canonical::{
    TERMINATOR, canonical_headers, canonical_path, canonical_query_candidates, signing_key,
};
use hmac::Mac;
use params::{ALGORITHM, AuthParams, auth_params};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime};

/// What a valid signature says about the caller.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// The access key id that signed.
    pub access_key_id: String,
    /// The session token sent with the request (`X-Amz-Security-Token`), as sent.
    pub session_token: Option<String>,
    /// The credential scope's region.
    pub region: String,
    /// The credential scope's service.
    pub service: String,
    /// The request's `X-Amz-Date`.
    pub signed_at: SystemTime,
}

impl fmt::Debug for VerifiedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSignature")
            .field("access_key_id", &self.access_key_id)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_at", &self.signed_at)
            .finish()
    }
}

/// Verifies `req`'s SigV4 signature for `region` and `service` at time `now`.
///
/// `secret_for` maps an access key id to its secret access key (`None` →
/// [`Rejection::UnknownAccessKey`], "The security token included in the request is invalid.").
/// The session token is returned as sent, for the caller to check against the one it issued.
pub fn verify(
    req: &SignedRequest<'_>,
    secret_for: &dyn Fn(&str) -> Option<String>,
    region: &str,
    service: &str,
    now: SystemTime,
) -> Result<VerifiedSignature, Rejection> {
    let params = auth_params(req)?;

    // Credential = <key id>/<yyyymmdd>/<region>/<service>/aws4_request
    let parts: Vec<&str> = params.credential.split('/').collect();
    let [key_id, scope_date, scope_region, scope_service, terminator] = parts.as_slice() else {
        return Err(Rejection::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            params.credential
        )));
    };
    if *terminator != TERMINATOR {
        return Err(Rejection::IncompleteSignature(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. "
        )));
    }
    let signed_headers: Vec<String> = params
        .signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if !signed_headers
        .iter()
        .any(|h| h == "host" || h == ":authority")
    {
        let text = if params.presigned {
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS X-Amz-SignedHeaders query parameter."
        } else {
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        };
        return Err(Rejection::IncompleteSignature(text.to_owned()));
    }
    let signed_at = parse_amz_date(&params.amz_date).ok_or_else(|| {
        Rejection::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            params.amz_date
        ))
    })?;
    if Some(*scope_date) != params.amz_date.get(..8) {
        return Err(Rejection::WrongScopeDate {
            scoped: (*scope_date).to_owned(),
            amz_date: params.amz_date.clone(),
        });
    }
    let region_ok = *scope_region == region;
    let service_ok = *scope_service == service;
    if !region_ok {
        return Err(Rejection::WrongRegion {
            scoped: (*scope_region).to_owned(),
            wrong_service_expected: (!service_ok).then(|| service.to_owned()),
        });
    }
    if !service_ok {
        return Err(Rejection::WrongService {
            expected: service.to_owned(),
        });
    }

    check_time(&params, signed_at, now)?;

    let secret = secret_for(key_id).ok_or(Rejection::UnknownAccessKey)?;

    let body_hash = hex::encode(Sha256::digest(req.body));
    if let Some(claimed) = req.headers.get("x-amz-content-sha256") {
        // API Gateway hashes what it received; UNSIGNED-PAYLOAD or a stale hash cannot match.
        if !claimed
            .as_bytes()
            .eq_ignore_ascii_case(body_hash.as_bytes())
        {
            tracing::debug!("x-amz-content-sha256 is not the SHA-256 of the received body");
            return Err(Rejection::SignatureDoesNotMatch);
        }
    }
    let Some(provided) = decode_hex_signature(&params.signature) else {
        return Err(Rejection::SignatureDoesNotMatch);
    };

    let signing_key = signing_key(&secret, scope_date, scope_region, scope_service);
    let path = canonical_path(req.path);
    let signed_list = signed_headers.join(";");
    let candidates =
        signing_strings(req, &params, &signed_headers).ok_or(Rejection::SignatureDoesNotMatch)?;
    for (_, string_to_sign) in candidates {
        let mut mac = hmac_sha256(&signing_key);
        mac.update(string_to_sign.as_bytes());
        // Constant-time comparison of the signature.
        if mac.verify_slice(&provided).is_ok() {
            return Ok(VerifiedSignature {
                access_key_id: (*key_id).to_owned(),
                session_token: params.session_token,
                region: (*scope_region).to_owned(),
                service: (*scope_service).to_owned(),
                signed_at,
            });
        }
        // The canonical request holds the session token: log its shape, not its text.
        tracing::debug!(
            method = req.method,
            canonical_path = %path,
            signed_headers = %signed_list,
            payload_hash = %body_hash,
            "SigV4 signature does not match this canonical request"
        );
    }
    Err(Rejection::SignatureDoesNotMatch)
}

/// The canonical request and string to sign of `req`, for each reading of its query (the
/// first is the standard one); `None` when a signed header is missing.
fn signing_strings(
    req: &SignedRequest<'_>,
    params: &AuthParams,
    signed_headers: &[String],
) -> Option<Vec<(String, String)>> {
    let scope = params
        .credential
        .split_once('/')
        .map_or("", |(_, scope)| scope);
    let body_hash = hex::encode(Sha256::digest(req.body));
    let path = canonical_path(req.path);
    let headers = canonical_headers(req.headers, signed_headers)?;
    let signed_list = signed_headers.join(";");
    let strings = canonical_query_candidates(req.query.unwrap_or(""), params.presigned)
        .into_iter()
        .map(|query| {
            let canonical_request = format!(
                "{}\n{path}\n{query}\n{headers}\n{signed_list}\n{body_hash}",
                req.method.to_ascii_uppercase()
            );
            let string_to_sign = format!(
                "{ALGORITHM}\n{}\n{scope}\n{}",
                params.amz_date,
                hex::encode(Sha256::digest(canonical_request.as_bytes()))
            );
            (canonical_request, string_to_sign)
        })
        .collect();
    Some(strings)
}

/// What API Gateway appends to its bad-signature message: the canonical request and the string
/// to sign it computed (quoted in mhart/aws4#33, aws-sdk-js#2372), for a request the verifier
/// refused with [`Rejection::SignatureDoesNotMatch`]. Like AWS's, the text holds the signed
/// headers' values, the session token included: it goes only to the caller that sent them.
pub(crate) fn signature_mismatch_detail(req: &SignedRequest<'_>) -> Option<String> {
    let params = auth_params(req).ok()?;
    let signed_headers: Vec<String> = params
        .signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let (canonical_request, string_to_sign) = signing_strings(req, &params, &signed_headers)?
        .into_iter()
        .next()?;
    Some(format!(
        "\n\nThe Canonical String for this request should have been\n'{canonical_request}'\n\n\
         The String-to-Sign should have been\n'{string_to_sign}'\n"
    ))
}

fn check_time(
    params: &AuthParams,
    signed_at: SystemTime,
    now: SystemTime,
) -> Result<(), Rejection> {
    let not_yet = signed_at
        .duration_since(now)
        .is_ok_and(|ahead| ahead > WINDOW);
    if not_yet {
        return Err(Rejection::SignatureNotYetCurrent {
            signed_at: params.amz_date.clone(),
            now: format_amz_date(now),
        });
    }
    let age = now.duration_since(signed_at).unwrap_or(Duration::ZERO);
    match params.expires {
        Some(expires) if age > Duration::from_secs(expires) => Err(Rejection::RequestExpired),
        Some(_) => Ok(()),
        None if age > WINDOW => Err(Rejection::SignatureExpired {
            signed_at: params.amz_date.clone(),
            now: format_amz_date(now),
        }),
        None => Ok(()),
    }
}

fn decode_hex_signature(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    hex::decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};
    use std::time::UNIX_EPOCH;

    const KEY: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn secret_for(id: &str) -> Option<String> {
        (id == KEY).then(|| SECRET.to_owned())
    }

    fn at(amz: &str) -> SystemTime {
        parse_amz_date(amz).unwrap()
    }

    /// AWS's documented `get-vanilla-query-order-key-case` example of the SigV4 test suite
    /// (service `service`, region `us-east-1`).
    fn aws_example_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        h.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        );
        h
    }

    #[test]
    fn accepts_aws_documented_example() {
        let h = aws_example_headers();
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: Some("Param2=value2&Param1=value1"),
            headers: &h,
            body: b"",
        };
        let ok = verify(
            &req,
            &secret_for,
            "us-east-1",
            "service",
            at("20150830T123600Z"),
        )
        .unwrap();
        assert_eq!(ok.access_key_id, KEY);
        assert_eq!(ok.session_token, None);
        assert_eq!(ok.signed_at, at("20150830T123600Z"));
    }

    #[test]
    fn aws_example_rejections() {
        let h = aws_example_headers();
        let now = at("20150830T123600Z");
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: Some("Param2=value2&Param1=value3"),
            headers: &h,
            body: b"",
        };
        assert_eq!(
            verify(&req, &secret_for, "us-east-1", "service", now),
            Err(Rejection::SignatureDoesNotMatch)
        );
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: Some("Param2=value2&Param1=value1"),
            headers: &h,
            body: b"x",
        };
        assert_eq!(
            verify(&req, &secret_for, "us-east-1", "service", now),
            Err(Rejection::SignatureDoesNotMatch)
        );
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: Some("Param2=value2&Param1=value1"),
            headers: &h,
            body: b"",
        };
        let wrong = |_: &str| Some("wrong".to_owned());
        assert_eq!(
            verify(&req, &wrong, "us-east-1", "service", now),
            Err(Rejection::SignatureDoesNotMatch)
        );
        assert_eq!(
            verify(&req, &|_| None, "us-east-1", "service", now),
            Err(Rejection::UnknownAccessKey)
        );
        let later = at("20150830T124101Z");
        let err = verify(&req, &secret_for, "us-east-1", "service", later).unwrap_err();
        assert_eq!(
            err.message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)"
        );
        let earlier = at("20150830T123059Z");
        let err = verify(&req, &secret_for, "us-east-1", "service", earlier).unwrap_err();
        assert_eq!(
            err.message(),
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T123059Z + 5 min.)"
        );
        // Exactly 5 minutes either way is still inside the window.
        assert!(
            verify(
                &req,
                &secret_for,
                "us-east-1",
                "service",
                at("20150830T124100Z")
            )
            .is_ok()
        );
        assert!(
            verify(
                &req,
                &secret_for,
                "us-east-1",
                "service",
                at("20150830T123100Z")
            )
            .is_ok()
        );
        let err = verify(&req, &secret_for, "eu-west-1", "service", now).unwrap_err();
        assert_eq!(
            err.message(),
            "Credential should be scoped to a valid region, not 'us-east-1'. "
        );
        let err = verify(&req, &secret_for, "us-east-1", "execute-api", now).unwrap_err();
        assert_eq!(
            err.message(),
            "Credential should be scoped to correct service: 'execute-api'. "
        );
        let err = verify(&req, &secret_for, "eu-west-1", "execute-api", now).unwrap_err();
        assert_eq!(
            err.message(),
            "Credential should be scoped to a valid region, not 'us-east-1'. \
             Credential should be scoped to correct service: 'execute-api'. "
        );
    }
    #[test]
    fn malformed_authorization_never_echoes_the_value() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("h"));
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer SECRET-TOKEN-VALUE"),
        );
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: &h,
            body: b"",
        };
        let err = verify(&req, &secret_for, "us-east-1", "execute-api", UNIX_EPOCH).unwrap_err();
        assert!(
            err.message()
                .starts_with("Invalid key=value pair (missing equal-sign)"),
            "{err}"
        );
        assert!(!err.message().contains("SECRET"));
        assert_eq!(err.error_type(), "IncompleteSignatureException");

        h.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"),
        );
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: &h,
            body: b"",
        };
        let err = verify(&req, &secret_for, "us-east-1", "execute-api", UNIX_EPOCH).unwrap_err();
        assert_eq!(
            err.message(),
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        );
    }

    #[test]
    fn debug_output_hides_session_token() {
        let v = VerifiedSignature {
            access_key_id: "ASIA".into(),
            session_token: Some("MARKER-SECRET".into()),
            region: "us-east-1".into(),
            service: "execute-api".into(),
            signed_at: UNIX_EPOCH,
        };
        assert!(!format!("{v:?}").contains("MARKER-SECRET"));
    }
}
