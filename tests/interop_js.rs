//! Interop with amazon-cognito-identity-js (AWS's JavaScript client, installed by `npm ci` in
//! `scripts/`): its SRP sign-in (`CognitoUser.authenticateUser` with `AuthenticationDetails`)
//! against this crate's emulator succeeds with the right password and fails with
//! `NotAuthorizedException` with a wrong one — evidence that the emulator's SRP verifier agrees
//! with AWS's client, and that what the emulator sends (SALT, SRP_B, SECRET_BLOCK,
//! USER_ID_FOR_SRP) is what that client expects.
//!
//! The driver is `scripts/interop/js_srp_sign_in.js`; the emulator runs in this process.

mod support;

use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::{Jwt, RefreshToken};
use cognito_sigv4::user_pool::{Tokens, UserPoolClient};
use cognito_sigv4_emulator::{RunningEmulator, Seed};
use serde_json::{Value, json};
use support::{TestEmulator, peers};

const POOL: &str = "us-east-1_JsInterop1";
const CLIENT: &str = "jsinteropwebclient00000001";

const SEED: &str = r#"
[[user_pools]]
id = "us-east-1_JsInterop1"
name = "js"
alias_attributes = ["email"]
[[user_pools.clients]]
id = "jsinteropwebclient00000001"
name = "web"
[[user_pools.users]]
username = "alice"
password = "Alice-Passw0rd!"
attributes = { email = "alice@example.com" }
[[user_pools.users]]
username = "bob"
password = "Bob-Passw0rd!-a-longer-one"
[[user_pools.users]]
username = "carol"
password = "c4r0l-Ünïcødé-pässwörd"
[[user_pools.users]]
username = "dave"
password = "Dave-Passw0rd!"
"#;

/// The JS client's sign-ins, in order, for `(username, password)` pairs.
async fn js_sign_in(emu: &RunningEmulator, cases: &[(&str, &str)]) -> Vec<Value> {
    let input: Vec<Value> = cases
        .iter()
        .map(|(username, password)| {
            json!({
                "endpoint": emu.endpoint().as_str(),
                "userPoolId": POOL,
                "clientId": CLIENT,
                "username": username,
                "password": password,
            })
        })
        .collect();
    let input = serde_json::to_vec(&input).expect("JSON");
    let script = peers::interop_dir().join("js_srp_sign_in.js");
    // node runs on a blocking thread; the emulator keeps serving on the runtime's workers.
    let out = tokio::task::spawn_blocking(move || peers::node_json(&script, &input))
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{e}"));
    out.as_array().expect("a JSON array").clone()
}

async fn emulator() -> TestEmulator {
    TestEmulator::with_seed(Seed::from_toml_str(SEED).expect("seed")).await
}

fn node_ready(test: &str) -> bool {
    peers::node_ready(test, "amazon-cognito-identity-js")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_srp_sign_in_succeeds_with_the_right_password() {
    if !node_ready("js_srp_sign_in_succeeds_with_the_right_password") {
        return;
    }
    let emu = emulator().await;
    let cases = [
        ("alice", "Alice-Passw0rd!"),
        // An alias: the emulator answers with the pool's username in USER_ID_FOR_SRP.
        ("alice@example.com", "Alice-Passw0rd!"),
        ("bob", "Bob-Passw0rd!-a-longer-one"),
        ("carol", "c4r0l-Ünïcødé-pässwörd"),
        ("dave", "Dave-Passw0rd!"),
    ];
    let results = js_sign_in(&emu, &cases).await;
    assert_eq!(results.len(), cases.len());
    for ((typed, _), r) in cases.iter().zip(&results) {
        assert_eq!(r["ok"], true, "{typed}: {r}");
        let id = UnverifiedClaims::decode(r["idToken"].as_str().expect("idToken"))
            .expect("ID token decodes");
        let username = typed.split('@').next().unwrap_or(typed);
        assert_eq!(id.cognito_username(), Some(username), "{typed}");
        assert!(id.has_audience(CLIENT));
        assert_eq!(
            id.iss(),
            Some(format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}").as_str())
        );
    }
    assert_eq!(emu.calls("RespondToAuthChallenge"), cases.len() as u64);

    // The JS client's session is a real one: this crate refreshes it at the emulator.
    let r = &results[0];
    let text = |k: &str| r[k].as_str().expect("token").to_owned();
    let tokens = Tokens::from_jwts(
        Jwt::new(text("idToken")),
        Jwt::new(text("accessToken")),
        Some(RefreshToken::new(text("refreshToken"))),
    )
    .expect("the JS client's tokens decode");
    assert_eq!(tokens.username, "alice");
    let config = emu.config_of(POOL, CLIENT);
    let fresh = UserPoolClient::new(&config)
        .expect("client")
        .refresh(&tokens)
        .await
        .expect("the crate refreshes the JS client's session");
    assert_eq!(fresh.username, "alice");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_srp_sign_in_fails_with_a_wrong_password() {
    if !node_ready("js_srp_sign_in_fails_with_a_wrong_password") {
        return;
    }
    let emu = emulator().await;
    let cases = [
        ("alice", "Alice-Passw0rd?"),
        ("alice@example.com", "alice-passw0rd!"),
        ("carol", "c4r0l-Unicode-passwort"),
    ];
    let results = js_sign_in(&emu, &cases).await;
    assert_eq!(results.len(), cases.len());
    for ((typed, _), r) in cases.iter().zip(&results) {
        assert_eq!(r["ok"], false, "{typed}: {r}");
        assert_eq!(r["code"], "NotAuthorizedException", "{typed}: {r}");
        assert_eq!(
            r["message"], "Incorrect username or password.",
            "{typed}: {r}"
        );
    }
    // Refused at the password proof, after a PASSWORD_VERIFIER challenge, as on AWS.
    assert_eq!(emu.calls("RespondToAuthChallenge"), cases.len() as u64);

    let unknown = js_sign_in(&emu, &[("nobody", "Whatever-Passw0rd!")]).await;
    assert_eq!(
        unknown[0]["code"], "UserNotFoundException",
        "{}",
        unknown[0]
    );
    emu.shutdown().await;
}
