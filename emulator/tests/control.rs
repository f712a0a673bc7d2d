//! The HTTP control surface under `/_emulator/` (health, reset, codes, clock, faults) and CORS,
//! driven as a test in another language would drive them: plain HTTP, plus a Python test that
//! finishes a sign-up and a forgotten password with boto3 through `/_emulator/codes`.

mod support;

use std::time::Duration;

use cognito_sigv4_emulator::{AppClientSeed, Emulator, RunningEmulator, Seed};
use serde_json::{Value, json};

const WEB: &str = "quickstartwebclient0000001";
const PY_CLIENT: &str = "controlpythonclient0000001";
const IDENTITY_POOL: &str = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41";
const PASSWORD: &str = "Quickstart-Passw0rd!";

/// The reference scenario with an app client that allows USER_PASSWORD_AUTH.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    seed.user_pools[0].clients.push(AppClientSeed {
        id: Some(PY_CLIENT.into()),
        name: "python".into(),
        explicit_auth_flows: vec![
            "ALLOW_USER_PASSWORD_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ],
        ..Default::default()
    });
    seed
}

async fn start() -> RunningEmulator {
    Emulator::builder().seed(seed()).start().await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn control(
    emu: &RunningEmulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}_emulator/{path}", emu.endpoint());
    let mut req = http().request(method.parse().unwrap(), url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn idp(emu: &RunningEmulator, op: &str, body: Value) -> (u16, Value) {
    let resp = http()
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
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn sign_up(emu: &RunningEmulator, username: &str) -> (u16, Value) {
    idp(
        emu,
        "SignUp",
        json!({
            "ClientId": WEB, "Username": username, "Password": "Signed-Up-Passw0rd!",
            "UserAttributes": [{ "Name": "email", "Value": format!("{username}@example.com") }],
        }),
    )
    .await
}

#[tokio::test]
async fn health_codes_and_reset_back_to_the_seed() {
    let emu = start().await;
    let (status, health) = control(&emu, "GET", "health", None).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));

    assert_eq!(sign_up(&emu, "pat").await.0, 200);
    let (status, codes) = control(&emu, "GET", "codes?username=pat", None).await;
    assert_eq!(status, 200);
    let code = &codes["codes"][0];
    assert_eq!(code["purpose"], "SignUp");
    assert_eq!(code["medium"], "EMAIL");
    assert_eq!(code["destination"], "pat@example.com");
    assert_eq!(code["pool_id"], "us-east-1_QuickStrt");
    assert_eq!(code["code"].as_str().unwrap().len(), 6);
    let (_, none) = control(&emu, "GET", "codes?username=jdoe", None).await;
    assert_eq!(none["codes"].as_array().unwrap().len(), 0);
    let (_, other_pool) = control(&emu, "GET", "codes?pool=nope", None).await;
    assert_eq!(other_pool["codes"].as_array().unwrap().len(), 0);
    let (status, _) = control(&emu, "GET", "codes?who=pat", None).await;
    assert_eq!(status, 400);

    let (status, confirmed) = idp(
        &emu,
        "ConfirmSignUp",
        json!({ "ClientId": WEB, "Username": "pat", "ConfirmationCode": code["code"] }),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    // Signed up twice: the name is taken; after a reset it is free again and the outbox empty.
    assert_eq!(
        sign_up(&emu, "pat").await.1["__type"],
        "UsernameExistsException"
    );
    let (status, _) = control(&emu, "POST", "reset", None).await;
    assert_eq!(status, 200);
    let (_, codes) = control(&emu, "GET", "codes", None).await;
    assert_eq!(codes["codes"].as_array().unwrap().len(), 0);
    assert_eq!(sign_up(&emu, "pat").await.0, 200);
    assert!(
        emu.call_log()
            .iter()
            .all(|r| !r.operation.contains("_emulator"))
    );
}

#[tokio::test]
async fn the_clock_moves_every_service() {
    let emu = start().await;
    let (_, before) = control(&emu, "GET", "clock", None).await;
    let at = before["epoch_ms"].as_u64().unwrap();
    let (status, moved) =
        control(&emu, "POST", "clock", Some(json!({ "advance_secs": 7200 }))).await;
    assert_eq!(status, 200);
    let delta = moved["epoch_ms"].as_u64().unwrap() - at;
    assert!((7_200_000..7_260_000).contains(&delta), "{delta}");
    assert_eq!(moved["offset_ms"], 7_200_000);

    // An ID token minted before the move has expired for the identity pool.
    control(&emu, "POST", "clock", Some(json!({ "reset": true }))).await;
    let token = emu
        .mint_user_pool_id_token("quickstart", "web", "jdoe")
        .unwrap();
    let get_id = json!({
        "IdentityPoolId": IDENTITY_POOL,
        "Logins": { "cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt": token.expose_secret() },
    });
    let endpoint = emu.endpoint();
    let call = |body: Value| {
        let endpoint = endpoint.clone();
        async move {
            let resp = http()
                .post(endpoint)
                .header("x-amz-target", "AWSCognitoIdentityService.GetId")
                .header("content-type", "application/x-amz-json-1.1")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(call(get_id.clone()).await.0, 200);
    control(&emu, "POST", "clock", Some(json!({ "advance_secs": 3601 }))).await;
    let (status, body) = call(get_id.clone()).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("Token expired"),
        "{body}"
    );
    // Set back to a time before the token's expiry: valid again.
    let (status, _) = control(
        &emu,
        "POST",
        "clock",
        Some(json!({ "epoch_secs": at / 1000 + 60 })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(call(get_id).await.0, 200);

    for bad in [
        json!({}),
        json!({ "advance_secs": -1 }),
        json!({ "time": "yesterday" }),
    ] {
        assert_eq!(control(&emu, "POST", "clock", Some(bad)).await.0, 400);
    }
}

#[tokio::test]
async fn faults_are_injected_and_cleared_over_http() {
    let emu = start().await;
    let guest = json!({ "IdentityPoolId": IDENTITY_POOL });
    let get_id = || async {
        http()
            .post(emu.endpoint())
            .header("x-amz-target", "AWSCognitoIdentityService.GetId")
            .header("content-type", "application/x-amz-json-1.1")
            .body(guest.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let (status, _) = control(
        &emu,
        "POST",
        "faults",
        Some(json!({ "operation": "GetId", "fault": "ServerError", "times": 2 })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(get_id().await, 500);
    assert_eq!(get_id().await, 500);
    assert_eq!(get_id().await, 200);

    control(
        &emu,
        "POST",
        "faults",
        Some(json!({ "operation": "GetId", "fault": "Throttle", "rate": 1.0 })),
    )
    .await;
    assert_eq!(get_id().await, 400);
    let (status, _) = control(&emu, "DELETE", "faults", None).await;
    assert_eq!(status, 200);
    assert_eq!(get_id().await, 200);

    for bad in [
        json!({ "operation": "GetId", "fault": "Explode", "times": 1 }),
        json!({ "operation": "GetId", "fault": "Latency", "times": 1 }),
        json!({ "operation": "GetId", "fault": "Throttle" }),
        json!({ "operation": "GetId", "fault": "Throttle", "rate": 2 }),
        json!({ "fault": "Throttle", "times": 1 }),
    ] {
        assert_eq!(control(&emu, "POST", "faults", Some(bad)).await.0, 400);
    }
    assert_eq!(control(&emu, "GET", "nothing-here", None).await.0, 404);
    assert_eq!(control(&emu, "PUT", "clock", None).await.0, 405);
}

#[tokio::test]
async fn every_endpoint_answers_preflights_and_exposes_aws_headers() {
    let emu = start().await;
    let api = emu.api_url("reference", "prod").unwrap();
    for url in [emu.endpoint().to_string(), format!("{api}/cip")] {
        let resp = http()
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,x-amz-target,x-amz-user-agent",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        let h = resp.headers();
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(
            h["access-control-allow-headers"],
            "content-type,x-amz-target,x-amz-user-agent"
        );
        assert!(
            h["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST")
        );
    }
    let (status, body) = idp(
        &emu,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nope" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let resp = http()
        .post(emu.endpoint())
        .header("origin", "http://localhost:3000")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")
        .header("content-type", "application/x-amz-json-1.1")
        .body("{}")
        .send()
        .await
        .unwrap();
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let exposed = h["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["x-amzn-requestid", "x-amzn-errortype", "date"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    assert!(
        emu.call_log()
            .iter()
            .all(|r| !r.operation.contains("OPTIONS")),
        "preflights are not logged"
    );
}

#[tokio::test]
async fn python_finishes_sign_up_and_forgot_password_through_the_codes_endpoint() {
    let test = "python_finishes_sign_up_and_forgot_password_through_the_codes_endpoint";
    if !support::python_ready(test, &["boto3"]) {
        return;
    }
    let emu = start().await;
    let out = support::run_python(
        "codes_flow.py",
        vec![emu.endpoint().to_string(), PY_CLIENT.to_owned()],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(out.trim(), "ok");
    // The emulator saw what the script did.
    assert_eq!(emu.calls("SignUp"), 1);
    assert_eq!(emu.calls("ConfirmForgotPassword"), 2);
    let _ = PASSWORD;
}
