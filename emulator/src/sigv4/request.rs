//! A received request, as the verifier reads it.

use std::fmt;

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

impl<'a> SignedRequest<'a> {
    /// The request as an HTTP server received it.
    pub fn from_http(
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> Self {
        SignedRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query(),
            headers,
            body,
        }
    }
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
