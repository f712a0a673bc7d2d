//! [`StreamingResponse`]: status and headers first, the body as a stream of [`Bytes`], for
//! answers too large (or too slow) to buffer.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};

use super::ApiResponse;
use super::request::network_error;
use crate::error::Result;

/// An HTTP answer whose body has not been read yet; made by
/// [`RequestBuilder::send_streaming`](super::RequestBuilder::send_streaming).
///
/// Read the body with [`chunk`](Self::chunk), or take it as a [`Stream`] with
/// [`into_body`](Self::into_body). No size limit applies (unlike
/// [`send`](super::RequestBuilder::send)'s); the client's
/// [`timeout`](super::ApiClientBuilder::timeout) still covers the whole answer, so raise it for
/// long downloads.
pub struct StreamingResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: BodyStream,
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl StreamingResponse {
    /// An answer whose body is still on the wire.
    pub(super) fn live(response: reqwest::Response) -> Self {
        Self {
            status: response.status(),
            headers: response.headers().clone(),
            body: BodyStream(Inner::Live(Box::pin(response.bytes_stream()))),
        }
    }

    /// An answer the client already read (a refusal it had to inspect for a retry).
    pub(super) fn read(response: ApiResponse) -> Self {
        let body = Some(response.body).filter(|b| !b.is_empty());
        Self {
            status: response.status,
            headers: response.headers,
            body: BodyStream(Inner::Read(body)),
        }
    }

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

    /// The next piece of the body, or `None` at its end.
    ///
    /// Errors: [`ErrorKind::Network`](crate::ErrorKind::Network) when the connection fails or
    /// times out mid-body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        std::future::poll_fn(|cx| Pin::new(&mut self.body).poll_next(cx))
            .await
            .transpose()
    }

    /// The body as a [`Stream`] of [`Bytes`].
    pub fn into_body(self) -> BodyStream {
        self.body
    }
}

/// The body of a [`StreamingResponse`]: a [`Stream`] of [`Bytes`] chunks, each a
/// [`Result`] (a network failure mid-body ends it with an error).
pub struct BodyStream(Inner);

type LiveBody = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

enum Inner {
    Read(Option<Bytes>),
    Live(LiveBody),
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            Inner::Read(_) => "read",
            Inner::Live(_) => "live",
        };
        f.debug_tuple("BodyStream").field(&state).finish()
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.0 {
            Inner::Read(body) => Poll::Ready(body.take().map(Ok)),
            Inner::Live(stream) => stream
                .as_mut()
                .poll_next(cx)
                .map(|item| item.map(|chunk| chunk.map_err(network_error))),
        }
    }
}
