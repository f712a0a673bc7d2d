//! A proxy in front of the emulator that misbehaves on cue, as a broken middlebox or a slow
//! network does: a time refusal dated by a lying clock, a 503, a held-back answer, or an answer
//! delayed after the service has already acted on the request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::config::Service;
use cognito_sigv4::{Clock, CognitoConfig, ManualClock};

use super::TestEmulator;

/// What the proxy does; see the constructors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Passes every later request on.
    Pass,
    /// Answers the request after the lie with a 503.
    ServerError,
    /// Holds the answer to the request after the lie back for a second.
    Hold,
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    now: ManualClock,
    /// The first `lies` requests get a `Signature expired` dated `lie_secs` from the emulator's
    /// time.
    lie_secs: i64,
    lies: usize,
    after: After,
    seen: Arc<AtomicUsize>,
    /// Answers to requests whose `X-Amz-Target` ends with this are held back 300 ms after the
    /// upstream has answered: the service acted, the client does not know yet.
    delay_target: Option<&'static str>,
    http: reqwest::Client,
}

/// A running proxy; stopped when dropped.
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy whose first answer is a `Signature expired` refusal whose `Date` lies by
    /// `lie_secs`; what follows is `after`.
    pub async fn lying(emu: &TestEmulator, lie_secs: i64, after: After) -> Self {
        Self::start(emu, lie_secs, 1, after, None).await
    }

    /// A proxy that tells no lie and holds back, by 300 ms, the answers to the Cognito
    /// operation `target` after the emulator has acted on them.
    pub async fn delaying(emu: &TestEmulator, target: &'static str) -> Self {
        Self::start(emu, 0, 0, After::Pass, Some(target)).await
    }

    async fn start(
        emu: &TestEmulator,
        lie_secs: i64,
        lies: usize,
        after: After,
        delay_target: Option<&'static str>,
    ) -> Self {
        let seen = Arc::new(AtomicUsize::new(0));
        let state = ProxyState {
            upstream: format!("http://{}", emu.addr()),
            now: emu.clock.clone(),
            lie_secs,
            lies,
            after,
            seen: seen.clone(),
            delay_target,
            http: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(handle).with_state(state);
        let (addr, task) = serve(app).await;
        Self { addr, seen, task }
    }

    /// How many requests it has received.
    pub fn requests(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }

    /// `emu`'s configuration with cognito-idp reached through this proxy.
    pub fn idp_config(&self, emu: &TestEmulator) -> CognitoConfig {
        emu.config()
            .to_builder()
            .endpoint(
                Service::CognitoIdp,
                format!("http://{}/", self.addr).parse().expect("url"),
            )
            .build()
            .expect("config")
    }

    /// `emu`'s reference API stage reached through this proxy.
    pub fn api_url(&self, emu: &TestEmulator) -> url::Url {
        let mut base = emu.api_url("reference", "prod").expect("api url");
        base.set_port(Some(self.addr.port())).expect("port");
        base
    }

    /// A client of `emu`'s reference API, signing as `session`, reaching it through this proxy.
    pub fn api_client(&self, emu: &TestEmulator, session: &cognito_sigv4::Session) -> ApiClient {
        ApiClient::builder(self.api_url(emu).as_str())
            .region(emu.region())
            .session(session)
            .build()
            .expect("api client")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `app` on 127.0.0.1 (a free port) from a task of the current runtime.
pub async fn serve(app: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}

/// An HTTP date (IMF-fixdate).
pub fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

async fn handle(State(st): State<ProxyState>, req: Request) -> Response {
    let n = st.seen.fetch_add(1, Ordering::SeqCst);
    if n < st.lies {
        let t = st.now.now();
        let by = Duration::from_secs(st.lie_secs.unsigned_abs());
        let lie = if st.lie_secs >= 0 { t + by } else { t - by };
        let body = r#"{"message":"Signature expired: 20200101T000000Z is now earlier than 20200101T000000Z (20200101T000500Z - 5 min.)"}"#;
        return (
            StatusCode::FORBIDDEN,
            [
                ("date", http_date(lie)),
                ("x-amzn-errortype", "InvalidSignatureException".to_owned()),
            ],
            body,
        )
            .into_response();
    }
    if n == st.lies && st.lies > 0 {
        match st.after {
            After::ServerError => return (StatusCode::SERVICE_UNAVAILABLE, "{}").into_response(),
            After::Hold => tokio::time::sleep(Duration::from_secs(1)).await,
            After::Pass => {}
        }
    }
    let delayed = st.delay_target.is_some_and(|target| {
        req.headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.ends_with(target))
    });
    let response = forward(&st.upstream, &st.http, req).await;
    if delayed {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    response
}

async fn forward(upstream: &str, http: &reqwest::Client, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let url = format!(
        "{upstream}{}",
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut out = http.request(parts.method, url).body(body);
    // Every header as sent, `Host` included: it is signed.
    for (name, value) in &parts.headers {
        out = out.header(name, value);
    }
    match out.send().await {
        Ok(resp) => {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let mut response = (status, body).into_response();
            *response.headers_mut() = headers;
            response
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
