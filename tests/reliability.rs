//! The session's promise under skew, faults and cancellation (issue 11): one test per defect
//! that was found, each failing before its fix.
//!
//! 1. Clock skew is learned from evidence, bounded, shared by the session and its client, and a
//!    lying `Date` is rolled back.
//! 2. "Retry once after expired credentials" really fetches new credentials from a `Session`.
//! 3. A caller dropped during a rotating refresh does not lose the rotated token.
//! 4. An identity-pool refusal keeps credentials that are still valid.
//! 5. (In `src/cache.rs`'s unit tests: expired-on-arrival values and backoff after expiry.)
//! 7. HTTP hygiene: no redirects with credentials, timeouts, a response size limit.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use cognito_sigv4::client::{ApiClient, ApiClientBuilder};
use cognito_sigv4::credentials::{
    FederatedCredentials, Session, SessionBuilder, TokenKind, token_fn,
};
use cognito_sigv4::identity_pool::LoginProvider;
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::Seed;
use support::proxy::{After, Proxy, serve};
use support::{DeviceClock, TestEmulator, short_lived_seed, signed_in};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The reference scenario with 5-minute tokens and 15-minute credentials.
async fn emulator(adjust: impl FnOnce(&mut Seed)) -> TestEmulator {
    let mut seed = short_lived_seed();
    adjust(&mut seed);
    TestEmulator::with_seed(seed).await
}

fn builder(emu: &TestEmulator, device: impl Clock + 'static) -> SessionBuilder {
    Session::builder(emu.config()).clock(device)
}

/// The reference API through the emulator's path prefix, wired to `session`.
fn api(emu: &TestEmulator, session: &Session) -> ApiClient {
    let base = emu.api_url("reference", "prod").expect("api url");
    ApiClient::builder(base.as_str())
        .region(emu.region())
        .session(session)
        .build()
        .expect("api client")
}

#[tokio::test]
async fn skew_a_device_clock_off_by_an_hour_signs_in_and_calls_at_the_first_try() {
    for offset in [-3_600, 3_600, -900, 900, -25 * 3_600, 25 * 3_600] {
        let emu = emulator(|_| {}).await;
        let device = DeviceClock::new(&emu.clock, offset);
        let session = signed_in(builder(&emu, device), "jdoe").await;
        // Learned from the tokens' `iat`: the session works in the service's time.
        assert_eq!(
            session.clock_skew().offset_secs(),
            -offset,
            "offset {offset}"
        );
        let api = api(&emu, &session);
        let resp = api.request(http::Method::GET, "/cip").send().await;
        let resp = resp.expect("sent");
        assert_eq!(resp.status(), 200, "offset {offset}: {}", resp.text());
        assert_eq!(emu.calls("execute-api"), 1, "no refused first attempt");
        // And it stays right across refreshes: an hour of 5-minute tokens.
        for _ in 0..12 {
            emu.clock.advance(secs(300));
            let resp = api.request(http::Method::GET, "/cip").send().await;
            assert_eq!(resp.expect("sent").status(), 200, "offset {offset}");
        }
        assert_eq!(
            emu.calls("execute-api"),
            13,
            "offset {offset}: never refused"
        );
    }
}

#[tokio::test]
async fn skew_that_appears_mid_session_is_learned_from_one_refusal() {
    let emu = emulator(|_| {}).await;
    let device = DeviceClock::new(&emu.clock, 0);
    let session = signed_in(builder(&emu, device.clone()), "jdoe").await;
    let api = api(&emu, &session);
    assert_eq!(
        api.request(http::Method::GET, "/cip")
            .send()
            .await
            .expect("sent")
            .status(),
        200
    );
    // The device clock falls 20 minutes behind (an NTP step, a resumed laptop).
    device.set_offset(-1_200);
    emu.clock.advance(secs(60));
    let resp = api.request(http::Method::GET, "/cip").send().await;
    assert_eq!(
        resp.expect("sent").status(),
        200,
        "one retry in the server's time"
    );
    assert_eq!(session.clock_skew().offset_secs(), 1_200);
    // From now on nothing is refused, however long the session lives.
    let before = emu.calls("execute-api");
    for _ in 0..8 {
        emu.clock.advance(secs(240));
        let resp = api.request(http::Method::GET, "/cip").send().await;
        assert_eq!(resp.expect("sent").status(), 200);
    }
    assert_eq!(emu.calls("execute-api"), before + 8);
}

#[tokio::test]
async fn skew_a_lying_date_is_never_kept() {
    for lie in [7_200, -7_200, 3 * 365 * 24 * 3_600] {
        let emu = emulator(|_| {}).await;
        let session = signed_in(builder(&emu, emu.clock.clone()), "jdoe").await;
        let liar = Proxy::lying(&emu, lie, After::Pass).await;
        let api = liar.api_client(&emu, &session);
        // The first answer lies; the server's own refusal of the retry gives the right time,
        // and the request still succeeds.
        let first = api
            .request(http::Method::GET, "/cip")
            .send()
            .await
            .expect("sent");
        assert_eq!(first.status(), 200, "lie {lie}: {}", first.text());
        assert!(
            liar.requests() >= 2,
            "the lie was told, and the request retried"
        );
        assert_eq!(session.clock_skew().offset_secs(), 0, "lie {lie} not kept");
        for _ in 0..3 {
            let resp = api.request(http::Method::GET, "/cip").send().await;
            let resp = resp.expect("sent");
            assert_eq!(resp.status(), 200, "lie {lie}: {}", resp.text());
        }
    }
}

#[tokio::test]
async fn an_expired_token_refusal_makes_a_session_fetch_new_credentials() {
    let emu = emulator(|_| {}).await;
    // A tiny margin, so that the session hands out credentials to the last seconds.
    let device = DeviceClock::new(&emu.clock, 0);
    let session = signed_in(
        builder(&emu, device.clone()).refresh_margin(secs(5)),
        "jdoe",
    )
    .await;
    let api = api(&emu, &session);
    let first = session.credentials().await.expect("credentials");
    // The device clock drifts 2 minutes behind after sign-in (within SigV4's window, so
    // nothing is refused for its time), and the credentials near their end.
    device.set_offset(-120);
    let expiry = first.expiry().expect("expiry");
    emu.clock
        .set(expiry - secs(60) + secs(120) - secs(60) + secs(1));
    // Device time: 1 minute before expiry (valid here); service time: expired.
    let before = emu.calls("GetCredentialsForIdentity");
    let resp = api.request(http::Method::GET, "/cip").send().await;
    assert_eq!(
        resp.expect("sent").status(),
        200,
        "one retry with new credentials"
    );
    assert_eq!(emu.calls("GetCredentialsForIdentity"), before + 1);
    let now = session.credentials().await.expect("credentials");
    assert_ne!(now.access_key_id(), first.access_key_id());
}

/// A Cognito authorizer refuses the session's ID token as expired (the device clock lags the
/// service by 30 s: too little to be learned as skew, enough for a token to expire at the
/// service while it looks valid here). `wire` gives the client the session.
async fn authorizer_refusal_makes_the_session_refresh(
    path: &str,
    auth: fn() -> cognito_sigv4::AuthMode,
    wire: fn(ApiClientBuilder, &Session) -> ApiClientBuilder,
) {
    let emu = emulator(|_| {}).await;
    let device = DeviceClock::new(&emu.clock, 0);
    let session = signed_in(
        builder(&emu, device.clone()).refresh_margin(secs(5)),
        "jdoe",
    )
    .await;
    let base = emu.api_url("reference", "prod").expect("api url");
    let api = wire(
        ApiClient::builder(base.as_str()).region(emu.region()),
        &session,
    )
    .route(None, path, auth())
    .build()
    .expect("api client");
    let expiry = session.tokens_expire_at().expect("tokens");
    device.set_offset(-30);
    emu.clock.set(expiry + secs(1));
    let before = emu.calls("InitiateAuth");
    let resp = api
        .request(http::Method::GET, path)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        resp.status(),
        200,
        "one retry with a refreshed token: {}",
        resp.text()
    );
    assert_eq!(emu.calls("InitiateAuth"), before + 1, "one refresh");
    // Not from the refusal (under a minute), but from the new tokens' `iat`.
    assert_eq!(session.clock_skew().offset_secs(), 30);
}

/// For the ID token, and for the access token on a route that asks for a scope.
#[tokio::test]
async fn an_expired_token_refusal_at_a_cognito_authorizer_makes_a_session_refresh() {
    use cognito_sigv4::AuthMode;
    for (path, auth) in [
        ("/cup", AuthMode::id_token as fn() -> AuthMode),
        ("/cup/scoped", AuthMode::access_token),
    ] {
        authorizer_refusal_makes_the_session_refresh(path, auth, |api, session| {
            api.session(session)
        })
        .await;
    }
}

/// The same with the session given as a plain `TokenSource` of ID tokens.
#[tokio::test]
async fn a_session_as_a_token_source_refreshes_after_an_authorizer_refusal() {
    authorizer_refusal_makes_the_session_refresh(
        "/cup",
        cognito_sigv4::AuthMode::id_token,
        |api, session| {
            api.token_source(TokenKind::Id, session.clone())
                .default_auth(cognito_sigv4::AuthMode::id_token())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_during_a_rotating_refresh_keeps_the_session() {
    let emu = emulator(|seed| {
        for client in &mut seed.user_pools[0].clients {
            client.refresh_token_rotation = true;
        }
    })
    .await;
    // Cognito rotates the refresh token at once; its answer reaches the device 300 ms later.
    let proxy = Proxy::delaying(&emu, "GetTokensFromRefreshToken").await;
    let config = proxy.idp_config(&emu);
    let session = signed_in(
        Session::builder(config)
            .clock(emu.clock.clone())
            .refresh_token_rotation(true)
            .refresh_margin(secs(60)),
        "jdoe",
    )
    .await;
    emu.clock.advance(secs(301)); // tokens expired
    // The caller gives up after Cognito has rotated the token, before its answer arrives.
    let dropped = tokio::time::timeout(Duration::from_millis(50), session.tokens()).await;
    assert!(dropped.is_err(), "the caller timed out");
    // The refresh went on without it: the next callers get its tokens, and nobody replays
    // the retired refresh token.
    let tokens = session.tokens().await.expect("refreshed tokens");
    assert!(tokens.expires_at > emu.clock.now());
    assert_eq!(emu.calls("GetTokensFromRefreshToken"), 1);
    emu.clock.advance(secs(301));
    session.tokens().await.expect("the rotated token works");
    assert!(!session.has_ended());
}

#[tokio::test]
async fn an_identity_pool_refusal_keeps_credentials_that_are_still_valid() {
    let emu = emulator(|_| {}).await;
    let google = emu
        .mint_oidc_token(
            "https://accounts.google.com",
            "google-user-0001",
            "quickstart.apps.googleusercontent.com",
            secs(3_600),
            serde_json::json!({}),
        )
        .expect("google token");
    let token = Arc::new(Mutex::new(google));
    let source = {
        let token = token.clone();
        token_fn(move || {
            let t = token.lock().expect("lock").clone();
            async move { Ok(t) }
        })
    };
    let creds =
        FederatedCredentials::builder(emu.identity_pool_config("quickstart").expect("config"))
            .clock(emu.clock.clone())
            .refresh_margin(secs(300))
            .login(LoginProvider::Google, source)
            .build()
            .expect("provider");
    let first = creds.credentials().await.expect("credentials");
    // Google's token source now hands out an expired token: GetCredentialsForIdentity
    // answers NotAuthorizedException ("Token expired").
    *token.lock().expect("lock") = Jwt::new(
        emu.mint_oidc_token(
            "https://accounts.google.com",
            "google-user-0001",
            "quickstart.apps.googleusercontent.com",
            secs(1),
            serde_json::json!({}),
        )
        .expect("token")
        .expose_secret(),
    );
    emu.clock.advance(secs(900 - 200)); // due (margin 300 s), valid for 200 s more
    let still = creds
        .credentials()
        .await
        .expect("the valid credentials are kept");
    assert_eq!(still.access_key_id(), first.access_key_id());
    // Past their expiry the refusal is the caller's error, typed.
    emu.clock.advance(secs(201));
    let e = creds.credentials().await.expect_err("nothing valid");
    assert_eq!(e.kind(), ErrorKind::NotAuthorized);
}

fn token_only_client(base: String) -> cognito_sigv4::client::ApiClientBuilder {
    ApiClient::builder(base)
        .region("us-east-1")
        .token_source(
            cognito_sigv4::client::TokenKind::Id,
            Jwt::new("MARKER-id-token-value"),
        )
        .default_auth(cognito_sigv4::AuthMode::id_token())
}

#[tokio::test]
async fn http_redirects_are_not_followed_with_tokens() {
    let hits = Arc::new(AtomicUsize::new(0));
    let other = {
        let hits = hits.clone();
        axum::Router::new().fallback(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async { "stolen" }
        })
    };
    let (other_addr, other_task) = serve(other).await;
    let redirecting = axum::Router::new().fallback(move || async move {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", format!("http://{other_addr}/steal"))],
        )
    });
    let (addr, task) = serve(redirecting).await;
    let api = token_only_client(format!("http://{addr}/prod"))
        .build()
        .expect("client");
    let resp = api.request(http::Method::GET, "/me").send().await;
    assert_eq!(
        resp.expect("an answer").status(),
        307,
        "returned, not followed"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the token never left for another host"
    );
    task.abort();
    other_task.abort();
}

#[tokio::test]
async fn http_a_silent_server_times_out_and_a_huge_body_is_refused() {
    let silent = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "late"
    });
    let (addr, task) = serve(silent).await;
    let api = token_only_client(format!("http://{addr}/prod"))
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let e = api
        .request(http::Method::GET, "/me")
        .send()
        .await
        .expect_err("timed out");
    assert_eq!(e.kind(), ErrorKind::Network);
    task.abort();

    let huge = axum::Router::new().fallback(|| async { vec![b'x'; 2 * 1024 * 1024] });
    let (addr, task) = serve(huge).await;
    let api = token_only_client(format!("http://{addr}/prod"))
        .max_response_bytes(1024 * 1024)
        .build()
        .expect("client");
    let e = api
        .request(http::Method::GET, "/me")
        .send()
        .await
        .expect_err("too large");
    assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    task.abort();
}

/// The reference scenario with a rotating app client, and a file store in a fresh directory.
async fn rotating() -> (
    TestEmulator,
    tempfile::TempDir,
    cognito_sigv4::store::FileStore,
) {
    let emu = emulator(|seed| {
        for client in &mut seed.user_pools[0].clients {
            client.refresh_token_rotation = true;
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = cognito_sigv4::store::FileStore::new(dir.path().join("session.json"));
    (emu, dir, store)
}

#[tokio::test]
async fn two_sessions_sharing_a_rotating_store_never_sign_each_other_out() {
    use cognito_sigv4::store::SessionStore;
    let (emu, _dir, store) = rotating().await;
    let a = signed_in(
        builder(&emu, emu.clock.clone())
            .store(store.clone())
            .refresh_token_rotation(true),
        "jdoe",
    )
    .await;
    // A second process resumes the same stored session.
    let b = builder(&emu, emu.clock.clone())
        .store(store.clone())
        .resume()
        .await
        .expect("resumed");
    for round in 0..6 {
        emu.clock.advance(secs(301));
        // Each refreshes in turn: one of them always holds a token the other retired.
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        first.tokens().await.expect("first refresh");
        second
            .tokens()
            .await
            .expect("the loser adopts the winner's token");
        assert!(!a.has_ended() && !b.has_ended(), "round {round}");
        let stored = store
            .load()
            .expect("load")
            .expect("the store keeps a session");
        assert!(stored.refresh_token_rotation);
    }
    // What is stored still works for a third process.
    emu.clock.advance(secs(301));
    let c = builder(&emu, emu.clock.clone())
        .store(store.clone())
        .resume()
        .await
        .expect("resumed");
    c.tokens().await.expect("the stored token is live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_racing_a_refresh_leaves_no_token_behind() {
    use cognito_sigv4::store::SessionStore;
    let (emu, _dir, store) = rotating().await;
    // Cognito issues the new refresh token at once, but its answer reaches the device only
    // after the user has signed out.
    let proxy = Proxy::delaying(&emu, "GetTokensFromRefreshToken").await;
    let config = proxy.idp_config(&emu);
    let session = signed_in(
        Session::builder(config)
            .clock(emu.clock.clone())
            .store(store.clone())
            .refresh_token_rotation(true),
        "jdoe",
    )
    .await;
    emu.clock.advance(secs(301));
    let refreshing = {
        let session = session.clone();
        tokio::spawn(async move { session.tokens().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    session.sign_out().await.expect("signed out");
    let outcome = refreshing.await.expect("joined");
    assert_eq!(
        outcome.err().map(|e| e.kind()),
        Some(ErrorKind::SessionEnded)
    );
    assert!(
        store.load().expect("load").is_none(),
        "nothing saved after the wipe"
    );
    // The token the in-flight refresh was issued is revoked too.
    assert_eq!(emu.calls("RevokeToken"), 2);
}
