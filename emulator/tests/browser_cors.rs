//! CORS, as a browser app meets it: the standalone emulator (`--reference`) and a page on
//! another origin in headless Chromium, where amazon-cognito-identity-js signs in with SRP, the
//! page trades the ID token for the identity pool's credentials and calls `/cip` (allowed) and
//! `/google` (denied) signed with SigV4. Every call crosses origins, so each preflight and
//! answer must carry AWS's CORS headers. Peers: `chromium` (Debian), `playwright-core` and
//! `amazon-cognito-identity-js` from `scripts/node_modules`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The standalone emulator; killed when dropped.
struct Standalone(Child, Value);

impl Standalone {
    fn start() -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
            .args(["--reference", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the emulator binary");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the start line");
        let started = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("start line is not JSON ({e}): {line:?}")
        });
        Standalone(child, started)
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves the test app (its page and amazon-cognito-identity-js's browser bundle) on its own
/// origin, until the test ends.
async fn serve_app() -> (String, tokio::task::JoinHandle<()>) {
    let page = include_str!("js/cors_page.html");
    let bundle = std::fs::read_to_string(
        scripts()
            .join("node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js"),
    )
    .expect("the bundle is installed");
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || async move { axum::response::Html(page) }),
        )
        .route(
            "/acij.js",
            axum::routing::get(move || {
                let bundle = bundle.clone();
                async move { ([("content-type", "text/javascript")], bundle) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn a_browser_app_signs_in_with_srp_and_calls_cip_across_origins() {
    let test = "a_browser_app_signs_in_with_srp_and_calls_cip_across_origins";
    if !chromium().is_file() {
        support::missing(test, "chromium is not installed (apt-get install chromium)");
        return;
    }
    for package in ["playwright-core", "amazon-cognito-identity-js"] {
        if !scripts().join("node_modules").join(package).is_dir() {
            support::missing(test, &format!("npm package {package} (npm ci in scripts/)"));
            return;
        }
    }
    let emu = Standalone::start();
    let endpoint = emu.1["endpoint"].as_str().unwrap().to_owned();
    let api = format!(
        "{}{}{}/prod",
        endpoint.trim_end_matches('/'),
        emu.1["execute_api_path_prefix"].as_str().unwrap(),
        emu.1["apis"]["reference"].as_str().unwrap()
    );
    let (page_url, server) = serve_app().await;
    let config = json!({
        "endpoint": endpoint,
        "api": api,
        "region": "us-east-1",
        "userPoolId": emu.1["user_pools"]["quickstart"],
        "clientId": "quickstartwebclient0000001",
        "identityPoolId": emu.1["identity_pools"]["quickstart"],
        "username": "jdoe",
        "password": "Quickstart-Passw0rd!",
    });
    let mut node = tokio::process::Command::new("node");
    node.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/browser_cors.js"))
        .arg(&page_url)
        .env("NODE_PATH", scripts().join("node_modules"))
        .env("CHROMIUM", chromium())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = node.spawn().expect("node runs");
    {
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(config.to_string().as_bytes())
            .await
            .unwrap();
    }
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the browser answers in time")
        .expect("node runs");
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}"));
    assert!(result.get("error").is_none(), "{result:#}");
    assert_ne!(
        result["origin"].as_str(),
        Some(endpoint.trim_end_matches('/')),
        "the app is on another origin"
    );
    assert!(
        result["requestId"].is_string(),
        "x-amzn-RequestId is exposed: {result:#}"
    );
    assert_eq!(result["cip"]["status"], 200, "{result:#}");
    assert_eq!(
        result["cip"]["body"]["caller"]["roleArn"],
        "arn:aws:iam::123456789012:role/CipRole"
    );
    assert_eq!(result["google"]["status"], 403, "{result:#}");
    assert_eq!(result["google"]["errorType"], "AccessDeniedException");
}
