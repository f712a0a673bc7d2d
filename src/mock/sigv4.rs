//! An independent AWS Signature Version 4 verifier, as API Gateway (`execute-api`) applies it.
//!
//! Written from AWS's published specification with `hmac` and `sha2` only — it shares no code
//! with `aws-sigv4` or this crate's [`signing`](crate::signing) module, so that a test passing
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
//! use cognito_sigv4::mock::sigv4::{verify, SignedRequest, Rejection};
//! let headers = http::HeaderMap::new();
//! let req = SignedRequest { method: "GET", path: "/prod/pets", query: None, headers: &headers, body: b"" };
//! let err = verify(&req, &|_| None, "us-east-1", "execute-api", std::time::SystemTime::UNIX_EPOCH).unwrap_err();
//! assert_eq!(err, Rejection::MissingAuthenticationToken);
//! assert_eq!(err.message(), "Missing Authentication Token");
//! ```

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Everything but the RFC 3986 unreserved characters is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` (path segments).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
/// How far a header-signed request's time may be from the verifier's clock.
const WINDOW: Duration = Duration::from_secs(5 * 60);
/// The longest validity of a presigned URL (7 days).
const MAX_EXPIRES: u64 = 604_800;
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// A received request, exactly as it arrived.
pub struct SignedRequest<'a> {
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: &'a str,
    /// The path as received (still percent-encoded, not normalized).
    pub path: &'a str,
    /// The query as received, without the `?`.
    pub query: Option<&'a str>,
    /// The request headers (must include `Host`).
    pub headers: &'a http::HeaderMap,
    /// The body as received.
    pub body: &'a [u8],
}

impl fmt::Debug for SignedRequest<'_> {
    // The query and headers may carry a session token: show only their shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("has_query", &self.query.is_some())
            .field("header_count", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}

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
    /// API Gateway's handler; [`verify`] does not know issued tokens).
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

/// `amz` (`20260105T091500Z`) moved by `secs`; the input unchanged if it does not parse.
fn shift_amz_date(amz: &str, secs: i64) -> String {
    match parse_amz_date(amz) {
        Some(t) => {
            let shifted = if secs >= 0 {
                t.checked_add(Duration::from_secs(secs.unsigned_abs()))
            } else {
                t.checked_sub(Duration::from_secs(secs.unsigned_abs()))
            };
            shifted
                .map(format_amz_date)
                .unwrap_or_else(|| amz.to_owned())
        }
        None => amz.to_owned(),
    }
}

/// Formats a time as SigV4's `X-Amz-Date` (`20260105T091500Z`).
pub fn format_amz_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format(AMZ_DATE_FORMAT)
        .to_string()
}

/// Parses SigV4's `X-Amz-Date` (`20260105T091500Z`).
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    if s.len() != 16 {
        return None;
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, AMZ_DATE_FORMAT).ok()?;
    let secs = naive.and_utc().timestamp();
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

/// The authorization parameters, from the header or the query.
struct AuthParams {
    presigned: bool,
    credential: String,
    signed_headers: String,
    signature: String,
    amz_date: String,
    /// Presigned URLs only.
    expires: Option<u64>,
    session_token: Option<String>,
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

    let scope = format!("{scope_date}/{scope_region}/{scope_service}/{TERMINATOR}");
    let signing_key = signing_key(&secret, scope_date, scope_region, scope_service);
    let path = canonical_path(req.path);
    let headers =
        canonical_headers(req.headers, &signed_headers).ok_or(Rejection::SignatureDoesNotMatch)?;
    let signed_list = signed_headers.join(";");
    for query in canonical_query_candidates(req.query.unwrap_or(""), params.presigned) {
        let canonical_request = format!(
            "{}\n{path}\n{query}\n{headers}\n{signed_list}\n{body_hash}",
            req.method.to_ascii_uppercase()
        );
        let string_to_sign = format!(
            "{ALGORITHM}\n{}\n{scope}\n{}",
            params.amz_date,
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let mut mac = hmac(&signing_key);
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

/// HMAC-SHA256 keyed with `key`; the emulator's one constructor for it (SigV4, SRP, SECRET_HASH).
pub(crate) fn hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

fn hmac_bytes(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = hmac(key);
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_bytes(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac_bytes(&k_date, region);
    let k_service = hmac_bytes(&k_region, service);
    hmac_bytes(&k_service, TERMINATOR)
}

/// Reads the authorization parameters from the `Authorization` header or from the query.
fn auth_params(req: &SignedRequest<'_>) -> Result<AuthParams, Rejection> {
    let query = parse_query(req.query.unwrap_or(""));
    let query_value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let header = req.headers.get(http::header::AUTHORIZATION);
    let query_algorithm = query_value("X-Amz-Algorithm");
    match (header, query_algorithm) {
        (Some(_), Some(_)) => Err(Rejection::IncompleteSignature(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string \
             parameter or the Authorization header should be specified"
                .to_owned(),
        )),
        (None, None) => Err(Rejection::MissingAuthenticationToken),
        (Some(value), None) => header_params(req, value.as_bytes()),
        (None, Some(algorithm)) => {
            if algorithm != ALGORITHM {
                return Err(Rejection::IncompleteSignature(format!(
                    "X-Amz-Algorithm only supports '{ALGORITHM}', not '{algorithm}'"
                )));
            }
            let (Some(credential), Some(signature), Some(amz_date), Some(signed_headers)) = (
                query_value("X-Amz-Credential"),
                query_value("X-Amz-Signature"),
                query_value("X-Amz-Date"),
                query_value("X-Amz-SignedHeaders"),
            ) else {
                return Err(Rejection::IncompleteSignature(
                    "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', \
                     'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
                        .to_owned(),
                ));
            };
            let expires = match query_value("X-Amz-Expires") {
                None => {
                    return Err(Rejection::IncompleteSignature(
                        "AWS query-string parameters must include 'X-Amz-Expires'.".to_owned(),
                    ));
                }
                Some(text) => match text.parse::<u64>() {
                    Ok(n) if n <= MAX_EXPIRES => n,
                    Ok(_) => {
                        return Err(Rejection::IncompleteSignature(format!(
                            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}"
                        )));
                    }
                    Err(_) => {
                        return Err(Rejection::IncompleteSignature("X-Amz-Expires should be a number".to_owned()));
                    }
                },
            };
            Ok(AuthParams {
                presigned: true,
                credential,
                signed_headers,
                signature,
                amz_date,
                expires: Some(expires),
                session_token: query_value("X-Amz-Security-Token"),
            })
        }
    }
}

fn header_params(req: &SignedRequest<'_>, value: &[u8]) -> Result<AuthParams, Rejection> {
    let text = String::from_utf8_lossy(value);
    let text = text.trim();
    let (algorithm, rest) = text.split_once(' ').unwrap_or((text, ""));
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for element in rest.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((k, v)) = element.split_once('=') else {
            return Err(invalid_pair(element));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim().to_owned()),
            "SignedHeaders" => signed_headers = Some(v.trim().to_owned()),
            "Signature" => signature = Some(v.trim().to_owned()),
            _ => {}
        }
    }
    if rest.is_empty() && !algorithm.contains('=') {
        // A bare token (a JWT sent to an IAM route, say): API Gateway shows only its hash.
        return Err(invalid_pair(algorithm));
    }
    let amz_date = req
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned());
    let mut missing = String::new();
    if credential.is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if signature.is_none() {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    if signed_headers.is_none() {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if amz_date.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) =
        (credential, signed_headers, signature, amz_date)
    else {
        return Err(Rejection::IncompleteSignature(
            missing.trim_end().to_owned(),
        ));
    };
    if algorithm != ALGORITHM {
        return Err(Rejection::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Only '{ALGORITHM}' is supported."
        )));
    }
    let session_token = req
        .headers
        .get("x-amz-security-token")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    Ok(AuthParams {
        presigned: false,
        credential,
        signed_headers,
        signature,
        amz_date,
        expires: None,
        session_token,
    })
}

/// API Gateway's text for an `Authorization` element that is not `key=value`; the element is
/// shown only as its SHA-256 (it may be a bearer token).
fn invalid_pair(element: &str) -> Rejection {
    let digest =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(element.as_bytes()));
    Rejection::IncompleteSignature(format!(
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with \
         Base64): '{digest}'."
    ))
}

/// The query's `key=value` pairs, percent-decoded (a `+` stays a plus).
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn decode_bytes(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

fn encode_bytes(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, UNRESERVED).to_string()
}

/// How a raw `+` in the query is read when rebuilding the canonical query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlusReading {
    /// A literal plus, signed as `%2B` (RFC 3986; aws-sigv4 and most SDKs).
    Plus,
    /// A space, signed as `%20` (HTML form decoding).
    Space,
}

/// The canonical query (or, when a raw `+` makes it ambiguous, each reading of it).
fn canonical_query_candidates(raw: &str, presigned: bool) -> Vec<String> {
    let mut out = vec![canonical_query(raw, presigned, PlusReading::Plus)];
    if raw.contains('+') {
        out.push(canonical_query(raw, presigned, PlusReading::Space));
        out.push(canonical_query_as_sent(raw, presigned));
    }
    out
}

fn canonical_query(raw: &str, presigned: bool, plus: PlusReading) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|s| !s.is_empty())
        .filter_map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            let reencode = |part: &str| {
                let part = if plus == PlusReading::Space {
                    part.replace('+', "%20")
                } else {
                    part.to_owned()
                };
                encode_bytes(&decode_bytes(&part))
            };
            let key = reencode(k);
            (!(presigned && key == "X-Amz-Signature")).then(|| (key, reencode(v)))
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

/// botocore signs a query given in the URL as it is, only sorted.
fn canonical_query_as_sent(raw: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|s| !s.is_empty())
        .filter_map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (!(presigned && decode(k) == "X-Amz-Signature")).then(|| (k.to_owned(), v.to_owned()))
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

fn join_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The canonical URI: dot and empty segments removed, then every byte but the unreserved
/// characters and `/` percent-encoded (again: the raw path is already encoded once).
fn canonical_path(raw: &str) -> String {
    let normalized = remove_dot_segments(raw);
    utf8_percent_encode(&normalized, UNRESERVED_AND_SLASH).to_string()
}

/// RFC 3986 §5.2.4 as AWS applies it (and botocore's `remove_dot_segments`): `.` and empty
/// segments dropped, `..` removes the previous segment, a trailing `/` kept only when a
/// segment remains and the path ended with `/`.
fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut result = String::with_capacity(path.len());
    if path.starts_with('/') {
        result.push('/');
    }
    result.push_str(&out.join("/"));
    if path.ends_with('/') && !out.is_empty() {
        result.push('/');
    }
    result
}

/// The canonical headers block (each `name:value\n`), or `None` when a signed header is absent.
fn canonical_headers(headers: &http::HeaderMap, signed: &[String]) -> Option<String> {
    let mut names: Vec<&String> = signed.iter().collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in names {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        values.peek()?;
        out.push_str(name);
        out.push(':');
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&trim_all(&String::from_utf8_lossy(value.as_bytes())));
        }
        out.push('\n');
    }
    Some(out)
}

/// Trims and collapses inner runs of whitespace to one space (SigV4's `Trimall`).
fn trim_all(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};

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
    fn path_normalization_matches_botocore() {
        assert_eq!(canonical_path("/prod/a%20b"), "/prod/a%2520b");
        assert_eq!(canonical_path("/prod/a/./b/../c"), "/prod/a/c");
        assert_eq!(canonical_path("/prod/a/b/."), "/prod/a/b");
        assert_eq!(canonical_path("/prod//a//b"), "/prod/a/b");
        assert_eq!(canonical_path("/prod/pets/"), "/prod/pets/");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path(""), "/");
        assert_eq!(
            canonical_path("/prod/user@x/~y/a+b"),
            "/prod/user%40x/~y/a%2Bb"
        );
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(
            canonical_query("q=a%2Fb", false, PlusReading::Plus),
            "q=a%2Fb"
        );
        assert_eq!(
            canonical_query("q=a%2fb&%61=%7E", false, PlusReading::Plus),
            "a=~&q=a%2Fb"
        );
        assert_eq!(
            canonical_query("b=2&&a=1&flag&k=b&k=a", false, PlusReading::Plus),
            "a=1&b=2&flag=&k=a&k=b"
        );
        assert_eq!(
            canonical_query("q=a+b", false, PlusReading::Plus),
            "q=a%2Bb"
        );
        assert_eq!(
            canonical_query("q=a+b", false, PlusReading::Space),
            "q=a%20b"
        );
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", true, PlusReading::Plus),
            "a=1"
        );
        assert_eq!(canonical_query_candidates("q=a+b", false).len(), 3);
        assert_eq!(canonical_query_candidates("q=a%2Bb", false).len(), 1);
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut h = HeaderMap::new();
        h.append("x-multi", HeaderValue::from_static("  one   two "));
        h.append("x-multi", HeaderValue::from_static("three"));
        h.insert("host", HeaderValue::from_static("h"));
        let out = canonical_headers(&h, &["x-multi".into(), "host".into()]).unwrap();
        assert_eq!(out, "host:h\nx-multi:one two,three\n");
        assert_eq!(canonical_headers(&h, &["x-absent".into()]), None);
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
