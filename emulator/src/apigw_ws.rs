//! API Gateway WebSocket APIs: the `$connect` upgrade at `/<stage>` (by the API's host name or
//! the `/_aws/execute-api/<api>/<stage>` path), authorized as the API's seed says (`AWS_IAM`:
//! a SigV4 signature, usually presigned in the query, of credentials whose role may invoke
//! `<api>/<stage>/$connect`), then an echo of every message until the client closes.
//!
//! A refused `$connect` is answered like a refused REST request (403 with API Gateway's
//! message) instead of upgrading; the echo stands in for the API's routes, which the emulator
//! does not model (listed in CHOICES.md).

use axum::extract::FromRequestParts as _;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::apigw;
use crate::state::Shared;

/// Whether a request asks for a WebSocket upgrade.
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// `$connect`: authorized, then upgraded to the echo.
pub(crate) async fn handle(shared: &Shared, request: axum::extract::Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    if let Some(refused) = apigw::refuse_connect(shared, &parts.uri, &parts.headers) {
        return refused;
    }
    match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade.on_upgrade(echo),
        Err(rejection) => rejection.into_response(),
    }
}

/// Sends every text and binary message back, until the client closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if socket.send(message).await.is_err() {
                    break;
                }
            }
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}
