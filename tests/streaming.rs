//! `RequestBuilder::send_streaming` against a local axum server on 127.0.0.1 that checks SigV4
//! with the emulator's verifier: status and headers before the body, a 1 MiB body streamed,
//! the same retries as `send`, and `send`'s body limit.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, future};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cognito_sigv4::client::{ApiClient, StreamingResponse};
use cognito_sigv4::{Clock, ErrorKind, ManualClock};
use cognito_sigv4_emulator::sigv4::{Rejection, SignedRequest, verify};

const KEY_ID: &str = "ASIATESTKEY000000001";
const SECRET: &str = "test/secret+key=0123456789abcdefghij";
const GOOD_TOKEN: &str = "session-token-good";
const EXPIRED_TOKEN: &str = "session-token-expired";
const T0: u64 = 1_768_480_496; // 2026-01-15T12:34:56Z
const MIB: usize = 1 << 20;
const CHUNK: usize = 64 * 1024;

/// Byte `i` of every body: a pattern, so that a lost or reordered chunk shows.
fn byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// The server's body while it is held: chunks the test sends, ended when it drops the sender.
struct Held(tokio::sync::mpsc::Receiver<Bytes>);

impl futures_core::Stream for Held {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(Ok))
    }
}

#[derive(Clone)]
struct ServerState {
    clock: ManualClock,
    requests: Arc<AtomicUsize>,
    /// The sender of the body of `/prod/held`, once asked for.
    held: Arc<Mutex<Option<tokio::sync::mpsc::Sender<Bytes>>>>,
}

fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// SigV4 checked as API Gateway does; `/prod/big` answers 1 MiB at once, `/prod/held` sends
/// its headers and then the chunks the test hands it.
async fn handler(State(state): State<ServerState>, req: Request) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, _) = req.into_parts();
    let now = state.clock.now();
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: b"",
    };
    let secrets = |id: &str| (id == KEY_ID).then(|| SECRET.to_owned());
    let refusal = match verify(&signed, &secrets, "us-east-1", "execute-api", now) {
        Ok(v) if v.session_token.as_deref() == Some(GOOD_TOKEN) => None,
        Ok(_) => Some(Rejection::ExpiredToken),
        Err(r) => Some(r),
    };
    if let Some(r) = refusal {
        let body = serde_json::json!({ "message": r.message() }).to_string();
        let headers = [
            ("x-amzn-errortype", r.error_type().to_owned()),
            ("date", http_date(now)),
        ];
        return (StatusCode::FORBIDDEN, headers, body).into_response();
    }
    let body = match parts.uri.path() {
        "/prod/big" => Body::from((0..MIB).map(byte).collect::<Vec<u8>>()),
        _ => {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            *state.held.lock().unwrap() = Some(tx);
            Body::from_stream(Held(rx))
        }
    };
    let headers = [
        ("content-type", "application/octet-stream"),
        ("x-body-bytes", "1048576"),
    ];
    (headers, body).into_response()
}

struct Server {
    addr: SocketAddr,
    state: ServerState,
}

impl Server {
    async fn start() -> Self {
        let state = ServerState {
            clock: ManualClock::at_epoch_secs(T0),
            requests: Arc::new(AtomicUsize::new(0)),
            held: Arc::new(Mutex::new(None)),
        };
        let app = axum::Router::new()
            .fallback(handler)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    /// A client of this server as `abc123defg.execute-api.us-east-1.amazonaws.com`, whose
    /// clock is `offset_secs` off the server's.
    fn client(
        &self,
        provider: Sequence,
        offset_secs: i64,
    ) -> cognito_sigv4::client::ApiClientBuilder {
        let url = format!(
            "http://abc123defg.execute-api.us-east-1.amazonaws.com:{}/prod",
            self.addr.port()
        );
        let device =
            cognito_sigv4::time::OffsetClock::new(Arc::new(self.state.clock.clone()), offset_secs);
        ApiClient::builder(url)
            .connect_to(self.addr)
            .clock(device)
            .credentials_provider(provider)
    }

    fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

/// Hands out the given session tokens in turn (the last one repeatedly).
#[derive(Debug)]
struct Sequence {
    tokens: Vec<&'static str>,
    calls: AtomicUsize,
}

fn tokens(tokens: &[&'static str]) -> Sequence {
    Sequence {
        tokens: tokens.to_vec(),
        calls: AtomicUsize::new(0),
    }
}

impl ProvideCredentials for Sequence {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let token = self.tokens[n.min(self.tokens.len() - 1)];
        let creds = Credentials::new(KEY_ID, SECRET, Some(token.to_owned()), None, "test");
        future::ProvideCredentials::ready(Ok(creds))
    }
}

/// Reads the whole body, checking the pattern; returns (bytes, chunks).
async fn drain(response: &mut StreamingResponse) -> (usize, usize) {
    let (mut len, mut chunks) = (0, 0);
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        assert!(
            chunk.iter().enumerate().all(|(i, b)| *b == byte(len + i)),
            "the body differs at chunk {chunks}"
        );
        len += chunk.len();
        chunks += 1;
    }
    (len, chunks)
}

#[tokio::test]
async fn status_and_headers_come_before_a_1_mib_body_streamed_in_chunks() {
    let server = Server::start().await;
    let api = server.client(tokens(&[GOOD_TOKEN]), 0).build().unwrap();
    let mut response = api
        .request(http::Method::GET, "/held")
        .send_streaming()
        .await
        .expect("headers");
    // The server has not sent a byte of the body yet.
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-body-bytes"], "1048576");
    let sender = server.state.held.lock().unwrap().take().expect("held body");
    tokio::spawn(async move {
        for start in (0..MIB).step_by(CHUNK) {
            let chunk: Vec<u8> = (start..start + CHUNK).map(byte).collect();
            sender.send(Bytes::from(chunk)).await.expect("client reads");
        }
    });
    let (len, chunks) = drain(&mut response).await;
    assert_eq!(len, MIB);
    assert!(chunks >= MIB / CHUNK, "{chunks} chunks");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn the_buffered_form_keeps_its_limit_and_the_streamed_one_has_none() {
    let server = Server::start().await;
    let api = server
        .client(tokens(&[GOOD_TOKEN]), 0)
        .max_response_bytes(MIB / 2)
        .build()
        .unwrap();
    let err = api
        .request(http::Method::GET, "/big")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    let mut response = api
        .request(http::Method::GET, "/big")
        .send_streaming()
        .await
        .expect("headers");
    assert_eq!(drain(&mut response).await.0, MIB);

    // The default limit (10 MiB) lets 1 MiB through whole.
    let api = server.client(tokens(&[GOOD_TOKEN]), 0).build().unwrap();
    let whole = api.request(http::Method::GET, "/big").send().await.unwrap();
    assert_eq!(whole.body().len(), MIB);
}

#[tokio::test]
async fn a_streamed_request_is_retried_after_a_time_refusal_with_the_servers_time() {
    let server = Server::start().await;
    // Ten minutes slow: the first signature is refused as expired, with the server's Date.
    let api = server.client(tokens(&[GOOD_TOKEN]), -600).build().unwrap();
    let mut response = api
        .request(http::Method::GET, "/big")
        .send_streaming()
        .await
        .expect("headers");
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests(), 2, "one refusal, one retry");
    assert_eq!(api.clock_offset_secs(), 600);
    assert_eq!(drain(&mut response).await.0, MIB);
}

#[tokio::test]
async fn a_streamed_request_is_retried_once_with_new_credentials() {
    let server = Server::start().await;
    let api = server
        .client(tokens(&[EXPIRED_TOKEN, GOOD_TOKEN]), 0)
        .build()
        .unwrap();
    let mut response = api
        .request(http::Method::GET, "/big")
        .send_streaming()
        .await
        .expect("headers");
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests(), 2);
    assert_eq!(drain(&mut response).await.0, MIB);

    // Refused again: the refusal is the answer, read already and streamed from memory.
    let api = server.client(tokens(&[EXPIRED_TOKEN]), 0).build().unwrap();
    let mut refused = api
        .request(http::Method::GET, "/big")
        .send_streaming()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 403);
    let body = refused.chunk().await.unwrap().expect("the refusal's body");
    assert!(String::from_utf8_lossy(&body).contains("expired"));
    assert_eq!(refused.chunk().await.unwrap(), None);
}
