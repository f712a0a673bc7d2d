//! [`ApiResponse`]: what came back, whatever its status.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::{Error, ErrorKind, Result};

/// An HTTP answer, whatever its status.
#[derive(Clone)]
pub struct ApiResponse {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl ApiResponse {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON ([`ErrorKind::InvalidResponse`] if it is not `T`).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        // Only the category and position: serde's message can quote a value from the body,
        // which may be the caller's data or a token.
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the body is not the expected JSON ({:?} error at line {}, column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// The server's `Date` header in seconds since the epoch.
    pub(super) fn server_date(&self) -> Option<i64> {
        let date = self.headers.get(http::header::DATE)?.to_str().ok()?;
        chrono::DateTime::parse_from_rfc2822(date)
            .ok()
            .map(|d| d.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_body_of_the_wrong_shape_is_a_typed_error_that_quotes_nothing() {
        let marker = "MARKER-token-in-body";
        let resp = ApiResponse {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(format!(r#"{{"n":"{marker}"}}"#)),
        };
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // Only its shape matters.
        struct Expected {
            n: u32,
        }
        let err = resp.json::<Expected>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(!err.to_string().contains(marker), "{err}");
        assert!(!format!("{err:?}").contains(marker), "{err:?}");
        let truncated = ApiResponse {
            body: Bytes::from_static(b"{\"n\":"),
            ..resp
        };
        assert_eq!(
            truncated.json::<Expected>().unwrap_err().kind(),
            ErrorKind::InvalidResponse
        );
    }
}
