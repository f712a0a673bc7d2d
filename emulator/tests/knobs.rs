//! The knobs soak tests turn, and what a long run needs: the `Date` of every answer from the
//! emulator's clock, faults by rate, and issued state that is forgotten once it has expired.

use std::time::Duration;

use cognito_sigv4::ManualClock;
use cognito_sigv4_emulator::{AppClientSeed, Emulator, Fault, RunningEmulator, Seed, UserSeed};
use serde_json::{Value, json};

/// 2026-01-05 09:04:03 UTC, a Monday: far from the host's time, so that a `Date` from the
/// host's clock would show.
const START: u64 = 1_767_603_843;
const START_DATE: &str = "Mon, 05 Jan 2026 09:04:03 GMT";
const WEB: &str = "quickstartwebclient0000001";
const PASSWORD: &str = "Quickstart-Passw0rd!";
const IDENTITY_POOL: &str = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41";

/// The reference scenario, with a rotating app client `rotating` whose refresh tokens live an
/// hour, and a user `sam` who signs in with an SMS code.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    let pool = &mut seed.user_pools[0];
    pool.clients.push(AppClientSeed {
        id: Some("knobsrotatingclient0000001".into()),
        name: "rotating".into(),
        refresh_token_rotation: true,
        refresh_token_validity_secs: 3600,
        ..Default::default()
    });
    let mut sam = UserSeed {
        username: "sam".into(),
        password: PASSWORD.into(),
        sms_mfa: true,
        ..Default::default()
    };
    sam.attributes
        .insert("phone_number".into(), "+15555550100".into());
    pool.users.push(sam);
    seed
}

async fn start(fault_seed: u64) -> (RunningEmulator, ManualClock) {
    let clock = ManualClock::at_epoch_secs(START);
    let emu = Emulator::builder()
        .seed(seed())
        .clock(clock.clone())
        .fault_seed(fault_seed)
        .start()
        .await
        .unwrap();
    (emu, clock)
}

/// One HTTP client per test (building one per call is slow; a client shared between tests
/// would keep connections of another test's runtime): each test runs on its own thread.
fn http() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::new();
    }
    CLIENT.with(Clone::clone)
}

/// An answer: status, `Date` header, body text.
struct Answer {
    status: u16,
    date: Option<String>,
    text: String,
}

impl Answer {
    async fn read(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let date = resp
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.unwrap();
        Answer { status, date, text }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }
}

/// A JSON 1.1 call: `target` is `AWSCognitoIdentityProviderService.InitiateAuth` and the like.
async fn json11(emu: &RunningEmulator, target: &str, body: Value) -> Answer {
    let resp = http()
        .post(emu.endpoint())
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    Answer::read(resp).await
}

async fn idp(emu: &RunningEmulator, op: &str, body: Value) -> Answer {
    json11(
        emu,
        &format!("AWSCognitoIdentityProviderService.{op}"),
        body,
    )
    .await
}

async fn get_id(emu: &RunningEmulator) -> Answer {
    let body = json!({ "IdentityPoolId": IDENTITY_POOL });
    json11(emu, "AWSCognitoIdentityService.GetId", body).await
}

async fn sts(emu: &RunningEmulator, params: &[(&str, &str)]) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let resp = http()
        .post(emu.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::read(resp).await
}

async fn assume_role(emu: &RunningEmulator, web_identity_token: &str) -> Answer {
    let params = [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", "arn:aws:iam::123456789012:role/GoogleRole"),
        ("RoleSessionName", "knobs"),
        ("WebIdentityToken", web_identity_token),
    ];
    sts(emu, &params).await
}

async fn get(url: &str) -> Answer {
    Answer::read(http().get(url).send().await.unwrap()).await
}

async fn password_sign_in(emu: &RunningEmulator, client: &str, user: &str) -> Answer {
    let params = json!({ "USERNAME": user, "PASSWORD": PASSWORD });
    let body =
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": params });
    idp(emu, "InitiateAuth", body).await
}

#[tokio::test]
async fn every_answer_is_dated_by_the_emulators_clock() {
    let (emu, clock) = start(1).await;
    let base = emu.endpoint();
    let google = emu
        .mint_oidc_token(
            "https://accounts.google.com",
            "google-user",
            "quickstart.apps.googleusercontent.com",
            Duration::from_secs(600),
            json!({}),
        )
        .unwrap();
    let api = emu.api_url("reference", "prod").unwrap();
    let answers = [
        ("idp ok", password_sign_in(&emu, WEB, "jdoe").await, 200),
        (
            "idp error",
            password_sign_in(&emu, "nope", "jdoe").await,
            400,
        ),
        ("identity ok", get_id(&emu).await, 200),
        (
            "sts ok",
            assume_role(&emu, google.expose_secret()).await,
            200,
        ),
        ("sts error", assume_role(&emu, "not-a-token").await, 400),
        ("api gateway", get(&format!("{api}/cip")).await, 403),
        (
            "jwks",
            get(&format!("{base}us-east-1_QuickStrt/.well-known/jwks.json")).await,
            200,
        ),
        ("unknown", get(base.as_str()).await, 404),
    ];
    for (what, answer, status) in &answers {
        assert_eq!(answer.status, *status, "{what}: {}", answer.text);
        assert_eq!(answer.date.as_deref(), Some(START_DATE), "{what}");
    }
    // Faulted answers too, and the date moves with the clock.
    emu.inject_fault("GetId", Fault::Throttle, 1);
    clock.advance(Duration::from_secs(86_400 + 3600 + 61));
    let throttled = get_id(&emu).await;
    assert_eq!(throttled.status, 400, "{}", throttled.text);
    assert_eq!(
        throttled.date.as_deref(),
        Some("Tue, 06 Jan 2026 10:05:04 GMT")
    );
    emu.shutdown().await;
}

/// Which of `n` GetId calls were throttled.
async fn throttled_calls(emu: &RunningEmulator, n: usize) -> Vec<bool> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let answer = get_id(emu).await;
        let throttled = answer.json()["__type"] == "TooManyRequestsException";
        assert!(throttled || answer.status == 200, "{}", answer.text);
        out.push(throttled);
    }
    out
}

#[tokio::test]
async fn fault_rates_fail_their_share_of_calls_replayably_until_cleared() {
    let (emu, _clock) = start(42).await;
    emu.inject_fault_rate("GetId", Fault::Throttle, 0.3);
    // Counted faults come first.
    emu.inject_fault("GetId", Fault::ServerError, 2);
    for _ in 0..2 {
        let answer = get_id(&emu).await;
        assert_eq!(answer.status, 500, "{}", answer.text);
    }
    let first = throttled_calls(&emu, 400).await;
    let share = first.iter().filter(|t| **t).count();
    assert!((80..=160).contains(&share), "{share} of 400 throttled");
    // Other operations are not touched.
    assert_eq!(password_sign_in(&emu, WEB, "jdoe").await.status, 200);
    assert_eq!(emu.calls("GetId"), 402, "faulted calls are counted");

    // The same fault seed and the same calls meet the same faults.
    let (again, _clock) = start(42).await;
    again.inject_fault_rate("GetId", Fault::Throttle, 0.3);
    assert_eq!(throttled_calls(&again, 400).await, first);

    // Every API Gateway request, at ratio 1; then nothing after clear_faults.
    let api = emu.api_url("reference", "prod").unwrap();
    emu.inject_fault_rate("execute-api", Fault::ServerError, 1.0);
    assert_eq!(get(&format!("{api}/cip")).await.status, 500);
    emu.clear_faults();
    assert_eq!(get(&format!("{api}/cip")).await.status, 403);
    assert!(throttled_calls(&emu, 50).await.iter().all(|t| !t));
    emu.shutdown().await;
    again.shutdown().await;
}

#[tokio::test]
async fn expired_issued_state_is_forgotten_so_a_long_run_stays_bounded() {
    let (emu, clock) = start(7).await;
    // One of each: tokens (a refresh token), an SRP exchange left open, an SMS challenge
    // session and its code, a revoked sign-in, and credentials.
    let tokens = password_sign_in(&emu, WEB, "jdoe").await.json();
    let refresh = tokens["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let srp = json!({
        "AuthFlow": "USER_SRP_AUTH", "ClientId": WEB,
        "AuthParameters": { "USERNAME": "jdoe", "SRP_A": "0a1b2c3d4e5f" },
    });
    assert_eq!(idp(&emu, "InitiateAuth", srp).await.status, 200);
    let sms = password_sign_in(&emu, WEB, "sam").await.json();
    assert_eq!(sms["ChallengeName"], "SMS_MFA");
    let revoked = password_sign_in(&emu, WEB, "jdoe").await.json();
    let revoke = json!({
        "ClientId": WEB,
        "Token": revoked["AuthenticationResult"]["RefreshToken"],
    });
    assert_eq!(idp(&emu, "RevokeToken", revoke).await.status, 200);
    emu.issue_test_credentials(
        "arn:aws:iam::123456789012:role/CipRole",
        Duration::from_secs(3600),
    );
    let held = emu.issued_state();
    assert_eq!(
        (
            held.refresh_tokens,
            held.srp_exchanges,
            held.challenge_sessions
        ),
        (2, 1, 1),
        "{held:?}"
    );
    assert_eq!(
        (held.sent_codes, held.revoked_sign_ins, held.credentials),
        (1, 1, 1),
        "{held:?}"
    );

    // Expired, but remembered for an hour: a late answer still says "expired".
    clock.advance(Duration::from_secs(181));
    let late = json!({
        "ClientId": WEB, "ChallengeName": "SMS_MFA", "Session": sms["Session"],
        "ChallengeResponses": { "USERNAME": "sam", "SMS_MFA_CODE": "000000" },
    });
    let answer = idp(&emu, "RespondToAuthChallenge", late.clone()).await;
    assert_eq!(
        answer.json()["message"],
        "Invalid session for the user, session is expired."
    );
    let held = emu.issued_state();
    assert_eq!((held.srp_exchanges, held.challenge_sessions), (0, 1));

    // An hour after their expiry the session and its code are forgotten, and the revoked
    // sign-in, whose access tokens (an hour of life) have expired; credentials (an hour of
    // life) an hour later.
    clock.advance(Duration::from_secs(3600));
    idp(&emu, "RespondToAuthChallenge", late.clone()).await;
    let held = emu.issued_state();
    assert_eq!((held.challenge_sessions, held.sent_codes), (0, 0));
    assert_eq!(emu.sent_codes("sam").len(), 0);
    assert_eq!(
        idp(&emu, "RespondToAuthChallenge", late).await.json()["message"],
        "Invalid session for the user."
    );
    assert_eq!((held.credentials, held.revoked_sign_ins), (1, 0));
    clock.advance(Duration::from_secs(3600));
    get_id(&emu).await;
    let held = emu.issued_state();
    assert_eq!(held.credentials, 0, "{held:?}");
    assert_eq!(held.refresh_tokens, 2, "refresh tokens live 30 days");

    // Refresh tokens: expired at 30 days, forgotten an hour later.
    clock.advance(Duration::from_secs(30 * 86_400 - 181 - 2 * 3600));
    let refresh_body = |token: &str| {
        json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": WEB,
            "AuthParameters": { "REFRESH_TOKEN": token },
        })
    };
    let answer = idp(&emu, "InitiateAuth", refresh_body(&refresh)).await;
    assert_eq!(answer.json()["message"], "Refresh Token has expired");
    clock.advance(Duration::from_secs(3600));
    let answer = idp(&emu, "InitiateAuth", refresh_body(&refresh)).await;
    assert_eq!(answer.json()["message"], "Invalid Refresh Token");
    assert_eq!(emu.issued_state(), Default::default());
    emu.shutdown().await;
}

/// A soak's shape: a rotating refresh every minute for five hours, and credentials each time.
/// Without forgetting, 300 refresh tokens and 300 credentials would be held; with it, about
/// two hours' worth (an hour of life, an hour of memory).
#[tokio::test]
async fn a_long_run_of_rotating_refreshes_holds_a_bounded_state() {
    let (emu, clock) = start(3).await;
    let client = "knobsrotatingclient0000001";
    let tokens = password_sign_in(&emu, client, "jdoe").await.json();
    let mut refresh = tokens["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut most = 0;
    for _ in 0..300 {
        let body = json!({ "ClientId": client, "RefreshToken": refresh });
        let answer = idp(&emu, "GetTokensFromRefreshToken", body).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        refresh = answer.json()["AuthenticationResult"]["RefreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        emu.issue_test_credentials(
            "arn:aws:iam::123456789012:role/CipRole",
            Duration::from_secs(3600),
        );
        clock.advance(Duration::from_secs(60));
        let held = emu.issued_state();
        most = most.max(held.refresh_tokens.max(held.credentials));
    }
    assert!((100..=125).contains(&most), "at most {most} held");
    emu.shutdown().await;
}

/// A request is judged by the emulator's clock as it was when the request arrived: a clock
/// moved while it is served (a test's accelerated clock, here during an injected latency)
/// does not expire what was valid when it came in — AWS takes milliseconds to decide.
#[tokio::test]
async fn a_request_is_judged_at_the_time_it_arrived() {
    let (emu, clock) = start(1).await;
    let token = emu
        .mint_user_pool_id_token("quickstart", "web", "jdoe")
        .unwrap();
    // A second before the ID token expires (the reference client's tokens last an hour).
    clock.advance(Duration::from_secs(3_599));
    emu.inject_fault("GetId", Fault::Latency(Duration::from_secs(2)), 1);
    let logins = json!({
        "IdentityPoolId": IDENTITY_POOL,
        "Logins": {
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt": token.expose_secret(),
        },
    });
    let call = tokio::spawn({
        let endpoint = emu.endpoint();
        async move {
            let resp = http()
                .post(endpoint)
                .header("x-amz-target", "AWSCognitoIdentityService.GetId")
                .header("content-type", "application/x-amz-json-1.1")
                .body(logins.to_string())
                .send()
                .await
                .unwrap();
            Answer::read(resp).await
        }
    });
    // Once it has arrived (counted), while it is being served, ten seconds pass on the
    // emulator's clock. (Waiting for the count, not a fixed sleep: on a loaded machine the
    // request may not have been sent yet after any fixed time.)
    for _ in 0..1_000 {
        if emu.calls("GetId") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(emu.calls("GetId"), 1, "the request arrived");
    clock.advance(Duration::from_secs(10));
    let answer = call.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text);
    // A request arriving now meets the moved clock: the token has expired.
    let late = get_id_with(&emu, &token).await;
    assert_eq!(late.status, 400, "{}", late.text);
    assert!(late.text.contains("Token expired"), "{}", late.text);
}

async fn get_id_with(emu: &RunningEmulator, token: &cognito_sigv4::secret::Jwt) -> Answer {
    let body = json!({
        "IdentityPoolId": IDENTITY_POOL,
        "Logins": {
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt": token.expose_secret(),
        },
    });
    json11(emu, "AWSCognitoIdentityService.GetId", body).await
}
