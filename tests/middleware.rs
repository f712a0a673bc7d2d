//! `client::CognitoMiddleware` (feature `reqwest-middleware`) in a stack with reqwest-retry and
//! reqwest-tracing, against the emulator: a signed 200, a transient 500 retried by the retry
//! layer and signed again, a clock skew learned from one refusal, expired credentials replaced
//! once, and requests to other hosts left alone.

mod support;

use std::time::Duration;

use cognito_sigv4::client::{ApiClient, CognitoMiddleware};
use cognito_sigv4::{Session, SignInOutcome};
use cognito_sigv4_emulator::{Fault, Seed};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use reqwest_tracing::TracingMiddleware;
use support::{DeviceClock, PASSWORD, TestEmulator};

const HOST: &str = "abc123defg.execute-api.us-east-1.amazonaws.com";

/// The reference scenario with 15-minute credentials.
async fn emulator() -> TestEmulator {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(900);
    TestEmulator::with_seed(seed).await
}

async fn session(env: &TestEmulator, device: DeviceClock) -> Session {
    match Session::builder(env.config())
        .clock(device)
        .refresh_margin(Duration::from_secs(5))
        .sign_in("jdoe", &cognito_sigv4::Password::new(PASSWORD))
        .await
        .unwrap()
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(_) => panic!("no challenge expected"),
    }
}

/// Tracing, then retries of transient failures, then Cognito's authentication (so that each
/// retry is signed afresh), over a client that reaches the emulator for the API's host.
fn stack(env: &TestEmulator, session: &Session) -> ClientWithMiddleware {
    let auth = ApiClient::builder(format!("http://{HOST}/prod"))
        .session(session)
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .resolve(HOST, env.addr())
        .build()
        .unwrap();
    let retry = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(10))
        .build_with_max_retries(2);
    ClientBuilder::new(http)
        .with(TracingMiddleware::default())
        .with(RetryTransientMiddleware::new_with_policy(retry))
        .with(CognitoMiddleware::new(auth))
        .build()
}

#[tokio::test]
async fn the_stack_signs_retries_transient_failures_and_leaves_other_hosts_alone() {
    let env = emulator().await;
    let session = session(&env, DeviceClock::new(&env.clock, 0)).await;
    let client = stack(&env, &session);
    let url = format!("http://{HOST}/prod/cip");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);

    // A 500 from API Gateway: reqwest-retry sends again, and the attempt is signed again.
    env.emulator
        .inject_fault("execute-api", Fault::ServerError, 1);
    let before = env.calls("execute-api");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(env.calls("execute-api"), before + 2);

    // The same API by another name (the emulator's path form): not under the base URL, so
    // not signed, and refused as API Gateway refuses an unsigned request.
    let other = format!("{}/cip", env.emulator.api_url("reference", "prod").unwrap());
    let answer = client.get(&other).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("Missing Authentication Token")
    );
    env.shutdown().await;
}

#[tokio::test]
async fn a_skewed_clock_and_expired_credentials_are_each_mended_by_one_retry() {
    let env = emulator().await;
    let device = DeviceClock::new(&env.clock, 0);
    let session = session(&env, device.clone()).await;
    let client = stack(&env, &session);
    let url = format!("http://{HOST}/prod/cip");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);

    // The device clock falls 20 minutes behind: one refusal, one retry in the server's time.
    device.set_offset(-1_200);
    env.clock.advance(Duration::from_secs(60));
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(session.clock_skew().offset_secs(), 1_200);
    device.set_offset(0);
    assert!(session.clock_skew().adopt(0));

    // Credentials the device thinks valid but the service finds expired: refused once, then
    // new ones from the session.
    let first = session.credentials().await.unwrap();
    device.set_offset(-120);
    let expiry = first.expiry().unwrap();
    env.clock.set(expiry + Duration::from_secs(1));
    env.clock.advance(Duration::from_secs(60));
    let before = env.calls("GetCredentialsForIdentity");
    let answer = client.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    assert_eq!(env.calls("GetCredentialsForIdentity"), before + 1);
    env.shutdown().await;
}
