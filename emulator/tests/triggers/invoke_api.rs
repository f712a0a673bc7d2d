//! Functions behind the Lambda Invoke API (a stand-in server on 127.0.0.1, as `sam local
//! start-lambda` would serve them), and AWS's answers when a function fails, hangs, answers
//! garbage or cannot be reached.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::time::Duration;

/// What the stand-in received: (function name, invocation type header, event).
type Received = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A Lambda Invoke API on 127.0.0.1: `pre-sign-up` accepts and auto-confirms, `pre-token`
/// throws, `pre-authentication` answers garbage, `post-authentication` hangs.
async fn stand_in() -> (url::Url, Received, tokio::task::JoinHandle<()>) {
    let received = Received::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/2015-03-31/functions/{name}/invocations",
        axum::routing::post(move |Path(name): Path<String>, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let mut event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let kind = headers
                    .get("x-amz-invocation-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                log.lock().unwrap().push((name.clone(), kind, event.clone()));
                match name.as_str() {
                    "pre-sign-up" => {
                        event["response"]["autoConfirmUser"] = json!(true);
                        (StatusCode::OK, HeaderMap::new(), event.to_string()).into_response()
                    }
                    "pre-token" => {
                        let mut h = HeaderMap::new();
                        h.insert("x-amz-function-error", "Unhandled".parse().unwrap());
                        let body = json!({ "errorMessage": "claims service down", "errorType": "Error" });
                        (StatusCode::OK, h, body.to_string()).into_response()
                    }
                    "pre-authentication" => (StatusCode::OK, "<html>not json</html>").into_response(),
                    "post-authentication" => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        (StatusCode::OK, event.to_string()).into_response()
                    }
                    _ => (StatusCode::NOT_FOUND, "{\"Type\":\"User\",\"Message\":\"Function not found\"}").into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, received, task)
}

/// An emulator whose functions are all behind the stand-in (no closures), with a short
/// Lambda timeout.
async fn env_at(endpoint: url::Url) -> (RunningEmulator, idp::Client) {
    let emu = Emulator::builder()
        .seed(seed())
        .clock(ManualClock::at_epoch_secs(START))
        .lambda_endpoint(endpoint)
        .lambda_timeout(Duration::from_millis(500))
        .start()
        .await
        .unwrap();
    let idp = client_of(&emu);
    (emu, idp)
}

fn client_of(emu: &RunningEmulator) -> idp::Client {
    let config = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new("us-east-1"))
        .endpoint_url(emu.endpoint().as_str())
        .build();
    idp::Client::from_conf(config)
}

async fn sign_in(idp: &idp::Client, user: &str) -> Result<(), (String, String)> {
    idp.initiate_auth()
        .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .map(|_| ())
        .map_err(aws_error)
}

#[tokio::test]
async fn functions_run_behind_the_invoke_api_and_their_failures_are_awss_answers() {
    let (endpoint, received, server) = stand_in().await;
    let (emu, idp) = env_at(endpoint).await;

    // Accepted through the Invoke API, by function name, RequestResponse.
    let out = idp
        .sign_up()
        .client_id(CLIENT)
        .username("pat")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.user_confirmed());
    {
        let got = received.lock().unwrap();
        assert_eq!(got[0].0, "pre-sign-up");
        assert_eq!(got[0].1, "RequestResponse");
        assert_eq!(got[0].2["triggerSource"], "PreSignUp_SignUp");
    }

    // Garbage from pre-authentication.
    assert_eq!(
        sign_in(&idp, "jdoe").await.unwrap_err(),
        (
            "InvalidLambdaResponseException".into(),
            "Unrecognizable lambda output".into()
        )
    );
    emu.shutdown().await;

    // A stand-in whose pre-authentication passes: the hanging post-authentication times out
    // (bounded by the Lambda timeout, not the 30 s the function would take).
    let (url, _, second) = stand_in().await;
    let emu = Emulator::builder()
        .seed(seed())
        .clock(ManualClock::at_epoch_secs(START))
        .lambda_endpoint(url)
        .lambda_timeout(Duration::from_millis(500))
        .lambda_function("pre-authentication", |e| async move { Ok(e) })
        .start()
        .await
        .unwrap();
    let idp = client_of(&emu);
    // Bounded well under the 30 s the function would take (no wall clock read: the timeout
    // fails the test instead).
    let answer = tokio::time::timeout(Duration::from_secs(10), sign_in(&idp, "jdoe"))
        .await
        .expect("answered within the Lambda timeout, not the function's 30 s");
    assert_eq!(
        answer.unwrap_err(),
        (
            "UnexpectedLambdaException".into(),
            "PostAuthentication invocation failed due to error Socket timeout while invoking Lambda function.".into()
        )
    );
    emu.shutdown().await;
    server.abort();
    second.abort();
}

#[tokio::test]
async fn a_function_error_and_an_unreachable_endpoint() {
    let (endpoint, _received, server) = stand_in().await;
    // pre-token throws (X-Amz-Function-Error); the other triggers pass in process.
    let emu = Emulator::builder()
        .seed(seed())
        .clock(ManualClock::at_epoch_secs(START))
        .lambda_endpoint(endpoint)
        .lambda_function("pre-authentication", |e| async move { Ok(e) })
        .lambda_function("post-authentication", |e| async move { Ok(e) })
        .start()
        .await
        .unwrap();
    let idp = client_of(&emu);
    assert_eq!(
        sign_in(&idp, "jdoe").await.unwrap_err(),
        (
            "UserLambdaValidationException".into(),
            "PreTokenGeneration failed with error claims service down.".into()
        )
    );
    emu.shutdown().await;
    server.abort();

    // Nothing listens at the endpoint any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        url::Url::parse(&format!("http://{a}")).unwrap()
    };
    let (emu, idp) = env_at(closed).await;
    let refused = sign_in(&idp, "jdoe").await.unwrap_err();
    assert_eq!(refused.0, "UnexpectedLambdaException");
    assert!(
        refused
            .1
            .starts_with("PreAuthentication invocation failed due to error "),
        "{refused:?}"
    );
    // Never a 500: the call log holds a 400 refusal.
    let log = emu.call_log();
    assert!(log.iter().all(|c| c.status < 500), "{log:#?}");
    emu.shutdown().await;
}
