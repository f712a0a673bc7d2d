//! Interop with botocore, AWS's own Python signer:
//!
//! - the committed SigV4 vectors (`tests/data/sigv4_vectors.json`, checked against this
//!   crate's signer by `tests/signing_vectors.rs`) are regenerated from botocore by
//!   `scripts/gen_sigv4_vectors.py --check` and must come out identical;
//! - requests signed by `botocore.auth.SigV4Auth` (`scripts/interop/botocore_sign.py`) with
//!   credentials issued by this crate's emulator are accepted by the emulator's independent
//!   SigV4 verifier (200), through the `Host: <api>.execute-api...` form and the path prefix,
//!   and refused (403) once the body, query or a signed header is changed after signing.

mod support;

use std::process::Command;
use std::time::Duration;

use cognito_sigv4_emulator::{RunningEmulator, Seed};
use serde_json::{Value, json};
use support::{TestEmulator, peers};

const ROLE: &str = "arn:aws:iam::123456789012:role/BotocoreRole";
const API: &str = "b0toc0re01";

const SEED: &str = r#"
[[roles]]
arn = "arn:aws:iam::123456789012:role/BotocoreRole"
invoke = ["b0toc0re01/prod/POST/echo", "b0toc0re01/prod/GET/items/*"]

[[apis]]
id = "b0toc0re01"
name = "botocore"
stages = ["prod"]
[[apis.resources]]
path = "/echo"
methods = [{ http_method = "POST", authorization = "AWS_IAM" }]
[[apis.resources]]
path = "/items/{id}"
methods = [{ http_method = "GET", authorization = "AWS_IAM" }]
"#;

#[test]
fn signing_vectors_regenerate_identically() {
    const TEST: &str = "signing_vectors_regenerate_identically";
    if let Err(reason) = peers::python_has(&["botocore"]) {
        peers::missing::<()>(TEST, reason);
        return;
    }
    let script = peers::scripts_dir().join("gen_sigv4_vectors.py");
    let out = peers::run(
        Command::new(peers::python())
            .arg(&script)
            .arg("--check")
            .current_dir(peers::repo_root()),
        None,
        peers::SCRIPT_TIMEOUT,
    )
    .expect("gen_sigv4_vectors.py runs");
    assert!(
        out.status.success(),
        "tests/data/sigv4_vectors.json is not what botocore signs today:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn emulator() -> TestEmulator {
    TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await
}

/// Runs `botocore_sign.py` on `requests` with fresh credentials of [`ROLE`]; returns the
/// answers by name.
async fn botocore_send(emu: &RunningEmulator, requests: Value) -> Vec<(String, u16, String)> {
    let creds = emu.issue_test_credentials(ROLE, Duration::from_secs(3600));
    let input = json!({
        "connect": emu.addr().to_string(),
        "region": emu.region(),
        "service": "execute-api",
        "credentials": {
            "access_key_id": creds.access_key_id(),
            "secret_access_key": creds.secret_access_key(),
            "session_token": creds.session_token(),
        },
        "requests": requests,
    });
    let script = peers::interop_dir().join("botocore_sign.py");
    let input = serde_json::to_vec(&input).expect("JSON");
    // The script is blocking I/O; the emulator keeps serving on the runtime's other worker.
    let answer =
        tokio::task::spawn_blocking(move || peers::python_json(&script, &[], Some(&input)))
            .await
            .expect("join")
            .unwrap_or_else(|e| panic!("{e}"));
    answer
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_u64().unwrap_or_default() as u16,
                r["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn host_url(emu: &RunningEmulator, path_and_query: &str) -> String {
    format!(
        "http://{}:{}/prod{path_and_query}",
        emu.api_host(API).expect("api host"),
        emu.addr().port()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_signed_requests_are_accepted_by_the_emulator() {
    const TEST: &str = "botocore_signed_requests_are_accepted_by_the_emulator";
    if let Err(reason) = peers::python_has(&["botocore"]) {
        peers::missing::<()>(TEST, reason);
        return;
    }
    let emu = emulator().await;
    let body = r#"{"pet":"cat","note":"a/b c"}"#;
    let path_url = format!("{}/echo", emu.api_url("botocore", "prod").expect("api url"));
    let answers = botocore_send(
        &emu,
        json!([
            {"name": "host", "method": "POST", "url": host_url(&emu, "/echo?q=a%2Fb&limit=10"),
             "body": body, "headers": {"Content-Type": "application/json"}},
            {"name": "path-prefix", "method": "POST", "url": path_url, "body": body,
             "headers": {"Content-Type": "application/json"}},
            // botocore encodes the canonical path twice, as execute-api wants.
            {"name": "encoded-path", "method": "GET", "url": host_url(&emu, "/items/a%20b")},
        ]),
    )
    .await;
    assert_eq!(answers.len(), 3);
    for (name, status, text) in &answers {
        assert_eq!(*status, 200, "{name}: {text}");
        let v: Value = serde_json::from_str(text).expect("JSON answer");
        assert_eq!(v["auth"], "AWS_IAM", "{name}");
        assert_eq!(v["caller"]["roleArn"], ROLE, "{name}");
        match name.as_str() {
            "host" => {
                assert_eq!(v["body"], body);
                assert_eq!(v["queryStringParameters"]["q"], "a/b");
            }
            "path-prefix" => assert_eq!(v["body"], body),
            "encoded-path" => assert_eq!(v["pathParameters"]["id"], "a b"),
            other => panic!("unexpected answer {other}"),
        }
    }
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_signed_requests_changed_after_signing_are_refused() {
    const TEST: &str = "botocore_signed_requests_changed_after_signing_are_refused";
    if let Err(reason) = peers::python_has(&["botocore"]) {
        peers::missing::<()>(TEST, reason);
        return;
    }
    let emu = emulator().await;
    let body = r#"{"amount":100}"#;
    let answers = botocore_send(
        &emu,
        json!([
            // Same length, one byte changed: only the payload hash can tell.
            {"name": "body", "method": "POST", "url": host_url(&emu, "/echo"),
             "body": body, "send_body": r#"{"amount":900}"#,
             "headers": {"Content-Type": "application/json"}},
            {"name": "query", "method": "POST", "url": host_url(&emu, "/echo?limit=10"),
             "body": body, "send_target": "/prod/echo?limit=99",
             "headers": {"Content-Type": "application/json"}},
            {"name": "header", "method": "POST", "url": host_url(&emu, "/echo"),
             "body": body, "headers": {"Content-Type": "application/json"},
             "send_headers": {"Content-Type": "text/plain"}},
            // Unchanged, as a control: the same credentials and request are accepted.
            {"name": "control", "method": "POST", "url": host_url(&emu, "/echo"),
             "body": body, "headers": {"Content-Type": "application/json"}},
        ]),
    )
    .await;
    let by_name = |n: &str| {
        answers
            .iter()
            .find(|(name, _, _)| name == n)
            .unwrap_or_else(|| panic!("no answer {n}"))
            .clone()
    };
    let (_, status, text) = by_name("control");
    assert_eq!(status, 200, "{text}");
    for tampered in ["body", "query", "header"] {
        let (_, status, text) = by_name(tampered);
        assert_eq!(status, 403, "{tampered}: {text}");
        assert!(
            text.contains("The request signature we calculated does not match"),
            "{tampered}: {text}"
        );
    }
    emu.shutdown().await;
}
