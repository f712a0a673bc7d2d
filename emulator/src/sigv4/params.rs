//! The authorization parameters of a signed request: from the `Authorization` header, or from
//! the query of a presigned URL.

use super::canonical::parse_query;
use super::rejection::Rejection;
use super::request::SignedRequest;
use base64::Engine as _;
use sha2::{Digest, Sha256};

pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The longest validity of a presigned URL (7 days).
const MAX_EXPIRES: u64 = 604_800;

/// The authorization parameters, from the header or the query.
pub(crate) struct AuthParams {
    pub(crate) presigned: bool,
    pub(crate) credential: String,
    pub(crate) signed_headers: String,
    pub(crate) signature: String,
    pub(crate) amz_date: String,
    /// Presigned URLs only.
    pub(crate) expires: Option<u64>,
    pub(crate) session_token: Option<String>,
}

/// Reads the authorization parameters from the `Authorization` header or from the query.
pub(crate) fn auth_params(req: &SignedRequest<'_>) -> Result<AuthParams, Rejection> {
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
        if rest.is_empty() {
            // A bare value (a JWT sent to an IAM route, say): AWS adds `Authorization=<the
            // value>` (aws/chalice#828, nordcloud/cognitocurl#15). The emulator's choice: the
            // value is shown as its SHA-256, as API Gateway shows a value that is no
            // key=value pair, so a token never comes back in a body.
            missing.push_str(&format!("Authorization={}", sha256_b64(algorithm)));
        }
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
    let digest = sha256_b64(element);
    Rejection::IncompleteSignature(format!(
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with \
         Base64): '{digest}'."
    ))
}

/// Base64 of the SHA-256 of `text`.
fn sha256_b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}
