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
//!    learning can detect, and a value that close to expiry is not served while a refresh is
//!    in flight (found by a flake of the test that had a background refresh in flight by
//!    chance); a clock beyond skew learning is backed off, not hammered.
//! 7. The loser of a rotation race waits for the winner's save, however slow.
//! 8. Credentials about to expire are not signed with while new ones cannot be had (found by
//!    the soak: at its 100x time, a request signed in its credentials' last second arrived
//!    after them).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{FederatedCredentials, Session, SessionBuilder, token_fn};
use cognito_sigv4::identity_pool::LoginProvider;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{Clock, ManualClock};
use cognito_sigv4_emulator::Seed;
use support::faulty_store::{FaultyStore, Ticker};
use support::proxy::{After, Proxy};
use support::{DeviceClock, TestEmulator, short_lived_seed, signed_in};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The reference scenario with 5-minute tokens and 15-minute credentials; `rotation` turns on
/// refresh-token rotation (grace period 0) for its app clients.
fn seed(rotation: bool) -> Seed {
    let mut seed = short_lived_seed();
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.refresh_token_rotation = rotation;
        }
    }
    seed
}

async fn emulator(rotation: bool) -> TestEmulator {
    TestEmulator::with_seed(seed(rotation)).await
}

/// A Google ID token the reference identity pool accepts, valid for `valid_secs`.
fn google_token(emu: &TestEmulator, valid_secs: u64) -> cognito_sigv4::secret::Jwt {
    emu.mint_oidc_token(
        "https://accounts.google.com",
        "google-user-0001",
        "quickstart.apps.googleusercontent.com",
        secs(valid_secs),
        serde_json::json!({}),
    )
    .expect("google token")
}

/// A Google identity whose token comes from `source`, on the emulator's clock.
fn google_identity(
    emu: &TestEmulator,
    source: impl cognito_sigv4::TokenSource + 'static,
) -> cognito_sigv4::credentials::FederatedCredentialsBuilder {
    FederatedCredentials::builder(emu.identity_pool_config("quickstart").expect("config"))
        .clock(emu.clock.clone())
        .login(LoginProvider::Google, source)
}

fn builder(emu: &TestEmulator, device: impl Clock + 'static) -> SessionBuilder {
    Session::builder(emu.config()).clock(device)
}

/// A session builder with the background refresher on, polling every 5 ms.
fn with_background(emu: &TestEmulator, device: impl Clock + 'static) -> SessionBuilder {
    builder(emu, device)
        .background_refresh(true)
        .background_poll(Duration::from_millis(5))
}

/// A session builder on `dir`'s file store, with refresh-token rotation on.
fn on_rotating_store(emu: &TestEmulator, dir: &tempfile::TempDir) -> SessionBuilder {
    builder(emu, emu.clock.clone())
        .store(file_store(dir))
        .refresh_token_rotation(true)
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
    assert!(!session.has_unsaved_changes(), "saved at sign-in");
    // The first rotation's save fails (a full disk): the store keeps the retired token.
    emu.clock.advance(secs(301));
    store.fail_saves(1);
    session
        .tokens()
        .await
        .expect("refreshed although not saved");
    assert!(
        session.has_unsaved_changes(),
        "the session says what it holds unsaved"
    );
    // The next refresh must use the token in hand, not the stale one in the store.
    emu.clock.advance(secs(301));
    session
        .tokens()
        .await
        .expect("the rotated token refreshes: the stale stored one is not replayed");
    assert!(!session.has_ended());
    assert!(!session.has_unsaved_changes(), "the next save caught up");
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
        .await
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
        session
            .tokens()
            .await
            .expect("refreshed once the lock is free");
        ticker.max_stall()
    });
    holder.join().expect("holder");
    assert!(
        lag <= Duration::from_millis(50),
        "a 10 ms ticker on the caller's runtime ran {lag:?} late"
    );
}

// ---- 3. Panics, runtime shutdown, hangs -----------------------------------------------------

/// The measure the test above relies on: a worker blocked in a sleep counts in full, however
/// busy the machine.
#[test]
fn the_ticker_sees_a_blocked_worker_as_a_stall() {
    let stall = runtime().block_on(async {
        let ticker = Ticker::start();
        tokio::time::sleep(Duration::from_millis(30)).await;
        std::thread::sleep(Duration::from_millis(200));
        tokio::time::sleep(Duration::from_millis(30)).await;
        ticker.max_stall()
    });
    assert!(stall >= Duration::from_millis(150), "{stall:?}");
}

#[tokio::test]
async fn a_panicking_store_never_fails_a_refresh() {
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
    // Due (margin 60 s, at most 90 s with jitter) but valid for 30 s more; every store read
    // panics (a bug in the app's store).
    emu.clock.advance(secs(270));
    store.panic_loads(u32::MAX);
    let refreshed = session
        .tokens()
        .await
        .expect("refreshed with the token in hand");
    assert!(refreshed.expires_at > first.expires_at);
    assert!(store.loads() > 0, "the store was asked");
    assert!(!session.has_ended());
}

#[tokio::test]
async fn a_panicking_login_source_serves_the_valid_credentials_and_backs_off() {
    let emu = emulator(false).await;
    let google = google_token(&emu, 7_200);
    let calls = Arc::new(AtomicUsize::new(0));
    let source = {
        let calls = calls.clone();
        token_fn(move || {
            // The second call panics: a bug in the app's token source.
            let n = calls.fetch_add(1, Ordering::SeqCst);
            assert_ne!(n, 1, "injected: a bug in the token source");
            let token = google.clone();
            async move { Ok(token) }
        })
    };
    let creds = google_identity(&emu, source)
        .refresh_margin(secs(60))
        .build()
        .expect("provider");
    let first = creds.credentials().await.expect("credentials");
    // Due but valid for 30 s more: the refresh panics.
    emu.clock.advance(secs(870));
    let served = creds
        .credentials()
        .await
        .expect("the still-valid credentials are served");
    assert_eq!(served.access_key_id(), first.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Within the backoff nobody asks the source again.
    for _ in 0..10 {
        creds.credentials().await.expect("still valid");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the failure is backed off");
    // After the backoff the source is asked again, and works.
    emu.clock.advance(secs(2));
    let renewed = creds.credentials().await.expect("renewed");
    assert_ne!(renewed.access_key_id(), first.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_refresh_outlives_the_runtime_that_started_it() {
    let served = Served::start(true);
    let emu = served.emu();
    // Cognito rotates at once, but its answer reaches the device 300 ms later.
    let proxy = served
        .runtime
        .block_on(Proxy::delaying(emu, "GetTokensFromRefreshToken"));
    let config = proxy.idp_config(emu);
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
    let google = google_token(&emu, 3_600);
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
    let creds = google_identity(&emu, source).build().expect("provider");
    let hung = tokio::time::timeout(secs(10), creds.credentials()).await;
    let e = hung
        .expect("the caller gets an answer within the refresh timeout")
        .expect_err("no credentials from a hung source");
    assert!(e.is_retryable(), "{e}");
    // The attempt's own timeout (the same 5 s, started a moment before the caller's wait)
    // releases the flight; after its backoff a new attempt asks the source again.
    tokio::time::sleep(Duration::from_millis(500)).await;
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
    for then in [After::ServerError, After::Hold] {
        let emu = emulator(false).await;
        let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
        // A `Signature expired` whose `Date` is two minutes ahead (the credentials still valid
        // in that time); the retry meets a 503, or a caller that gives up.
        let liar = Proxy::lying(&emu, 120, then).await;
        let api = liar.api_client(&emu, &session);
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
    let liar = Proxy::lying(&emu, 7_200, After::Pass).await;
    let api = liar.api_client(&emu, &session);
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
    assert_eq!(
        session.clock_skew().offset_secs(),
        100,
        "the skew is learned"
    );
    assert_eq!(emu.calls("InitiateAuth"), 2, "sign-in and one refresh");
}

/// Only the identity pool's "Token expired" renews the logins: an exchange refused for any
/// other reason (here the service failing) costs no token refresh.
#[tokio::test]
async fn an_exchange_that_fails_otherwise_does_not_refresh_the_tokens() {
    use cognito_sigv4_emulator::Fault;
    let emu = emulator(false).await;
    let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
    let before = emu.calls("InitiateAuth");
    emu.inject_fault("GetCredentialsForIdentity", Fault::ServerError, 10);
    session
        .credentials()
        .await
        .expect_err("the identity pool is failing");
    assert_eq!(
        emu.calls("InitiateAuth"),
        before,
        "a failed exchange is not a reason to refresh the tokens"
    );
}

// ---- 6. The background refresher ------------------------------------------------------------

/// The background task is renewing credentials (its exchange is slow) when a caller asks:
/// the credentials held look valid by the device (20 s behind, too little for skew learning)
/// but the service considers them expired. The caller waits for the renewal instead of taking
/// them.
#[tokio::test]
async fn a_caller_never_gets_credentials_the_service_considers_expired_while_a_refresh_runs() {
    use cognito_sigv4_emulator::Fault;
    let emu = emulator(false).await;
    let device = DeviceClock::new(&emu.clock, -20);
    let session = signed_in(with_background(&emu, device), "jdoe").await;
    let creds = session.credentials().await.expect("credentials");
    // 5 s after the credentials expired by the service: 15 s left by the device.
    emu.inject_fault(
        "GetCredentialsForIdentity",
        Fault::Latency(Duration::from_millis(500)),
        1,
    );
    emu.clock.set(creds.expiry().expect("expiry") + secs(5));
    // Bounded wait until the background task's exchange is under way.
    for _ in 0..2_000 {
        if emu.calls("InitiateAuth") == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let now = session.credentials().await.expect("credentials");
    assert!(
        now.expiry().expect("expiry") > emu.clock.now(),
        "credentials the service considers expired were handed out"
    );
}

/// A clock that panics once, when armed, on the crate's refresh thread: a user component
/// failing inside the background refresher itself.
#[derive(Debug, Clone)]
struct PanickyClock {
    inner: ManualClock,
    armed: Arc<std::sync::atomic::AtomicBool>,
}

impl Clock for PanickyClock {
    fn now(&self) -> SystemTime {
        let on_refresh_thread = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("cognito-sigv4-refresh"));
        if on_refresh_thread && self.armed.swap(false, Ordering::SeqCst) {
            panic!("injected: a bug in the clock");
        }
        self.inner.now()
    }

    fn monotonic(&self) -> Duration {
        self.inner.monotonic()
    }
}

#[tokio::test]
async fn a_background_refresher_that_dies_is_restarted_and_meanwhile_the_full_margin_applies() {
    let emu = emulator(false).await;
    let clock = PanickyClock {
        inner: emu.clock.clone(),
        armed: Arc::default(),
    };
    let session = signed_in(with_background(&emu, clock.clone()), "jdoe").await;
    let first = session.credentials().await.expect("credentials");
    assert!(session.background_refresh_running());
    clock.armed.store(true, Ordering::SeqCst);
    let mut died = false;
    for _ in 0..500 {
        if !session.background_refresh_running() {
            died = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(died, "the injected panic stopped the background task");
    // 100 s before the credentials expire: no background task refreshed them, and a caller
    // with the 60 s background margin would take them as they are.
    emu.clock.set(first.expiry().expect("expiry") - secs(100));
    let renewed = session.credentials().await.expect("credentials");
    assert_ne!(
        renewed.access_key_id(),
        first.access_key_id(),
        "the full margin applied while the task was down"
    );
    assert!(session.background_refresh_running(), "restarted");
}

/// A device clock stepped more than a week ahead, beyond what skew learning corrects: every
/// token arrives already expired by the device's reading, so every background round fails.
/// The task must wait the doubling backoff between rounds, not call Cognito at every poll for
/// as long as the clock stays wrong, and must keep trying.
#[tokio::test]
async fn a_clock_beyond_skew_learning_makes_the_background_task_back_off_not_hammer() {
    let emu = emulator(false).await;
    let device = DeviceClock::new(&emu.clock, 0);
    let session = signed_in(with_background(&emu, device.clone()), "jdoe").await;
    session.credentials().await.expect("credentials");
    let before = emu.calls("InitiateAuth");
    device.set_offset(8 * 24 * 3600);
    // Two minutes of the service's time, in one-second steps the task has time to see.
    for _ in 0..120 {
        emu.clock.advance(secs(1));
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let refreshes = emu.calls("InitiateAuth") - before;
    // Waits drawn up to 1, 2, 4, ... 60 s: about 9 refreshes in 120 s (16 at most in 20,000
    // simulated runs); a backoff that does not grow would refresh at every step, 120 times.
    assert!(
        (2..=30).contains(&refreshes),
        "{refreshes} refreshes in 120 s of tokens arriving expired"
    );
    assert!(
        !session.has_ended(),
        "a wrong clock does not end the session"
    );
    assert!(session.background_refresh_running(), "still running");
}

#[tokio::test]
async fn a_failed_background_refresh_is_retried_by_the_background_task_itself() {
    use cognito_sigv4_emulator::{CallFilter, Fault};
    let emu = emulator(false).await;
    let session = signed_in(with_background(&emu, emu.clock.clone()), "jdoe").await;
    let first = session.credentials().await.expect("credentials");
    let exchanges =
        || emu.call_log_matching(&CallFilter::new().operation("GetCredentialsForIdentity"));
    let before = exchanges().len();
    // The laptop wakes after the credentials expired, and the identity pool fails a few times:
    // the background refresh fails with nothing valid to serve. Nobody calls the session.
    emu.inject_fault("GetCredentialsForIdentity", Fault::ServerError, 4);
    emu.clock.set(first.expiry().expect("expiry") + secs(10));
    let mut renewed = false;
    for _ in 0..2_000 {
        let log = exchanges();
        let after = &log[before..];
        if after.iter().any(|r| r.refused()) && after.last().is_some_and(|r| r.status == 200) {
            renewed = true;
            break;
        }
        // Time passes for the backoffs (the manual clock's monotonic reading moves with it).
        emu.clock.advance(Duration::from_millis(200));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        renewed,
        "the background task retried after its failure: {:?}",
        exchanges()[before..]
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    );
    assert!(session.background_refresh_running(), "still running");
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
        .await
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

// ---- One store, one refresh per generation -----------------------------------------------------

/// Three processes' sessions (each its own `FileStore` of one file) fall due together: one
/// refreshes, the others take its tokens from the store — one rotation, no race lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_sharing_a_store_refresh_once_per_generation_between_them() {
    let emu = emulator(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let first = signed_in(on_rotating_store(&emu, &dir), "jdoe").await;
    let mut sessions = vec![first];
    for _ in 0..2 {
        let other = on_rotating_store(&emu, &dir)
            .resume()
            .await
            .expect("another process");
        sessions.push(other);
    }
    emu.clock.advance(secs(301));
    emu.reset_calls();
    let refreshed: Vec<_> = sessions
        .iter()
        .map(|s| {
            let s = s.clone();
            tokio::spawn(async move { s.tokens().await })
        })
        .collect();
    let mut expiries = Vec::new();
    for task in refreshed {
        let tokens = task.await.expect("joined").expect("fresh tokens");
        expiries.push(tokens.expires_at);
    }
    assert_eq!(
        emu.calls("GetTokensFromRefreshToken"),
        1,
        "one refresh for all"
    );
    assert!(expiries.windows(2).all(|w| w[0] == w[1]), "the same tokens");
    assert_eq!(
        emu.refusals()
            .of(cognito_sigv4_emulator::RefusalReason::RefreshTokenReuse),
        0,
        "no race lost"
    );
    // And the next generation the same way, whoever falls due first.
    emu.clock.advance(secs(301));
    for s in sessions.iter().rev() {
        s.tokens().await.expect("fresh tokens");
    }
    assert_eq!(emu.calls("GetTokensFromRefreshToken"), 2);
}

// ---- 8. Nearly expired credentials -------------------------------------------------------------

#[tokio::test]
async fn credentials_about_to_expire_are_not_sent_while_new_ones_cannot_be_had() {
    let emu = emulator(false).await;
    let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
    let api = ApiClient::builder(emu.api_url("reference", "prod").expect("url").as_str())
        .region(emu.region())
        .session(&session)
        .build()
        .expect("api client");
    let creds = session.credentials().await.expect("credentials");
    // The identity pool is down; the credentials have 8 s left: a transit or a clock error of
    // that much and the server refuses them as expired.
    emu.inject_fault_rate(
        "GetCredentialsForIdentity",
        cognito_sigv4_emulator::Fault::ServerError,
        1.0,
    );
    emu.clock
        .set(creds.expiry().expect("expiry") - Duration::from_secs(8));
    let sent_before = emu.calls("execute-api");
    let err = api
        .request(http::Method::GET, "/cip")
        .send()
        .await
        .expect_err("the outage is the answer, not a refusal at the server");
    assert!(err.is_retryable(), "{err}");
    assert_eq!(
        emu.calls("execute-api"),
        sent_before,
        "nearly expired credentials were sent"
    );
}

/// A stale process writes back an older generation (a token already rotated away) after this
/// session refreshed: the session tries the stored token, is refused, and falls back to its
/// own instead of ending.
#[tokio::test]
async fn a_retired_token_written_back_by_a_stale_process_does_not_end_the_session() {
    use cognito_sigv4::store::SessionStore as _;
    let emu = emulator(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let session = signed_in(on_rotating_store(&emu, &dir), "jdoe").await;
    let stale = file_store(&dir).load().expect("load").expect("stored");
    emu.clock.advance(secs(301));
    session.tokens().await.expect("rotated");
    file_store(&dir)
        .save(&stale)
        .expect("the stale process's write");
    emu.clock.advance(secs(301));
    session
        .tokens()
        .await
        .expect("refreshed with its own token after the stored one was refused");
    assert!(!session.has_ended());
}

/// Another user signed in since on the same store (the same pool and app client): a session
/// never takes that user's token, and refreshes as its own user.
#[tokio::test]
async fn a_session_never_adopts_another_users_stored_session() {
    let emu = emulator(false).await;
    let dir = tempfile::tempdir().expect("dir");
    let on_store = || builder(&emu, emu.clock.clone()).store(file_store(&dir));
    let jdoe = signed_in(on_store(), "jdoe").await;
    let _alice = signed_in(on_store(), "alice").await;
    // jdoe's 5-minute tokens are due.
    emu.clock.advance(secs(290));
    let tokens = jdoe.tokens().await.expect("refreshed");
    assert_eq!(tokens.username, "jdoe", "still jdoe's tokens");
    assert_eq!(jdoe.username().as_deref(), Some("jdoe"));
    // Nor does it write over the other user's sign-in.
    use cognito_sigv4::store::SessionStore as _;
    let stored = file_store(&dir).load().expect("load").expect("a session");
    assert_eq!(stored.username, "alice", "alice's sign-in is kept");
}

/// A session whose store holds a token another process rotated to, with tokens too near their
/// end to take, refreshes with that token rather than its own retired one: no refused replay
/// (found by mutation testing: never looking at the stored grant cost one refusal that the
/// rotation-race fallback then mended).
#[tokio::test]
async fn a_session_refreshes_with_the_token_another_process_rotated_to() {
    use cognito_sigv4_emulator::CallFilter;
    let emu = emulator(true).await;
    let dir = tempfile::tempdir().expect("dir");
    let first = signed_in(
        on_rotating_store(&emu, &dir).refresh_margin(secs(60)),
        "jdoe",
    )
    .await;
    let second = on_rotating_store(&emu, &dir)
        .refresh_margin(secs(60))
        .resume()
        .await
        .expect("a stored session");
    second.tokens().await.expect("the stored tokens");
    // The first rotates (and saves the new token and tokens).
    emu.clock.advance(secs(250));
    first.tokens().await.expect("rotated");
    // Later the second refreshes: the stored tokens are due by then, so it must refresh, with
    // the stored (rotated) token.
    emu.clock.advance(secs(250));
    second.tokens().await.expect("refreshed");
    let refused = emu
        .call_log_matching(&CallFilter::new().operation("GetTokensFromRefreshToken"))
        .iter()
        .filter(|r| r.refused())
        .count();
    assert_eq!(refused, 0, "no retired token was replayed");
    assert!(!first.has_ended() && !second.has_ended());
}
