//! The managed login in a real browser (feature `oauth`): headless Chromium (Debian's
//! `chromium`, driven by `scripts/interop/browser_sign_in.js` with playwright-core) opens the
//! authorize URL, a person's keystrokes sign in on the emulator's page, the browser lands on
//! the app's loopback listener, and the code becomes a session that signs a 200 from an IAM
//! route.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use cognito_sigv4::Session;
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::oauth::{LoopbackRedirect, ManagedLogin};
use cognito_sigv4_emulator::Seed;
use http::Method;
use support::peers::{self, SCRIPT_TIMEOUT};
use support::{PASSWORD, POOL, TestEmulator};

/// Chromium: `$CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_on_the_page_and_the_app_calls_an_iam_route() {
    const TEST: &str = "oauth_browser";
    if !chromium().is_file() {
        return peers::missing(TEST, "chromium is not installed (apt-get install chromium)")
            .unwrap_or(());
    }
    if let Err(reason) = peers::node_has("playwright-core") {
        return peers::missing(TEST, reason).unwrap_or(());
    }
    // The app's loopback listener; its URL is registered as the web client's callback.
    let listener = LoopbackRedirect::bind(0).await.unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", listener.port());
    let mut seed = Seed::reference();
    seed.user_pools[0].clients[0]
        .callback_urls
        .push(callback.clone());
    let env = TestEmulator::with_seed(seed).await;
    let pool = env.emulator.user_pool_id(POOL).unwrap();
    let login = ManagedLogin::builder(
        format!("{}{pool}", env.endpoint()),
        "quickstartwebclient0000001",
    )
    .redirect_uri(&callback)
    .scopes(["openid", "email"])
    .clock(env.clock.clone())
    .build()
    .unwrap();
    let request = login.authorization_request();

    let redirect = tokio::spawn(listener.wait(&request, Duration::from_secs(90)));
    let url = request.url().to_string();
    let browser = tokio::task::spawn_blocking(move || {
        let script = peers::interop_dir().join("browser_sign_in.js");
        peers::run(
            Command::new("node")
                .arg(script)
                .args([url.as_str(), "jdoe"])
                .env("CHROMIUM", chromium())
                .current_dir(peers::scripts_dir()),
            Some(PASSWORD.as_bytes()),
            SCRIPT_TIMEOUT,
        )
    })
    .await
    .unwrap()
    .expect("node runs");
    assert!(
        browser.status.success(),
        "the browser sign-in failed: {}",
        String::from_utf8_lossy(&browser.stderr)
    );
    let landed: serde_json::Value = serde_json::from_slice(&browser.stdout).unwrap();
    let landed_url = landed["url"].as_str().unwrap();
    assert!(landed_url.starts_with(&callback), "{landed}");
    assert!(
        landed["text"]
            .as_str()
            .unwrap()
            .contains("You can close this window"),
        "{landed}"
    );

    let redirected = redirect.await.unwrap().expect("the redirect arrived");
    let tokens = login
        .exchange(&request, &redirected)
        .await
        .expect("exchange");
    assert_eq!(tokens.username, "jdoe");
    let session = Session::builder(env.config())
        .clock(env.clock.clone())
        .managed_login(login)
        .from_tokens(tokens)
        .await
        .unwrap();
    let host = env.emulator.api_host("reference").unwrap();
    let api = ApiClient::builder(format!("http://{host}/prod"))
        .connect_to(env.addr())
        .clock(env.clock.clone())
        .session(&session)
        .build()
        .unwrap();
    let answer = api.request(Method::GET, "/cip").send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text());
    env.shutdown().await;
}
