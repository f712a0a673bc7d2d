//! CORS, so that browser apps (Amplify JS, amazon-cognito-identity-js in a page) can call the
//! emulator from another origin: every endpoint answers preflights and every answer carries the
//! headers AWS's service endpoints send (`Access-Control-Allow-Origin: *`, and the response
//! headers a client reads exposed: `x-amzn-RequestId`, `x-amzn-ErrorType`,
//! `x-amzn-ErrorMessage`, `Date`).
//!
//! Emulator's choice (CHOICES.md): API Gateway APIs answer as if CORS were enabled on every
//! resource for any origin; a real API answers preflights only where its owner configured it.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The response headers a browser client may read.
const EXPOSE: &str = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date";

/// The request headers allowed when a preflight names none: what AWS's SDKs send.
const ALLOW_HEADERS: &str = "authorization, content-type, x-amz-date, x-amz-security-token, \
                             x-amz-target, x-amz-user-agent, x-amz-content-sha256, \
                             amz-sdk-invocation-id, amz-sdk-request";

/// The methods a preflight may ask for.
const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";

/// Whether a request is a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
pub(crate) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a preflight: any origin, the asked-for headers (AWS's SDKs' by default),
/// every method, cached for a day.
pub(crate) fn preflight(request: &HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    let h = response.headers_mut();
    let asked = request
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(HeaderValue::from_static(ALLOW_HEADERS));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    add_headers(h);
    response
}

/// The CORS headers of every answer.
pub(crate) fn add_headers(h: &mut HeaderMap) {
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE),
    );
}
