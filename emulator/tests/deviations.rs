//! Deviations from AWS that issue 24 listed, fixed: user operations check the access token's
//! scope, an unknown API route answers an unparseable `Authorization` as API Gateway does, and
//! the token endpoint's ID tokens carry `at_hash`. (The ones kept are rows of CHOICES.md.)

use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const WEB: &str = "quickstartwebclient0000001";
const POOL: &str = "us-east-1_QuickStrt";

async fn start() -> RunningEmulator {
    Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap()
}

async fn idp(emu: &RunningEmulator, op: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(emu.endpoint())
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
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
async fn user_operations_need_the_sign_in_scope() {
    let emu = start().await;
    let now = cognito_sigv4::Clock::now(&emu.clock())
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let access = |scope: &str| {
        emu.mint_user_pool_token(
            "quickstart",
            json!({
                "sub": "s", "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                "token_use": "access", "scope": scope, "username": "jdoe", "client_id": WEB,
                "iat": now, "exp": now + 3600,
            }),
        )
        .unwrap()
        .expose_secret()
        .to_owned()
    };
    let (status, body) = idp(
        &emu,
        "GetUser",
        json!({ "AccessToken": access("openid email") }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "NotAuthorizedException");
    assert_eq!(
        body["message"],
        "Access Token does not have required scopes"
    );
    // The userInfo endpoint takes such a token: it needs `openid`, not the sign-in scope.
    let info = reqwest::Client::new()
        .get(format!("{}{POOL}/oauth2/userInfo", emu.endpoint()))
        .bearer_auth(access("openid email"))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status().as_u16(), 200);
    let (status, body) = idp(
        &emu,
        "GetUser",
        json!({ "AccessToken": access("openid aws.cognito.signin.user.admin") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Username"], "jdoe");
}

#[tokio::test]
async fn an_unknown_route_answers_an_unparseable_authorization_as_api_gateway_does() {
    let emu = start().await;
    let url = format!("{}/nowhere", emu.api_url("reference", "prod").unwrap());
    let http = reqwest::Client::new();
    let resp = http
        .get(&url)
        .header("authorization", "Bearer eyJhbGciOi.e30.c2ln")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(
        resp.headers()["x-amzn-errortype"],
        "IncompleteSignatureException"
    );
    let body: Value = resp.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid key=value pair (missing equal-sign) in Authorization header"),
        "{message}"
    );
    assert!(!message.contains("eyJhbGciOi"), "the token is not echoed");
    let resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Missing Authentication Token");
}

#[tokio::test]
async fn the_token_endpoints_id_tokens_carry_at_hash() {
    let emu = start().await;
    // A refresh token from a sign-in, redeemed at the token endpoint (its scopes include
    // `openid`, so an ID token comes back).
    let config = emu.config("quickstart", "web").unwrap();
    let client = cognito_sigv4::UserPoolClient::new(&config).unwrap();
    let cognito_sigv4::SignInStep::Done(tokens) = client
        .sign_in(
            "jdoe",
            &cognito_sigv4::Password::new("Quickstart-Passw0rd!".to_owned()),
        )
        .await
        .unwrap()
    else {
        panic!("a challenge");
    };
    let refresh = tokens.refresh.as_ref().unwrap().expose_secret().to_owned();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "refresh_token"),
            ("client_id", WEB),
            ("refresh_token", refresh.as_str()),
        ])
        .finish();
    let resp = reqwest::Client::new()
        .post(format!("{}{POOL}/oauth2/token", emu.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let id = claims(body["id_token"].as_str().unwrap());
    let digest = Sha256::digest(access.as_bytes());
    let expected = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &digest[..16],
    );
    assert_eq!(id["at_hash"], expected.as_str(), "{id}");
}

#[tokio::test]
async fn user_info_answers_the_attributes_the_tokens_scopes_cover() {
    let mut seed = Seed::reference();
    let jdoe = seed.user_pools[0]
        .users
        .iter_mut()
        .find(|u| u.username == "jdoe")
        .expect("jdoe");
    for (k, v) in [
        ("email_verified", "true"),
        ("phone_number", "+15555550100"),
        ("phone_number_verified", "true"),
        ("given_name", "Jane"),
        ("custom:team", "blue"),
    ] {
        jdoe.attributes.insert(k.into(), v.into());
    }
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let now = cognito_sigv4::Clock::now(&emu.clock())
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let info = |scope: &'static str| {
        let token = emu
            .mint_user_pool_token(
                "quickstart",
                json!({
                    "sub": "s", "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                    "token_use": "access", "scope": scope, "username": "jdoe", "client_id": WEB,
                    "iat": now, "exp": now + 3600,
                }),
            )
            .unwrap();
        let url = format!("{}{POOL}/oauth2/userInfo", emu.endpoint());
        async move {
            let resp = reqwest::Client::new()
                .get(url)
                .bearer_auth(token.expose_secret())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{scope}");
            let body: Value = resp.json().await.unwrap();
            let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        }
    };
    let everything = info("openid").await;
    for k in [
        "email",
        "phone_number",
        "given_name",
        "custom:team",
        "sub",
        "username",
    ] {
        assert!(
            everything.iter().any(|e| e == k),
            "openid alone: {k} in {everything:?}"
        );
    }
    assert_eq!(
        info("openid email aws.cognito.signin.user.admin").await,
        ["email", "email_verified", "sub", "username"]
    );
    assert_eq!(
        info("openid phone").await,
        ["phone_number", "phone_number_verified", "sub", "username"]
    );
    assert_eq!(
        info("openid profile").await,
        ["custom:team", "given_name", "sub", "username"]
    );
}

/// Cognito's lockout ("Lockout behavior for failed sign-in attempts"): five wrong passwords
/// are answered as such; then 1 s, 2 s, 4 s... of `Password attempts exceeded` (the right
/// password too, and those attempts do not count); a success after a lockout, or 15 quiet
/// minutes, starts afresh.
#[tokio::test]
async fn wrong_passwords_lock_a_user_out_for_doubling_times() {
    let clock = cognito_sigv4::ManualClock::at_epoch_secs(1_800_000_000);
    let emu = Emulator::builder()
        .seed(Seed::reference())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let sign_in = |password: &'static str| {
        let emu = &emu;
        async move {
            let (status, body) = idp(
                emu,
                "InitiateAuth",
                json!({
                    "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": WEB,
                    "AuthParameters": { "USERNAME": "jdoe", "PASSWORD": password },
                }),
            )
            .await;
            match status {
                200 => "signed in".to_owned(),
                _ => body["message"].as_str().unwrap_or_default().to_owned(),
            }
        }
    };
    const RIGHT: &str = "Quickstart-Passw0rd!";
    const INCORRECT: &str = "Incorrect username or password.";
    const EXCEEDED: &str = "Password attempts exceeded";
    for _ in 0..5 {
        assert_eq!(sign_in("wrong").await, INCORRECT);
    }
    // The fifth failure locks for 1 s: even the right password is refused, and not counted.
    assert_eq!(sign_in(RIGHT).await, EXCEEDED);
    assert_eq!(sign_in("wrong").await, EXCEEDED);
    clock.advance(std::time::Duration::from_secs(1));
    // A sixth failure: 2 s.
    assert_eq!(sign_in("wrong").await, INCORRECT);
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(sign_in(RIGHT).await, EXCEEDED);
    clock.advance(std::time::Duration::from_secs(1));
    // A success after the lockout starts afresh: five more failures before the next one.
    assert_eq!(sign_in(RIGHT).await, "signed in");
    for _ in 0..5 {
        assert_eq!(sign_in("wrong").await, INCORRECT);
    }
    assert_eq!(sign_in(RIGHT).await, EXCEEDED);
    // Fifteen quiet minutes forget the failures too.
    clock.advance(std::time::Duration::from_secs(15 * 60));
    for _ in 0..5 {
        assert_eq!(sign_in("wrong").await, INCORRECT);
    }
}
