//! The standalone emulator binary, as the README documents it: started with a seed file (TOML,
//! and the same seed as JSON) or the built-in reference scenario, it prints its endpoint and
//! ids, and serves the official SDK.

use aws_sdk_cognitoidentityprovider as idp;
use cognito_sigv4_emulator::Seed;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The reference scenario's file, as users copy it to make their own.
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/reference.toml");

/// The emulator process; killed when dropped, so a failing test leaves nothing running.
struct Standalone {
    child: Child,
    started: serde_json::Value,
}

impl Standalone {
    fn start(seed_path: &str) -> Standalone {
        Standalone::start_with(&["--seed", seed_path])
    }

    fn start_with(seed_args: &[&str]) -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
            .args(seed_args)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the emulator binary");
        // The first line is printed once the server listens; a dead process ends the read.
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the start line");
        let started = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("start line is not JSON ({e}): {line:?}")
        });
        Standalone { child, started }
    }

    fn endpoint(&self) -> &str {
        self.started["endpoint"].as_str().expect("endpoint")
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn password_sign_in(
    endpoint: &str,
    client_id: &str,
) -> idp::operation::initiate_auth::InitiateAuthOutput {
    let conf = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .build();
    idp::Client::from_conf(conf)
        .initiate_auth()
        .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
        .client_id(client_id)
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("PASSWORD", "Quickstart-Passw0rd!")
        .send()
        .await
        .expect("USER_PASSWORD_AUTH against the standalone emulator")
}

#[tokio::test]
async fn the_binary_serves_the_seed_file_and_reports_its_ids() {
    let emulator = Standalone::start(SEED);
    assert_eq!(emulator.started["region"], "us-east-1");
    assert_eq!(
        emulator.started["user_pools"]["quickstart"],
        "us-east-1_QuickStrt"
    );
    assert_eq!(emulator.started["apis"]["reference"], "abc123defg");
    assert!(
        emulator.endpoint().starts_with("http://127.0.0.1:"),
        "{}",
        emulator.endpoint()
    );

    let out = password_sign_in(emulator.endpoint(), "quickstartwebclient0000001").await;
    let tokens = out.authentication_result().expect("tokens");
    assert!(tokens.id_token().is_some() && tokens.refresh_token().is_some());
}

#[tokio::test]
async fn the_binary_serves_the_built_in_reference_scenario() {
    // With no seed named, as with `--reference` (and as `cognito-sigv4 emulator`).
    let emulator = Standalone::start_with(&[]);
    assert_eq!(emulator.started["apis"]["reference"], "abc123defg");
    drop(emulator);
    let emulator = Standalone::start_with(&["--reference"]);
    assert_eq!(
        emulator.started["user_pools"]["quickstart"],
        "us-east-1_QuickStrt"
    );
    assert_eq!(emulator.started["apis"]["reference"], "abc123defg");
    assert_eq!(
        emulator.started["execute_api_path_prefix"],
        "/_aws/execute-api/"
    );
    let out = password_sign_in(emulator.endpoint(), "quickstartwebclient0000001").await;
    assert!(out.authentication_result().is_some());
}

#[test]
fn the_seed_file_is_the_built_in_reference_scenario() {
    let from_file = Seed::from_file(SEED).expect("the reference seed file parses");
    assert_eq!(
        serde_json::to_value(from_file).unwrap(),
        serde_json::to_value(Seed::reference()).unwrap()
    );
}

#[test]
fn two_seeds_or_an_unknown_flag_is_a_usage_error_and_exit_code_2() {
    for args in [
        &["--reference", "--seed", SEED][..],
        &["--reference", "--sed"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
            .args(args)
            .output()
            .expect("run the emulator binary");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--seed"), "{stderr}");
    }
}

/// `--log`: one line per request on standard error, naming the operation and its status, and
/// never a password or a token.
#[tokio::test]
async fn log_prints_one_line_per_request_without_secrets() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
        .args(["--log", "--port", "0"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: serde_json::Value = serde_json::from_str(&line).unwrap();
    let endpoint = started["endpoint"].as_str().unwrap().to_owned();
    let out = password_sign_in(&endpoint, "quickstartwebclient0000001").await;
    let token = out
        .authentication_result()
        .unwrap()
        .id_token()
        .unwrap()
        .to_owned();
    // A wrong password with a marker: refused, logged by its code only.
    let marker = "MARKER-pw-5b1c";
    let refused = reqwest::Client::new()
        .post(&endpoint)
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(
            serde_json::json!({
                "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "quickstartwebclient0000001",
                "AuthParameters": { "USERNAME": "jdoe", "PASSWORD": marker },
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("InitiateAuth"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].contains("status=200") && lines[0].contains("USER_PASSWORD_AUTH"),
        "{stderr}"
    );
    assert!(
        lines[1].contains("status=400") && lines[1].contains("NotAuthorizedException"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(marker) && !stderr.contains(&token),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_json_seed_works_like_the_toml_one() {
    let seed = Seed::from_file(SEED).expect("the README's seed parses");
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("seed.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&seed).unwrap()).unwrap();

    let emulator = Standalone::start(json_path.to_str().unwrap());
    let out = password_sign_in(emulator.endpoint(), "quickstartwebclient0000001").await;
    assert!(out.authentication_result().is_some());
}

#[test]
fn a_bad_seed_file_is_a_clear_error_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("seed.toml");
    std::fs::write(&bad, "[[user_pools]]\nname = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
        .args(["--seed", bad.to_str().unwrap()])
        .output()
        .expect("run the emulator binary");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("emulator seed"), "{stderr}");
}
