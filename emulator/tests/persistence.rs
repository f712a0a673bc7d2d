//! `--state-dir`: the standalone emulator stopped and started again keeps users (with their
//! `sub`), identity ids, signing keys and refresh tokens, so tokens minted before the restart
//! still work; a state file that cannot be read stops the start with an error naming it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const WEB: &str = "quickstartwebclient0000001";
const IDENTITY_POOL: &str = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41";
const POOL: &str = "us-east-1_QuickStrt";

/// The standalone emulator; stopped (SIGTERM, then waited for) or killed when dropped.
struct Standalone(Child, String);

impl Standalone {
    fn start(dir: &std::path::Path) -> Standalone {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
            .args(["--reference", "--port", "0", "--state-dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the emulator binary");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the start line");
        let started: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("start line is not JSON ({e}): {line:?}")
        });
        let endpoint = started["endpoint"].as_str().unwrap().to_owned();
        Standalone(child, endpoint)
    }

    /// Stops it as `docker stop` would (SIGTERM) and waits until it has exited.
    fn stop(mut self) {
        let pid = self.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = self.0.wait().expect("the emulator exits");
        assert!(status.success(), "a graceful stop exits 0: {status:?}");
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn call(endpoint: &str, target: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn idp(endpoint: &str, op: &str, body: Value) -> (u16, Value) {
    call(
        endpoint,
        &format!("AWSCognitoIdentityProviderService.{op}"),
        body,
    )
    .await
}

fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_restart_with_a_state_dir_keeps_users_subs_identity_ids_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let first = Standalone::start(dir.path());
    let endpoint = first.1.clone();

    // A user signed up at run time (not in the seed), confirmed through the codes endpoint.
    let (status, signed_up) = idp(
        &endpoint,
        "SignUp",
        json!({
            "ClientId": WEB, "Username": "pat", "Password": "Signed-Up-Passw0rd!",
            "UserAttributes": [{ "Name": "email", "Value": "pat@example.com" }],
        }),
    )
    .await;
    assert_eq!(status, 200, "{signed_up}");
    let sub = signed_up["UserSub"].as_str().unwrap().to_owned();
    let codes: Value = reqwest::get(format!("{endpoint}_emulator/codes?username=pat"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = codes["codes"][0]["code"].as_str().unwrap();
    let (status, _) = idp(
        &endpoint,
        "ConfirmSignUp",
        json!({ "ClientId": WEB, "Username": "pat", "ConfirmationCode": code }),
    )
    .await;
    assert_eq!(status, 200);
    let jwks_before: Value = reqwest::get(format!("{endpoint}{POOL}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let srp = srp_tokens(&endpoint, "pat", "Signed-Up-Passw0rd!").await;
    let id_token = srp["IdToken"].as_str().unwrap().to_owned();
    let refresh = srp["RefreshToken"].as_str().unwrap().to_owned();
    assert_eq!(claims(&id_token)["sub"], sub.as_str());
    let logins = json!({ format!("cognito-idp.us-east-1.amazonaws.com/{POOL}"): id_token });
    let (status, got) = call(
        &endpoint,
        "AWSCognitoIdentityService.GetId",
        json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let identity_id = got["IdentityId"].as_str().unwrap().to_owned();
    first.stop();
    assert!(dir.path().join("state.json").is_file());

    let second = Standalone::start(dir.path());
    let endpoint = second.1.clone();
    let jwks_after: Value = reqwest::get(format!("{endpoint}{POOL}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks_after, jwks_before, "the same signing keys");
    // The ID token minted before the restart still verifies, and maps to the same identity.
    let (status, again) = call(
        &endpoint,
        "AWSCognitoIdentityService.GetId",
        json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": logins }),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["IdentityId"], identity_id.as_str());
    // The refresh token issued before the restart still refreshes.
    let (status, refreshed) = idp(
        &endpoint,
        "InitiateAuth",
        json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": WEB,
            "AuthParameters": { "REFRESH_TOKEN": refresh },
        }),
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let new_id = refreshed["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap();
    assert_eq!(claims(new_id)["sub"], sub.as_str(), "the same sub");
    // The user signs in with the password set before the restart.
    let srp = srp_tokens(&endpoint, "pat", "Signed-Up-Passw0rd!").await;
    assert_eq!(
        claims(srp["IdToken"].as_str().unwrap())["sub"],
        sub.as_str()
    );
    second.stop();
}

/// USER_SRP_AUTH through the SDK's own SRP client, as apps sign in.
async fn srp_tokens(endpoint: &str, username: &str, password: &str) -> Value {
    let url = url::Url::parse(endpoint).unwrap();
    let config = cognito_sigv4::CognitoConfig::builder()
        .region("us-east-1")
        .user_pool_id(POOL)
        .client_id(WEB)
        .endpoint(cognito_sigv4::config::Service::CognitoIdp, url)
        .build()
        .unwrap();
    let client = cognito_sigv4::UserPoolClient::new(&config).unwrap();
    let step = client
        .sign_in(username, &cognito_sigv4::Password::new(password.to_owned()))
        .await
        .unwrap();
    let cognito_sigv4::SignInStep::Done(tokens) = step else {
        panic!("a challenge instead of tokens");
    };
    json!({
        "IdToken": tokens.id.expose_secret(),
        "RefreshToken": tokens.refresh.as_ref().map(|r| r.expose_secret().to_owned()),
    })
}

#[test]
fn a_state_file_that_cannot_be_read_stops_the_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), "{ truncated").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
        .args(["--reference", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("state.json"), "{stderr}");
    assert!(out.stdout.is_empty(), "no start line: it did not serve");
}
