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

/// A PKCS#8 PEM of a fresh RSA-2048 key, as `openssl genpkey` writes one.
fn pem_key() -> String {
    use aws_lc_rs::encoding::AsDer as _;
    use base64::Engine as _;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = pair.as_der().unwrap();
    let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// Without a state directory, a seed that pins a user's `sub` and the pool's two signing keys
/// gives the same `sub`, the same JWKS and so tokens that verify, at every fresh start; a key
/// or a `sub` that is not one is a seed error that names the field, never the key.
#[tokio::test]
async fn a_seed_pins_subs_and_signing_keys_across_fresh_starts() {
    use cognito_sigv4_emulator::{Emulator, PemKey, Seed};
    let (id_key, access_key) = (pem_key(), pem_key());
    let sub = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let mut seed = Seed::reference();
    seed.user_pools[0].id_token_signing_key = Some(PemKey(id_key.clone()));
    seed.user_pools[0].access_token_signing_key = Some(PemKey(access_key));
    let jdoe = seed.user_pools[0]
        .users
        .iter_mut()
        .find(|u| u.username == "jdoe");
    jdoe.unwrap().sub = Some(sub.to_owned());
    let mut seen = Vec::new();
    for _ in 0..2 {
        let emu = Emulator::builder()
            .seed(seed.clone())
            .start()
            .await
            .unwrap();
        let endpoint = emu.endpoint().to_string();
        let (status, body) = idp(
            &endpoint,
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": WEB,
                "AuthParameters": { "USERNAME": "jdoe", "PASSWORD": "Quickstart-Passw0rd!" },
            }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let id = body["AuthenticationResult"]["IdToken"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(claims(&id)["sub"], sub);
        let jwks: Value = reqwest::get(format!("{endpoint}{POOL}/.well-known/jwks.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.push((id, jwks));
        emu.shutdown().await;
    }
    assert_eq!(seen[0].1, seen[1].1, "the same keys, the same kids");
    let header = |jwt: &str| {
        use base64::Engine as _;
        let part = jwt.split('.').next().unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let first_kid = header(&seen[0].0)["kid"].clone();
    let keys = seen[1].1["keys"].as_array().unwrap();
    assert!(
        keys.iter().any(|k| k["kid"] == first_kid),
        "the first start's token verifies at the second's JWKS"
    );
    assert_eq!(keys.len(), 2);

    let mut bad = seed.clone();
    bad.user_pools[0].id_token_signing_key = Some(PemKey(
        "-----BEGIN PRIVATE KEY-----\nMARKERnotakey\n-----END PRIVATE KEY-----".into(),
    ));
    let err = Emulator::builder()
        .seed(bad)
        .start()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("id_token_signing_key") && !err.contains("MARKER"),
        "{err}"
    );
    let mut bad = seed;
    let jdoe = bad.user_pools[0]
        .users
        .iter_mut()
        .find(|u| u.username == "jdoe");
    jdoe.unwrap().sub = Some("not-a-uuid".into());
    let err = Emulator::builder()
        .seed(bad)
        .start()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("sub is not a UUID"), "{err}");
}
