//! Reading an HTTP body whole, up to a limit: the API client's answers, JWKS documents and
//! OAuth answers all refuse a body too large before buffering more of it.

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};

/// The body of `response`, refused with `too_large()` once it would pass `limit` bytes (at
/// once when `Content-Length` says so); a transport failure becomes `network(e)`.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    too_large: impl Fn() -> Error,
    network: impl Fn(reqwest::Error) -> Error,
) -> Result<Bytes> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(&network)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
