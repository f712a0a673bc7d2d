//! The session's promise where it broke (issue 23): one test per defect, each named after the
//! behaviour a user depends on, each seen failing before its fix.
//!
//! 1. A failed save of a rotated refresh token never signs the user out later.
//! 2. Store I/O and lock waits never stall an async worker.
//! 3. A refresh that panics, is cancelled with its runtime, or hangs is a failed attempt: the
//!    valid value is served, a backoff starts, the single flight is released.
//! 4. A request's trial clock offset never outlives the request.
//! 5. Backoff survives clock steps and is jittered; an identity pool's "token expired" refreshes
//!    the tokens once and teaches the skew.
//! 6. A dead background refresher is noticed; the foreground margin stays above what skew
//!    learning can detect.
//! 7. The loser of a rotation race waits for the winner's save, however slow.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{FederatedCredentials, Session, SessionBuilder, token_fn};
use cognito_sigv4::identity_pool::LoginProvider;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{Clock, ManualClock};
use cognito_sigv4_emulator::Seed;
use support::faulty_store::{FaultyStore, Ticker};
use support::{DeviceClock, TestEmulator, signed_in};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The reference scenario with 5-minute tokens and 15-minute credentials; `rotation` turns on
/// refresh-token rotation (grace period 0) for its app clients.
fn seed(rotation: bool) -> Seed {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(900);
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = 300;
            client.access_token_validity_secs = 300;
            client.refresh_token_rotation = rotation;
        }
    }
    seed
}

async fn emulator(rotation: bool) -> TestEmulator {
    TestEmulator::with_seed(seed(rotation)).await
}

fn builder(emu: &TestEmulator, device: impl Clock + 'static) -> SessionBuilder {
    Session::builder(emu.config()).clock(device)
}

fn file_store(dir: &tempfile::TempDir) -> FileStore {
    FileStore::new(dir.path().join("session.json"))
}

/// A current-thread runtime of its own, for tests that shut one down or measure its stalls.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An emulator served from a runtime on its own threads, so that the runtimes under test can
/// stall or end without taking the server with them.
struct Served {
    runtime: tokio::runtime::Runtime,
    emu: Option<TestEmulator>,
}

impl Served {
    fn start(rotation: bool) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let emu = runtime.block_on(emulator(rotation));
        Self {
            runtime,
            emu: Some(emu),
        }
    }

    fn emu(&self) -> &TestEmulator {
        self.emu.as_ref().expect("running")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(emu) = self.emu.take() {
            self.runtime.block_on(emu.shutdown());
        }
    }
}

// ---- 1. A failed save ---------------------------------------------------------------------

#[tokio::test]
async fn a_failed_save_of_a_rotated_token_never_signs_the_user_out() {
    let emu = emulator(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = file_store(&dir);
    let store = FaultyStore::new(file.clone());
    let session = signed_in(
        builder(&emu, emu.clock.clone())
            .store(store.clone())
            .refresh_token_rotation(true),
        "jdoe",
    )
    .await;
    // The first rotation's save fails (a full disk): the store keeps the retired token.
    emu.clock.advance(secs(301));
    store.fail_saves(1);
    session.tokens().await.expect("refreshed although not saved");
    // The next refresh must use the token in hand, not the stale one in the store.
    emu.clock.advance(secs(301));
    session
        .tokens()
        .await
        .expect("the rotated token refreshes: the stale stored one is not replayed");
    assert!(!session.has_ended());
    assert_eq!(
        emu.calls("GetTokensFromRefreshToken"),
        2,
        "no refused replay of a retired token"
    );
    // The store caught up: another process resuming from it gets a live session.
    emu.clock.advance(secs(301));
    let other = builder(&emu, emu.clock.clone())
        .store(file)
        .refresh_token_rotation(true)
        .resume()
        .expect("a stored session");
    other.tokens().await.expect("the stored token is live");
}

// ---- 2. Store I/O off the workers ---------------------------------------------------------

#[test]
fn a_held_store_lock_never_stalls_a_current_thread_runtime() {
    let served = Served::start(false);
    let emu = served.emu();
    let dir = tempfile::tempdir().expect("dir");
    let store = file_store(&dir);
    let rt = runtime();
    let session = rt.block_on(signed_in(
        builder(emu, emu.clock.clone()).store(store.clone()),
        "jdoe",
    ));
    emu.clock.advance(secs(301));
    // Another process holds the store's lock for a while.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(store.lock_path())
        .expect("lock file");
    lock.lock().expect("held");
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1_500));
        drop(lock);
    });
    let lag = rt.block_on(async {
        let ticker = Ticker::start();
        // The refresh reads and writes the locked store.
        session.tokens().await.expect("refreshed once the lock is free");
        ticker.max_lag()
    });
    holder.join().expect("holder");
    assert!(
        lag <= Duration::from_millis(50),
        "a 10 ms ticker on the caller's runtime ran {lag:?} late"
    );
}

// ---- 3. Panics, runtime shutdown, hangs -----------------------------------------------------

#[tokio::test]
async fn a_panicking_store_during_refresh_serves_the_valid_value_and_backs_off() {
    let emu = emulator(false).await;
    let store = FaultyStore::new(Arc::new(cognito_sigv4::store::MemoryStore::new()));
    let session = signed_in(
        builder(&emu, emu.clock.clone())
            .store(store.clone())
            .refresh_margin(secs(60)),
        "jdoe",
    )
    .await;
    let first = session.tokens().await.expect("tokens");
    // Due (margin 60 s, at most 90 s with jitter) but valid for 30 s more.
    emu.clock.advance(secs(270));
    store.panic_loads(u32::MAX);
    let served = session
        .tokens()
        .await
        .expect("the still-valid tokens are served");
    assert_eq!(served.expires_at, first.expires_at);
    let loads = store.loads();
    // Within the backoff nobody starts another attempt.
    for _ in 0..10 {
        session.tokens().await.expect("still valid");
    }
    assert_eq!(store.loads(), loads, "the failed attempt is backed off");
    // After the backoff, and with the store mended, the refresh goes through.
    store.panic_loads(0);
    emu.clock.advance(secs(2));
    let mut refreshed = false;
    for _ in 0..100 {
        if session.tokens().await.expect("tokens").expires_at > first.expires_at {
            refreshed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refreshed, "refreshed after the backoff");
    assert!(!session.has_ended());
}

#[test]
fn a_refresh_outlives_the_runtime_that_started_it() {
    let served = Served::start(true);
    let emu = served.emu();
    // Cognito rotates at once, but its answer reaches the device 300 ms later.
    let proxy = served
        .runtime
        .block_on(DelayingProxy::start(emu, "GetTokensFromRefreshToken"));
    let config = emu
        .config()
        .to_builder()
        .endpoint(
            cognito_sigv4::config::Service::CognitoIdp,
            format!("http://{}/", proxy.addr).parse().expect("url"),
        )
        .build()
        .expect("config");
    let build = || {
        Session::builder(config.clone())
            .clock(emu.clock.clone())
            .refresh_token_rotation(true)
    };
    // A short-lived runtime (a sync wrapper's `block_on`, a CLI command) starts a refresh and
    // ends while Cognito's answer is on its way.
    let first = runtime();
    let session = first.block_on(signed_in(build(), "jdoe"));
    emu.clock.advance(secs(301));
    first.block_on(async {
        let gave_up = tokio::time::timeout(Duration::from_millis(50), session.tokens()).await;
        assert!(gave_up.is_err(), "the caller left before the answer");
    });
    drop(first);
    std::thread::sleep(Duration::from_millis(600));
    // The next runtime finds the rotated token, not a replay of the retired one.
    let second = runtime();
    second.block_on(async {
        session.tokens().await.expect("the refresh finished");
        assert!(!session.has_ended());
        assert_eq!(emu.calls("GetTokensFromRefreshToken"), 1);
    });
}

#[tokio::test]
async fn a_hung_login_source_does_not_hold_the_single_flight() {
    let emu = emulator(false).await;
    let google = emu
        .mint_oidc_token(
            "https://accounts.google.com",
            "google-user-0001",
            "quickstart.apps.googleusercontent.com",
            secs(3_600),
            serde_json::json!({}),
        )
        .expect("google token");
    let calls = Arc::new(AtomicUsize::new(0));
    let source = {
        let calls = calls.clone();
        token_fn(move || {
            let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
            let token = google.clone();
            async move {
                if first {
                    // A user's token source that never answers.
                    std::future::pending::<()>().await;
                }
                Ok(token)
            }
        })
    };
    let creds =
        FederatedCredentials::builder(emu.identity_pool_config("quickstart").expect("config"))
            .clock(emu.clock.clone())
            .login(LoginProvider::Google, source)
            .build()
            .expect("provider");
    let hung = tokio::time::timeout(secs(10), creds.credentials()).await;
    let e = hung
        .expect("the caller gets an answer within the refresh timeout")
        .expect_err("no credentials from a hung source");
    assert!(e.is_retryable(), "{e}");
    // The flight was released: after the backoff a new attempt asks the source again.
    emu.clock.advance(secs(2));
    let creds = tokio::time::timeout(secs(10), creds.credentials())
        .await
        .expect("not stuck behind the hung attempt")
        .expect("credentials");
    assert!(creds.session_token().is_some());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// ---- 4. The trial clock offset --------------------------------------------------------------

#[tokio::test]
async fn a_trial_clock_offset_never_outlives_its_request() {
    for then in [Then::ServerError, Then::CallerLeaves] {
        let emu = emulator(false).await;
        let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
        // A `Signature expired` whose `Date` is two minutes ahead (the credentials still valid
        // in that time); the retry meets a 503, or a caller that gives up.
        let liar = LyingProxy::start(&emu, 120, then).await;
        let mut base = emu.api_url("reference", "prod").expect("api url");
        base.set_port(Some(liar.addr.port())).expect("port");
        let api = ApiClient::builder(base.as_str())
            .region(emu.region())
            .session(&session)
            .build()
            .expect("api client");
        let _ = tokio::time::timeout(
            Duration::from_millis(300),
            api.request(http::Method::GET, "/cip").send(),
        )
        .await;
        assert_eq!(
            session.clock_skew().offset_secs(),
            0,
            "{then:?}: the unconfirmed offset was not kept"
        );
        let resp = api
            .request(http::Method::GET, "/cip")
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 200, "{then:?}: {}", resp.text());
    }
}

#[tokio::test]
async fn a_lying_date_is_rolled_back_and_the_request_still_succeeds() {
    let emu = emulator(false).await;
    let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
    let liar = LyingProxy::start(&emu, 7_200, Then::Pass).await;
    let mut base = emu.api_url("reference", "prod").expect("api url");
    base.set_port(Some(liar.addr.port())).expect("port");
    let api = ApiClient::builder(base.as_str())
        .region(emu.region())
        .session(&session)
        .build()
        .expect("api client");
    let resp = api
        .request(http::Method::GET, "/cip")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200, "{}", resp.text());
    assert_eq!(session.clock_skew().offset_secs(), 0, "the lie is not kept");
}

// ---- 5. Backoff and the identity pool's "token expired" --------------------------------------

#[tokio::test]
async fn an_expired_login_refusal_at_the_identity_pool_refreshes_the_tokens_once() {
    let emu = emulator(false).await;
    let device = DeviceClock::new(&emu.clock, 0);
    let session = signed_in(
        builder(&emu, device.clone()).refresh_margin(secs(5)),
        "jdoe",
    )
    .await;
    // The device clock falls 100 s behind, unnoticed: nothing has been refreshed since.
    device.set_offset(-100);
    emu.clock.advance(secs(320));
    // By the device the ID token has 80 s left; by the service it expired 20 s ago.
    let creds = session
        .credentials()
        .await
        .expect("credentials after one refresh");
    assert!(creds.expiry().expect("expiry") > emu.clock.now());
    assert_eq!(session.clock_skew().offset_secs(), 100, "the skew is learned");
    assert_eq!(emu.calls("InitiateAuth"), 2, "sign-in and one refresh");
}

// ---- 6. The background refresher ------------------------------------------------------------

#[test]
fn a_dead_background_refresher_never_lets_expired_credentials_out() {
    let served = Served::start(false);
    let emu = served.emu();
    // 20 s behind: too little for skew learning (30 s), enough to matter at expiry.
    let device = DeviceClock::new(&emu.clock, -20);
    let first = runtime();
    let session = first.block_on(signed_in(
        builder(emu, device)
            .background_refresh(true)
            .background_poll(Duration::from_millis(5)),
        "jdoe",
    ));
    let creds = first.block_on(session.credentials()).expect("credentials");
    // The runtime the background task was started on ends.
    drop(first);
    let second = runtime();
    // 5 s after the credentials expired by the service: 15 s left by the device.
    let expiry = creds.expiry().expect("expiry");
    let late = expiry + secs(5);
    emu.clock.set(late);
    second.block_on(async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = session.credentials().await.expect("credentials");
        assert!(
            now.expiry().expect("expiry") > emu.clock.now(),
            "credentials the service considers expired were handed out"
        );
    });
}

// ---- 7. The loser of a rotation race ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loser_of_a_rotation_race_waits_for_the_winners_slow_save() {
    let emu = emulator(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = file_store(&dir);
    let winner_store = FaultyStore::new(file.clone());
    let winner = signed_in(
        builder(&emu, emu.clock.clone())
            .store(winner_store.clone())
            .refresh_token_rotation(true),
        "jdoe",
    )
    .await;
    let loser = builder(&emu, emu.clock.clone())
        .store(file.clone())
        .refresh_token_rotation(true)
        .resume()
        .expect("a second process");
    emu.clock.advance(secs(301));
    // The winner's disk is slow: its save lands 2 s after Cognito rotated the token.
    winner_store.delay_saves(secs(2));
    let w = tokio::spawn({
        let winner = winner.clone();
        async move { winner.tokens().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let l = loser.tokens().await;
    w.await.expect("joined").expect("the winner refreshed");
    l.expect("the loser adopted the winner's token");
    assert!(!winner.has_ended() && !loser.has_ended());
}

// ---- Stand-in servers -------------------------------------------------------------------------

/// What a [`LyingProxy`] does after its one lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Passes every later request on.
    Pass,
    /// Answers the next request with a 503.
    ServerError,
    /// Holds the next answer back for a second (the caller gives up first).
    CallerLeaves,
}

struct LyingProxy {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct LyingState {
    upstream: String,
    now: ManualClock,
    lie_secs: u64,
    seen: Arc<AtomicUsize>,
    then: Then,
    http: reqwest::Client,
}

fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
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

async fn lie(State(st): State<LyingState>, req: Request) -> Response {
    match st.seen.fetch_add(1, Ordering::SeqCst) {
        0 => {
            let lie = st.now.now() + secs(st.lie_secs);
            let body = r#"{"message":"Signature expired: 20200101T000000Z is now earlier than 20200101T000000Z (20200101T000500Z - 5 min.)"}"#;
            (
                StatusCode::FORBIDDEN,
                [
                    ("date", http_date(lie)),
                    ("x-amzn-errortype", "InvalidSignatureException".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        1 if st.then == Then::ServerError => {
            (StatusCode::SERVICE_UNAVAILABLE, "{}").into_response()
        }
        1 if st.then == Then::CallerLeaves => {
            tokio::time::sleep(secs(1)).await;
            forward(&st.upstream, &st.http, req).await
        }
        _ => forward(&st.upstream, &st.http, req).await,
    }
}

impl LyingProxy {
    /// A proxy whose first answer is a time refusal dated `lie_secs` ahead.
    async fn start(emu: &TestEmulator, lie_secs: u64, then: Then) -> Self {
        let state = LyingState {
            upstream: format!("http://{}", emu.addr()),
            now: emu.clock.clone(),
            lie_secs,
            seen: Arc::new(AtomicUsize::new(0)),
            then,
            http: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(lie).with_state(state);
        let (addr, task) = serve(app).await;
        Self { addr, task }
    }
}

impl Drop for LyingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Passes everything on, holding back by 300 ms the answers to one Cognito operation after
/// the service has acted on them.
struct DelayingProxy {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct DelayState {
    upstream: String,
    target: &'static str,
    http: reqwest::Client,
}

async fn delay(State(st): State<DelayState>, req: Request) -> Response {
    let delayed = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.ends_with(st.target));
    let response = forward(&st.upstream, &st.http, req).await;
    if delayed {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    response
}

impl DelayingProxy {
    async fn start(emu: &TestEmulator, target: &'static str) -> Self {
        let state = DelayState {
            upstream: format!("http://{}", emu.addr()),
            target,
            http: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(delay).with_state(state);
        let (addr, task) = serve(app).await;
        Self { addr, task }
    }
}

impl Drop for DelayingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(app: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}
